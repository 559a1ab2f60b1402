// HBase's wrapper filters: SkipFilter (drop the whole row if the wrapped filter rejects any of its
// cells) and WhileMatchFilter (end the scan at the first rejection).
//
// Both delegate setReversed and getNextCellHint to the wrapped filter; HBase does not, which only
// makes it step cell by cell where this seeks (the cells stepped over are rejected either way).
// Neither passes filterRowCells on to the wrapped filter (as in HBase).

import type { CellView } from '../../common/cells/cell-view.js';
import type { Filter } from './filter.js';
import { FilterBase, ReturnCode } from './filter.js';

/**
 * Drops a row if the wrapped filter answers anything but INCLUDE for any cell it is shown.
 * Cells after the first rejection may not be shown at all (a NEXT_ROW skips them), so the
 * wrapped filter should answer SKIP-style codes (ValueFilter, QualifierFilter) to test every cell.
 */
export class SkipFilter extends FilterBase {
  private filterOutRow = false;

  constructor(readonly filter: Filter) {
    super();
  }

  override reset(): void {
    this.filter.reset();
    this.filterOutRow = false;
  }

  override filterRowKey(_firstRowCell: CellView): boolean {
    return false;
  }

  filterCell(cell: CellView): ReturnCode {
    const rc = this.filter.filterCell(cell);
    if (rc !== ReturnCode.INCLUDE) this.filterOutRow = true;
    return rc;
  }

  override transformCell(cell: CellView): CellView {
    return this.filter.transformCell(cell);
  }

  override filterRow(): boolean {
    return this.filterOutRow;
  }

  override hasFilterRow(): boolean {
    return true;
  }

  override getNextCellHint(cell: CellView): Buffer | undefined {
    return this.filter.getNextCellHint(cell);
  }

  override isFamilyEssential(family: Buffer): boolean {
    return this.filter.isFamilyEssential(family);
  }

  override setReversed(reversed: boolean): void {
    super.setReversed(reversed);
    this.filter.setReversed(reversed);
  }
}

/**
 * Passes cells and rows while the wrapped filter passes them; the first rejection (filterRowKey
 * true, filterCell not INCLUDE, filterRow true) makes filterAllRemaining() true for good, which
 * ends the scan. Cells of the current row kept before the rejection are still returned.
 */
export class WhileMatchFilter extends FilterBase {
  private done = false;

  constructor(readonly filter: Filter) {
    super();
  }

  override reset(): void {
    this.filter.reset();
  }

  override filterAllRemaining(): boolean {
    return this.done || this.filter.filterAllRemaining();
  }

  override filterRowKey(firstRowCell: CellView): boolean {
    const value = this.filter.filterRowKey(firstRowCell);
    if (value) this.done = true;
    return value;
  }

  filterCell(cell: CellView): ReturnCode {
    const rc = this.filter.filterCell(cell);
    if (rc !== ReturnCode.INCLUDE) this.done = true;
    return rc;
  }

  override transformCell(cell: CellView): CellView {
    return this.filter.transformCell(cell);
  }

  override filterRow(): boolean {
    const value = this.filter.filterRow();
    if (value) this.done = true;
    return value;
  }

  override hasFilterRow(): boolean {
    return true;
  }

  override getNextCellHint(cell: CellView): Buffer | undefined {
    return this.filter.getNextCellHint(cell);
  }

  override isFamilyEssential(family: Buffer): boolean {
    return this.filter.isFamilyEssential(family);
  }

  override setReversed(reversed: boolean): void {
    super.setReversed(reversed);
    this.filter.setReversed(reversed);
  }
}
