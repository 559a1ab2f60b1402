// Split: daughters serve exactly the parent's rows by range through references (no data
// copied), compaction rewrites the references, and the parent is purged once unreferenced.
import assert from 'node:assert/strict';
import { afterEach, test } from 'node:test';
import { ManualClock } from '../../common/clock.js';
import { MemoryObjectStore } from '../../common/objectstore/memory-store.js';
import { listAllKeys } from '../../common/objectstore/object-store.js';
import type { Result } from '../../common/ops/operations.js';
import { compactStore } from '../compaction/compactor.js';
import { columnFamily } from '../region/column-family.js';
import { b, RegionHarness, SERVER } from '../region/testdata/harness.js';
import { candidatesOf } from '../store/compaction-policy.js';
import { purgeSplitParentStore } from '../store/store-cleaner.js';
import { loadManifest } from '../store/store-manifest.js';
import { chooseSplitRow, middleRowByScan, rowOfKey, splitRegion } from './split-region.js';

const harnesses: RegionHarness[] = [];
afterEach(async () => {
  for (const h of harnesses.splice(0)) await h.close();
});

const show = (rs: readonly Result[]): string[] => rs.flatMap((r) => r.cells.map((c) => `${c.row}/${c.family}:${c.qualifier}@${c.timestamp}=${c.value}`));
const row = (i: number): string => `row${String(i).padStart(4, '0')}`;

test('split: daughters serve the parent rows by range through references, compaction rewrites them, the parent is purged after', async () => {
  const clock = new ManualClock(1_000_000);
  const store = new MemoryObjectStore();
  const families = [columnFamily({ name: 'f', blockSize: 1024 }), columnFamily({ name: 'g', blockSize: 1024 })];
  const parent = await RegionHarness.open({ objectStore: store, clock, families });
  harnesses.push(parent);
  const r = parent.region;
  for (let i = 0; i < 400; i++) {
    await r.put({ kind: 'put', row: b(row(i)), columns: [{ family: b('f'), qualifier: b('q'), value: b(`v${i}`.repeat(10)) }] });
    if (i % 3 === 0) await r.put({ kind: 'put', row: b(row(i)), columns: [{ family: b('g'), qualifier: b('x'), value: b(`g${i}`) }] });
    if (i === 200) await r.flush();
  }
  await r.delete({ kind: 'delete', row: b(row(7)), columns: [] }); // unflushed: the split flushes it
  const all = show(await r.scanAll({}));
  const objectsBefore = (await listAllKeys(store, '')).filter((o) => o.key.includes('/files/')).length;

  const res = await splitRegion(r, { objectStore: store, server: SERVER, clock });
  assert.equal(r.isOpen, false, 'parent closed');
  const split = res.splitRow.toString();
  assert.ok(split > row(0) && split <= row(399), `split row ${split}`);
  const objectsAfter = (await listAllKeys(store, '')).filter((o) => o.key.includes('/files/')).length;
  assert.equal(objectsAfter, objectsBefore + 2, 'only the split flush wrote files (one per family): no data copied');

  const daughters = [];
  for (const info of res.daughters) {
    const h = await RegionHarness.open({ objectStore: store, clock, families, info });
    harnesses.push(h);
    daughters.push(h);
    for (const s of h.region.storesList) assert.ok(s.files.every((f) => f.reference !== undefined), 'daughter stores hold only references');
  }
  const lo = show(await daughters[0]!.region.scanAll({}));
  const hi = show(await daughters[1]!.region.scanAll({}));
  assert.ok(lo.every((s) => s < split) && hi.every((s) => s >= split));
  assert.deepEqual([...lo, ...hi], all, 'the daughters together serve exactly the parent rows');
  assert.equal((await daughters[0]!.region.get({ row: b(row(7)) })).cells.length, 0, 'delete survives the split');

  const parentStore = r.store('f')!.id;
  assert.equal((await purgeSplitParentStore(store, parentStore)).purged, false, 'referenced parent stays');

  // Compaction rewrites references into the daughter's own files.
  for (const d of daughters) {
    for (const s of d.region.storesList) {
      const names = candidatesOf(s.manifest.current.manifest).map((c) => c.name);
      await compactStore(s, { files: names, kind: 'major' }, { objectStore: store, clock });
      assert.ok(s.files.every((f) => f.reference === undefined));
      assert.equal((await loadManifest(store, s.id)).manifest.references.length, 0);
    }
  }
  assert.deepEqual([...show(await daughters[0]!.region.scanAll({})), ...show(await daughters[1]!.region.scanAll({}))], all);
  // Retired references keep the parent until the daughters' cleaners drop them.
  assert.equal((await purgeSplitParentStore(store, parentStore)).purged, false);
  for (const d of daughters) for (const s of d.region.storesList) await s.manifest.commit({ kind: 'drop-retired', names: s.manifest.current.manifest.retired.map((x) => x.name) });
  assert.equal((await purgeSplitParentStore(store, parentStore)).purged, true);
  assert.deepEqual([...show(await daughters[0]!.region.scanAll({})), ...show(await daughters[1]!.region.scanAll({}))], all, 'daughters no longer need the parent');
});

test('split refuses a region with nothing to split and leaves it open', async () => {
  const store = new MemoryObjectStore();
  const h = await RegionHarness.open({ objectStore: store });
  harnesses.push(h);
  await assert.rejects(splitRegion(h.region, { objectStore: store, server: SERVER }), /cannot be split/);
  assert.equal(h.region.isOpen, true);
});

test('chooseSplitRow: data in one block splits at the middle row, not the first (no empty daughter); one row cannot split', async () => {
  const store = new MemoryObjectStore();
  const h = await RegionHarness.open({ objectStore: store, families: [columnFamily({ name: 'f', blockSize: 64 * 1024 })] });
  harnesses.push(h);
  const r = h.region;
  for (let i = 0; i < 10; i++) await r.put({ kind: 'put', row: b(row(i)), columns: [{ family: b('f'), qualifier: b('q'), value: b(`v${i}`) }] });
  await r.flush();
  const file = r.storesList[0]!.files[0]!;
  assert.equal(rowOfKey((await file.reader.midKey())!).toString(), row(0), 'one block: the block index mid key is the first row');
  assert.equal((await chooseSplitRow(r))?.toString(), row(5), 'the row starting at the middle cell');
  const res = await splitRegion(r, { objectStore: store, server: SERVER });
  assert.equal(res.splitRow.toString(), row(5));

  // A region holding one (multi-cell) row has no row to split at.
  const store2 = new MemoryObjectStore();
  const one = await RegionHarness.open({ objectStore: store2 });
  harnesses.push(one);
  for (let i = 0; i < 20; i++) await one.region.put({ kind: 'put', row: b('only'), columns: [{ family: b('f'), qualifier: b(`q${i}`), value: b('x') }] });
  await one.region.flush();
  assert.equal(await chooseSplitRow(one.region), undefined);
});

test('middleRowByScan picks the row boundary nearest the middle cell', async () => {
  const store = new MemoryObjectStore();
  const h = await RegionHarness.open({ objectStore: store });
  harnesses.push(h);
  // Row a: 8 cells, b: 1, c: 1 (10 cells, middle 5): boundaries at 8 (b) and 9 (c) -> b.
  for (let i = 0; i < 8; i++) await h.region.put({ kind: 'put', row: b('a'), columns: [{ family: b('f'), qualifier: b(`q${i}`), value: b('x') }] });
  for (const k of ['b', 'c']) await h.region.put({ kind: 'put', row: b(k), columns: [{ family: b('f'), qualifier: b('q'), value: b('x') }] });
  await h.region.flush();
  assert.equal((await middleRowByScan(h.region.storesList[0]!.files[0]!.reader))?.toString(), 'b');
});
