// The region server process: registration and load reports in coordination, the HTTP port,
// a clean stop (waits for the master to move regions, flushes the rest, deregisters), self-
// fencing on a lost lease (nothing acknowledged lost: the master's WAL split recovers it), and a
// standalone restart that splits the previous run's local WAL.

import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { pino } from 'pino';
import { ManualClock } from '../../common/clock.js';
import { clusterKeys } from '../../common/coordination/cluster-keys.js';
import type { Coordination } from '../../common/coordination/coordination.js';
import { MemoryCoordination } from '../../common/coordination/memory-coordination.js';
import { ErrorCodes, NotServingRegionError, UnavailableError } from '../../common/errors.js';
import { FaultObjectStore } from '../../common/objectstore/fault-store.js';
import { MemoryObjectStore } from '../../common/objectstore/memory-store.js';
import { SeededRandom } from '../../common/random.js';
import { ManifestStore } from '../store/store-manifest.js';
import { splitWal } from '../wal/wal-split.js';
import { RegionServer } from './region-server.js';
import { noRpcServer } from './rpc-listener.js';
import { CLUSTER, get, put, readOnNextHost, settle, startTestServer, TABLE, valueOf, wholeRegion } from './server-test-util.js';

test('registers under a lease with its addresses and load; HTTP health, readiness, metrics and status; gone after stop', { timeout: 120_000 }, async () => {
  const t = await startTestServer({ loadReportIntervalMs: 50 });
  const http = `http://${t.server.httpAddress}`;
  try {
    const rec = await t.record();
    assert.ok(rec !== undefined, 'registered');
    assert.equal(rec.serverName, t.server.serverName);
    assert.match(rec.serverName, /^127\.0\.0\.1,\d+,\d+$/);
    assert.equal(rec.rpcAddress, t.server.rpcAddress);
    assert.equal(rec.httpAddress, t.server.httpAddress);
    assert.equal(rec.startCode, t.server.startCode);
    assert.equal(rec.stopping, undefined);
    const entry = await t.coordination.get(clusterKeys(CLUSTER).server(t.server.serverName));
    assert.ok(entry?.lease !== undefined, 'the key is leased');

    const info = wholeRegion();
    await t.call('OPEN_REGION', { info, table: TABLE });
    await t.call('MUTATE', { region: info.encodedName, mutation: put('r', 'q', 'v') });
    await t.call('FLUSH_REGION', { region: info.encodedName });
    await t.call('MUTATE', { region: info.encodedName, mutation: put('r2', 'q', 'v') });
    // The load report catches up within a few intervals.
    let load = (await t.record())!.load;
    for (let i = 0; i < 200 && (load.regions !== 1 || load.storeFiles !== 1 || load.memStoreBytes === 0); i++) {
      await new Promise((r) => setTimeout(r, 10));
      load = (await t.record())!.load;
    }
    assert.equal(load.regions, 1);
    assert.equal(load.storeFiles, 1);
    assert.ok(load.storeFileBytes > 0 && load.memStoreBytes > 0 && load.writeRequests === 2, JSON.stringify(load));

    const health = await fetch(`${http}/health`);
    assert.equal(health.status, 200);
    assert.deepEqual(await health.json(), { status: 'ok' });
    const ready = await fetch(`${http}/ready`);
    assert.equal(ready.status, 200);
    const metrics = await (await fetch(`${http}/metrics`)).text();
    assert.match(metrics, /tsbase_regionserver_requests_total\{method="MUTATE"\} 2/);
    assert.match(metrics, /tsbase_regionserver_regions\{state="OPEN"\} 1/);
    assert.match(metrics, /tsbase_regionserver_store_files 1/);
    assert.match(metrics, /tsbase_wal_entries_total [1-9]/);
    assert.match(metrics, /tsbase_wal_sync_duration_seconds_bucket\{le="0\.001"\} \d/);
    assert.match(metrics, /tsbase_wal_sync_duration_seconds_count [1-9]/);
    assert.match(metrics, /tsbase_wal_slow_syncs_total \d/);
    assert.match(metrics, /tsbase_wal_bytes_total [1-9]/);
    assert.match(metrics, /tsbase_blockcache_capacity_bytes\{tier="memory"\}/);
    assert.match(metrics, /process_cpu_user_seconds_total/);
    const status = (await (await fetch(`${http}/status`)).json()) as { serverName: string; state: string; regions: Array<{ encodedName: string; state: string; storeFiles: number }> };
    assert.equal(status.serverName, t.server.serverName);
    assert.equal(status.state, 'running');
    assert.deepEqual(
      status.regions.map((r) => [r.encodedName, r.state, r.storeFiles]),
      [[info.encodedName, 'OPEN', 1]],
    );
    const page = await fetch(`${http}/`);
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-type') ?? '', /text\/html/);
    const html = await page.text();
    assert.ok(html.includes(info.encodedName) && html.includes(t.server.serverName), html);
  } finally {
    await t.server.stop();
  }
  assert.equal(t.server.state, 'stopped');
  assert.equal(await t.record(), undefined, 'deregistered');
  await assert.rejects(fetch(`${http}/health`), 'the HTTP port is closed');
  await assert.rejects(t.call('GET', { region: wholeRegion().encodedName, get: get('r') }), NotServingRegionError);
});

test('/ready answers 503 until the server is registered', { timeout: 120_000 }, async () => {
  const inner = new MemoryCoordination();
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  // Coordination whose lease grant waits: the server is up (HTTP listening) but not registered.
  const coordination: Coordination = {
    get: (k) => inner.get(k),
    list: (p) => inner.list(p),
    put: (k, v, o) => inner.put(k, v, o),
    delete: (k) => inner.delete(k),
    deletePrefix: (p) => inner.deletePrefix(p),
    txn: (c, o) => inner.txn(c, o),
    grantLease: async (ttlMs) => {
      await gate;
      return inner.grantLease(ttlMs);
    },
    watch: (p, l, o) => inner.watch(p, l, o),
    campaign: (n, v, l, sig) => inner.campaign(n, v, l, sig),
    leader: (n) => inner.leader(n),
    close: () => inner.close(),
  };
  const rs = new RegionServer({
    host: '127.0.0.1',
    rpcPort: 0,
    httpPort: 0,
    cluster: CLUSTER,
    coordination,
    objectStore: new MemoryObjectStore(),
    wal: { kind: 's3' },
    compactionWorkers: false,
    rpcServer: noRpcServer,
    logger: pino({ level: 'silent' }),
  });
  const started = rs.start();
  while (rs.httpAddress.endsWith(':0')) await new Promise((r) => setTimeout(r, 5));
  const before = await fetch(`http://${rs.httpAddress}/ready`);
  assert.equal(before.status, 503);
  assert.deepEqual(await before.json(), { status: 'starting' });
  assert.equal((await fetch(`http://${rs.httpAddress}/health`)).status, 200);
  release();
  await started;
  try {
    assert.equal((await fetch(`http://${rs.httpAddress}/ready`)).status, 200);
  } finally {
    await rs.stop();
  }
});

test('a clean stop marks the record stopping, waits for the master to move regions, then flushes the rest: nothing lost', { timeout: 120_000 }, async () => {
  const clock = new ManualClock();
  const store = new MemoryObjectStore();
  const coordination = new MemoryCoordination();
  const t = await startTestServer({ clock, objectStore: store, coordination, stopWaitMs: 60_000 });
  // Someone to drain to: an active master and another live server.
  const keys = clusterKeys(CLUSTER);
  const masterLease = await coordination.grantLease(10_000);
  await coordination.campaign(keys.masterElection, Buffer.from('{"httpAddress":"m:1","startCode":1}'), masterLease);
  await coordination.put(keys.server('other,1,1'), Buffer.from(JSON.stringify({ serverName: 'other,1,1', rpcAddress: 'other:1' })));
  const moved = wholeRegion(1);
  const stays = wholeRegion(2);
  await t.call('OPEN_REGION', { info: moved, table: TABLE });
  await t.call('OPEN_REGION', { info: stays, table: TABLE });
  await t.call('MUTATE', { region: moved.encodedName, mutation: put('a', 'q', 'moved') });
  await t.call('MUTATE', { region: stays.encodedName, mutation: put('b', 'q', 'stayed') });

  let stopped = false;
  const stopping = t.server.stop().then(() => (stopped = true));
  await settle();
  assert.equal((await t.record())?.stopping, true);
  assert.equal(t.server.ready, false);
  await assert.rejects(t.call('OPEN_REGION', { info: wholeRegion(3), table: TABLE }), UnavailableError, 'no new regions while stopping');
  // Still serving while it waits.
  assert.equal(valueOf(await t.call('GET', { region: stays.encodedName, get: get('b') })), 'stayed');
  // The master moves one region away; the other is still here when the wait ends.
  await t.call('CLOSE_REGION', { region: moved.encodedName, flush: true, destination: { serverName: 'x,1,1', rpcAddress: 'x:1' } });
  await settle();
  assert.equal(stopped, false);
  clock.advance(60_000);
  await stopping;
  assert.equal(await t.record(), undefined);

  // Every acknowledged write is in the stores' files: a new server reads both rows without any WAL split.
  assert.deepEqual(await readOnNextHost(store, coordination, moved, ['a']), ['moved']);
  assert.deepEqual(await readOnNextHost(store, coordination, stays, ['b']), ['stayed']);
});

test('a stop whose flushes keep failing still ends (the close is tried once); the WAL split recovers the region', { timeout: 120_000 }, async () => {
  const store = new FaultObjectStore(new MemoryObjectStore(), new SeededRandom(5));
  const coordination = new MemoryCoordination();
  const t = await startTestServer({ objectStore: store, coordination });
  const info = wholeRegion(1);
  await t.call('OPEN_REGION', { info, table: TABLE });
  await t.call('MUTATE', { region: info.encodedName, mutation: put('a', 'q', 'kept') });
  // The object store refuses HFile uploads: the close's flush fails (after its retries) and
  // the region stays open. Before the fix, closeAll tried the close again, forever.
  const stop = store.addRule({ op: 'upload', failure: 'before' });
  await t.server.stop();
  assert.equal(t.server.state, 'stopped');
  stop();
  // The master's part: split the WAL; the next host replays the acknowledged edit.
  await splitWal(store, t.server.serverName);
  assert.deepEqual(await readOnNextHost(store, coordination, info, ['a'], 100), ['kept']);
});

test('a clean stop does not wait when no master is active or no other server can take the regions', { timeout: 120_000 }, async () => {
  for (const withMaster of [false, true]) {
    const clock = new ManualClock();
    const store = new MemoryObjectStore();
    const coordination = new MemoryCoordination();
    if (withMaster) {
      // A master, but every other server is stopping too (the whole cluster stops).
      const keys = clusterKeys(CLUSTER);
      await coordination.campaign(keys.masterElection, Buffer.from('{}'), await coordination.grantLease(10_000));
      await coordination.put(keys.server('other,1,1'), Buffer.from(JSON.stringify({ serverName: 'other,1,1', stopping: true })));
    }
    const t = await startTestServer({ clock, objectStore: store, coordination, stopWaitMs: 600_000 });
    const r = wholeRegion(1);
    await t.call('OPEN_REGION', { info: r, table: TABLE });
    await t.call('MUTATE', { region: r.encodedName, mutation: put('a', 'q', 'v') });
    // No clock advance: the stop finishes without the 10-minute wait, with the region flushed.
    await t.server.stop();
    assert.equal(await t.record(), undefined);
    assert.deepEqual(await readOnNextHost(store, coordination, r, ['a']), ['v']);
  }
});

test('a lost lease fences the server: no more acknowledgements, regions gone, key gone; the WAL split recovers every acknowledged write', { timeout: 120_000 }, async () => {
  const store = new MemoryObjectStore();
  const coordination = new MemoryCoordination();
  let onFatal!: (e: unknown) => void;
  const fatalSeen = new Promise<unknown>((resolve) => (onFatal = resolve));
  const t = await startTestServer({ objectStore: store, coordination, onFatal });
  const info = wholeRegion();
  const region = info.encodedName;
  await t.call('OPEN_REGION', { info, table: TABLE });
  for (let i = 0; i < 20; i++) await t.call('MUTATE', { region, mutation: put(`r${i}`, 'q', `v${i}`) });

  const entry = await coordination.get(clusterKeys(CLUSTER).server(t.server.serverName));
  assert.ok(coordination.expireLease(entry!.lease!));
  assert.ok((await fatalSeen) instanceof Error);
  assert.equal(t.server.state, 'fenced');
  assert.equal(await t.record(), undefined);
  await assert.rejects(t.call('MUTATE', { region, mutation: put('late', 'q', 'x') }), (e: unknown) => e instanceof NotServingRegionError && e.code === ErrorCodes.NOT_SERVING_REGION);
  await t.server.stop(); // resolves: already stopped by the fence

  // The master's part: split the dead server's WAL; the next host replays it.
  const edits = await splitWal(store, t.server.serverName);
  assert.equal(edits.length, 1);
  const rows = Array.from({ length: 20 }, (_, i) => `r${i}`);
  assert.deepEqual(await readOnNextHost(store, coordination, info, [...rows, 'late']), [...rows.map((_, i) => `v${i}`), undefined]);
});

test('a region whose store another server claimed aborts, and the server fences itself: its unflushed edits are only in its WAL', { timeout: 120_000 }, async () => {
  const store = new MemoryObjectStore();
  const coordination = new MemoryCoordination();
  let onFatal!: (e: unknown) => void;
  const fatal = new Promise<unknown>((resolve) => (onFatal = resolve));
  const t = await startTestServer({ objectStore: store, coordination, onFatal });
  const info = wholeRegion();
  const region = info.encodedName;
  await t.call('OPEN_REGION', { info, table: TABLE });
  await t.call('MUTATE', { region, mutation: put('r', 'q', 'acked') });
  // Another owner claims the store (as a newer assignment would).
  const intruder = await ManifestStore.open(store, { namespace: 'default', table: 't', region, family: 'f' }, { server: 'intruder,1,1', epoch: 99 });
  await intruder.close();
  await assert.rejects(t.call('FLUSH_REGION', { region }), NotServingRegionError);
  assert.ok((await fatal) !== undefined);
  assert.equal(t.server.state, 'fenced');
  await assert.rejects(t.call('GET', { region, get: get('r') }), NotServingRegionError);
  await t.server.stop();
  // The acknowledged edit is recovered from the WAL.
  await splitWal(store, t.server.serverName);
  assert.deepEqual(await readOnNextHost(store, coordination, info, ['r'], 100), ['acked']);
});

test('standalone restart: the previous run’s local WAL is split into recovered edits before regions open', { timeout: 120_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tsbase-rs-wal-'));
  try {
    const store = new MemoryObjectStore();
    const coordination = new MemoryCoordination();
    const wal = { kind: 'local' as const, dir };
    const t1 = await startTestServer({ objectStore: store, coordination, wal });
    const info = wholeRegion();
    await t1.call('OPEN_REGION', { info, table: TABLE });
    await t1.call('MUTATE', { region: info.encodedName, mutation: put('r', 'q', 'unflushed') });
    // A crash: the process is gone without flushing (fencing stops everything without a flush).
    t1.server.fence(new Error('simulated crash'), 'test');
    await t1.server.stop();
    assert.deepEqual(readdirSync(dir), [t1.server.serverName]);

    const t2 = await startTestServer({ objectStore: store, coordination, wal });
    try {
      assert.deepEqual(readdirSync(dir), [t2.server.serverName], 'the old run was split and removed');
      await t2.call('OPEN_REGION', { info, table: TABLE });
      assert.equal(valueOf(await t2.call('GET', { region: info.encodedName, get: get('r') })), 'unflushed');
      await t2.call('MUTATE', { region: info.encodedName, mutation: put('r2', 'q', 'v2') });
    } finally {
      await t2.server.stop();
    }
    assert.deepEqual(readdirSync(dir), [], 'a clean stop flushed everything and deleted its local wal');
    const t3 = await startTestServer({ objectStore: store, coordination, wal });
    try {
      await t3.call('OPEN_REGION', { info, table: TABLE });
      assert.equal(valueOf(await t3.call('GET', { region: info.encodedName, get: get('r2') })), 'v2');
    } finally {
      await t3.server.stop();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('invalid settings are refused with the setting name', { timeout: 120_000 }, async () => {
  await assert.rejects(startTestServer({ rpcPort: 70000 }), (e: unknown) => e instanceof Error && /rpcPort/.test(e.message));
  await assert.rejects(startTestServer({ host: 'a b' }), (e: unknown) => e instanceof Error && /host/.test(e.message));
  await assert.rejects(startTestServer({ region: { flushSizeBytes: -1 } }), (e: unknown) => e instanceof Error && /flushSizeBytes/.test(e.message));
});
