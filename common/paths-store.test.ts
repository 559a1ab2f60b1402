// Tests of the store data keys of paths.ts (data/<ns>/<table>/<region>/<family>/...).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ErrorCodes, errorCode } from './errors.js';
import {
  encodeRegionName,
  isEncodedRegionName,
  parseStoreFileKey,
  parseStoreFileName,
  parseStoreManifestKey,
  regionDataPrefix,
  storeFileKey,
  storeFileName,
  storeFilesPrefix,
  storeManifestKey,
  storePrefix,
  tableDataPrefix,
  validateStoreId,
} from './paths.js';

const region = encodeRegionName('t1,,1700000000000.');
const store = { namespace: 'default', table: 't1', region, family: 'cf' };
const invalid = (e: unknown) => errorCode(e) === ErrorCodes.INVALID_ARGUMENT;

test('encoded region names: md5 hex of the full name, validated', () => {
  assert.equal(encodeRegionName('abc'), '900150983cd24fb0d6963f7d28e17f72');
  assert.ok(isEncodedRegionName(region));
  for (const bad of ['', 'ABCDEF0123456789abcdef0123456789', 'abc', `${region}0`, 'g'.repeat(32)]) assert.equal(isEncodedRegionName(bad), false, bad);
});

test('store keys: layout, nesting and round trip', () => {
  assert.equal(storeManifestKey(store), `data/default/t1/${region}/cf/manifest`);
  const name = storeFileName(1_700_000_000_123, '0123456789abcdef');
  assert.equal(name, '00000001700000000123-0123456789abcdef');
  assert.equal(storeFileKey(store, name), `data/default/t1/${region}/cf/files/${name}`);
  assert.ok(storeFileKey(store, name).startsWith(storeFilesPrefix(store)));
  assert.ok(storeFilesPrefix(store).startsWith(storePrefix(store)));
  assert.ok(storePrefix(store).startsWith(regionDataPrefix('default', 't1', region)));
  assert.ok(regionDataPrefix('default', 't1', region).startsWith(tableDataPrefix('default', 't1')));
  assert.deepEqual(parseStoreManifestKey(storeManifestKey(store)), store);
  assert.deepEqual(parseStoreFileKey(storeFileKey(store, name)), { store, name, createdMs: 1_700_000_000_123 });
  assert.deepEqual(parseStoreFileName(name), { createdMs: 1_700_000_000_123, unique: '0123456789abcdef' });
  assert.equal(parseStoreFileKey(storeManifestKey(store)), undefined);
  assert.equal(parseStoreManifestKey(storeFileKey(store, name)), undefined);
  assert.equal(parseStoreFileKey(`${storeFilesPrefix(store)}foreign.tmp`), undefined);
  assert.equal(parseStoreManifestKey(`data/default/t1/not-a-region/cf/manifest`), undefined);
  assert.ok(storeFileName(9, '0000000000000000') < storeFileName(10, '0000000000000000'), 'byte order is time order');
});

test('invalid names are refused', () => {
  assert.throws(() => validateStoreId({ ...store, region: 'r1' }), invalid);
  assert.throws(() => validateStoreId({ ...store, namespace: 'a-b' }), invalid);
  assert.throws(() => validateStoreId({ ...store, table: '.meta' }), invalid);
  assert.throws(() => validateStoreId({ ...store, family: '.tmp' }), invalid);
  assert.throws(() => validateStoreId({ ...store, family: 'a/b' }), invalid);
  assert.throws(() => storeFileKey(store, 'x'), invalid);
  assert.throws(() => storeFileName(-1, '0123456789abcdef'), invalid);
  assert.throws(() => storeFileName(1, '0123'), invalid);
  validateStoreId({ namespace: 'hbase', table: 'meta', region, family: 'info' });
});
