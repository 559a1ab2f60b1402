// Small per-row filters of HBase: PageFilter, KeyOnlyFilter, FirstKeyOnlyFilter.

import type { CellView } from '../../common/cells/cell-view.js';
import { MutableCellView } from '../../common/cells/cell-view.js';
import { InvalidError } from '../../common/errors.js';
import { FilterBase, ReturnCode } from './filter.js';

/**
 * Ends the scan once `pageSize` rows have passed. A row counts when filterRow() is called for it,
 * i.e. when it reached the row-level check with at least one cell: inside a FilterList,
 * rows that a later filter drops may still count (HBase's behaviour). Like HBase, this limits
 * rows per region, not per client scan.
 */
export class PageFilter extends FilterBase {
  private rowsAccepted = 0;

  /** Throws InvalidError(TSB_INVALID_ARGUMENT) unless pageSize is a non-negative integer. */
  constructor(readonly pageSize: number) {
    super();
    if (!Number.isSafeInteger(pageSize) || pageSize < 0) {
      throw new InvalidError('page size must be a non-negative integer', { details: { field: 'pageSize', pageSize } });
    }
  }

  filterCell(_cell: CellView): ReturnCode {
    return ReturnCode.INCLUDE;
  }

  override filterAllRemaining(): boolean {
    return this.rowsAccepted >= this.pageSize;
  }

  override filterRow(): boolean {
    this.rowsAccepted++;
    return this.rowsAccepted > this.pageSize;
  }

  override hasFilterRow(): boolean {
    return true;
  }
}

/**
 * Returns keys only: transformCell empties the value, or with lenAsVal replaces it with the
 * original value's length as a 4-byte big-endian integer (HBase's Bytes.toBytes(int)). The
 * transformed view belongs to the filter and is valid until its next transformCell call.
 */
export class KeyOnlyFilter extends FilterBase {
  private readonly view = new MutableCellView();
  private readonly lenBuf = Buffer.alloc(4);

  constructor(readonly lenAsVal = false) {
    super();
  }

  override filterRowKey(_firstRowCell: CellView): boolean {
    return false;
  }

  filterCell(_cell: CellView): ReturnCode {
    return ReturnCode.INCLUDE;
  }

  override transformCell(cell: CellView): CellView {
    if (this.lenAsVal) {
      this.lenBuf.writeInt32BE(cell.valueLen | 0, 0);
      return this.view.set(cell.keyBuf, cell.keyOff, cell.keyLen, this.lenBuf, 0, 4);
    }
    return this.view.set(cell.keyBuf, cell.keyOff, cell.keyLen, EMPTY, 0, 0);
  }
}

/** Keeps only the first cell the filter sees in each row (then NEXT_ROW). */
export class FirstKeyOnlyFilter extends FilterBase {
  private foundCell = false;

  override reset(): void {
    this.foundCell = false;
  }

  override filterRowKey(_firstRowCell: CellView): boolean {
    return false;
  }

  filterCell(_cell: CellView): ReturnCode {
    if (this.foundCell) return ReturnCode.NEXT_ROW;
    this.foundCell = true;
    return ReturnCode.INCLUDE;
  }
}

const EMPTY = Buffer.alloc(0);
