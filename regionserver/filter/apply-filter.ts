// Reference driver: runs one row through a filter exactly as HBase 2.x's RegionScannerImpl,
// StoreScanner and UserScanQueryMatcher do (see the top of filter.ts). The region scanner follows
// the same steps; tests use this to check filters against HBase's results.
//
// Input: the cells of one row that a scan's matcher would show the filter, in key order (row,
// family, qualifier asc, timestamp desc) — already limited by time range, columns, versions, TTL
// and delete markers. HBase runs one StoreScanner per family, so skips (NEXT_COL, NEXT_ROW,
// hints) move within the current family only, and a filter that ends the scan mid-row ends each
// family's store scanner as it reaches it (FilterScanState).

import type { CellView } from '../../common/cells/cell-view.js';
import { compareKeys } from '../../common/cells/encoded-key.js';
import { familyEnd, familyStart, sameColumn, sameRowFamily } from './cell-fields.js';
import type { Filter } from './filter.js';
import { ReturnCode } from './filter.js';

export interface RowResult {
  /** Kept cells, transformed and copied (owned by the caller). Empty when the row is dropped. */
  readonly cells: CellView[];
  /** True if the scan ends after this row (the filter's filterAllRemaining() is true). */
  readonly done: boolean;
}

/**
 * What one scan remembers between rows: the families whose store scanner the filter ended.
 * HBase's matcher checks filterAllRemaining() before every cell, including a family's first cell
 * of the next row (before reset()); a true answer ends that family's store scanner for the rest of
 * the scan (DONE_SCAN). Only a filter whose filterAllRemaining() can turn false again at reset()
 * (ColumnCountGetFilter) makes this differ from ending the whole scan.
 */
export class FilterScanState {
  /** Families (hex) whose cells the scan no longer returns. */
  readonly closedFamilies = new Set<string>();
}

/**
 * Applies `filter` to one row. REQUIRES: `cells` are all of the row's cells to show, sorted, all
 * with the same row; the filter was reset (or is new) and the scan is not done; `state` is the
 * same object for every row of the scan (a new one for a get).
 * Resets the filter after the row, as HBase does between rows.
 */
export function applyFilterToRow(filter: Filter, cells: readonly CellView[], state: FilterScanState = new FilterScanState()): RowResult {
  if (filter.filterAllRemaining()) return { cells: [], done: true };
  if (cells.length === 0) return { cells: [], done: false };
  if (filter.filterRowKey(cells[0]!)) {
    // HBase checks for the end of the scan before skipping the row (HBASE-16296) ...
    if (filter.filterAllRemaining()) return { cells: [], done: true };
    // ... and skips it through the store scanners, which still show the cells to the filter.
    runCells(filter, cells, undefined, state);
    filter.reset();
    return { cells: [], done: filter.filterAllRemaining() };
  }
  const kept: CellView[] = [];
  runCells(filter, cells, kept, state);
  const isEmptyRow = kept.length === 0;
  let excluded = false;
  if (filter.hasFilterRow()) {
    // HBase's FilterWrapper.filterRowCellsWithRet: filterRow() only if cells remain.
    filter.filterRowCells(kept);
    if (kept.length > 0 && filter.filterRow()) excluded = true;
  }
  if (isEmptyRow || excluded || (!filter.hasFilterRow() && filter.filterRow())) kept.length = 0;
  // HBase's nextRaw resets the filter, then asks whether it is done.
  filter.reset();
  return { cells: kept, done: filter.filterAllRemaining() };
}

/**
 * Runs a scan's worth of rows through `filter` (reset first) and returns the kept rows (rows with
 * no kept cell are left out), stopping when the filter ends the scan.
 */
export function applyFilterToRows(filter: Filter, rows: readonly (readonly CellView[])[]): CellView[][] {
  filter.reset();
  const state = new FilterScanState();
  const out: CellView[][] = [];
  for (const row of rows) {
    const r = applyFilterToRow(filter, row, state);
    if (r.cells.length > 0) out.push(r.cells);
    if (r.done) break;
  }
  return out;
}

// Feeds the row's cells to filterCell family by family (one HBase store scanner each), honouring
// skips; keeps copies of included cells in `kept` (if given). Once filterAllRemaining() is true,
// the current family and every later family of the row are ended for the rest of the scan.
function runCells(filter: Filter, cells: readonly CellView[], kept: CellView[] | undefined, state: FilterScanState): void {
  let ending = false;
  let start = 0;
  while (start < cells.length) {
    const end = skipFamily(cells, start);
    const first = cells[start]!;
    const family = first.keyBuf.toString('hex', familyStart(first), familyEnd(first));
    if (state.closedFamilies.has(family)) {
      start = end;
      continue;
    }
    if (ending || runFamily(filter, cells, start, end, kept) || filter.filterAllRemaining()) {
      // Ended mid-family, or ended now: the store scanner's next match (next row) says DONE_SCAN.
      ending = true;
      state.closedFamilies.add(family);
    }
    start = end;
  }
}

// One family's cells [start, end). Returns true if the filter ended the scan before a cell.
function runFamily(filter: Filter, cells: readonly CellView[], start: number, end: number, kept: CellView[] | undefined): boolean {
  let i = start;
  while (i < end) {
    if (filter.filterAllRemaining()) return true;
    const cell = cells[i]!;
    const rc = filter.filterCell(cell);
    switch (rc) {
      case ReturnCode.INCLUDE:
      case ReturnCode.INCLUDE_AND_NEXT_COL:
      case ReturnCode.INCLUDE_AND_SEEK_NEXT_ROW: {
        const out = filter.transformCell(cell);
        if (kept !== undefined) kept.push(copyCell(out));
        i = rc === ReturnCode.INCLUDE ? i + 1 : rc === ReturnCode.INCLUDE_AND_NEXT_COL ? skipColumn(cells, i) : end;
        break;
      }
      case ReturnCode.SKIP:
        i++;
        break;
      case ReturnCode.NEXT_COL:
        i = skipColumn(cells, i);
        break;
      case ReturnCode.NEXT_ROW:
        i = end;
        break;
      case ReturnCode.SEEK_NEXT_USING_HINT: {
        const hint = filter.getNextCellHint(cell);
        // Like StoreScanner: seek only if the hint is ahead of the cell, else step to the next cell.
        if (hint === undefined || compareKeys(hint, 0, hint.length, cell.keyBuf, cell.keyOff, cell.keyLen) <= 0) {
          i++;
          break;
        }
        let j = i + 1;
        while (j < end && compareKeys(cells[j]!.keyBuf, cells[j]!.keyOff, cells[j]!.keyLen, hint, 0, hint.length) < 0) j++;
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
