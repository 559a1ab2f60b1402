// S3 ObjectStore over @aws-sdk/client-s3 (MinIO in production, Ceph radosgw in tests).
//
// - Path-style addressing against a custom endpoint; credentials from the options, else the
//   standard AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN variables, else the
//   SDK's default provider chain.
// - The SDK's own retries are OFF (maxAttempts 1): retries belong to RetryObjectStore, which
//   knows which operations are safe to repeat. Every error is mapped by s3-errors.ts.
// - Optional checksums are off (WHEN_REQUIRED): they cost CPU on every small PUT and older
//   S3 servers reject the trailing-checksum encoding.
// - A keep-alive agent with many sockets: the WAL issues many small PUTs concurrently.
// - Conditional puts: ETags go to S3 unquoted (radosgw's If-Match needs that). A 409/500
//   answer to a conditional put is ambiguous (radosgw answers some losing writers that way):
//   the store re-reads the object; if it holds our bytes the put succeeded, else it lost.
// - upload() uses @aws-sdk/lib-storage (multipart above one part). It is unconditional:
//   radosgw's CompleteMultipartUpload ignores If-None-Match (see object-store.ts).
//
// Concurrency: every method may be called concurrently; the client is shared.

import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { Readable } from 'node:stream';
import {
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import type { GetObjectCommandOutput } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { ConflictError, ErrorCodes, InvalidError, UnavailableError } from '../errors.js';
import type {
  ByteRange,
  GetResult,
  ListOptions,
  ListPage,
  ObjectMeta,
  ObjectStore,
  PutOptions,
  PutResult,
  UploadOptions,
  UploadSource,
} from './object-store.js';
import { maybeAppliedConflict } from './conflict.js';
import { isAmbiguousConditionalFailure, isNotFound, mapS3Error } from './s3-errors.js';
import { resolveRange, validateKey, validatePrefix } from './validate.js';

export interface S3ObjectStoreOptions {
  /** e.g. `http://127.0.0.1:9000`. */
  readonly endpoint: string;
  readonly bucket: string;
  /** Key prefix under the bucket (`tsbase/cluster1/`); keys are relative to it. */
  readonly prefix?: string;
  /** Default `us-east-1` (or AWS_REGION). */
  readonly region?: string;
  readonly accessKeyId?: string;
  readonly secretAccessKey?: string;
  readonly sessionToken?: string;
  /** Sockets per host (default 256). */
  readonly maxSockets?: number;
  /** Connect timeout in ms (default 5000). */
  readonly connectTimeoutMs?: number;
  /** A socket idle this long fails the request with TSB_TIMEOUT (default 30000 ms). */
  readonly idleTimeoutMs?: number;
  /** Parts uploaded in parallel by upload() (default 4). */
  readonly uploadQueueSize?: number;
}

const MiB = 1 << 20;
const MIN_PART = 5 * MiB;
const DEFAULT_PART = 8 * MiB;
const DELETE_BATCH = 1000;

export class S3ObjectStore implements ObjectStore {
  readonly description: string;
  readonly client: S3Client;
  private readonly bucket: string;
  private readonly prefix: string;
  private readonly uploadQueueSize: number;

  constructor(opts: S3ObjectStoreOptions) {
    this.bucket = opts.bucket;
    this.prefix = opts.prefix ?? '';
    if (this.prefix !== '') validatePrefix(this.prefix);
    this.description = `s3://${opts.bucket}/${this.prefix}`;
    this.uploadQueueSize = opts.uploadQueueSize ?? 4;
    const agentOpts = { keepAlive: true, maxSockets: opts.maxSockets ?? 256, maxFreeSockets: 64 };
    const accessKeyId = opts.accessKeyId ?? process.env['AWS_ACCESS_KEY_ID'];
    const secretAccessKey = opts.secretAccessKey ?? process.env['AWS_SECRET_ACCESS_KEY'];
    const sessionToken = opts.sessionToken ?? (opts.accessKeyId === undefined ? process.env['AWS_SESSION_TOKEN'] : undefined);
    this.client = new S3Client({
      endpoint: opts.endpoint,
      region: opts.region ?? process.env['AWS_REGION'] ?? 'us-east-1',
      forcePathStyle: true,
      maxAttempts: 1,
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      ...(accessKeyId !== undefined && secretAccessKey !== undefined
        ? { credentials: { accessKeyId, secretAccessKey, ...(sessionToken !== undefined ? { sessionToken } : {}) } }
        : {}),
      requestHandler: new NodeHttpHandler({
        httpAgent: new HttpAgent(agentOpts),
        httpsAgent: new HttpsAgent(agentOpts),
        connectionTimeout: opts.connectTimeoutMs ?? 5000,
        socketTimeout: opts.idleTimeoutMs ?? 30000,
      }),
    });
  }

  /** Reads an object or a range of it. Throws NotFoundError, InvalidError(TSB_INVALID_RANGE), UnavailableError. */
  async get(key: string, range?: ByteRange): Promise<GetResult> {
    validateKey(key);
    const header = range === undefined ? undefined : rangeHeader(key, range);
    let res: GetObjectCommandOutput;
    let body: Buffer;
    try {
      res = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.prefix + key, Range: header }));
      body = await readBody(res.Body as Readable | undefined, res.ContentLength);
    } catch (err) {
      throw mapS3Error(err, { op: 'get', key, bucket: this.bucket });
    }
    const etag = stripQuotes(res.ETag);
    const total = res.ContentRange === undefined ? undefined : /\/(\d+)\s*$/.exec(res.ContentRange)?.[1];
    if (range !== undefined && total === undefined) {
      // The server ignored the range (it may for an empty object): apply it here.
      const { start, end } = resolveRange(key, range, body.length);
      return { body: body.subarray(start, end), etag, size: body.length };
    }
    return { body, etag, size: total === undefined ? body.length : Number(total) };
  }

  async head(key: string): Promise<ObjectMeta | undefined> {
    validateKey(key);
    try {
      const res = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: this.prefix + key }));
      return { key, size: res.ContentLength ?? 0, etag: stripQuotes(res.ETag) };
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw mapS3Error(err, { op: 'head', key, bucket: this.bucket });
    }
  }

  async put(key: string, body: Buffer | Uint8Array, opts: PutOptions = {}): Promise<PutResult> {
    validateKey(key);
    const condition = opts.ifNoneMatch === '*' ? 'ifNoneMatch' : opts.ifMatch !== undefined ? 'ifMatch' : undefined;
    try {
      const res = await this.client.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: this.prefix + key,
          Body: body,
          ContentLength: body.length,
          ...(opts.ifNoneMatch === '*' ? { IfNoneMatch: '*' } : {}),
          ...(opts.ifMatch !== undefined ? { IfMatch: stripQuotes(opts.ifMatch) } : {}),
        }),
      );
      return { etag: stripQuotes(res.ETag) };
    } catch (err) {
      if (condition !== undefined && isAmbiguousConditionalFailure(err)) return this.resolveAmbiguousPut(key, body, opts, err);
      throw mapS3Error(err, { op: 'put', key, bucket: this.bucket, ...(condition !== undefined ? { condition } : {}) });
    }
  }

  /**
   * A conditional put got 409/500: did it happen? Re-read the object. Our bytes there → it
   * happened. Different bytes (or, for If-Match, no object) → it lost: ConflictError (for
   * If-Match with `maybeApplied: true`: it may have been applied and replaced since). The
   * object exactly as before (absent for If-None-Match, the expected etag for If-Match) →
   * nothing happened: UnavailableError (retryable).
   */
  private async resolveAmbiguousPut(key: string, body: Buffer | Uint8Array, opts: PutOptions, cause: unknown): Promise<PutResult> {
    let current: GetResult | undefined;
    try {
      current = await this.get(key);
    } catch (err) {
      if (!(err instanceof Error && 'code' in err && err.code === ErrorCodes.NOT_FOUND)) throw err;
    }
    if (current !== undefined && Buffer.compare(current.body, body) === 0) return { etag: current.etag };
    const details = { key, status: String((cause as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode) };
    if (opts.ifNoneMatch === '*') {
      if (current !== undefined) throw new ConflictError('object already exists', { code: ErrorCodes.ALREADY_EXISTS, cause, details });
    } else if (current === undefined || current.etag !== stripQuotes(opts.ifMatch ?? '')) {
      // Lost, or applied and already replaced by another writer: we cannot tell.
      throw maybeAppliedConflict(new ConflictError('object changed since it was read (etag mismatch)', { code: ErrorCodes.PRECONDITION_FAILED, cause, details }));
    }
    throw new UnavailableError('conditional put failed without writing; the object is unchanged', { cause, details });
  }

  async list(prefix: string, opts: ListOptions = {}): Promise<ListPage> {
    validatePrefix(prefix);
    const limit = Math.min(Math.max(opts.limit ?? 1000, 1), 1000);
    try {
      const res = await this.client.send(
        new ListObjectsV2Command({
          Bucket: this.bucket,
          Prefix: this.prefix + prefix,
          MaxKeys: limit,
          ...(opts.continuationToken !== undefined ? { ContinuationToken: opts.continuationToken } : {}),
          ...(opts.startAfter !== undefined ? { StartAfter: this.prefix + opts.startAfter } : {}),
        }),
      );
      const strip = this.prefix.length;
      const objects: ObjectMeta[] = (res.Contents ?? []).map((o) => ({
        key: (o.Key ?? '').slice(strip),
        size: o.Size ?? 0,
        etag: stripQuotes(o.ETag),
      }));
      return res.IsTruncated === true && res.NextContinuationToken !== undefined ? { objects, nextToken: res.NextContinuationToken } : { objects };
    } catch (err) {
      throw mapS3Error(err, { op: 'list', key: prefix, bucket: this.bucket });
    }
  }

  async delete(key: string): Promise<void> {
    validateKey(key);
    try {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.prefix + key }));
    } catch (err) {
      if (isNotFound(err)) return;
      throw mapS3Error(err, { op: 'delete', key, bucket: this.bucket });
    }
  }

  /** Deletes in batches of 1000 (DeleteObjects), up to 4 batches at a time. */
  async deleteMany(keys: readonly string[]): Promise<void> {
    for (const k of keys) validateKey(k);
    const batches: string[][] = [];
    for (let i = 0; i < keys.length; i += DELETE_BATCH) batches.push(keys.slice(i, i + DELETE_BATCH));
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < batches.length) await this.deleteBatch(batches[next++]!);
    };
    await Promise.all(Array.from({ length: Math.min(4, batches.length) }, worker));
  }

  private async deleteBatch(keys: string[]): Promise<void> {
    let res;
    try {
      res = await this.client.send(
        new DeleteObjectsCommand({
          Bucket: this.bucket,
          Delete: { Objects: keys.map((k) => ({ Key: this.prefix + k })), Quiet: true },
        }),
      );
    } catch (err) {
      throw mapS3Error(err, { op: 'deleteMany', key: keys[0] ?? '', bucket: this.bucket });
    }
    const failed = (res.Errors ?? []).filter((e) => e.Code !== 'NoSuchKey');
    if (failed.length > 0) {
      const first = failed[0]!;
      throw new UnavailableError('the object store failed to delete some objects', {
        retryable: first.Code === 'InternalError' || first.Code === 'SlowDown',
        details: { key: (first.Key ?? '').slice(this.prefix.length), s3: first.Code, failed: failed.length },
      });
    }
  }

  async upload(key: string, source: UploadSource, opts: UploadOptions = {}): Promise<PutResult & { size: number }> {
    validateKey(key);
    let size = 0;
    async function* counted(): AsyncGenerator<Buffer | Uint8Array> {
      for await (const chunk of source) {
        size += chunk.length;
        yield chunk;
      }
    }
    const upload = new Upload({
      client: this.client,
      params: { Bucket: this.bucket, Key: this.prefix + key, Body: Readable.from(counted(), { objectMode: false }) },
      partSize: Math.max(MIN_PART, opts.partSize ?? DEFAULT_PART),
      queueSize: this.uploadQueueSize,
      leavePartsOnError: false,
    });
    try {
      const res = await upload.done();
      let etag = stripQuotes(res.ETag);
      if (etag === '') {
        // radosgw answers CompleteMultipartUpload with an empty ETag element: ask for it.
        const head = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: this.prefix + key }));
        etag = stripQuotes(head.ETag);
      }
      return { etag, size };
    } catch (err) {
      throw mapS3Error(err, { op: 'upload', key, bucket: this.bucket });
    }
  }

  async close(): Promise<void> {
    this.client.destroy();
  }
}

/** `"abc"` → `abc` (S3 quotes ETags; If-Match on radosgw needs them unquoted). */
function stripQuotes(etag: string | undefined): string {
  if (etag === undefined) return '';
  return etag.length >= 2 && etag.startsWith('"') && etag.endsWith('"') ? etag.slice(1, -1) : etag;
}

/** The HTTP Range header for `range`; throws InvalidError(TSB_INVALID_RANGE) for an empty or negative range. */
function rangeHeader(key: string, range: ByteRange): string {
  if ('suffix' in range) {
    if (!Number.isSafeInteger(range.suffix) || range.suffix <= 0) {
      throw new InvalidError('invalid byte range: a suffix range needs a positive length and a non-empty object', {
        code: ErrorCodes.INVALID_RANGE,
        details: { key, suffix: range.suffix },
      });
    }
    return `bytes=-${range.suffix}`;
  }
  const { offset, length } = range;
  if (!Number.isSafeInteger(offset) || offset < 0 || (length !== undefined && (!Number.isSafeInteger(length) || length <= 0))) {
    throw new InvalidError('invalid byte range: offset must be >= 0 and length > 0', {
      code: ErrorCodes.INVALID_RANGE,
      details: { key, offset, length },
    });
  }
  return length === undefined ? `bytes=${offset}-` : `bytes=${offset}-${offset + length - 1}`;
}

/** Reads a response body into one Buffer, copying each network chunk once. */
async function readBody(stream: Readable | undefined, contentLength: number | undefined): Promise<Buffer> {
  if (stream === undefined) return Buffer.alloc(0);
  if (contentLength === undefined) {
    const parts: Buffer[] = [];
    for await (const c of stream) parts.push(c as Buffer);
    return parts.length === 1 ? parts[0]! : Buffer.concat(parts);
  }
  const out = Buffer.allocUnsafe(contentLength);
  let off = 0;
  for await (const c of stream) {
    const chunk = c as Buffer;
    if (off + chunk.length > contentLength) throw new UnavailableError('object store sent more bytes than announced', { details: { expected: contentLength } });
    chunk.copy(out, off);
    off += chunk.length;
  }
  if (off !== contentLength) {
    throw new UnavailableError('object store response ended early', { details: { expected: contentLength, received: off } });
  }
  return out;
}
