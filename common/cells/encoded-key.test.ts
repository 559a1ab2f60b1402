import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SeededRandom, testSeed } from '../random.js';
import {
  buildKey,
  compareKeyBuffers,
  compareKeyColumns,
  compareKeyRows,
  compareKeyRowTo,
  compareRanges,
  compareKeys,
  decodeKey,
  firstOnColumnKey,
  firstOnRowKey,
  formatKey,
  keyHasEmptyQualifier,
  keyOfCell,
  keyStructureError,
  keyTimestamp,
  keyType,
} from './encoded-key.js';
import type { Cell } from './keyvalue.js';
import { compareCells, encodeKeyValue, putCell } from './keyvalue.js';
import { CellType, KV_LENGTHS_SIZE } from './keyvalue-format.js';

const TYPES = [CellType.Put, CellType.Delete, CellType.DeleteFamilyVersion, CellType.DeleteColumn, CellType.DeleteFamily];

/** Cells over a tiny alphabet so equal fields, prefixes and ties are common. */
function randomCell(r: SeededRandom): Cell {
  const bytes = (max: number, min = 0) => {
    const len = min + r.int(max - min + 1);
    const b = Buffer.alloc(len);
    for (let i = 0; i < len; i++) b[i] = [0, 1, 0x61, 0x62, 0xff][r.int(5)]!;
    return b;
  };
  const tsChoices = [0n, 1n, 2n, 255n, 256n, 0x7fffffffffffffffn, BigInt(r.int(1000))];
  return { row: bytes(3, 1), family: bytes(2), qualifier: bytes(3), timestamp: tsChoices[r.int(tsChoices.length)]!, type: TYPES[r.int(TYPES.length)]!, value: Buffer.alloc(0) };
}

function sign(x: number): number {
  return x < 0 ? -1 : x > 0 ? 1 : 0;
}

test('compareKeys agrees with compareCells on random cells', () => {
  const seed = testSeed();
  const r = new SeededRandom(seed);
  for (let i = 0; i < 20000; i++) {
    const a = randomCell(r);
    const b = randomCell(r);
    // Embed the keys at odd offsets of larger buffers to exercise the offset arithmetic.
    const ka = Buffer.concat([Buffer.from([9, 9, 9]), keyOfCell(a)]);
    const kb = Buffer.concat([Buffer.from([7]), keyOfCell(b), Buffer.from([7, 7])]);
    const got = sign(compareKeys(ka, 3, ka.length - 3, kb, 1, kb.length - 3));
    assert.equal(got, sign(compareCells(a, b)), `seed=${seed} a=${formatKey(ka, 3)} b=${formatKey(kb, 1, kb.length - 3)}`);
    assert.equal(sign(compareKeys(kb, 1, kb.length - 3, ka, 3, ka.length - 3)), sign(-got), `antisymmetric seed=${seed}`);
    const rowCmp = sign(Buffer.compare(a.row, b.row));
    assert.equal(sign(compareKeyRows(ka, 3, kb, 1)), rowCmp, `seed=${seed}`);
    assert.equal(sign(compareKeyRowTo(ka, 3, b.row, 0, b.row.length)), rowCmp, `seed=${seed}`);
    const colCmp = rowCmp !== 0 ? rowCmp : sign(Buffer.compare(a.family, b.family)) || sign(Buffer.compare(a.qualifier, b.qualifier));
    assert.equal(sign(compareKeyColumns(ka, 3, ka.length - 3, kb, 1, kb.length - 3)), colCmp, `seed=${seed}`);
  }
});

test('family/qualifier boundary is respected: (a, bc) < (ab, c)', () => {
  const x = buildKey(Buffer.from('r'), Buffer.from('a'), Buffer.from('bc'), 1n, CellType.Put);
  const y = buildKey(Buffer.from('r'), Buffer.from('ab'), Buffer.from('c'), 1n, CellType.Put);
  assert.ok(compareKeyBuffers(x, y) < 0);
  assert.ok(compareKeyBuffers(y, x) > 0);
});

test('newer timestamps and delete markers sort first', () => {
  const row = Buffer.from('r');
  const f = Buffer.from('f');
  const q = Buffer.from('q');
  const keys = [
    firstOnRowKey(row),
    firstOnColumnKey(row, f, q),
    buildKey(row, f, q, 10n, CellType.DeleteFamily),
    buildKey(row, f, q, 10n, CellType.DeleteColumn),
    buildKey(row, f, q, 10n, CellType.Delete),
    buildKey(row, f, q, 10n, CellType.Put),
    buildKey(row, f, q, 9n, CellType.Put),
    buildKey(row, f, q, 0n, CellType.Put),
    buildKey(row, f, Buffer.from('q\x00'), 100n, CellType.Put),
    firstOnRowKey(Buffer.from('r\x00')),
  ];
  for (let i = 0; i + 1 < keys.length; i++) {
    assert.ok(compareKeyBuffers(keys[i]!, keys[i + 1]!) < 0, `${formatKey(keys[i]!)} < ${formatKey(keys[i + 1]!)}`);
  }
  assert.equal(compareKeyBuffers(keys[3]!, Buffer.from(keys[3]!)), 0);
});

test('a key inside an encoded KeyValue is the KeyValue key', () => {
  const c = putCell('row1', 'fam', 'qual', 1234n, 'value');
  const kv = encodeKeyValue(c);
  const keyLen = kv.readUInt32BE(0);
  assert.equal(compareKeys(kv, KV_LENGTHS_SIZE, keyLen, keyOfCell(c), 0, keyLen), 0);
  assert.equal(keyTimestamp(kv, KV_LENGTHS_SIZE, keyLen), 1234n);
  assert.equal(keyType(kv, KV_LENGTHS_SIZE, keyLen), CellType.Put);
  const d = decodeKey(kv, KV_LENGTHS_SIZE, keyLen);
  assert.deepEqual([d.row.toString(), d.family.toString(), d.qualifier.toString()], ['row1', 'fam', 'qual']);
  assert.equal(formatKey(kv, KV_LENGTHS_SIZE, keyLen), 'row1/fam:qual/1234/Put');
});

test('keyStructureError rejects malformed keys', () => {
  const good = buildKey(Buffer.from('r'), Buffer.from('f'), Buffer.from('q'), 5n, CellType.Put);
  assert.equal(keyStructureError(good, 0, good.length, true), undefined);
  assert.match(keyStructureError(good, 0, 5, true)!, /length out of bounds/);
  assert.match(keyStructureError(good, 0, good.length + 1, true)!, /length out of bounds/);
  const badRow = Buffer.from(good);
  badRow.writeUInt16BE(200, 0);
  assert.match(keyStructureError(badRow, 0, badRow.length, true)!, /row length/);
  const badFam = Buffer.from(good);
  badFam[3] = 50;
  assert.match(keyStructureError(badFam, 0, badFam.length, true)!, /family length/);
  const badType = Buffer.from(good);
  badType[badType.length - 1] = 3;
  assert.match(keyStructureError(badType, 0, badType.length, true)!, /unknown cell type/);
  assert.equal(keyStructureError(badType, 0, badType.length, false), undefined);
  const negTs = Buffer.from(good);
  negTs[negTs.length - 9] = 0x80;
  assert.match(keyStructureError(negTs, 0, negTs.length, false)!, /negative/);
  const emptyRow = firstOnRowKey(Buffer.alloc(0));
  assert.match(keyStructureError(emptyRow, 0, emptyRow.length, true)!, /row length invalid/);
  assert.equal(keyStructureError(emptyRow, 0, emptyRow.length, false), undefined);
});

test('compareRanges agrees with Buffer.compare on short and long ranges', () => {
  const seed = testSeed();
  const r = new SeededRandom(seed);
  for (let i = 0; i < 5000; i++) {
    const prefix = r.bytes(r.int(40));
    const a = Buffer.concat([prefix, r.bytes(r.int(3))]);
    const b = Buffer.concat([prefix, r.bytes(r.int(3))]);
    const pa = Buffer.concat([Buffer.from([1, 2]), a]);
    assert.equal(sign(compareRanges(pa, 2, pa.length, b, 0, b.length)), Buffer.compare(a, b), `seed=${seed}`);
    // Long rows through the key comparator too.
    const ka = buildKey(a.length === 0 ? Buffer.from([0]) : a, Buffer.from('f'), Buffer.alloc(0), 1n, CellType.Put);
    const kb = buildKey(b.length === 0 ? Buffer.from([0]) : b, Buffer.from('f'), Buffer.alloc(0), 1n, CellType.Put);
    const rowCmp = Buffer.compare(a.length === 0 ? Buffer.from([0]) : a, b.length === 0 ? Buffer.from([0]) : b);
    assert.equal(sign(compareKeyBuffers(ka, kb)), rowCmp, `seed=${seed}`);
  }
});

test('keyHasEmptyQualifier: true exactly when the qualifier is empty, whatever the row and family lengths', () => {
  const seed = testSeed();
  const r = new SeededRandom(seed);
  for (let i = 0; i < 500; i++) {
    const c = randomCell(r);
    const k = Buffer.concat([Buffer.from([1, 2, 3]), keyOfCell(c)]); // at an offset
    assert.equal(keyHasEmptyQualifier(k, 3, k.length - 3), c.qualifier.length === 0, `seed=${seed} i=${i}`);
  }
  assert.equal(keyHasEmptyQualifier(buildKey(Buffer.from('r'), Buffer.from('f'), Buffer.alloc(0), 1n, CellType.DeleteFamily), 0, 14), true);
  assert.equal(keyHasEmptyQualifier(buildKey(Buffer.from('r'), Buffer.from(''), Buffer.from('q'), 1n, CellType.Put), 0, 14), false);
});
