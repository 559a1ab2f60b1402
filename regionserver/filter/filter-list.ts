// HBase's FilterList: filters combined with MUST_PASS_ALL (AND) or MUST_PASS_ONE (OR), with the
// 2.x semantics of FilterListWithAND / FilterListWithOR:
//
// MUST_PASS_ALL
// - filterCell asks the filters in order and stops at the first whose merged code is not an
//   INCLUDE* (so later filters' counters are not disturbed, HBASE-20565); a filter whose
//   filterAllRemaining() is true makes the answer NEXT_ROW.
// - filterRowKey: true if any filter says true (all are asked, so each sees the row change);
//   filterAllRemaining: any; filterRow: any (stops at the first true).
// - transformCell applies every filter's transformCell in order; the hint is the largest hint of
//   the filters that asked to seek.
// MUST_PASS_ONE
// - filterCell asks every filter not done (filterAllRemaining), except that a filter whose previous
//   answer (NEXT_COL, NEXT_ROW, SEEK_NEXT_USING_HINT, INCLUDE_AND_*) still covers this cell is not
//   asked again: its previous answer is reused (HBASE-17678, HBASE-18368).
// - filterRowKey: true only if every filter not done says true; filterAllRemaining: all;
//   filterRow: all (stops at the first false).
// - transformCell applies the transformCell of the filters that included the cell; the hint is
//   the smallest of all filters' hints, or none if any filter has none.
// An empty list includes everything. hasFilterRow: any; filterRowCells: every filter in order.
//
// MUST_PASS_ONE copies the key of the previous cell per filter into a reused buffer (CellViews do
// not outlive a call); it allocates only when a longer key arrives. A filter answered from its
// previous answer keeps its previous cell, and its hint for that cell is asked once (HBase
// re-remembers the current cell and asks again each time; the result is the same because a
// covered cell lies in the same column or family, before the same hint).

import type { CellView } from '../../common/cells/cell-view.js';
import { MutableCellView } from '../../common/cells/cell-view.js';
import { compareKeys, compareKeyBuffers } from '../../common/cells/encoded-key.js';
import { sameColumn, sameRowFamily } from './cell-fields.js';
import type { Filter } from './filter.js';
import { isIncludeCode, ReturnCode } from './filter.js';
import { mergeAnd, mergeOr } from './filter-list-merge.js';

export type FilterListOperator = 'MUST_PASS_ALL' | 'MUST_PASS_ONE';

const NO_CODE = -1;
const EMPTY = Buffer.alloc(0);

/** A filter's previous cell key and answer, for MUST_PASS_ONE. */
class PreviousCell {
  rc: ReturnCode | typeof NO_CODE = NO_CODE;
  included = false;
  private buf = Buffer.alloc(64);
  readonly view = new MutableCellView();
  // The filter's hint for the previous cell, asked once per remembered SEEK_NEXT_USING_HINT
  // (HBase asks again for every cell; the hint of a given cell does not change).
  private hint: Buffer | undefined | null = null;

  clear(): void {
    this.rc = NO_CODE;
    this.included = false;
    this.hint = null;
  }

  /** Remembers `rc`, and the cell's key unless the code never lets a later cell be skipped. */
  remember(cell: CellView, rc: ReturnCode): void {
    this.rc = rc === ReturnCode.INCLUDE || rc === ReturnCode.SKIP ? NO_CODE : rc;
    this.hint = null;
    if (this.rc === NO_CODE) return;
    if (this.buf.length < cell.keyLen) this.buf = Buffer.alloc(Math.max(cell.keyLen, this.buf.length * 2));
    cell.keyBuf.copy(this.buf, 0, cell.keyOff, cell.keyOff + cell.keyLen);
    this.view.set(this.buf, 0, cell.keyLen, EMPTY, 0, 0);
  }

  /** The filter's hint for the previous cell. */
  hintOf(f: Filter): Buffer | undefined {
    if (this.hint === null) this.hint = f.getNextCellHint(this.view);
    return this.hint;
  }
}

export class FilterList implements Filter {
  readonly filters: readonly Filter[];
  private reversed = false;
  // MUST_PASS_ALL: indexes of the filters that answered SEEK_NEXT_USING_HINT for the last cell.
  private readonly seekHintFilters: number[] = [];
  // MUST_PASS_ONE: per filter.
  private readonly previous: PreviousCell[];

  constructor(
    readonly operator: FilterListOperator,
    filters: readonly Filter[],
  ) {
    this.filters = [...filters];
    this.previous = operator === 'MUST_PASS_ONE' ? this.filters.map(() => new PreviousCell()) : [];
  }

  reset(): void {
    for (const f of this.filters) f.reset();
    this.seekHintFilters.length = 0;
    for (const p of this.previous) p.clear();
  }

  filterAllRemaining(): boolean {
    const fs = this.filters;
    if (fs.length === 0) return false;
    if (this.operator === 'MUST_PASS_ALL') {
      for (const f of fs) if (f.filterAllRemaining()) return true;
      return false;
    }
    for (const f of fs) if (!f.filterAllRemaining()) return false;
    return true;
  }

  filterRowKey(firstRowCell: CellView): boolean {
    const fs = this.filters;
    if (fs.length === 0) return false;
    // Every filter is asked: some (PrefixFilter) track the row change here.
    if (this.operator === 'MUST_PASS_ALL') {
      let out = false;
      for (const f of fs) if (f.filterAllRemaining() || f.filterRowKey(firstRowCell)) out = true;
      return out;
    }
    let out = true;
    for (const f of fs) if (!f.filterAllRemaining() && !f.filterRowKey(firstRowCell)) out = false;
    return out;
  }

  filterCell(cell: CellView): ReturnCode {
    if (this.filters.length === 0) return ReturnCode.INCLUDE;
    return this.operator === 'MUST_PASS_ALL' ? this.filterCellAnd(cell) : this.filterCellOr(cell);
  }

  private filterCellAnd(cell: CellView): ReturnCode {
    const fs = this.filters;
    const hints = this.seekHintFilters;
    hints.length = 0;
    let rc: ReturnCode = ReturnCode.INCLUDE;
    for (let i = 0; i < fs.length; i++) {
      const f = fs[i]!;
      if (f.filterAllRemaining()) return ReturnCode.NEXT_ROW;
      const local = f.filterCell(cell);
      if (local === ReturnCode.SEEK_NEXT_USING_HINT) hints.push(i);
      rc = mergeAnd(rc, local);
      if (!isIncludeCode(rc)) return rc;
    }
    return hints.length > 0 ? ReturnCode.SEEK_NEXT_USING_HINT : rc;
  }

  private filterCellOr(cell: CellView): ReturnCode {
    const fs = this.filters;
    let rc: ReturnCode | undefined = undefined;
    for (let i = 0; i < fs.length; i++) {
      const f = fs[i]!;
      const prev = this.previous[i]!;
      prev.included = false;
      if (f.filterAllRemaining()) continue;
      let local = this.codeFromPrevious(f, cell, prev);
      if (local === undefined) {
        local = f.filterCell(cell);
        prev.remember(cell, local);
      }
      rc = mergeOr(rc, local);
      if (isIncludeCode(local)) prev.included = true;
    }
    // Every filter is done.
    return rc ?? ReturnCode.SKIP;
  }

  // HBase's calculateReturnCodeByPrevCellAndRC: undefined means "ask the filter".
  private codeFromPrevious(f: Filter, cell: CellView, prev: PreviousCell): ReturnCode | undefined {
    switch (prev.rc) {
      case ReturnCode.SEEK_NEXT_USING_HINT: {
        const hint = prev.hintOf(f);
        return hint !== undefined && this.compareToKey(cell, hint) < 0 ? ReturnCode.SEEK_NEXT_USING_HINT : undefined;
      }
      case ReturnCode.NEXT_COL:
      case ReturnCode.INCLUDE_AND_NEXT_COL:
        return sameColumn(prev.view, cell) ? ReturnCode.NEXT_COL : undefined;
      case ReturnCode.NEXT_ROW:
      case ReturnCode.INCLUDE_AND_SEEK_NEXT_ROW:
        return sameRowFamily(prev.view, cell) ? ReturnCode.NEXT_ROW : undefined;
      default:
        return undefined;
    }
  }

  transformCell(cell: CellView): CellView {
    let out = cell;
    const fs = this.filters;
    const or = this.operator === 'MUST_PASS_ONE';
    for (let i = 0; i < fs.length; i++) {
      if (!or || this.previous[i]!.included) out = fs[i]!.transformCell(out);
    }
    return out;
  }

  filterRowCells(cells: CellView[]): void {
    for (const f of this.filters) f.filterRowCells(cells);
  }

  hasFilterRow(): boolean {
    for (const f of this.filters) if (f.hasFilterRow()) return true;
    return false;
  }

  filterRow(): boolean {
    const fs = this.filters;
    if (fs.length === 0) return false;
    if (this.operator === 'MUST_PASS_ALL') {
      for (const f of fs) if (f.filterRow()) return true;
      return false;
    }
    for (const f of fs) if (!f.filterRow()) return false;
    return true;
  }

  getNextCellHint(cell: CellView): Buffer | undefined {
    const fs = this.filters;
    if (fs.length === 0) return undefined;
    let best: Buffer | undefined = undefined;
    if (this.operator === 'MUST_PASS_ALL') {
      for (const i of this.seekHintFilters) {
        const f = fs[i]!;
        if (f.filterAllRemaining()) continue;
        const hint = f.getNextCellHint(cell);
        if (hint !== undefined && (best === undefined || this.compareHints(best, hint) < 0)) best = hint;
      }
      return best;
    }
    for (const f of fs) {
      if (f.filterAllRemaining()) continue;
      const hint = f.getNextCellHint(cell);
      // One filter without a hint may want the very next cell: no seek.
      if (hint === undefined) return undefined;
      if (best === undefined || this.compareHints(best, hint) > 0) best = hint;
    }
    return best;
  }

  isFamilyEssential(family: Buffer): boolean {
    if (this.filters.length === 0) return true;
    for (const f of this.filters) if (f.isFamilyEssential(family)) return true;
    return false;
  }

  setReversed(reversed: boolean): void {
    for (const f of this.filters) f.setReversed(reversed);
    this.reversed = reversed;
  }

  isReversed(): boolean {
    return this.reversed;
  }

  private compareToKey(cell: CellView, key: Buffer): number {
    const c = compareKeys(cell.keyBuf, cell.keyOff, cell.keyLen, key, 0, key.length);
    return this.reversed ? -c : c;
  }

  private compareHints(a: Buffer, b: Buffer): number {
    const c = compareKeyBuffers(a, b);
    return this.reversed ? -c : c;
  }
}
