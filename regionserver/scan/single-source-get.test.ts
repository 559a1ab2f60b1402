// The single-source point get (single-source-get.ts) answers exactly what the general get path
// answers: random rows with several columns and versions, delete markers (where the fast path
// must give up), both block encodings, blocks cold (I/O: it gives up) and warm; rows held by the
// MemStore only (versions, rewrites of one key, MVCC read points), by one of several files, or
// by several sources (where it must give up); and requests outside its case (which must not
// take it).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Cell } from '../../common/cells/keyvalue.js';
import { CellType } from '../../common/cells/keyvalue-format.js';
import type { HFileReader } from '../hfile/hfile-reader.js';
import type { Get, Result } from '../../common/ops/operations.js';
import { SeededRandom } from '../../common/random.js';
import { RegionScanner, regionGet } from './region-scanner.js';
import { RowBuffer } from './row-buffer.js';
import { buildStore, context, MapBlockCache, marker, put, scanAll, show } from './scan-test-util.js';
import { END } from '../hfile/hfile-scanner.js';
import { fastGetStore, memStoreRowGet, singleFileGet, trySingleSourceGet } from './single-source-get.js';
import { FOUND, NEEDS_IO } from '../hfile/hfile-scanner.js';

/** The general path's answer (the region scanner, never the fast path). */
async function generalGet(ctx: ReturnType<typeof context>, get: Get): Promise<Result> {
  const sc = RegionScanner.openGet(ctx, get);
  const out = new RowBuffer(256, 16);
  const st = sc.nextRow(out);
  const found = st === NEEDS_IO ? await sc.nextRowAsync(out) : st === FOUND;
  sc.close();
  return found ? out.toResult() : { row: get.row, cells: [] };
}

/**
 * Checks `row`: the fast reader (`read`, which fills `out` or gives up with undefined) and
 * regionGet both answer as the general path. True if the fast reader answered.
 */
async function checkRow(ctx: ReturnType<typeof context>, row: Buffer, read: (out: RowBuffer) => typeof FOUND | typeof END | undefined, what: string): Promise<boolean> {
  const get: Get = { row };
  const expected = show([await generalGet(ctx, get)]);
  const out = new RowBuffer(64, 4);
  const st = read(out);
  if (st !== undefined) assert.deepEqual(show([st === FOUND ? out.toResult() : { row, cells: [] }]), expected, what);
  // Through the region-level entry point (fast path or fallback), always the same answer.
  let got = regionGet(ctx, get);
  if (got instanceof Promise) got = await got;
  assert.deepEqual(show([got]), expected, `${what} (regionGet)`);
  return st !== undefined;
}

function randomCells(rnd: SeededRandom, rows: number, withMarkers: boolean): Cell[] {
  const cells: Cell[] = [];
  for (let r = 0; r < rows; r++) {
    const row = `row${String(r * 7).padStart(5, '0')}`;
    const cols = 1 + Math.floor(rnd.next() * 4);
    for (let c = 0; c < cols; c++) {
      const versions = 1 + Math.floor(rnd.next() * 3);
      for (let v = 0; v < versions; v++) cells.push(put(row, 'f', `q${c}${rnd.next() < 0.3 ? 'x' : ''}`, 100 + v * 10 + Math.floor(rnd.next() * 5)));
      if (withMarkers && rnd.next() < 0.1) cells.push(marker(row, 'f', `q${c}`, 115, CellType.DeleteColumn));
    }
    if (withMarkers && rnd.next() < 0.05) cells.push(marker(row, 'f', '', 200, CellType.DeleteFamily));
  }
  return cells;
}

test('single-file gets answer as the general path does (random rows, versions, markers, both encodings, cold and warm blocks)', async () => {
  for (const encoding of ['NONE', 'PREFIX'] as const) {
    for (const withMarkers of [false, true]) {
      const rnd = new SeededRandom(encoding === 'NONE' ? (withMarkers ? 3 : 1) : withMarkers ? 4 : 2);
      const cache = new MapBlockCache();
      const store = await buildStore({ family: 'f', files: [{ cells: randomCells(rnd, 300, withMarkers), encoding, blockSize: 512 }] }, cache);
      const ctx = context([store]);
      const file = store.files[0] as HFileReader;
      let fast = 0;
      let gaveUp = 0;
      for (let pass = 0; pass < 2; pass++) {
        for (let r = -1; r < 300 * 7 + 3; r += 1 + Math.floor(rnd.next() * 5)) {
          const row = Buffer.from(`row${String(Math.max(0, r)).padStart(5, '0')}`);
          if (await checkRow(ctx, row, (out) => singleFileGet(file, row, out), `row ${row.toString()} (${encoding})`)) fast++;
          else gaveUp++;
        }
        // Warm every block for the second pass.
        await scanAll(ctx, {});
      }
      assert.ok(fast > 100, `the fast path answered (${fast} times)`);
      if (withMarkers) assert.ok(gaveUp > 0, 'it gave up on rows with markers');
    }
  }
});

test('requests outside its case, and rows that two sources may hold, do not take the fast path', async () => {
  const cells = [put('a', 'f', 'q', 100), put('a', 'f', 'q', 90)];
  const one = context([await buildStore({ family: 'f', files: [{ cells }] })]);
  assert.ok(fastGetStore(one, { row: Buffer.from('a') }));
  assert.ok(fastGetStore(one, { row: Buffer.from('a'), columns: [{ family: Buffer.from('f') }] }));
  for (const get of [
    { row: Buffer.from('a'), maxVersions: 2 },
    { row: Buffer.from('a'), timeRange: { min: 0n, max: 95n } },
    { row: Buffer.from('a'), raw: true },
    { row: Buffer.from('a'), existenceOnly: true },
    { row: Buffer.from('a'), filter: { type: 'KeyOnlyFilter' } },
    { row: Buffer.from('a'), columns: [{ family: Buffer.from('f'), qualifier: Buffer.from('q') }] },
  ] as Get[]) {
    assert.equal(fastGetStore(one, get), undefined, JSON.stringify(Object.keys(get)));
    assert.equal(trySingleSourceGet(one, get, new RowBuffer()), undefined, JSON.stringify(Object.keys(get)));
  }
  const ttl = context([await buildStore({ family: 'f', options: { ttlMs: 1000 }, files: [{ cells }] })]);
  assert.equal(fastGetStore(ttl, { row: Buffer.from('a') }), undefined, 'a family with a TTL');
  const fams = context([await buildStore({ family: 'f', files: [{ cells }] }), await buildStore({ family: 'g', files: [{ cells: [put('a', 'g', 'q', 1)] }] })]);
  assert.equal(fastGetStore(fams, { row: Buffer.from('a') }), undefined, 'two families');

  const get = (ctx: ReturnType<typeof context>, row: string): ReturnType<typeof trySingleSourceGet> => trySingleSourceGet(ctx, { row: Buffer.from(row) }, new RowBuffer());
  const cache = new MapBlockCache();
  const two = context([await buildStore({ family: 'f', files: [{ cells }, { cells: [put('a', 'f', 'q', 95), put('b', 'f', 'q', 1)] }] }, cache)]);
  await scanAll(two, {}); // blocks in memory: the fast path does no I/O
  assert.equal(get(two, 'a'), undefined, 'a row in two files');
  assert.equal(get(two, 'b'), FOUND, 'a row in one of two files (the other excluded by key range)');
  const mem = context([await buildStore({ family: 'f', mem: [{ cell: put('a', 'f', 'q', 95), seq: 5 }, { cell: put('c', 'f', 'q', 1), seq: 6 }], files: [{ cells }] }, cache)]);
  await scanAll(mem, {});
  assert.equal(get(mem, 'a'), undefined, 'a row in the MemStore and in a file');
  assert.equal(get(mem, 'c'), FOUND, 'a row in the MemStore only (the file excluded by key range)');
  assert.equal(get(mem, 'bb'), END, 'a row in no source');
  const half = context([await buildStore({ family: 'f', files: [{ cells, half: { half: 'top', splitRow: Buffer.from('a') } }] })]);
  assert.equal(get(half, 'a'), undefined, 'a reference half');
});

/**
 * Cells of one random row: several columns (sometimes the empty qualifier, where family markers
 * live), 1–3 versions or, for one column in five, 5–40 (beyond the fast path's skip steps),
 * and markers when asked (column, version and family markers at random timestamps).
 */
function rowCells(rnd: SeededRandom, row: string, withMarkers: boolean): Cell[] {
  const cells: Cell[] = [];
  const cols = 1 + Math.floor(rnd.next() * 4);
  const quals = Array.from({ length: cols }, (_, c) => (c === 0 && rnd.next() < 0.2 ? '' : `q${c}`));
  for (const q of quals) {
    const versions = rnd.next() < 0.2 ? 5 + Math.floor(rnd.next() * 36) : 1 + Math.floor(rnd.next() * 3);
    // Timestamps from a small range, so that one key is often written twice (two writes of the
    // same key: the MemStore keeps both, the newer write first).
    for (let v = 0; v < versions; v++) cells.push(put(row, 'f', q, 100 + Math.floor(rnd.next() * (versions + 3)), `${row}-${q}-${Math.floor(rnd.next() * 1e6)}`));
    if (withMarkers && rnd.next() < 0.1) cells.push(marker(row, 'f', q, 100 + Math.floor(rnd.next() * versions), CellType.DeleteColumn));
    if (withMarkers && rnd.next() < 0.1) cells.push(marker(row, 'f', q, 100 + Math.floor(rnd.next() * versions), CellType.Delete));
  }
  if (withMarkers && rnd.next() < 0.05) cells.push(marker(row, 'f', '', 100 + Math.floor(rnd.next() * 20), CellType.DeleteFamily));
  return cells;
}

test('MemStore-only rows: the fast get answers as the general path at every read point (versions, rewrites of one key, markers; with and without a snapshot)', async () => {
  for (const [withMarkers, withSnapshot] of [[false, false], [true, false], [false, true], [true, true]] as const) {
    const rnd = new SeededRandom(withMarkers ? 12 : 11);
    const mem: { cell: Cell; seq: number }[] = [];
    const rows: string[] = [];
    for (let r = 0; r < 200; r++) {
      const row = `row${String(r * 3).padStart(5, '0')}`;
      rows.push(row);
      for (const cell of rowCells(rnd, row, withMarkers)) mem.push({ cell, seq: 1 + Math.floor(rnd.next() * 50) });
    }
    // With a snapshot, the cells go in in random order and the first half is set aside: most
    // rows have cells in both, which the MemStore's scanner merges. Both paths read the same
    // MemStore, so the order changes no verdict.
    if (withSnapshot) {
      for (let i = mem.length - 1; i > 0; i--) {
        const j = Math.floor(rnd.next() * (i + 1));
        [mem[i], mem[j]] = [mem[j]!, mem[i]!];
      }
    }
    const store = await buildStore({ family: 'f', mem, snapshotAfter: withSnapshot ? mem.length >>> 1 : undefined });
    assert.equal(store.memstore.currentSnapshot() !== undefined, withSnapshot);
    let fast = 0;
    let gaveUp = 0;
    for (const readPoint of [0, 10, 25, 50]) {
      const ctx = context([store], { readPoint });
      for (let r = -1; r < 200 * 3 + 2; r++) {
        const row = Buffer.from(`row${String(Math.max(0, r)).padStart(5, '0')}`);
        if (await checkRow(ctx, row, (out) => memStoreRowGet(store.memstore, readPoint, row, out), `row ${row.toString()} at read point ${readPoint}`)) fast++;
        else gaveUp++;
      }
    }
    assert.ok(fast > 1000, `the fast path answered (${fast} times)`);
    if (withMarkers) assert.ok(gaveUp > 0, 'it gave up on rows with markers');
  }
});

test('rows spread over the MemStore and several files: one source answers fast, several give up, every answer is the general path\'s', async () => {
  const rnd = new SeededRandom(21);
  const rows = Array.from({ length: 400 }, (_, r) => `row${String(r * 5).padStart(5, '0')}`);
  const mem: { cell: Cell; seq: number }[] = [];
  const files: Cell[][] = [[], [], []];
  let seq = 1;
  // Each row goes to the MemStore, to one file, or (one in five) to two sources.
  for (const row of rows) {
    const homes = new Set([Math.floor(rnd.next() * 4)]);
    if (rnd.next() < 0.2) homes.add(Math.floor(rnd.next() * 4));
    for (const h of homes) {
      const cells = rowCells(rnd, row, false);
      if (h === 3) for (const cell of cells) mem.push({ cell, seq: seq++ });
      else files[h]!.push(...cells);
    }
  }
  const cache = new MapBlockCache();
  const store = await buildStore({ family: 'f', mem, files: files.map((cells) => ({ cells, bloomType: 'ROW' as const, blockSize: 1024 })) }, cache);
  const ctx = context([store]);
  await scanAll(ctx, {}); // every block in memory
  let fast = 0;
  let gaveUp = 0;
  for (let r = -1; r < 400 * 5 + 2; r += 1 + Math.floor(rnd.next() * 3)) {
    const row = Buffer.from(`row${String(Math.max(0, r)).padStart(5, '0')}`);
    if (await checkRow(ctx, row, (out) => trySingleSourceGet(ctx, { row }, out), `row ${row.toString()}`)) fast++;
    else gaveUp++;
  }
  assert.ok(fast > 500, `the fast path answered (${fast} times)`);
  assert.ok(gaveUp > 20, `it gave up on rows of two sources (${gaveUp} times)`);
});

test('a row in one file and in the MemStore is read from the file alone while its MemStore cells are above the read point', async () => {
  // Row r: q1 written at seq 9, q2 at seq 3 (MemStore; q1 sorts first), q3 in a file. Row s: only
  // in the file. At read point 2 the MemStore holds nothing visible of r: one source (FOUND from
  // the file). At 5, q2 is visible behind the invisible q1: two sources (the fast path gives up).
  const mem = [
    { cell: put('r', 'f', 'q1', 100), seq: 9 },
    { cell: put('r', 'f', 'q2', 100), seq: 3 },
    { cell: put('t', 'f', 'q1', 100), seq: 1 },
  ];
  const fileCells = [put('r', 'f', 'q3', 50), put('s', 'f', 'q1', 50)];
  for (const snapshotAfter of [undefined, 1]) {
    const cache = new MapBlockCache();
    const store = await buildStore({ family: 'f', mem, snapshotAfter, files: [{ cells: fileCells }] }, cache);
    await scanAll(context([store]), {}); // every block in memory
    const verdicts: string[] = [];
    for (const readPoint of [2, 5, 9]) {
      const ctx = context([store], { readPoint });
      for (const row of ['r', 's']) {
        const out = new RowBuffer(64, 4);
        const st = trySingleSourceGet(ctx, { row: Buffer.from(row) }, out);
        verdicts.push(`${row}@${readPoint}:${st === undefined ? 'gave up' : st === FOUND ? show([out.toResult()]) : 'END'}`);
        await checkRow(ctx, Buffer.from(row), (o) => trySingleSourceGet(ctx, { row: Buffer.from(row) }, o), `${row} at ${readPoint}, snapshotAfter ${snapshotAfter}`);
      }
    }
    const fromFile = (row: string, q: string): string => show([{ row: Buffer.from(row), cells: [put(row, 'f', q, 50)] }])[0]!;
    assert.deepEqual(verdicts, [`r@2:${fromFile('r', 'q3')}`, `s@2:${fromFile('s', 'q1')}`, 'r@5:gave up', `s@5:${fromFile('s', 'q1')}`, 'r@9:gave up', `s@9:${fromFile('s', 'q1')}`], `snapshotAfter ${snapshotAfter}`);
  }
});

test('a family marker after many versions of the empty qualifier is not skipped over (MemStore and file)', async () => {
  // '' holds Puts at 110..119 and, after them, a DeleteFamily at 105: it deletes q1@100 but
  // not q2@108. Seeking past the '' column after a few versions would miss the marker.
  const cells = [...Array.from({ length: 10 }, (_, i) => put('r', 'f', '', 110 + i)), marker('r', 'f', '', 105, CellType.DeleteFamily), put('r', 'f', 'q1', 100), put('r', 'f', 'q2', 108)];
  const cache = new MapBlockCache();
  for (const store of [await buildStore({ family: 'f', mem: cells.map((cell, i) => ({ cell, seq: i + 1 })) }), await buildStore({ family: 'f', files: [{ cells }] }, cache)]) {
    const ctx = context([store]);
    await scanAll(ctx, {});
    const get: Get = { row: Buffer.from('r') };
    const expected = show([await generalGet(ctx, get)]);
    assert.deepEqual(expected, ['r/f:@119=r--119 r/f:q2@108=r-q2-108']);
    let got = regionGet(ctx, get);
    if (got instanceof Promise) got = await got;
    assert.deepEqual(show([got]), expected);
    assert.equal(trySingleSourceGet(ctx, get, new RowBuffer()), undefined, 'the fast path meets the marker and gives up');
  }
});
