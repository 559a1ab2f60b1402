// The sorted set of cells of one MemStore segment: a two-level B+tree of sorted arrays
// ("leaves" of at most LEAF_MAX cells, and the array of leaves). Insert is a binary search over
// the leaves' first cells, a binary search in one leaf and a splice of at most LEAF_MAX
// pointers: O(log n) compares plus a short memmove. Appending in key order (sequential keys,
// a common load pattern) skips both searches. Iteration walks the arrays: no pointer chasing
// per cell and no allocation.
//
// Chosen over a skip list (pointer chasing and a node per cell) and over the npm package
// sorted-btree: measured with the same comparator (see memstore-bench.ts), this was faster
// on inserts, and a cursor that survives inserts between steps (below) needs the positions
// anyway.
//
// Cursors: a CellSetCursor keeps (leaf, index) and the set's modification count. If the set
// changed since the cursor last moved, the cursor finds its current cell again by binary search
// (O(log n)) before stepping. A scan that runs between inserts thus sees every cell that was in
// the set when it started, in order, once.
//
// Not thread-safe (one event loop); every method is synchronous.

import type { MemCell } from './mem-cell.js';
import { compareMemCells } from './mem-cell.js';

/** Largest leaf; a full leaf splits in two (or, when appending, a new leaf starts). */
const LEAF_MAX = 256;

export class CellSet {
  /** Leaves in order; every leaf is non-empty, except the only leaf of an empty set. */
  leaves: MemCell[][] = [[]];
  size = 0;
  /** Incremented by every insert; cursors re-seek when it changed. */
  modCount = 0;

  /**
   * Inserts `cell`. If a cell with the same key and write number is present it is replaced
   * and returned (the caller adjusts its accounting); otherwise returns undefined.
   */
  add(cell: MemCell): MemCell | undefined {
    this.modCount++;
    const leaves = this.leaves;
    const lastLeaf = leaves[leaves.length - 1]!;
    const last = lastLeaf[lastLeaf.length - 1];
    if (last === undefined || compareMemCells(last, cell) < 0) {
      // Append: the common case for sequential keys.
      if (lastLeaf.length >= LEAF_MAX) leaves.push([cell]);
      else lastLeaf.push(cell);
      this.size++;
      return undefined;
    }
    const li = this.leafFor(cell);
    const leaf = leaves[li]!;
    let lo = 0;
    let hi = leaf.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const c = compareMemCells(leaf[mid]!, cell);
      if (c < 0) lo = mid + 1;
      else if (c > 0) hi = mid;
      else {
        const old = leaf[mid]!;
        leaf[mid] = cell;
        return old;
      }
    }
    if (lo === leaf.length && li + 1 < leaves.length) {
      // An equal cell can be the first of the next leaf (leafFor picks the last leaf whose
      // first cell is strictly smaller).
      const nextLeaf = leaves[li + 1]!;
      if (compareMemCells(nextLeaf[0]!, cell) === 0) {
        const old = nextLeaf[0]!;
        nextLeaf[0] = cell;
        return old;
      }
    }
    leaf.splice(lo, 0, cell);
    this.size++;
    if (leaf.length > LEAF_MAX) leaves.splice(li + 1, 0, leaf.splice(leaf.length >>> 1));
    return undefined;
  }

  /** Index of the last leaf whose first cell is < cell, or 0. */
  leafFor(cell: MemCell): number {
    const leaves = this.leaves;
    let lo = 0;
    let hi = leaves.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (compareMemCells(leaves[mid]![0]!, cell) < 0) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /** Smallest cell, or undefined. */
  first(): MemCell | undefined {
    return this.leaves[0]![0];
  }

  /** Largest cell, or undefined. */
  last(): MemCell | undefined {
    const l = this.leaves[this.leaves.length - 1]!;
    return l[l.length - 1];
  }
}

/** A position in a CellSet that stays valid across inserts (see above). */
export class CellSetCursor {
  private leaf = 0;
  private index = 0;
  private seenMod = -1;
  /** The cell at the position, or undefined past the end. */
  current: MemCell | undefined = undefined;

  constructor(readonly set: CellSet) {}

  /** Moves to the first cell >= key (compareMemCells) and returns it. */
  seek(key: MemCell): MemCell | undefined {
    const set = this.set;
    const li = set.leafFor(key);
    const leaf = set.leaves[li]!;
    let lo = 0;
    let hi = leaf.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compareMemCells(leaf[mid]!, key) < 0) lo = mid + 1;
      else hi = mid;
    }
    this.leaf = li;
    this.index = lo;
    this.seenMod = set.modCount;
    return this.settle();
  }

  /** Moves to the first cell of the set. */
  seekToFirst(): MemCell | undefined {
    this.leaf = 0;
    this.index = 0;
    this.seenMod = this.set.modCount;
    return this.settle();
  }

  /** Moves to the cell after the current one and returns it. */
  next(): MemCell | undefined {
    const cur = this.current;
    if (cur === undefined) return undefined;
    if (this.seenMod !== this.set.modCount) this.seek(cur); // finds cur itself: cells are unique
    this.index++;
    return this.settle();
  }

  /** Normalizes (leaf, index) past a leaf's end and sets current. */
  private settle(): MemCell | undefined {
    const leaves = this.set.leaves;
    let leaf = leaves[this.leaf];
    while (leaf !== undefined && this.index >= leaf.length) {
      this.leaf++;
      this.index = 0;
      leaf = leaves[this.leaf];
    }
    this.current = leaf === undefined ? undefined : leaf[this.index];
    return this.current;
  }
}
