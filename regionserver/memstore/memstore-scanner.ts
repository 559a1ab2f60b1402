// Scanner over a MemStore at one MVCC read point: a two-way merge of the active cell set and the
// snapshot (if any) as they were when the scanner was made, returning only cells whose write
// number is <= the read point. Cells come out in compareMemCells order (KeyValue order, then
// newer writes first). The scanner hands out the MemCell objects of the sets; it allocates
// nothing per cell.
//
// A scanner may be used across awaits while writes continue: it still returns, in order, every
// cell visible at its read point. (Cells written later have larger write numbers: invisible.)
// A snapshot taken or cleared after the scanner was made does not affect it.

import type { CellSet } from './cell-set.js';
import { CellSetCursor } from './cell-set.js';
import type { MemCell } from './mem-cell.js';
import { compareMemCells, seekCell } from './mem-cell.js';

export class MemStoreScanner {
  private readonly a: CellSetCursor;
  private readonly b: CellSetCursor | undefined;
  private cur: MemCell | undefined = undefined;
  private curFromA = true;

  /**
   * REQUIRES: readPoint >= 0 (Infinity: every cell, e.g. for a flush). Starts unpositioned:
   * call seek or seekToFirst first.
   */
  constructor(
    active: CellSet,
    snapshot: CellSet | undefined,
    readonly readPoint: number,
  ) {
    this.a = new CellSetCursor(active);
    this.b = snapshot === undefined || snapshot.size === 0 ? undefined : new CellSetCursor(snapshot);
  }

  /** Positions at the first visible cell and returns it. */
  seekToFirst(): MemCell | undefined {
    this.a.seekToFirst();
    this.skipInvisible(this.a);
    if (this.b !== undefined) {
      this.b.seekToFirst();
      this.skipInvisible(this.b);
    }
    return this.pick();
  }

  /**
   * Positions at the first visible cell >= the encoded key key[keyOff, keyOff+keyLen) (as built
   * by common/cells/encoded-key.ts) and returns it. REQUIRES: a structurally valid key.
   */
  seek(key: Buffer, keyOff = 0, keyLen = key.length - keyOff): MemCell | undefined {
    return this.seekTo(seekCell(key, keyOff, keyLen));
  }

  /** Like seek, with the key given as a MemCell (e.g. a cell from another scanner). */
  seekTo(key: MemCell): MemCell | undefined {
    this.a.seek(key);
    this.skipInvisible(this.a);
    if (this.b !== undefined) {
      this.b.seek(key);
      this.skipInvisible(this.b);
    }
    return this.pick();
  }

  /**
   * The largest visible cell < `key` (compareMemCells), or the largest visible cell of all when
   * `key` is undefined; undefined if there is none. Does not move the scanner. Reversed scans use
   * it to find the previous row (regionserver/scan).
   */
  lastVisibleBefore(key: MemCell | undefined): MemCell | undefined {
    const rp = this.readPoint;
    const x = lastVisibleBeforeIn(this.a.set, key, rp);
    const y = this.b === undefined ? undefined : lastVisibleBeforeIn(this.b.set, key, rp);
    if (x === undefined) return y;
    if (y === undefined) return x;
    return compareMemCells(x, y) >= 0 ? x : y;
  }

  /** The current cell, or undefined past the end. */
  peek(): MemCell | undefined {
    return this.cur;
  }

  /** Returns the current cell and moves past it. */
  next(): MemCell | undefined {
    const out = this.cur;
    if (out === undefined) return undefined;
    const c = this.curFromA ? this.a : this.b!;
    c.next();
    this.skipInvisible(c);
    this.pick();
    return out;
  }

  private skipInvisible(c: CellSetCursor): void {
    const rp = this.readPoint;
    let cell = c.current;
    while (cell !== undefined && cell.seq > rp) cell = c.next();
  }

  private pick(): MemCell | undefined {
    const x = this.a.current;
    const y = this.b === undefined ? undefined : this.b.current;
    if (y === undefined || (x !== undefined && compareMemCells(x, y) <= 0)) {
      this.cur = x;
      this.curFromA = true;
    } else {
      this.cur = y;
      this.curFromA = false;
    }
    return this.cur;
  }
}

const scratchPos = { leaf: 0, index: 0 };

/** The last cell of `set` before `key` (all cells if undefined) with seq <= rp. */
function lastVisibleBeforeIn(set: CellSet, key: MemCell | undefined, rp: number): MemCell | undefined {
  let leaf: number;
  let index: number;
  if (key === undefined) {
    // Last leaf: grow a bound past it, then binary search (leafLength is -1 past the end).
    let hi = 1;
    while (set.leafLength(hi) >= 0) hi *= 2;
    let lo = 0;
    while (lo + 1 < hi) {
      const mid = (lo + hi) >>> 1;
      if (set.leafLength(mid) >= 0) lo = mid;
      else hi = mid;
    }
    leaf = lo;
    index = set.leafLength(lo);
  } else {
    set.lowerBound(key, scratchPos);
    leaf = scratchPos.leaf;
    index = scratchPos.index;
  }
  for (;;) {
    index--;
    while (index < 0) {
      leaf--;
      if (leaf < 0) return undefined;
      index = set.leafLength(leaf) - 1;
    }
    const c = set.at(leaf, index)!;
    if (c.seq <= rp) return c;
  }
}
