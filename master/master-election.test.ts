import assert from 'node:assert/strict';
import { afterEach, test } from 'node:test';
import { clusterKeys } from '../common/coordination/cluster-keys.js';
import { META_REGION } from '../common/meta/meta-row.js';
import { walChunkKey, walSplitManifestKey } from '../common/paths.js';
import { encodeEdits } from '../regionserver/wal/wal-encoder.js';
import { edit } from '../regionserver/wal/testdata/wal-test-util.js';
import { regionInfoToJson } from '../common/meta/meta-row.js';
import { columnFamily } from '../regionserver/region/column-family.js';
import { regionInfo } from '../regionserver/region/region-info.js';
import type { Master } from './master.js';
import type { TableRecord } from './table-store.js';
import type { FakeRegionServer } from './test-fakes.js';
import { api, CLUSTER, eventually, FakeCluster } from './test-fakes.js';

let cluster: FakeCluster;
afterEach(async () => cluster?.close());

const b64 = (s: string) => Buffer.from(s).toString('base64');
const opens = () => cluster.servers.reduce((n, s) => n + s.opens.length, 0);

/** A fresh fake cluster of `servers` region servers and one master, once it is active. */
async function clusterWithActiveMaster(servers: number): Promise<Master> {
  cluster = new FakeCluster();
  for (let i = 0; i < servers; i++) await cluster.addServer();
  const m = await cluster.startMaster();
  await m.waitUntilActive();
  return m;
}

/** Holds the next META_MUTATE that reaches `host` (as if on the wire) until release(); `arrived` resolves when it is held. */
function holdNextMetaWrite(host: FakeRegionServer): { arrived: Promise<void>; release: () => void } {
  let release!: () => void;
  const held = new Promise<void>((r) => (release = r));
  let arrivedResolve!: () => void;
  const arrived = new Promise<void>((r) => (arrivedResolve = r));
  host.beforeMetaMutate = async () => {
    host.beforeMetaMutate = undefined;
    arrivedResolve();
    await held;
  };
  return { arrived, release };
}

/** Holds the next `method` call that reaches `host` (as if on the wire, before its fence) until release(). */
function holdNextAdmin(host: FakeRegionServer, method: string): { arrived: Promise<void>; release: () => void } {
  let release!: () => void;
  const held = new Promise<void>((r) => (release = r));
  let arrivedResolve!: () => void;
  const arrived = new Promise<void>((r) => (arrivedResolve = r));
  host.beforeAdmin = async (m) => {
    if (m !== method) return;
    host.beforeAdmin = undefined;
    arrivedResolve();
    await held;
  };
  return { arrived, release };
}

async function expireLeaderLease(m: Master): Promise<void> {
  const { entries } = await cluster.coord.list(clusterKeys(CLUSTER).masterElection + '/');
  const mine = entries.find((e) => JSON.parse(e.value.toString()).httpAddress === m.httpAddress);
  assert.ok(mine?.lease !== undefined);
  assert.ok(cluster.coord.expireLease(mine.lease));
}

test('standby answers 503 TSB_NOT_LEADER naming the leader (status works on both); failover keeps every region where it is', async () => {
  const m1 = await clusterWithActiveMaster(2);
  const m2 = await cluster.startMaster();
  assert.equal((await api(m1, 'POST', '/tables', { name: 't', families: [{ NAME: 'f' }], splitKeys: [b64('k'), b64('s')] })).status, 201);

  const standby = await api(m2, 'GET', '/tables');
  assert.equal(standby.status, 503);
  assert.equal(standby.body.error.code, 'TSB_NOT_LEADER');
  assert.equal(standby.body.error.details.leader, m1.httpAddress);
  const st = await api(m2, 'GET', '/status');
  assert.equal(st.status, 200);
  assert.equal(st.body.activeMaster, m1.httpAddress);
  assert.deepEqual(st.body.backupMasters, [m2.httpAddress]);
  assert.equal(st.body.tables, 1);
  const page = await (await fetch(`http://${m1.httpAddress}/master-status`)).text();
  assert.match(page, /active master/);
  assert.match(page, /<td>t<\/td><td>ENABLED<\/td>/);
  assert.match(await (await fetch(`http://${m2.httpAddress}/`)).text(), /standby master/);

  const opensBefore = opens();
  const hostingBefore = cluster.hosting();
  await m1.stop();
  await m2.waitUntilActive();
  assert.equal(opens(), opensBefore, 'the new master re-opened nothing that was open');
  assert.deepEqual(cluster.hosting(), hostingBefore);
  assert.ok(cluster.metaRows('t').every((r) => r.state === 'OPEN'));
  const list = await api(m2, 'GET', '/tables');
  assert.equal(list.body.tables[0].name, 't');
  assert.equal((await api(m2, 'POST', '/tables', { name: 't2', families: [{ NAME: 'f' }] })).status, 201);
  assert.equal((await api(m2, 'GET', '/status')).body.activeMaster, m2.httpAddress);
});

test('a master whose lease expires stops acting at once; the standby takes over', async () => {
  cluster = new FakeCluster();
  await cluster.addServer();
  const m1 = await cluster.startMaster();
  await m1.waitUntilActive();
  const m2 = await cluster.startMaster();
  await api(m1, 'POST', '/tables', { name: 't', families: [{ NAME: 'f' }] });
  await expireLeaderLease(m1);
  await eventually(() => !m1.isActive, 5000, 'old master to stop');
  assert.equal(m1.active, undefined);
  await m2.waitUntilActive();
  const r = await api(m1, 'GET', '/tables');
  assert.equal(r.status, 503);
  assert.equal(r.body.error.code, 'TSB_NOT_LEADER');
  // The deposed master campaigns again as a standby and names the new leader.
  await eventually(async () => (await api(m1, 'GET', '/tables')).body.error?.details?.leader === m2.httpAddress, 5000, 'new leader named');
  assert.equal((await api(m2, 'GET', '/tables/t')).body.state, 'ENABLED');
});

test('failover reconciles: a server that died while no master was active has its WAL split, then its regions reopened', async () => {
  cluster = new FakeCluster();
  for (let i = 0; i < 3; i++) await cluster.addServer();
  const m1 = await cluster.startMaster();
  await m1.waitUntilActive();
  await api(m1, 'POST', '/tables', { name: 't', families: [{ NAME: 'f' }], splitKeys: [b64('e'), b64('j'), b64('o'), b64('t')] });
  // Also a table disabled and one half-created (pending regions, ENABLING) by the old master.
  await api(m1, 'POST', '/tables', { name: 'off', families: [{ NAME: 'f' }] });
  await api(m1, 'POST', '/tables/off/disable');
  await m1.stop();
  const half = regionInfo('default', 'half', Buffer.alloc(0), Buffer.alloc(0), 5);
  const halfRecord: TableRecord = { descriptor: { namespace: 'default', name: 'half', families: [columnFamily({ name: 'f' })] }, state: 'ENABLING', pendingRegions: [regionInfoToJson(half)] };
  await cluster.coord.put(clusterKeys(CLUSTER).table('default', 'half'), Buffer.from(JSON.stringify(halfRecord)));

  const victim = cluster.servers.find((s) => s.regions.has(META_REGION.encodedName))!;
  const victimRegions = [...victim.regions.keys()];
  await cluster.store.put(walChunkKey(victim.serverName, victim.startCode, 0), encodeEdits([edit(victimRegions[0]!, 3n)]));
  let openedEarly = 0;
  for (const s of cluster.servers) {
    s.beforeOpen = async () => {
      if ((await cluster.store.head(walSplitManifestKey(victim.serverName, victim.startCode))) === undefined) openedEarly++;
    };
  }
  victim.kill(cluster.coord);
  // Another live server lost a region without the master knowing (e.g. it restarted it).
  const other = cluster.servers.find((s) => !s.dead && s.regions.size > 0)!;
  const lost = [...other.regions.keys()][0]!;
  other.regions.delete(lost);

  const m2 = await cluster.startMaster();
  await m2.waitUntilActive();
  assert.equal(openedEarly, 0);
  const h = cluster.hosting();
  for (const r of [...victimRegions, lost]) assert.ok(h.has(r), `region ${r} reopened`);
  for (const r of cluster.metaRows('t')) {
    assert.equal(r.state, 'OPEN');
    assert.equal(h.get(r.info.encodedName), r.serverName);
  }
  assert.ok(cluster.metaRows('off').every((r) => r.state === 'CLOSED'));
  assert.ok(!cluster.metaRows('off').some((r) => h.has(r.info.encodedName)));
  assert.notEqual((await api(m2, 'GET', '/meta-location')).body.serverName, victim.serverName);
  // The half-created table was finished: its META row written, its region opened, ENABLED.
  assert.equal(cluster.metaRows('half')[0]?.state, 'OPEN');
  assert.ok(h.has(half.encodedName));
  assert.equal((await api(m2, 'GET', '/tables/half')).body.state, 'ENABLED');
});

test('a META write the deposed master sent before it noticed lands after the new master fenced META: refused, META as the new master left it', async () => {
  const m1 = await clusterWithActiveMaster(2);
  await api(m1, 'POST', '/tables', { name: 't', families: [{ NAME: 'f' }], splitKeys: [b64('m')] });
  const metaHost = cluster.servers.find((s) => s.regions.has(META_REGION.encodedName))!;
  // Hold m1's next META write (its disable records CLOSING) on the wire.
  const { arrived: arrivedP, release } = holdNextMetaWrite(metaHost);
  const disabling = api(m1, 'POST', '/tables/t/disable');
  await arrivedP;
  const m2 = await cluster.startMaster();
  await expireLeaderLease(m1);
  await m2.waitUntilActive();
  // m2 finished the disable m1 began (the table record said DISABLING): every region CLOSED.
  assert.equal((await api(m2, 'GET', '/tables/t')).body.state, 'DISABLED');
  const after = cluster.metaRows('t').map((r) => [r.info.encodedName, r.state]);
  assert.ok(after.every(([, st]) => st === 'CLOSED'), JSON.stringify(after));
  release();
  assert.notEqual((await disabling).status, 200, 'the deposed master\'s disable does not report success');
  assert.equal(cluster.meta.refused, 1, 'the late write was refused');
  assert.deepEqual(cluster.metaRows('t').map((r) => [r.info.encodedName, r.state]), after, 'META unchanged by the late write');
});

test('the new master fences META before it reads it: a late write of the deposed one is refused even when the new master writes nothing to META', async () => {
  const m1 = await clusterWithActiveMaster(2);
  await api(m1, 'POST', '/tables', { name: 't', families: [{ NAME: 'f' }] });
  const row = cluster.metaRows('t')[0]!;
  const metaHost = cluster.servers.find((s) => s.regions.has(META_REGION.encodedName))!;
  const target = cluster.servers.find((s) => s.serverName !== row.serverName)!;
  const { arrived: arrivedP, release } = holdNextMetaWrite(metaHost);
  // m1's move records CLOSING in META first: held on the wire.
  const moving = api(m1, 'POST', `/regions/${row.info.encodedName}/move`, { serverName: target.serverName });
  await arrivedP;
  const m2 = await cluster.startMaster();
  await expireLeaderLease(m1);
  await m2.waitUntilActive();
  // Nothing to repair: the region is still open where META says, so m2 wrote no META row.
  const before = cluster.metaRows('t').map((r) => [r.state, r.serverName]);
  assert.deepEqual(before, [['OPEN', row.serverName]]);
  release();
  assert.notEqual((await moving).status, 200);
  assert.equal(cluster.meta.refused, 1, 'the late CLOSING write was refused');
  assert.deepEqual(cluster.metaRows('t').map((r) => [r.state, r.serverName]), before);
  assert.equal(cluster.hosting().get(row.info.encodedName), row.serverName);
});

test('a region RPC the deposed master sent before it noticed lands after the new master took over: refused, the region stays where the new master found it', async () => {
  const m1 = await clusterWithActiveMaster(2);
  await api(m1, 'POST', '/tables', { name: 't', families: [{ NAME: 'f' }] });
  const row = cluster.metaRows('t')[0]!;
  const host = cluster.servers.find((s) => s.serverName === row.serverName)!;
  const target = cluster.servers.find((s) => s.serverName !== row.serverName)!;
  // m1's move records CLOSING in META, then sends CLOSE_REGION to the host: held on the wire.
  const { arrived: arrivedP, release } = holdNextAdmin(host, 'CLOSE_REGION');
  const moving = api(m1, 'POST', `/regions/${row.info.encodedName}/move`, { serverName: target.serverName });
  await arrivedP;
  const m2 = await cluster.startMaster();
  await expireLeaderLease(m1);
  await m2.waitUntilActive();
  // m2 found the region open on its host and recorded it so.
  assert.deepEqual(cluster.metaRows('t').map((r) => [r.state, r.serverName]), [['OPEN', host.serverName]]);
  release();
  assert.notEqual((await moving).status, 200, 'the deposed master\'s move does not report success');
  assert.equal(host.adminRefused, 1, 'the late CLOSE_REGION was refused');
  assert.equal(cluster.hosting().get(row.info.encodedName), host.serverName, 'the region is still open where META says');
  assert.deepEqual(cluster.metaRows('t').map((r) => [r.state, r.serverName]), [['OPEN', host.serverName]]);
  assert.equal(target.opens.filter((o) => o.region === row.info.encodedName).length, 0);
});

test('a server that cannot answer the new master in time (its fence waits for an open the deposed master started there) keeps that region: it is not opened elsewhere', async () => {
  cluster = new FakeCluster();
  for (let i = 0; i < 3; i++) await cluster.addServer();
  const m1 = await cluster.startMaster();
  await m1.waitUntilActive();
  await api(m1, 'POST', '/tables', { name: 't', families: [{ NAME: 'f' }] });
  const row = cluster.metaRows('t')[0]!;
  const region = row.info.encodedName;
  // The move's destination: the other server with the largest name, which a fresh assignment
  // never picks (it holds META, or loses the tie on names), so an open elsewhere shows.
  const target = cluster.servers.filter((s) => s.serverName !== row.serverName).sort((a, b) => (a.serverName < b.serverName ? 1 : -1))[0]!;
  // m1 moves the region: the destination admits the OPEN_REGION and is slow to open it.
  let releaseOpen!: () => void;
  const held = new Promise<void>((r) => (releaseOpen = r));
  let openArrived!: () => void;
  const arrivedP = new Promise<void>((r) => (openArrived = r));
  target.beforeOpen = async (info) => {
    if (info.encodedName !== region) return;
    target.beforeOpen = undefined;
    openArrived();
    await held;
  };
  const moving = api(m1, 'POST', `/regions/${region}/move`, { serverName: target.serverName });
  await arrivedP;
  assert.deepEqual(cluster.metaRows('t').map((r) => [r.state, r.serverName]), [['OPENING', target.serverName]]);
  // m2's SERVER_INFO to the destination waits for that open and times out (300 ms).
  const m2 = await cluster.startMaster({ metaRpcTimeoutMs: 300, reassignChorePeriodMs: 100 });
  const mark = cluster.servers.map((s) => s.calls.length);
  await expireLeaderLease(m1);
  await m2.waitUntilActive();
  await new Promise((r) => setTimeout(r, 500)); // the re-assign chore runs meanwhile
  const opensElsewhere = cluster.servers.flatMap((s, i) => (s === target ? [] : s.calls.slice(mark[i]).filter((c) => c.method === 'OPEN_REGION' && c.region === region)));
  assert.deepEqual(opensElsewhere, [], 'no other server was asked to open it');
  releaseOpen();
  await moving;
  await eventually(() => cluster.metaRows('t').every((r) => r.state === 'OPEN' && r.serverName === target.serverName), 10_000, 'the region OPEN on the destination');
  assert.deepEqual([...cluster.hosting().entries()].filter(([r]) => r === region), [[region, target.serverName]]);
});
