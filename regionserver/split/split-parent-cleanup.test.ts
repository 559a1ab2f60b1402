// The catalog janitor's purge of a split parent: kept while a daughter holds a live reference
// or a recently retired one, deleted (every object of the parent) after that; daughters read
// the same rows before and after.
import assert from 'node:assert/strict';
import { afterEach, test } from 'node:test';
import { ManualClock } from '../../common/clock.js';
import { MemoryObjectStore } from '../../common/objectstore/memory-store.js';
import { listAllKeys } from '../../common/objectstore/object-store.js';
import { regionDataPrefix } from '../../common/paths.js';
import type { Result } from '../../common/ops/operations.js';
import { compactStore } from '../compaction/compactor.js';
import { columnFamily } from '../region/column-family.js';
import { b, RegionHarness, SERVER } from '../region/testdata/harness.js';
import { candidatesOf } from '../store/compaction-policy.js';
import { purgeSplitParent } from './split-parent-cleanup.js';
import { splitRegion } from './split-region.js';

const harnesses: RegionHarness[] = [];
afterEach(async () => {
  for (const h of harnesses.splice(0)) await h.close();
});

const show = (rs: readonly Result[]): string[] => rs.flatMap((r) => r.cells.map((c) => `${c.row}/${c.family}:${c.qualifier}=${c.value}`));
const row = (i: number): string => `row${String(i).padStart(4, '0')}`;

test('a split parent is purged only after both daughters compacted its references away and the retired references aged out', async () => {
  const clock = new ManualClock(1_000_000);
  const store = new MemoryObjectStore();
  const families = [columnFamily({ name: 'f', blockSize: 1024 }), columnFamily({ name: 'g', blockSize: 1024 })];
  const parent = await RegionHarness.open({ objectStore: store, clock, families });
  harnesses.push(parent);
  for (let i = 0; i < 200; i++) {
    await parent.region.put({ kind: 'put', row: b(row(i)), columns: [{ family: b('f'), qualifier: b('q'), value: b(`v${i}`.repeat(8)) }] });
    if (i % 4 === 0) await parent.region.put({ kind: 'put', row: b(row(i)), columns: [{ family: b('g'), qualifier: b('x'), value: b(`g${i}`) }] });
  }
  const all = show(await parent.region.scanAll({}));
  const info = parent.region.info;
  await parent.region.flush(); // the split row comes from the files
  const res = await splitRegion(parent.region, { objectStore: store, server: SERVER, clock });
  const daughters: RegionHarness[] = [];
  for (const d of res.daughters) {
    const h = await RegionHarness.open({ objectStore: store, clock, families, info: d });
    harnesses.push(h);
    daughters.push(h);
  }
  const read = async (): Promise<string[]> => [...show(await daughters[0]!.region.scanAll({})), ...show(await daughters[1]!.region.scanAll({}))];
  const parentObjects = async (): Promise<number> => (await listAllKeys(store, regionDataPrefix(info.namespace, info.table, info.encodedName))).length;
  const opts = { clock, retainMs: 600_000 };
  const before = await parentObjects();
  assert.ok(before > 0);

  let r = await purgeSplitParent(store, info, res.daughters, opts);
  assert.deepEqual([r.purged, r.referencedBy], [false, res.daughters.map((d) => d.encodedName).sort()], 'both daughters hold references');

  const compactAll = async (h: RegionHarness): Promise<void> => {
    for (const s of h.region.storesList) {
      const names = candidatesOf(s.manifest.current.manifest).map((c) => c.name);
      if (names.length > 0) await compactStore(s, { files: names, kind: 'major' }, { objectStore: store, clock });
    }
  };
  await compactAll(daughters[0]!);
  r = await purgeSplitParent(store, info, res.daughters, opts);
  assert.equal(r.purged, false);
  assert.ok(r.referencedBy.includes(res.daughters[1].encodedName), 'the uncompacted daughter still refers');
  await compactAll(daughters[1]!);
  clock.advance(599_000);
  r = await purgeSplitParent(store, info, res.daughters, opts);
  assert.equal(r.purged, false, 'retired references younger than retainMs keep the parent');
  assert.equal(await parentObjects(), before, 'nothing deleted while referenced');
  assert.deepEqual(await read(), all);

  clock.advance(1_000);
  r = await purgeSplitParent(store, info, res.daughters, opts);
  assert.deepEqual([r.purged, r.deleted], [true, before]);
  assert.equal(await parentObjects(), 0);
  assert.deepEqual(await read(), all, 'daughters read every row without the parent');
  assert.deepEqual(await purgeSplitParent(store, info, res.daughters, opts), { purged: true, deleted: 0, referencedBy: [] }, 'idempotent');
});

test('a daughter whose objects are gone (itself split again and purged) refers to nothing; a daughter still holding references keeps the parent', async () => {
  const clock = new ManualClock(1_000_000);
  const store = new MemoryObjectStore();
  const families = [columnFamily({ name: 'f' })];
  const parent = await RegionHarness.open({ objectStore: store, clock, families });
  harnesses.push(parent);
  for (let i = 0; i < 50; i++) await parent.region.put({ kind: 'put', row: b(row(i)), columns: [{ family: b('f'), qualifier: b('q'), value: b(`v${i}`) }] });
  await parent.region.flush();
  const info = parent.region.info;
  const res = await splitRegion(parent.region, { objectStore: store, server: SERVER, clock });
  const gone = res.daughters[1];
  const dropDaughter = async (): Promise<void> => {
    const keys = (await listAllKeys(store, regionDataPrefix(gone.namespace, gone.table, gone.encodedName))).map((o) => o.key);
    await store.deleteMany(keys);
  };
  await dropDaughter();
  // Daughter 0 still holds its reference: kept.
  let r = await purgeSplitParent(store, info, res.daughters, { clock, retainMs: 0 });
  assert.deepEqual([r.purged, r.referencedBy], [false, [res.daughters[0].encodedName]]);
  const d0 = await RegionHarness.open({ objectStore: store, clock, families, info: res.daughters[0] });
  harnesses.push(d0);
  for (const s of d0.region.storesList) await compactStore(s, { files: candidatesOf(s.manifest.current.manifest).map((c) => c.name), kind: 'major' }, { objectStore: store, clock });
  r = await purgeSplitParent(store, info, res.daughters, { clock, retainMs: 0 });
  assert.equal(r.purged, true);
  const below = Array.from({ length: 50 }, (_, i) => row(i)).filter((k) => k < res.splitRow.toString()).length;
  assert.ok(below > 0);
  assert.equal((await d0.region.scanAll({})).length, below, 'the remaining daughter reads its rows without the parent');
});
