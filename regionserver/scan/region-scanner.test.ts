// RegionScanner and regionGet on hand-made cases with the answers HBase gives: versions, every
// delete marker type (equal timestamps too), TTL with MIN_VERSIONS, KEEP_DELETED_CELLS, time
// ranges, column selection, raw scans, MVCC, newest-source-wins merges, limit and batch,
// reversed scans, region bounds and argument errors.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CellType } from '../../common/cells/keyvalue-format.js';
import { ErrorCodes } from '../../common/errors.js';
import type { Get, Result, Scan } from '../../common/ops/operations.js';
import { RegionScanner, regionGet } from './region-scanner.js';
import { RowBuffer } from './row-buffer.js';
import type { StoreSpec } from './scan-test-util.js';
import { buildStore, context, MapBlockCache, marker, put, scanAll, show } from './scan-test-util.js';
import type { RegionReadContext } from './store-read-view.js';

const b = (s: string) => Buffer.from(s);

async function ctxOf(specs: StoreSpec[], opts: Partial<Omit<RegionReadContext, 'stores'>> = {}): Promise<RegionReadContext> {
  const cache = new MapBlockCache();
  return context(await Promise.all(specs.map((s) => buildStore(s, cache))), opts);
}

async function rows(ctx: RegionReadContext, scan: Scan = {}): Promise<string[]> {
  return show((await scanAll(ctx, scan)).results);
}

async function get(ctx: RegionReadContext, g: Get): Promise<string[]> {
  const r: Result = await regionGet(ctx, g);
  return show(r.cells.length === 0 ? [] : [r]);
}

test('versions: min(requested, MAX_VERSIONS) newest first, from MemStore and files', async () => {
  const ctx = await ctxOf([
    {
      family: 'f',
      options: { maxVersions: 3 },
      mem: [{ cell: put('r', 'f', 'q', 5), seq: 1 }],
      files: [{ cells: [put('r', 'f', 'q', 1), put('r', 'f', 'q', 3)] }, { cells: [put('r', 'f', 'q', 2), put('r', 'f', 'q', 4)] }],
    },
  ]);
  assert.deepEqual(await rows(ctx), ['r/f:q@5=r-q-5']);
  assert.deepEqual(await rows(ctx, { maxVersions: 2 }), ['r/f:q@5=r-q-5 r/f:q@4=r-q-4']);
  assert.deepEqual(await rows(ctx, { maxVersions: 10 }), ['r/f:q@5=r-q-5 r/f:q@4=r-q-4 r/f:q@3=r-q-3']);
  assert.deepEqual(await get(ctx, { row: b('r'), maxVersions: 10 }), ['r/f:q@5=r-q-5 r/f:q@4=r-q-4 r/f:q@3=r-q-3']);
});

test('equal keys: the MemStore beats files, a newer write number beats an older, a newer file beats an older', async () => {
  const ctx = await ctxOf([
    {
      family: 'f',
      options: { maxVersions: 5 },
      mem: [
        { cell: put('a', 'f', 'q', 7, 'mem-old'), seq: 3 },
        { cell: put('a', 'f', 'q', 7, 'mem-new'), seq: 9 },
      ],
      files: [{ cells: [put('a', 'f', 'q', 7, 'file1'), put('b', 'f', 'q', 7, 'file1')] }, { cells: [put('b', 'f', 'q', 7, 'file2')] }],
    },
  ]);
  assert.deepEqual(await rows(ctx, { maxVersions: 5 }), ['a/f:q@7=mem-new', 'b/f:q@7=file2']);
  // A read point below write number 9 sees the older MemStore write.
  const older = { ...ctx, readPoint: 5 };
  assert.deepEqual(await rows(older, { maxVersions: 5 }), ['a/f:q@7=mem-old', 'b/f:q@7=file2']);
  const none = { ...ctx, readPoint: 1 };
  assert.deepEqual(await rows(none, { maxVersions: 5 }), ['a/f:q@7=file1', 'b/f:q@7=file2']);
});

test('delete markers: Delete, DeleteColumn, DeleteFamily, DeleteFamilyVersion, at equal timestamps', async () => {
  const cells = [
    put('r', 'f', 'a', 3),
    put('r', 'f', 'a', 5),
    put('r', 'f', 'a', 7),
    marker('r', 'f', 'a', 5, CellType.Delete), // masks a@5 only
    put('r', 'f', 'b', 4),
    put('r', 'f', 'b', 6),
    put('r', 'f', 'b', 8),
    marker('r', 'f', 'b', 6, CellType.DeleteColumn), // masks b@6, b@4
    put('r', 'f', 'c', 2),
    put('r', 'f', 'c', 9),
    put('r', 'f', 'd', 2),
    put('r', 'f', 'd', 3),
  ];
  const ctx = await ctxOf([{ family: 'f', options: { maxVersions: 10 }, files: [{ cells }] }]);
  assert.deepEqual(await rows(ctx, { maxVersions: 10 }), ['r/f:a@7=r-a-7 r/f:a@3=r-a-3 r/f:b@8=r-b-8 r/f:c@9=r-c-9 r/f:c@2=r-c-2 r/f:d@3=r-d-3 r/f:d@2=r-d-2']);
  // DeleteFamily@3 (MemStore) masks every column at <= 3; DeleteFamilyVersion@9 exactly 9.
  const ctx2 = await ctxOf([
    {
      family: 'f',
      options: { maxVersions: 10 },
      files: [{ cells }],
      mem: [
        { cell: marker('r', 'f', '', 3, CellType.DeleteFamily), seq: 1 },
        { cell: marker('r', 'f', '', 9, CellType.DeleteFamilyVersion), seq: 2 },
      ],
    },
  ]);
  assert.deepEqual(await rows(ctx2, { maxVersions: 10 }), ['r/f:a@7=r-a-7 r/f:b@8=r-b-8']);
  assert.deepEqual(await get(ctx2, { row: b('r'), maxVersions: 10 }), ['r/f:a@7=r-a-7 r/f:b@8=r-b-8']);
  // A Put written after a Delete of the same timestamp is still masked (HBase: deletes mask puts).
  const ctx3 = await ctxOf([
    {
      family: 'f',
      mem: [
        { cell: marker('r', 'f', 'q', 5, CellType.Delete), seq: 1 },
        { cell: put('r', 'f', 'q', 5), seq: 2 },
      ],
    },
  ]);
  assert.deepEqual(await rows(ctx3), []);
});

test('a newer Put of the empty qualifier does not hide a DeleteFamily from column seeks and filter hints', async () => {
  // Order in the row: f:""@9 (Put), f:""@5 (DeleteFamily), f:b@4 ... a seek past the empty
  // qualifier after the first Put would skip the marker.
  const cells = [put('r', 'f', '', 9), marker('r', 'f', '', 5, CellType.DeleteFamily), put('r', 'f', 'b', 4), put('r', 'f', 'b', 6)];
  const ctx = await ctxOf([{ family: 'f', options: { maxVersions: 3 }, files: [{ cells }] }]);
  assert.deepEqual(await rows(ctx, { maxVersions: 3 }), ['r/f:@9=r--9 r/f:b@6=r-b-6']);
  assert.deepEqual(await rows(ctx, { columns: [{ family: b('f'), qualifier: b('') }, { family: b('f'), qualifier: b('b') }], maxVersions: 3 }), ['r/f:@9=r--9 r/f:b@6=r-b-6']);
  assert.deepEqual(await rows(ctx, { maxVersions: 3, filter: { type: 'ColumnPrefixFilter', value: b('b').toString('base64') } }), ['r/f:b@6=r-b-6']);
});

test('TTL: expired cells are dropped unless among the newest MIN_VERSIONS', async () => {
  const cells = [put('r', 'f', 'q', 95), put('r', 'f', 'q', 85), put('r', 'f', 'q', 80), put('s', 'f', 'q', 70), put('s', 'f', 'q', 60)];
  const at = async (minVersions: number) => {
    const ctx = await ctxOf([{ family: 'f', options: { maxVersions: 5, minVersions, ttlMs: 10 }, files: [{ cells }] }], { nowMs: 100 });
    return rows(ctx, { maxVersions: 5 });
  };
  assert.deepEqual(await at(0), ['r/f:q@95=r-q-95']);
  assert.deepEqual(await at(1), ['r/f:q@95=r-q-95', 's/f:q@70=s-q-70']);
  assert.deepEqual(await at(2), ['r/f:q@95=r-q-95 r/f:q@85=r-q-85', 's/f:q@70=s-q-70 s/f:q@60=s-q-60']);
  // Explicit columns follow the same rule.
  const ctx = await ctxOf([{ family: 'f', options: { maxVersions: 5, minVersions: 1, ttlMs: 10 }, files: [{ cells }] }], { nowMs: 100 });
  assert.deepEqual(await rows(ctx, { maxVersions: 5, columns: [{ family: b('f'), qualifier: b('q') }] }), ['r/f:q@95=r-q-95', 's/f:q@70=s-q-70']);
});

test('KEEP_DELETED_CELLS: time-range reads before a delete see the deleted cells; raw scans see markers', async () => {
  const cells = [put('r', 'f', 'q', 30), put('r', 'f', 'q', 40), marker('r', 'f', 'q', 50, CellType.DeleteColumn), put('r', 'f', 'q', 60)];
  for (const kdc of ['FALSE', 'TRUE', 'TTL'] as const) {
    const ctx = await ctxOf([{ family: 'f', options: { maxVersions: 5, keepDeletedCells: kdc }, files: [{ cells }] }]);
    assert.deepEqual(await rows(ctx, { maxVersions: 5 }), ['r/f:q@60=r-q-60'], kdc);
    const before = await rows(ctx, { maxVersions: 5, timeRange: { min: 0n, max: 45n } });
    assert.deepEqual(before, kdc === 'FALSE' ? [] : ['r/f:q@40=r-q-40 r/f:q@30=r-q-30'], kdc);
    assert.deepEqual(await rows(ctx, { maxVersions: 5, raw: true }), ['r/f:q@60=r-q-60 r/f:q@50(DeleteColumn)= r/f:q@40=r-q-40 r/f:q@30=r-q-30'], kdc);
  }
});

test('time range [min, max): max is exclusive; versions are counted inside the range', async () => {
  const ctx = await ctxOf([{ family: 'f', options: { maxVersions: 5 }, mem: [1, 2, 3, 4, 5].map((ts, i) => ({ cell: put('r', 'f', 'q', ts), seq: i + 1 })) }]);
  assert.deepEqual(await rows(ctx, { timeRange: { min: 2n, max: 4n } }), ['r/f:q@3=r-q-3']);
  assert.deepEqual(await rows(ctx, { timeRange: { min: 2n, max: 4n }, maxVersions: 5 }), ['r/f:q@3=r-q-3 r/f:q@2=r-q-2']);
  assert.deepEqual(await rows(ctx, { timeRange: { min: 6n, max: 9n } }), []);
});

test('column selection: families, qualifiers, absent qualifiers; several families joined by row', async () => {
  const ctx = await ctxOf([
    { family: 'f', files: [{ cells: [put('r1', 'f', 'a', 1), put('r1', 'f', 'b', 1), put('r2', 'f', 'c', 1)] }] },
    { family: 'g', mem: [{ cell: put('r1', 'g', 'a', 1), seq: 1 }, { cell: put('r3', 'g', 'z', 1), seq: 1 }] },
  ]);
  assert.deepEqual(await rows(ctx), ['r1/f:a@1=r1-a-1 r1/f:b@1=r1-b-1 r1/g:a@1=r1-a-1', 'r2/f:c@1=r2-c-1', 'r3/g:z@1=r3-z-1']);
  assert.deepEqual(await rows(ctx, { columns: [{ family: b('g') }] }), ['r1/g:a@1=r1-a-1', 'r3/g:z@1=r3-z-1']);
  assert.deepEqual(await rows(ctx, { columns: [{ family: b('f'), qualifier: b('b') }, { family: b('f'), qualifier: b('x') }, { family: b('g') }] }), [
    'r1/f:b@1=r1-b-1 r1/g:a@1=r1-a-1',
    'r3/g:z@1=r3-z-1',
  ]);
  assert.deepEqual(await get(ctx, { row: b('r1'), columns: [{ family: b('f'), qualifier: b('a') }, { family: b('g'), qualifier: b('a') }] }), ['r1/f:a@1=r1-a-1 r1/g:a@1=r1-a-1']);
  assert.deepEqual(await get(ctx, { row: b('r9') }), []);
  assert.throws(() => RegionScanner.open(ctx, { columns: [{ family: b('nope') }] }), (e: { code?: string }) => e.code === ErrorCodes.INVALID_ARGUMENT);
});

test('limit counts rows, batch splits wide rows; both directions', async () => {
  const cells = ['a', 'b', 'c', 'd', 'e'].flatMap((q) => [put('r1', 'f', q, 1), put('r2', 'f', q, 1)]);
  cells.push(put('r3', 'f', 'a', 1));
  const ctx = await ctxOf([{ family: 'f', files: [{ cells, blockSize: 64 }] }]);
  assert.deepEqual(await rows(ctx, { batch: 2, limit: 2 }), [
    'r1/f:a@1=r1-a-1 r1/f:b@1=r1-b-1',
    'r1/f:c@1=r1-c-1 r1/f:d@1=r1-d-1',
    'r1/f:e@1=r1-e-1',
    'r2/f:a@1=r2-a-1 r2/f:b@1=r2-b-1',
    'r2/f:c@1=r2-c-1 r2/f:d@1=r2-d-1',
    'r2/f:e@1=r2-e-1',
  ]);
  assert.deepEqual(await rows(ctx, { batch: 5, reversed: true }), ['r3/f:a@1=r3-a-1', 'r2/f:a@1=r2-a-1 r2/f:b@1=r2-b-1 r2/f:c@1=r2-c-1 r2/f:d@1=r2-d-1 r2/f:e@1=r2-e-1', 'r1/f:a@1=r1-a-1 r1/f:b@1=r1-b-1 r1/f:c@1=r1-c-1 r1/f:d@1=r1-d-1 r1/f:e@1=r1-e-1']);
  assert.deepEqual(await rows(ctx, { limit: 1, reversed: true }), ['r3/f:a@1=r3-a-1']);
});

test('reversed scans: rows descending, cells ascending; start inclusive, stop exclusive', async () => {
  const files = [
    { cells: [put('a', 'f', 'x', 1), put('c', 'f', 'x', 1), put('e', 'f', 'x', 1)], blockSize: 64 },
    { cells: [put('b', 'f', 'y', 1), put('c', 'f', 'a', 1), put('d', 'f', 'y', 1)], blockSize: 64 },
  ];
  const ctx = await ctxOf([{ family: 'f', files, mem: [{ cell: put('c', 'f', 'm', 1), seq: 1 }, { cell: put('f', 'f', 'm', 1), seq: 1 }] }]);
  const all = await rows(ctx);
  assert.deepEqual(all, ['a/f:x@1=a-x-1', 'b/f:y@1=b-y-1', 'c/f:a@1=c-a-1 c/f:m@1=c-m-1 c/f:x@1=c-x-1', 'd/f:y@1=d-y-1', 'e/f:x@1=e-x-1', 'f/f:m@1=f-m-1']);
  assert.deepEqual(await rows(ctx, { reversed: true }), [...all].reverse());
  assert.deepEqual(await rows(ctx, { reversed: true, startRow: b('d'), stopRow: b('a') }), ['d/f:y@1=d-y-1', 'c/f:a@1=c-a-1 c/f:m@1=c-m-1 c/f:x@1=c-x-1', 'b/f:y@1=b-y-1']);
  assert.deepEqual(await rows(ctx, { reversed: true, startRow: b('cc') }), ['c/f:a@1=c-a-1 c/f:m@1=c-m-1 c/f:x@1=c-x-1', 'b/f:y@1=b-y-1', 'a/f:x@1=a-x-1']);
  assert.deepEqual(await rows(ctx, { startRow: b('b'), stopRow: b('d') }), all.slice(1, 3));
});

test('region bounds clip scans both ways', async () => {
  const cells = ['a', 'b', 'c', 'd', 'e'].map((r) => put(r, 'f', 'q', 1));
  const ctx = await ctxOf([{ family: 'f', files: [{ cells }] }], { regionStartRow: b('b'), regionEndRow: b('d') });
  assert.deepEqual(await rows(ctx), ['b/f:q@1=b-q-1', 'c/f:q@1=c-q-1']);
  assert.deepEqual(await rows(ctx, { reversed: true }), ['c/f:q@1=c-q-1', 'b/f:q@1=b-q-1']);
  assert.deepEqual(await rows(ctx, { reversed: true, startRow: b('z') }), ['c/f:q@1=c-q-1', 'b/f:q@1=b-q-1']);
  assert.deepEqual(await rows(ctx, { startRow: b('a'), stopRow: b('z') }), ['b/f:q@1=b-q-1', 'c/f:q@1=c-q-1']);
});

test('half-file references: bottom = rows < split row, top = rows >= split row', async () => {
  const cells = ['a', 'b', 'c', 'd', 'e', 'f'].flatMap((r) => [put(r, 'f', 'q', 1), put(r, 'f', 'r', 2)]);
  const bottom = await ctxOf([{ family: 'f', files: [{ cells, blockSize: 64, half: { half: 'bottom', splitRow: b('c') } }] }]);
  const top = await ctxOf([{ family: 'f', files: [{ cells, blockSize: 64, half: { half: 'top', splitRow: b('c') } }] }]);
  const rowsOf = (r: string[]) => r.map((s) => s.split('/')[0]);
  assert.deepEqual(rowsOf(await rows(bottom)), ['a', 'b']);
  assert.deepEqual(rowsOf(await rows(bottom, { reversed: true })), ['b', 'a']);
  assert.deepEqual(rowsOf(await rows(top)), ['c', 'd', 'e', 'f']);
  assert.deepEqual(rowsOf(await rows(top, { reversed: true })), ['f', 'e', 'd', 'c']);
  assert.deepEqual(rowsOf(await rows(top, { reversed: true, startRow: b('d'), stopRow: b('a') })), ['d', 'c']);
  assert.deepEqual(await get(bottom, { row: b('d') }), []);
  assert.deepEqual(await get(top, { row: b('d') }), ['d/f:q@1=d-q-1 d/f:r@2=d-r-2']);
  assert.deepEqual(await get(top, { row: b('b') }), []);
});

test('raw scans return markers and masked cells, versions counted over Puts only', async () => {
  const ctx = await ctxOf([
    {
      family: 'f',
      options: { maxVersions: 1 },
      files: [{ cells: [put('r', 'f', 'q', 1), put('r', 'f', 'q', 2), marker('r', 'f', 'q', 2, CellType.Delete), marker('r', 'f', '', 5, CellType.DeleteFamily)] }],
    },
  ]);
  assert.deepEqual(await rows(ctx, { raw: true }), ['r/f:@5(DeleteFamily)= r/f:q@2(Delete)= r/f:q@2=r-q-2']);
  assert.deepEqual(await rows(ctx, { raw: true, maxVersions: 2 }), ['r/f:@5(DeleteFamily)= r/f:q@2(Delete)= r/f:q@2=r-q-2 r/f:q@1=r-q-1']);
  assert.deepEqual(await rows(ctx), []);
});

test('argument errors', async () => {
  const ctx = await ctxOf([{ family: 'f' }]);
  const invalid = (e: { code?: string }) => e.code === ErrorCodes.INVALID_ARGUMENT;
  assert.throws(() => RegionScanner.open(ctx, { limit: -1 }), invalid);
  assert.throws(() => RegionScanner.open(ctx, { batch: 1.5 }), invalid);
  assert.throws(() => RegionScanner.open(ctx, { maxVersions: 0 }), invalid);
  assert.throws(() => RegionScanner.open(ctx, { timeRange: { min: 5n, max: 4n } }), invalid);
  assert.throws(() => RegionScanner.open(ctx, { filter: { type: 'Bogus' } as never }), invalid);
  assert.throws(() => RegionScanner.open(ctx, { batch: 2, filter: { type: 'PageFilter', value: '1' } }), (e: Error & { code?: string }) => invalid(e) && /batch/.test(e.message));
  assert.throws(() => regionGet(ctx, { row: Buffer.alloc(0) }), invalid);
  // Resuming with another buffer is a caller bug.
  const nocache = context([await buildStore({ family: 'f', files: [{ cells: [put('r', 'f', 'q', 1)] }] })]);
  const sc = RegionScanner.open(nocache, {});
  assert.equal(sc.nextRow(new RowBuffer()), -1);
  assert.throws(() => sc.nextRow(new RowBuffer()), (e: { code?: string }) => e.code === ErrorCodes.INTERNAL);
});
