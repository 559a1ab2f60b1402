import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InvalidError } from '../../common/errors.js';
import { filterFromJson, filterFromJsonString, filterToJson, MAX_FILTER_DEPTH } from './filter-json.js';
import { parseFilterString } from './filter-parser.js';

const isInvalid =
  (field?: string) =>
  (e: unknown): boolean =>
    e instanceof InvalidError && e.code === 'TSB_INVALID_ARGUMENT' && (field === undefined || e.details['field'] === field);

test('nesting is limited in both forms, with a clear error instead of a stack overflow', () => {
  let json: unknown = { type: 'KeyOnlyFilter' };
  for (let i = 0; i < MAX_FILTER_DEPTH; i++) json = { type: 'SkipFilter', filters: [json] };
  assert.equal(JSON.stringify(filterToJson(filterFromJson(json))), JSON.stringify(json));
  json = { type: 'WhileMatchFilter', filters: [json] };
  assert.throws(() => filterFromJson(json), isInvalid());

  assert.doesNotThrow(() => parseFilterString('SKIP '.repeat(MAX_FILTER_DEPTH - 1) + 'KeyOnlyFilter ()'));
  assert.throws(() => parseFilterString('SKIP '.repeat(MAX_FILTER_DEPTH) + 'KeyOnlyFilter ()'), isInvalid());
  assert.throws(() => parseFilterString('('.repeat(100_000) + 'KeyOnlyFilter ()' + ')'.repeat(100_000)), isInvalid());
});

test('json text: syntax errors are InvalidError', () => {
  assert.throws(() => filterFromJsonString('{"type":'), isInvalid(''));
  assert.equal(JSON.stringify(filterToJson(filterFromJsonString('{"type":"FirstKeyOnlyFilter"}'))), '{"type":"FirstKeyOnlyFilter"}');
});

test('base64 without padding is accepted, as Java decoders do', () => {
  const f = filterFromJson({ type: 'PrefixFilter', value: 'cm93MQ' });
  assert.deepEqual(filterToJson(f), { type: 'PrefixFilter', value: 'cm93MQ==' });
  assert.throws(() => filterFromJson({ type: 'PrefixFilter', value: 'cm93M' }), isInvalid('value'));
});

test('the string form and the json form build the same filter', () => {
  const s =
    "(PrefixFilter ('u1') OR InclusiveStopFilter ('u0')) AND SKIP SingleColumnValueFilter ('f', 'q', >=, 'binaryprefix:m', true, false) AND WHILE TimestampsFilter (3, 1)";
  const viaString = filterToJson(parseFilterString(s));
  const viaJson = filterToJson(filterFromJson(JSON.parse(JSON.stringify(viaString))));
  assert.deepEqual(viaJson, viaString);
});
