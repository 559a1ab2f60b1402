// The filter model of HBase 2.x (org.apache.hadoop.hbase.filter.Filter / FilterBase), as a pure
// library the region scanner drives. docs/formats/filters.md describes the filters, their JSON
// form and the filter string language.
//
// How a scanner drives a filter, per row (HBase's RegionScannerImpl + StoreScanner +
// UserScanQueryMatcher; apply-filter.ts is the reference implementation):
//   1. filterAllRemaining() → true: the scan ends.
//   2. filterRowKey(first cell of the row) → true: the row is skipped (its cells are still fed
//      to filterCell and discarded, as HBase's nextRow does), then reset().
//   3. Each cell that survived time range, column, version, TTL and delete checks goes to
//      filterCell(cell). Before each, filterAllRemaining() → true ends the scan after this row.
//      The ReturnCode moves the *family's* cursor (HBase has one StoreScanner per family):
//      NEXT_ROW skips the rest of this family in this row, not the other families.
//      INCLUDE* cells go through transformCell before they are kept.
//   4. hasFilterRow() → filterRowCells(kept cells), then, if cells remain, filterRow() → true
//      drops the row. Otherwise, if no cell was kept the row is dropped, else filterRow() → true
//      drops it.
//   5. reset() before the next row.
//
// Cells are CellViews: filters read the fields in place (cell-fields.ts) and never keep a
// CellView past the call, except where a filter says it copies what it needs.
//
// Thread safety: a Filter holds per-scan state; one scan uses one filter instance at a time.
// Filters are synchronous and never await.

import type { CellView } from '../../common/cells/cell-view.js';

/** What filterCell tells the scanner to do with a cell (HBase's Filter.ReturnCode). */
export const ReturnCode = {
  /** Include the cell. */
  INCLUDE: 0,
  /** Include the cell and skip the remaining versions of its column. */
  INCLUDE_AND_NEXT_COL: 1,
  /** Include the cell and skip the rest of its family in this row. */
  INCLUDE_AND_SEEK_NEXT_ROW: 2,
  /** Skip the cell; go on with the next one. */
  SKIP: 3,
  /** Skip the remaining versions of the cell's column. */
  NEXT_COL: 4,
  /** Skip the rest of the cell's family in this row. */
  NEXT_ROW: 5,
  /** Seek to getNextCellHint(cell) (or to the next cell if there is no hint ahead). */
  SEEK_NEXT_USING_HINT: 6,
} as const;
export type ReturnCode = (typeof ReturnCode)[keyof typeof ReturnCode];

const RETURN_CODE_NAMES = [
  'INCLUDE',
  'INCLUDE_AND_NEXT_COL',
  'INCLUDE_AND_SEEK_NEXT_ROW',
  'SKIP',
  'NEXT_COL',
  'NEXT_ROW',
  'SEEK_NEXT_USING_HINT',
] as const;

/** The HBase name of a return code. */
export function returnCodeName(rc: ReturnCode): string {
  return RETURN_CODE_NAMES[rc] ?? `ReturnCode(${rc})`;
}

/** True for INCLUDE, INCLUDE_AND_NEXT_COL and INCLUDE_AND_SEEK_NEXT_ROW. */
export function isIncludeCode(rc: ReturnCode): boolean {
  return rc <= ReturnCode.INCLUDE_AND_SEEK_NEXT_ROW;
}

/** A filter (HBase's Filter). Every method is synchronous; see the top of this file. */
export interface Filter {
  /** Clears per-row state; called between rows. */
  reset(): void;
  /** True once no later cell or row can pass: the scan may end. */
  filterAllRemaining(): boolean;
  /** Called with the first cell of each row; true skips the whole row. */
  filterRowKey(firstRowCell: CellView): boolean;
  /** Decides about one cell. */
  filterCell(cell: CellView): ReturnCode;
  /**
   * The cell to return instead of an included `cell` (KeyOnlyFilter strips the value). May return
   * `cell` itself or a view owned by the filter that stays valid until the filter's next
   * transformCell call: callers copy what they keep.
   */
  transformCell(cell: CellView): CellView;
  /** Edits the row's kept cells in place (only called when hasFilterRow()). */
  filterRowCells(cells: CellView[]): void;
  /** True if the filter needs the whole row (filterRowCells / filterRow) before deciding. */
  hasFilterRow(): boolean;
  /** Called once per row after its cells; true drops the row. */
  filterRow(): boolean;
  /**
   * After SEEK_NEXT_USING_HINT for `cell`: the encoded key (docs/formats/keyvalue.md, rowlen to
   * type) to seek to, or undefined for no hint. The scanner seeks only if the hint is ahead.
   */
  getNextCellHint(cell: CellView): Buffer | undefined;
  /** False if the family's cells cannot change the filter's decision (lazy family loading). */
  isFamilyEssential(family: Buffer): boolean;
  /** Reversed scans: set before the scan starts. */
  setReversed(reversed: boolean): void;
  isReversed(): boolean;
}

/** Defaults of HBase's FilterBase: includes everything, no row filtering, no hints. */
export abstract class FilterBase implements Filter {
  protected reversed = false;

  reset(): void {}

  filterAllRemaining(): boolean {
    return false;
  }

  filterRowKey(_firstRowCell: CellView): boolean {
    return this.filterAllRemaining();
  }

  abstract filterCell(cell: CellView): ReturnCode;

  transformCell(cell: CellView): CellView {
    return cell;
  }

  filterRowCells(_cells: CellView[]): void {}

  hasFilterRow(): boolean {
    return false;
  }

  filterRow(): boolean {
    return false;
  }

  getNextCellHint(_cell: CellView): Buffer | undefined {
    return undefined;
  }

  isFamilyEssential(_family: Buffer): boolean {
    return true;
  }

  setReversed(reversed: boolean): void {
    this.reversed = reversed;
  }

  isReversed(): boolean {
    return this.reversed;
  }
}
