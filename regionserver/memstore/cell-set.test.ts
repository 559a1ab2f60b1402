import assert from 'node:assert/strict';
import { test } from 'node:test';
import { encodeKeyValue, putCell } from '../../common/cells/keyvalue.js';
import { SeededRandom, testSeed } from '../../common/random.js';
import { CellSet, CellSetCursor } from './cell-set.js';
import { compareMemCells, MemCell, rowPrefix } from './mem-cell.js';

function memCell(row: string | Buffer, qual: string, seq: number, value = ''): MemCell {
  const kv = encodeKeyValue(putCell(row, 'f', qual, 1n, value));
  const keyLen = kv.readUInt32BE(0);
  const rowLen = kv.readUInt16BE(8);
  return new MemCell(kv, 0, keyLen, kv.length - 8 - keyLen, rowLen, kv[10 + rowLen]!, seq);
}

function all(set: CellSet): MemCell[] {
  const out: MemCell[] = [];
  const c = new CellSetCursor(set);
  for (let m = c.seekToFirst(); m !== undefined; m = c.next()) out.push(m);
  return out;
}

test('leaves stay bounded and cells ordered under random inserts', () => {
  const seed = testSeed();
  const rnd = new SeededRandom(seed);
  const set = new CellSet();
  const n = 5000;
  for (let i = 0; i < n; i++) set.add(memCell(`r${rnd.int(1e6)}`, `q${i}`, 1));
  assert.equal(set.size, n);
  const sizes = set.leafSizes();
  assert.ok(sizes.every((s) => s > 0 && s <= 256), `seed=${seed}`);
  assert.equal(sizes.reduce((a, b) => a + b, 0), n);
  const cells = all(set);
  for (let i = 1; i < cells.length; i++) assert.ok(compareMemCells(cells[i - 1]!, cells[i]!) < 0, `seed=${seed} i=${i}`);
});

test('re-adding every cell with the same write number replaces it, including the first cell of each leaf', () => {
  const set = new CellSet();
  const rows = Array.from({ length: 1000 }, (_, i) => `row${String(i).padStart(4, '0')}`);
  const rnd = new SeededRandom(1);
  const shuffled = [...rows].sort(() => rnd.next() - 0.5);
  for (const r of shuffled) set.add(memCell(r, 'q', 7, 'old'));
  assert.ok(set.leafSizes().length > 3);
  for (const r of rows) assert.notEqual(set.add(memCell(r, 'q', 7, 'new')), undefined, `row ${r} was not found to replace`);
  assert.equal(set.size, rows.length);
  assert.ok(all(set).every((m) => m.toCell().value.toString() === 'new'));
});

test('rows written column by column in key order (the insert hint) keep order, replace equal cells and fill gaps', () => {
  const seed = testSeed();
  const rnd = new SeededRandom(seed);
  const set = new CellSet();
  const expected = new Map<string, string>();
  const key = (r: number, q: number, seq: number): string => `${String(r).padStart(6, '0')}/${q}/${String(1e6 - seq).padStart(7, '0')}`;
  // Even columns first (rows in random order, columns ascending: each insert lands right after
  // the previous one), then odd columns into the gaps, then some columns again with the same
  // write number (replaced in place) and some with a newer one (a new cell before the old).
  const rows = Array.from({ length: 600 }, (_, i) => i).sort(() => rnd.next() - 0.5);
  for (const pass of [0, 1]) {
    for (const r of rows) {
      for (let q = pass; q < 10; q += 2) {
        set.add(memCell(`row${String(r).padStart(6, '0')}`, `q${q}`, 1, 'a'));
        expected.set(key(r, q, 1), 'a');
      }
    }
  }
  for (const r of rows.slice(0, 200)) {
    for (let q = 0; q < 10; q++) {
      const seq = q % 2 === 0 ? 1 : 2;
      const old = set.add(memCell(`row${String(r).padStart(6, '0')}`, `q${q}`, seq, 'b'));
      assert.equal(old !== undefined, seq === 1, `seed=${seed} row=${r} q=${q}`);
      expected.set(key(r, q, seq), 'b');
    }
  }
  assert.equal(set.size, expected.size);
  assert.ok(set.leafSizes().every((s) => s > 0 && s <= 256), `seed=${seed}`);
  const got = all(set).map((m) => {
    const c = m.toCell();
    return [`${c.row.toString().slice(3)}/${c.qualifier.toString().slice(1)}/${String(1e6 - m.seq).padStart(7, '0')}`, c.value.toString()];
  });
  assert.deepEqual(got, [...expected].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)), `seed=${seed}`);
});

test('rows sharing a 12-byte prefix and binary rows order by the full comparison', () => {
  const set = new CellSet();
  const rows = ['user00000000001', 'user000000000', 'user00000000000', 'user0000000000', Buffer.from([0xff]), Buffer.from([0x00]), Buffer.from([0x00, 0x00]), Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00])];
  for (const r of rows) set.add(memCell(r, 'q', 1));
  const got = all(set).map((m) => m.toCell().row);
  const expected = rows.map((r) => (typeof r === 'string' ? Buffer.from(r) : r)).sort(Buffer.compare);
  assert.deepEqual(got, expected);
});

test('rowPrefix preserves order', () => {
  const seed = testSeed();
  const rnd = new SeededRandom(seed);
  for (let i = 0; i < 2000; i++) {
    const a = memCell(rnd.bytes(1 + rnd.int(14)), 'q', 1);
    const b = memCell(rnd.bytes(1 + rnd.int(14)), 'q', 1);
    const c = Buffer.compare(a.toCell().row, b.toCell().row);
    const pa = [rowPrefix(a, 0), rowPrefix(a, 1)];
    const pb = [rowPrefix(b, 0), rowPrefix(b, 1)];
    const pc = pa[0]! !== pb[0]! ? Math.sign(pa[0]! - pb[0]!) : Math.sign(pa[1]! - pb[1]!);
    if (pc !== 0) assert.equal(pc, c, `seed=${seed}: prefixes disagree with the rows`);
  }
});
