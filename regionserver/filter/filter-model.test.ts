// Seeded randomized test: for filters whose meaning is a predicate on each cell (compare filters,
// prefix and range filters, TimestampsFilter) and any AND/OR nesting of them, the scan result must
// be exactly the cells the boolean formula accepts — however the filters skip, seek and merge
// return codes on the way. The same filters also go through their JSON form and must give the
// same result. Replay a failure with TSB_SEED=<seed>.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { CellView } from '../../common/cells/cell-view.js';
import { compareKeys, decodeKey } from '../../common/cells/encoded-key.js';
import { SeededRandom, testSeed } from '../../common/random.js';
import { applyFilterToRows } from './apply-filter.js';
import { FamilyFilter, QualifierFilter, RowFilter, ValueFilter } from './compare-filters.js';
import type { ByteArrayComparable, CompareOperator } from './comparators.js';
import { BinaryComparator, BinaryPrefixComparator, COMPARE_OPERATORS, isFilteredOut, RegexStringComparator, SubstringComparator } from './comparators.js';
import type { Filter } from './filter.js';
import { filterFromJson, filterToJson } from './filter-json.js';
import { FilterList } from './filter-list.js';
import { ColumnPrefixFilter, ColumnRangeFilter, InclusiveStopFilter, MultipleColumnPrefixFilter, PrefixFilter } from './key-range-filters.js';
import { TimestampsFilter } from './timestamps-filter.js';
import { formatCell, groupRows, makeCell } from './testdata/cell-text.js';

type Pred = (c: { row: Buffer; family: Buffer; qualifier: Buffer; timestamp: bigint; value: Buffer }) => boolean;

interface Gen {
  filter: Filter;
  pred: Pred;
  text: string;
}

const ALPHABET = 'abc';

function word(rnd: SeededRandom, min: number, max: number): string {
  let s = '';
  const n = min + rnd.int(max - min + 1);
  for (let i = 0; i < n; i++) s += ALPHABET[rnd.int(ALPHABET.length)];
  return s;
}

function comparator(rnd: SeededRandom): { cmp: ByteArrayComparable; ops: readonly CompareOperator[]; text: string } {
  const w = word(rnd, 0, 2);
  switch (rnd.int(4)) {
    case 0:
      return { cmp: new BinaryComparator(Buffer.from(w)), ops: COMPARE_OPERATORS, text: `binary:${w}` };
    case 1:
      return { cmp: new BinaryPrefixComparator(Buffer.from(w)), ops: COMPARE_OPERATORS, text: `binaryprefix:${w}` };
    case 2:
      return { cmp: new SubstringComparator(w.toUpperCase()), ops: ['EQUAL', 'NOT_EQUAL'], text: `substring:${w}` };
    default:
      return { cmp: new RegexStringComparator(`^${w}|c$`), ops: ['EQUAL', 'NOT_EQUAL'], text: `regex:^${w}|c$` };
  }
}

function passes(op: CompareOperator, cmp: ByteArrayComparable, b: Buffer): boolean {
  return op !== 'NO_OP' && !isFilteredOut(op, cmp.compareTo(b, 0, b.length));
}

function genFilter(rnd: SeededRandom, depth: number): Gen {
  const kind = depth < 3 ? rnd.int(12) : rnd.int(10);
  if (kind <= 3) {
    const { cmp, ops, text } = comparator(rnd);
    const op = ops[rnd.int(ops.length)]!;
    switch (kind) {
      case 0:
        return { filter: new RowFilter(op, cmp), pred: (c) => passes(op, cmp, c.row), text: `Row(${op},${text})` };
      case 1:
        return { filter: new FamilyFilter(op, cmp), pred: (c) => passes(op, cmp, c.family), text: `Family(${op},${text})` };
      case 2:
        return { filter: new QualifierFilter(op, cmp), pred: (c) => passes(op, cmp, c.qualifier), text: `Qualifier(${op},${text})` };
      default:
        return { filter: new ValueFilter(op, cmp), pred: (c) => passes(op, cmp, c.value), text: `Value(${op},${text})` };
    }
  }
  if (kind === 4) {
    const p = Buffer.from(word(rnd, 0, 2));
    return { filter: new PrefixFilter(p), pred: (c) => c.row.subarray(0, p.length).equals(p), text: `Prefix(${p})` };
  }
  if (kind === 5) {
    const p = Buffer.from(word(rnd, 0, 2));
    return { filter: new ColumnPrefixFilter(p), pred: (c) => c.qualifier.subarray(0, p.length).equals(p), text: `ColumnPrefix(${p})` };
  }
  if (kind === 6) {
    const min = rnd.int(3) === 0 ? undefined : Buffer.from(word(rnd, 0, 2));
    const max = rnd.int(3) === 0 ? undefined : Buffer.from(word(rnd, 0, 2));
    const minInc = rnd.int(2) === 0;
    const maxInc = rnd.int(2) === 0;
    const pred: Pred = (c) => {
      if (min !== undefined) {
        const x = Buffer.compare(c.qualifier, min);
        if (x < 0 || (x === 0 && !minInc)) return false;
      }
      if (max !== undefined) {
        const x = Buffer.compare(c.qualifier, max);
        if (x > 0 || (x === 0 && !maxInc)) return false;
      }
      return true;
    };
    return {
      filter: new ColumnRangeFilter({ minColumn: min, minColumnInclusive: minInc, maxColumn: max, maxColumnInclusive: maxInc }),
      pred,
      text: `ColumnRange(${min}${minInc ? ']' : ')'},${max}${maxInc ? ']' : ')'})`,
    };
  }
  if (kind === 7) {
    const ts = Array.from({ length: rnd.int(4) }, () => BigInt(1 + rnd.int(5)));
    const canHint = rnd.int(2) === 0;
    return { filter: new TimestampsFilter(ts, canHint), pred: (c) => ts.includes(c.timestamp), text: `Timestamps(${ts.join(',')}${canHint ? ',hint' : ''})` };
  }
  if (kind === 8) {
    const ps = [...new Set(Array.from({ length: rnd.int(4) }, () => word(rnd, 0, 2)))].map((w) => Buffer.from(w));
    return {
      filter: new MultipleColumnPrefixFilter(ps),
      pred: ps.length === 0 ? () => true : (c) => ps.some((p) => c.qualifier.subarray(0, p.length).equals(p)),
      text: `MultipleColumnPrefix(${ps.join(',')})`,
    };
  }
  if (kind === 9) {
    const stop = Buffer.from(word(rnd, 0, 2));
    return { filter: new InclusiveStopFilter(stop), pred: (c) => Buffer.compare(c.row, stop) <= 0, text: `InclusiveStop(${stop})` };
  }
  const and = kind === 10;
  const kids = Array.from({ length: rnd.int(4) }, () => genFilter(rnd, depth + 1));
  return {
    filter: new FilterList(and ? 'MUST_PASS_ALL' : 'MUST_PASS_ONE', kids.map((k) => k.filter)),
    pred: kids.length === 0 ? () => true : and ? (c) => kids.every((k) => k.pred(c)) : (c) => kids.some((k) => k.pred(c)),
    text: `${and ? 'AND' : 'OR'}[${kids.map((k) => k.text).join(', ')}]`,
  };
}

function genCells(rnd: SeededRandom): CellView[] {
  const seen = new Set<string>();
  const cells: CellView[] = [];
  const n = 1 + rnd.int(30);
  for (let i = 0; i < n; i++) {
    const row = word(rnd, 1, 2);
    const family = ['a', 'b', 'c'][rnd.int(3)]!;
    const qualifier = word(rnd, 0, 2);
    const ts = BigInt(1 + rnd.int(5));
    const key = `${row}/${family}/${qualifier}/${ts}`;
    if (seen.has(key)) continue;
    seen.add(key);
    cells.push(makeCell(Buffer.from(row), Buffer.from(family), Buffer.from(qualifier), ts, Buffer.from(word(rnd, 0, 3))));
  }
  return cells.sort((x, y) => compareKeys(x.keyBuf, x.keyOff, x.keyLen, y.keyBuf, y.keyOff, y.keyLen));
}

test('predicate filters in any AND/OR nesting keep exactly the cells the formula accepts', () => {
  const seed = testSeed();
  const rnd = new SeededRandom(seed);
  for (let iter = 0; iter < 1500; iter++) {
    const cells = genCells(rnd);
    const g = genFilter(rnd, 0);
    const rows = groupRows(cells);
    const expected = cells
      .filter((c) => {
        const k = decodeKey(c.keyBuf, c.keyOff, c.keyLen);
        return g.pred({ ...k, value: c.valueBuf.subarray(c.valueOff, c.valueOff + c.valueLen) });
      })
      .map(formatCell);
    const context = `seed=${seed} iter=${iter} filter=${g.text}\ncells=${cells.map(formatCell).join(' ')}`;
    const got = applyFilterToRows(g.filter, rows).flat().map(formatCell);
    assert.deepEqual(got, expected, context);
    const viaJson = filterFromJson(JSON.parse(JSON.stringify(filterToJson(g.filter))));
    assert.deepEqual(applyFilterToRows(viaJson, rows).flat().map(formatCell), expected, `json: ${context}`);
  }
});
