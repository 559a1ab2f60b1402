import assert from 'node:assert/strict';
import { afterEach, test } from 'node:test';
import { InternalError } from '../common/errors.js';
import { META_REGION } from '../common/meta/meta-row.js';
import { walChunkKey, walSplitManifestKey } from '../common/paths.js';
import { encodeEdits } from '../regionserver/wal/wal-encoder.js';
import { edit } from '../regionserver/wal/testdata/wal-test-util.js';
import { listRecoveredEdits } from '../regionserver/wal/recovered-edits.js';
import { reassignStragglers } from './reconcile.js';
import { api, eventually, FakeCluster } from './test-fakes.js';

let cluster: FakeCluster;
afterEach(async () => cluster?.close());

const b64 = (s: string) => Buffer.from(s).toString('base64');

async function setup(servers: number, table = { name: 't', families: [{ NAME: 'f' }], splitKeys: [b64('d'), b64('h'), b64('p'), b64('t')] }) {
  cluster = new FakeCluster();
  for (let i = 0; i < servers; i++) await cluster.addServer();
  const m = await cluster.startMaster();
  await m.waitUntilActive();
  const r = await api(m, 'POST', '/tables', table);
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return m;
}

test('move: CLOSE_REGION names the destination, the target opens it, META follows', async () => {
  const m = await setup(3);
  const row = cluster.metaRows('t')[0]!;
  const source = cluster.servers.find((s) => s.serverName === row.serverName)!;
  const target = cluster.servers.find((s) => s.serverName !== row.serverName)!;
  const r = await api(m, 'POST', `/regions/${row.info.encodedName}/move`, { serverName: target.serverName });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  const after = cluster.metaRows('t').find((x) => x.info.encodedName === row.info.encodedName)!;
  assert.equal(after.state, 'OPEN');
  assert.equal(after.serverName, target.serverName);
  assert.equal(after.rpcAddress, target.rpcAddress);
  assert.ok(target.regions.has(row.info.encodedName));
  assert.ok(!source.regions.has(row.info.encodedName));
  // Moving to an unknown server: 404; without a target: somewhere else.
  assert.equal((await api(m, 'POST', `/regions/${row.info.encodedName}/move`, { serverName: 'nope,1,1' })).status, 404);
  assert.equal((await api(m, 'POST', `/regions/${row.info.encodedName}/move`, {})).status, 200);
  const again = cluster.metaRows('t').find((x) => x.info.encodedName === row.info.encodedName)!;
  assert.notEqual(again.serverName, target.serverName);
  assert.equal(cluster.hosting().get(row.info.encodedName), again.serverName);
});

test('split: parent SPLIT naming its daughters in META, daughters OPEN on the parent server', async () => {
  const m = await setup(2);
  const parent = cluster.metaRows('t').find((r) => r.info.startKey.toString() === 'h')!;
  const r = await api(m, 'POST', `/regions/${parent.info.encodedName}/split`, { splitRow: b64('k') });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  const rows = cluster.metaRows('t');
  const p = rows.find((x) => x.info.encodedName === parent.info.encodedName)!;
  assert.equal(p.state, 'SPLIT');
  assert.equal(p.splitA!.endKey.toString(), 'k');
  assert.equal(p.splitB!.startKey.toString(), 'k');
  for (const d of [p.splitA!, p.splitB!]) {
    const dr = rows.find((x) => x.info.encodedName === d.encodedName)!;
    assert.equal(dr.state, 'OPEN');
    assert.equal(dr.serverName, parent.serverName);
    assert.equal(cluster.hosting().get(d.encodedName), parent.serverName);
  }
  // Re-running the split of the parent is harmless; the table lists 6 regions in order.
  assert.equal((await api(m, 'POST', `/regions/${parent.info.encodedName}/split`, {})).status, 200);
  const regions = (await api(m, 'GET', '/tables/t/regions')).body.regions as { region: { startKey: string } }[];
  assert.deepEqual(
    regions.map((x) => Buffer.from(x.region.startKey, 'base64').toString()),
    ['', 'd', 'h', 'k', 'p', 't'],
  );
  // Table-level split with a row splits only the region holding it.
  assert.equal((await api(m, 'POST', '/tables/t/split', { splitRow: b64('w') })).status, 200);
  assert.equal((await api(m, 'GET', '/tables/t/regions')).body.regions.length, 7);
});

test('a split that fails after the server closed the parent re-opens the parent', async () => {
  const m = await setup(2);
  const parent = cluster.metaRows('t').find((r) => r.info.startKey.toString() === 'h')!;
  const host = cluster.servers.find((s) => s.serverName === parent.serverName)!;
  host.failSplitAfterClose = true;
  const r = await api(m, 'POST', `/regions/${parent.info.encodedName}/split`, { splitRow: b64('k') });
  assert.equal(r.status, 503);
  assert.ok(host.regions.has(parent.info.encodedName), 'parent open again');
  const row = cluster.metaRows('t').find((x) => x.info.encodedName === parent.info.encodedName)!;
  assert.equal(row.state, 'OPEN');
  assert.equal(cluster.metaRows('t').length, 5, 'no daughters recorded');
});

test('server crash: WAL fenced and split before its regions open elsewhere; META reassigned first', async () => {
  const m = await setup(3);
  const victim = cluster.servers.find((s) => s.regions.has(META_REGION.encodedName))!;
  const victimRegions = [...victim.regions.keys()].filter((r) => r !== META_REGION.encodedName);
  assert.ok(victimRegions.length > 0);
  // The victim's WAL holds an unflushed edit of one of its regions.
  await cluster.store.put(walChunkKey(victim.serverName, victim.startCode, 0), encodeEdits([edit(victimRegions[0]!, 7n)]));
  const openedBeforeSplit: string[] = [];
  for (const s of cluster.servers) {
    s.beforeOpen = async (info) => {
      if ((await cluster.store.head(walSplitManifestKey(victim.serverName, victim.startCode))) === undefined) openedBeforeSplit.push(info.encodedName);
    };
  }
  victim.kill(cluster.coord);
  await eventually(() => {
    const h = cluster.hosting();
    return h.has(META_REGION.encodedName) && victimRegions.every((r) => h.has(r));
  }, 10_000, 'regions of the dead server to be reassigned');
  assert.deepEqual(openedBeforeSplit, [], 'no region opened before the dead server WAL was split');
  const rec = await listRecoveredEdits(cluster.store, victimRegions[0]!);
  assert.equal(rec.length, 1, 'the unflushed edit was split into recovered edits');
  const loc = await api(m, 'GET', '/meta-location');
  assert.notEqual(loc.body.serverName, victim.serverName);
  await eventually(() => cluster.metaRows('t').every((r) => r.state === 'OPEN' && r.serverName !== victim.serverName), 5000, 'META rows updated');
  const status = await api(m, 'GET', '/status');
  assert.deepEqual(status.body.deadServers, [victim.serverName]);
  assert.equal(status.body.servers.length, 2);
});

test('a stopping server is drained: its regions move to the others', async () => {
  await setup(3);
  const s = cluster.servers.find((x) => x.regions.size > 0 && !x.regions.has(META_REGION.encodedName))!;
  const moving = [...s.regions.keys()];
  await s.setStopping(cluster.coord, 'test');
  await eventually(() => s.regions.size === 0, 10_000, 'drain');
  const h = cluster.hosting();
  for (const r of moving) assert.ok(h.has(r) && h.get(r) !== s.serverName);
  assert.ok(cluster.metaRows('t').every((r) => r.state === 'OPEN' && r.serverName !== s.serverName));
});

test('balancer evens region counts; the switch turns it off', async () => {
  const m = await setup(1, { name: 't', families: [{ NAME: 'f' }], splitKeys: ['b', 'c', 'd', 'e', 'f', 'g', 'h', 'i'].map(b64) });
  await cluster.addServer();
  await cluster.addServer();
  await eventually(() => m.active!.tracker.servers().size === 3, 5000, 'servers seen');
  assert.equal((await api(m, 'PUT', '/balancer', { enabled: false })).body.previous, true);
  assert.equal((await api(m, 'POST', '/balancer/run')).body.moves, 0);
  assert.equal((await api(m, 'PUT', '/balancer', { enabled: true })).body.previous, false);
  const res = await api(m, 'POST', '/balancer/run');
  assert.equal(res.status, 200);
  assert.equal(res.body.moves, 6);
  const counts = cluster.servers.map((s) => [...s.regions.keys()].filter((r) => r !== META_REGION.encodedName).length);
  assert.deepEqual(counts.sort(), [3, 3, 3]);
  assert.equal((await api(m, 'POST', '/balancer/run')).body.moves, 0);
  const hosting = cluster.hosting();
  for (const r of cluster.metaRows('t')) assert.equal(hosting.get(r.info.encodedName), r.serverName);
});

test('a region that fails to open everywhere ends FAILED_OPEN; the table create answers 503', async () => {
  cluster = new FakeCluster();
  await cluster.addServer();
  await cluster.addServer();
  const m = await cluster.startMaster({ maxAssignAttempts: 3 });
  await m.waitUntilActive();
  for (const s of cluster.servers) s.failOpen = (info) => (info.table === 'bad' ? new InternalError('cannot open') : undefined);
  const r = await api(m, 'POST', '/tables', { name: 'bad', families: [{ NAME: 'f' }] });
  assert.equal(r.status, 503);
  assert.equal(r.body.error.retryable, false, 'the table exists: retrying the create would only meet TSB_ALREADY_EXISTS');
  assert.equal((await api(m, 'GET', '/tables/bad')).body.state, 'ENABLED');
  const [row] = cluster.metaRows('bad');
  assert.equal(row!.state, 'FAILED_OPEN');
  assert.equal(cluster.servers.reduce((n, s) => n + s.calls.filter((c) => c.method === 'OPEN_REGION' && c.region === row!.info.encodedName).length, 0), 3);
  // Once the servers can open it, enabling the table again opens it.
  for (const s of cluster.servers) s.failOpen = undefined;
  assert.equal((await api(m, 'POST', '/tables/bad/enable')).status, 200);
  assert.equal(cluster.metaRows('bad')[0]!.state, 'OPEN');
});

test('the re-assign chore finishes half-done transitions where they were (never opening a region twice)', async () => {
  const m = await setup(2);
  const a = m.active!;
  const [r1, r2, r3] = cluster.metaRows('t');
  // r1: left OPENING on its (live) server, where it is in fact open; r2: left CLOSING, closed
  // there meanwhile; r3: FAILED_OPEN.
  a.states.get(r1!.info.encodedName)!.state = 'OPENING';
  a.states.get(r2!.info.encodedName)!.state = 'CLOSING';
  cluster.servers.find((s) => s.serverName === r2!.serverName)!.regions.delete(r2!.info.encodedName);
  a.states.get(r3!.info.encodedName)!.state = 'FAILED_OPEN';
  const n = await reassignStragglers({ am: a.am, tables: a.tables, tracker: a.tracker, logger: m.options.logger, concurrency: 4 });
  assert.equal(n, 3);
  const hosting = cluster.hosting();
  for (const r of [r1!, r2!, r3!]) {
    const holders = cluster.servers.filter((s) => s.regions.has(r.info.encodedName));
    assert.equal(holders.length, 1, 'open on exactly one server');
    assert.equal(a.states.get(r.info.encodedName)!.state, 'OPEN');
    assert.equal(hosting.get(r.info.encodedName), a.states.get(r.info.encodedName)!.serverName);
  }
  assert.equal(hosting.get(r1!.info.encodedName), r1!.serverName, 'finished where it was');
  assert.equal(await reassignStragglers({ am: a.am, tables: a.tables, tracker: a.tracker, logger: m.options.logger, concurrency: 4 }), 0);
});

test('flush and compact reach the hosting servers', async () => {
  const m = await setup(2);
  assert.equal((await api(m, 'POST', '/tables/t/flush')).status, 200);
  assert.equal((await api(m, 'POST', '/tables/t/major_compact')).status, 200);
  const calls = cluster.servers.flatMap((s) => s.calls);
  assert.equal(calls.filter((c) => c.method === 'FLUSH_REGION').length, 5);
  assert.equal(calls.filter((c) => c.method === 'COMPACT_REGION').length, 5);
  const row = cluster.metaRows('t')[0]!;
  assert.equal((await api(m, 'POST', `/regions/${row.info.encodedName}/compact`)).status, 200);
});
