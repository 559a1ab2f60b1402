// StoreScanner: the cells of one family for a read — a KeyValueHeap over the family's MemStore
// and files, run through a ScanQueryMatcher (HBase's StoreScanner / ReversedStoreScanner).
//
// The region scanner drives it row by row: prepare() settles any pending move, peek() shows the
// first cell of the next row, startRow() begins it, collect() adds the row's returned cells to
// a RowBuffer until the row ends, a cell limit (Scan.batch) is reached, or I/O is needed.
// Compactions use nextCells() instead, which runs across rows.
//
// NEEDS_IO: the scanner remembers where it stopped (an unsettled heap and/or an unfinished skip)
// and continues there on the next call after `await fetchPending()`; the matcher's state is
// never replayed, so resuming is exact.
//
// Skips (next column / next row) first try a few next() calls — usually the target is a few
// cells away — and only then reseek (HBase's trySkipToNextColumn/Row).
//
// Thread safety: one caller at a time.

import type { CellView } from '../../common/cells/cell-view.js';
import { compareKeyRows, compareKeys, keyHasEmptyQualifier } from '../../common/cells/encoded-key.js';
import type { Filter } from '../filter/filter.js';
import type { KeyValueScanner, ScanStatus } from './key-scanner.js';
import { END, FOUND, NEEDS_IO } from './key-scanner.js';
import type { KeyValueHeap } from './key-value-heap.js';
import { MatchCode as M } from './match-code.js';
import type { RowBuffer } from './row-buffer.js';
import type { ScanQueryMatcher } from './scan-query-matcher.js';
import { SeekKey } from './seek-keys.js';

/** collect(): the store has no more cells of the row (positioned at a later row, or exhausted). */
export const ROW_DONE = 1;
/** collect(): the cell limit was reached; the row goes on. */
export const LIMIT_REACHED = 2;
/** collect(): the filter ended the scan for this family. */
export const SCAN_DONE = 3;
// and NEEDS_IO (-1)

/**
 * Adds a returned cell: copied when a filter transformed it; otherwise referenced where it is.
 * The heap's cell is a KeyValueScanner's (key-scanner.ts): its value stays in an immutable
 * MemStore chunk or HFile block, and so does its key when both are in one buffer; a key rebuilt
 * in a scratch buffer (a PREFIX-encoded block's) is copied.
 */
function addCell(out: RowBuffer, cell: CellView, f: Filter | undefined): void {
  if (f !== undefined) out.add(f.transformCell(cell));
  else if (cell.keyBuf === cell.valueBuf) out.addRefKeyValue(cell.keyBuf, cell.keyOff, cell.keyLen, cell.valueOff, cell.valueLen);
  else out.addRef(cell);
}

/** next() calls tried before a skip reseeks (also single-source-get.ts's column skips). */
export const MAX_SKIP_STEPS = 4;

export class StoreScanner {
  /** The filter ended this family's scan (DONE_SCAN); it returns nothing more. */
  closed = false;
  private settlePending = false;
  private skipActive = false;
  private skipSteps = 0;
  private readonly skipKey = new SeekKey();
  private readonly rowKey = new SeekKey();
  private readonly reversed: boolean;

  /**
   * `get`: a single-row read — once the matcher is done with the row, nothing more is read.
   * `filter`: the scan's filter (for transformCell and hints), also given to the matcher.
   */
  constructor(
    readonly family: Buffer,
    private readonly heap: KeyValueHeap,
    readonly matcher: ScanQueryMatcher,
    private readonly filter: Filter | undefined,
    private readonly get: boolean,
  ) {
    this.reversed = heap.reversed;
  }

  /** Makes a closed scanner usable again, its heap over new sources (open-store-scanner.ts). */
  reuse(sources: readonly KeyValueScanner[]): void {
    this.inUse = true;
    this.heap.reuse(sources);
    this.closed = false;
    this.settlePending = false;
    this.skipActive = false;
    this.skipSteps = 0;
  }

  /** Positions at the first cell >= key (forward reads). May leave I/O pending (see prepare). */
  seek(key: Buffer, off: number, len: number): void {
    if (this.heap.seek(key, off, len) === NEEDS_IO) this.settlePending = true;
  }

  /** Reversed reads: see KeyValueHeap.seekReversed. */
  seekReversed(key: Buffer | undefined, off = 0, len = 0, exclusive = false): void {
    if (this.heap.seekReversed(key, off, len, exclusive) === NEEDS_IO) this.settlePending = true;
  }

  /** Finishes a pending move: FOUND (peek() is the next cell), END (exhausted) or NEEDS_IO. */
  prepare(): ScanStatus {
    if (this.settlePending) {
      if (this.heap.settle() === NEEDS_IO) return NEEDS_IO;
      this.settlePending = false;
    }
    if (this.skipActive && this.continueSkip() === NEEDS_IO) return NEEDS_IO;
    return this.heap.top === undefined ? END : FOUND;
  }

  /** The next cell. REQUIRES: prepare() returned FOUND. */
  peek(): CellView | undefined {
    return this.heap.top;
  }

  /**
   * Called once by the first close() after each (re)use: open-store-scanner.ts keeps the
   * scanner for the store's next plain get.
   */
  onClose: ((s: StoreScanner) => void) | undefined = undefined;
  private inUse = true;

  /** Releases the sources (recycled for later reads); the scanner returns nothing more. */
  close(): void {
    this.closed = true;
    this.settlePending = false;
    this.skipActive = false;
    this.heap.close();
    if (this.inUse) {
      this.inUse = false;
      this.onClose?.(this);
    }
  }

  /** Loads what the pending move needs. */
  fetchPending(): Promise<void> {
    return this.heap.fetchPending();
  }

  /**
   * Begins the row of peek(). `row[0, rowLen)`: that row, kept unchanged by the caller while
   * the row is read (saves a copy); omitted, the matcher copies it. REQUIRES: prepare() FOUND.
   */
  startRow(row?: Buffer, rowLen = 0): void {
    const top = this.heap.top!;
    if (row === undefined) this.matcher.setToNewRow(top);
    else this.matcher.setRowReference(row, rowLen);
    if (this.reversed) this.rowKey.firstOnRowOf(top);
  }

  /**
   * Adds the current row's returned cells to `out` (undefined: run the matcher and filter but
   * keep nothing — a row the filter's filterRowKey rejected) until out holds `limit` cells.
   * Returns ROW_DONE, LIMIT_REACHED, SCAN_DONE or NEEDS_IO (call again after fetchPending).
   */
  collect(out: RowBuffer | undefined, limit: number): number {
    const heap = this.heap;
    const m = this.matcher;
    const f = this.filter;
    for (;;) {
      if (this.settlePending) {
        if (heap.settle() === NEEDS_IO) return NEEDS_IO;
        this.settlePending = false;
      }
      if (this.skipActive && this.continueSkip() === NEEDS_IO) return NEEDS_IO;
      const top = heap.top;
      if (top === undefined) return ROW_DONE;
      if (out !== undefined && out.count >= limit) return LIMIT_REACHED;
      const code = m.match(top);
      let st: ScanStatus;
      switch (code) {
        case M.INCLUDE:
          if (out !== undefined) addCell(out, top, f);
          st = heap.next(this.rowKey);
          break;
        case M.SKIP:
          st = heap.next(this.rowKey);
          break;
        case M.INCLUDE_AND_SEEK_NEXT_COL:
          if (out !== undefined) addCell(out, top, f);
          st = this.seekNextColumn(top);
          break;
        case M.SEEK_NEXT_COL:
          st = this.seekNextColumn(top);
          break;
        case M.INCLUDE_AND_SEEK_NEXT_ROW:
          if (out !== undefined) addCell(out, top, f);
          if (this.get) return this.endGet();
          st = this.seekNextRow();
          break;
        case M.SEEK_NEXT_ROW:
          if (this.get) return this.endGet();
          st = this.seekNextRow();
          break;
        case M.SEEK_NEXT_USING_HINT:
          st = this.seekHint(top);
          break;
        case M.DONE:
          return ROW_DONE;
        default:
          this.closed = true;
          return SCAN_DONE;
      }
      if (st === NEEDS_IO) {
        this.settlePending = true;
        return NEEDS_IO;
      }
    }
  }

  /**
   * Compactions: adds up to `limit` cells (across rows) to `out`. FOUND if more may follow, END
   * when the store is exhausted (out may still hold the last cells), NEEDS_IO.
   */
  nextCells(out: RowBuffer, limit: number): ScanStatus {
    for (;;) {
      const st = this.collect(out, limit);
      if (st === NEEDS_IO) return NEEDS_IO;
      if (st === LIMIT_REACHED) return FOUND;
      if (this.heap.top === undefined) return END;
      this.startRow();
    }
  }

  // A get has read its row: nothing more is wanted from this family.
  private endGet(): number {
    this.matcher.clearCurrentRow();
    this.heap.top = undefined;
    return ROW_DONE;
  }

  private seekNextColumn(cell: CellView): ScanStatus {
    // The empty qualifier also holds the family delete markers, which may sort after a newer
    // Put of that column: step through it (HBASE-18471) rather than seek past them.
    if (keyHasEmptyQualifier(cell.keyBuf, cell.keyOff, cell.keyLen)) return this.heap.next(this.rowKey);
    const hint = this.matcher.columnHint();
    if (hint !== undefined) this.skipKey.firstOnColumn(cell, hint, 0, hint.length);
    else this.skipKey.lastOnColumn(cell);
    return this.startSkip();
  }

  private seekNextRow(): ScanStatus {
    const m = this.matcher;
    if (this.reversed) {
      const st = this.heap.seekToPreviousRow(this.rowKey.buf, 0, this.rowKey.len);
      if (st === NEEDS_IO) this.settlePending = true;
      return st;
    }
    this.skipKey.firstOnNextRow(m.rowBuf, 0, m.rowLength);
    return this.startSkip();
  }

  private seekHint(cell: CellView): ScanStatus {
    // As in seekNextColumn: never seek out of the empty qualifier, which may still hold family
    // delete markers (HBase seeks here, and a newer empty-qualifier Put can then unmask cells).
    if (keyHasEmptyQualifier(cell.keyBuf, cell.keyOff, cell.keyLen)) return this.heap.next(this.rowKey);
    const hint = this.filter?.getNextCellHint(cell);
    if (hint === undefined || compareKeys(hint, 0, hint.length, cell.keyBuf, cell.keyOff, cell.keyLen) <= 0 || (this.reversed && compareKeyRows(hint, 0, cell.keyBuf, cell.keyOff) !== 0)) {
      return this.heap.next(this.rowKey);
    }
    this.skipKey.copyOf(hint, 0, hint.length);
    return this.startSkip();
  }

  private startSkip(): ScanStatus {
    this.skipActive = true;
    this.skipSteps = 0;
    return this.continueSkip();
  }

  // Moves until the top is at or past skipKey: a few next() calls, then one reseek.
  private continueSkip(): ScanStatus {
    const heap = this.heap;
    const k = this.skipKey;
    for (;;) {
      if (heap.top === undefined || heap.topAtOrPast(k.buf, 0, k.len)) {
        this.skipActive = false;
        return heap.top === undefined ? END : FOUND;
      }
      let st: ScanStatus;
      if (this.skipSteps++ < MAX_SKIP_STEPS) {
        st = heap.next(this.rowKey);
      } else {
        this.skipActive = false;
        st = this.reversed ? heap.backwardSeek(k.buf, 0, k.len) : heap.reseek(k.buf, 0, k.len);
      }
      if (st === NEEDS_IO) {
        this.settlePending = true;
        return NEEDS_IO;
      }
      if (!this.skipActive) return st;
    }
  }
}
