// KeyValueHeap: the merge of several KeyValueScanners by key order (HBase's KeyValueHeap and,
// with `reversed`, ReversedKeyValueHeap). The top scanner is kept apart from a binary heap of
// the others, so walking one source costs one comparison per cell.
//
// Order: key order, then newer source first (larger `order`) for equal keys. Reversed: row
// descending, then key order within a row, then newer first; a scanner that walks off the end
// of its row moves to its previous row (seekToPreviousRow), as in HBase.
//
// NEEDS_IO: an operation applies itself to every scanner it concerns; scanners that answer
// NEEDS_IO are set aside in a repair list together with what they still have to do. The
// operation then returns NEEDS_IO and the heap is UNSETTLED: call `await fetchPending()` (loads
// every pending block at once, in parallel), then `settle()`, until settle() returns FOUND or
// END. Do not repeat the operation itself: it has already been applied.
//
// Thread safety: one caller at a time.

import { compareKeyRows, compareKeys } from '../../common/cells/encoded-key.js';
import type { KeyValueScanner, ScanStatus } from './key-scanner.js';
import { END, FOUND, NEEDS_IO } from './key-scanner.js';
import { SeekKey } from './seek-keys.js';

const OP_NEXT = 1;
const OP_SEEK = 2;
const OP_RESEEK = 3;
const OP_PREV_ROW = 4;
const OP_LAST_ROW = 5;
const OP_BACKWARD_SEEK = 6;

class Repair {
  readonly key = new SeekKey();
  constructor(
    readonly scanner: KeyValueScanner,
    public op: number,
  ) {}
}

export class KeyValueHeap {
  /** The scanner holding the smallest cell (in heap order), or undefined when exhausted or unsettled. */
  top: KeyValueScanner | undefined = undefined;
  private readonly heap: KeyValueScanner[] = [];
  private repairs: Repair[] = [];
  private readonly scratch: KeyValueScanner[] = [];

  /** Scanners must be unpositioned; position the heap with seek / seekReversed first. */
  constructor(
    private scanners: readonly KeyValueScanner[],
    readonly reversed: boolean,
  ) {}

  /** Reuses a closed heap over new (unpositioned) scanners. */
  reuse(scanners: readonly KeyValueScanner[]): void {
    this.scanners = scanners;
    this.top = undefined;
    this.heap.length = 0;
    this.repairs = [];
  }

  /** True while an operation waits for I/O (fetchPending + settle). */
  get unsettled(): boolean {
    return this.repairs.length > 0;
  }

  // ---- positioning ---------------------------------------------------------------------------

  /** Positions every scanner at its first cell >= key (forward scans). */
  seek(key: Buffer, off: number, len: number): ScanStatus {
    this.top = undefined;
    this.heap.length = 0;
    this.repairs = [];
    for (const s of this.scanners) this.apply(s, OP_SEEK, key, off, len);
    return this.finish();
  }

  /**
   * Reversed scans: positions every scanner at the first cell of the last row <= the row of
   * `key` (at the first cell >= key within that row), or of its last row when key is undefined.
   * `exclusive`: the last row < the key's row instead.
   */
  seekReversed(key: Buffer | undefined, off = 0, len = 0, exclusive = false): ScanStatus {
    this.top = undefined;
    this.heap.length = 0;
    this.repairs = [];
    const op = key === undefined ? OP_LAST_ROW : exclusive ? OP_PREV_ROW : OP_BACKWARD_SEEK;
    for (const s of this.scanners) this.apply(s, op, key, off, len);
    return this.finish();
  }

  /**
   * Moves past the top cell. Reversed scans pass the first-on-row key of the row being read
   * (`rowKey`): a scanner leaving that row (or reaching its end) moves to its previous row.
   */
  next(rowKey?: SeekKey): ScanStatus {
    const s = this.top;
    if (s === undefined) return this.repairs.length > 0 ? NEEDS_IO : END;
    let st = s.next();
    if (this.reversed && (st === END || (st === FOUND && compareKeyRows(s.keyBuf, s.keyOff, rowKey!.buf, 0) !== 0))) {
      st = s.seekToPreviousRow(rowKey!.buf, 0, rowKey!.len);
      if (st === NEEDS_IO) return this.park(s, OP_PREV_ROW, rowKey!.buf, 0, rowKey!.len);
    } else if (st === NEEDS_IO) {
      return this.park(s, OP_NEXT, rowKey?.buf, 0, rowKey?.len ?? 0);
    }
    const h = this.heap;
    if (st === END) {
      this.top = h.length > 0 ? this.pop() : undefined;
    } else if (h.length > 0 && this.cmp(h[0]!, s) < 0) {
      this.top = h[0]!;
      h[0] = s;
      this.siftDown(0);
    }
    return this.top === undefined ? END : FOUND;
  }

  /** Forward: moves every scanner positioned before key[off, off+len) to its first cell >= key. */
  reseek(key: Buffer, off: number, len: number): ScanStatus {
    const list = this.drain();
    for (const s of list) {
      if (compareKeys(s.keyBuf, s.keyOff, s.keyLen, key, off, len) < 0) this.apply(s, OP_RESEEK, key, off, len);
      else this.insert(s);
    }
    list.length = 0;
    return this.finish();
  }

  /**
   * Reversed: scanners in the key's row before the key move forward to it (or, past the row's
   * end, to their previous row); scanners on rows after the key's row move to their previous
   * row. HBase's ReversedKeyValueHeap.backwardSeek.
   */
  backwardSeek(key: Buffer, off: number, len: number): ScanStatus {
    const list = this.drain();
    for (const s of list) {
      const r = compareKeyRows(s.keyBuf, s.keyOff, key, off);
      if (r < 0 || (r === 0 && compareKeys(s.keyBuf, s.keyOff, s.keyLen, key, off, len) >= 0)) this.insert(s);
      else this.apply(s, OP_BACKWARD_SEEK, key, off, len);
    }
    list.length = 0;
    return this.finish();
  }

  /** Reversed: every scanner on the key's row or after it moves to its previous row. */
  seekToPreviousRow(key: Buffer, off: number, len: number): ScanStatus {
    const list = this.drain();
    for (const s of list) {
      if (compareKeyRows(s.keyBuf, s.keyOff, key, off) >= 0) this.apply(s, OP_PREV_ROW, key, off, len);
      else this.insert(s);
    }
    list.length = 0;
    return this.finish();
  }

  /** True if the top cell is at or past key[off, off+len) in scan direction. REQUIRES: top set. */
  topAtOrPast(key: Buffer, off: number, len: number): boolean {
    const s = this.top!;
    if (this.reversed) {
      const r = compareKeyRows(s.keyBuf, s.keyOff, key, off);
      if (r !== 0) return r < 0;
    }
    return compareKeys(s.keyBuf, s.keyOff, s.keyLen, key, off, len) >= 0;
  }

  /** Closes every scanner (they may be recycled): the heap must not be used again. */
  close(): void {
    this.top = undefined;
    this.heap.length = 0;
    this.repairs = [];
    for (const s of this.scanners) s.close();
  }

  // ---- I/O -------------------------------------------------------------------------------------

  /** Loads what every pending scanner asked for, in parallel. */
  async fetchPending(): Promise<void> {
    const rs = this.repairs;
    if (rs.length === 1) await rs[0]!.scanner.fetchPending();
    else await Promise.all(rs.map((r) => r.scanner.fetchPending()));
  }

  /** Retries the pending operations: FOUND / END once settled, NEEDS_IO if more I/O is needed. */
  settle(): ScanStatus {
    if (this.repairs.length === 0) return this.top === undefined ? END : FOUND;
    const rs = this.repairs;
    this.repairs = [];
    if (this.top !== undefined) {
      this.insert(this.top);
      this.top = undefined;
    }
    for (const r of rs) {
      const st = this.run(r);
      if (st === FOUND) this.insert(r.scanner);
      else if (st === NEEDS_IO) this.repairs.push(r);
    }
    return this.finish();
  }

  // ---- internals -------------------------------------------------------------------------------

  /** Retries a repair; in reversed mode a NEXT that left the row becomes a PREV_ROW repair. */
  private run(r: Repair): ScanStatus {
    const s = r.scanner;
    const key = r.key.buf;
    const len = r.key.len;
    switch (r.op) {
      case OP_NEXT: {
        const st = s.next();
        if (this.reversed && (st === END || (st === FOUND && compareKeyRows(s.keyBuf, s.keyOff, key, 0) !== 0))) {
          r.op = OP_PREV_ROW;
          return s.seekToPreviousRow(key, 0, len);
        }
        return st;
      }
      case OP_SEEK:
        return s.seek(key, 0, len);
      case OP_RESEEK:
        return s.reseek(key, 0, len);
      case OP_PREV_ROW:
        return s.seekToPreviousRow(key, 0, len);
      case OP_LAST_ROW:
        return s.seekToLastRow();
      default:
        return s.backwardSeek(key, 0, len);
    }
  }

  private apply(s: KeyValueScanner, op: number, key: Buffer | undefined, off: number, len: number): void {
    let st: ScanStatus;
    switch (op) {
      case OP_SEEK:
        st = s.seek(key!, off, len);
        break;
      case OP_RESEEK:
        st = s.reseek(key!, off, len);
        break;
      case OP_PREV_ROW:
        st = s.seekToPreviousRow(key!, off, len);
        break;
      case OP_LAST_ROW:
        st = s.seekToLastRow();
        break;
      default:
        st = s.backwardSeek(key!, off, len);
    }
    if (st === FOUND) this.insert(s);
    else if (st === NEEDS_IO) this.addRepair(s, op, key, off, len);
  }

  private addRepair(s: KeyValueScanner, op: number, key: Buffer | undefined, off: number, len: number): void {
    const r = new Repair(s, op);
    if (key !== undefined) r.key.copyOf(key, off, len);
    this.repairs.push(r);
  }

  private park(s: KeyValueScanner, op: number, key: Buffer | undefined, off: number, len: number): ScanStatus {
    this.addRepair(s, op, key, off, len);
    this.top = undefined;
    return NEEDS_IO;
  }

  /** Empties top + heap into the scratch list (caller clears it after use). */
  private drain(): KeyValueScanner[] {
    const list = this.scratch;
    if (this.top !== undefined) list.push(this.top);
    for (const s of this.heap) list.push(s);
    this.top = undefined;
    this.heap.length = 0;
    return list;
  }

  private finish(): ScanStatus {
    if (this.top === undefined && this.heap.length > 0) this.top = this.pop();
    if (this.repairs.length > 0) {
      // Not settled: the top may change once the pending scanners are back.
      if (this.top !== undefined) {
        this.insert(this.top);
        this.top = undefined;
      }
      return NEEDS_IO;
    }
    return this.top === undefined ? END : FOUND;
  }

  private cmp(a: KeyValueScanner, b: KeyValueScanner): number {
    if (this.reversed) {
      const r = compareKeyRows(a.keyBuf, a.keyOff, b.keyBuf, b.keyOff);
      if (r !== 0) return -r;
    }
    const c = compareKeys(a.keyBuf, a.keyOff, a.keyLen, b.keyBuf, b.keyOff, b.keyLen);
    return c !== 0 ? c : b.order - a.order;
  }

  private insert(s: KeyValueScanner): void {
    if (this.top === undefined && this.heap.length === 0) {
      this.top = s;
      return;
    }
    if (this.top !== undefined && this.cmp(s, this.top) < 0) {
      const t = this.top;
      this.top = s;
      s = t;
    }
    const h = this.heap;
    h.push(s);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >>> 1;
      if (this.cmp(h[i]!, h[p]!) >= 0) break;
      const t = h[i]!;
      h[i] = h[p]!;
      h[p] = t;
      i = p;
    }
  }

  private pop(): KeyValueScanner {
    const h = this.heap;
    const out = h[0]!;
    const last = h.pop()!;
    if (h.length > 0) {
      h[0] = last;
      this.siftDown(0);
    }
    return out;
  }

  private siftDown(i: number): void {
    const h = this.heap;
    const n = h.length;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) return;
      const r = l + 1;
      const m = r < n && this.cmp(h[r]!, h[l]!) < 0 ? r : l;
      if (this.cmp(h[m]!, h[i]!) >= 0) return;
      const t = h[i]!;
      h[i] = h[m]!;
      h[m] = t;
      i = m;
    }
  }
}
