import { test } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidError } from '../../common/errors.js';
import { errorLines } from './error-format.js';
import type { Value } from './parser.js';
import { parseScript } from './parser.js';
import { filterArg, getFromArgs, prefixStopRow, scanFromArgs } from './read-spec.js';

const b64 = (s: string) => Buffer.from(s, 'latin1').toString('base64');

/** The arguments of `x <src>`. */
function argv(src: string): readonly Value[] {
  return parseScript(`x ${src}`)[0]!.args;
}

function filter(text: string): unknown {
  return filterArg({ kind: 'string', bytes: Buffer.from(text, 'utf8'), pos: { offset: 0, line: 1, column: 1 } });
}

test('filter language: single filters become their JSON form', () => {
  assert.deepEqual(filter(`PrefixFilter('r')`), { type: 'PrefixFilter', value: b64('r') });
  assert.deepEqual(filter(`ValueFilter(=, 'binary:abc')`), { type: 'ValueFilter', op: 'EQUAL', comparator: { type: 'BinaryComparator', value: b64('abc') } });
  assert.deepEqual(filter(`RowFilter(>=, 'binary:x')`), { type: 'RowFilter', op: 'GREATER_OR_EQUAL', comparator: { type: 'BinaryComparator', value: b64('x') } });
  assert.deepEqual(filter(`QualifierFilter(!=, 'substring:ab')`), { type: 'QualifierFilter', op: 'NOT_EQUAL', comparator: { type: 'SubstringComparator', value: 'ab' } });
  assert.deepEqual(filter(`FamilyFilter(<, 'binaryprefix:f')`), { type: 'FamilyFilter', op: 'LESS', comparator: { type: 'BinaryPrefixComparator', value: b64('f') } });
  assert.deepEqual(filter(`ValueFilter(=, 'regexstring:^a.*z$')`), { type: 'ValueFilter', op: 'EQUAL', comparator: { type: 'RegexStringComparator', value: '^a.*z$' } });
  assert.deepEqual(filter(`SingleColumnValueFilter('f', 'q', =, 'binary:v')`), {
    type: 'SingleColumnValueFilter',
    family: b64('f'),
    qualifier: b64('q'),
    op: 'EQUAL',
    comparator: { type: 'BinaryComparator', value: b64('v') },
    ifMissing: false,
    latestVersion: true,
  });
  assert.deepEqual(filter(`SingleColumnValueFilter('f', 'q', >, 'binary:5', true, false)`), {
    type: 'SingleColumnValueFilter',
    family: b64('f'),
    qualifier: b64('q'),
    op: 'GREATER',
    comparator: { type: 'BinaryComparator', value: b64('5') },
    ifMissing: true,
    latestVersion: false,
  });
  assert.deepEqual(filter(`ColumnPrefixFilter('ab')`), { type: 'ColumnPrefixFilter', value: b64('ab') });
  assert.deepEqual(filter(`PageFilter(10)`), { type: 'PageFilter', value: '10' });
  assert.deepEqual(filter(`KeyOnlyFilter()`), { type: 'KeyOnlyFilter' });
  assert.deepEqual(filter(`FirstKeyOnlyFilter()`), { type: 'FirstKeyOnlyFilter' });
  assert.deepEqual(filter(`TimestampsFilter(1, 2)`), { type: 'TimestampsFilter', timestamps: [1, 2] });
  assert.deepEqual(filter(`ColumnRangeFilter('a', true, 'c', false)`), {
    type: 'ColumnRangeFilter',
    minColumn: b64('a'),
    minColumnInclusive: true,
    maxColumn: b64('c'),
    maxColumnInclusive: false,
  });
});

test('filter language: AND, OR, parentheses, SKIP and WHILE', () => {
  const p = { type: 'PrefixFilter', value: b64('r') };
  const v = { type: 'ValueFilter', op: 'EQUAL', comparator: { type: 'BinaryComparator', value: b64('v') } };
  const k = { type: 'KeyOnlyFilter' };
  assert.deepEqual(filter(`PrefixFilter('r') AND ValueFilter(=, 'binary:v')`), { type: 'FilterList', op: 'MUST_PASS_ALL', filters: [p, v] });
  // AND binds tighter than OR.
  assert.deepEqual(filter(`PrefixFilter('r') OR ValueFilter(=, 'binary:v') AND KeyOnlyFilter()`), {
    type: 'FilterList',
    op: 'MUST_PASS_ONE',
    filters: [p, { type: 'FilterList', op: 'MUST_PASS_ALL', filters: [v, k] }],
  });
  assert.deepEqual(filter(`(PrefixFilter('r') OR ValueFilter(=, 'binary:v')) AND KeyOnlyFilter()`), {
    type: 'FilterList',
    op: 'MUST_PASS_ALL',
    filters: [{ type: 'FilterList', op: 'MUST_PASS_ONE', filters: [p, v] }, k],
  });
  assert.deepEqual(filter(`SKIP ValueFilter(=, 'binary:v')`), { type: 'SkipFilter', filters: [v] });
  assert.deepEqual(filter(`WHILE PrefixFilter('r')`), { type: 'WhileMatchFilter', filters: [p] });
});

test('filter errors carry the position and a caret under it', () => {
  const cases: [string, RegExp, number][] = [
    [`PrefixFilter('r') AND Bogus('x')`, /unknown filter Bogus/, 22],
    [`PrefixFilter('r'`, /missing \)/, 16],
    [`ValueFilter(=, 'abc')`, /type prefix/, 15],
    [`PrefixFilter('r') and KeyOnlyFilter()`, /expected AND, OR/, 18],
    [`PageFilter(x)`, /expected an integer/, 11],
  ];
  for (const [text, re, pos] of cases) {
    let err: unknown;
    try {
      filter(text);
    } catch (e) {
      err = e;
    }
    assert.ok(err instanceof InvalidError, text);
    assert.match(err.message, re);
    assert.equal(err.details['position'], pos, text);
    const lines = errorLines(err);
    assert.equal(lines[1], `  FILTER: ${text}`);
    assert.equal(lines[2]!.indexOf('^'), '  FILTER: '.length + pos, text);
  }
  assert.throws(() => filterArg(argv('5')[0]!), /FILTER must be a filter string/);
});

test('get arguments: columns positional, in an array or in a hash, with options', () => {
  let g = getFromArgs(Buffer.from('r1'), argv(`'f:a', 'g'`)).get;
  assert.deepEqual(g.columns, [{ family: Buffer.from('f'), qualifier: Buffer.from('a') }, { family: Buffer.from('g') }]);
  g = getFromArgs(Buffer.from('r1'), argv(`['f:a', 'g:']`)).get;
  assert.deepEqual(g.columns, [{ family: Buffer.from('f'), qualifier: Buffer.from('a') }, { family: Buffer.from('g') }]);
  const r = getFromArgs(Buffer.from('r1'), argv(`{COLUMN => 'f:a:toInt', VERSIONS => 3, TIMERANGE => [10, 20], FILTER => "KeyOnlyFilter()", MAXLENGTH => 8}`));
  assert.deepEqual(r.get, {
    row: Buffer.from('r1'),
    columns: [{ family: Buffer.from('f'), qualifier: Buffer.from('a') }],
    maxVersions: 3,
    timeRange: { min: 10n, max: 20n },
    filter: { type: 'KeyOnlyFilter' },
  });
  assert.equal(r.print.converters.get('f:a'), 'toInt');
  assert.equal(r.print.maxLength, 8);
  assert.deepEqual(getFromArgs(Buffer.from('r'), argv(`{TIMESTAMP => 7}`)).get.timeRange, { min: 7n, max: 8n });
  assert.throws(() => getFromArgs(Buffer.from('r'), argv(`{COLUMNS => 'f', VERSION => 2}`)), /unknown or unsupported get option VERSION/);
  assert.throws(() => getFromArgs(Buffer.from('r'), argv(`{TIMERANGE => [5]}`)), /TIMERANGE must be \[min, max\]/);
  assert.throws(() => getFromArgs(Buffer.from('r'), argv(`{VERSIONS => 0}`)), /VERSIONS must be between 1/);
  assert.throws(() => getFromArgs(Buffer.from('r'), argv(`'f:a:toWhatever'`)), /unknown FORMATTER toWhatever/);
});

test('scan arguments map onto Scan', () => {
  let s = scanFromArgs(argv(`{STARTROW => 'a', STOPROW => 'm', LIMIT => 5, COLUMNS => ['f', 'g:q'], VERSIONS => 2, REVERSED => true, RAW => true, CACHE => 50, BATCH => 3}`)[0]);
  assert.deepEqual(s.scan, {
    startRow: Buffer.from('a'),
    stopRow: Buffer.from('m'),
    columns: [{ family: Buffer.from('f') }, { family: Buffer.from('g'), qualifier: Buffer.from('q') }],
    maxVersions: 2,
    reversed: true,
    raw: true,
    limit: 5,
    caching: 50,
    batch: 3,
  });
  assert.equal(s.limit, 5);
  s = scanFromArgs(argv(`{COLUMN => 'f', TIMERANGE => [1303668804000, 1303668904000], FILTER => "PageFilter(2)"}`)[0]);
  assert.deepEqual(s.scan, {
    columns: [{ family: Buffer.from('f') }],
    timeRange: { min: 1303668804000n, max: 1303668904000n },
    filter: { type: 'PageFilter', value: '2' },
  });
  assert.deepEqual(scanFromArgs(undefined).scan, {});
  // ROWPREFIXFILTER overrides STARTROW/STOPROW.
  s = scanFromArgs(argv(`{STARTROW => 'zzz', ROWPREFIXFILTER => "ab\\xff"}`)[0]);
  assert.deepEqual([s.scan.startRow, s.scan.stopRow], [Buffer.from('ab\xff', 'latin1'), Buffer.from('ac')]);
  s = scanFromArgs(argv(`{ROWPREFIXFILTER => 'ab', REVERSED => true}`)[0]);
  assert.deepEqual([s.scan.startRow, s.scan.stopRow], [Buffer.from('ac'), Buffer.from('ab')]);
  assert.throws(() => scanFromArgs(argv(`{STARTRWO => 'a'}`)[0]), /unknown or unsupported scan option STARTRWO/);
  assert.throws(() => scanFromArgs(argv(`'t2'`)[0]), /scan options must be a \{\.\.\.\} hash/);
  assert.throws(() => scanFromArgs(argv(`{LIMIT => 'ten'}`)[0]), /LIMIT must be an integer/);
  assert.throws(() => scanFromArgs(argv(`{COLUMNS => 5}`)[0]), /COLUMNS must be specified as a String or an Array/);
});

test('prefixStopRow is the first row after every row with the prefix', () => {
  assert.deepEqual(prefixStopRow(Buffer.from('ab')), Buffer.from('ac'));
  assert.deepEqual(prefixStopRow(Buffer.from([0x61, 0xff, 0xff])), Buffer.from([0x62]));
  assert.deepEqual(prefixStopRow(Buffer.from([0xff])), Buffer.alloc(0));
  assert.deepEqual(prefixStopRow(Buffer.alloc(0)), Buffer.alloc(0));
});

test('a FILTER with raw non-UTF-8 bytes is refused rather than changed', () => {
  assert.throws(() => filterArg(argv(`"PrefixFilter('\\xff')"`)[0]!), /FILTER strings must be UTF-8 text/);
  assert.deepEqual(filterArg(argv(`"PrefixFilter('\\x00a')"`)[0]!), { type: 'PrefixFilter', value: b64('\x00a') });
});
