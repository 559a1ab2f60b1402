// Open and recovery: replay of recovered edits above each store's flushedSeqId, interrupted
// opens, deletes that must stay deleted, and sequence ids that keep growing.
import assert from 'node:assert/strict';
import { afterEach, test } from 'node:test';
import { ManualClock } from '../../common/clock.js';
import { ErrorCodes, errorCode, isRetryable, UnavailableError } from '../../common/errors.js';
import { FaultObjectStore } from '../../common/objectstore/fault-store.js';
import { MemoryObjectStore } from '../../common/objectstore/memory-store.js';
import { listAllKeys } from '../../common/objectstore/object-store.js';
import { recoveredEditsPrefix, storeFilesPrefix, storeManifestKey } from '../../common/paths.js';
import { SeededRandom } from '../../common/random.js';
import { loadManifest } from '../store/store-manifest.js';
import { columnFamily } from './column-family.js';
import { splitWal } from '../wal/wal-split.js';
import { b, RegionHarness, SERVER } from './testdata/harness.js';

let harness: RegionHarness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

const families = [columnFamily({ name: 'f', maxVersions: 3 }), columnFamily({ name: 'g', maxVersions: 3 })];

function put(row: string, family: string, value: string, ts?: bigint) {
  return { kind: 'put' as const, row: b(row), columns: [{ family: b(family), qualifier: b('q'), value: b(value), ...(ts === undefined ? {} : { timestamp: ts }) }] };
}

async function values(h: RegionHarness, row: string): Promise<string[]> {
  return (await h.region.get({ row: b(row), maxVersions: 3 })).cells.map((c) => `${c.family}=${c.value}`);
}

test('a crash before any flush loses no acknowledged write; the replay is flushed and its objects deleted', async () => {
  const store = new MemoryObjectStore();
  const h = (harness = await RegionHarness.open({ objectStore: store, clock: new ManualClock(1000), families }));
  for (let i = 0; i < 10; i++) await h.region.put(put(`r${i}`, i % 2 === 0 ? 'f' : 'g', `v${i}`));
  await h.region.increment({ row: b('n'), columns: [{ family: b('f'), qualifier: b('c'), amount: 3n }] });
  const r = await h.crashAndRecover();
  assert.equal(h.lastReplay?.replayedCells, 11);
  for (let i = 0; i < 10; i++) assert.deepEqual(await values(h, `r${i}`), [`${i % 2 === 0 ? 'f' : 'g'}=v${i}`]);
  assert.equal((await r.get({ row: b('n') })).cells[0]!.value.readBigInt64BE(0), 3n);
  assert.deepEqual(await listAllKeys(store, recoveredEditsPrefix(r.name)), [], 'recovered edits deleted once flushed');
  assert.equal(r.store('f')!.memstore.cellCount, 0, 'replayed edits were flushed at open');
  assert.ok(r.lastSeqId >= 11n);
  // New writes continue above every replayed seq id, and survive the next crash too.
  await r.increment({ row: b('n'), columns: [{ family: b('f'), qualifier: b('c'), amount: 4n }] });
  assert.ok(r.lastSeqId > 11n);
  const r2 = await h.crashAndRecover();
  assert.equal(h.lastReplay?.replayedCells, 1);
  assert.equal((await r2.get({ row: b('n') })).cells[0]!.value.readBigInt64BE(0), 7n);
});

test('stores flush independently: replay skips what each store already has', async () => {
  const inner = new MemoryObjectStore();
  const store = new FaultObjectStore(inner, new SeededRandom(5));
  const h = (harness = await RegionHarness.open({ objectStore: store, clock: new ManualClock(1000), families }));
  const r = h.region;
  await r.put(put('a', 'f', 'f1'));
  await r.put(put('a', 'g', 'g1'));
  await r.batchMutate([put('b', 'f', 'f2'), put('b', 'g', 'g2')]);
  // g's upload fails, f's succeeds: f.flushedSeqId = 4, g still 0.
  store.failNext('upload', 10, { keyPrefix: storeFilesPrefix(r.store('g')!.id) });
  await assert.rejects(r.flush());
  store.clear();
  assert.equal((await loadManifest(inner, r.store('f')!.id)).manifest.flushedSeqId, 4n);
  assert.equal((await loadManifest(inner, r.store('g')!.id)).manifest.flushedSeqId, 0n);
  assert.equal(h.accounting.flushedUpTo(r.name), -1n, 'the region is not flushed until every store is');
  await r.put(put('c', 'f', 'f3'));
  const r2 = await h.crashAndRecover();
  // Replayed: g's two cells and f's edit 5; skipped: f's two flushed cells.
  assert.equal(h.lastReplay?.replayedCells, 3);
  assert.equal(h.lastReplay?.skippedCells, 2);
  assert.deepEqual(await values(h, 'a'), ['f=f1', 'g=g1']);
  assert.deepEqual(await values(h, 'b'), ['f=f2', 'g=g2']);
  assert.deepEqual(await values(h, 'c'), ['f=f3']);
  assert.equal((await loadManifest(inner, r2.store('g')!.id)).manifest.files.length, 1);
});

test('an open interrupted during its flush is repeated without loss; recovered edits stay until it succeeds', async () => {
  const inner = new MemoryObjectStore();
  const store = new FaultObjectStore(inner, new SeededRandom(6));
  const h = (harness = await RegionHarness.open({ objectStore: store, clock: new ManualClock(1000), families }));
  await h.region.put(put('a', 'f', 'v1'));
  await h.region.put(put('a', 'g', 'v2'));
  const region = h.region.name;
  // The first open replays, then its flush of g fails: the open fails as a whole.
  store.failNext('upload', 1000, { keyPrefix: storeFilesPrefix(h.region.store('g')!.id) });
  await assert.rejects(h.crashAndRecover());
  assert.equal((await listAllKeys(inner, recoveredEditsPrefix(region))).length, 1, 'recovered edits kept');
  store.clear();
  // The next attempt: f already has its edit (skipped), g replays.
  await h.start();
  assert.equal(h.lastReplay?.skippedCells, 1);
  assert.equal(h.lastReplay?.replayedCells, 1);
  assert.deepEqual(await values(h, 'a'), ['f=v1', 'g=v2']);
  assert.deepEqual(await listAllKeys(inner, recoveredEditsPrefix(region)), []);
});

test('deletes stay deleted across flushes and crashes', async () => {
  const clock = new ManualClock(5000);
  const h = (harness = await RegionHarness.open({ objectStore: new MemoryObjectStore(), clock, families }));
  const r = h.region;
  await r.put(put('a', 'f', 'old', 100n));
  await r.put(put('a', 'f', 'older', 50n));
  await r.put(put('b', 'f', 'x'));
  await r.flush();
  // Markers only in the MemStore / WAL.
  await r.delete({ kind: 'delete', row: b('a'), columns: [{ family: b('f'), qualifier: b('q'), allVersions: false }] }); // the 100 version
  await r.delete({ kind: 'delete', row: b('b'), columns: [] });
  assert.deepEqual(await values(h, 'a'), ['f=older']);
  await h.crashAndRecover();
  assert.deepEqual(await values(h, 'a'), ['f=older']);
  assert.deepEqual(await values(h, 'b'), []);
  // A put with an older timestamp stays hidden by the whole-row delete, after another crash too.
  await h.region.put(put('b', 'f', 'ghost', 10n));
  await h.region.flush();
  await h.crashAndRecover();
  assert.deepEqual(await values(h, 'b'), []);
  assert.deepEqual(await values(h, 'a'), ['f=older']);
});

test('an owner older than the store\'s current one is refused at open', async () => {
  const store = new MemoryObjectStore();
  const h = (harness = await RegionHarness.open({ objectStore: store, clock: new ManualClock(1), families }));
  await h.region.close();
  await h.start({ epoch: 10 });
  await h.region.close();
  await assert.rejects(h.start({ epoch: 9 }), (e: unknown) => errorCode(e) === ErrorCodes.FENCED);
});

test('an open whose recovery flush meets a manifest write of unknown outcome fails retryably; opening again works', async () => {
  const inner = new MemoryObjectStore();
  const store = new FaultObjectStore(inner, new SeededRandom(9));
  const h = (harness = await RegionHarness.open({ objectStore: store, clock: new ManualClock(1000), families }));
  await h.region.put(put('a', 'f', 'v1'));
  const manifestKey = storeManifestKey(h.region.store('f')!.id);
  h.wal.abort('crash');
  h.region.abort(new Error('crash'));
  await splitWal(store, SERVER, h.epoch);
  // After the replay, the flush's manifest write lands but its answer is lost, and the
  // read-back fails too: the tracker cannot tell, closes, and the open fails — retryably.
  const failed = h.start({
    onReplay: () => {
      store.failNext('put', 1, { failure: 'after', keyPrefix: manifestKey });
      store.failNext('get', 1, { keyPrefix: manifestKey });
    },
  });
  await assert.rejects(failed, (e: unknown) => e instanceof UnavailableError && isRetryable(e));
  await h.start();
  assert.deepEqual(await values(h, 'a'), ['f=v1']);
});

test('a batch of rows is one sequence id and one WAL entry (a large one several); a crash after it replays every row', async () => {
  const store = new MemoryObjectStore();
  const h = (harness = await RegionHarness.open({ objectStore: store, clock: new ManualClock(1000), families }));
  const r = h.region;
  const before = r.lastSeqId;
  const small = Array.from({ length: 50 }, (_, i) => put(`s${String(i).padStart(2, '0')}`, i % 2 === 0 ? 'f' : 'g', `v${i}`));
  assert.ok((await r.batchMutate(small)).every((o) => o.ok));
  assert.equal(r.lastSeqId, before + 1n, 'one sequence id for the 50 rows');
  // 14 rows of 600 KB: WAL groups of at most 4 MiB (6 rows: 3.6 MB; a 7th would pass 4 MiB),
  // so 6 + 6 + 2, each its own sequence id.
  const big = Array.from({ length: 14 }, (_, i) => put(`b${String(i).padStart(2, '0')}`, 'f', String.fromCharCode(97 + i).repeat(600_000)));
  assert.ok((await r.batchMutate(big)).every((o) => o.ok));
  assert.equal(r.lastSeqId, before + 4n, 'three groups of big rows');
  const r2 = await h.crashAndRecover();
  assert.equal(h.lastReplay?.replayedCells, 64);
  for (let i = 0; i < 50; i++) assert.deepEqual(await values(h, `s${String(i).padStart(2, '0')}`), [`${i % 2 === 0 ? 'f' : 'g'}=v${i}`]);
  for (let i = 0; i < 14; i++) {
    const v = (await r2.get({ row: b(`b${String(i).padStart(2, '0')}`) })).cells[0]!.value;
    assert.ok(v.length === 600_000 && v[0] === 97 + i && v[599_999] === 97 + i, `row b${i}`);
  }
});
