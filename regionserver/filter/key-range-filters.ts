// Key-range filters that seek: PrefixFilter (row prefix), ColumnPrefixFilter (qualifier prefix)
// and ColumnRangeFilter (qualifier range), as in HBase 2.x.

import type { CellView } from '../../common/cells/cell-view.js';
import { compareRanges, firstOnRowKey } from '../../common/cells/encoded-key.js';
import { compareQualifierTo, familyEnd, firstOnRowFamilyColumn, keyHasRowFamilyOf, qualifierEnd, rowEnd, rowStart } from './cell-fields.js';
import { FilterBase, ReturnCode } from './filter.js';

/**
 * Keeps rows whose key starts with `prefix`. Forward scans (HBase 2.6's hinting PrefixFilter):
 * rows before the prefix seek to it (SEEK_NEXT_USING_HINT), rows after it end the scan
 * (filterAllRemaining). Reversed scans: rows not matching are skipped by filterRowKey, and a row
 * before the prefix ends the scan; no hints are given.
 */
export class PrefixFilter extends FilterBase {
  private passedPrefix = false;
  private filterOutRow = true;
  private provideHint = false;
  private readonly forwardHint: Buffer;

  constructor(readonly prefix: Buffer) {
    super();
    this.forwardHint = firstOnRowKey(prefix);
  }

  override filterRowKey(firstRowCell: CellView): boolean {
    if (this.passedPrefix) return true;
    const rs = rowStart(firstRowCell);
    const re = rowEnd(firstRowCell);
    const n = Math.min(re - rs, this.prefix.length);
    // The row's first n bytes against the whole prefix: a row shorter than the prefix that
    // matches it so far sorts before every row with the prefix (cmp < 0).
    const cmp = compareRanges(firstRowCell.keyBuf, rs, rs + n, this.prefix, 0, this.prefix.length);
    if ((!this.reversed && cmp > 0) || (this.reversed && cmp < 0)) this.passedPrefix = true;
    this.filterOutRow = cmp !== 0;
    this.provideHint = !this.reversed && cmp < 0;
    return this.reversed ? this.filterOutRow : this.passedPrefix;
  }

  filterCell(_cell: CellView): ReturnCode {
    if (this.provideHint) return ReturnCode.SEEK_NEXT_USING_HINT;
    if (this.filterOutRow) return ReturnCode.NEXT_ROW;
    return ReturnCode.INCLUDE;
  }

  override filterRow(): boolean {
    return this.filterOutRow;
  }

  override reset(): void {
    this.filterOutRow = true;
  }

  override filterAllRemaining(): boolean {
    return this.passedPrefix;
  }

  override getNextCellHint(_cell: CellView): Buffer | undefined {
    return this.reversed ? undefined : this.forwardHint;
  }
}

/**
 * Keeps cells whose qualifier starts with `prefix`. Qualifiers before the prefix seek to it;
 * qualifiers after it end the family's part of the row (NEXT_ROW).
 */
export class ColumnPrefixFilter extends FilterBase {
  private hint: Buffer | undefined;

  constructor(readonly prefix: Buffer) {
    super();
  }

  override filterRowKey(_firstRowCell: CellView): boolean {
    return false;
  }

  filterCell(cell: CellView): ReturnCode {
    const qs = familyEnd(cell);
    const qLen = qualifierEnd(cell) - qs;
    const p = this.prefix;
    if (qLen < p.length) {
      const cmp = compareRanges(cell.keyBuf, qs, qs + qLen, p, 0, qLen);
      return cmp <= 0 ? ReturnCode.SEEK_NEXT_USING_HINT : ReturnCode.NEXT_ROW;
    }
    const cmp = compareRanges(cell.keyBuf, qs, qs + p.length, p, 0, p.length);
    if (cmp < 0) return ReturnCode.SEEK_NEXT_USING_HINT;
    if (cmp > 0) return ReturnCode.NEXT_ROW;
    return ReturnCode.INCLUDE;
  }

  override getNextCellHint(cell: CellView): Buffer | undefined {
    // Hints are never modified after they are handed out, so one per row and family is reused.
    if (this.hint === undefined || !keyHasRowFamilyOf(this.hint, cell)) this.hint = firstOnRowFamilyColumn(cell, this.prefix);
    return this.hint;
  }
}

export interface ColumnRange {
  /** Lower bound; undefined: none. */
  readonly minColumn?: Buffer | undefined;
  /** Default true. */
  readonly minColumnInclusive?: boolean;
  /** Upper bound; undefined: none. */
  readonly maxColumn?: Buffer | undefined;
  /** Default false. */
  readonly maxColumnInclusive?: boolean;
}

/**
 * Keeps cells whose qualifier lies between minColumn and maxColumn. Qualifiers before the range
 * seek to minColumn; qualifiers after it end the family's part of the row (NEXT_ROW).
 * An empty (not undefined) maxColumn is a real bound: only the empty qualifier can pass it.
 */
export class ColumnRangeFilter extends FilterBase {
  readonly minColumn: Buffer | undefined;
  readonly minColumnInclusive: boolean;
  readonly maxColumn: Buffer | undefined;
  readonly maxColumnInclusive: boolean;
  private hint: Buffer | undefined;

  constructor(range: ColumnRange) {
    super();
    this.minColumn = range.minColumn;
    this.minColumnInclusive = range.minColumnInclusive ?? true;
    this.maxColumn = range.maxColumn;
    this.maxColumnInclusive = range.maxColumnInclusive ?? false;
  }

  override filterRowKey(_firstRowCell: CellView): boolean {
    return false;
  }

  filterCell(cell: CellView): ReturnCode {
    const min = this.minColumn;
    const cmpMin = min === undefined ? 1 : compareQualifierTo(cell, min, 0, min.length);
    if (cmpMin < 0) return ReturnCode.SEEK_NEXT_USING_HINT;
    if (!this.minColumnInclusive && cmpMin === 0) return ReturnCode.NEXT_COL;
    const max = this.maxColumn;
    if (max === undefined) return ReturnCode.INCLUDE;
    const cmpMax = compareQualifierTo(cell, max, 0, max.length);
    if (this.maxColumnInclusive ? cmpMax <= 0 : cmpMax < 0) return ReturnCode.INCLUDE;
    return ReturnCode.NEXT_ROW;
  }

  override getNextCellHint(cell: CellView): Buffer | undefined {
    if (this.hint === undefined || !keyHasRowFamilyOf(this.hint, cell)) this.hint = firstOnRowFamilyColumn(cell, this.minColumn);
    return this.hint;
  }
}
