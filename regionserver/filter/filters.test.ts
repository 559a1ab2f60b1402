// Data-driven filter tests: testdata/filters.txt (scans) and testdata/parse.txt (the filter
// string language and the JSON form). TSB_REWRITE=1 regenerates the expected outputs.
//
// Commands:
//   scan <filter string>     input: cells `row/family:qualifier/ts=value`; output: the kept cells,
//                            then `ended` if the filter ended the scan before the last row.
//   scan-json <json>         the same with the filter's JSON form.
//   parse <filter string>    output: the filter's JSON form, or `error: <message>`.
//   json <json>              output: the JSON form after a round trip, or `error: <message>`.

import { test } from 'node:test';
import type { CellView } from '../../common/cells/cell-view.js';
import { compareKeys } from '../../common/cells/encoded-key.js';
import { TsbaseError } from '../../common/errors.js';
import { applyFilterToRow, FilterScanState } from './apply-filter.js';
import type { Filter } from './filter.js';
import { filterFromJson, filterToJson } from './filter-json.js';
import { parseFilterString } from './filter-parser.js';
import type { TestCase } from './testdata/datadriven.js';
import { runDataDriven } from './testdata/datadriven.js';
import { formatCell, groupRows, parseCell } from './testdata/cell-text.js';

function scan(filter: Filter, input: string): string {
  const cells: CellView[] = input
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map(parseCell)
    .sort((a, b) => compareKeys(a.keyBuf, a.keyOff, a.keyLen, b.keyBuf, b.keyOff, b.keyLen));
  const rows = groupRows(cells);
  const state = new FilterScanState();
  const out: string[] = [];
  for (let i = 0; i < rows.length; i++) {
    const r = applyFilterToRow(filter, rows[i]!, state);
    for (const c of r.cells) out.push(formatCell(c));
    if (r.done) {
      if (i < rows.length - 1) out.push('ended');
      break;
    }
  }
  return out.join('\n');
}

function orError(f: () => string): string {
  try {
    return f();
  } catch (err) {
    if (err instanceof TsbaseError) return `error: ${err.code} ${err.message}`;
    throw err;
  }
}

function run(c: TestCase): string {
  switch (c.command) {
    case 'scan':
      return orError(() => scan(parseFilterString(c.args), c.input));
    case 'scan-json':
      return orError(() => scan(filterFromJson(JSON.parse(c.args)), c.input));
    case 'parse':
      return orError(() => JSON.stringify(filterToJson(parseFilterString(c.args))));
    case 'json':
      return orError(() => JSON.stringify(filterToJson(filterFromJson(JSON.parse(c.args)))));
    default:
      throw new Error(`unknown command ${c.command} at line ${c.line}`);
  }
}

test('filters: scans (testdata/filters.txt)', () => {
  runDataDriven('regionserver/filter/testdata/filters.txt', run);
});

test('filters: string language and json (testdata/parse.txt)', () => {
  runDataDriven('regionserver/filter/testdata/parse.txt', run);
});
