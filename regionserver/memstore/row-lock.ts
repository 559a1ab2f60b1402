// Per-row exclusive locks of one region: a mutation of a row holds the row's lock while it
// writes the WAL and the MemStore, so mutations of one row are atomic with respect to each
// other (readers are kept consistent by MVCC, not by these locks).
//
// Locks are handed over in FIFO order: when the holder releases and others wait, the first
// waiter gets the lock directly (no barging). Waiting times out after `timeoutMs` with
// UnavailableError TSB_TIMEOUT (retryable), like HBase's hbase.rowlock.wait.duration.
//
// Locks are not reentrant: an operation that locks a row it already holds waits for itself
// until the timeout. An operation that locks several rows must lock them in ascending byte
// order (and each once), so two such operations cannot deadlock.
//
// Rows are keyed by a 30-bit hash of their bytes (MurmurHash3) and compared as bytes: locks
// whose rows share a hash form a short chain, and waiters for such rows share one FIFO queue
// from which each release hands the lock to the first waiter for the same row. A JS hash of
// a short row costs less than making and hashing a string of it: for a 24-byte row plus a Map
// insert, 92-108 ns vs 246-333 ns with row.toString('latin1') (docs/benchmarks.md, session 17).
//
// Time comes from the injected Clock. Timeouts are checked by one watchdog per RowLocks that
// sleeps in slices of at most WATCHDOG_SLICE_MS while anyone waits, so a process is never kept
// alive for long by a lock wait that already ended.

import type { Clock } from '../../common/clock.js';
import { bytesEqual } from '../../common/bytes-equal.js';
import { ErrorCodes, InternalError, UnavailableError } from '../../common/errors.js';
import { murmur3 } from '../hfile/murmur3.js';

/** Default wait before TSB_TIMEOUT: 30 s, as HBase. */
export const DEFAULT_ROW_LOCK_TIMEOUT_MS = 30_000;
const WATCHDOG_SLICE_MS = 100;

/** The default row hash: MurmurHash3 of the row's bytes, cut to 30 bits (a small integer). */
export function rowHash(row: Buffer): number {
  return murmur3(row, 0, row.length, 0) & 0x3fffffff;
}

/** A held row lock. Release it exactly once (a second release throws InternalError). */
export class RowLock {
  private held = true;
  /** @internal The next held lock whose row has the same hash. */
  nextInBucket: RowLock | undefined = undefined;
  /** @internal */
  constructor(
    private readonly owner: RowLocks,
    readonly row: Buffer,
    /** owner.hash(row). */
    readonly hash: number,
  ) {}

  get isHeld(): boolean {
    return this.held;
  }

  release(): void {
    if (!this.held) throw new InternalError('row lock released twice', { details: { row: this.row.toString('hex') } });
    this.held = false;
    this.owner.handOver(this);
  }
}

interface Waiter {
  readonly row: Buffer;
  readonly hash: number;
  readonly deadline: number;
  readonly timeoutMs: number;
  readonly resolve: (l: RowLock) => void;
  readonly reject: (e: Error) => void;
  done: boolean;
}

export interface RowLocksOptions {
  readonly clock: Clock;
  /** Default wait before TSB_TIMEOUT. Default DEFAULT_ROW_LOCK_TIMEOUT_MS. */
  readonly timeoutMs?: number;
  /** The row hash (a small non-negative integer). Default rowHash; tests force collisions. */
  readonly hash?: (row: Buffer) => number;
}

export class RowLocks {
  /** The row hash callers may compute once and pass to tryLock and lock. */
  readonly hash: (row: Buffer) => number;
  /** Per hash: the first of the held locks with that hash (chained by nextInBucket). */
  private readonly rows = new Map<number, RowLock>();
  private locked = 0;
  /** Per hash: the waiters for rows with that hash, FIFO (an uncontended lock allocates none). */
  private readonly queues = new Map<number, Waiter[]>();
  private readonly waiting = new Set<Waiter>();
  private watching = false;
  private readonly clock: Clock;
  private readonly timeoutMs: number;

  constructor(opts: RowLocksOptions) {
    this.clock = opts.clock;
    this.timeoutMs = opts.timeoutMs ?? DEFAULT_ROW_LOCK_TIMEOUT_MS;
    this.hash = opts.hash ?? rowHash;
  }

  /** Rows locked now. */
  get lockedRows(): number {
    return this.locked;
  }

  /** Rows with lock requests waiting now. */
  get contendedRows(): number {
    let n = 0;
    for (const q of this.queues.values()) {
      for (let i = 0; i < q.length; i++) {
        let first = true;
        for (let j = 0; j < i && first; j++) if (bytesEqual(q[j]!.row, q[i]!.row)) first = false;
        if (first) n++;
      }
    }
    return n;
  }

  /** Lock requests waiting now. */
  get waiters(): number {
    return this.waiting.size;
  }

  /** The row's lock if it is free now (synchronous fast path), else undefined. `hash` must be this.hash(row). */
  tryLock(row: Buffer, hash: number = this.hash(row)): RowLock | undefined {
    const head = this.rows.get(hash);
    for (let l = head; l !== undefined; l = l.nextInBucket) if (bytesEqual(l.row, row)) return undefined;
    return this.add(row, hash, head);
  }

  private add(row: Buffer, hash: number, head: RowLock | undefined): RowLock {
    const l = new RowLock(this, row, hash);
    l.nextInBucket = head;
    this.rows.set(hash, l);
    this.locked++;
    return l;
  }

  /**
   * The row's lock, waiting (FIFO) while another holds it. Rejects with UnavailableError
   * TSB_TIMEOUT after `timeoutMs` (default: the RowLocks' timeout). Uncontended, prefer
   * `tryLock(row) ?? await lock(row)`: it does not allocate a promise. `hash` must be this.hash(row).
   */
  lock(row: Buffer, timeoutMs: number = this.timeoutMs, hash: number = this.hash(row)): Promise<RowLock> {
    const l = this.tryLock(row, hash);
    if (l !== undefined) return Promise.resolve(l);
    // A queue exists only while it holds a waiter (handOver and expire delete an empty one).
    const queue = this.queues.get(hash) ?? [];
    if (queue.length === 0) this.queues.set(hash, queue);
    return new Promise<RowLock>((resolve, reject) => {
      const w: Waiter = { row, hash, deadline: this.clock.monotonicMs() + timeoutMs, timeoutMs, resolve, reject, done: false };
      queue.push(w);
      this.waiting.add(w);
      if (!this.watching) void this.watchdog();
    });
  }

  /** @internal Called by RowLock.release: hands the lock to the next waiter or frees the row. */
  handOver(l: RowLock): void {
    const hash = l.hash;
    // Unchain l.
    let prev: RowLock | undefined;
    let cur = this.rows.get(hash);
    while (cur !== undefined && cur !== l) {
      prev = cur;
      cur = cur.nextInBucket;
    }
    if (cur === undefined) throw new InternalError('row lock state is inconsistent', { details: { row: l.row.toString('hex') } });
    if (prev !== undefined) prev.nextInBucket = l.nextInBucket;
    else if (l.nextInBucket !== undefined) this.rows.set(hash, l.nextInBucket);
    else this.rows.delete(hash);
    l.nextInBucket = undefined;
    this.locked--;
    // The first waiter for the same row (expire removes timed-out ones from the queue).
    const queue = this.queues.get(hash);
    if (queue === undefined) return;
    let i = 0;
    while (i < queue.length && !bytesEqual(queue[i]!.row, l.row)) i++;
    if (i === queue.length) return;
    const w = queue[i]!;
    if (i === 0) queue.shift();
    else queue.splice(i, 1);
    if (queue.length === 0) this.queues.delete(hash);
    w.done = true;
    this.waiting.delete(w);
    w.resolve(this.add(w.row, hash, this.rows.get(hash)));
  }
  private async watchdog(): Promise<void> {
    this.watching = true;
    try {
      while (this.waiting.size > 0) {
        const now = this.clock.monotonicMs();
        let nearest = Infinity;
        for (const w of this.waiting) {
          if (w.deadline <= now) this.expire(w);
          else if (w.deadline < nearest) nearest = w.deadline;
        }
        if (this.waiting.size === 0) break;
        await this.clock.sleep(Math.min(nearest - now, WATCHDOG_SLICE_MS));
      }
    } finally {
      this.watching = false;
    }
  }

  private expire(w: Waiter): void {
    w.done = true;
    this.waiting.delete(w);
    const queue = this.queues.get(w.hash);
    if (queue !== undefined) {
      const i = queue.indexOf(w);
      if (i >= 0) queue.splice(i, 1);
      if (queue.length === 0) this.queues.delete(w.hash);
    }
    w.reject(
      new UnavailableError('timed out waiting for a row lock; the row is busy, retry later', {
        code: ErrorCodes.TIMEOUT,
        details: { row: w.row.toString('hex'), timeoutMs: w.timeoutMs },
      }),
    );
  }
}
