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
// Time comes from the injected Clock. Timeouts are checked by one watchdog per RowLocks that
// sleeps in slices of at most WATCHDOG_SLICE_MS while anyone waits, so a process is never kept
// alive for long by a lock wait that already ended.

import type { Clock } from '../../common/clock.js';
import { ErrorCodes, InternalError, UnavailableError } from '../../common/errors.js';

/** Default wait before TSB_TIMEOUT: 30 s, as HBase. */
export const DEFAULT_ROW_LOCK_TIMEOUT_MS = 30_000;
const WATCHDOG_SLICE_MS = 100;

/** A held row lock. Release it exactly once (a second release throws InternalError). */
export class RowLock {
  private held = true;
  /** @internal */
  constructor(
    private readonly owner: RowLocks,
    /** The row as a latin1 string (one char per byte). */
    readonly key: string,
  ) {}

  get isHeld(): boolean {
    return this.held;
  }

  release(): void {
    if (!this.held) throw new InternalError('row lock released twice', { details: { row: Buffer.from(this.key, 'latin1').toString('hex') } });
    this.held = false;
    this.owner.handOver(this);
  }
}

interface Waiter {
  readonly key: string;
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
}

export class RowLocks {
  /** The holder of each locked row. */
  private readonly rows = new Map<string, RowLock>();
  /** The waiters of each row someone waits for (an uncontended lock allocates no queue). */
  private readonly queues = new Map<string, Waiter[]>();
  private readonly waiting = new Set<Waiter>();
  private watching = false;
  private readonly clock: Clock;
  private readonly timeoutMs: number;

  constructor(opts: RowLocksOptions) {
    this.clock = opts.clock;
    this.timeoutMs = opts.timeoutMs ?? DEFAULT_ROW_LOCK_TIMEOUT_MS;
  }

  /** Rows locked now. */
  get lockedRows(): number {
    return this.rows.size;
  }

  /** Rows with lock requests waiting now. */
  get contendedRows(): number {
    return this.queues.size;
  }

  /** Lock requests waiting now. */
  get waiters(): number {
    return this.waiting.size;
  }

  /** The row's lock if it is free now (synchronous fast path), else undefined. */
  tryLock(row: Buffer): RowLock | undefined {
    return this.tryLockKey(row.toString('latin1'));
  }

  /** tryLock of the row whose latin1 string is `key` (callers that have it already). */
  tryLockKey(key: string): RowLock | undefined {
    if (this.rows.has(key)) return undefined;
    const l = new RowLock(this, key);
    this.rows.set(key, l);
    return l;
  }

  /**
   * The row's lock, waiting (FIFO) while another holds it. Rejects with UnavailableError
   * TSB_TIMEOUT after `timeoutMs` (default: the RowLocks' timeout). Uncontended, prefer
   * `tryLock(row) ?? await lock(row)`: it does not allocate a promise.
   */
  lock(row: Buffer, timeoutMs: number = this.timeoutMs): Promise<RowLock> {
    return this.lockKey(row.toString('latin1'), timeoutMs);
  }

  /** lock of the row whose latin1 string is `key`. */
  lockKey(key: string, timeoutMs: number = this.timeoutMs): Promise<RowLock> {
    const l = this.tryLockKey(key);
    if (l !== undefined) return Promise.resolve(l);
    // A queue exists only while it holds a waiter (handOver and expire delete an empty one).
    const queue = this.queues.get(key) ?? [];
    if (queue.length === 0) this.queues.set(key, queue);
    return new Promise<RowLock>((resolve, reject) => {
      const w: Waiter = { key, deadline: this.clock.monotonicMs() + timeoutMs, timeoutMs, resolve, reject, done: false };
      queue.push(w);
      this.waiting.add(w);
      if (!this.watching) void this.watchdog();
    });
  }

  /** @internal Called by RowLock.release: hands the lock to the next waiter or frees the row. */
  handOver(l: RowLock): void {
    const key = l.key;
    if (this.rows.get(key) !== l) throw new InternalError('row lock state is inconsistent', { details: { row: Buffer.from(key, 'latin1').toString('hex') } });
    const queue = this.queues.get(key);
    let w = queue?.shift();
    while (w !== undefined && w.done) w = queue!.shift();
    if (queue !== undefined && queue.length === 0) this.queues.delete(key);
    if (w === undefined) {
      this.rows.delete(key);
      return;
    }
    w.done = true;
    this.waiting.delete(w);
    const next = new RowLock(this, key);
    this.rows.set(key, next);
    w.resolve(next);
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
    const queue = this.queues.get(w.key);
    if (queue !== undefined) {
      const i = queue.indexOf(w);
      if (i >= 0) queue.splice(i, 1);
      if (queue.length === 0) this.queues.delete(w.key);
    }
    w.reject(
      new UnavailableError('timed out waiting for a row lock; the row is busy, retry later', {
        code: ErrorCodes.TIMEOUT,
        details: { row: Buffer.from(w.key, 'latin1').toString('hex'), timeoutMs: w.timeoutMs },
      }),
    );
  }
}
