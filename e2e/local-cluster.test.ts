// End to end on a real cluster: real etcd and radosgw (the test harness's, testing/s3-env.ts),
// two masters (active + standby) and three region servers as child processes (`tsbase master`,
// `tsbase regionserver`, started by cli/local-cluster.ts), the s3 WAL and the s3 object store.
// Through the client library and the shell: DDL, every data operation, moves and a split under
// load, a region server stopped cleanly, the active master stopped, and a restart of every
// process with the data intact.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, describe, it } from 'node:test';
import type { Table } from '../client/client-types.js';
import type { Connection } from '../client/connection.js';
import { startLocalCluster } from '../cli/local-cluster.js';
import type { LocalCluster, LocalClusterOptions } from '../cli/local-cluster.js';
import { logTail } from '../testing/daemon.js';
import { testEtcdEndpoints, testS3Config } from '../testing/s3-env.js';
import { assertRowsPresent, b, connect, putOf, sleep, startLoad, valueOf, waitFor, stopLoads } from './e2e-util.js';
import { dataScenario, ddlScenario, moveAndSplitUnderLoad, scanAcrossMoves, shellScenario } from './scenarios.js';

const dir = mkdtempSync(join(tmpdir(), 'tsb-e2e-cluster-'));
const clusterName = `e2e-${Date.now().toString(36)}-${process.pid}`;
let options: LocalClusterOptions;
let cluster: LocalCluster;
let conn: Connection;

before(async () => {
  const [s3, etcdEndpoints] = await Promise.all([testS3Config(), testEtcdEndpoints()]);
  options = {
    regionServers: 3,
    masters: 2,
    dir,
    cluster: clusterName,
    etcdEndpoints,
    s3,
    masterPort: 0,
    // Faster failure detection and a short drain wait keep the test quick.
    sets: ['coordination.sessionTimeout=4s', 'regionserver.stopWait=5s', 'regionserver.compactionWorkers=false', 'master.reassignChorePeriod=2s'],
    env: { TSB_LOG_LEVEL: process.env['TSB_E2E_LOG'] ?? 'info' },
  };
  cluster = await startLocalCluster(options);
  conn = await connect(cluster.masterAddresses);
});

after(async () => {
  await conn?.close();
  await cluster?.stop();
  rmSync(dir, { recursive: true, force: true });
});

// A test that failed half-way must not leave its load running into the next ones.
afterEach(() => stopLoads());

describe('local cluster (etcd + radosgw, 2 masters, 3 region servers as processes)', { timeout: 900_000 }, () => {
  it('the cluster reports both masters and three region servers', async () => {
    // The standby registers itself as a backup shortly after it starts campaigning.
    await waitFor('one backup master', async () => (await conn.getAdmin().clusterStatus()).backupMasters.length === 1, 15_000);
    const status = await conn.getAdmin().clusterStatus();
    assert.equal(status.servers.length, 3);
    assert.ok(status.metaLocation !== undefined);
  });

  it('DDL and namespaces through Admin', async () => {
    await ddlScenario(conn, 'e2e_ddl');
  });

  it('every data operation and scans across regions', async () => {
    await dataScenario(conn, 'e2e_data');
  });

  it('the shell (-e commands)', async () => {
    await shellScenario(conn, 'e2e_shell', 'e2e_shell_ns');
  });

  it('moves and a split while a client reads and writes: no client error, nothing lost', async () => {
    await moveAndSplitUnderLoad(conn, 'e2e_load');
  });

  it('a scan in progress while every region moves returns every row once, in order', async () => {
    await scanAcrossMoves(conn, 'e2e_scan_moves');
  });

  it('a region server stopped cleanly (SIGTERM): its regions are reassigned, data intact, no client error', async () => {
    const admin = conn.getAdmin();
    await admin.createTable({ name: 'e2e_drain', families: [{ NAME: 'f' }], splitKeys: ['2', '4', '6', '8', 'a', 'c', 'e'].map((k) => b(k).toString('base64')) });
    const t = conn.getTable('e2e_drain');
    const load = startLoad(t, { writers: 4, readers: 2 });
    await waitFor('writes before the stop', () => load.acked.size > 300, 30_000);
    // Stop the region server hosting the most regions of the table.
    const regions = await admin.getRegions('e2e_drain');
    const counts = new Map<string, number>();
    for (const r of regions) if (r.serverName !== undefined) counts.set(r.serverName, (counts.get(r.serverName) ?? 0) + 1);
    const [victim] = [...counts.entries()].sort((x, y) => y[1] - x[1])[0]!;
    const port = victim.split(',')[1];
    const rsIndex = await Promise.all(cluster.regionServers.map(async (c) => (await c.ready).rpcAddress?.endsWith(`:${port}`) === true));
    const child = cluster.regionServers[rsIndex.indexOf(true)]!;
    assert.ok(child !== undefined, `no child for ${victim}`);
    const exit = await child.stop(60_000);
    assert.deepEqual(exit, { code: 0, signal: null }, `clean exit; the end of ${child.logFile}:\n${logTail(child.logFile, 15)}`);
    await waitFor(
      'every region open on the remaining servers',
      async () => {
        const now = await admin.getRegions('e2e_drain');
        return now.length === regions.length && now.every((r) => r.state === 'OPEN' && r.serverName !== victim);
      },
      60_000,
    );
    const before = load.acked.size;
    await waitFor('writes after the stop', () => load.acked.size > before + 300, 30_000);
    const report = await load.stop();
    assert.deepEqual(report.errors.map(String), [], 'no error reaches the client');
    await assertRowsPresent(t, report.acked);
    const status = await admin.clusterStatus();
    assert.ok(!status.servers.some((s) => s.serverName === victim));
    // Bring the cluster back to three servers for the next tests.
    await cluster.addRegionServer();
    await waitFor('three servers', async () => (await admin.clusterStatus()).servers.length === 3, 30_000);
  });

  it('a region server killed (kill -9) under load: its WAL is split, regions reassigned, nothing acknowledged lost', async () => {
    const admin = conn.getAdmin();
    const { t, load } = await tableUnderLoad('e2e_crash', { writers: 4, readers: 2 }, 300);
    const regions = await admin.getRegions('e2e_crash');
    const metaServer = (await admin.clusterStatus()).metaLocation?.serverName;
    const victim = regions.find((r) => r.serverName !== undefined && r.serverName !== metaServer)!.serverName!;
    const port = victim.split(',')[1];
    const rsIndex = await Promise.all(cluster.regionServers.map(async (c) => c.running() && (await c.ready).rpcAddress?.endsWith(`:${port}`) === true));
    const child = cluster.regionServers[rsIndex.indexOf(true)]!;
    await child.kill();
    await waitFor(
      'the regions of the crashed server open elsewhere',
      async () => {
        const now = await admin.getRegions('e2e_crash');
        return now.every((r) => r.state === 'OPEN' && r.serverName !== victim);
      },
      90_000,
    );
    const before = load.acked.size;
    await waitFor('writes after the recovery', () => load.acked.size > before + 300, 30_000);
    const report = await load.stop();
    assert.deepEqual(report.errors.map(String), [], 'no error reaches the client (calls retry through the recovery)');
    await assertRowsPresent(t, report.acked);
    await cluster.addRegionServer();
    await waitFor('three servers', async () => (await admin.clusterStatus()).servers.length === 3, 30_000);
  });

  it('the active master paused (SIGSTOP) past its session: the standby takes over; resumed, the old one is a standby and changes nothing', async () => {
    // A stop-the-world pause (a long GC, a frozen VM, SIGSTOP) outlives the master's etcd
    // lease while the process still believes it leads. Nothing it does after resuming may
    // land: the new master owns the cluster, the resumed one must find out and stand by.
    const admin = conn.getAdmin();
    const { t, load } = await tableUnderLoad('e2e_pause', { writers: 4, readers: 2 }, 200);
    const status = await admin.clusterStatus();
    const activeIndex = cluster.masterAddresses.indexOf(status.activeMaster);
    assert.ok(activeIndex >= 0, `active master ${status.activeMaster} not among ${cluster.masterAddresses.join(',')}`);
    const paused = cluster.masters[activeIndex]!;
    const other = cluster.masterAddresses[1 - activeIndex]!;
    const moved = (await admin.getRegions('e2e_pause'))[0]!;
    const target = status.servers.map((x) => x.serverName).find((x) => x !== moved.serverName)!;
    process.kill(paused.pid, 'SIGSTOP');
    try {
      await waitFor('the standby to take over', async () => (await masterStatus(other))?.activeMaster === other, 60_000);
      // The client still takes the frozen master for the active one: its POST waits for the
      // request timeout, then goes to the other master with the same nonce (the frozen one may
      // handle the request it left unread on resuming; the nonce makes that a repeat of this
      // create, docs/rfcs/0007-admin-nonces.md). The new master serves DDL and assignment while
      // the old one is frozen.
      const create = { name: 'e2e_pause_ddl', families: [{ NAME: 'f' }] };
      await admin.createTable(create);
      await conn.getTable('e2e_pause_ddl').put(putOf('r', 'f', 'q', 'during-pause'));
      await admin.move(moved.region.encodedName, target);
      const movedNow = (await admin.getRegions('e2e_pause')).find((r) => r.region.encodedName === moved.region.encodedName);
      assert.equal(movedNow?.serverName, target, 'region moved by the new master');
    } finally {
      process.kill(paused.pid, 'SIGCONT');
    }
    // Resumed: it learns that its session is gone and answers as a standby naming the new master.
    await waitFor('the resumed master to stand by', async () => (await masterStatus(status.activeMaster))?.activeMaster === other, 30_000);
    const refused = await fetch(`http://${status.activeMaster}/api/v1/tables`);
    assert.equal(refused.status, 503);
    assert.equal(((await refused.json()) as { error: { code: string } }).error.code, 'TSB_NOT_LEADER');
    assert.ok(paused.running(), 'the resumed master keeps running as a standby');
    // Give the resumed process time to act on anything it had in flight (possibly that create
    // of e2e_pause_ddl), then check that the cluster is as the new master left it: every region
    // open once, the move kept, the table with its one region.
    await sleep(5_000);
    const regions = await admin.getRegions('e2e_pause');
    assert.equal(regions.length, 4);
    assert.ok(regions.every((r) => r.state === 'OPEN'), JSON.stringify(regions.map((r) => [r.region.encodedName, r.state, r.serverName])));
    assert.equal(regions.find((r) => r.region.encodedName === moved.region.encodedName)?.serverName, target, 'the move the new master made stays');
    assert.equal((await masterStatus(other))?.activeMaster, other);
    const report = await load.stop();
    assert.deepEqual(report.errors.map(String), [], 'no error reaches the client');
    await assertRowsPresent(t, report.acked);
    assert.equal(valueOf(await conn.getTable('e2e_pause_ddl').get({ row: b('r') }), 'f', 'q'), 'during-pause');
    assert.deepEqual((await admin.getRegions('e2e_pause_ddl')).map((r) => r.state), ['OPEN']);
    await admin.createTable({ name: 'e2e_pause_after', families: [{ NAME: 'f' }] });
    assert.ok((await admin.listTables()).some((x) => x.name === 'e2e_pause_after'));
  });

  it('the active master stopped: the standby takes over and DDL goes on', async () => {
    const admin = conn.getAdmin();
    const status = await admin.clusterStatus();
    const activeIndex = cluster.masterAddresses.indexOf(status.activeMaster);
    assert.ok(activeIndex >= 0, `active master ${status.activeMaster} not among ${cluster.masterAddresses.join(',')}`);
    const exit = await cluster.masters[activeIndex]!.stop(60_000);
    assert.deepEqual(exit, { code: 0, signal: null });
    await admin.createTable({ name: 'e2e_failover', families: [{ NAME: 'f' }] });
    await conn.getTable('e2e_failover').put(putOf('r', 'f', 'q', 'after-failover'));
    assert.equal(valueOf(await conn.getTable('e2e_failover').get({ row: b('r') }), 'f', 'q'), 'after-failover');
    const after = await admin.clusterStatus();
    assert.notEqual(after.activeMaster, status.activeMaster);
  });

  it('every process restarted: tables, regions and data intact', async () => {
    const { load } = await tableUnderLoad('e2e_restart', { writers: 4, readers: 0 }, 500);
    const report = await load.stop();
    assert.deepEqual(report.errors.map(String), []);
    const dataRows = await collectRows(conn, 'e2e_data');
    await conn.close();
    await cluster.stop();

    cluster = await startLocalCluster(options);
    conn = await connect(cluster.masterAddresses);
    await assertRowsPresent(conn.getTable('e2e_restart'), report.acked);
    assert.equal((await conn.getAdmin().getRegions('e2e_restart')).filter((r) => r.state === 'OPEN').length, 4);
    assert.deepEqual(await collectRows(conn, 'e2e_data'), dataRows);
    assert.equal(valueOf(await conn.getTable('e2e_failover').get({ row: b('r') }), 'f', 'q'), 'after-failover');
  });
});

/** Creates `name` pre-split into four regions (at 4, 8 and c), starts a load on it and resolves once `acked` writes were acknowledged. */
async function tableUnderLoad(name: string, opts: { writers: number; readers: number }, acked: number): Promise<{ t: Table; load: ReturnType<typeof startLoad> }> {
  await conn.getAdmin().createTable({ name, families: [{ NAME: 'f' }], splitKeys: ['4', '8', 'c'].map((k) => b(k).toString('base64')) });
  const t = conn.getTable(name);
  const load = startLoad(t, opts);
  await waitFor(`${acked} writes to ${name}`, () => load.acked.size > acked, 30_000);
  return { t, load };
}

/** GET /api/v1/status of one master (answered by active and standby alike); undefined if it does not answer in 2 s. */
async function masterStatus(address: string): Promise<{ activeMaster: string } | undefined> {
  try {
    const res = await fetch(`http://${address}/api/v1/status`, { signal: AbortSignal.timeout(2_000) });
    return res.ok ? ((await res.json()) as { activeMaster: string }) : undefined;
  } catch {
    return undefined;
  }
}

async function collectRows(c: Connection, table: string): Promise<string[]> {
  const rows: string[] = [];
  for await (const r of c.getTable(table).getScanner({})) rows.push(`${r.row.toString()}=${r.cells.map((x) => x.value.toString('hex')).join(',')}`);
  return rows;
}
