// In-process Coordination: the etcd model (revisions, leases, watches, transactions, elections)
// inside one process. For standalone mode and unit tests only: nothing survives the process,
// and only this process can see it.
//
// Leases: in one process the holder is alive as long as the process is, so a lease is kept
// alive automatically and ends only on revoke(), on close(), or when a test calls
// expireLease(id) (which behaves as a TTL passing without keep-alive: keys deleted, onLost
// fired). No timers run, so no clock is needed.
//
// Revisions: every write that changes something (put, delete of an existing key, a txn with
// writes, a lease ending with keys) takes the next revision; all changes of one call share it.
// Watches: events are queued per watch and delivered in revision order, one at a time, from a
// microtask (never inside the writing call). History: the last `historyLimit` events are kept
// for watches that start at an earlier revision; an older afterRevision gets onError (as etcd
// does for a compacted revision).
//
// Thread safety: every method may be called concurrently; each call is applied atomically.

import { ErrorCodes, FencedError, InvalidError } from '../errors.js';
import { checkKey, checkPrefix, checkValue, closedError, compareKeys, leaseLostError, ttlSeconds } from './coordination-checks.js';
import type { CoordEntry, Coordination, Leadership, Lease, TxnCompare, TxnOp, Watch, WatchEvent, WatchOptions } from './coordination.js';
import { campaignElection, electionLeader } from './election.js';
import type { ElectionDeps } from './election.js';

const IMPL = 'memory';

interface Stored {
  value: Buffer;
  modRevision: bigint;
  createRevision: bigint;
  lease: MemoryLease | undefined;
}

class MemoryLease implements Lease {
  lost = false;
  ended = false;
  readonly keys = new Set<string>();
  private readonly listeners: Array<(cause: Error) => void> = [];
  private lostCause: Error | undefined;

  constructor(
    readonly id: string,
    readonly ttlMs: number,
    private readonly owner: MemoryCoordination,
  ) {}

  onLost(listener: (cause: Error) => void): void {
    if (this.lostCause !== undefined) {
      const cause = this.lostCause;
      queueMicrotask(() => listener(cause));
    } else if (!this.ended) {
      this.listeners.push(listener);
    }
  }

  revoke(): Promise<void> {
    if (!this.ended) this.owner.endLease(this, undefined);
    return Promise.resolve();
  }

  /** Marks the lease ended; `cause` set means lost (listeners fire), undefined means revoked. */
  end(cause: Error | undefined): void {
    this.ended = true;
    this.lost = true;
    if (cause === undefined) {
      this.listeners.length = 0;
      return;
    }
    this.lostCause = cause;
    for (const l of this.listeners.splice(0)) l(cause);
  }
}

class MemoryWatch implements Watch {
  closed = false;
  private queue: WatchEvent[] = [];
  private scheduled = false;

  constructor(
    readonly prefix: string,
    /** Events at or below this revision are not delivered. */
    private readonly afterRevision: bigint,
    private readonly listener: (event: WatchEvent) => void,
    private readonly onError: ((err: Error) => void) | undefined,
    private readonly owner: MemoryCoordination,
  ) {}

  enqueue(ev: WatchEvent): void {
    if (this.closed || ev.modRevision <= this.afterRevision) return;
    this.queue.push(ev);
    if (!this.scheduled) {
      this.scheduled = true;
      queueMicrotask(() => this.drain());
    }
  }

  fail(err: Error): void {
    if (this.closed) return;
    this.closed = true;
    this.owner.dropWatch(this);
    const onError = this.onError;
    if (onError !== undefined) queueMicrotask(() => onError(err));
  }

  private drain(): void {
    this.scheduled = false;
    while (!this.closed && this.queue.length > 0) {
      const ev = this.queue.shift()!;
      try {
        this.listener(ev);
      } catch (err) {
        // A listener must not throw; report it without breaking the order of later events.
        if (this.onError !== undefined) this.onError(err instanceof Error ? err : new Error(String(err)));
        else queueMicrotask(() => {
          throw err;
        });
      }
    }
  }

  close(): Promise<void> {
    if (!this.closed) {
      this.closed = true;
      this.queue = [];
      this.owner.dropWatch(this);
    }
    return Promise.resolve();
  }
}

export interface MemoryCoordinationOptions {
  /** Events kept for watches starting at an earlier revision (default 10,000). */
  readonly historyLimit?: number;
}

export class MemoryCoordination implements Coordination {
  private readonly data = new Map<string, Stored>();
  private revision = 1n;
  private nextLeaseId = 1;
  private readonly leases = new Map<string, MemoryLease>();
  private readonly watches = new Set<MemoryWatch>();
  private history: WatchEvent[] = [];
  /** Every event at or below this revision has been dropped from `history`. */
  private compactedThrough = 0n;
  private readonly historyLimit: number;
  private readonly closing = new AbortController();
  private readonly elections: ElectionDeps;

  constructor(opts: MemoryCoordinationOptions = {}) {
    this.historyLimit = Math.max(1, opts.historyLimit ?? 10_000);
    this.elections = { coord: this, closed: this.closing.signal, impl: IMPL };
  }

  private checkOpen(): void {
    if (this.closing.signal.aborted) throw closedError(IMPL);
  }

  private entry(key: string, s: Stored): CoordEntry {
    return {
      key,
      value: Buffer.from(s.value),
      modRevision: s.modRevision,
      createRevision: s.createRevision,
      ...(s.lease !== undefined ? { lease: s.lease.id } : {}),
    };
  }

  get(key: string): Promise<CoordEntry | undefined> {
    return this.run(() => {
      checkKey(key);
      const s = this.data.get(key);
      return s === undefined ? undefined : this.entry(key, s);
    });
  }

  list(prefix: string): Promise<{ readonly entries: readonly CoordEntry[]; readonly revision: bigint }> {
    return this.run(() => {
      checkPrefix(prefix, true);
      const keys = [...this.data.keys()].filter((k) => k.startsWith(prefix)).sort(compareKeys);
      return { entries: keys.map((k) => this.entry(k, this.data.get(k)!)), revision: this.revision };
    });
  }

  put(key: string, value: Buffer, opts: { readonly lease?: Lease } = {}): Promise<bigint> {
    return this.run(() => {
      checkKey(key);
      checkValue(value);
      const lease = this.ownLease(opts.lease);
      const rev = this.revision + 1n;
      this.applyPut(key, value, lease, rev);
      this.revision = rev;
      return rev;
    });
  }

  delete(key: string): Promise<boolean> {
    return this.run(() => {
      checkKey(key);
      if (!this.data.has(key)) return false;
      const rev = this.revision + 1n;
      this.applyDelete(key, rev);
      this.revision = rev;
      return true;
    });
  }

  deletePrefix(prefix: string): Promise<number> {
    return this.run(() => {
      checkPrefix(prefix, false);
      const keys = [...this.data.keys()].filter((k) => k.startsWith(prefix)).sort(compareKeys);
      if (keys.length === 0) return 0;
      const rev = this.revision + 1n;
      for (const k of keys) this.applyDelete(k, rev);
      this.revision = rev;
      return keys.length;
    });
  }

  txn(compares: readonly TxnCompare[], ops: readonly TxnOp[]): Promise<{ readonly ok: boolean; readonly revision?: bigint }> {
    return this.run(() => {
      // Validate everything before applying anything.
      for (const c of compares) checkKey(c.key);
      const leases = ops.map((op) => {
        if (op.type === 'put') {
          checkKey(op.key);
          checkValue(op.value);
          return this.ownLease(op.lease);
        }
        if (op.type === 'delete') checkKey(op.key);
        else if (op.type === 'deletePrefix') checkPrefix(op.prefix, false);
        else throw new InvalidError('invalid txn op type', { details: { type: String((op as { type: unknown }).type) } });
        return undefined;
      });
      for (const c of compares) {
        if ((this.data.get(c.key)?.modRevision ?? 0n) !== c.modRevision) return { ok: false };
      }
      const rev = this.revision + 1n;
      let changed = false;
      ops.forEach((op, i) => {
        if (op.type === 'put') {
          this.applyPut(op.key, op.value, leases[i], rev);
          changed = true;
        } else if (op.type === 'delete') {
          if (this.data.has(op.key)) {
            this.applyDelete(op.key, rev);
            changed = true;
          }
        } else {
          for (const k of [...this.data.keys()].filter((k) => k.startsWith(op.prefix)).sort(compareKeys)) {
            this.applyDelete(k, rev);
            changed = true;
          }
        }
      });
      if (changed) this.revision = rev;
      return { ok: true, revision: this.revision };
    });
  }

  grantLease(ttlMs: number): Promise<Lease> {
    return this.run(() => {
      const lease = new MemoryLease(String(this.nextLeaseId++), ttlSeconds(ttlMs) * 1000, this);
      this.leases.set(lease.id, lease);
      return lease;
    });
  }

  /**
   * FOR TESTS: ends lease `id` as if its TTL passed without keep-alive: its keys are deleted
   * and its onLost listeners fire. Returns false if no such live lease.
   */
  expireLease(id: string): boolean {
    const lease = this.leases.get(id);
    if (lease === undefined) return false;
    this.endLease(lease, new FencedError('lease expired', { code: ErrorCodes.FENCED, details: { lease: id } }));
    return true;
  }

  /** @internal Ends `lease` (revoked when `cause` is undefined), deleting its keys in one revision. */
  endLease(lease: MemoryLease, cause: Error | undefined): void {
    if (lease.ended) return;
    this.leases.delete(lease.id);
    const keys = [...lease.keys].sort(compareKeys);
    if (keys.length > 0) {
      const rev = this.revision + 1n;
      for (const k of keys) this.applyDelete(k, rev);
      this.revision = rev;
    }
    lease.end(cause);
  }

  watch(prefix: string, listener: (event: WatchEvent) => void, opts: WatchOptions = {}): Promise<Watch> {
    return this.run(() => {
      checkPrefix(prefix, true);
      const after = opts.afterRevision;
      const w = new MemoryWatch(prefix, after ?? this.revision, listener, opts.onError, this);
      if (after !== undefined && after < this.revision) {
        // Every revision after `after` must still be in the history.
        if (after < this.compactedThrough) {
          w.fail(
            new InvalidError('watch revision is compacted: re-list and watch again', {
              code: ErrorCodes.INVALID_RANGE,
              details: { afterRevision: after, compactedThrough: this.compactedThrough },
            }),
          );
          return w;
        }
        for (const ev of this.history) if (ev.modRevision > after && ev.key.startsWith(prefix)) w.enqueue(ev);
      }
      this.watches.add(w);
      return w;
    });
  }

  /** @internal */
  dropWatch(w: MemoryWatch): void {
    this.watches.delete(w);
  }

  campaign(name: string, value: Buffer, lease: Lease, signal?: AbortSignal): Promise<Leadership> {
    return this.run(() => campaignElection(this.elections, name, value, this.ownLease(lease)!, signal));
  }

  leader(name: string): Promise<Buffer | undefined> {
    return this.run(() => electionLeader(this.elections, name));
  }

  close(): Promise<void> {
    if (this.closing.signal.aborted) return Promise.resolve();
    this.closing.abort(closedError(IMPL));
    for (const lease of [...this.leases.values()]) this.endLease(lease, undefined);
    for (const w of [...this.watches]) void w.close();
    return Promise.resolve();
  }

  // --- internals ---

  /** Runs `fn` as one atomic step, turning a synchronous throw into a rejection. */
  private run<T>(fn: () => T | Promise<T>): Promise<T> {
    try {
      this.checkOpen();
      return Promise.resolve(fn());
    } catch (err) {
      return Promise.reject(err);
    }
  }

  private ownLease(lease: Lease | undefined): MemoryLease | undefined {
    if (lease === undefined) return undefined;
    if (!(lease instanceof MemoryLease) || this.leases.get(lease.id) !== lease) {
      if (lease instanceof MemoryLease && lease.ended) throw leaseLostError(lease.id);
      throw new InvalidError('lease does not belong to this coordination client', { details: { lease: lease.id } });
    }
    return lease;
  }

  private applyPut(key: string, value: Buffer, lease: MemoryLease | undefined, rev: bigint): void {
    const prev = this.data.get(key);
    if (prev?.lease !== undefined && prev.lease !== lease) prev.lease.keys.delete(key);
    lease?.keys.add(key);
    this.data.set(key, { value: Buffer.from(value), modRevision: rev, createRevision: prev?.createRevision ?? rev, lease });
    this.emit({ type: 'put', key, value: Buffer.from(value), modRevision: rev });
  }

  private applyDelete(key: string, rev: bigint): void {
    const prev = this.data.get(key);
    if (prev === undefined) return;
    prev.lease?.keys.delete(key);
    this.data.delete(key);
    this.emit({ type: 'delete', key, modRevision: rev });
  }

  private emit(ev: WatchEvent): void {
    this.history.push(ev);
    if (this.history.length >= 2 * this.historyLimit) {
      // Trim to the limit in one step, dropping whole revisions only.
      let cut = this.history.length - this.historyLimit;
      while (cut < this.history.length && this.history[cut]!.modRevision === this.history[cut - 1]!.modRevision) cut++;
      this.compactedThrough = this.history[cut - 1]!.modRevision;
      this.history = this.history.slice(cut);
    }
    for (const w of this.watches) if (ev.key.startsWith(w.prefix)) w.enqueue(ev);
  }
}
