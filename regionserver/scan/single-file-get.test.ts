// The single-file point get (single-file-get.ts) answers exactly what the general get path
// answers: random rows with several columns and versions, delete markers (where the fast path
// must give up), both block encodings, blocks cold (I/O: it gives up) and warm, and requests
// outside its case (which must not take it).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Cell } from '../../common/cells/keyvalue.js';
import { CellType } from '../../common/cells/keyvalue-format.js';
import type { Get, Result } from '../../common/ops/operations.js';
import { SeededRandom } from '../../common/random.js';
import { RegionScanner, regionGet } from './region-scanner.js';
import { RowBuffer } from './row-buffer.js';
import { buildStore, context, MapBlockCache, marker, put, scanAll, show } from './scan-test-util.js';
import { singleFileGet, singleFileOf } from './single-file-get.js';
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
      const file = singleFileOf(ctx, { row: Buffer.from('x') });
      assert.ok(file !== undefined, 'a one-file store with no MemStore cells takes the fast path');
      let fast = 0;
      let gaveUp = 0;
      for (let pass = 0; pass < 2; pass++) {
        for (let r = -1; r < 300 * 7 + 3; r += 1 + Math.floor(rnd.next() * 5)) {
          const row = Buffer.from(`row${String(Math.max(0, r)).padStart(5, '0')}`);
          const get: Get = { row };
          const expected = show([await generalGet(ctx, get)]);
          const out = new RowBuffer(64, 4);
          const st = singleFileGet(file, row, out);
          if (st === undefined) gaveUp++;
          else {
            fast++;
            assert.deepEqual(show([st === FOUND ? out.toResult() : { row, cells: [] }]), expected, `row ${row.toString()} (${encoding})`);
          }
          // Through the region-level entry point (fast path or fallback), always the same answer.
          let got = regionGet(ctx, get);
          if (got instanceof Promise) got = await got;
          assert.deepEqual(show([got]), expected);
        }
        // Warm every block for the second pass.
        await scanAll(ctx, {});
      }
      assert.ok(fast > 100, `the fast path answered (${fast} times)`);
      if (withMarkers) assert.ok(gaveUp > 0, 'it gave up on rows with markers');
    }
  }
});

test('requests outside its case do not take the fast path', async () => {
  const cells = [put('a', 'f', 'q', 100), put('a', 'f', 'q', 90)];
  const one = context([await buildStore({ family: 'f', files: [{ cells }] })]);
  assert.ok(singleFileOf(one, { row: Buffer.from('a') }));
  assert.ok(singleFileOf(one, { row: Buffer.from('a'), columns: [{ family: Buffer.from('f') }] }));
  for (const get of [
    { row: Buffer.from('a'), maxVersions: 2 },
    { row: Buffer.from('a'), timeRange: { min: 0n, max: 95n } },
    { row: Buffer.from('a'), raw: true },
    { row: Buffer.from('a'), existenceOnly: true },
    { row: Buffer.from('a'), filter: { type: 'KeyOnlyFilter' } },
    { row: Buffer.from('a'), columns: [{ family: Buffer.from('f'), qualifier: Buffer.from('q') }] },
  ] as Get[]) {
    assert.equal(singleFileOf(one, get), undefined, JSON.stringify(Object.keys(get)));
  }
  const ttl = context([await buildStore({ family: 'f', options: { ttlMs: 1000 }, files: [{ cells }] })]);
  assert.equal(singleFileOf(ttl, { row: Buffer.from('a') }), undefined, 'a family with a TTL');
  const two = context([await buildStore({ family: 'f', files: [{ cells }, { cells: [put('a', 'f', 'q', 95)] }] })]);
  assert.equal(singleFileOf(two, { row: Buffer.from('a') }), undefined, 'two files');
  const mem = context([await buildStore({ family: 'f', mem: [{ cell: put('a', 'f', 'q', 95), seq: 5 }], files: [{ cells }] })]);
  assert.equal(singleFileOf(mem, { row: Buffer.from('a') }), undefined, 'MemStore cells');
  const half = context([await buildStore({ family: 'f', files: [{ cells, half: { half: 'top', splitRow: Buffer.from('a') } }] })]);
  assert.equal(singleFileOf(half, { row: Buffer.from('a') }), undefined, 'a reference half');
  const fams = context([await buildStore({ family: 'f', files: [{ cells }] }), await buildStore({ family: 'g', files: [{ cells: [put('a', 'g', 'q', 1)] }] })]);
  assert.equal(singleFileOf(fams, { row: Buffer.from('a') }), undefined, 'two families');
});
