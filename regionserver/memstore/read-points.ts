// The MVCC read points of a region's open readers, as HBase's HRegion keeps scannerReadPoints
// for getSmallestReadPoint(). A region scanner (a scan, or a get that has to leave the
// synchronous path) registers its read point when it opens and releases it when it closes.
// smallest() is then a read point that no open reader is below and no later reader will be
// below (they start at the MVCC read point, which only grows): a MemStore may drop a cell that
// every reader from there on would skip (version-pruner.ts).
//
// The MVCC is attached once the region exists; before that (replaying edits while the region
// opens) nobody can read, and smallest() is Infinity.
//
// One event loop; every method is synchronous.

import { InternalError } from '../../common/errors.js';

export class ReadPoints {
  /** Read point -> open readers at it. */
  private readonly counts = new Map<number, number>();
  /** The smallest key of counts (Infinity when empty), valid unless stale. */
  private min = Infinity;
  private stale = false;
  private mvcc: { readonly readPoint: number } | undefined;

  /** Uses `mvcc`'s read point as the bound for readers still to come. */
  attach(mvcc: { readonly readPoint: number }): void {
    this.mvcc = mvcc;
  }

  /** Registers a reader at `readPoint`; the caller releases it exactly once. */
  acquire(readPoint: number): void {
    this.counts.set(readPoint, (this.counts.get(readPoint) ?? 0) + 1);
    if (readPoint < this.min) this.min = readPoint;
  }

  /** Ends a reader registered by acquire. Throws InternalError if none is at `readPoint`. */
  release(readPoint: number): void {
    const n = this.counts.get(readPoint);
    if (n === undefined) throw new InternalError('read point released but not acquired', { details: { readPoint } });
    if (n > 1) {
      this.counts.set(readPoint, n - 1);
      return;
    }
    this.counts.delete(readPoint);
    if (readPoint === this.min) this.stale = true;
  }

  /** Open readers. */
  get open(): number {
    let n = 0;
    for (const c of this.counts.values()) n += c;
    return n;
  }

  /** The smallest read point of any open or later reader (Infinity before attach with none open). */
  smallest(): number {
    if (this.stale) {
      let m = Infinity;
      for (const rp of this.counts.keys()) if (rp < m) m = rp;
      this.min = m;
      this.stale = false;
    }
    const current = this.mvcc === undefined ? Infinity : this.mvcc.readPoint;
    return this.min < current ? this.min : current;
  }
}
