import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EncodedCells } from '../../common/cells/encoded-cells.js';
import { buildKey, firstOnRowKey } from '../../common/cells/encoded-key.js';
import { CellType, LATEST_TIMESTAMP } from '../../common/cells/keyvalue-format.js';
import type { Cell } from '../../common/cells/keyvalue.js';
import { compareCells, encodeKeyValue, encodedLength, putCell } from '../../common/cells/keyvalue.js';
import { ErrorCodes, errorCode } from '../../common/errors.js';
import { SeededRandom, testSeed } from '../../common/random.js';
import type { MemCell } from './mem-cell.js';
import { CELL_HEAP_OVERHEAD, MemStore } from './memstore.js';
import type { MemStoreScanner } from './memstore-scanner.js';

const b = (s: string): Buffer => Buffer.from(s);
const cell = (row: string, qual: string, ts: bigint, type: CellType, value = ''): Cell => ({ row: b(row), family: b('f'), qualifier: b(qual), timestamp: ts, type, value: b(value) });

/** Every remaining cell of the scanner as `row/qual/ts/type/value@seq`. */
function drain(s: MemStoreScanner): string[] {
  const out: string[] = [];
  for (let c = s.next(); c !== undefined; c = s.next()) out.push(show(c));
  return out;
}
/** Every cell of the MemStore (at the newest read point), as drain shows them. */
function scanAll(ms: MemStore): string[] {
  const s = ms.scanner(Infinity);
  s.seekToFirst();
  return drain(s);
}
function show(m: MemCell): string {
  const c = m.toCell();
  return `${c.row.toString()}/${c.qualifier.toString()}/${c.timestamp}/${c.type}/${c.value.toString()}@${m.seq}`;
}

test('cells come out in KeyValue order whatever the insert order', () => {
  const ms = new MemStore();
  ms.addCell(cell('b', 'q', 1n, CellType.Put, 'b1'), 1);
  ms.addCell(cell('a', 'q2', 5n, CellType.Put, 'x'), 2);
  ms.addCell(cell('a', 'q', 1n, CellType.Put, 'old'), 3);
  ms.addCell(cell('a', 'q', 9n, CellType.Put, 'new'), 4);
  ms.addCell(cell('aa', 'q', 1n, CellType.Put, 'aa'), 5);
  const s = ms.scanner(Infinity);
  s.seekToFirst();
  assert.deepEqual(drain(s), ['a/q/9/4/new@4', 'a/q/1/4/old@3', 'a/q2/5/4/x@2', 'aa/q/1/4/aa@5', 'b/q/1/4/b1@1']);
});

test('at one timestamp delete markers come before puts, in type order', () => {
  const ms = new MemStore();
  const types = [CellType.Put, CellType.Delete, CellType.DeleteColumn, CellType.DeleteFamilyVersion, CellType.DeleteFamily];
  let seq = 1;
  for (const t of types) ms.addCell(cell('r', 'q', 7n, t), seq++);
  ms.addCell(cell('r', '', 7n, CellType.DeleteFamily), seq);
  const s = ms.scanner(Infinity);
  s.seekToFirst();
  assert.deepEqual(drain(s), [
    'r//7/14/@6', // the empty qualifier sorts first
    'r/q/7/14/@5',
    'r/q/7/12/@3',
    'r/q/7/10/@4',
    'r/q/7/8/@2',
    'r/q/7/4/@1',
  ]);
});

test('the same key written twice: the later write first; the same write number replaces', () => {
  const ms = new MemStore();
  ms.addCell(cell('r', 'q', 1n, CellType.Put, 'first'), 1);
  ms.addCell(cell('r', 'q', 1n, CellType.Put, 'second'), 2);
  const s = ms.scanner(Infinity);
  s.seekToFirst();
  assert.deepEqual(drain(s), ['r/q/1/4/second@2', 'r/q/1/4/first@1']);
  const before = ms.heapSize;
  ms.addCell(cell('r', 'q', 1n, CellType.Put, 'second!'), 2);
  assert.equal(ms.cellCount, 2);
  assert.equal(ms.heapSize, before + 1);
  const s2 = ms.scanner(Infinity);
  s2.seekToFirst();
  assert.deepEqual(drain(s2), ['r/q/1/4/second!@2', 'r/q/1/4/first@1']);
});

test('timestamps above 2^53 and the full u64 range order correctly', () => {
  const ms = new MemStore();
  const stamps = [0n, 1n, 2n ** 53n + 1n, 2n ** 53n, 0x7fffffffffffffffn, 256n];
  stamps.forEach((ts, i) => ms.addCell(cell('r', 'q', ts, CellType.Put), i + 1));
  const s = ms.scanner(Infinity);
  s.seekToFirst();
  const got = drain(s).map((x) => BigInt(x.split('/')[2]!));
  assert.deepEqual(got, [...stamps].sort((x, y) => (x > y ? -1 : x < y ? 1 : 0)));
});

test('a scanner skips cells above its read point', () => {
  const ms = new MemStore();
  ms.addCell(cell('a', 'q', 1n, CellType.Put, 'v1'), 1);
  ms.addCell(cell('a', 'q', 2n, CellType.Put, 'v2'), 5);
  ms.addCell(cell('b', 'q', 1n, CellType.Put, 'v3'), 3);
  const s = ms.scanner(3);
  s.seekToFirst();
  assert.deepEqual(drain(s), ['a/q/1/4/v1@1', 'b/q/1/4/v3@3']);
  const s0 = ms.scanner(0);
  assert.equal(s0.seekToFirst(), undefined);
});

test('seek positions at the first cell at or after a key', () => {
  const ms = new MemStore();
  for (const r of ['a', 'c', 'e']) for (const q of ['x', 'y']) ms.addCell(cell(r, q, 1n, CellType.Put), 1);
  const s = ms.scanner(Infinity);
  assert.equal(show(s.seek(firstOnRowKey(b('b')))!), 'c/x/1/4/@1');
  assert.equal(show(s.seek(firstOnRowKey(b('c')))!), 'c/x/1/4/@1');
  assert.equal(show(s.seek(buildKey(b('c'), b('f'), b('x'), 0n, CellType.Minimum))!), 'c/y/1/4/@1', 'after every version of c/x');
  assert.equal(s.seek(firstOnRowKey(b('f'))), undefined);
  assert.equal(s.peek(), undefined);
  assert.equal(s.next(), undefined);
});

test('a scan interrupted by inserts still returns each visible cell once, in order', () => {
  const seed = testSeed();
  const rnd = new SeededRandom(seed);
  const ms = new MemStore({ chunkBytes: 4096 });
  for (let i = 0; i < 2000; i += 2) ms.addCell(cell(`row${String(i).padStart(5, '0')}`, 'q', 1n, CellType.Put), 1);
  const s = ms.scanner(1);
  s.seekToFirst();
  const seen: string[] = [];
  for (let c = s.next(); c !== undefined; c = s.next()) {
    seen.push(c.toCell().row.toString());
    // Writers add cells everywhere (invisible to this read point), splitting leaves.
    for (let k = rnd.int(4); k > 0; k--) ms.addCell(cell(`row${String(rnd.int(2000)).padStart(5, '0')}`, `n${rnd.int(1000)}`, 1n, CellType.Put), 2);
  }
  const expected = Array.from({ length: 1000 }, (_, i) => `row${String(i * 2).padStart(5, '0')}`);
  assert.deepEqual(seen, expected, `seed=${seed}`);
});

test('snapshot sets cells aside; reads see active and snapshot until it is cleared', () => {
  const ms = new MemStore();
  ms.addCell(cell('a', 'q', 1n, CellType.Put, 'old'), 1);
  ms.addCell(cell('c', 'q', 1n, CellType.Put, 'old'), 2);
  const size = ms.heapSize;
  const snap = ms.snapshot();
  assert.equal(snap.cellCount, 2);
  assert.equal(snap.heapSize, size);
  assert.equal(snap.maxSeq, 2);
  assert.equal(ms.activeSize().cellCount, 0);
  assert.equal(ms.heapSize, size, 'the total still counts the snapshot');
  assert.equal(ms.snapshot(), snap, 'until cleared, snapshot() returns the same snapshot');

  ms.addCell(cell('b', 'q', 1n, CellType.Put, 'new'), 3);
  ms.addCell(cell('a', 'q', 1n, CellType.Put, 'newer'), 4);
  const s = ms.scanner(Infinity);
  s.seekToFirst();
  assert.deepEqual(drain(s), ['a/q/1/4/newer@4', 'a/q/1/4/old@1', 'b/q/1/4/new@3', 'c/q/1/4/old@2']);

  const fs = snap.scanner();
  fs.seekToFirst();
  assert.deepEqual(drain(fs), ['a/q/1/4/old@1', 'c/q/1/4/old@2'], 'the flusher sees the snapshot only');

  const during = ms.scanner(Infinity); // made before the clear: keeps the snapshot
  assert.throws(() => ms.clearSnapshot(snap.id + 1), { code: 'TSB_INTERNAL' });
  ms.clearSnapshot(snap.id);
  assert.equal(ms.currentSnapshot(), undefined);
  assert.equal(ms.cellCount, 2);
  const after = ms.scanner(Infinity);
  after.seekToFirst();
  assert.deepEqual(drain(after), ['a/q/1/4/newer@4', 'b/q/1/4/new@3']);
  during.seekToFirst();
  assert.equal(drain(during).length, 4);
  const next = ms.snapshot();
  assert.notEqual(next.id, snap.id);
  assert.equal(next.cellCount, 2);
});

test('heap size counts KeyValue bytes plus a fixed overhead per cell', () => {
  const ms = new MemStore();
  assert.equal(ms.heapSize, 0);
  const cells = [cell('row1', 'q', 1n, CellType.Put, 'value'), cell('row2', 'qualifier', 2n, CellType.Put, 'x'.repeat(1000)), cell('row3', 'q', 3n, CellType.DeleteColumn)];
  let data = 0;
  cells.forEach((c, i) => {
    ms.addCell(c, i + 1);
    data += encodedLength(c);
  });
  assert.equal(ms.dataSize, data);
  assert.equal(ms.heapSize, data + 3 * CELL_HEAP_OVERHEAD);
  assert.equal(ms.cellCount, 3);
  const snap = ms.snapshot();
  ms.addCell(cells[0]!, 9);
  assert.equal(ms.heapSize, data + 3 * CELL_HEAP_OVERHEAD + encodedLength(cells[0]!) + CELL_HEAP_OVERHEAD);
  ms.clearSnapshot(snap.id);
  assert.equal(ms.heapSize, encodedLength(cells[0]!) + CELL_HEAP_OVERHEAD);
});

test('add takes KeyValue bytes, copies them and rejects malformed ones', () => {
  const ms = new MemStore();
  const kv = encodeKeyValue(putCell('row', 'f', 'q', 5n, 'value'));
  const frame = Buffer.concat([Buffer.from('xx'), kv, Buffer.from('yy')]);
  ms.add(frame, 2, kv.length, 1);
  frame.fill(0); // the MemStore must not keep a view of the caller's buffer
  const s = ms.scanner(Infinity);
  assert.equal(show(s.seekToFirst()!), 'row/q/5/4/value@1');
  assert.throws(() => ms.add(kv, 0, kv.length - 1, 1), { code: 'TSB_INVALID_ARGUMENT' });
  const bad = Buffer.from(kv);
  bad[bad.length - 6] = 99; // type byte (value is 5 bytes): not a stored type
  assert.throws(() => ms.add(bad, 0, bad.length, 1), { code: 'TSB_INVALID_ARGUMENT' });
  assert.throws(() => ms.add(kv, 0, kv.length, -1), { code: 'TSB_INVALID_ARGUMENT' });
  assert.throws(() => ms.add(kv, 0, kv.length, 1.5), { code: 'TSB_INVALID_ARGUMENT' });
  assert.throws(() => ms.addCell(cell('', 'q', 1n, CellType.Put), 1), { code: 'TSB_INVALID_ARGUMENT' });
  assert.equal(ms.cellCount, 1);
});

test('randomized: the order agrees with compareCells then write number, across snapshot and large values', () => {
  const seed = testSeed();
  const rnd = new SeededRandom(seed);
  const ms = new MemStore({ chunkBytes: 8192 });
  // seg: 1 = active, 0 = snapshot. Same key and seq replaces only within the active segment;
  // the merge returns an active cell before an equal snapshot cell.
  const model: Array<{ c: Cell; seq: number; seg: number }> = [];
  const alphabet = [0x00, 0x01, 0x61, 0x62, 0x7f, 0x80, 0xff];
  const bytes = (max: number): Buffer => Buffer.from(Array.from({ length: rnd.int(max + 1) }, () => alphabet[rnd.int(alphabet.length)]!));
  const types = [CellType.Put, CellType.Delete, CellType.DeleteColumn, CellType.DeleteFamily, CellType.DeleteFamilyVersion];
  for (let i = 0; i < 3000; i++) {
    if (i === 1500) {
      ms.snapshot();
      for (const m of model) m.seg = 0;
    }
    let row = bytes(rnd.int(3) === 0 ? 80 : 4); // some rows longer than the JS compare loop
    if (row.length === 0) row = Buffer.from([0x61]);
    const c: Cell = {
      row,
      family: rnd.int(8) === 0 ? b('g') : b('f'),
      qualifier: bytes(3),
      timestamp: rnd.int(4) === 0 ? BigInt(rnd.int(3)) * 2n ** 60n + BigInt(rnd.int(3)) : BigInt(rnd.int(4)),
      type: types[rnd.int(types.length)]!,
      value: rnd.int(50) === 0 ? Buffer.alloc(3000, 1) : bytes(5),
    };
    const seq = 1 + rnd.int(5);
    const dup = model.findIndex((m) => m.seg === 1 && m.seq === seq && compareCells(m.c, c) === 0);
    if (dup >= 0) model.splice(dup, 1);
    ms.addCell(c, seq);
    model.push({ c, seq, seg: 1 });
  }
  model.sort((x, y) => compareCells(x.c, y.c) || y.seq - x.seq || y.seg - x.seg);
  assert.equal(ms.cellCount, model.length, `seed=${seed}`);
  const s = ms.scanner(Infinity);
  s.seekToFirst();
  const got: Array<{ c: Cell; seq: number }> = [];
  for (let m = s.next(); m !== undefined; m = s.next()) got.push({ c: m.toCell(), seq: m.seq });
  assert.equal(got.length, model.length, `seed=${seed}`);
  for (let i = 0; i < got.length; i++) {
    assert.equal(compareCells(got[i]!.c, model[i]!.c), 0, `seed=${seed} i=${i}`);
    assert.equal(got[i]!.seq, model[i]!.seq, `seed=${seed} i=${i}`);
    assert.deepEqual(got[i]!.c.value, model[i]!.c.value, `seed=${seed} i=${i}`);
  }
  // A scan at read point 2 is the model filtered.
  const s2 = ms.scanner(2);
  s2.seekToFirst();
  let n = 0;
  for (let m = s2.next(); m !== undefined; m = s2.next()) {
    assert.ok(m.seq <= 2);
    n++;
  }
  assert.equal(n, model.filter((m) => m.seq <= 2).length, `seed=${seed}`);
});

test('addRow: the cells of one mutation in one step read back as addCell of each; the KeyValues it wrote are handed out in order', () => {
  const seed = testSeed();
  const rnd = new SeededRandom(seed);
  const byRow = new MemStore({ chunkBytes: 4096 }); // small chunks: some rows straddle two
  const byCell = new MemStore({ chunkBytes: 4096 });
  for (let i = 0; i < 400; i++) {
    const row = `row${rnd.int(60)}`;
    const n = 1 + rnd.int(12);
    // Columns in random order, sometimes one twice (the later one wins), versions and markers.
    const cells = Array.from({ length: n }, () => cell(row, `q${rnd.int(15)}`, BigInt(1 + rnd.int(3)), rnd.int(8) === 0 ? CellType.DeleteColumn : CellType.Put, `v${i}-${rnd.int(1000)}`));
    const encoded = new EncodedCells();
    byRow.addRow(cells, 0, cells.length, i + 1, encoded);
    for (const c of cells) byCell.addCell(c, i + 1);
    assert.equal(encoded.count, cells.length);
    const bytes = Buffer.alloc(encoded.bytes);
    assert.equal(encoded.copyTo(bytes, 0), bytes.length);
    assert.deepEqual(bytes, Buffer.concat(cells.map(encodeKeyValue)), `seed=${seed} i=${i}`);
  }
  assert.deepEqual(scanAll(byRow), scanAll(byCell), `seed=${seed}`);
  assert.deepEqual(byRow.activeSize(), byCell.activeSize());
});

test('addKeyValues: a block of one mutation\'s KeyValues reads back as addCell of each (LATEST_TIMESTAMP as the given time), and is handed to the WAL as one range', () => {
  const seed = testSeed();
  const rnd = new SeededRandom(seed);
  const byBlock = new MemStore({ chunkBytes: 4096 }); // small chunks: some blocks need a new one
  const byCell = new MemStore({ chunkBytes: 4096 });
  const time = 2 ** 40 + 12345; // above 2^32: both halves of the timestamp are written
  for (let i = 0; i < 400; i++) {
    const row = `row${rnd.int(60)}`;
    const n = 1 + rnd.int(12);
    // Columns in random order (addRun refuses those: one insert per cell), sometimes one twice;
    // some cells leave the time to the server, and some have timestamps whose bytes differ
    // from LATEST_TIMESTAMP's (7f ff ff ff ff ff ff ff) in the last byte only, or in bytes 1-3
    // only: those are kept as sent.
    const near = [LATEST_TIMESTAMP - 1n, 0x7f000000ffffffffn];
    const ts = () => {
      const r = rnd.int(5);
      return r === 0 ? LATEST_TIMESTAMP : r <= 2 ? near[r - 1]! : BigInt(1 + rnd.int(3));
    };
    const cells = Array.from({ length: n }, () => cell(row, `q${rnd.int(15)}`, ts(), CellType.Put, `v${i}-${'x'.repeat(rnd.int(300))}`));
    const block = Buffer.concat([Buffer.from('junk'), ...cells.map(encodeKeyValue), Buffer.from('more')]);
    const sent = Buffer.from(block);
    const encoded = new EncodedCells();
    byBlock.addKeyValues(block, 4, block.length - 4, n, i + 1, time, encoded);
    const stored = cells.map((c) => (c.timestamp === LATEST_TIMESTAMP ? { ...c, timestamp: BigInt(time) } : c));
    for (const c of stored) byCell.addCell(c, i + 1);
    assert.deepEqual(block, sent, 'the source is not changed');
    assert.equal(encoded.count, n);
    assert.equal(encoded.bufs.length, 1, 'one range');
    const bytes = Buffer.alloc(encoded.bytes);
    encoded.copyTo(bytes, 0);
    assert.deepEqual(bytes, Buffer.concat(stored.map(encodeKeyValue)), `seed=${seed} i=${i}`);
    block.fill(0); // the MemStore holds copies
  }
  assert.deepEqual(scanAll(byBlock), scanAll(byCell), `seed=${seed}`);
  assert.deepEqual(byBlock.activeSize(), byCell.activeSize());
});

test('addRow refuses cells of two rows or an invalid cell, and adds nothing', () => {
  const ms = new MemStore();
  ms.addCell(cell('a', 'q', 1n, CellType.Put, 'x'), 1);
  const before = ms.activeSize();
  assert.throws(() => ms.addRow([cell('a', 'q1', 1n, CellType.Put), cell('b', 'q2', 1n, CellType.Put)], 0, 2, 2), (e: unknown) => errorCode(e) === ErrorCodes.INVALID_ARGUMENT);
  assert.throws(() => ms.addRow([cell('a', 'q1', 1n, CellType.Put), { ...cell('a', 'q2', 1n, CellType.Put), timestamp: -1n }], 0, 2, 2), (e: unknown) => errorCode(e) === ErrorCodes.INVALID_ARGUMENT);
  assert.deepEqual(ms.activeSize(), before);
  assert.deepEqual(scanAll(ms), ['a/q/1/4/x@1']);
});
