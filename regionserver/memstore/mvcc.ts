// Multi-version concurrency control for one region, after HBase's
// MultiVersionConcurrencyControl.
//
// A mutation calls begin() before writing, which assigns the next write number. The cells it
// adds to MemStores carry that number. When it is done it calls complete(). The read point
// is the largest write number N such that every write numbered <= N has completed: it moves
// forward only over a contiguous run of completed writes. Readers take the read point when they
// start and skip cells with a larger write number, so a mutation's cells appear to them all at
// once or not at all, and a reader never sees a later write without every earlier one.
//
// Invariants:
//   1. readPoint <= writePoint; write numbers are handed out in increasing order, once.
//   2. readPoint never decreases.
//   3. Every write numbered <= readPoint has completed.
//
// Concurrency: one event loop; begin/complete are synchronous. A writer that must see its own
// write before answering (read-your-writes) awaits whenReadable() only if complete() returned
// false (an earlier write is still in flight).

import { InternalError } from '../../common/errors.js';

export class WriteEntry {
  completed = false;
  constructor(readonly writeNumber: number) {}
}

interface Waiter {
  readonly writeNumber: number;
  readonly resolve: () => void;
}

export class Mvcc {
  private read: number;
  private write: number;
  /** Begun entries not yet passed by the read point, in write-number order, from `head`. */
  private queue: WriteEntry[] = [];
  private head = 0;
  private waiters: Waiter[] = [];

  /** REQUIRES: start is a non-negative integer (the largest sequence id already durable). */
  constructor(start = 0) {
    this.read = start;
    this.write = start;
  }

  /** Every write numbered <= this has completed. */
  get readPoint(): number {
    return this.read;
  }

  /** The last write number handed out. */
  get writePoint(): number {
    return this.write;
  }

  /** Writes begun and not yet passed by the read point. */
  get inFlight(): number {
    return this.queue.length - this.head;
  }

  /** Starts a write: returns its entry with the next write number. */
  begin(): WriteEntry {
    const e = new WriteEntry(++this.write);
    this.queue.push(e);
    return e;
  }

  /**
   * Marks the write done (whether it succeeded or not: its cells, if any were added, become
   * visible once the read point passes it). Returns true if the read point now covers it.
   * Throws InternalError if the entry was already completed or is not from this Mvcc.
   */
  complete(e: WriteEntry): boolean {
    if (e.completed || e.writeNumber > this.write) {
      throw new InternalError('mvcc write entry completed twice or unknown', { details: { writeNumber: e.writeNumber, writePoint: this.write } });
    }
    e.completed = true;
    const q = this.queue;
    let h = this.head;
    let advanced = false;
    while (h < q.length && q[h]!.completed) {
      this.read = q[h]!.writeNumber;
      h++;
      advanced = true;
    }
    if (h === q.length) {
      q.length = 0;
      h = 0;
    } else if (h > 1024 && h * 2 > q.length) {
      q.splice(0, h);
      h = 0;
    }
    this.head = h;
    if (advanced && this.waiters.length > 0) this.wake();
    return this.read >= e.writeNumber;
  }

  /** Resolves when the read point reaches the entry's write number (at once if it has). */
  whenReadable(e: WriteEntry): Promise<void> {
    if (this.read >= e.writeNumber) return Promise.resolve();
    return new Promise<void>((resolve) => this.waiters.push({ writeNumber: e.writeNumber, resolve }));
  }

  /**
   * Moves both points to at least `n` (opening a region whose files hold sequence ids up to n).
   * Throws InternalError if writes are in flight.
   */
  advanceTo(n: number): void {
    if (this.inFlight > 0) throw new InternalError('mvcc cannot advance while writes are in flight', { details: { inFlight: this.inFlight } });
    if (n > this.write) this.write = n;
    if (n > this.read) this.read = n;
    if (this.waiters.length > 0) this.wake();
  }

  private wake(): void {
    const rp = this.read;
    const keep: Waiter[] = [];
    for (const w of this.waiters) {
      if (w.writeNumber <= rp) w.resolve();
      else keep.push(w);
    }
    this.waiters = keep;
  }
}
