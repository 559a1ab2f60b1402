// MemStoreManager: per-region size, global lower/upper limits and the WAL-volume trigger.
import assert from 'node:assert/strict';
import { afterEach, test } from 'node:test';
import { systemClock } from '../../common/clock.js';
import { ErrorCodes, errorCode, InvalidError } from '../../common/errors.js';
import { FaultObjectStore } from '../../common/objectstore/fault-store.js';
import { MemoryObjectStore } from '../../common/objectstore/memory-store.js';
import { SeededRandom } from '../../common/random.js';
import { MemStoreManager } from './flush-policy.js';
import { regionInfo } from './region-info.js';
import { b, RegionHarness } from './testdata/harness.js';

const harnesses: RegionHarness[] = [];
afterEach(async () => {
  for (const h of harnesses.splice(0)) await h.close();
});

const put = (row: string, bytes: number) => ({ kind: 'put' as const, row: b(row), columns: [{ family: b('f'), qualifier: b('q'), value: Buffer.alloc(bytes, 7) }] });

async function until(pred: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 10_000 && !pred(); i++) await new Promise<void>((resolve) => setImmediate(resolve));
  assert.ok(pred(), `timed out waiting for ${what}`);
}

async function regionOn(manager: MemStoreManager, name: string, opts: { store?: MemoryObjectStore | FaultObjectStore; busyWaitMs?: number } = {}): Promise<RegionHarness> {
  const h = await RegionHarness.open({
    objectStore: opts.store ?? new MemoryObjectStore(),
    clock: systemClock,
    info: regionInfo('default', name, Buffer.alloc(0), Buffer.alloc(0), 1),
    config: { flushSizeBytes: 1 << 30, busyWaitMs: opts.busyWaitMs ?? 60_000 },
    flusher: () => manager,
  });
  harnesses.push(h);
  return h;
}

test('above the global lower limit the largest region is flushed, not the others', async () => {
  const m = new MemStoreManager({ globalUpperLimitBytes: 40_000, lowerLimitFraction: 0.5 });
  const big = await regionOn(m, 'big');
  const small = await regionOn(m, 'small');
  await small.region.put(put('s', 2000));
  let i = 0;
  while (m.totalHeap < m.lowerLimit - 2500) await big.region.put(put(`b${i++}`, 2000));
  assert.equal(m.flushCount + m.pending, 0, 'below the lower limit nothing flushes');
  await big.region.put(put(`b${i++}`, 2000));
  await big.region.put(put(`b${i}`, 2000)); // now above it
  await until(() => m.flushCount === 1 && m.pending === 0, 'the flush');
  assert.equal(big.region.store('f')!.files.length, 1);
  assert.equal(small.region.store('f')!.files.length, 0);
  assert.equal(m.totalHeap, small.region.memStoreHeapSize + big.region.memStoreHeapSize, 'the manager tracks what remains');
  assert.ok(m.totalHeap < m.lowerLimit);
  await big.region.close();
  await small.region.close();
  assert.equal(m.totalHeap, 0);
});

test('at the global upper limit writes of every region wait, and go on once a flush frees memory', async () => {
  const faulty = new FaultObjectStore(new MemoryObjectStore(), new SeededRandom(8));
  const m = new MemStoreManager({ globalUpperLimitBytes: 10_000, lowerLimitFraction: 0.9 });
  const a = await regionOn(m, 'a', { store: faulty });
  const other = await regionOn(m, 'other', { busyWaitMs: 30 });
  const stop = faulty.addRule({ op: 'upload', failure: 'before' });
  for (let i = 0; i < 5; i++) await a.region.put(put(`a${i}`, 2000));
  assert.ok(m.globalBlocked());
  // Another region's write waits, then is throttled (its own MemStore is empty).
  await assert.rejects(other.region.put(put('o', 10)), (e: unknown) => errorCode(e) === ErrorCodes.THROTTLED);
  // Once flushes work again the waiting writes proceed.
  const waiting = a.region.put(put('a-last', 10));
  stop();
  await a.region.flush();
  await waiting;
  assert.ok(!m.globalBlocked());
  await other.region.put(put('o', 10));
});

test('too many WAL units: the regions holding the oldest one are flushed and the WAL shrinks', async () => {
  let manager: MemStoreManager | undefined;
  const h = await RegionHarness.open({
    objectStore: new MemoryObjectStore(),
    clock: systemClock,
    config: { flushSizeBytes: 1 << 30 },
    flusher: (accounting) => (manager = new MemStoreManager({ globalUpperLimitBytes: 1 << 30, accounting, maxWalUnits: 3 })),
  });
  harnesses.push(h);
  const m = manager!;
  for (let i = 0; i < 3; i++) await h.region.put(put(`r${i}`, 10));
  assert.equal(h.accounting.unitCount, 3);
  assert.equal(m.flushCount, 0);
  await h.region.put(put('r3', 10));
  await until(() => m.flushCount === 1 && m.pending === 0, 'the wal-triggered flush');
  assert.equal(h.region.store('f')!.files.length, 1);
  await h.wal.releaseFlushed();
  assert.ok(h.accounting.unitCount <= 1, `units left: ${h.accounting.unitCount}`);
});

test('a closing region that holds the oldest WAL unit is not flushed by the manager in a loop (the region-server hang)', async () => {
  // The close waits for a write whose WAL chunk is slow; when that chunk lands the WAL has too
  // many units and the closing region blocks the oldest. Before the fix the manager requested
  // its flush, flushWhenAllowed returned at once (region closing), the manager asked again in
  // the same microtask chain, forever: the event loop starved and the close never finished.
  const faulty = new FaultObjectStore(new MemoryObjectStore(), new SeededRandom(3));
  let manager: MemStoreManager | undefined;
  const h = await RegionHarness.open({
    objectStore: faulty,
    clock: systemClock,
    config: { flushSizeBytes: 1 << 30 },
    flusher: (accounting) => (manager = new MemStoreManager({ globalUpperLimitBytes: 1 << 30, accounting, maxWalUnits: 3 })),
  });
  harnesses.push(h);
  const m = manager!;
  const region = h.region;
  let calls = 0;
  const original = region.flushWhenAllowed.bind(region);
  region.flushWhenAllowed = () => {
    // Stop a regression from starving the test's own event loop: fail (which the manager
    // delays) once the loop is evident; the assertion below reports it.
    if (++calls > 1000) return Promise.reject(new Error('flushWhenAllowed called in a loop'));
    return original();
  };
  for (let i = 0; i < 3; i++) await region.put(put(`r${i}`, 10));
  assert.equal(h.accounting.unitCount, 3);
  faulty.addRule({ op: 'put', keyPrefix: 'wal/', latencyMs: 100, times: 1 });
  const slowWrite = region.put(put('r3', 10));
  await new Promise<void>((resolve) => setImmediate(resolve));
  const closing = region.close();
  await slowWrite;
  await closing;
  assert.ok(h.accounting.unitCount > 3, 'the slow write made one unit too many');
  assert.ok(calls <= 1, `flushWhenAllowed called ${calls} times for a closing region`);
  assert.equal(m.pending, 0);
  // The close flushed everything: a reopen finds the rows in files.
  await h.start();
  for (let i = 0; i < 4; i++) assert.equal((await h.region.get({ row: b(`r${i}`) })).cells.length, 1);
});

test('bad settings are refused', () => {
  assert.throws(() => new MemStoreManager({ globalUpperLimitBytes: 0 }), InvalidError);
  assert.throws(() => new MemStoreManager({ lowerLimitFraction: 1.5 }), InvalidError);
  assert.throws(() => new MemStoreManager({ flushConcurrency: 0 }), InvalidError);
  assert.ok(new MemStoreManager().upperLimit > 0);
});
