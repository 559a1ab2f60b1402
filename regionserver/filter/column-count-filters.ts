// Filters that count columns within a row: ColumnCountGetFilter and ColumnPaginationFilter, as
// in HBase 2.x. Counts run across families and restart with each row (reset()).

import type { CellView } from '../../common/cells/cell-view.js';
import { InvalidError } from '../../common/errors.js';
import { compareQualifierTo, firstOnRowFamilyColumn } from './cell-fields.js';
import { FilterBase, ReturnCode } from './filter.js';

function checkCount(value: number, field: string): void {
  if (!Number.isInteger(value) || value < 0 || value > 0x7fffffff) {
    throw new InvalidError(`${field} must be an integer in 0..2^31-1`, { details: { field, [field]: value } });
  }
}

/**
 * Keeps the newest version of the first `limit` columns of a row. Meant for gets: as in HBase,
 * reaching column limit+1 makes filterAllRemaining() true, which ends a scan.
 */
export class ColumnCountGetFilter extends FilterBase {
  private count = 0;

  /** Throws InvalidError(TSB_INVALID_ARGUMENT) unless limit is in 0..2^31-1. */
  constructor(readonly limit: number) {
    super();
    checkCount(limit, 'limit');
  }

  override filterAllRemaining(): boolean {
    return this.count > this.limit;
  }

  filterCell(_cell: CellView): ReturnCode {
    this.count++;
    return this.filterAllRemaining() ? ReturnCode.NEXT_COL : ReturnCode.INCLUDE_AND_NEXT_COL;
  }

  override reset(): void {
    this.count = 0;
  }
}

/**
 * Keeps the newest version of `limit` columns per row, starting at column number `offset`, or
 * (with `columnOffset`) at the first qualifier >= columnOffset, which it seeks to.
 */
export class ColumnPaginationFilter extends FilterBase {
  private count = 0;

  /**
   * Give `offset` or `columnOffset`. Throws InvalidError(TSB_INVALID_ARGUMENT) for a limit or
   * offset outside 0..2^31-1.
   */
  constructor(
    readonly limit: number,
    readonly offset: number,
    readonly columnOffset?: Buffer,
  ) {
    super();
    checkCount(limit, 'limit');
    if (columnOffset === undefined) checkCount(offset, 'offset');
  }

  override filterRowKey(_firstRowCell: CellView): boolean {
    return false;
  }

  filterCell(cell: CellView): ReturnCode {
    const co = this.columnOffset;
    if (co !== undefined) {
      if (this.count >= this.limit) return ReturnCode.NEXT_ROW;
      // Only the first column of the row is compared with the offset.
      if (this.count === 0 && compareQualifierTo(cell, co, 0, co.length) < 0) return ReturnCode.SEEK_NEXT_USING_HINT;
      this.count++;
      return ReturnCode.INCLUDE_AND_NEXT_COL;
    }
    if (this.count >= this.offset + this.limit) return ReturnCode.NEXT_ROW;
    const rc = this.count < this.offset ? ReturnCode.NEXT_COL : ReturnCode.INCLUDE_AND_NEXT_COL;
    this.count++;
    return rc;
  }

  override getNextCellHint(cell: CellView): Buffer | undefined {
    return this.columnOffset === undefined ? undefined : firstOnRowFamilyColumn(cell, this.columnOffset);
  }

  override reset(): void {
    this.count = 0;
  }
}
