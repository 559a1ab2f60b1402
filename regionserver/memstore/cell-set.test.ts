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

/** A cell's identity in a set: its key and write number (the set hands out new MemCells). */
function cellId(m: MemCell): string {
  return `${m.key().toString('hex')}/${m.seq}`;
}

/** Index in `cells` of the cell with m's key and write number, or -1. */
function indexIn(cells: readonly MemCell[], m: MemCell): number {
  return cells.findIndex((c) => compareMemCells(c, m) === 0);
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

test('addRun: the cells of one row in one step, same set as adding them one by one; refused runs change nothing', () => {
  const seed = testSeed();
  const rnd = new SeededRandom(seed);
  const runs = new CellSet();
  const single = new CellSet();
  let refused = 0;
  let seq = 1;
  // Random rows (some again later, with new or the same write number), runs of 1–40 columns in
  // shuffled order, 20 rows sharing a 12-byte prefix, a few sequential rows (appends), and runs
  // longer than half a leaf (always refused).
  for (let i = 0; i < 3000; i++) {
    const kind = rnd.int(10);
    const row = kind === 0 ? `user00000000000${rnd.int(20)}` : kind === 1 ? `zz${String(i).padStart(6, '0')}` : `r${rnd.int(2000)}`;
    const n = rnd.int(50) === 0 ? 129 + rnd.int(20) : 1 + rnd.int(40);
    const s = rnd.int(4) === 0 ? Math.max(1, seq - 1) : seq++;
    const quals = Array.from({ length: n }, (_, q) => `q${String(q * 3 + rnd.int(3)).padStart(3, '0')}`);
    if (rnd.int(3) === 0) quals.sort(() => rnd.next() - 0.5); // out of order: refused
    const cells = quals.map((q) => memCell(row, q, s, `${i}`));
    // The whole set before the call, on every 50th (a walk makes a MemCell per cell).
    const before = i % 50 === 0 ? all(runs) : undefined;
    const sizeBefore = runs.size;
    if (runs.addRun(cells)) {
      for (const c of cells) assert.equal(single.add(c), undefined, `seed=${seed} i=${i}: a run replaced a cell`);
    } else {
      refused++;
      assert.equal(runs.size, sizeBefore, `seed=${seed} i=${i}`);
      if (before !== undefined) assert.deepEqual(all(runs), before, `seed=${seed} i=${i}: a refused run changed the set`);
      for (const c of cells) {
        runs.add(c);
        single.add(c);
      }
    }
  }
  assert.ok(refused > 0 && refused < 2500, `seed=${seed} refused=${refused}`);
  assert.equal(runs.size, single.size);
  assert.ok(runs.leafSizes().every((s) => s > 0 && s <= 256), `seed=${seed}`);
  const a = all(runs);
  const b = all(single);
  assert.equal(a.length, b.length);
  for (let i = 0; i < a.length; i++) assert.equal(compareMemCells(a[i]!, b[i]!), 0, `seed=${seed} i=${i}`);
  for (let i = 1; i < a.length; i++) assert.ok(compareMemCells(a[i - 1]!, a[i]!) < 0, `seed=${seed} i=${i}`);
});

test('addRun: a cursor walking the set while runs land sees every cell it started with, in order, once', () => {
  const set = new CellSet();
  for (let r = 0; r < 400; r++) set.addRun(['a', 'c', 'e'].map((q) => memCell(`r${String(r * 2).padStart(4, '0')}`, q, 1)));
  const start = all(set);
  const cursor = new CellSetCursor(set);
  const seen: MemCell[] = [];
  let i = 0;
  for (let m = cursor.seekToFirst(); m !== undefined; m = cursor.next()) {
    seen.push(m);
    // Runs before, at and after the cursor's row: new rows between, and columns between.
    if (i++ % 7 === 0) set.addRun(['b', 'd'].map((q) => memCell(`r${String(i % 800).padStart(4, '0')}`, q, 2)));
  }
  const startSet = new Set(start.map(cellId));
  const kept = seen.filter((m) => startSet.has(cellId(m)));
  assert.deepEqual(kept, start);
  for (let j = 1; j < seen.length; j++) assert.ok(compareMemCells(seen[j - 1]!, seen[j]!) < 0);
});

test('removeAt keeps order, sizes and searches right; emptied leaves go; lastInserted follows inserts', () => {
  const seed = testSeed();
  const rnd = new SeededRandom(seed);
  const set = new CellSet();
  const model: MemCell[] = [];
  const pos = { leaf: 0, index: 0 };
  for (let i = 0; i < 3000; i++) {
    const c = memCell(`r${String(rnd.int(1e5)).padStart(5, '0')}`, `q${i}`, 1);
    set.add(c);
    // The last insert's position holds it (splits included).
    assert.ok(set.lastInserted(pos), `seed=${seed} i=${i}`);
    assert.deepEqual(set.at(pos.leaf, pos.index), c, `seed=${seed} i=${i}`);
    model.push(c);
  }
  model.sort(compareMemCells);
  // Remove random cells, whole leaves among them.
  while (set.size > 100) {
    const sizes = set.leafSizes();
    const leaf = rnd.int(sizes.length);
    const index = rnd.int(sizes[leaf]!);
    const removed = set.at(leaf, index)!;
    set.removeAt(leaf, index);
    model.splice(indexIn(model, removed), 1);
  }
  assert.ok(set.leafSizes().every((s) => s > 0), `seed=${seed}`);
  assert.deepEqual(all(set), model);
  // Every remaining cell is found by a search (the leaves' first-cell prefixes were kept).
  const c = new CellSetCursor(set);
  for (const m of model) assert.deepEqual(c.seek(m), m, `seed=${seed}`);
  // Down to empty and back.
  while (set.size > 0) set.removeAt(0, 0);
  assert.deepEqual(set.leafSizes(), [0]);
  const x = memCell('x', 'q', 1);
  set.add(x);
  assert.deepEqual(all(set), [x]);
});

test('a cursor whose current cell is removed steps to its successor', () => {
  const set = new CellSet();
  const cells = ['a', 'b', 'c', 'd'].map((r) => memCell(r, 'q', 1));
  for (const m of cells) set.add(m);
  const c = new CellSetCursor(set);
  assert.deepEqual(c.seekToFirst(), cells[0]);
  assert.deepEqual(c.next(), cells[1]);
  set.removeAt(0, 1); // b, the cursor's current cell
  assert.deepEqual(c.next(), cells[2]);
  assert.deepEqual(c.next(), cells[3]);
  assert.equal(c.next(), undefined);
});

test('inserts, replacements and removals interleaved in the same leaves keep the set equal to a sorted model', () => {
  // Leaves keep cells in insertion slots with the order as slot numbers: removals move a slot,
  // inserts reuse the end, splits renumber. A model (sorted array) checks every step's effect.
  const seed = testSeed();
  const rnd = new SeededRandom(seed);
  const set = new CellSet();
  const model: MemCell[] = [];
  for (let step = 0; step < 6000; step++) {
    const op = rnd.int(10);
    if (op < 6 || model.length === 0) {
      // New cell (rows from a small range, so removals and inserts meet in the same leaves).
      const c = memCell(`r${String(rnd.int(2000)).padStart(4, '0')}`, `q${step}`, 1, `v${step}`);
      assert.equal(set.add(c), undefined);
      model.push(c);
      model.sort(compareMemCells);
    } else if (op < 8) {
      // Same key and write number: replaced in place.
      const old = model[rnd.int(model.length)]!;
      const cell = old.toCell();
      const c = memCell(cell.row, cell.qualifier.toString(), 1, `new${step}`);
      assert.deepEqual(set.add(c), old, `seed=${seed} step=${step}`);
      model[model.indexOf(old)] = c;
    } else {
      const sizes = set.leafSizes();
      const leaf = rnd.int(sizes.length);
      const index = rnd.int(sizes[leaf]!);
      const removed = set.at(leaf, index)!;
      set.removeAt(leaf, index);
      const at = indexIn(model, removed);
      assert.ok(at >= 0, `seed=${seed} step=${step}: removed a cell not in the model`);
      model.splice(at, 1);
    }
    if (step % 500 === 499) {
      assert.equal(set.size, model.length);
      assert.deepEqual(all(set), model, `seed=${seed} step=${step}`);
    }
  }
  assert.ok(set.leafSizes().length > 3, 'the test should span several leaves');
  const c = new CellSetCursor(set);
  for (const m of model) assert.deepEqual(c.seek(m), m, `seed=${seed}`);
  assert.deepEqual(set.first(), model[0]);
  assert.deepEqual(set.last(), model[model.length - 1]);
});

test('a leaf split by addRun keeps room for every cell of both halves, up to the next split', () => {
  // One leaf of 200 rows (its arrays sized for 256 cells); a 60-cell run inside it does not fit,
  // so the leaf splits and the run lands in the lower half; then the lower half fills to 257
  // cells, which splits it again. Every cell must stay in order and be found by a search.
  const set = new CellSet();
  const model: MemCell[] = [];
  const put = (c: MemCell): void => {
    set.add(c);
    model.push(c);
  };
  for (let r = 0; r < 200; r++) put(memCell(`r${String(r * 4).padStart(4, '0')}`, 'q', 1));
  const run = Array.from({ length: 60 }, (_, q) => memCell('r0010', `q${String(q).padStart(3, '0')}`, 2));
  assert.ok(set.addRun(run));
  model.push(...run);
  assert.equal(set.leafSizes().length, 2);
  for (let q = 0; q < 100; q++) put(memCell('r0001', `q${String(q).padStart(3, '0')}`, 3));
  model.sort(compareMemCells);
  assert.equal(set.size, model.length);
  assert.deepEqual(all(set), model);
  const c = new CellSetCursor(set);
  for (const m of model) assert.deepEqual(c.seek(m), m);
});

test('searches within runs of rows sharing a 12-byte prefix find the model lower bound, and equal cells are replaced', () => {
  // The prefix arrays cannot order these rows: a search ends with full compares inside the
  // run of equal prefixes (several rows, several columns each).
  const seed = testSeed();
  const rnd = new SeededRandom(seed);
  const set = new CellSet();
  const model: MemCell[] = [];
  const row = (i: number): string => `user00000000${'x'.repeat(i % 3)}${String(i).padStart(2, '0')}`;
  const cells: MemCell[] = [];
  for (let r = 0; r < 60; r++) for (let q = 0; q < 12; q += 2) cells.push(memCell(row(r), `q${String(q).padStart(2, '0')}`, 1 + (r % 2)));
  for (const c of [...cells].sort(() => rnd.next() - 0.5)) {
    assert.equal(set.add(c), undefined);
    model.push(c);
  }
  model.sort(compareMemCells);
  assert.ok(set.leafSizes().length > 1, 'the test should span several leaves');
  assert.deepEqual(all(set), model, `seed=${seed}`);
  // Random probes: cells of the set, and keys between them (odd qualifiers, rows not present,
  // write numbers 0 and 3 around the cells' 1 and 2).
  const cursor = new CellSetCursor(set);
  for (let i = 0; i < 2000; i++) {
    const probe = memCell(row(rnd.int(70)), `q${String(rnd.int(13)).padStart(2, '0')}`, rnd.int(4));
    const expected = model.find((m) => compareMemCells(m, probe) >= 0);
    assert.deepEqual(cursor.seek(probe), expected, `seed=${seed} probe ${cellId(probe)}`);
  }
  for (let i = 0; i < 200; i++) {
    const old = model[rnd.int(model.length)]!;
    const cell = old.toCell();
    const c = memCell(cell.row, cell.qualifier.toString(), old.seq, `v${i}`);
    assert.deepEqual(set.add(c), old, `seed=${seed}: ${cellId(old)} was not replaced`);
    model[model.indexOf(old)] = c;
  }
  assert.deepEqual(all(set), model, `seed=${seed}`);
});
