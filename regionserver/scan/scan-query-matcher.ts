// ScanQueryMatcher: decides, cell by cell, what one family's scanner does with the cells of the
// current row (HBase's NormalUserScanQueryMatcher, RawScanQueryMatcher and the compaction
// matchers in one class, so the hot call site stays monomorphic). Per cell, in this order:
//
//   1. filter.filterAllRemaining()                → DONE_SCAN          (user and raw reads)
//   2. another row                                 → DONE (row complete; the cell is not consumed)
//   3. explicit columns all served                 → SEEK_NEXT_ROW
//   4. expired by TTL and MIN_VERSIONS = 0         → next column (older versions are expired too)
//   5. delete markers (user reads): remembered if they apply to the time range — within or after
//      it, or only within it when KEEP_DELETED_CELLS lets time-range reads see past deletes —
//      and never returned; Puts they mask are skipped
//   6. time range [min, max): newer → SKIP, older → next column
//   7. column selection, then versions (ColumnTracker: MAX_VERSIONS, MIN_VERSIONS, TTL)
//   8. the filter's filterCell, merged with the above (mergeFilter); with a filter, the tracker
//      allows the family's MAX_VERSIONS and the request's limit applies after the filter.
//
// Raw reads (HBase raw scans) skip step 5: markers and masked cells are returned as they are.
// Compaction modes have no filter and no time range:
//   minor: markers are kept; Puts they mask (KEEP_DELETED_CELLS FALSE) and excess or expired
//          versions are dropped.
//   major: also drops the markers themselves, unless KEEP_DELETED_CELLS is TRUE (or TTL and the
//          marker is not expired): then deleted cells stay, markers count toward versions, and
//          markers older than every Put (earliestPutTs) are dropped.
//
// Thread safety: per scanner; synchronous.

import type { CellView } from '../../common/cells/cell-view.js';
import { compareRanges } from '../../common/cells/encoded-key.js';
import { CellType } from '../../common/cells/keyvalue-format.js';
import type { Filter } from '../filter/filter.js';
import { ReturnCode } from '../filter/filter.js';
import { ColumnTracker } from './column-tracker.js';
import { DeleteResult, DeleteTracker } from './delete-tracker.js';
import type { MatchCode } from './match-code.js';
import { MatchCode as M, cmpTs, splitTs, u64Hi, u64Lo } from './match-code.js';
import type { KeepDeletedCells } from './store-read-view.js';

export type MatcherMode = 'user' | 'raw' | 'minor-compaction' | 'major-compaction';

const EMPTY = Buffer.alloc(0);
const TWO_32 = 4294967296;
const MODE_USER = 0;
const MODE_RAW = 1;
const MODE_MINOR = 2;
const MODE_MAJOR = 3;

export interface MatcherOptions {
  readonly mode: MatcherMode;
  /** Versions the column tracker keeps (see resolveVersions). */
  readonly trackerMaxVersions: number;
  /** With a filter: versions returned per column after the filter. */
  readonly versionsAfterFilter: number;
  readonly minVersions: number;
  readonly keepDeletedCells: KeepDeletedCells;
  /** Time (ms) and TTL (ms, Infinity = forever): timestamps < nowMs - ttlMs are expired. */
  readonly nowMs: number;
  readonly ttlMs: number;
  /** [min, max); undefined = all time. */
  readonly timeRange?: { readonly min: bigint; readonly max: bigint };
  /** Sorted distinct qualifiers; undefined/empty = every column. */
  readonly columns?: readonly Buffer[];
  readonly filter?: Filter;
  /** Major compactions with KEEP_DELETED_CELLS: the oldest Put timestamp in the inputs. */
  readonly earliestPutTs?: bigint;
}

export class ScanQueryMatcher {
  readonly columns: ColumnTracker;
  private readonly deletes = new DeleteTracker();
  private readonly mode: number;
  private readonly filter: Filter | undefined;
  private readonly versionsAfterFilter: number;
  private readonly keepDeletedCells: KeepDeletedCells;
  private readonly seePastDeleteMarkers: boolean;
  private hasTtl: boolean;
  private oldestHi: number;
  private oldestLo: number;
  private readonly ttlMs: number;
  private readonly hasTr: boolean;
  private readonly trMinHi: number;
  private readonly trMinLo: number;
  private readonly trMaxHi: number;
  private readonly trMaxLo: number;
  private readonly earliestPutHi: number;
  private readonly earliestPutLo: number;
  // current row: a copy (ownRow) or a buffer the caller keeps stable (setRowReference)
  private row: Buffer = EMPTY;
  private ownRow: Buffer = EMPTY;
  private rowLen = 0;
  private hasRow = false;
  private sticky = false;
  // versions after the filter
  private afterCol: Buffer = EMPTY;
  private afterColLen = 0;
  private hasAfterCol = false;
  private afterCount = 0;

  constructor(o: MatcherOptions) {
    this.mode = o.mode === 'user' ? MODE_USER : o.mode === 'raw' ? MODE_RAW : o.mode === 'minor-compaction' ? MODE_MINOR : MODE_MAJOR;
    this.filter = this.mode <= MODE_RAW ? o.filter : undefined;
    this.versionsAfterFilter = o.versionsAfterFilter;
    this.keepDeletedCells = o.keepDeletedCells;
    this.seePastDeleteMarkers = o.keepDeletedCells !== 'FALSE';
    this.ttlMs = o.ttlMs;
    const oldest = o.ttlMs === Infinity ? 0 : Math.floor(o.nowMs - o.ttlMs);
    this.hasTtl = oldest > 0;
    this.oldestHi = this.hasTtl ? Math.floor(oldest / TWO_32) : 0;
    this.oldestLo = this.hasTtl ? oldest % TWO_32 : 0;
    const tr = o.timeRange;
    this.hasTr = tr !== undefined && this.mode <= MODE_RAW;
    if (tr !== undefined) {
      const mn = splitTs(tr.min);
      const mx = splitTs(tr.max);
      this.trMinHi = mn.hi;
      this.trMinLo = mn.lo;
      this.trMaxHi = mx.hi;
      this.trMaxLo = mx.lo;
    } else {
      this.trMinHi = this.trMinLo = this.trMaxHi = this.trMaxLo = 0;
    }
    if (o.earliestPutTs !== undefined) {
      const ep = splitTs(o.earliestPutTs);
      this.earliestPutHi = ep.hi;
      this.earliestPutLo = ep.lo;
    } else {
      this.earliestPutHi = this.earliestPutLo = 0;
    }
    this.columns = new ColumnTracker({
      columns: this.mode <= MODE_RAW ? o.columns : undefined,
      maxVersions: o.trackerMaxVersions,
      minVersions: o.minVersions,
      hasTtl: this.hasTtl,
      oldestHi: this.oldestHi,
      oldestLo: this.oldestLo,
    });
  }

  /**
   * Prepares a matcher for another read with the same options at time `nowMs` (a reused get
   * matcher, open-store-scanner.ts): a new TTL cut; the row state is reset by the next startRow.
   */
  reuseAt(nowMs: number): void {
    if (this.ttlMs === Infinity) return;
    const oldest = Math.floor(nowMs - this.ttlMs);
    this.hasTtl = oldest > 0;
    this.oldestHi = this.hasTtl ? Math.floor(oldest / TWO_32) : 0;
    this.oldestLo = this.hasTtl ? oldest % TWO_32 : 0;
    this.columns.setTtlCut(this.hasTtl, this.oldestHi, this.oldestLo);
  }

  /** Starts a row: the row of `cell` (copied). */
  setToNewRow(cell: CellView): void {
    const b = cell.keyBuf;
    const o = cell.keyOff;
    const rl = (b[o]! << 8) | b[o + 1]!;
    if (this.ownRow.length < rl) this.ownRow = Buffer.allocUnsafe(Math.max(rl, 64, 2 * this.ownRow.length));
    const row = this.ownRow;
    if (rl <= 64) for (let i = 0; i < rl; i++) row[i] = b[o + 2 + i]!;
    else b.copy(row, 0, o + 2, o + 2 + rl);
    this.startRow(row, rl);
  }

  /**
   * Starts a row given as row[0, rowLen), not copied. REQUIRES: the caller leaves those bytes
   * unchanged until the next setToNewRow / setRowReference (the region scanner's row copy, a
   * get's row).
   */
  setRowReference(row: Buffer, rowLen: number): void {
    this.startRow(row, rowLen);
  }

  private startRow(row: Buffer, rowLen: number): void {
    this.row = row;
    this.rowLen = rowLen;
    this.hasRow = true;
    this.sticky = false;
    this.columns.reset();
    this.deletes.reset();
    this.hasAfterCol = false;
  }

  /** Forgets the row: every cell is DONE until setToNewRow. */
  clearCurrentRow(): void {
    this.hasRow = false;
  }

  /** The current row: rowBuf[0, rowLength). */
  get rowBuf(): Buffer {
    return this.row;
  }
  get rowLength(): number {
    return this.rowLen;
  }

  /** Decides about `cell` (see the top of the file). */
  match(cell: CellView): MatchCode {
    const f = this.filter;
    if (f !== undefined && f.filterAllRemaining()) return M.DONE_SCAN;
    if (!this.hasRow) return M.DONE;
    const kb = cell.keyBuf;
    const ko = cell.keyOff;
    const kl = cell.keyLen;
    const rl = (kb[ko]! << 8) | kb[ko + 1]!;
    if (rl !== this.rowLen || compareRanges(kb, ko + 2, ko + 2 + rl, this.row, 0, rl) !== 0) return M.DONE;
    if (this.sticky) return M.SEEK_NEXT_ROW;
    const cols = this.columns;
    if (cols.done()) {
      this.sticky = true;
      return M.SEEK_NEXT_ROW;
    }
    const t = ko + kl - 9;
    const hi = u64Hi(kb, t);
    const lo = u64Lo(kb, t);
    const famLenOff = ko + 2 + rl;
    const qOff = famLenOff + 1 + kb[famLenOff]!;
    const qLen = t - qOff;
    if (cols.isDone(hi, lo)) return cols.nextRowOrNextColumn(kb, qOff, qLen);
    const type = kb[t + 8]!;
    const mode = this.mode;
    if (mode === MODE_USER) {
      if (type !== CellType.Put) {
        const include = this.seePastDeleteMarkers ? this.withinTimeRange(hi, lo) : this.withinOrAfterTimeRange(hi, lo);
        if (include) this.deletes.add(kb, qOff, qLen, hi, lo, type);
        return M.SKIP;
      }
      const d = this.checkDeleted(kb, qOff, qLen, hi, lo);
      if (d >= 0) return d as MatchCode;
      return this.matchColumn(cell, kb, qOff, qLen, hi, lo, type);
    }
    if (mode === MODE_RAW) return this.matchColumn(cell, kb, qOff, qLen, hi, lo, type);
    // Compactions.
    if (type !== CellType.Put) {
      const kdc = this.keepDeletedCells;
      const expired = this.hasTtl && cmpTs(hi, lo, this.oldestHi, this.oldestLo) < 0;
      if (kdc === 'FALSE' || (kdc === 'TTL' && expired)) this.deletes.add(kb, qOff, qLen, hi, lo, type);
      if (mode === MODE_MINOR) return M.INCLUDE;
      // Major: drop the marker unless deleted cells are kept.
      if (kdc === 'TRUE' || (kdc === 'TTL' && !expired)) {
        if (cmpTs(hi, lo, this.earliestPutHi, this.earliestPutLo) < 0) return cols.nextRowOrNextColumn(kb, qOff, qLen);
      } else {
        return M.SKIP;
      }
    } else {
      const d = this.checkDeleted(kb, qOff, qLen, hi, lo);
      if (d >= 0) return d as MatchCode;
    }
    return cols.checkVersions(kb, qOff, qLen, hi, lo, type, false);
  }

  /** -1 if not deleted, else the code for a deleted Put. */
  private checkDeleted(kb: Buffer, qOff: number, qLen: number, hi: number, lo: number): number {
    const del = this.deletes;
    if (del.isEmpty()) return -1;
    switch (del.isDeleted(kb, qOff, qLen, hi, lo)) {
      case DeleteResult.FAMILY_DELETED:
      case DeleteResult.COLUMN_DELETED:
        return this.columns.nextRowOrNextColumn(kb, qOff, qLen);
      case DeleteResult.VERSION_DELETED:
      case DeleteResult.FAMILY_VERSION_DELETED:
        return M.SKIP;
      default:
        return -1;
    }
  }

  private withinTimeRange(hi: number, lo: number): boolean {
    if (!this.hasTr) return true;
    return cmpTs(hi, lo, this.trMinHi, this.trMinLo) >= 0 && cmpTs(hi, lo, this.trMaxHi, this.trMaxLo) < 0;
  }

  private withinOrAfterTimeRange(hi: number, lo: number): boolean {
    return !this.hasTr || cmpTs(hi, lo, this.trMinHi, this.trMinLo) >= 0;
  }

  private matchColumn(cell: CellView, kb: Buffer, qOff: number, qLen: number, hi: number, lo: number, type: number): MatchCode {
    const cols = this.columns;
    if (this.hasTr) {
      if (cmpTs(hi, lo, this.trMaxHi, this.trMaxLo) >= 0) return M.SKIP;
      if (cmpTs(hi, lo, this.trMinHi, this.trMinLo) < 0) return cols.nextRowOrNextColumn(kb, qOff, qLen);
    }
    let code = cols.checkColumn(kb, qOff, qLen);
    if (code !== M.INCLUDE) return code;
    code = cols.checkVersions(kb, qOff, qLen, hi, lo, type, false);
    if (code === M.SKIP || code === M.SEEK_NEXT_COL) return code;
    const f = this.filter;
    if (f === undefined) return code;
    return this.mergeFilter(cell, kb, qOff, qLen, code, f.filterCell(cell));
  }

  // HBase's UserScanQueryMatcher.mergeFilterResponse.
  private mergeFilter(cell: CellView, kb: Buffer, qOff: number, qLen: number, code: MatchCode, rc: ReturnCode): MatchCode {
    switch (rc) {
      case ReturnCode.SKIP:
        if (code === M.INCLUDE) return M.SKIP;
        return code === M.INCLUDE_AND_SEEK_NEXT_COL ? M.SEEK_NEXT_COL : M.SEEK_NEXT_ROW;
      case ReturnCode.NEXT_COL:
        if (code === M.INCLUDE_AND_SEEK_NEXT_ROW) return M.SEEK_NEXT_ROW;
        return this.columns.nextRowOrNextColumn(kb, qOff, qLen);
      case ReturnCode.NEXT_ROW:
        return M.SEEK_NEXT_ROW;
      case ReturnCode.SEEK_NEXT_USING_HINT:
        return M.SEEK_NEXT_USING_HINT;
      case ReturnCode.INCLUDE_AND_NEXT_COL:
        if (code === M.INCLUDE) code = M.INCLUDE_AND_SEEK_NEXT_COL;
        break;
      case ReturnCode.INCLUDE_AND_SEEK_NEXT_ROW:
        code = M.INCLUDE_AND_SEEK_NEXT_ROW;
        break;
      default:
        break;
    }
    // Versions again, after the filter.
    const ko = cell.keyOff;
    const colStart = ko;
    const colLen = qOff + qLen - ko;
    if (!this.hasAfterCol || compareRanges(kb, colStart, colStart + colLen, this.afterCol, 0, this.afterColLen) !== 0) {
      if (this.afterCol.length < colLen) this.afterCol = Buffer.allocUnsafe(Math.max(colLen, 2 * this.afterCol.length));
      kb.copy(this.afterCol, 0, colStart, colStart + colLen);
      this.afterColLen = colLen;
      this.hasAfterCol = true;
      this.afterCount = 0;
    }
    this.afterCount++;
    if (this.afterCount > this.versionsAfterFilter) return code === M.INCLUDE_AND_SEEK_NEXT_ROW ? M.SEEK_NEXT_ROW : M.SEEK_NEXT_COL;
    if (code !== M.INCLUDE) this.columns.doneWithColumn(kb, qOff, qLen);
    return code;
  }

  /** For SEEK_NEXT_COL: the explicit tracker's next wanted qualifier, or undefined. */
  columnHint(): Buffer | undefined {
    return this.columns.columnHint();
  }
}
