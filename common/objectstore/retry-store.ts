// Retry wrapper: repeats calls that failed with a retryable error (UnavailableError: network,
// 5xx, throttling, timeouts), with exponential backoff and full jitter, bounded by a number of
// attempts and an overall deadline per call. Non-retryable errors pass through at once.
//
// Conditional puts after an ambiguous failure: a retryable error may have struck after the
// write was applied (the acknowledgement was lost). If a later attempt then fails with a
// ConflictError, the wrapper re-reads the object: if it holds exactly our bytes, the earlier
// attempt won and the put reports success with the stored etag. This is exact only when
// concurrent conditional writers write distinct bytes (they do in tsbase: WAL chunks and
// manifests name their writer); two writers of identical bytes cannot be told apart.
//
// With compare-and-swap the re-read cannot always tell: our write may have been applied and
// then replaced by another writer during the backoff. The ConflictError then carries the detail
// `maybeApplied: true`; a caller whose change is not idempotent must reconcile by re-reading.
// (Create-if-absent objects are never replaced by another create-if-absent, so there a
// conflict after an ambiguous failure means we lost.)
//
// upload() is retried only when its source is an array (it can be read again); a one-shot
// stream fails on the first error and the caller must produce it again.
//
// Time and randomness come from the injected Clock and Random, so tests run without waiting.

import type { Clock } from '../clock.js';
import { systemClock } from '../clock.js';
import { ConflictError, NotFoundError, isRetryable } from '../errors.js';
import { maybeAppliedConflict } from './conflict.js';
import type { Random } from '../random.js';
import { systemRandom } from '../random.js';
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

export interface RetryPolicy {
  /** Attempts per call including the first (default 8). */
  readonly maxAttempts?: number;
  /** Backoff cap of the first retry in ms; doubles per retry (default 20). */
  readonly baseDelayMs?: number;
  /** Largest backoff cap in ms (default 2000). */
  readonly maxDelayMs?: number;
  /** No retry starts later than this many ms after the call began (default 30000). */
  readonly deadlineMs?: number;
}

export interface RetryObjectStoreOptions extends RetryPolicy {
  readonly clock?: Clock;
  readonly random?: Random;
  /** Called before each backoff sleep (logging, tests). */
  readonly onRetry?: (info: { op: string; key: string; attempt: number; delayMs: number; error: unknown }) => void;
}

export class RetryObjectStore implements ObjectStore {
  readonly description: string;
  /** Retries performed so far (all operations). */
  retries = 0;
  private readonly maxAttempts: number;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly deadlineMs: number;
  private readonly clock: Clock;
  private readonly random: Random;

  constructor(
    readonly inner: ObjectStore,
    private readonly opts: RetryObjectStoreOptions = {},
  ) {
    this.description = inner.description;
    this.maxAttempts = Math.max(1, opts.maxAttempts ?? 8);
    this.baseDelayMs = opts.baseDelayMs ?? 20;
    this.maxDelayMs = opts.maxDelayMs ?? 2000;
    this.deadlineMs = opts.deadlineMs ?? 30000;
    this.clock = opts.clock ?? systemClock;
    this.random = opts.random ?? systemRandom;
  }

  /** Runs `fn` until it succeeds, fails non-retryably, or the attempts or deadline run out. */
  private async withRetry<T>(op: string, key: string, fn: () => Promise<T>, maxAttempts = this.maxAttempts): Promise<T> {
    const start = this.clock.monotonicMs();
    for (let attempt = 1; ; attempt++) {
      try {
        return await fn();
      } catch (err) {
        if (!isRetryable(err) || attempt >= maxAttempts) throw err;
        const cap = Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** (attempt - 1));
        const delayMs = this.random.next() * cap; // full jitter
        if (this.clock.monotonicMs() - start + delayMs > this.deadlineMs) throw err;
        this.retries++;
        this.opts.onRetry?.({ op, key, attempt, delayMs, error: err });
        await this.clock.sleep(delayMs);
      }
    }
  }

  get(key: string, range?: ByteRange): Promise<GetResult> {
    return this.withRetry('get', key, () => this.inner.get(key, range));
  }

  head(key: string): Promise<ObjectMeta | undefined> {
    return this.withRetry('head', key, () => this.inner.head(key));
  }

  put(key: string, body: Buffer | Uint8Array, opts: PutOptions = {}): Promise<PutResult> {
    const conditional = opts.ifNoneMatch !== undefined || opts.ifMatch !== undefined;
    if (!conditional) return this.withRetry('put', key, () => this.inner.put(key, body, opts));
    let ambiguous = false; // an earlier attempt may have been applied
    return this.withRetry('put', key, async () => {
      try {
        return await this.inner.put(key, body, opts);
      } catch (err) {
        if (ambiguous && err instanceof ConflictError) {
          const stored = await this.inner.get(key).catch((e: unknown) => {
            if (e instanceof NotFoundError) return undefined;
            throw e;
          });
          if (stored !== undefined && Buffer.compare(stored.body, body) === 0) return { etag: stored.etag };
          if (opts.ifMatch !== undefined) throw maybeAppliedConflict(err);
        }
        if (isRetryable(err)) ambiguous = true;
        throw err;
      }
    });
  }

  list(prefix: string, opts?: ListOptions): Promise<ListPage> {
    return this.withRetry('list', prefix, () => this.inner.list(prefix, opts));
  }

  delete(key: string): Promise<void> {
    return this.withRetry('delete', key, () => this.inner.delete(key));
  }

  deleteMany(keys: readonly string[]): Promise<void> {
    return this.withRetry('deleteMany', keys[0] ?? '', () => this.inner.deleteMany(keys));
  }

  upload(key: string, source: UploadSource, opts?: UploadOptions): Promise<PutResult & { size: number }> {
    const replayable = Array.isArray(source);
    return this.withRetry('upload', key, () => this.inner.upload(key, source, opts), replayable ? this.maxAttempts : 1);
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
