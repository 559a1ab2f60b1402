// HBase's CompareFilter family: RowFilter, FamilyFilter, QualifierFilter, ValueFilter. Each
// compares one field of the cell with a comparator under a CompareOperator (comparators.ts for the
// direction). NO_OP filters every cell out, as in HBase.

import type { CellView } from '../../common/cells/cell-view.js';
import { familyEnd, familyStart, qualifierEnd, rowEnd, rowStart } from './cell-fields.js';
import type { ByteArrayComparable, CompareOperator } from './comparators.js';
import { isFilteredOut } from './comparators.js';
import { FilterBase, ReturnCode } from './filter.js';

/** True if the bytes buf[start, end) are filtered out under (op, comparator). */
function filteredOut(op: CompareOperator, comparator: ByteArrayComparable, buf: Buffer, start: number, end: number): boolean {
  if (op === 'NO_OP') return true;
  return isFilteredOut(op, comparator.compareTo(buf, start, end - start));
}

export abstract class CompareFilter extends FilterBase {
  constructor(
    readonly op: CompareOperator,
    readonly comparator: ByteArrayComparable,
  ) {
    super();
  }

  override filterRowKey(_firstRowCell: CellView): boolean {
    return false;
  }
}

/** Keeps rows whose row key passes; decided once per row in filterRowKey. */
export class RowFilter extends CompareFilter {
  private filterOutRow = false;

  override reset(): void {
    this.filterOutRow = false;
  }

  override filterRowKey(firstRowCell: CellView): boolean {
    if (filteredOut(this.op, this.comparator, firstRowCell.keyBuf, rowStart(firstRowCell), rowEnd(firstRowCell))) this.filterOutRow = true;
    return this.filterOutRow;
  }

  filterCell(_cell: CellView): ReturnCode {
    return this.filterOutRow ? ReturnCode.NEXT_ROW : ReturnCode.INCLUDE;
  }

  override filterRow(): boolean {
    return this.filterOutRow;
  }
}

/**
 * Keeps cells whose family passes. A failing family answers NEXT_ROW, which skips the rest of
 * that family in the row (HBase runs one matcher per family), not the other families.
 */
export class FamilyFilter extends CompareFilter {
  filterCell(cell: CellView): ReturnCode {
    const fs = familyStart(cell);
    const fe = familyEnd(cell);
    if (fe > fs && filteredOut(this.op, this.comparator, cell.keyBuf, fs, fe)) return ReturnCode.NEXT_ROW;
    return ReturnCode.INCLUDE;
  }
}

/** Keeps cells whose qualifier passes (others: SKIP). */
export class QualifierFilter extends CompareFilter {
  filterCell(cell: CellView): ReturnCode {
    if (filteredOut(this.op, this.comparator, cell.keyBuf, familyEnd(cell), qualifierEnd(cell))) return ReturnCode.SKIP;
    return ReturnCode.INCLUDE;
  }
}

/** Keeps cells whose value passes (others: SKIP). */
export class ValueFilter extends CompareFilter {
  filterCell(cell: CellView): ReturnCode {
    if (filteredOut(this.op, this.comparator, cell.valueBuf, cell.valueOff, cell.valueOff + cell.valueLen)) return ReturnCode.SKIP;
    return ReturnCode.INCLUDE;
  }
}
