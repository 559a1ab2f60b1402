// Fault-injection wrapper for tests: fails chosen operations before applying them, or AFTER
// applying them (the "acknowledgement lost" case a real network produces), adds latency, and
// does so with a seeded Random so a seed replays the same faults.
//
// Injected errors are labelled: `isInjectedFault(err)` is true for them and only them. By
// default they are retryable UnavailableErrors (what a flaky network looks like); with
// `error: 'injected'` they are non-retryable InternalErrors with code TSB_INJECTED_FAULT.
//
// Rules are checked in the order they were added; the first failing rule that fires decides
// the failure, and the latencies of every firing rule add up. Not thread-safe beyond the event
// loop's usual guarantees (rules may be changed between calls at any time).

import type { Clock } from '../clock.js';
import { systemClock } from '../clock.js';
import { ErrorCodes, InternalError, UnavailableError } from '../errors.js';
import type { Random } from '../random.js';
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

export type FaultOp = 'get' | 'head' | 'put' | 'list' | 'delete' | 'deleteMany' | 'upload';

export interface FaultRule {
  /** The operation, or `*` for all. */
  readonly op: FaultOp | '*';
  /** `before`: fail without applying. `after`: apply, then fail. Omit for latency only. */
  readonly failure?: 'before' | 'after';
  /** The injected error: retryable UnavailableError (default) or InternalError TSB_INJECTED_FAULT. */
  readonly error?: 'unavailable' | 'injected';
  /** Chance the rule fires on a matching call, 0..1 (default 1). */
  readonly probability?: number;
  /** The rule fires at most this many times, then is removed (default: no limit). */
  readonly times?: number;
  /** Added latency when the rule fires, in ms of the injected clock. */
  readonly latencyMs?: number;
  /** Only calls whose key (first key for deleteMany, prefix for list) starts with this. */
  readonly keyPrefix?: string;
}

interface ActiveRule {
  readonly rule: FaultRule;
  remaining: number;
}

const injectedErrors = new WeakSet<object>();

/** True if `err` was produced by a FaultObjectStore. */
export function isInjectedFault(err: unknown): boolean {
  return typeof err === 'object' && err !== null && injectedErrors.has(err);
}

export class FaultObjectStore implements ObjectStore {
  readonly description: string;
  /** Injected failures so far, per operation. */
  readonly injected: Record<FaultOp, number> = { get: 0, head: 0, put: 0, list: 0, delete: 0, deleteMany: 0, upload: 0 };
  private rules: ActiveRule[] = [];
  private readonly clock: Clock;

  constructor(
    readonly inner: ObjectStore,
    private readonly random: Random,
    opts: { clock?: Clock } = {},
  ) {
    this.description = `fault(${inner.description})`;
    this.clock = opts.clock ?? systemClock;
  }

  /** Adds a rule; returns a function that removes it. */
  addRule(rule: FaultRule): () => void {
    const active: ActiveRule = { rule, remaining: rule.times ?? Infinity };
    this.rules.push(active);
    return () => {
      this.rules = this.rules.filter((r) => r !== active);
    };
  }

  /** Fails the next `n` calls of `op` (before applying them, unless `failure: 'after'`). */
  failNext(op: FaultOp | '*', n: number, opts: { failure?: 'before' | 'after'; error?: 'unavailable' | 'injected'; keyPrefix?: string } = {}): () => void {
    return this.addRule({ ...opts, op, failure: opts.failure ?? 'before', times: n });
  }

  /** Adds `ms` of latency to every call of `op`. */
  addLatency(op: FaultOp | '*', ms: number): () => void {
    return this.addRule({ op, latencyMs: ms });
  }

  /** Removes every rule. */
  clear(): void {
    this.rules = [];
  }

  private async run<T>(op: FaultOp, key: string, fn: () => Promise<T>): Promise<T> {
    let failure: { when: 'before' | 'after'; error: 'unavailable' | 'injected' } | undefined;
    let latency = 0;
    for (const r of this.rules) {
      const { rule } = r;
      if (rule.op !== '*' && rule.op !== op) continue;
      if (rule.keyPrefix !== undefined && !key.startsWith(rule.keyPrefix)) continue;
      if (rule.failure !== undefined && failure !== undefined) continue; // one failure per call
      if (r.remaining <= 0) continue;
      if (rule.probability !== undefined && rule.probability < 1 && this.random.next() >= rule.probability) continue;
      r.remaining--;
      latency += rule.latencyMs ?? 0;
      if (rule.failure !== undefined) failure = { when: rule.failure, error: rule.error ?? 'unavailable' };
    }
    if (this.rules.some((r) => r.remaining <= 0)) this.rules = this.rules.filter((r) => r.remaining > 0);
    if (latency > 0) await this.clock.sleep(latency);
    if (failure === undefined) return fn();
    if (failure.when === 'before') throw this.makeError(op, key, failure);
    await fn();
    throw this.makeError(op, key, failure);
  }

  private makeError(op: FaultOp, key: string, f: { when: 'before' | 'after'; error: 'unavailable' | 'injected' }): Error {
    this.injected[op]++;
    const details = { op, key, injected: f.when };
    const err =
      f.error === 'injected'
        ? new InternalError('injected fault', { code: ErrorCodes.INJECTED_FAULT, details })
        : new UnavailableError('injected fault: object store unavailable', { details });
    injectedErrors.add(err);
    return err;
  }

  get(key: string, range?: ByteRange): Promise<GetResult> {
    return this.run('get', key, () => this.inner.get(key, range));
  }

  head(key: string): Promise<ObjectMeta | undefined> {
    return this.run('head', key, () => this.inner.head(key));
  }

  put(key: string, body: Buffer | Uint8Array, opts?: PutOptions): Promise<PutResult> {
    return this.run('put', key, () => this.inner.put(key, body, opts));
  }

  list(prefix: string, opts?: ListOptions): Promise<ListPage> {
    return this.run('list', prefix, () => this.inner.list(prefix, opts));
  }

  delete(key: string): Promise<void> {
    return this.run('delete', key, () => this.inner.delete(key));
  }

  deleteMany(keys: readonly string[]): Promise<void> {
    return this.run('deleteMany', keys[0] ?? '', () => this.inner.deleteMany(keys));
  }

  upload(key: string, source: UploadSource, opts?: UploadOptions): Promise<PutResult & { size: number }> {
    return this.run('upload', key, () => this.inner.upload(key, source, opts));
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
