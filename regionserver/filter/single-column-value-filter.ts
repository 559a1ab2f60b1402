// HBase's SingleColumnValueFilter: keeps whole rows by the value of one column.
//
// - The row passes if the tested column is found and its value passes (op, comparator); then
//   every cell of the row is kept, including cells before the tested column.
// - Column missing: the row passes unless filterIfMissing.
// - latestVersionOnly (default true): only the newest version visible to the scan is tested; a
//   failing newest version ends the row (NEXT_ROW), and filterRow() drops it. With false, any
//   passing version keeps the row, and cells are kept while versions are being tested.
// - The decision is made in filterRow(), so hasFilterRow() is true and the row is read whole.
//
// SingleColumnValueExcludeFilter works the same and leaves the tested column out of the result.
//
// Deviation: HBase accepts NO_OP and then throws on the first tested cell; here the constructor
// refuses it (TSB_INVALID_ARGUMENT).

import type { CellView } from '../../common/cells/cell-view.js';
import { InvalidError } from '../../common/errors.js';
import { matchesColumn } from './cell-fields.js';
import type { ByteArrayComparable, CompareOperator } from './comparators.js';
import { isFilteredOut } from './comparators.js';
import { FilterBase, ReturnCode } from './filter.js';

export interface SingleColumnValueFilterOptions {
  /** Drop rows without the column (default false: keep them). */
  readonly filterIfMissing?: boolean;
  /** Test only the newest version of the column (default true). */
  readonly latestVersionOnly?: boolean;
}

export class SingleColumnValueFilter extends FilterBase {
  readonly filterIfMissing: boolean;
  readonly latestVersionOnly: boolean;
  private foundColumn = false;
  private matchedColumn = false;

  /** Throws InvalidError(TSB_INVALID_ARGUMENT) for op NO_OP. */
  constructor(
    readonly family: Buffer,
    readonly qualifier: Buffer,
    readonly op: CompareOperator,
    readonly comparator: ByteArrayComparable,
    options: SingleColumnValueFilterOptions = {},
  ) {
    super();
    if (op === 'NO_OP') throw new InvalidError('SingleColumnValueFilter does not support op NO_OP', { details: { field: 'op' } });
    this.filterIfMissing = options.filterIfMissing ?? false;
    this.latestVersionOnly = options.latestVersionOnly ?? true;
  }

  override filterRowKey(_firstRowCell: CellView): boolean {
    return false;
  }

  filterCell(cell: CellView): ReturnCode {
    if (this.matchedColumn) return ReturnCode.INCLUDE;
    if (this.latestVersionOnly && this.foundColumn) return ReturnCode.NEXT_ROW;
    if (!matchesColumn(cell, this.family, this.qualifier)) return ReturnCode.INCLUDE;
    this.foundColumn = true;
    if (isFilteredOut(this.op, this.comparator.compareTo(cell.valueBuf, cell.valueOff, cell.valueLen))) {
      return this.latestVersionOnly ? ReturnCode.NEXT_ROW : ReturnCode.INCLUDE;
    }
    this.matchedColumn = true;
    return ReturnCode.INCLUDE;
  }

  override filterRow(): boolean {
    return this.foundColumn ? !this.matchedColumn : this.filterIfMissing;
  }

  override hasFilterRow(): boolean {
    return true;
  }

  override reset(): void {
    this.foundColumn = false;
    this.matchedColumn = false;
  }

  override isFamilyEssential(family: Buffer): boolean {
    return !this.filterIfMissing || family.equals(this.family);
  }
}

/** SingleColumnValueFilter that also removes the tested column from the rows it keeps. */
export class SingleColumnValueExcludeFilter extends SingleColumnValueFilter {
  override filterRowCells(cells: CellView[]): void {
    let w = 0;
    for (const c of cells) if (!matchesColumn(c, this.family, this.qualifier)) cells[w++] = c;
    cells.length = w;
  }
}
