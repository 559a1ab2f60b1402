// Flush: what a flush publishes, what a failed flush leaves, and what the WAL may then drop.
import assert from 'node:assert/strict';
import { afterEach, test } from 'node:test';
import { ManualClock } from '../../common/clock.js';
import { ErrorCodes, errorCode, FencedError, NotServingRegionError, UnavailableError } from '../../common/errors.js';
import { FaultObjectStore } from '../../common/objectstore/fault-store.js';
import { MemoryObjectStore } from '../../common/objectstore/memory-store.js';
import { listAllKeys } from '../../common/objectstore/object-store.js';
import { storeFilesPrefix, walEpochPrefix } from '../../common/paths.js';
import { SeededRandom } from '../../common/random.js';
import { loadManifest } from '../store/store-manifest.js';
import { StoreCleaner } from '../store/store-cleaner.js';
import { S3WalBackend } from '../wal/s3-wal-backend.js';
import { splitWal } from '../wal/wal-split.js';
import { WalWriter } from '../wal/wal-writer.js';
import { columnFamily } from './column-family.js';
import { openRegion } from './region-open.js';
import { b, RegionHarness, SERVER } from './testdata/harness.js';

let harness: RegionHarness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

const put = (row: string, q: string, value: string, ts?: bigint) => ({
  kind: 'put' as const,
  row: b(row),
  columns: [{ family: b('f'), qualifier: b(q), value: b(value), ...(ts === undefined ? {} : { timestamp: ts }) }],
});

async function cellsOf(h: RegionHarness, row: string, maxVersions = 5): Promise<string[]> {
  return (await h.region.get({ row: b(row), maxVersions })).cells.map((c) => `${c.family}:${c.qualifier}@${c.timestamp}=${c.value}`);
}

test('flush publishes one file per store with edits: MAX_SEQ_ID, flushedSeqId, same-key duplicates dropped', async () => {
  const clock = new ManualClock(10_000);
  const store = new MemoryObjectStore();
  const h = (harness = await RegionHarness.open({ objectStore: store, clock, families: [columnFamily({ name: 'f', maxVersions: 5 }), columnFamily({ name: 'g' })] }));
  const r = h.region;
  assert.deepEqual(await r.flush(), { files: 0, flushedSeqId: undefined }, 'nothing to flush');
  await r.put(put('a', 'q', 'first', 5n));
  await r.put(put('a', 'q', 'second', 5n)); // same key: the newer write wins
  await r.put(put('b', 'q', 'x'));
  const lastSeq = r.lastSeqId;
  assert.equal(lastSeq, 3n);
  const out = await r.flush();
  assert.deepEqual(out, { files: 1, flushedSeqId: 3n }, 'only f had edits');
  const f = r.store('f')!;
  assert.equal(f.memstore.cellCount, 0);
  assert.equal(f.files.length, 1);
  const { manifest } = await loadManifest(store, f.id);
  assert.equal(manifest.flushedSeqId, 3n);
  assert.equal(manifest.files.length, 1);
  assert.equal(manifest.files[0]!.maxSeqId, 3n);
  assert.equal(manifest.files[0]!.entries, 2);
  const reader = f.files[0]!.reader;
  assert.equal(reader.fileInfo.maxSeqId, 3n);
  assert.equal(reader.fileInfo.bloomType, 1); // ROW
  assert.deepEqual(
    (await reader.getRow(b('a'))).map((c) => c.value.toString()),
    ['second'],
  );
  assert.equal((await loadManifest(store, r.store('g')!.id)).manifest.generation, 1, 'g: claimed, never committed');
  // Reads merge file + MemStore.
  await r.put(put('a', 'q', 'third', 6n));
  assert.deepEqual(await cellsOf(h, 'a'), ['f:q@6=third', 'f:q@5=second']);
  // A second flush's file holds only the new edits; MAX_SEQ_ID is the highest in its snapshot.
  await r.put({ kind: 'put', row: b('z'), columns: [{ family: b('g'), qualifier: b('q'), value: b('g1') }] });
  await r.flush();
  const m2 = (await loadManifest(store, f.id)).manifest;
  assert.deepEqual(m2.files.map((x) => [x.maxSeqId, x.entries]), [[3n, 2], [4n, 1]]);
  assert.equal(m2.flushedSeqId, 5n);
  assert.equal((await loadManifest(store, r.store('g')!.id)).manifest.files[0]!.maxSeqId, 5n);
  assert.deepEqual(await cellsOf(h, 'a'), ['f:q@6=third', 'f:q@5=second']);
  assert.deepEqual(await cellsOf(h, 'z'), ['g:q@10000=g1']);
});


test("flush writes a column's newest MAX_VERSIONS puts, and every put a delete marker may uncover", async () => {
  const store = new MemoryObjectStore();
  const h = (harness = await RegionHarness.open({ objectStore: store, clock: new ManualClock(10_000), families: [columnFamily({ name: 'f', maxVersions: 2 })] }));
  const r = h.region;
  for (let ts = 1n; ts <= 5n; ts++) {
    await r.put(put('a', 'q', `a${ts}`, ts));
    await r.put(put('b', 'q', `b${ts}`, ts));
  }
  // Row b: a Delete of version 5 masks it, so version 3 is the second visible one.
  await r.delete({ kind: 'delete', row: b('b'), columns: [{ family: b('f'), qualifier: b('q'), timestamp: 5n, allVersions: false }] });
  const before = [await cellsOf(h, 'a'), await cellsOf(h, 'b')];
  assert.deepEqual(before, [['f:q@5=a5', 'f:q@4=a4'], ['f:q@4=b4', 'f:q@3=b3']]);
  await r.flush();
  const f = r.store('f')!;
  // a: versions 5 and 4; b: the marker and all five puts (none trimmed after the marker).
  assert.equal(f.files[0]!.entry.entries, 2 + 6);
  assert.deepEqual([await cellsOf(h, 'a'), await cellsOf(h, 'b')], before, 'reads are unchanged');
  const raw = (await r.scanAll({ raw: true, maxVersions: 10 })).map((x) => x.cells.map((c) => `${c.row}@${c.timestamp}`).join(' '));
  assert.deepEqual(raw, ['a@5 a@4', 'b@5 b@5 b@4 b@3 b@2 b@1']);
});
test('a failed upload leaves the snapshot: reads and writes go on, the retry uses the original bound, the orphan is the cleaner\'s', async () => {
  const clock = new ManualClock(20_000);
  const inner = new MemoryObjectStore();
  const store = new FaultObjectStore(inner, new SeededRandom(3));
  const h = (harness = await RegionHarness.open({ objectStore: store, clock, families: [columnFamily({ name: 'f', maxVersions: 5 })] }));
  const r = h.region;
  await r.put(put('a', 'q', 'v1'));
  await r.put(put('b', 'q', 'v2'));
  const f = r.store('f')!;
  // The object lands but its acknowledgement is lost: an unpublished object remains.
  store.failNext('upload', 1, { failure: 'after' });
  await assert.rejects(r.flush(), UnavailableError);
  assert.ok(f.pendingFlush !== undefined, 'snapshot kept');
  assert.equal(f.pendingFlush.flushSeqId, 2n);
  assert.equal((await loadManifest(inner, f.id)).manifest.files.length, 0);
  assert.equal((await listAllKeys(inner, storeFilesPrefix(f.id))).length, 1, 'the orphan upload');
  // Writes continue into the new active segment; reads see snapshot + active.
  await r.put(put('c', 'q', 'v3'));
  assert.deepEqual(await cellsOf(h, 'a'), ['f:q@20000=v1']);
  assert.deepEqual(await cellsOf(h, 'c'), ['f:q@20000=v3']);
  // Retry: publishes the SAME snapshot with its original bound (2), not the write point (3).
  const out = await r.flush();
  assert.deepEqual(out, { files: 1, flushedSeqId: 2n });
  let m = (await loadManifest(inner, f.id)).manifest;
  assert.equal(m.flushedSeqId, 2n);
  assert.equal(h.accounting.flushedUpTo(r.name), 2n);
  assert.equal(f.memstore.cellCount, 1, 'edit 3 still in the MemStore');
  await r.flush();
  m = (await loadManifest(inner, f.id)).manifest;
  assert.equal(m.flushedSeqId, 3n);
  assert.deepEqual(m.files.map((x) => x.maxSeqId), [2n, 3n]);
  // The cleaner removes the orphan once it is older than the grace period, never a live file.
  const keys = await listAllKeys(inner, storeFilesPrefix(f.id));
  assert.equal(keys.length, 3);
  clock.advance(7 * 60 * 60 * 1000);
  const report = await new StoreCleaner(inner, f.manifest, { clock }).run();
  assert.equal(report.deletedOrphans.length, 1);
  assert.equal((await listAllKeys(inner, storeFilesPrefix(f.id))).length, 2);
  for (const row of ['a', 'b', 'c']) assert.equal((await cellsOf(h, row)).length, 1);
});

test('a failed manifest write is retried; a lost acknowledgement is resolved as applied', async () => {
  const clock = new ManualClock(30_000);
  const inner = new MemoryObjectStore();
  const store = new FaultObjectStore(inner, new SeededRandom(4));
  const h = (harness = await RegionHarness.open({ objectStore: store, clock }));
  const r = h.region;
  const f = r.store('f')!;
  await r.put(put('a', 'q', 'v1'));
  store.failNext('put', 1, { keyPrefix: 'data/' });
  await assert.rejects(r.flush(), UnavailableError);
  assert.equal(f.manifest.current.manifest.files.length, 0);
  await r.put(put('b', 'q', 'v2'));
  store.failNext('put', 1, { keyPrefix: 'data/', failure: 'after' });
  assert.deepEqual(await r.flush(), { files: 1, flushedSeqId: 1n });
  assert.equal((await loadManifest(inner, f.id)).manifest.files.length, 1);
  assert.ok(r.isOpen);
  assert.deepEqual(await r.flush(), { files: 1, flushedSeqId: 2n });
  assert.deepEqual(await cellsOf(h, 'a'), ['f:q@30000=v1']);
  assert.deepEqual(await cellsOf(h, 'b'), ['f:q@30000=v2']);
});

test('after a flush the WAL may delete the chunks it covered', async () => {
  const store = new MemoryObjectStore();
  const h = (harness = await RegionHarness.open({ objectStore: store, clock: new ManualClock(1) }));
  const r = h.region;
  for (let i = 0; i < 5; i++) await r.put(put(`r${i}`, 'q', 'v'));
  const walKeys = () => listAllKeys(store, walEpochPrefix(SERVER, h.epoch)).then((k) => k.map((o) => o.key));
  assert.equal((await walKeys()).length, 5);
  assert.equal(h.accounting.oldestUnflushed(r.name), 1n);
  await r.flush();
  assert.equal(h.accounting.oldestUnflushed(r.name), undefined);
  assert.equal(h.accounting.flushedUpTo(r.name), 5n);
  await h.wal.releaseFlushed(); // the region also starts one; this waits for it
  const left = await walKeys();
  assert.ok(left.length <= 1, `only the low-water chunk may remain: ${left.join(',')}`);
  // Everything is still readable, and survives a crash (nothing left to replay).
  const again = await h.crashAndRecover();
  assert.equal(h.lastReplay?.replayedCells, 0);
  for (let i = 0; i < 5; i++) assert.equal((await again.get({ row: b(`r${i}`) })).cells.length, 1);
});

test('a flush while writes wait for the WAL publishes only completed writes', async () => {
  const store = new MemoryObjectStore();
  const h = (harness = await RegionHarness.open({ objectStore: store, clock: new ManualClock(1) }));
  const r = h.region;
  // Start writes and a flush in the same turn: the flush's snapshot holds cells whose WAL
  // append is still in flight; it must wait for them before publishing.
  const f = r.store('f')!;
  const writes = Array.from({ length: 20 }, (_, i) => r.put(put(`w${i}`, 'q', `v${i}`)));
  // Microtasks only: the WAL commits from setImmediate, so the cells are in the MemStore and
  // not yet durable (not yet visible).
  for (let i = 0; i < 100 && f.memstore.cellCount < 20; i++) await Promise.resolve();
  assert.equal(f.memstore.cellCount, 20);
  assert.equal(r.readPoint, 0);
  const flushed = r.flush();
  await Promise.all(writes);
  const out = await flushed;
  assert.equal(out.flushedSeqId, 20n);
  assert.equal(f.files[0]!.entry.entries, 20);
  assert.ok(r.readPoint >= 20);
});

test('a fenced WAL fails the write and aborts the region; the new owner has every acknowledged write', async () => {
  const store = new MemoryObjectStore();
  const h = (harness = await RegionHarness.open({ objectStore: store, clock: new ManualClock(1) }));
  const old = h.region;
  const oldWal = h.wal;
  await old.put(put('a', 'q', 'v1'));
  // The master decides the server is dead: it fences and splits the WAL; a new owner opens.
  await splitWal(store, SERVER, h.epoch);
  await assert.rejects(old.put(put('b', 'q', 'lost')), (e: unknown) => errorCode(e) === ErrorCodes.FENCED);
  assert.equal(old.isOpen, false, 'the WAL failure aborted the old region');
  await assert.rejects(old.put(put('c', 'q', 'x')), NotServingRegionError);
  await assert.rejects(old.flush(), NotServingRegionError);
  const fresh = await h.start();
  assert.equal(h.lastReplay?.replayedCells, 1);
  assert.deepEqual((await fresh.get({ row: b('a') })).cells.map((c) => c.value.toString()), ['v1']);
  assert.deepEqual((await fresh.get({ row: b('b') })).cells, []);
  await oldWal.close();
});

test('a lost manifest CAS (a newer owner claimed the store) aborts the old region at its next flush', async () => {
  const store = new MemoryObjectStore();
  const clock = new ManualClock(1);
  const h = (harness = await RegionHarness.open({ objectStore: store, clock }));
  const old = h.region;
  await old.put(put('a', 'q', 'v1'));
  // A second server opens the same region (its manifests are claimed with a higher epoch).
  const otherWal = new WalWriter(new S3WalBackend(store, 'rs-other', 1));
  const other = await openRegion({ objectStore: store, info: h.info, families: h.families, server: 'rs-other', wal: otherWal, clock });
  await old.put(put('b', 'q', 'v2'));
  await assert.rejects(old.flush(), (e: unknown) => errorCode(e) === ErrorCodes.FENCED);
  assert.equal(old.isOpen, false);
  assert.ok(old.abortReason instanceof FencedError);
  await assert.rejects(old.put(put('c', 'q', 'x')), NotServingRegionError);
  // The new owner is unaffected.
  await other.put(put('d', 'q', 'v4'));
  assert.deepEqual(await other.flush(), { files: 1, flushedSeqId: 1n });
  await other.close();
  await otherWal.close();
});
