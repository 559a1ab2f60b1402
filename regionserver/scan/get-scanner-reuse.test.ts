// Plain gets (one version, no filter, time range, column list or raw mode) reuse a store's
// scanner objects between reads (open-store-scanner.ts). These tests check that nothing of one
// get leaks into the next: the TTL cut moves with each get's time, delete markers of one row do
// not hide another's cells, a get waiting for I/O keeps its scanner while other gets run, and
// gets of other shapes are unaffected.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Get } from '../../common/ops/operations.js';
import { CellType } from '../../common/cells/keyvalue-format.js';
import { regionGet } from './region-scanner.js';
import { buildStore, context, MapBlockCache, marker, put, show } from './scan-test-util.js';

async function get(ctx: Parameters<typeof regionGet>[0], g: Get): Promise<string> {
  return show([await regionGet(ctx, g)]).join(' ');
}

test('a reused get scanner applies each get its own TTL cut', async () => {
  const store = await buildStore({
    family: 'f',
    options: { ttlMs: 10_000 },
    mem: [{ cell: put('a', 'f', 'q', 5_000, 'mem'), seq: 1 }],
    files: [{ cells: [put('b', 'f', 'q', 20_000, 'file')] }],
  });
  const row = (r: string): Get => ({ row: Buffer.from(r) });
  // Alternate times so the same idle scanner serves both: a stale cut would show the
  // expired cell or hide the live one.
  for (let i = 0; i < 3; i++) {
    assert.equal(await get(context([store], { nowMs: 14_000 }), row('a')), 'a/f:q@5000=mem');
    assert.equal(await get(context([store], { nowMs: 16_000 }), row('a')), '');
    assert.equal(await get(context([store], { nowMs: 29_000 }), row('b')), 'b/f:q@20000=file');
    assert.equal(await get(context([store], { nowMs: 31_000 }), row('b')), '');
  }
});

test("one row's delete markers do not hide another row's cells in the next get", async () => {
  const store = await buildStore({
    family: 'f',
    mem: [
      { cell: put('a', 'f', 'q', 10, 'a10'), seq: 1 },
      { cell: marker('a', 'f', 'q', 20, CellType.DeleteColumn), seq: 2 },
      { cell: put('b', 'f', 'q', 10, 'b10'), seq: 3 },
      { cell: marker('c', 'f', '', 20, CellType.DeleteFamily), seq: 4 },
    ],
    files: [{ cells: [put('c', 'f', 'q', 10, 'c10'), put('d', 'f', 'q', 10, 'd10')] }],
  });
  const ctx = context([store]);
  for (let i = 0; i < 3; i++) {
    assert.equal(await get(ctx, { row: Buffer.from('a') }), '');
    assert.equal(await get(ctx, { row: Buffer.from('b') }), 'b/f:q@10=b10');
    assert.equal(await get(ctx, { row: Buffer.from('c') }), '');
    assert.equal(await get(ctx, { row: Buffer.from('d') }), 'd/f:q@10=d10');
  }
});

test('gets waiting for I/O keep their scanners while other gets run; other get shapes are unaffected', async () => {
  const cells = [];
  for (let i = 0; i < 200; i++) for (const q of ['x', 'y']) cells.push(put(`r${String(i).padStart(3, '0')}`, 'f', q, 10 + (i % 3), `v${i}${q}`));
  const cold = await buildStore({ family: 'f', files: [{ cells, blockSize: 256 }] });
  const warmCache = new MapBlockCache();
  const warm = await buildStore({ family: 'f', files: [{ cells, blockSize: 256 }] }, warmCache);
  const ctxCold = context([cold]);
  const ctxWarm = context([warm]);
  const rows = Array.from({ length: 40 }, (_, i) => Buffer.from(`r${String((i * 37) % 200).padStart(3, '0')}`));
  const want: string[] = [];
  for (const row of rows) want.push(await get(ctxWarm, { row }));
  assert.ok(want.every((w) => w !== ''));
  // Uncached: every get needs a block, so they overlap; each must answer its own row. The
  // first get leaves an idle scanner behind, which exactly one of the overlapping gets takes.
  assert.equal(await get(ctxCold, { row: rows[0]! }), want[0]);
  const pending = rows.map((row) => regionGet(ctxCold, { row }));
  assert.ok(pending.some((p) => p instanceof Promise), 'uncached gets wait for I/O');
  const got = (await Promise.all(pending)).map((r) => show([r]).join(' '));
  assert.deepEqual(got, want);
  // Interleaved with gets of other shapes (columns, versions, time range) on the same store.
  for (const row of rows.slice(0, 10)) {
    assert.equal(await get(ctxCold, { row, columns: [{ family: Buffer.from('f'), qualifier: Buffer.from('y') }] }), want[rows.indexOf(row)]!.split(' ')[1]);
    assert.equal(await get(ctxCold, { row }), want[rows.indexOf(row)]);
    assert.equal(await get(ctxCold, { row, maxVersions: 3, timeRange: { min: 0n, max: 11n } }), want[rows.indexOf(row)]!.includes('@10=') ? want[rows.indexOf(row)] : '');
  }
});
