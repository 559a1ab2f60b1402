// ColumnTracker: which columns of a row a read wants and how many versions of each it keeps
// (HBase's ScanWildcardColumnTracker and ExplicitColumnTracker in one class, so the matcher's
// calls stay monomorphic). Wildcard: every column; explicit: the sorted qualifiers asked for.
//
// Versions: a column keeps its newest `maxVersions` distinct timestamps (duplicates of the same
// timestamp and type — the same cell in two sources — are skipped); versions older than the TTL
// cut (`oldest`) are dropped unless they are among the first `minVersions`. Delete markers
// (raw scans, compactions) never count as a version.

import { compareRanges } from '../../common/cells/encoded-key.js';
import { copyBytes } from '../../common/copy-bytes.js';
import type { MatchCode } from './match-code.js';
import { MatchCode as M, cmpTs, isDeleteType } from './match-code.js';


const EMPTY = Buffer.alloc(0);
export interface ColumnTrackerOptions {
  /** Sorted, distinct qualifiers; undefined = every column. */
  readonly columns?: readonly Buffer[];
  readonly maxVersions: number;
  readonly minVersions: number;
  /** TTL cut as (hi, lo): timestamps below it are expired. hasTtl false = nothing expires. */
  readonly hasTtl: boolean;
  readonly oldestHi: number;
  readonly oldestLo: number;
}

export class ColumnTracker {
  private readonly columns: readonly Buffer[] | undefined;
  private readonly maxVersions: number;
  private readonly minVersions: number;
  private hasTtl: boolean;
  private oldestHi: number;
  private oldestLo: number;
  // explicit: index of the wanted column
  private index = 0;
  // wildcard: the current column's qualifier
  private hasCol = false;
  private colQual: Buffer = EMPTY;
  private colQualLen = 0;
  private count = 0;
  private hasLatest = false;
  private latestHi = 0;
  private latestLo = 0;
  private latestType = 0;

  constructor(o: ColumnTrackerOptions) {
    this.columns = o.columns !== undefined && o.columns.length > 0 ? o.columns : undefined;
    this.maxVersions = o.maxVersions;
    this.minVersions = o.minVersions;
    this.hasTtl = o.hasTtl;
    this.oldestHi = o.oldestHi;
    this.oldestLo = o.oldestLo;
  }

  /** A new TTL cut (a reused tracker, for the next read). */
  setTtlCut(hasTtl: boolean, oldestHi: number, oldestLo: number): void {
    this.hasTtl = hasTtl;
    this.oldestHi = oldestHi;
    this.oldestLo = oldestLo;
  }

  get explicit(): boolean {
    return this.columns !== undefined;
  }

  /** Called between rows. */
  reset(): void {
    this.index = 0;
    this.hasCol = false;
    this.count = 0;
    this.hasLatest = false;
  }

  /** Explicit columns all served: the rest of the row is not wanted. */
  done(): boolean {
    return this.columns !== undefined && this.index >= this.columns.length;
  }

  private expired(hi: number, lo: number): boolean {
    return this.hasTtl && cmpTs(hi, lo, this.oldestHi, this.oldestLo) < 0;
  }

  /** The cell and every older version of its column are expired and MIN_VERSIONS keeps none. */
  isDone(hi: number, lo: number): boolean {
    return this.minVersions <= 0 && this.expired(hi, lo);
  }

  /** The qualifier to seek to next (explicit), or undefined. */
  columnHint(): Buffer | undefined {
    return this.columns === undefined ? undefined : this.columns[this.index];
  }

  /** Is the column of qualifier q wanted? INCLUDE, SEEK_NEXT_COL (to the hint) or SEEK_NEXT_ROW. */
  checkColumn(q: Buffer, qOff: number, qLen: number): MatchCode {
    const cols = this.columns;
    if (cols === undefined) return M.INCLUDE;
    for (;;) {
      const want = cols[this.index];
      if (want === undefined) return M.SEEK_NEXT_ROW;
      const c = compareRanges(q, qOff, qOff + qLen, want, 0, want.length);
      if (c === 0) return M.INCLUDE;
      this.hasLatest = false;
      if (c < 0) return M.SEEK_NEXT_COL;
      this.index++;
      this.count = 0;
    }
  }

  /**
   * Counts the version (not for markers): INCLUDE, INCLUDE_AND_SEEK_NEXT_COL / _ROW (explicit,
   * last wanted version), SKIP (duplicate) or SEEK_NEXT_COL (no more versions wanted).
   * REQUIRES: checkColumn said INCLUDE for this cell (explicit mode).
   */
  checkVersions(q: Buffer, qOff: number, qLen: number, hi: number, lo: number, type: number, ignoreCount: boolean): MatchCode {
    if (this.columns === undefined) {
      if (!this.hasCol || compareRanges(q, qOff, qOff + qLen, this.colQual, 0, this.colQualLen) !== 0) {
        this.setColumn(q, qOff, qLen);
      } else if (!ignoreCount && this.hasLatest && hi === this.latestHi && lo === this.latestLo && type === this.latestType) {
        return M.SKIP;
      }
      if (ignoreCount) return M.INCLUDE;
      if (!isDeleteType(type)) this.count++;
      if (this.count > this.maxVersions) return M.SEEK_NEXT_COL;
      if (this.count <= this.minVersions || !this.expired(hi, lo)) {
        this.setLatest(hi, lo, type);
        return M.INCLUDE;
      }
      return M.SEEK_NEXT_COL;
    }
    if (ignoreCount) return M.INCLUDE;
    if (this.hasLatest && hi === this.latestHi && lo === this.latestLo && type === this.latestType) return M.SKIP;
    if (!isDeleteType(type)) this.count++;
    if (this.count > this.minVersions && this.expired(hi, lo)) {
      // Expired and not kept by MIN_VERSIONS (HBase's ExplicitColumnTracker would still include
      // this one; the wildcard tracker does not — tsbase follows the wildcard rule for both).
      this.advance();
      return this.index >= this.columns.length ? M.SEEK_NEXT_ROW : M.SEEK_NEXT_COL;
    }
    if (this.count >= this.maxVersions) {
      this.advance();
      return this.index >= this.columns.length ? M.INCLUDE_AND_SEEK_NEXT_ROW : M.INCLUDE_AND_SEEK_NEXT_COL;
    }
    this.setLatest(hi, lo, type);
    return M.INCLUDE;
  }

  /** Explicit: moves the wanted column past qualifier q. */
  doneWithColumn(q: Buffer, qOff: number, qLen: number): void {
    const cols = this.columns;
    if (cols === undefined) return;
    for (;;) {
      const want = cols[this.index];
      if (want === undefined) return;
      const c = compareRanges(q, qOff, qOff + qLen, want, 0, want.length);
      this.hasLatest = false;
      if (c < 0) return;
      this.index++;
      this.count = 0;
      if (c === 0) return;
    }
  }

  /** SEEK_NEXT_COL, or SEEK_NEXT_ROW when no wanted column is left (explicit). */
  nextRowOrNextColumn(q: Buffer, qOff: number, qLen: number): MatchCode {
    if (this.columns === undefined) return M.SEEK_NEXT_COL;
    this.doneWithColumn(q, qOff, qLen);
    return this.index >= this.columns.length ? M.SEEK_NEXT_ROW : M.SEEK_NEXT_COL;
  }

  private advance(): void {
    this.index++;
    this.count = 0;
    this.hasLatest = false;
  }

  private setColumn(q: Buffer, qOff: number, qLen: number): void {
    if (this.colQual.length < qLen) this.colQual = Buffer.allocUnsafe(Math.max(qLen, 32, 2 * this.colQual.length));
    copyBytes(q, qOff, qLen, this.colQual, 0);
    this.colQualLen = qLen;
    this.hasCol = true;
    this.count = 0;
    this.hasLatest = false;
  }

  private setLatest(hi: number, lo: number, type: number): void {
    this.hasLatest = true;
    this.latestHi = hi;
    this.latestLo = lo;
    this.latestType = type;
  }
}
