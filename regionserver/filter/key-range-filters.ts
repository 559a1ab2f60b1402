// Key-range filters, as in HBase 2.x: PrefixFilter and InclusiveStopFilter (rows),
// ColumnPrefixFilter, MultipleColumnPrefixFilter and ColumnRangeFilter (qualifiers). The qualifier
// filters seek to the next qualifier that can pass and end the family's part of the row
// (NEXT_ROW) when none can.

import type { CellView } from '../../common/cells/cell-view.js';
import { compareRanges, firstOnRowKey } from '../../common/cells/encoded-key.js';
import { InvalidError } from '../../common/errors.js';
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

/**
 * Keeps rows up to and including `stopRow`; the first row after it ends the scan (reversed scans:
 * the first row before it).
 */
export class InclusiveStopFilter extends FilterBase {
  private done = false;

  constructor(readonly stopRow: Buffer) {
    super();
  }

  filterCell(_cell: CellView): ReturnCode {
    return this.done ? ReturnCode.NEXT_ROW : ReturnCode.INCLUDE;
  }

  override filterRowKey(firstRowCell: CellView): boolean {
    if (this.done) return true;
    const cmp = compareRanges(this.stopRow, 0, this.stopRow.length, firstRowCell.keyBuf, rowStart(firstRowCell), rowEnd(firstRowCell));
    this.done = this.reversed ? cmp > 0 : cmp < 0;
    return this.done;
  }

  override filterAllRemaining(): boolean {
    return this.done;
  }
}

/**
 * Keeps cells whose qualifier starts with any of `prefixes`. HBase refuses duplicate prefixes (so
 * does this). Deviation: a prefix that extends another one in the set (`ab` next to `a`) is
 * dropped, because HBase's search then skips qualifiers that match the shorter prefix (`ac`).
 */
export class MultipleColumnPrefixFilter extends FilterBase {
  /** The prefixes as given, sorted. */
  readonly prefixes: readonly Buffer[];
  // Sorted, none a prefix of another.
  private readonly search: readonly Buffer[];
  private hintPrefix: Buffer | undefined;

  /** Throws InvalidError(TSB_INVALID_ARGUMENT) for duplicate prefixes. */
  constructor(prefixes: readonly Buffer[]) {
    super();
    const sorted = [...prefixes].sort(Buffer.compare);
    for (let i = 1; i < sorted.length; i++) {
      if (sorted[i]!.equals(sorted[i - 1]!)) throw new InvalidError('prefixes must be distinct', { details: { field: 'prefixes' } });
    }
    this.prefixes = sorted;
    // In sorted order, a prefix extending another comes right after the shortest one it extends.
    const search: Buffer[] = [];
    for (const p of sorted) {
      const last = search[search.length - 1];
      if (last === undefined || !startsWith(p, last)) search.push(p);
    }
    this.search = search;
  }

  override filterRowKey(_firstRowCell: CellView): boolean {
    return false;
  }

  filterCell(cell: CellView): ReturnCode {
    const ps = this.search;
    if (ps.length === 0) return ReturnCode.INCLUDE;
    // i = number of prefixes <= the qualifier.
    let lo = 0;
    let hi = ps.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compareQualifierTo(cell, ps[mid]!, 0, ps[mid]!.length) >= 0) lo = mid + 1;
      else hi = mid;
    }
    if (lo === 0) {
      this.hintPrefix = ps[0];
      return ReturnCode.SEEK_NEXT_USING_HINT;
    }
    const p = ps[lo - 1]!;
    const qs = familyEnd(cell);
    if (qualifierEnd(cell) - qs >= p.length && compareRanges(cell.keyBuf, qs, qs + p.length, p, 0, p.length) === 0) return ReturnCode.INCLUDE;
    if (lo === ps.length) return ReturnCode.NEXT_ROW;
    this.hintPrefix = ps[lo];
    return ReturnCode.SEEK_NEXT_USING_HINT;
  }

  override getNextCellHint(cell: CellView): Buffer | undefined {
    return this.hintPrefix === undefined ? undefined : firstOnRowFamilyColumn(cell, this.hintPrefix);
  }
}

function startsWith(b: Buffer, prefix: Buffer): boolean {
  return b.length >= prefix.length && compareRanges(b, 0, prefix.length, prefix, 0, prefix.length) === 0;
}
