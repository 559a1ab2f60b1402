// In-memory ObjectStore for unit tests. Same semantics as the durable stores (see
// object-store.ts), nothing survives the process.

import { createHash } from 'node:crypto';
import { ConflictError, ErrorCodes, NotFoundError } from '../errors.js';
import type { ByteRange, GetResult, ListOptions, ListPage, ObjectMeta, ObjectStore, PutOptions, PutResult, UploadOptions, UploadSource } from './object-store.js';
import { compareKeys, resolveRange, validateKey, validatePrefix } from './validate.js';

interface Entry {
  readonly body: Buffer;
  readonly etag: string;
}

export class MemoryObjectStore implements ObjectStore {
  readonly description = 'memory';
  private readonly objects = new Map<string, Entry>();
  private version = 0;

  async get(key: string, range?: ByteRange): Promise<GetResult> {
    validateKey(key);
    const e = this.objects.get(key);
    if (e === undefined) throw new NotFoundError('object not found', { details: { key } });
    if (range === undefined) return { body: Buffer.from(e.body), etag: e.etag, size: e.body.length };
    const { start, end } = resolveRange(key, range, e.body.length);
    return { body: Buffer.from(e.body.subarray(start, end)), etag: e.etag, size: e.body.length };
  }

  async head(key: string): Promise<ObjectMeta | undefined> {
    validateKey(key);
    const e = this.objects.get(key);
    return e === undefined ? undefined : { key, size: e.body.length, etag: e.etag };
  }

  async put(key: string, body: Buffer | Uint8Array, opts: PutOptions = {}): Promise<PutResult> {
    validateKey(key);
    const existing = this.objects.get(key);
    if (opts.ifNoneMatch === '*' && existing !== undefined) {
      throw new ConflictError('object already exists', { code: ErrorCodes.ALREADY_EXISTS, details: { key } });
    }
    if (opts.ifMatch !== undefined && (existing === undefined || existing.etag !== opts.ifMatch)) {
      throw new ConflictError('object changed since it was read (etag mismatch)', {
        code: ErrorCodes.PRECONDITION_FAILED,
        details: { key, expected: opts.ifMatch, actual: existing?.etag ?? 'absent' },
      });
    }
    const copy = Buffer.from(body);
    const etag = createHash('md5').update(copy).update(String(++this.version)).digest('hex');
    this.objects.set(key, { body: copy, etag });
    return { etag };
  }

  async list(prefix: string, opts: ListOptions = {}): Promise<ListPage> {
    validatePrefix(prefix);
    const limit = Math.min(Math.max(opts.limit ?? 1000, 1), 1000);
    const after = opts.continuationToken ?? opts.startAfter;
    const keys = [...this.objects.keys()]
      .filter((k) => k.startsWith(prefix) && (after === undefined || compareKeys(k, after) > 0))
      .sort(compareKeys);
    const page = keys.slice(0, limit);
    const objects = page.map((key) => {
      const e = this.objects.get(key)!;
      return { key, size: e.body.length, etag: e.etag };
    });
    return keys.length > limit ? { objects, nextToken: page[page.length - 1]! } : { objects };
  }

  async delete(key: string): Promise<void> {
    validateKey(key);
    this.objects.delete(key);
  }

  async deleteMany(keys: readonly string[]): Promise<void> {
    for (const k of keys) validateKey(k);
    for (const k of keys) this.objects.delete(k);
  }

  async upload(key: string, source: UploadSource, _opts: UploadOptions = {}): Promise<PutResult & { size: number }> {
    validateKey(key);
    const parts: Buffer[] = [];
    for await (const chunk of source) parts.push(Buffer.from(chunk));
    const body = Buffer.concat(parts);
    const { etag } = await this.put(key, body);
    return { etag, size: body.length };
  }

  async close(): Promise<void> {}
}
