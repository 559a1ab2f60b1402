// Merge: the merged region serves both parents' rows through references (no data copied),
// takes writes above both parents' sequence ids, compaction rewrites the references and the
// parents are purged after; refused merges change nothing; an unfinished merge (or split) is
// rolled back when a parent opens again.
import assert from 'node:assert/strict';
import { afterEach, test } from 'node:test';
import { ManualClock } from '../../common/clock.js';
import { SeededRandom } from '../../common/random.js';
import { ConflictError, InvalidError } from '../../common/errors.js';
import { MemoryObjectStore } from '../../common/objectstore/memory-store.js';
import { listAllKeys } from '../../common/objectstore/object-store.js';
import type { Result } from '../../common/ops/operations.js';
import { recoveredEditsKey } from '../../common/paths.js';
import { compactStore } from '../compaction/compactor.js';
import { columnFamily } from '../region/column-family.js';
import type { RegionInfo } from '../region/region-info.js';
import { regionInfo } from '../region/region-info.js';
import { b, RegionHarness, SERVER } from '../region/testdata/harness.js';
import { candidatesOf } from '../store/compaction-policy.js';
import { loadManifest } from '../store/store-manifest.js';
import { checkMergePlan, mergeRegions } from './merge-regions.js';
import { purgeSplitParent } from './split-parent-cleanup.js';
import { splitRegion } from './split-region.js';

const harnesses: RegionHarness[] = [];
afterEach(async () => {
  for (const h of harnesses.splice(0)) await h.close();
});

const show = (rs: readonly Result[]): string[] => rs.flatMap((r) => r.cells.map((c) => `${c.row}/${c.family}:${c.qualifier}@${c.timestamp}=${c.value}`));
const row = (i: number): string => `row${String(i).padStart(4, '0')}`;
const families = [columnFamily({ name: 'f', blockSize: 1024 }), columnFamily({ name: 'g', blockSize: 1024 })];
const FAMILY_NAMES = families.map((f) => f.name);
const A = regionInfo('default', 't1', Buffer.alloc(0), b(row(200)), 10);
const B = regionInfo('default', 't1', b(row(200)), b(row(300)), 11);
const C = regionInfo('default', 't1', b(row(300)), Buffer.alloc(0), 12);
const AB = regionInfo('default', 't1', Buffer.alloc(0), b(row(300)), 20);
const ABC = regionInfo('default', 't1', Buffer.alloc(0), Buffer.alloc(0), 21);

type Undone = { readonly family: string; readonly daughters: readonly string[] };

/** Opens `info` on a WAL epoch of its own (the harnesses share one server name); with `undone`, rolling back an unfinished split or merge as a region server does. */
async function open(store: MemoryObjectStore, clock: ManualClock, info: RegionInfo, epochBase: number, undone?: Undone[]): Promise<RegionHarness> {
  const openOptions = undone === undefined ? {} : { onUnfinishedSplit: (u: Undone) => undone.push(u) };
  const h = new RegionHarness({ objectStore: store, clock, families, info, random: new SeededRandom(epochBase), openOptions });
  h.epoch = epochBase;
  try {
    await h.start();
  } catch (e) {
    await h.wal.close().catch(() => {});
    throw e;
  }
  harnesses.push(h);
  return h;
}

/** Parents A, B, C with rows 0..399 in their ranges (some flushed early, the rest by the close), closed. */
async function closedParents(store: MemoryObjectStore, clock: ManualClock): Promise<string[]> {
  const all: string[] = [];
  for (const [i, info] of [A, B, C].entries()) {
    const h = await open(store, clock, info, 100 * (i + 1));
    const lo = [0, 200, 300][i]!;
    const hi = [200, 300, 400][i]!;
    for (let r = lo; r < hi; r++) {
      await h.region.put({ kind: 'put', row: b(row(r)), columns: [{ family: b('f'), qualifier: b('q'), value: b(`v${r}`.repeat(10)) }] });
      if (r % 3 === 0) await h.region.put({ kind: 'put', row: b(row(r)), columns: [{ family: b('g'), qualifier: b('x'), value: b(`g${r}`) }] });
      if (r === lo + 50) await h.region.flush();
    }
    all.push(...show(await h.region.scanAll({})));
    await h.region.close({ flush: true });
  }
  return all;
}

async function manifestOf(store: MemoryObjectStore, region: RegionInfo, family = 'f') {
  return loadManifest(store, { namespace: region.namespace, table: region.table, region: region.encodedName, family });
}

test('merge: the merged region serves every parent row through references, takes writes, compacts them away, and the parents are purged after', async () => {
  const clock = new ManualClock(1_000_000);
  const store = new MemoryObjectStore();
  const all = await closedParents(store, clock);
  const filesBefore = (await listAllKeys(store, '')).filter((o) => o.key.includes('/files/')).length;
  const seqBefore = (await Promise.all([A, B, C].map(async (p) => (await manifestOf(store, p)).manifest.flushedSeqId))).reduce((x, y) => (y > x ? y : x));

  await mergeRegions([A, B, C], ABC, FAMILY_NAMES, { objectStore: store, server: SERVER, clock });
  assert.equal((await listAllKeys(store, '')).filter((o) => o.key.includes('/files/')).length, filesBefore, 'no data copied');
  for (const p of [A, B, C]) for (const f of FAMILY_NAMES) assert.deepEqual((await manifestOf(store, p, f)).manifest.daughters, [ABC.encodedName], 'every parent store names the merged region');

  const m = await open(store, clock, ABC, 1000);
  for (const s of m.region.storesList) assert.ok(s.files.length > 0 && s.files.every((f) => f.reference !== undefined), 'merged stores hold only references');
  assert.deepEqual(show(await m.region.scanAll({})), all, 'the merged region serves exactly the parents rows');
  for (const r of [0, 199, 200, 299, 300, 399]) assert.equal((await m.region.get({ row: b(row(r)) })).cells[0]?.value.toString(), `v${r}`.repeat(10), row(r));
  assert.equal((await m.region.get({ row: b(row(400)) })).cells.length, 0);

  // Writes continue above every parent's sequence ids; an overwrite of a parent's row wins.
  await m.region.put({ kind: 'put', row: b(row(250)), columns: [{ family: b('f'), qualifier: b('q'), value: b('new') }] });
  await m.region.flush();
  assert.ok((await manifestOf(store, ABC)).manifest.flushedSeqId > seqBefore, 'sequence continues above the parents');
  assert.equal((await m.region.get({ row: b(row(250)) })).cells[0]?.value.toString(), 'new');
  assert.equal(show(await m.region.scanAll({})).length, all.length, 'the overwrite replaces a cell (1 version kept)');

  for (const p of [A, B, C]) assert.equal((await purgeSplitParent(store, p, [ABC], { clock, retainMs: 0 })).purged, false, 'referenced parent stays');
  for (const s of m.region.storesList) {
    await compactStore(s, { files: candidatesOf(s.manifest.current.manifest).map((c) => c.name), kind: 'major' }, { objectStore: store, clock });
    assert.ok(s.files.every((f) => f.reference === undefined));
  }
  clock.advance(1);
  for (const p of [A, B, C]) assert.equal((await purgeSplitParent(store, p, [ABC], { clock, retainMs: 0 })).purged, true, 'unreferenced parent purged');
  assert.equal((await listAllKeys(store, `data/default/t1/${A.encodedName}/`)).length, 0);
  const now = show(await m.region.scanAll({}));
  assert.equal(now.length, all.length);
  assert.ok(now.some((x) => x.startsWith(`${row(250)}/f:q@`) && x.endsWith('=new')));
  assert.deepEqual(
    now.filter((x) => !x.startsWith(`${row(250)}/f:q@`)),
    all.filter((x) => !x.startsWith(`${row(250)}/f:q@`)),
    'the merged region no longer needs its parents',
  );
});

test('merge plans: adjacent regions of one table, in row order, the merged region spanning exactly them', () => {
  checkMergePlan([A, B], AB);
  checkMergePlan([A, B, C], ABC);
  const bad = (parents: RegionInfo[], merged: RegionInfo, msg: RegExp): void => assert.throws(() => checkMergePlan(parents, merged), (e: unknown) => e instanceof InvalidError && msg.test(e.message));
  bad([A], A, /at least two regions/);
  bad([A, C], ABC, /not adjacent/);
  bad([B, A], AB, /not adjacent/);
  bad([A, B], ABC, /span exactly/);
  bad([A, regionInfo('default', 't2', b(row(200)), b(row(300)), 1)], AB, /different tables/);
  bad([A, B], A, /must be a new region/);
});

test('a refused merge changes nothing but the claims: references left by a split, recovered edits not in the files', async () => {
  const clock = new ManualClock(1_000_000);
  const store = new MemoryObjectStore();
  await closedParents(store, clock);

  // Daughters of a split still hold references: they cannot be merged until compacted.
  const p = await open(store, clock, C, 2000);
  const split = await splitRegion(p.region, { objectStore: store, server: SERVER, clock, splitRow: b(row(350)) });
  const [d1, d2] = split.daughters;
  const merged = regionInfo('default', 't1', b(row(300)), Buffer.alloc(0), 30);
  await assert.rejects(mergeRegions([d1, d2], merged, FAMILY_NAMES, { objectStore: store, server: SERVER, clock }), (e: unknown) => e instanceof InvalidError && /references from an earlier split or merge; major_compact/.test(e.message));
  for (const d of [d1, d2]) assert.deepEqual((await manifestOf(store, d)).manifest.daughters, []);
  assert.equal((await manifestOf(store, merged)).etag, undefined, 'no merged store written');

  // Recovered edits above a parent's flushed sequence id: its close did not flush them.
  const flushed = (await manifestOf(store, B)).manifest.flushedSeqId;
  await store.put(recoveredEditsKey(B.encodedName, flushed + 5n, 'dead-server', 3), Buffer.from('x'));
  await assert.rejects(mergeRegions([A, B], AB, FAMILY_NAMES, { objectStore: store, server: SERVER, clock }), (e: unknown) => e instanceof InvalidError && /recovered edits/.test(e.message));
  for (const r of [A, B]) assert.deepEqual((await manifestOf(store, r)).manifest.daughters, [], 'no parent frozen');
  assert.equal((await manifestOf(store, AB)).etag, undefined);
  // Edits at or below the flushed id are already in the files: they do not block a merge.
  await store.delete(recoveredEditsKey(B.encodedName, flushed + 5n, 'dead-server', 3));
  await store.put(recoveredEditsKey(B.encodedName, flushed, 'dead-server', 2), Buffer.from('x'));
  await mergeRegions([A, B], AB, FAMILY_NAMES, { objectStore: store, server: SERVER, clock });
  // Run again (a retried call): accepted, nothing changes.
  const gen = (await manifestOf(store, AB)).manifest.generation;
  await mergeRegions([A, B], AB, FAMILY_NAMES, { objectStore: store, server: SERVER, clock });
  assert.equal((await manifestOf(store, AB)).manifest.generation, gen);
  // A parent merged into one region cannot be merged into another.
  await assert.rejects(mergeRegions([B, C], regionInfo('default', 't1', b(row(200)), Buffer.alloc(0), 40), FAMILY_NAMES, { objectStore: store, server: SERVER, clock }), /already split or merged/);
});

test('an unfinished merge or split is rolled back when a parent opens again; a finished one is not', async () => {
  const clock = new ManualClock(1_000_000);
  const store = new MemoryObjectStore();
  const all = await closedParents(store, clock);
  await mergeRegions([A, B], AB, FAMILY_NAMES, { objectStore: store, server: SERVER, clock });

  // The master never recorded the merge: opening the parents undoes it.
  const undone: Undone[] = [];
  const a = await open(store, clock, A, 3000, undone);
  assert.deepEqual(undone.map((u) => [u.family, ...u.daughters]).sort(), FAMILY_NAMES.map((f) => [f, AB.encodedName]));
  for (const f of FAMILY_NAMES) {
    assert.equal((await manifestOf(store, AB, f)).etag, undefined, 'merged store deleted');
    assert.deepEqual((await manifestOf(store, A, f)).manifest.daughters, []);
  }
  // The parent is no longer frozen: it takes writes and flushes them.
  await a.region.put({ kind: 'put', row: b(row(5)), columns: [{ family: b('f'), qualifier: b('q'), value: b('after') }] });
  await a.region.flush();
  assert.equal((await a.region.get({ row: b(row(5)) })).cells[0]?.value.toString(), 'after');
  assert.equal(show(await a.region.scanAll({})).length, all.filter((x) => x < row(200)).length);
  undone.length = 0;
  const bh = await open(store, clock, B, 3500, undone);
  assert.equal(undone.length, 2, 'the other parent clears its list too (the merged stores are already gone)');
  await bh.region.close({ flush: true });

  // The same for a split that did not finish. Opened without the roll back, the parent is
  // frozen: a flush is refused.
  const c = await open(store, clock, C, 4000);
  const split = await splitRegion(c.region, { objectStore: store, server: SERVER, clock, splitRow: b(row(350)) });
  const frozen = await open(store, clock, C, 4500);
  await frozen.region.put({ kind: 'put', row: b(row(333)), columns: [{ family: b('f'), qualifier: b('q'), value: b('frozen') }] });
  await assert.rejects(frozen.region.flush(), /frozen/);
  await frozen.close();
  undone.length = 0;
  const c2 = await open(store, clock, C, 5000, undone);
  assert.deepEqual(undone.map((u) => u.daughters.length), [2, 2]);
  for (const d of split.daughters) assert.equal((await manifestOf(store, d)).etag, undefined);
  await c2.region.put({ kind: 'put', row: b(row(333)), columns: [{ family: b('f'), qualifier: b('q'), value: b('after') }] });
  await c2.region.flush();
  assert.equal((await c2.region.get({ row: b(row(333)) })).cells[0]?.value.toString(), 'after');
  await c2.region.close({ flush: true });

  // A finished merge (the merged region was opened): the parent must not open, nothing changes.
  await a.region.close({ flush: true });
  await mergeRegions([A, B], AB, FAMILY_NAMES, { objectStore: store, server: SERVER, clock });
  const m = await open(store, clock, AB, 6000);
  await m.region.close({ flush: true });
  await assert.rejects(open(store, clock, A, 7000, undone), (e: unknown) => e instanceof ConflictError && /has been opened/.test(e.message));
  assert.deepEqual((await manifestOf(store, A)).manifest.daughters, [AB.encodedName], 'the parent still names the merged region');
  assert.notEqual((await manifestOf(store, AB)).etag, undefined, 'the merged store is kept');
});
