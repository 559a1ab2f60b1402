// The reference driver follows HBase's RegionScannerImpl / StoreScanner call sequence.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { CellView } from '../../common/cells/cell-view.js';
import { applyFilterToRow, applyFilterToRows } from './apply-filter.js';
import { firstOnRowFamilyColumn } from './cell-fields.js';
import { FilterBase, ReturnCode, returnCodeName } from './filter.js';
import { KeyOnlyFilter } from './row-filters.js';
import { formatCell, parseCell } from './testdata/cell-text.js';

const cells = (...lines: string[]): CellView[] => lines.map(parseCell);
const show = (cs: readonly CellView[]): string[] => cs.map(formatCell);

/** Answers filterCell from a script keyed by the formatted cell (default INCLUDE) and logs calls. */
class ScriptedFilter extends FilterBase {
  readonly log: string[] = [];
  rowKey = false;
  rowFilterRow = false;
  withFilterRow = false;
  allRemaining = false;
  hint: Buffer | undefined;
  dropInRowCells = false;

  constructor(private readonly script: Record<string, ReturnCode> = {}) {
    super();
  }

  override reset(): void {
    this.log.push('reset');
  }
  override filterAllRemaining(): boolean {
    return this.allRemaining;
  }
  override filterRowKey(c: CellView): boolean {
    this.log.push(`filterRowKey ${formatCell(c)}`);
    return this.rowKey;
  }
  filterCell(c: CellView): ReturnCode {
    const rc = this.script[formatCell(c)] ?? ReturnCode.INCLUDE;
    this.log.push(`filterCell ${formatCell(c)} ${returnCodeName(rc)}`);
    return rc;
  }
  override transformCell(c: CellView): CellView {
    this.log.push(`transformCell ${formatCell(c)}`);
    return c;
  }
  override hasFilterRow(): boolean {
    return this.withFilterRow;
  }
  override filterRowCells(cs: CellView[]): void {
    this.log.push(`filterRowCells ${cs.length}`);
    if (this.dropInRowCells) cs.length = 0;
  }
  override filterRow(): boolean {
    this.log.push('filterRow');
    return this.rowFilterRow;
  }
  override getNextCellHint(c: CellView): Buffer | undefined {
    this.log.push(`getNextCellHint ${formatCell(c)}`);
    return this.hint;
  }
}

const ROW = cells('r/a:q1/3=a', 'r/a:q1/2=b', 'r/a:q2/1=c', 'r/b:q1/1=d', 'r/b:q2/1=e');

test('call order for a passing row (no filterRow stage)', () => {
  const f = new ScriptedFilter();
  const r = applyFilterToRow(f, ROW.slice(0, 2));
  assert.deepEqual(show(r.cells), ['r/a:q1/3=a', 'r/a:q1/2=b']);
  assert.equal(r.done, false);
  assert.deepEqual(f.log, [
    'filterRowKey r/a:q1/3=a',
    'filterCell r/a:q1/3=a INCLUDE',
    'transformCell r/a:q1/3=a',
    'filterCell r/a:q1/2=b INCLUDE',
    'transformCell r/a:q1/2=b',
    'filterRow',
    'reset',
  ]);
});

test('hasFilterRow: filterRowCells, then filterRow only if cells remain', () => {
  const f = new ScriptedFilter();
  f.withFilterRow = true;
  f.rowFilterRow = true;
  assert.deepEqual(applyFilterToRow(f, ROW.slice(0, 1)).cells, []);
  assert.deepEqual(f.log.slice(-3), ['filterRowCells 1', 'filterRow', 'reset']);

  const g = new ScriptedFilter();
  g.withFilterRow = true;
  g.dropInRowCells = true;
  assert.deepEqual(applyFilterToRow(g, ROW.slice(0, 1)).cells, []);
  assert.deepEqual(g.log.slice(-2), ['filterRowCells 1', 'reset']);
});

test('a row left without cells is dropped without asking filterRow', () => {
  const f = new ScriptedFilter({ 'r/a:q1/3=a': ReturnCode.SKIP });
  assert.deepEqual(applyFilterToRow(f, ROW.slice(0, 1)).cells, []);
  assert.ok(!f.log.includes('filterRow'));
});

test('NEXT_COL skips the column, NEXT_ROW the family, INCLUDE_AND_* include first', () => {
  assert.deepEqual(show(applyFilterToRow(new ScriptedFilter({ 'r/a:q1/3=a': ReturnCode.NEXT_COL }), ROW).cells), ['r/a:q2/1=c', 'r/b:q1/1=d', 'r/b:q2/1=e']);
  assert.deepEqual(show(applyFilterToRow(new ScriptedFilter({ 'r/a:q1/3=a': ReturnCode.NEXT_ROW }), ROW).cells), ['r/b:q1/1=d', 'r/b:q2/1=e']);
  assert.deepEqual(show(applyFilterToRow(new ScriptedFilter({ 'r/a:q1/3=a': ReturnCode.INCLUDE_AND_NEXT_COL }), ROW).cells), [
    'r/a:q1/3=a',
    'r/a:q2/1=c',
    'r/b:q1/1=d',
    'r/b:q2/1=e',
  ]);
  assert.deepEqual(show(applyFilterToRow(new ScriptedFilter({ 'r/a:q1/3=a': ReturnCode.INCLUDE_AND_SEEK_NEXT_ROW }), ROW).cells), [
    'r/a:q1/3=a',
    'r/b:q1/1=d',
    'r/b:q2/1=e',
  ]);
});

test('SEEK_NEXT_USING_HINT seeks within the family only if the hint is ahead', () => {
  const f = new ScriptedFilter({ 'r/a:q1/3=a': ReturnCode.SEEK_NEXT_USING_HINT });
  f.hint = firstOnRowFamilyColumn(ROW[0]!, Buffer.from('q2'));
  assert.deepEqual(show(applyFilterToRow(f, ROW).cells), ['r/a:q2/1=c', 'r/b:q1/1=d', 'r/b:q2/1=e']);
  assert.ok(f.log.includes('getNextCellHint r/a:q1/3=a'));

  // No hint, or a hint not ahead of the cell: step to the next cell.
  const g = new ScriptedFilter({ 'r/a:q1/3=a': ReturnCode.SEEK_NEXT_USING_HINT });
  assert.deepEqual(show(applyFilterToRow(g, ROW).cells), show(ROW.slice(1)));
  const h = new ScriptedFilter({ 'r/a:q1/2=b': ReturnCode.SEEK_NEXT_USING_HINT });
  h.hint = firstOnRowFamilyColumn(ROW[0]!, Buffer.from('q1'));
  assert.deepEqual(show(applyFilterToRow(h, ROW).cells), show([ROW[0]!, ...ROW.slice(2)]));

  // A hint in a later row skips the rest of this family, not the other families.
  const k = new ScriptedFilter({ 'r/a:q1/3=a': ReturnCode.SEEK_NEXT_USING_HINT });
  k.hint = parseCell('s/a:q1/1=x').keyBuf.subarray(3, 3 + parseCell('s/a:q1/1=x').keyLen);
  assert.deepEqual(show(applyFilterToRow(k, ROW).cells), ['r/b:q1/1=d', 'r/b:q2/1=e']);
});

test('a row skipped by filterRowKey still shows its cells to filterCell, then resets', () => {
  const f = new ScriptedFilter({ 'r/a:q1/3=a': ReturnCode.NEXT_ROW });
  f.rowKey = true;
  const r = applyFilterToRow(f, ROW);
  assert.deepEqual(r.cells, []);
  assert.deepEqual(f.log, [
    'filterRowKey r/a:q1/3=a',
    'filterCell r/a:q1/3=a NEXT_ROW',
    'filterCell r/b:q1/1=d INCLUDE',
    'transformCell r/b:q1/1=d',
    'filterCell r/b:q2/1=e INCLUDE',
    'transformCell r/b:q2/1=e',
    'reset',
  ]);
});

test('filterAllRemaining ends the scan before a row, or mid-row keeping the cells so far', () => {
  const f = new ScriptedFilter();
  f.allRemaining = true;
  assert.deepEqual(applyFilterToRow(f, ROW), { cells: [], done: true });
  assert.deepEqual(f.log, []);

  class StopAfterTwo extends ScriptedFilter {
    n = 0;
    override filterAllRemaining(): boolean {
      return this.n >= 2;
    }
    override filterCell(c: CellView): ReturnCode {
      this.n++;
      return super.filterCell(c);
    }
  }
  const g = new StopAfterTwo();
  const r = applyFilterToRow(g, ROW);
  assert.deepEqual(show(r.cells), ['r/a:q1/3=a', 'r/a:q1/2=b']);
  assert.equal(r.done, true);
  assert.ok(g.log.includes('filterRow'));
});

test('included cells are copied: a reused transform view does not leak between cells', () => {
  const rows = applyFilterToRows(new KeyOnlyFilter(true), [cells('r1/a:q/1=abc', 'r1/a:r/1=abcdef'), cells('r2/a:q/1=')]);
  assert.deepEqual(rows.map(show), [['r1/a:q/1=\\x00\\x00\\x00\\x03', 'r1/a:r/1=\\x00\\x00\\x00\\x06'], ['r2/a:q/1=\\x00\\x00\\x00\\x00']]);
  assert.equal(rows[0]![0]!.keyOff, 0);
});

test('applyFilterToRows resets the filter first and leaves out empty rows', () => {
  const f = new ScriptedFilter({ 'r/a:q1/3=a': ReturnCode.SKIP });
  const out = applyFilterToRows(f, [ROW.slice(0, 1), cells('s/a:q/1=x')]);
  assert.deepEqual(out.map(show), [['s/a:q/1=x']]);
  assert.equal(f.log[0], 'reset');
});
