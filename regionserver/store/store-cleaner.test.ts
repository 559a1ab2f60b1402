import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock } from '../../common/clock.js';
import { ErrorCodes, FencedError, InvalidError } from '../../common/errors.js';
import { FaultObjectStore } from '../../common/objectstore/fault-store.js';
import { MemoryObjectStore } from '../../common/objectstore/memory-store.js';
import type { ObjectStore } from '../../common/objectstore/object-store.js';
import { listAllKeys } from '../../common/objectstore/object-store.js';
import type { StoreId } from '../../common/paths.js';
import { storeFileKey, storeFilesPrefix, storeManifestKey } from '../../common/paths.js';
import { SeededRandom, testSeed } from '../../common/random.js';
import { referenceName } from './manifest.js';
import { StoreCleaner, purgeSplitParentStore } from './store-cleaner.js';
import { ManifestStore, createDaughterManifest, loadManifest } from './store-manifest.js';
import { referenceTo, regionOf, storeOf, uploadFile } from './store-test-util.js';

const seed = testSeed();
const MIN = 60_000;
const HOUR = 60 * MIN;
const opts = { maxPublishAgeMs: HOUR };
const cleanerOpts = { retiredTtlMs: 10 * MIN, orphanGraceMs: 2 * HOUR };

async function filesOf(objectStore: ObjectStore, store: StoreId): Promise<string[]> {
  const prefix = storeFilesPrefix(store);
  return (await listAllKeys(objectStore, prefix)).map((o) => o.key.slice(prefix.length)).sort();
}

async function setup(label: string) {
  const clock = new ManualClock();
  const random = new SeededRandom(seed);
  const objectStore = new MemoryObjectStore();
  const store = storeOf(label);
  const tracker = await ManifestStore.open(objectStore, store, { server: 'rs-1' }, { clock, ...opts });
  return { clock, random, objectStore, store, tracker };
}

describe('StoreCleaner', () => {
  it('retired files are deleted only after their TTL, then forgotten; live files stay', async () => {
    const { clock, random, objectStore, store, tracker } = await setup('ttl');
    const a = await uploadFile(objectStore, store, clock, random, { maxSeqId: 1n });
    const b = await uploadFile(objectStore, store, clock, random, { maxSeqId: 2n });
    await tracker.commit({ kind: 'flush', files: [a, b], flushedSeqId: 2n });
    const c = await uploadFile(objectStore, store, clock, random, { maxSeqId: 2n, majorCompaction: true });
    await tracker.commit({ kind: 'compaction', inputFiles: [a.name, b.name], inputReferences: [], outputs: [c] });
    const cleaner = new StoreCleaner(objectStore, tracker, { clock, ...cleanerOpts });

    clock.advance(10 * MIN - 1);
    const early = await cleaner.run();
    assert.deepEqual(early.deletedRetired, []);
    assert.deepEqual(await filesOf(objectStore, store), [a.name, b.name, c.name].sort());

    clock.advance(1);
    const due = await cleaner.run();
    assert.deepEqual([...due.deletedRetired].sort(), [a.name, b.name].sort());
    assert.deepEqual(await filesOf(objectStore, store), [c.name]);
    const m = (await loadManifest(objectStore, store)).manifest;
    assert.deepEqual(m.retired, []);
    assert.deepEqual(
      m.files.map((f) => f.name),
      [c.name],
    );
    // Long after: a live file is never garbage, however old.
    clock.advance(100 * HOUR);
    const later = await cleaner.run();
    assert.deepEqual([later.deletedRetired, later.deletedOrphans], [[], []]);
    assert.deepEqual(await filesOf(objectStore, store), [c.name]);
  });

  it('a retired file an open reader still holds is kept past its TTL', async () => {
    const { clock, random, objectStore, store, tracker } = await setup('in-use');
    const a = await uploadFile(objectStore, store, clock, random, { maxSeqId: 1n });
    await tracker.commit({ kind: 'flush', files: [a], flushedSeqId: 1n });
    await tracker.commit({ kind: 'compaction', inputFiles: [a.name], inputReferences: [], outputs: [] });
    const open = new Set([a.name]);
    const cleaner = new StoreCleaner(objectStore, tracker, { clock, ...cleanerOpts, isInUse: (n) => open.has(n) });
    clock.advance(HOUR);
    assert.deepEqual((await cleaner.run()).deletedRetired, []);
    open.clear();
    assert.deepEqual((await cleaner.run()).deletedRetired, [a.name]);
    assert.deepEqual(await filesOf(objectStore, store), []);
  });

  it('crash between upload and CAS: the orphan is deleted after the grace period, foreign objects are left alone', async () => {
    const { clock, random, objectStore, store, tracker } = await setup('orphan');
    const live = await uploadFile(objectStore, store, clock, random, { maxSeqId: 1n });
    await tracker.commit({ kind: 'flush', files: [live], flushedSeqId: 1n });
    const orphan = await uploadFile(objectStore, store, clock, random, { maxSeqId: 5n });
    // The writer dies before its CAS; a new owner takes the store over.
    const next = await ManifestStore.open(objectStore, store, { server: 'rs-2' }, { clock, ...opts });
    assert.deepEqual(
      next.current.manifest.files.map((f) => f.name),
      [live.name],
    );
    const foreignKey = `${storeFilesPrefix(store)}upload.tmp`;
    await objectStore.put(foreignKey, Buffer.from('x'));
    const cleaner = new StoreCleaner(objectStore, next, { clock, ...cleanerOpts });

    clock.advance(2 * HOUR - 1);
    const young = await cleaner.run();
    assert.deepEqual(young.deletedOrphans, [], 'a young unpublished file may still be published');
    assert.deepEqual(young.foreign, [foreignKey]);

    clock.advance(1);
    const old = await cleaner.run();
    assert.deepEqual(old.deletedOrphans, [orphan.name]);
    assert.deepEqual(await filesOf(objectStore, store), [live.name, 'upload.tmp'].sort());
    assert.deepEqual((await loadManifest(objectStore, store)).manifest.files, [live]);
  });

  it('a file being published is never an old orphan: publishing refuses files older than maxPublishAgeMs', async () => {
    const { clock, random, objectStore, store, tracker } = await setup('publish-age');
    const slow = await uploadFile(objectStore, store, clock, random, { maxSeqId: 1n });
    clock.advance(HOUR + 1);
    await assert.rejects(tracker.commit({ kind: 'flush', files: [slow], flushedSeqId: 1n }), (e: unknown) => e instanceof InvalidError && e.message.includes('too old to publish'));
    assert.throws(() => new StoreCleaner(objectStore, tracker, { clock, orphanGraceMs: 2 * HOUR - 1 }), (e: unknown) => e instanceof InvalidError && e.code === ErrorCodes.INVALID_CONFIG);
  });

  it('files a daughter refers to are never deleted, even when retired or unpublished', async () => {
    const { clock, random, objectStore, store: parent, tracker } = await setup('parent');
    const f1 = await uploadFile(objectStore, parent, clock, random, { maxSeqId: 1n });
    await tracker.commit({ kind: 'flush', files: [f1], flushedSeqId: 1n });
    const f2 = await uploadFile(objectStore, parent, clock, random, { maxSeqId: 1n });
    await tracker.commit({ kind: 'compaction', inputFiles: [f1.name], inputReferences: [], outputs: [f2] });
    const stray = await uploadFile(objectStore, parent, clock, random, { maxSeqId: 1n });
    const d = { ...parent, region: regionOf('daughter-of-parent') };
    await tracker.commit({ kind: 'record-daughters', daughters: [d.region] });
    // A (faulty) split referred to the retired f1 and the unpublished stray: the cleaner must still keep them.
    await createDaughterManifest(
      objectStore,
      d,
      'rs-1',
      [referenceTo(parent.region, 'cf', f1, 'top', clock.nowMs()), referenceTo(parent.region, 'cf', stray, 'top', clock.nowMs())],
      1n,
      { clock },
    );
    clock.advance(10 * HOUR);
    const r = await new StoreCleaner(objectStore, tracker, { clock, ...cleanerOpts }).run();
    assert.deepEqual([...r.keptForDaughters].sort(), [f1.name, stray.name].sort());
    assert.deepEqual([r.deletedRetired, r.deletedOrphans], [[], []]);
    assert.deepEqual(await filesOf(objectStore, parent), [f1.name, f2.name, stray.name].sort());
  });

  it('a fenced owner does not clean', async () => {
    const { clock, random, objectStore, store, tracker } = await setup('zombie');
    const orphan = await uploadFile(objectStore, store, clock, random);
    await ManifestStore.open(objectStore, store, { server: 'rs-2' }, { clock, ...opts });
    clock.advance(10 * HOUR);
    await assert.rejects(new StoreCleaner(objectStore, tracker, { clock, ...cleanerOpts }).run(), (e: unknown) => e instanceof FencedError);
    assert.deepEqual(await filesOf(objectStore, store), [orphan.name]);
  });

  it('a crash between deleting retired files and forgetting them is finished by the next pass', async () => {
    const clock = new ManualClock();
    const random = new SeededRandom(seed);
    const objectStore = new FaultObjectStore(new MemoryObjectStore(), random, { clock });
    const store = storeOf('crash-forget');
    const tracker = await ManifestStore.open(objectStore, store, { server: 'rs-1' }, { clock, ...opts });
    const a = await uploadFile(objectStore, store, clock, random, { maxSeqId: 1n });
    await tracker.commit({ kind: 'flush', files: [a], flushedSeqId: 1n });
    await tracker.commit({ kind: 'compaction', inputFiles: [a.name], inputReferences: [], outputs: [] });
    clock.advance(HOUR);
    const cleaner = new StoreCleaner(objectStore, tracker, { clock, ...cleanerOpts });
    objectStore.failNext('put', 1, { keyPrefix: storeManifestKey(store) });
    await assert.rejects(cleaner.run());
    assert.deepEqual(await filesOf(objectStore, store), [], 'the object was deleted');
    assert.deepEqual(
      (await loadManifest(objectStore, store)).manifest.retired.map((r) => r.name),
      [a.name],
      'but not yet forgotten',
    );
    assert.deepEqual((await cleaner.run()).deletedRetired, [a.name]);
    assert.deepEqual((await loadManifest(objectStore, store)).manifest.retired, []);
  });
});

describe('purgeSplitParentStore', () => {
  it('keeps the parent while a daughter refers to it (live or retired reference), then deletes files and manifest', async () => {
    const { clock, random, objectStore, store: parent, tracker } = await setup('split-parent');
    const f1 = await uploadFile(objectStore, parent, clock, random, { maxSeqId: 1n });
    const f2 = await uploadFile(objectStore, parent, clock, random, { maxSeqId: 2n });
    await tracker.commit({ kind: 'flush', files: [f1, f2], flushedSeqId: 2n });
    await assert.rejects(purgeSplitParentStore(objectStore, parent), (e: unknown) => e instanceof InvalidError && e.message.includes('no daughters'));

    const da = { ...parent, region: regionOf('a') };
    const db = { ...parent, region: regionOf('b') };
    await tracker.commit({ kind: 'record-daughters', daughters: [da.region, db.region] });
    const refsA = [referenceTo(parent.region, 'cf', f1, 'bottom', clock.nowMs()), referenceTo(parent.region, 'cf', f2, 'bottom', clock.nowMs())];
    const refsB = [referenceTo(parent.region, 'cf', f1, 'top', clock.nowMs()), referenceTo(parent.region, 'cf', f2, 'top', clock.nowMs())];
    await createDaughterManifest(objectStore, da, 'rs-1', refsA, 2n, { clock });
    await createDaughterManifest(objectStore, db, 'rs-1', refsB, 2n, { clock });
    await tracker.close();

    assert.deepEqual(await purgeSplitParentStore(objectStore, parent), { purged: false, deleted: 0, referencedBy: [da.region, db.region].sort() });

    // Both daughters compact their references away.
    for (const [d, refs] of [
      [da, refsA],
      [db, refsB],
    ] as const) {
      const t = await ManifestStore.open(objectStore, d, { server: 'rs-2' }, { clock, ...opts });
      const out = await uploadFile(objectStore, d, clock, random, { maxSeqId: 2n, majorCompaction: true });
      await t.commit({ kind: 'compaction', inputFiles: [], inputReferences: refs.map(referenceName), outputs: [out] });
    }
    // Retired references still protect the parent: a daughter reader may have the file open.
    assert.equal((await purgeSplitParentStore(objectStore, parent)).purged, false);
    assert.deepEqual(await filesOf(objectStore, parent), [f1.name, f2.name].sort());

    // After the TTL each daughter cleaner forgets its retired references.
    clock.advance(10 * MIN);
    for (const d of [da, db]) {
      const t = await ManifestStore.open(objectStore, d, { server: 'rs-3' }, { clock, ...opts });
      const r = await new StoreCleaner(objectStore, t, { clock, ...cleanerOpts }).run();
      assert.equal(r.droppedReferences.length, 2);
      assert.deepEqual(r.deletedRetired, [], 'a retired reference deletes nothing of the daughter');
    }
    const res = await purgeSplitParentStore(objectStore, parent);
    assert.deepEqual(res, { purged: true, deleted: 2, referencedBy: [] });
    assert.deepEqual(await filesOf(objectStore, parent), []);
    assert.equal(await objectStore.head(storeManifestKey(parent)), undefined);
    assert.ok((await objectStore.head(storeFileKey(da, (await loadManifest(objectStore, da)).manifest.files[0]!.name))) !== undefined, 'daughter files untouched');
    assert.deepEqual(await purgeSplitParentStore(objectStore, parent), { purged: true, deleted: 0, referencedBy: [] }, 'idempotent');
  });
});
