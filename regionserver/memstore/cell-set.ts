// The sorted set of cells of one MemStore segment: a two-level B+tree of sorted leaves (at
// most LEAF_MAX cells each, and the array of leaves). Insert is a binary search over the
// leaves' first cells, a binary search in one leaf and a shift of at most LEAF_MAX entries of
// the leaf's typed arrays: O(log n) compares plus a short memmove (see Leaf). Appending in
// key order (sequential keys, a common load pattern) skips both searches. The cells of one
// mutation of a row go in together (addRun): one search and one shift per row instead of per
// cell.
//
// No object per cell: a leaf keeps each cell as numbers (its chunk's number, its KeyValue's
// offset, its write number) in typed arrays, as HBase's CellChunkMap does, and makes a MemCell
// (a short-lived view) when a reader asks for one. With an object per cell, V8 copied every
// stored cell through the young generation into the old one: loading 100,000 YCSB rows, the
// region server's scavenges took 471 ms before and 197 ms after (one traced run each; its
// mark-compacts went from 6 to 11, docs/benchmarks.md, session 20).
//
// Cache misses dominate a large MemStore's searches (every probe of a plain array of cells
// would load a random chunk). So next to the cells, each leaf keeps the first 12 bytes of
// every cell's row as two numbers (rowPrefix), and of every 16th cell again (a block summary),
// and the set keeps those of every leaf's first cell: a search reads dense arrays and looks at
// cells only within the run whose prefixes equal the key's (same row, or rows sharing 12
// bytes; searchIndex).
//
// Chosen over a skip list (pointer chasing and a node per cell) and over npm sorted-btree
// (same speed with the same comparator before the prefix arrays, measured in one run; no
// cursor that survives inserts).
//
// Cursors: a CellSetCursor keeps (leaf, index) and the set's modification count. If the set
// changed since the cursor last moved, the cursor finds its current cell again by binary search
// (O(log n)) before stepping. A scan that runs between inserts thus sees every cell that was in
// the set when it started, in order, once. (A cell is found again by key and write number,
// which are unique in a set: the MemCells handed out are new objects each time.) Cells are
// removed only by a MemStore's version pruning (version-pruner.ts): a cursor whose current
// cell was removed steps to its successor, and a scan sees every cell that was in the set when
// it started and is still there when it gets to it.
//
// Not thread-safe (one event loop); every method is synchronous.

import type { MemCell } from './mem-cell.js';
import { compareAfterRow, compareCellAt, compareMemCells, memCellAt, rowPrefix } from './mem-cell.js';

/** Largest leaf; a full leaf splits in two (or, when appending, a new leaf starts). */
const LEAF_MAX = 256;

/**
 * An empty array whose elements V8 stores as unboxed doubles from the start (prefixes are
 * mostly above the small-integer range; one elements kind keeps the probes monomorphic).
 */
function doubles(): number[] {
  const a = [0.5];
  a.length = 0;
  return a;
}

/** Most cells a leaf holds for a moment (add() splits a leaf that grows past LEAF_MAX). */
const LEAF_CAPACITY = LEAF_MAX + 1;
/** Room a new leaf starts with (small MemStores stay small); it doubles up to LEAF_CAPACITY. */
const LEAF_INITIAL = 16;
/**
 * Bytes of a leaf's ArrayBuffer per cell of capacity c: p (2c doubles) at 0, sq (c doubles) at
 * 16c, sb and so (c u32 each) at 24c and 28c, ord (c u16) at 32c; each at an offset its element
 * size divides. The block summary (Leaf.bs: 2 doubles per block) follows, at 34c rounded up to 8.
 */
const LEAF_BYTES_PER_CELL = 34;
/** Cells per block of a leaf's block summary (Leaf.bs): 16 = 1 << BLOCK_SHIFT. */
const BLOCK_SHIFT = 4;
/** Blocks of a full leaf. */
const BLOCKS = (LEAF_CAPACITY + (1 << BLOCK_SHIFT) - 1) >> BLOCK_SHIFT;
/**
 * A leaf's six arrays for `capacity` cells, views of ONE ArrayBuffer (laid out as
 * LEAF_BYTES_PER_CELL says): a backing store costs microseconds to allocate, and one per array
 * took about three times as long per leaf (docs/benchmarks.md, session 22).
 */
function leafArrays(capacity: number): { sb: Uint32Array; so: Uint32Array; sq: Float64Array; ord: Uint16Array; p: Float64Array; bs: Float64Array } {
  const at = (LEAF_BYTES_PER_CELL * capacity + 7) & ~7;
  const ab = new ArrayBuffer(at + 16 * BLOCKS);
  return {
    bs: new Float64Array(ab, at, 2 * BLOCKS),
    p: new Float64Array(ab, 0, 2 * capacity),
    sq: new Float64Array(ab, 16 * capacity, capacity),
    sb: new Uint32Array(ab, 24 * capacity, capacity),
    so: new Uint32Array(ab, 28 * capacity, capacity),
    ord: new Uint16Array(ab, 32 * capacity, capacity),
  };
}
/** splitHalf's scratch: the lower half's (chunk, offset, write number) in key order. */
const scratchB = new Uint32Array(LEAF_CAPACITY);
const scratchO = new Uint32Array(LEAF_CAPACITY);
const scratchQ = new Float64Array(LEAF_CAPACITY);

/** The buffers (MSLAB chunks) of a set's cells, numbered: a leaf keeps a cell's chunk as its number. */
class Chunks {
  readonly bufs: Buffer[] = [];
  private readonly numbers = new Map<Buffer, number>();
  private last: Buffer | undefined;
  private lastNumber = 0;

  /** The number of `buf` (numbered now if new). Cells mostly come in chunk order: one compare. */
  number(buf: Buffer): number {
    if (buf === this.last) return this.lastNumber;
    let k = this.numbers.get(buf);
    if (k === undefined) {
      k = this.bufs.length;
      this.bufs.push(buf);
      this.numbers.set(buf, k);
    }
    this.last = buf;
    this.lastNumber = k;
    return k;
  }

  /** Puts `buf` in the place of buffer k (the old one is forgotten). REQUIRES: 0 <= k < bufs.length. */
  replace(k: number, buf: Buffer): void {
    const old = this.bufs[k]!;
    this.numbers.delete(old);
    this.numbers.set(buf, k);
    this.bufs[k] = buf;
    if (this.last === old) this.last = buf;
  }
}

/**
 * One leaf: up to LEAF_MAX cells in key order. Each cell is kept as numbers in the slot it was
 * inserted into (its chunk's number in the set's Chunks, its KeyValue's offset, its write
 * number; appended to), and the order as slot numbers (`ord`), next to the row prefixes: all
 * in typed arrays, no object per cell (mem-cell.ts). An insert in the middle thus moves bytes
 * (one copyWithin per array), never object pointers: shifting a pointer array that lives in
 * the old generation makes V8 re-record every moved slot that points at a young object, which
 * cost most of an insert (docs/benchmarks.md, session 16).
 */
class Leaf {
  /** The set's chunks (shared by its leaves): slot s's cell is in chunks.bufs[sb[s]]. */
  private readonly chunks: Chunks;
  /** Per slot, [0, n): chunk number, KeyValue offset, write number. No holes. */
  private sb: Uint32Array;
  private so: Uint32Array;
  private sq: Float64Array;
  /** Slot numbers in key order, [0, n). */
  private ord: Uint16Array;
  /**
   * rowPrefix(cell(i), 0) at p[2i] and rowPrefix(cell(i), 1) at p[2i + 1], [0, 2n): side by
   * side, so a probe that needs both reads one cache line, and an insert moves one array.
   */
  p: Float64Array;
  /**
   * Block summary: the prefixes of cells 0, 16, 32, … (bs[2b], bs[2b + 1] = p[32b], p[32b + 1]),
   * for blocks that start below n. A search reads it (two cache lines) to pick the block, then
   * searches 16 cells of p: by count about four cache lines of a full leaf instead of six (the
   * lines were counted, not measured; the seek time was: docs/benchmarks.md, session 29).
   */
  bs: Float64Array;
  private n = 0;

  constructor(chunks: Chunks, capacity = LEAF_INITIAL) {
    this.chunks = chunks;
    const a = leafArrays(capacity);
    this.sb = a.sb;
    this.so = a.so;
    this.sq = a.sq;
    this.ord = a.ord;
    this.p = a.p;
    this.bs = a.bs;
  }

  /** Rewrites the block summary from the block of cell i on. */
  private summarize(i: number): void {
    const p = this.p;
    const bs = this.bs;
    for (let b = i >> BLOCK_SHIFT, c = b << BLOCK_SHIFT; c < this.n; b++, c += 1 << BLOCK_SHIFT) {
      bs[2 * b] = p[2 * c]!;
      bs[2 * b + 1] = p[2 * c + 1]!;
    }
  }

  get length(): number {
    return this.n;
  }

  /** The i-th smallest cell (a new MemCell). REQUIRES: 0 <= i < length. */
  cell(i: number): MemCell {
    const s = this.ord[i]!;
    return memCellAt(this.chunks.bufs[this.sb[s]!]!, this.so[s]!, this.sq[s]!);
  }

  /** compareMemCells(cell(i), key) without making the MemCell. REQUIRES: 0 <= i < length. */
  compareCell(i: number, key: MemCell): number {
    const s = this.ord[i]!;
    return compareCellAt(this.chunks.bufs[this.sb[s]!]!, this.so[s]!, this.sq[s]!, key);
  }

  /**
   * Writes (chunk number, KeyValue offset) of the leaf's cells, in key order, to out[2·at, …);
   * returns how many cells it wrote.
   */
  positions(out: Uint32Array, at: number): number {
    for (let i = 0; i < this.n; i++) {
      const s = this.ord[i]!;
      out[2 * (at + i)] = this.sb[s]!;
      out[2 * (at + i) + 1] = this.so[s]!;
    }
    return this.n;
  }

  /** Appends a cell larger than every cell of the leaf. */
  push(cell: MemCell, q0: number, q1: number): void {
    this.insert(this.n, cell, q0, q1);
  }

  /** Keeps `cell` in slot s. */
  private fill(s: number, cell: MemCell): void {
    this.sb[s] = this.chunks.number(cell.buf);
    this.so[s] = cell.off;
    this.sq[s] = cell.seq;
  }

  /** Inserts `cell` as the i-th smallest. REQUIRES: length < LEAF_CAPACITY. */
  insert(i: number, cell: MemCell, q0: number, q1: number): void {
    const n = this.n;
    if (n === this.ord.length) this.grow(n + 1);
    if (i < n) {
      this.ord.copyWithin(i + 1, i, n);
      this.p.copyWithin(2 * i + 2, 2 * i, 2 * n);
    }
    this.fill(n, cell);
    this.ord[i] = n;
    this.p[2 * i] = q0;
    this.p[2 * i + 1] = q1;
    this.n = n + 1;
    this.summarize(i);
  }

  /** Inserts the ascending `run` (one row: prefixes q0, q1) from position i on. REQUIRES: room for it. */
  insertRun(i: number, run: readonly MemCell[], q0: number, q1: number): void {
    const k = run.length;
    const n = this.n;
    if (n + k > this.ord.length) this.grow(n + k);
    if (i < n) {
      this.ord.copyWithin(i + k, i, n);
      this.p.copyWithin(2 * (i + k), 2 * i, 2 * n);
    }
    for (let j = 0; j < k; j++) {
      this.fill(n + j, run[j]!);
      this.ord[i + j] = n + j;
      this.p[2 * (i + j)] = q0;
      this.p[2 * (i + j) + 1] = q1;
    }
    this.n = n + k;
    this.summarize(i);
  }

  /** Puts `cell` (same key as the i-th cell: same row prefix) in its place; returns the old one. */
  replace(i: number, cell: MemCell): MemCell {
    const old = this.cell(i);
    this.fill(this.ord[i]!, cell);
    return old;
  }

  /** Removes the i-th cell. The last slot's cell moves into the freed slot. */
  remove(i: number): void {
    const ord = this.ord;
    const n = this.n;
    const s = ord[i]!;
    ord.copyWithin(i, i + 1, n);
    this.p.copyWithin(2 * i, 2 * i + 2, 2 * n);
    this.n = n - 1;
    this.summarize(i);
    const last = n - 1;
    if (s !== last) {
      this.sb[s] = this.sb[last]!;
      this.so[s] = this.so[last]!;
      this.sq[s] = this.sq[last]!;
      // The entry naming the last slot (entries from n - 1 on are stale: search [0, n - 1)).
      for (let j = 0; j < n - 1; j++) {
        if (ord[j] === last) {
          ord[j] = s;
          break;
        }
      }
    }
  }

  /**
   * Moves the upper half into a new leaf, which gets its slots in key order; this leaf keeps
   * the lower half, its slots renumbered in key order in place (through the scratch arrays).
   */
  splitHalf(): Leaf {
    const n = this.n;
    const at = n >>> 1;
    const upper = new Leaf(this.chunks, LEAF_CAPACITY);
    const { sb, so, sq, ord, p } = this;
    for (let i = at; i < n; i++) {
      const s = ord[i]!;
      const k = i - at;
      upper.sb[k] = sb[s]!;
      upper.so[k] = so[s]!;
      upper.sq[k] = sq[s]!;
      upper.ord[k] = k;
    }
    for (let j = 2 * at; j < 2 * n; j++) upper.p[j - 2 * at] = p[j]!;
    upper.n = n - at;
    upper.summarize(0);
    for (let i = 0; i < at; i++) {
      const s = ord[i]!;
      scratchB[i] = sb[s]!;
      scratchO[i] = so[s]!;
      scratchQ[i] = sq[s]!;
    }
    for (let i = 0; i < at; i++) {
      sb[i] = scratchB[i]!;
      so[i] = scratchO[i]!;
      sq[i] = scratchQ[i]!;
      ord[i] = i;
    }
    this.n = at; // p[0, 2·at) is already the lower half's, in key order (and so is bs)
    return upper;
  }

  /** Room for at least `need` cells (doubling, at most LEAF_CAPACITY). */
  private grow(need: number): void {
    let cap = this.ord.length * 2;
    while (cap < need) cap *= 2;
    if (cap > LEAF_CAPACITY) cap = LEAF_CAPACITY;
    const n = this.n;
    const to = leafArrays(cap);
    to.sb.set(this.sb.subarray(0, n));
    to.so.set(this.so.subarray(0, n));
    to.sq.set(this.sq.subarray(0, n));
    to.ord.set(this.ord.subarray(0, n));
    to.p.set(this.p.subarray(0, 2 * n));
    to.bs.set(this.bs);
    this.sb = to.sb;
    this.so = to.so;
    this.sq = to.sq;
    this.ord = to.ord;
    this.p = to.p;
    this.bs = to.bs;
  }
}

/**
 * compareMemCells(x, key) for x = leaf.cells[i], using the prefix arrays first.
 * REQUIRES: q0, q1 = rowPrefix(key, 0), rowPrefix(key, 1).
 */
function compareAt(leaf: Leaf, i: number, key: MemCell, q0: number, q1: number): number {
  const p = leaf.p;
  const x0 = p[2 * i]!;
  if (x0 !== q0) return x0 < q0 ? -1 : 1;
  const x1 = p[2 * i + 1]!;
  if (x1 !== q1) return x1 < q1 ? -1 : 1;
  return leaf.compareCell(i, key);
}

/**
 * Index of the first cell of `leaf` >= key (may be its length), or -(index + 1) if the cell
 * there equals key. REQUIRES: q0, q1 as compareAt.
 *
 * In two steps, so that it reads as few cache lines as it can (in a large MemStore each is
 * likely a miss, about 150 ns here): first the prefixes alone (the block summary, then 16
 * cells of the prefix array) give the run of cells whose row prefix equals the key's (usually
 * the cells of the key's row, or none); then full compares search that run only, starting
 * with its first cell. A row's first key (a get's or a scan's seek) is settled by that one
 * compare, on the cell the reader reads next anyway; a plain binary search made about three.
 * A seek among 1,000,000 cells took about a quarter less (docs/benchmarks.md, session 29).
 */
function searchIndex(leaf: Leaf, key: MemCell, q0: number, q1: number): number {
  const p = leaf.p;
  const n = leaf.length;
  // The first block whose first cell's prefix is >= the key's: the answer is in the block before.
  const bs = leaf.bs;
  let lo = 0;
  let hi = (n + (1 << BLOCK_SHIFT) - 1) >> BLOCK_SHIFT;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const x0 = bs[2 * mid]!;
    if (x0 < q0 || (x0 === q0 && bs[2 * mid + 1]! < q1)) lo = mid + 1;
    else hi = mid;
  }
  hi = Math.min(lo << BLOCK_SHIFT, n);
  lo = lo === 0 ? 0 : ((lo - 1) << BLOCK_SHIFT) + 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const x0 = p[2 * mid]!;
    if (x0 < q0 || (x0 === q0 && p[2 * mid + 1]! < q1)) lo = mid + 1;
    else hi = mid;
  }
  if (lo === n || p[2 * lo] !== q0 || p[2 * lo + 1] !== q1) return lo;
  let c = leaf.compareCell(lo, key);
  if (c >= 0) return c === 0 ? -lo - 1 : lo;
  // The end of the equal-prefix run, by the prefixes.
  let end = lo + 1;
  hi = n;
  while (end < hi) {
    const mid = (end + hi) >>> 1;
    const x0 = p[2 * mid]!;
    if (x0 < q0 || (x0 === q0 && p[2 * mid + 1]! <= q1)) end = mid + 1;
    else hi = mid;
  }
  lo++;
  while (lo < end) {
    const mid = (lo + end) >>> 1;
    c = leaf.compareCell(mid, key);
    if (c < 0) lo = mid + 1;
    else if (c > 0) end = mid;
    else return -mid - 1;
  }
  return lo;
}

/** Index of the first cell of `leaf` >= key (may be its length). REQUIRES: q0, q1 as compareAt. */
function lowerIndex(leaf: Leaf, key: MemCell, q0: number, q1: number): number {
  const i = searchIndex(leaf, key, q0, q1);
  return i < 0 ? -i - 1 : i;
}

export class CellSet {
  /** Leaves in order; every leaf is non-empty, except the only leaf of an empty set. */
  private readonly chunks = new Chunks();
  private leaves: Leaf[] = [new Leaf(this.chunks)];
  /** Prefixes of each leaf's first cell (parallel to leaves). */
  private readonly f0: number[] = doubles();
  private readonly f1: number[] = doubles();

  constructor() {
    this.f0.push(0);
    this.f1.push(0);
  }
  size = 0;
  /** Incremented by every insert; cursors re-seek when it changed. */
  modCount = 0;
  /**
   * Where the last insert put its cell (leaf, index), valid while modCount === hintMod: the
   * cells of one mutation arrive in key order (a row's columns), so the next one usually goes
   * right after it — two comparisons instead of two binary searches.
   */
  private hintLeaf = 0;
  private hintIdx = 0;
  private hintMod = -1;

  /**
   * Inserts `cell`. If a cell with the same key and write number is present it is replaced
   * and returned (the caller adjusts its accounting); otherwise returns undefined.
   */
  add(cell: MemCell): MemCell | undefined {
    const hinted = this.hintMod === this.modCount;
    this.modCount++;
    const q0 = rowPrefix(cell, 0);
    const q1 = rowPrefix(cell, 1);
    const leaves = this.leaves;
    const lastLeaf = leaves[leaves.length - 1]!;
    const n = lastLeaf.length;
    if (n === 0 || compareAt(lastLeaf, n - 1, cell, q0, q1) < 0) {
      // Append: the common case for sequential keys.
      if (n >= LEAF_MAX) {
        const leaf = new Leaf(this.chunks);
        leaf.push(cell, q0, q1);
        leaves.push(leaf);
        this.f0.push(q0);
        this.f1.push(q1);
        this.setHint(leaves.length - 1, 0);
      } else {
        lastLeaf.push(cell, q0, q1);
        if (n === 0) {
          this.f0[0] = q0;
          this.f1[0] = q1;
        }
        this.setHint(leaves.length - 1, n);
      }
      this.size++;
      return undefined;
    }
    let li: number;
    let lo: number;
    let leaf: Leaf;
    const h = hinted ? this.hintAfter(cell, q0, q1) : -2;
    if (h >= 0) {
      // Right after the last insert (h: its index + 1, in the same leaf).
      li = this.hintLeaf;
      leaf = leaves[li]!;
      lo = h;
    } else {
      if (h === -1) return leaves[this.hintLeaf]!.replace(this.hintIdx + 1, cell);
      li = this.leafFor(cell, q0, q1);
      leaf = leaves[li]!;
      lo = searchIndex(leaf, cell, q0, q1);
      if (lo < 0) return leaf.replace(-lo - 1, cell);
      if (lo === leaf.length && li + 1 < leaves.length) {
        // An equal cell can be the first of the next leaf (leafFor picks the last leaf whose
        // first cell is strictly smaller).
        const nextLeaf = leaves[li + 1]!;
        if (compareAt(nextLeaf, 0, cell, q0, q1) === 0) return nextLeaf.replace(0, cell);
      }
    }
    this.setHint(li, lo);
    leaf.insert(lo, cell, q0, q1);
    if (lo === 0) {
      this.f0[li] = q0;
      this.f1[li] = q1;
    }
    this.size++;
    if (leaf.length > LEAF_MAX) {
      const upper = leaf.splitHalf();
      leaves.splice(li + 1, 0, upper);
      this.f0.splice(li + 1, 0, upper.p[0]!);
      this.f1.splice(li + 1, 0, upper.p[1]!);
      const lowerLen = leaf.length;
      if (lo >= lowerLen) this.setHint(li + 1, lo - lowerLen);
    }
    return undefined;
  }

  /**
   * The position of the cell the last add or addRun put in (addRun: its last cell), written
   * to `out`; false if an insert replaced a cell or a removal before that position moved it.
   */
  lastInserted(out: { leaf: number; index: number }): boolean {
    if (this.hintMod !== this.modCount) return false;
    out.leaf = this.hintLeaf;
    out.index = this.hintIdx;
    return true;
  }

  /**
   * Removes the cell at (leaf, index). An emptied leaf goes (unless it is the
   * only one). Cursors re-seek (modCount); the last-insert position stays valid when the cell
   * removed came after it.
   * REQUIRES: a cell is at (leaf, index).
   */
  removeAt(leaf: number, index: number): void {
    const l = this.leaves[leaf]!;
    const hintKept = this.hintMod === this.modCount && (leaf > this.hintLeaf || (leaf === this.hintLeaf && index > this.hintIdx));
    this.modCount++;
    if (hintKept) this.hintMod = this.modCount;
    l.remove(index);
    this.size--;
    if (l.length === 0) {
      if (this.leaves.length > 1) {
        this.leaves.splice(leaf, 1);
        this.f0.splice(leaf, 1);
        this.f1.splice(leaf, 1);
      }
    } else if (index === 0) {
      this.f0[leaf] = l.p[0]!;
      this.f1[leaf] = l.p[1]!;
    }
  }

  /**
   * Inserts the cells of one mutation of one row, `run`, in one step when that is simple:
   * `run` is strictly ascending (compareAfterRow: its cells share a row), no cell of the set
   * lies between its first and last cell, and it has at most LEAF_MAX / 2 cells. Then the set
   * needs one search for the whole run, not one per cell, and (a new row's successor being
   * another row) its order checks stop at the prefix arrays. Returns false, changing nothing,
   * otherwise: the caller then adds the cells one by one (add() handles replacing).
   * REQUIRES: every cell of `run` has the same row.
   */
  addRun(run: readonly MemCell[]): boolean {
    const n = run.length;
    if (n === 0) return true;
    if (n > LEAF_MAX / 2) return false;
    for (let i = 1; i < n; i++) if (compareAfterRow(run[i - 1]!, run[i]!) >= 0) return false;
    const first = run[0]!;
    const last = run[n - 1]!;
    const q0 = rowPrefix(first, 0);
    const q1 = rowPrefix(first, 1);
    const leaves = this.leaves;
    let li = leaves.length - 1;
    let leaf = leaves[li]!;
    let lo = leaf.length;
    if (lo > 0 && compareAt(leaf, lo - 1, first, q0, q1) >= 0) {
      // Not an append: the first position >= first, which must be > last.
      li = this.leafFor(first, q0, q1);
      leaf = leaves[li]!;
      lo = lowerIndex(leaf, first, q0, q1);
      // The successor: in this leaf, or the first cell of the next one (leafFor picks the last
      // leaf whose first cell is strictly smaller, so lo may be past this leaf's end).
      const succLeaf = lo < leaf.length ? leaf : leaves[li + 1];
      if (succLeaf !== undefined && compareAt(succLeaf, succLeaf === leaf ? lo : 0, last, q0, q1) <= 0) return false;
    }
    if (leaf.length + n > LEAF_MAX) {
      // Make room as add() would: a new last leaf when appending, else split the leaf in two
      // (each half then has room for the run).
      if (lo === leaf.length && li === leaves.length - 1) {
        leaves.push(new Leaf(this.chunks));
        this.f0.push(q0);
        this.f1.push(q1);
        li++;
        lo = 0;
      } else {
        const upper = leaf.splitHalf();
        leaves.splice(li + 1, 0, upper);
        this.f0.splice(li + 1, 0, upper.p[0]!);
        this.f1.splice(li + 1, 0, upper.p[1]!);
        if (lo > leaf.length) {
          lo -= leaf.length;
          li++;
        }
      }
      leaf = leaves[li]!;
    }
    this.modCount++;
    leaf.insertRun(lo, run, q0, q1);
    if (lo === 0) {
      this.f0[li] = q0;
      this.f1[li] = q1;
    }
    this.size += n;
    this.setHint(li, lo + n - 1);
    return true;
  }

  private setHint(leaf: number, index: number): void {
    this.hintLeaf = leaf;
    this.hintIdx = index;
    this.hintMod = this.modCount;
  }

  /**
   * With the hint valid: the index in the hint's leaf where `cell` goes if it sorts right
   * after the hinted cell and before that leaf's next cell (hintIdx + 1); -1 if it equals
   * that next cell; -2 if the hint does not help (search instead). A cell past the leaf's last
   * cell is not placed here (it may belong in the next leaf).
   */
  private hintAfter(cell: MemCell, q0: number, q1: number): number {
    const leaf = this.leaves[this.hintLeaf];
    const i = this.hintIdx;
    if (leaf === undefined || i + 1 >= leaf.length) return -2;
    if (compareAt(leaf, i, cell, q0, q1) >= 0) return -2;
    const c = compareAt(leaf, i + 1, cell, q0, q1);
    return c > 0 ? i + 1 : c === 0 ? -1 : -2;
  }

  /** Index of the last leaf whose first cell is < key, or 0. REQUIRES: q0, q1 as compareAt. */
  leafFor(key: MemCell, q0: number, q1: number): number {
    const leaves = this.leaves;
    const f0 = this.f0;
    const f1 = this.f1;
    let lo = 0;
    let hi = leaves.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      const x0 = f0[mid]!;
      const x1 = f1[mid]!;
      const less = x0 !== q0 ? x0 < q0 : x1 !== q1 ? x1 < q1 : leaves[mid]!.compareCell(0, key) < 0;
      if (less) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /** Position (leaf, index) of the first cell >= key; index may equal the leaf's length. */
  lowerBound(key: MemCell, out: { leaf: number; index: number }): void {
    const q0 = rowPrefix(key, 0);
    const q1 = rowPrefix(key, 1);
    const li = this.leafFor(key, q0, q1);
    out.leaf = li;
    out.index = lowerIndex(this.leaves[li]!, key, q0, q1);
  }

  /** The cell at (leaf, index), or undefined past a leaf's end or the last leaf. */
  at(leaf: number, index: number): MemCell | undefined {
    const l = this.leaves[leaf];
    return l === undefined || index < 0 || index >= l.length ? undefined : l.cell(index);
  }

  /** Cells in leaf `leaf`, or -1 past the last leaf. */
  leafLength(leaf: number): number {
    const l = this.leaves[leaf];
    return l === undefined ? -1 : l.length;
  }

  /** Smallest cell, or undefined. */
  first(): MemCell | undefined {
    const l = this.leaves[0]!;
    return l.length === 0 ? undefined : l.cell(0);
  }

  /** Largest cell, or undefined. */
  last(): MemCell | undefined {
    const l = this.leaves[this.leaves.length - 1]!;
    return l.length === 0 ? undefined : l.cell(l.length - 1);
  }

  /** The buffers the cells are in, indexed by the chunk numbers positions() writes (a live view). */
  get buffers(): readonly Buffer[] {
    return this.chunks.bufs;
  }

  /**
   * Puts `buf` in the place of buffers[k]; cells in it are read from `buf` from now on.
   * REQUIRES: `buf` holds the same bytes (a copy, e.g. in shared memory for a flush worker:
   * snapshot-cells.ts); 0 <= k < buffers.length.
   */
  replaceBuffer(k: number, buf: Buffer): void {
    this.chunks.replace(k, buf);
  }

  /** Number of leaves (positions() takes one at a time). */
  get leafCount(): number {
    return this.leaves.length;
  }

  /**
   * Writes (chunk number in `buffers`, KeyValue offset) of leaf `leaf`'s cells, in key order,
   * to out[2·at, …); returns how many cells it wrote. A flush lists a snapshot's cells this way,
   * without a MemCell per cell (snapshot-cells.ts).
   */
  positions(leaf: number, out: Uint32Array, at: number): number {
    return this.leaves[leaf]!.positions(out, at);
  }

  /** Leaf sizes, for tests of the structure. */
  leafSizes(): number[] {
    return this.leaves.map((l) => l.length);
  }
}

/** A position in a CellSet that stays valid across inserts (see above). */
export class CellSetCursor {
  private readonly pos = { leaf: 0, index: 0 };
  private seenMod = -1;
  /** The cell at the position, or undefined past the end. */
  current: MemCell | undefined = undefined;

  constructor(readonly set: CellSet) {}

  /** Moves to the first cell >= key (compareMemCells) and returns it. */
  seek(key: MemCell): MemCell | undefined {
    this.set.lowerBound(key, this.pos);
    this.seenMod = this.set.modCount;
    return this.settle();
  }

  /** Moves to the first cell of the set. */
  seekToFirst(): MemCell | undefined {
    this.pos.leaf = 0;
    this.pos.index = 0;
    this.seenMod = this.set.modCount;
    return this.settle();
  }

  /** Moves to the cell after the current one and returns it. */
  next(): MemCell | undefined {
    const cur = this.current;
    if (cur === undefined) return undefined;
    if (this.seenMod !== this.set.modCount) {
      // Finds cur's cell again (cells are unique by key and write number) or, if it was
      // removed, its successor: the next cell.
      const found = this.seek(cur);
      if (found === undefined || compareMemCells(found, cur) !== 0) return found;
    }
    this.pos.index++;
    return this.settle();
  }

  /** Normalizes the position past a leaf's end and sets current. */
  private settle(): MemCell | undefined {
    const set = this.set;
    const pos = this.pos;
    let len = set.leafLength(pos.leaf);
    while (len >= 0 && pos.index >= len) {
      pos.leaf++;
      pos.index = 0;
      len = set.leafLength(pos.leaf);
    }
    this.current = len < 0 ? undefined : set.at(pos.leaf, pos.index);
    return this.current;
  }
}
