// DeleteTracker: the delete markers seen so far in the current row of one family (HBase's
// ScanDeleteTracker). Markers sort before the cells they delete — family markers (empty
// qualifier) first in the family, column markers before the column's versions at the same or
// lower timestamps — so one pass can decide for each Put whether a marker masks it:
//   DeleteFamily        ts <= marker, every column of the family
//   DeleteFamilyVersion ts == marker, every column
//   DeleteColumn        ts <= marker, its column
//   Delete              ts == marker, its column
// Only the most general column marker of the current column is kept; markers older than a
// DeleteFamily already seen are redundant and ignored.
//
// Qualifiers are compared as byte ranges; the tracker copies the one it keeps. No allocation
// per cell (the family-version list grows once per row width).

import { compareRanges } from '../../common/cells/encoded-key.js';
import { CellType } from '../../common/cells/keyvalue-format.js';
import { cmpTs } from './match-code.js';


const EMPTY = Buffer.alloc(0);
export const DeleteResult = {
  NOT_DELETED: 0,
  FAMILY_DELETED: 1,
  FAMILY_VERSION_DELETED: 2,
  COLUMN_DELETED: 3,
  VERSION_DELETED: 4,
} as const;
export type DeleteResult = (typeof DeleteResult)[keyof typeof DeleteResult];

export class DeleteTracker {
  private hasFamily = false;
  private famHi = 0;
  private famLo = 0;
  private fvHi: number[] | undefined = undefined;
  private fvLo: number[] | undefined = undefined;
  private fvCount = 0;
  private hasCol = false;
  private colQual: Buffer = EMPTY;
  private colQualLen = 0;
  private colType = 0;
  private colHi = 0;
  private colLo = 0;

  /** Called between rows. */
  reset(): void {
    this.hasFamily = false;
    this.fvCount = 0;
    this.hasCol = false;
  }

  isEmpty(): boolean {
    return !this.hasFamily && !this.hasCol && this.fvCount === 0;
  }

  /** Records a marker of qualifier q[qOff, qOff+qLen) at (hi, lo) of `type`. */
  add(q: Buffer, qOff: number, qLen: number, hi: number, lo: number, type: number): void {
    if (this.hasFamily && cmpTs(hi, lo, this.famHi, this.famLo) <= 0) return;
    if (type === CellType.DeleteFamily) {
      this.hasFamily = true;
      this.famHi = hi;
      this.famLo = lo;
      return;
    }
    if (type === CellType.DeleteFamilyVersion) {
      if (this.fvHi === undefined) {
        this.fvHi = [];
        this.fvLo = [];
      }
      this.fvHi[this.fvCount] = hi;
      this.fvLo![this.fvCount] = lo;
      this.fvCount++;
      return;
    }
    if (this.hasCol && type < this.colType && compareRanges(q, qOff, qOff + qLen, this.colQual, 0, this.colQualLen) === 0) return;
    if (this.colQual.length < qLen) this.colQual = Buffer.allocUnsafe(Math.max(qLen, 32, 2 * this.colQual.length));
    q.copy(this.colQual, 0, qOff, qOff + qLen);
    this.colQualLen = qLen;
    this.colType = type;
    this.colHi = hi;
    this.colLo = lo;
    this.hasCol = true;
  }

  /** Whether the Put of qualifier q at (hi, lo) is masked by a marker seen so far. */
  isDeleted(q: Buffer, qOff: number, qLen: number, hi: number, lo: number): DeleteResult {
    if (this.hasFamily && cmpTs(hi, lo, this.famHi, this.famLo) <= 0) return DeleteResult.FAMILY_DELETED;
    if (this.fvCount > 0) {
      const fh = this.fvHi!;
      const fl = this.fvLo!;
      for (let i = 0; i < this.fvCount; i++) if (fh[i] === hi && fl[i] === lo) return DeleteResult.FAMILY_VERSION_DELETED;
    }
    if (this.hasCol) {
      const c = compareRanges(q, qOff, qOff + qLen, this.colQual, 0, this.colQualLen);
      if (c === 0) {
        if (this.colType === CellType.DeleteColumn) return DeleteResult.COLUMN_DELETED;
        if (hi === this.colHi && lo === this.colLo) return DeleteResult.VERSION_DELETED;
        // An older version: the Delete marker (one version) no longer applies.
        this.hasCol = false;
      } else if (c > 0) {
        this.hasCol = false; // a later column
      }
    }
    return DeleteResult.NOT_DELETED;
  }
}
