// Compaction: reads unchanged by minor and major compactions, what a major compaction drops,
// the worker-thread path, the throughput limit, and write backpressure released by compaction.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { afterEach, test } from 'node:test';
import { ManualClock, systemClock } from '../../common/clock.js';
import { MemoryObjectStore } from '../../common/objectstore/memory-store.js';
import type { Result } from '../../common/ops/operations.js';
import { columnFamily } from '../region/column-family.js';
import type { Region } from '../region/region.js';
import { b, RegionHarness } from '../region/testdata/harness.js';
import { candidatesOf } from '../store/compaction-policy.js';
import { loadManifest } from '../store/store-manifest.js';
import { WorkerRunner } from './compaction-runner.js';
import { CompactionScheduler } from './compaction-scheduler.js';
import { compactStore } from './compactor.js';
import { ThroughputController } from './throughput-controller.js';

let harness: RegionHarness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

const NOW = 10_000_000_000;
const put = (row: string, q: string, value: string, ts: bigint) => ({ kind: 'put' as const, row: b(row), columns: [{ family: b('f'), qualifier: b(q), value: b(value), timestamp: ts }] });

function show(results: readonly Result[]): string[] {
  return results.flatMap((r) => r.cells.map((c) => `${c.row}/${c.qualifier}@${c.timestamp}:${c.type}=${c.value}`));
}
const readAll = async (r: Region, raw = false): Promise<string[]> => show(await r.scanAll({ maxVersions: 10, raw }));
const oldestFirst = (r: Region): string[] => candidatesOf(r.store('f')!.manifest.current.manifest).map((c) => c.name);

/** Four flushed files with excess versions, every delete type and an expired cell. */
async function fourFiles(r: Region): Promise<void> {
  const t = BigInt(NOW);
  for (let i = 0; i < 10; i++) await r.put(put(`r${i}`, 'a', `v1-${i}`, t + 100n));
  await r.put(put('r9', 'old', 'expired', t - 5_000_000n)); // older than the 1000 s TTL
  await r.flush();
  for (let i = 0; i < 10; i++) await r.put(put(`r${i}`, 'a', `v2-${i}`, t + 200n));
  await r.delete({ kind: 'delete', row: b('r1'), columns: [{ family: b('f'), qualifier: b('a'), timestamp: t + 150n, allVersions: true }] });
  await r.flush();
  for (let i = 0; i < 10; i++) await r.put(put(`r${i}`, 'a', `v3-${i}`, t + 300n)); // 3 versions, MAX_VERSIONS 2
  await r.delete({ kind: 'delete', row: b('r2'), columns: [], timestamp: t + 1000n });
  // With the version it masks: a compaction without the marker would count v3 as a version
  // and drop v1 as excess (HBase behaves the same; reads then change).
  await r.delete({ kind: 'delete', row: b('r3'), columns: [{ family: b('f'), qualifier: b('a'), timestamp: t + 300n, allVersions: false }] });
  await r.flush();
  await r.put(put('r4', 'b', 'x', t + 50n));
  await r.flush();
}

test('minor then major compaction: reads identical; major drops deleted, expired and excess versions and every marker', async () => {
  const clock = new ManualClock(NOW);
  const store = new MemoryObjectStore();
  const h = (harness = await RegionHarness.open({ objectStore: store, clock, families: [columnFamily({ name: 'f', maxVersions: 2, ttlSeconds: 1000 })] }));
  const r = h.region;
  await fourFiles(r);
  const f = r.store('f')!;
  assert.equal(f.files.length, 4);
  const before = await readAll(r);
  assert.ok(before.includes('r3/a@' + String(BigInt(NOW) + 200n) + ':4=v2-3'), 'r3 falls back to its older version');
  assert.ok(!before.some((s) => s.startsWith('r2/')), 'r2 deleted');
  const rawBefore = await readAll(r, true);

  // Minor: the three oldest files. Markers stay (the newest file is not in the selection).
  const names = oldestFirst(r);
  const inputsMax = f.files.filter((x) => names.slice(0, 3).includes(x.name)).reduce((m, x) => (x.entry.maxSeqId > m ? x.entry.maxSeqId : m), 0n);
  const minor = await compactStore(f, { files: names.slice(0, 3), kind: 'minor' }, { objectStore: store, clock });
  assert.equal(f.files.length, 2);
  assert.equal(minor.output!.maxSeqId, inputsMax, 'MAX_SEQ_ID = max of the inputs');
  assert.equal(minor.output!.majorCompaction, false);
  assert.deepEqual(await readAll(r), before);
  const rawMinor = await readAll(r, true);
  assert.ok(rawMinor.some((s) => s.startsWith('r2/') && !s.includes(':4=')), 'minor keeps the family marker');
  assert.ok(rawMinor.length < rawBefore.length, 'minor drops masked and excess versions');
  let m = (await loadManifest(store, f.id)).manifest;
  assert.deepEqual(m.retired.map((x) => x.name).sort(), names.slice(0, 3).sort(), 'inputs retired for the cleaner');

  // Major: every file.
  const major = await compactStore(f, { files: oldestFirst(r), kind: 'major' }, { objectStore: store, clock });
  assert.equal(f.files.length, 1);
  assert.equal(major.output!.majorCompaction, true);
  assert.deepEqual(await readAll(r), before);
  const raw = await readAll(r, true);
  assert.ok(
    raw.every((s) => s.includes(':4=')),
    `no markers left: ${raw.join(' ')}`,
  );
  assert.ok(!raw.some((s) => s.startsWith('r2/')), 'family-deleted row gone');
  assert.ok(!raw.some((s) => s.startsWith('r1/a@' + String(BigInt(NOW) + 100n))), 'column-deleted version gone');
  assert.ok(!raw.some((s) => s.includes('expired')), 'expired cell gone');
  const perColumn = new Map<string, number>();
  for (const s of raw) perColumn.set(s.split('@')[0]!, (perColumn.get(s.split('@')[0]!) ?? 0) + 1);
  assert.ok([...perColumn.values()].every((n) => n <= 2), 'at most MAX_VERSIONS per column');
  m = (await loadManifest(store, f.id)).manifest;
  assert.equal(m.files.length, 1);
  assert.equal(m.files[0]!.entries, raw.length);
  // A major compaction must cover every file.
  await r.put(put('z', 'a', 'z', BigInt(NOW)));
  await r.flush();
  await assert.rejects(compactStore(f, { files: [oldestFirst(r)[0]!], kind: 'major' }, { objectStore: store, clock }), /every file/);
});

test('major compaction dropping every cell publishes no file', async () => {
  const clock = new ManualClock(NOW);
  const store = new MemoryObjectStore();
  const h = (harness = await RegionHarness.open({ objectStore: store, clock }));
  const r = h.region;
  await r.put(put('a', 'q', 'x', 5n));
  await r.flush();
  await r.delete({ kind: 'delete', row: b('a'), columns: [], timestamp: 10n });
  await r.flush();
  const res = await compactStore(r.store('f')!, { files: oldestFirst(r), kind: 'major' }, { objectStore: store, clock });
  assert.equal(res.output, undefined);
  assert.equal(r.store('f')!.files.length, 0);
  assert.deepEqual(await readAll(r, true), []);
  assert.equal((await loadManifest(store, r.store('f')!.id)).manifest.files.length, 0);
});

test('the merge runs in a worker thread and gives the same reads', async () => {
  const clock = new ManualClock(NOW);
  const store = new MemoryObjectStore();
  const h = (harness = await RegionHarness.open({ objectStore: store, clock, families: [columnFamily({ name: 'f', maxVersions: 2, ttlSeconds: 1000, compression: 'GZ', dataBlockEncoding: 'PREFIX' })] }));
  const r = h.region;
  await fourFiles(r);
  const before = await readAll(r);
  const runner = new WorkerRunner();
  const res = await compactStore(r.store('f')!, { files: oldestFirst(r), kind: 'major' }, { objectStore: store, clock, runner });
  assert.equal(runner.threadIds.length, 1);
  assert.notEqual(runner.threadIds[0], 0, 'not the main thread');
  assert.ok(res.bytesWritten > 0);
  assert.deepEqual(await readAll(r), before);
});

/** 1 KiB of incompressible bytes per cell, from a hash chain (deterministic). */
function value(i: number): string {
  let out = '';
  let h = Buffer.from(String(i));
  while (out.length < 1024) {
    h = createHash('sha256').update(h).digest();
    out += h.toString('base64');
  }
  return out.slice(0, 1024);
}

test('throughput limit: a big compaction waits on the token bucket of the clock', async () => {
  const clock = new ManualClock(NOW);
  const store = new MemoryObjectStore();
  const h = (harness = await RegionHarness.open({ objectStore: store, clock }));
  const r = h.region;
  for (let f = 0; f < 3; f++) {
    for (let i = 0; i < 300; i++) await r.put(put(`r${String(i).padStart(4, '0')}`, `q${f}`, value(f * 1000 + i), BigInt(NOW)));
    await r.flush();
  }
  const rate = 100 * 1024;
  const throttle = new ThroughputController(clock, { bytesPerSec: rate, burstBytes: 64 * 1024 });
  let done = false;
  const p = compactStore(r.store('f')!, { files: oldestFirst(r), kind: 'major' }, { objectStore: store, clock, throttle }).finally(() => (done = true));
  let advanced = 0;
  while (!done) {
    await new Promise((res) => setImmediate(res));
    clock.advance(50);
    advanced += 50;
  }
  const res = await p;
  assert.ok(res.bytesWritten > 900 * 1024, `bytes ${res.bytesWritten}`);
  const expectMs = ((res.bytesWritten - 64 * 1024) / rate) * 1000;
  assert.ok(throttle.throttledMs >= expectMs - 1000, `throttled ${throttle.throttledMs} ms, expected ~${expectMs}`);
  assert.ok(advanced >= expectMs - 1000, 'the compaction could not finish before the clock allowed it');
  assert.equal(throttle.bytes, res.bytesWritten);
  const unlimited = new ThroughputController(clock, { bytesPerSec: Infinity });
  await unlimited.acquire(10 * 1024 * 1024);
  assert.equal(unlimited.throttledMs, 0);
});

test('too many store files block writes until a compaction brings the count down', async () => {
  const store = new MemoryObjectStore();
  let allow = false;
  const scheduler = new CompactionScheduler({ objectStore: store, runner: new WorkerRunner() });
  let requests = 0;
  const compactor = {
    requestCompaction(region: Region, reason: string): void {
      requests++;
      if (allow) scheduler.requestCompaction(region, reason);
    },
  };
  const h = (harness = await RegionHarness.open({
    objectStore: store,
    clock: systemClock,
    config: { blockingStoreFiles: 3, flushSizeBytes: 4096, busyWaitMs: 60_000, blockingWaitTimeMs: 60_000 },
    openOptions: { compactor },
  }));
  const r = h.region;
  for (let f = 0; f < 4; f++) {
    await r.put(put(`r${f}`, 'a', 'x', 1n));
    await r.flush();
  }
  const s = r.store('f')!;
  assert.equal(s.isBlocked(), true);
  // Fill the MemStore past the flush size: the flush is held back, so writes wait.
  let settled = false;
  const writes = (async () => {
    for (let i = 0; i < 20; i++) await r.put(put(`w${i}`, 'a', value(i), 1n));
  })().finally(() => (settled = true));
  for (let i = 0; i < 50 && requests === 0; i++) await new Promise((res) => setTimeout(res, 10));
  assert.ok(requests > 0, 'the held-back flush asked for a compaction');
  assert.equal(settled, false, 'writes wait (backpressure, not failure)');
  allow = true;
  scheduler.requestCompaction(r, 'test');
  await writes;
  await scheduler.whenIdle();
  assert.ok(scheduler.completed >= 1);
  assert.equal(s.isBlocked(), false);
  for (let i = 0; i < 20; i++) assert.equal((await r.get({ row: b(`w${i}`) })).cells.length, 1);
  for (let f = 0; f < 4; f++) assert.equal((await r.get({ row: b(`r${f}`) })).cells.length, 1);
  await scheduler.stop();
});
