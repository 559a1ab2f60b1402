// The ObjectStore interface: the one durable primitive every tsbase byte sits on.
//
// Implementations: memory (unit tests), filesystem (standalone), s3 (@aws-sdk/client-s3).
// Extra behaviour comes as wrappers implementing the same interface: retry, metrics, faults.
// One conformance suite (conformance.ts) runs against every implementation.
//
// Semantics every implementation guarantees:
//  1. A put is atomic: readers see the old object, or the complete new one, never a part.
//  2. `ifNoneMatch: '*'` (create-if-absent): of any number of concurrent puts of one key,
//     exactly one succeeds; the others fail with ConflictError code TSB_ALREADY_EXISTS.
//  3. `ifMatch: etag` (compare-and-swap): succeeds only if the object exists with that etag;
//     otherwise ConflictError code TSB_PRECONDITION_FAILED. Of concurrent CAS writers holding
//     the same etag, at most one succeeds.
//  4. After a successful put, get/head/list observe it (read-after-write, list-after-write).
//  5. list returns keys in ascending byte order of their UTF-8 encoding.
//
// Errors: NotFoundError (TSB_NOT_FOUND) for a missing key on get; InvalidError
// (TSB_INVALID_ARGUMENT) for a bad key, (TSB_INVALID_RANGE) for a range outside the object;
// ConflictError for lost conditional writes; UnavailableError (retryable) for transient
// failures of the backend.

/** Metadata of a stored object. */
export interface ObjectMeta {
  readonly key: string;
  /** Size in bytes. */
  readonly size: number;
  /** Opaque version tag, without quotes. Changes whenever the object's content is replaced. */
  readonly etag: string;
}

/** A byte range: `offset`/`length` (length defaults to "to the end") or the last `suffix` bytes. */
export type ByteRange = { readonly offset: number; readonly length?: number } | { readonly suffix: number };

export interface GetResult {
  /** The requested bytes (the whole object when no range was given). */
  readonly body: Buffer;
  readonly etag: string;
  /** Size of the whole object, not of `body`. */
  readonly size: number;
}

export interface PutOptions {
  /** `'*'`: create only if absent. */
  readonly ifNoneMatch?: '*';
  /** Replace only if the current etag equals this (compare-and-swap). */
  readonly ifMatch?: string;
}

export interface PutResult {
  readonly etag: string;
}

export interface ListOptions {
  /** Only keys strictly after this one. */
  readonly startAfter?: string;
  /** Token returned by the previous page. */
  readonly continuationToken?: string;
  /** Page size, 1..1000 (default 1000). */
  readonly limit?: number;
}

export interface ListPage {
  readonly objects: readonly ObjectMeta[];
  /** Present when more keys follow; pass it as `continuationToken` for the next page. */
  readonly nextToken?: string;
}

export interface UploadOptions {
  /** Part size for multipart uploads (default 8 MiB, minimum 5 MiB on S3). */
  readonly partSize?: number;
}

/** Source of a streamed upload: chunks in order. */
export type UploadSource = AsyncIterable<Buffer | Uint8Array> | Iterable<Buffer | Uint8Array>;

export interface ObjectStore {
  /** A short description for logs and metrics (`memory`, `fs:/path`, `s3://bucket/prefix`). */
  readonly description: string;

  /**
   * Reads an object or a byte range of it.
   * Throws NotFoundError if missing, InvalidError(TSB_INVALID_RANGE) if the range starts at or
   * past the end of the object or is empty.
   */
  get(key: string, range?: ByteRange): Promise<GetResult>;

  /** Metadata of an object, or undefined if it does not exist. */
  head(key: string): Promise<ObjectMeta | undefined>;

  /**
   * Writes a whole object atomically. See the conditional options. Throws ConflictError when a
   * condition fails.
   */
  put(key: string, body: Buffer | Uint8Array, opts?: PutOptions): Promise<PutResult>;

  /** One page of keys under `prefix`, ascending. */
  list(prefix: string, opts?: ListOptions): Promise<ListPage>;

  /** Deletes an object. Deleting a missing key succeeds. */
  delete(key: string): Promise<void>;

  /** Deletes many objects (any number; implementations batch). Missing keys are ignored. */
  deleteMany(keys: readonly string[]): Promise<void>;

  /**
   * Streams a large object (multipart on S3). The object appears atomically when the upload
   * completes; an aborted upload leaves nothing visible. Unconditional: to publish under
   * contention, upload to a unique key and publish it through a conditional manifest write.
   */
  upload(key: string, source: UploadSource, opts?: UploadOptions): Promise<PutResult & { size: number }>;

  /** Releases connections and handles. */
  close(): Promise<void>;
}

/** Every object under `prefix`, following continuation tokens. */
export async function* listAll(store: ObjectStore, prefix: string, opts: { startAfter?: string } = {}): AsyncGenerator<ObjectMeta> {
  let token: string | undefined;
  let first = true;
  while (first || token !== undefined) {
    const page: ListPage = await store.list(prefix, {
      ...(first && opts.startAfter !== undefined ? { startAfter: opts.startAfter } : {}),
      ...(token !== undefined ? { continuationToken: token } : {}),
    });
    first = false;
    yield* page.objects;
    token = page.nextToken;
  }
}

/** Collects `listAll` into an array. */
export async function listAllKeys(store: ObjectStore, prefix: string, opts: { startAfter?: string } = {}): Promise<ObjectMeta[]> {
  const out: ObjectMeta[] = [];
  for await (const o of listAll(store, prefix, opts)) out.push(o);
  return out;
}
