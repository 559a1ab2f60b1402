// The master with real in-process region servers (regionserver/server/region-server.ts) over
// the real data RPC, on in-process coordination and a memory object store with s3 WALs.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { clusterKeys } from '../common/coordination/cluster-keys.js';
import { META_REGION } from '../common/meta/meta-row.js';
import type { MetaRow } from '../common/meta/meta-row.js';
import { containsRow } from '../regionserver/region/region-info.js';
import type { RegionServer } from '../regionserver/server/region-server.js';
import { InProcessCluster } from './in-process-cluster.js';
import type { Master } from './master.js';
import { api, eventually } from './test-fakes.js';

const CLUSTER = 'it';
const cluster = new InProcessCluster(CLUSTER);
const { coord, pool, servers } = cluster;
let master: Master;

const startServer = (stopWaitMs = 10_000): Promise<RegionServer> => cluster.startServer({ stopWaitMs });

before(async () => {
  await startServer();
  await startServer();
  master = await cluster.startMaster();
});

after(() => cluster.close());

const F = Buffer.from('f');

async function rows(): Promise<MetaRow[]> {
  return master.active!.catalog.scanTable('default', 't');
}

async function regionFor(row: Buffer): Promise<MetaRow> {
  const r = (await rows()).find((x) => x.state === 'OPEN' && containsRow(x.info, row));
  assert.ok(r !== undefined, `an open region holds ${row}`);
  return r;
}

async function put(row: string, value: string): Promise<void> {
  const r = await regionFor(Buffer.from(row));
  await pool.client(r.rpcAddress!).call('MUTATE', {
    region: r.info.encodedName,
    mutation: { kind: 'put', row: Buffer.from(row), columns: [{ family: F, qualifier: Buffer.from('q'), value: Buffer.from(value) }] },
  });
}

async function get(row: string): Promise<string | undefined> {
  const r = await regionFor(Buffer.from(row));
  const res = await pool.client(r.rpcAddress!).call('GET', { region: r.info.encodedName, get: { row: Buffer.from(row) } });
  return res.result.cells[0]?.value.toString();
}

const KEYS = ['a1', 'c2', 'g3', 'm4', 'q5', 'x6'];

test('create, write, move, split, crash recovery and a clean stop with real region servers', async () => {
  const created = await api(master, 'POST', '/tables', { name: 't', families: [{ NAME: 'f' }], splitKeys: [Buffer.from('f').toString('base64'), Buffer.from('p').toString('base64')] });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  assert.equal((await rows()).length, 3);
  for (const k of KEYS) await put(k, `v-${k}`);
  for (const k of KEYS) assert.equal(await get(k), `v-${k}`);

  // Move the region holding 'g3' to the other server.
  const r = await regionFor(Buffer.from('g3'));
  const other = servers.find((s) => s.serverName !== r.serverName)!;
  assert.equal((await api(master, 'POST', `/regions/${r.info.encodedName}/move`, { serverName: other.serverName })).status, 200);
  assert.equal((await regionFor(Buffer.from('g3'))).serverName, other.serverName);
  assert.equal(await get('g3'), 'v-g3');

  // Split the last region at 'u'.
  const last = await regionFor(Buffer.from('x6'));
  assert.equal((await api(master, 'POST', `/regions/${last.info.encodedName}/split`, { splitRow: Buffer.from('u').toString('base64') })).status, 200);
  assert.equal((await rows()).filter((x) => x.state === 'OPEN').length, 4);
  for (const k of KEYS) assert.equal(await get(k), `v-${k}`);
  await put('z9', 'after-split');

  // Crash: the server hosting META loses its lease (it fences itself, unflushed); nothing acknowledged is lost.
  const victim = servers.find((s) => s.serverName === master.active!.am.metaLocation()!.serverName)!;
  for (const k of KEYS) await put(k, `w-${k}`);
  const entry = await coord.get(clusterKeys(CLUSTER).server(victim.serverName));
  assert.ok(entry?.lease !== undefined);
  coord.expireLease(entry.lease);
  await eventually(async () => {
    const loc = master.active?.am.metaLocation();
    if (loc === undefined || loc.serverName === victim.serverName) return false;
    const rs = await rows().catch(() => []);
    return rs.length > 0 && rs.every((x) => x.state === 'SPLIT' || (x.state === 'OPEN' && x.serverName !== victim.serverName));
  }, 30_000, 'regions of the crashed server reopened elsewhere');
  assert.ok(master.active!.recovery.splits >= 1);
  for (const k of KEYS) assert.equal(await get(k), `w-${k}`, `acknowledged write of ${k} survived the crash`);
  assert.equal(await get('z9'), 'after-split');

  // A new server joins; a clean stop of the old survivor drains it onto the new one.
  const fresh = await startServer(0);
  await eventually(() => master.active!.tracker.isLive(fresh.serverName), 5000, 'new server seen');
  const survivor = servers.find((s) => s !== victim && s !== fresh)!;
  await survivor.stop();
  await eventually(async () => {
    const rs = await rows().catch(() => []);
    return rs.length > 0 && rs.filter((x) => x.state !== 'SPLIT').every((x) => x.state === 'OPEN' && x.serverName === fresh.serverName);
  }, 20_000, 'the stopped server drained onto the new one');
  assert.equal(master.active!.am.metaLocation()!.serverName, fresh.serverName);
  for (const k of KEYS) assert.equal(await get(k), `w-${k}`);
  assert.ok(master.active!.states.get(META_REGION.encodedName)?.state === 'OPEN');
});
