// Write backpressure: writes wait (bounded) instead of failing while the MemStore is over its
// blocking size or a store has too many files; TSB_THROTTLED only after busyWaitMs.
import assert from 'node:assert/strict';
import { afterEach, test } from 'node:test';
import { systemClock } from '../../common/clock.js';
import { ErrorCodes, errorCode } from '../../common/errors.js';
import { FaultObjectStore } from '../../common/objectstore/fault-store.js';
import { MemoryObjectStore } from '../../common/objectstore/memory-store.js';
import { SeededRandom } from '../../common/random.js';
import { columnFamily } from './column-family.js';
import type { CompactionRequester } from './region.js';
import { b, RegionHarness } from './testdata/harness.js';

let harness: RegionHarness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

const put = (i: number) => ({ kind: 'put' as const, row: b(`row${String(i).padStart(5, '0')}`), columns: [{ family: b('f'), qualifier: b('q'), value: Buffer.alloc(200, i % 251) }] });

/** Lets queued microtasks and immediates run. */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

test('over the blocking size with flushes failing, writes wait then fail TSB_THROTTLED; nothing is lost', async () => {
  const store = new FaultObjectStore(new MemoryObjectStore(), new SeededRandom(7));
  const h = (harness = await RegionHarness.open({ objectStore: store, clock: systemClock, config: { flushSizeBytes: 2000, blockingMultiplier: 2, busyWaitMs: 50 } }));
  const r = h.region;
  store.addRule({ op: 'upload', failure: 'before' });
  let acked = 0;
  let throttled: unknown;
  for (let i = 0; i < 100 && throttled === undefined; i++) {
    try {
      await r.put(put(i));
      acked++;
    } catch (e) {
      throttled = e;
    }
  }
  assert.equal(errorCode(throttled), ErrorCodes.THROTTLED, String(throttled));
  assert.ok(r.memStoreHeapSize > 4000);
  assert.ok(acked >= 10 && acked < 100);
  assert.ok(r.isOpen, 'backpressure is not a failure');
  store.clear();
  await r.flush();
  await r.put(put(1000));
  for (let i = 0; i < acked; i++) assert.equal((await r.get({ row: put(i).row })).cells.length, 1);
});

test('a store with too many files holds the flush back and writes wait until a compaction catches up', async () => {
  const asked: string[] = [];
  let compactionAsked!: () => void;
  const askedOnce = new Promise<void>((resolve) => (compactionAsked = resolve));
  const compactor: CompactionRequester = {
    requestCompaction: (_region, reason) => {
      asked.push(reason);
      compactionAsked();
    },
  };
  const h = (harness = await RegionHarness.open({
    objectStore: new MemoryObjectStore(),
    clock: systemClock,
    families: [columnFamily({ name: 'f' })],
    config: { flushSizeBytes: 2000, blockingStoreFiles: 1, blockingWaitTimeMs: 60_000, busyWaitMs: 60_000 },
    openOptions: { compactor },
  }));
  const r = h.region;
  const f = r.store('f')!;
  await r.put(put(0));
  await r.flush();
  await r.put(put(1));
  await r.flush();
  assert.ok(f.isBlocked());
  // Fill the MemStore to the flush size: the requested flush is held back, a compaction asked for.
  let i = 2;
  while (!r.needsFlush()) await r.put(put(i++));
  await askedOnce;
  assert.deepEqual(asked.slice(0, 1), ['too many store files']);
  assert.equal(f.files.length, 2, 'flush held back');
  let done = false;
  const waiting = r.put(put(i)).then(() => (done = true));
  for (let k = 0; k < 20; k++) await settle();
  assert.equal(done, false, 'the write waits');
  // "Compaction": retire both files (dropping their cells is enough to test the hook).
  const names = f.files.map((x) => x.name);
  await f.manifest.commit({ kind: 'compaction', inputFiles: names, inputReferences: [], outputs: [] });
  f.replaceFiles(names, []);
  r.wakePressureWaiters();
  await waiting;
  assert.equal(done, true);
  assert.equal(f.files.length, 1, 'the held flush ran');
  assert.equal((await r.get({ row: put(i).row })).cells.length, 1);
});
