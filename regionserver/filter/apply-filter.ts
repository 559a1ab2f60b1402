// Reference driver: runs one row through a filter exactly as HBase 2.x's RegionScannerImpl,
// StoreScanner and UserScanQueryMatcher do (see the top of filter.ts). The region scanner follows
// the same steps; tests use this to check filters against HBase's results.
//
// Input: the cells of one row that a scan's matcher would show the filter, in key order (row,
// family, qualifier asc, timestamp desc) — already limited by time range, columns, versions, TTL
// and delete markers. HBase runs one StoreScanner per family, so skips (NEXT_COL, NEXT_ROW,
// hints) move within the current family only.

import type { CellView } from '../../common/cells/cell-view.js';
import { compareKeys } from '../../common/cells/encoded-key.js';
import { sameColumn, sameRowFamily } from './cell-fields.js';
import type { Filter } from './filter.js';
import { ReturnCode } from './filter.js';

export interface RowResult {
  /** Kept cells, transformed and copied (owned by the caller). Empty when the row is dropped. */
  readonly cells: CellView[];
  /** True if the scan ends after this row (the filter's filterAllRemaining became true). */
  readonly done: boolean;
}

/**
 * Applies `filter` to one row. REQUIRES: `cells` are all of the row's cells to show, sorted, all
 * with the same row; the filter was reset (or is new) and the scan is not done.
 * Resets the filter after the row, as HBase does between rows.
 */
export function applyFilterToRow(filter: Filter, cells: readonly CellView[]): RowResult {
  if (filter.filterAllRemaining()) return { cells: [], done: true };
  if (cells.length === 0) return { cells: [], done: false };
  if (filter.filterRowKey(cells[0]!)) {
    // HBase checks for the end of the scan before skipping the row (HBASE-16296) ...
    if (filter.filterAllRemaining()) return { cells: [], done: true };
    // ... and skips it through the store scanners, which still show the cells to the filter.
    const stopped = runCells(filter, cells, undefined);
    filter.reset();
    return { cells: [], done: stopped || filter.filterAllRemaining() };
  }
  const kept: CellView[] = [];
  const stopped = runCells(filter, cells, kept);
  const isEmptyRow = kept.length === 0;
  let excluded = false;
  if (filter.hasFilterRow()) {
    // HBase's FilterWrapper.filterRowCellsWithRet: filterRow() only if cells remain.
    filter.filterRowCells(kept);
    if (kept.length > 0 && filter.filterRow()) excluded = true;
  }
  if (isEmptyRow || excluded || (!filter.hasFilterRow() && filter.filterRow())) kept.length = 0;
  filter.reset();
  return { cells: kept, done: stopped || filter.filterAllRemaining() };
}

/**
 * Runs a scan's worth of rows through `filter` (reset first) and returns the kept rows (rows with
 * no kept cell are left out), stopping when the filter ends the scan.
 */
export function applyFilterToRows(filter: Filter, rows: readonly (readonly CellView[])[]): CellView[][] {
  filter.reset();
  const out: CellView[][] = [];
  for (const row of rows) {
    const r = applyFilterToRow(filter, row);
    if (r.cells.length > 0) out.push(r.cells);
    if (r.done) break;
  }
  return out;
}

// Feeds the cells to filterCell, honouring skips; keeps copies of included cells in `kept` (if
// given). Returns true if the filter ended the scan mid-row (HBase's DONE_SCAN).
function runCells(filter: Filter, cells: readonly CellView[], kept: CellView[] | undefined): boolean {
  let i = 0;
  while (i < cells.length) {
    if (filter.filterAllRemaining()) return true;
    const cell = cells[i]!;
    const rc = filter.filterCell(cell);
    switch (rc) {
      case ReturnCode.INCLUDE:
      case ReturnCode.INCLUDE_AND_NEXT_COL:
      case ReturnCode.INCLUDE_AND_SEEK_NEXT_ROW: {
        const out = filter.transformCell(cell);
        if (kept !== undefined) kept.push(copyCell(out));
        i =
          rc === ReturnCode.INCLUDE ? i + 1 : rc === ReturnCode.INCLUDE_AND_NEXT_COL ? skipColumn(cells, i) : skipFamily(cells, i);
        break;
      }
      case ReturnCode.SKIP:
        i++;
        break;
      case ReturnCode.NEXT_COL:
        i = skipColumn(cells, i);
        break;
      case ReturnCode.NEXT_ROW:
        i = skipFamily(cells, i);
        break;
      case ReturnCode.SEEK_NEXT_USING_HINT: {
        const hint = filter.getNextCellHint(cell);
        // Like StoreScanner: seek only if the hint is ahead of the cell, else step to the next cell.
        if (hint === undefined || compareKeys(hint, 0, hint.length, cell.keyBuf, cell.keyOff, cell.keyLen) <= 0) {
          i++;
          break;
        }
        let j = i + 1;
        while (j < cells.length && sameRowFamily(cells[j]!, cell) && compareKeys(cells[j]!.keyBuf, cells[j]!.keyOff, cells[j]!.keyLen, hint, 0, hint.length) < 0) j++;
        i = j;
        break;
      }
    }
  }
  return false;
}

function skipColumn(cells: readonly CellView[], i: number): number {
  const c = cells[i]!;
  let j = i + 1;
  while (j < cells.length && sameColumn(cells[j]!, c)) j++;
  return j;
}

function skipFamily(cells: readonly CellView[], i: number): number {
  const c = cells[i]!;
  let j = i + 1;
  while (j < cells.length && sameRowFamily(cells[j]!, c)) j++;
  return j;
}

/** A CellView over fresh copies of the cell's key and value. */
export function copyCell(c: CellView): CellView {
  const keyBuf = Buffer.from(c.keyBuf.subarray(c.keyOff, c.keyOff + c.keyLen));
  const valueBuf = Buffer.from(c.valueBuf.subarray(c.valueOff, c.valueOff + c.valueLen));
  return { keyBuf, keyOff: 0, keyLen: keyBuf.length, valueBuf, valueOff: 0, valueLen: valueBuf.length };
}
