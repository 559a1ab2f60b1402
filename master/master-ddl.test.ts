import assert from 'node:assert/strict';
import { afterEach, test } from 'node:test';
import { META_REGION } from '../common/meta/meta-row.js';
import { listAllKeys } from '../common/objectstore/object-store.js';
import { UnavailableError } from '../common/errors.js';
import { tableDataPrefix } from '../common/paths.js';
import { api, eventually, FakeCluster } from './test-fakes.js';

let cluster: FakeCluster;
afterEach(async () => cluster?.close());

const b64 = (s: string) => Buffer.from(s).toString('base64');

async function setup(servers = 2) {
  cluster = new FakeCluster();
  for (let i = 0; i < servers; i++) await cluster.addServer();
  const m = await cluster.startMaster();
  await m.waitUntilActive();
  return m;
}

test('META is assigned to a region server and its location published', async () => {
  const m = await setup();
  const loc = await api(m, 'GET', '/meta-location');
  assert.equal(loc.status, 200);
  const host = cluster.hosting().get(META_REGION.encodedName);
  assert.equal(loc.body.serverName, host);
  const status = await api(m, 'GET', '/status');
  assert.equal(status.status, 200);
  assert.equal(status.body.activeMaster, m.httpAddress);
  assert.equal(status.body.servers.length, 2);
  assert.equal(status.body.metaLocation.serverName, host);
  const ns = await api(m, 'GET', '/namespaces');
  assert.deepEqual(ns.body.namespaces, ['default', 'hbase']);
});

test('create with split keys: every region OPEN in META and hosted where META says', async () => {
  const m = await setup();
  const res = await api(m, 'POST', '/tables', { name: 't1', families: [{ NAME: 'f', VERSIONS: 3 }], splitKeys: [b64('m'), b64('g'), b64('t')] });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  assert.equal(res.body.state, 'ENABLED');
  assert.equal(res.body.families[0].VERSIONS, '3');
  const rows = cluster.metaRows('t1');
  assert.equal(rows.length, 4);
  const starts = rows.map((r) => r.info.startKey.toString()).sort();
  assert.deepEqual(starts, ['', 'g', 'm', 't']);
  const hosting = cluster.hosting();
  for (const r of rows) {
    assert.equal(r.state, 'OPEN');
    assert.equal(hosting.get(r.info.encodedName), r.serverName);
  }
  // Spread over both servers.
  assert.equal(new Set(rows.map((r) => r.serverName)).size, 2);
  const regions = await api(m, 'GET', '/tables/t1/regions');
  assert.deepEqual(
    regions.body.regions.map((r: { region: { startKey: string } }) => Buffer.from(r.region.startKey, 'base64').toString()),
    ['', 'g', 'm', 't'],
  );
  const list = await api(m, 'GET', '/tables');
  assert.deepEqual(
    list.body.tables.map((t: { name: string }) => t.name),
    ['t1'],
  );
});

test('create with numRegions in a namespace; namespaces create/delete', async () => {
  const m = await setup();
  assert.equal((await api(m, 'POST', '/namespaces', { name: 'ns1' })).status, 201);
  assert.equal((await api(m, 'POST', '/namespaces', { name: 'ns1' })).body.error.code, 'TSB_ALREADY_EXISTS');
  const res = await api(m, 'POST', '/tables', { name: 'ns1:t', families: [{ NAME: 'f' }], numRegions: 5 });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  assert.equal(res.body.name, 'ns1:t');
  const rows = cluster.metaRows('t', 'ns1');
  assert.equal(rows.length, 5);
  assert.ok(rows.every((r) => r.state === 'OPEN'));
  const del = await api(m, 'DELETE', '/namespaces/ns1');
  assert.equal(del.status, 409);
  assert.equal((await api(m, 'GET', '/tables/ns1%3At')).body.name, 'ns1:t');
  assert.equal((await api(m, 'GET', '/tables?namespace=ns1')).body.tables.length, 1);
});

test('disable closes, enable reopens, delete removes META rows, descriptor and objects', async () => {
  const m = await setup();
  await api(m, 'POST', '/tables', { name: 't', families: [{ NAME: 'f' }], splitKeys: [b64('k')] });
  await api(m, 'POST', '/tables', { name: 'keep', families: [{ NAME: 'f' }] });
  const rows = cluster.metaRows('t');
  const [r0] = rows;
  await cluster.store.put(`data/default/t/${r0!.info.encodedName}/f/manifest`, Buffer.from('x'));
  await cluster.store.put(`data/default/keep/${cluster.metaRows('keep')[0]!.info.encodedName}/f/manifest`, Buffer.from('x'));

  assert.equal((await api(m, 'DELETE', '/tables/t')).status, 409, 'an enabled table cannot be deleted');
  assert.equal((await api(m, 'POST', '/tables/t/disable')).status, 200);
  assert.equal((await api(m, 'GET', '/tables/t')).body.state, 'DISABLED');
  assert.ok(cluster.metaRows('t').every((r) => r.state === 'CLOSED'));
  for (const r of rows) assert.equal(cluster.hosting().get(r.info.encodedName), undefined);
  assert.equal((await api(m, 'POST', '/tables/t/flush')).body.error.code, 'TSB_TABLE_DISABLED');

  assert.equal((await api(m, 'POST', '/tables/t/enable')).status, 200);
  assert.ok(cluster.metaRows('t').every((r) => r.state === 'OPEN'));
  for (const r of rows) assert.ok(cluster.hosting().has(r.info.encodedName));

  await api(m, 'POST', '/tables/t/disable');
  assert.equal((await api(m, 'DELETE', '/tables/t')).status, 200);
  assert.equal(cluster.metaRows('t').length, 0);
  assert.equal((await api(m, 'GET', '/tables/t')).status, 404);
  assert.deepEqual(await listAllKeys(cluster.store, 'data/default/t/'), []);
  assert.equal((await listAllKeys(cluster.store, 'data/default/keep/')).length, 1);
  assert.equal(cluster.metaRows('keep').length, 1);
});

test('alter: add, modify and delete a family re-open the regions with the new descriptor', async () => {
  const m = await setup();
  await api(m, 'POST', '/tables', { name: 't', families: [{ NAME: 'f' }], splitKeys: [b64('k')] });
  const opensBefore = cluster.servers.reduce((n, s) => n + s.opens.length, 0);
  const add = await api(m, 'PUT', '/tables/t/families/g', { VERSIONS: 5 });
  assert.equal(add.status, 200, JSON.stringify(add.body));
  assert.deepEqual(
    add.body.families.map((f: { NAME: string }) => f.NAME),
    ['f', 'g'],
  );
  const opens = cluster.servers.flatMap((s) => s.opens).slice(0);
  assert.equal(opens.length - opensBefore, 2, 'both regions re-opened');
  const lastOpen = cluster.servers.flatMap((s) => s.opens).filter((o) => o.table.name === 't').at(-1)!;
  assert.deepEqual(
    lastOpen.table.families.map((f) => [f.name, f.maxVersions]),
    [
      ['f', 1],
      ['g', 5],
    ],
  );
  assert.ok(cluster.metaRows('t').every((r) => r.state === 'OPEN'));
  const mod = await api(m, 'PUT', '/tables/t/families/f', { NAME: 'f', TTL: 3600 });
  assert.equal(mod.body.families[0].TTL, '3600');
  const del = await api(m, 'DELETE', '/tables/t/families/g');
  assert.deepEqual(
    del.body.families.map((f: { NAME: string }) => f.NAME),
    ['f'],
  );
  assert.equal((await api(m, 'DELETE', '/tables/t/families/f')).status, 400, 'the last family cannot be deleted');
  assert.equal((await api(m, 'DELETE', '/tables/t/families/nope')).status, 404);
});

test('truncate keeps the split points and opens fresh regions', async () => {
  const m = await setup();
  await api(m, 'POST', '/tables', { name: 't', families: [{ NAME: 'f' }], splitKeys: [b64('k'), b64('p')] });
  const before = cluster.metaRows('t');
  assert.equal((await api(m, 'POST', '/tables/t/truncate', {})).status, 200);
  const after = cluster.metaRows('t');
  assert.equal(after.length, 3);
  assert.deepEqual(after.map((r) => r.info.startKey.toString()).sort(), ['', 'k', 'p']);
  for (const r of after) {
    assert.equal(r.state, 'OPEN');
    assert.ok(!before.some((b) => b.info.encodedName === r.info.encodedName), 'new regions');
  }
  assert.equal((await api(m, 'GET', '/tables/t')).body.state, 'ENABLED');
  await api(m, 'POST', '/tables/t/truncate', { preserveSplits: false });
  assert.equal(cluster.metaRows('t').length, 1);
});

test('an interrupted truncate is finished by the next truncate, or by the next active master; enable refuses meanwhile', async () => {
  const m = await setup();
  await api(m, 'POST', '/tables', { name: 't', families: [{ NAME: 'f' }], splitKeys: [b64('k'), b64('p')] });
  const dataKey = `${tableDataPrefix('default', 't')}region/f/file`;
  const failDataDeletes = (n: number) => {
    const original = cluster.store.deleteMany.bind(cluster.store);
    let left = n;
    cluster.store.deleteMany = async (keys: readonly string[]) => {
      if (left > 0 && keys.some((k) => k.startsWith(tableDataPrefix('default', 't')))) {
        left--;
        throw new UnavailableError('injected: object store down');
      }
      return original(keys);
    };
  };
  // 1. The truncate fails after it removed the old regions from META: the plan is recorded.
  await cluster.store.put(dataKey, Buffer.from('old data'));
  failDataDeletes(1);
  const failed = await api(m, 'POST', '/tables/t/truncate', {});
  assert.equal(failed.status, 503, JSON.stringify(failed.body));
  assert.equal(cluster.metaRows('t').length, 0, 'the old regions are gone from META');
  const enable = await api(m, 'POST', '/tables/t/enable', {});
  assert.equal(enable.status, 409);
  assert.equal(enable.body.error.code, 'TSB_PRECONDITION_FAILED');
  // Running truncate again finishes it, with the split points of the original table.
  assert.equal((await api(m, 'POST', '/tables/t/truncate', { preserveSplits: false })).status, 200);
  let rows = cluster.metaRows('t');
  assert.deepEqual(rows.map((r) => r.info.startKey.toString()).sort(), ['', 'k', 'p'], 'the recorded plan wins over the retry’s options');
  for (const r of rows) assert.equal(r.state, 'OPEN');
  assert.equal((await api(m, 'GET', '/tables/t')).body.state, 'ENABLED');
  assert.deepEqual(await listAllKeys(cluster.store, tableDataPrefix('default', 't')), []);

  // 2. The same failure, then the master goes away: the next active master finishes it.
  const before = new Set(rows.map((r) => r.info.encodedName));
  await cluster.store.put(dataKey, Buffer.from('old data'));
  failDataDeletes(1);
  assert.equal((await api(m, 'POST', '/tables/t/truncate', {})).status, 503);
  await m.stop();
  const m2 = await cluster.startMaster();
  await m2.waitUntilActive();
  await eventually(() => cluster.metaRows('t').length === 3 && cluster.metaRows('t').every((r) => r.state === 'OPEN'), 10_000, 'the truncate to be finished');
  rows = cluster.metaRows('t');
  assert.ok(rows.every((r) => !before.has(r.info.encodedName)), 'fresh regions');
  await eventually(async () => (await api(m2, 'GET', '/tables/t')).body.state === 'ENABLED', 10_000, 'the table enabled');
  assert.deepEqual(await listAllKeys(cluster.store, tableDataPrefix('default', 't')), []);
});

test('bad admin input: 400 with a code; unknown things 404; conflicts 409', async () => {
  const m = await setup(1);
  const cases: [string, string, unknown, number, string][] = [
    ['POST', '/tables', { name: 't' }, 400, 'TSB_INVALID_ARGUMENT'],
    ['POST', '/tables', { name: 't', families: [] }, 400, 'TSB_INVALID_ARGUMENT'],
    ['POST', '/tables', { name: 'bad name', families: [{ NAME: 'f' }] }, 400, 'TSB_INVALID_ARGUMENT'],
    ['POST', '/tables', { name: 't', families: [{ NAME: 'f', BOGUS: 1 }] }, 400, 'TSB_INVALID_CONFIG'],
    ['POST', '/tables', { name: 't', families: [{ NAME: 'f', VERSIONS: 'x' }] }, 400, 'TSB_INVALID_CONFIG'],
    ['POST', '/tables', { name: 't', families: [{ NAME: 'f' }], splitKeys: ['!!'] }, 400, 'TSB_INVALID_ARGUMENT'],
    ['POST', '/tables', { name: 't', families: [{ NAME: 'f' }], splitKeys: [b64('a'), b64('a')] }, 400, 'TSB_INVALID_ARGUMENT'],
    ['POST', '/tables', { name: 't', families: [{ NAME: 'f' }], splitKeys: [b64('a')], numRegions: 3 }, 400, 'TSB_INVALID_ARGUMENT'],
    ['POST', '/tables', { name: 't', families: [{ NAME: 'f' }], extra: true }, 400, 'TSB_INVALID_ARGUMENT'],
    ['POST', '/tables', { name: 'nons:t', families: [{ NAME: 'f' }] }, 404, 'TSB_NOT_FOUND'],
    ['POST', '/tables', { name: 'hbase:t', families: [{ NAME: 'f' }] }, 400, 'TSB_INVALID_ARGUMENT'],
    ['GET', '/tables/nope', undefined, 404, 'TSB_NOT_FOUND'],
    ['POST', '/regions/zz/move', {}, 400, 'TSB_INVALID_ARGUMENT'],
    ['POST', `/regions/${'0'.repeat(32)}/move`, {}, 404, 'TSB_NOT_FOUND'],
    ['PUT', '/balancer', { enabled: 'yes' }, 400, 'TSB_INVALID_ARGUMENT'],
    ['POST', '/namespaces', { name: 'bad-ns' }, 400, 'TSB_INVALID_ARGUMENT'],
    ['DELETE', '/namespaces/default', undefined, 409, 'TSB_PRECONDITION_FAILED'],
    ['GET', '/no/such/route', undefined, 404, 'TSB_NOT_FOUND'],
  ];
  for (const [method, path, body, status, code] of cases) {
    const r = await api(m, method, path, body);
    assert.equal(r.status, status, `${method} ${path} ${JSON.stringify(body)} → ${JSON.stringify(r.body)}`);
    assert.equal(r.body.error.code, code, `${method} ${path}`);
    assert.equal(typeof r.body.error.message, 'string');
  }
  const raw = await fetch(`http://${m.httpAddress}/api/v1/tables`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{oops' });
  assert.equal(raw.status, 400);
  assert.equal(((await raw.json()) as { error: { code: string } }).error.code, 'TSB_INVALID_ARGUMENT');
  await api(m, 'POST', '/tables', { name: 't', families: [{ NAME: 'f' }] });
  const dup = await api(m, 'POST', '/tables', { name: 't', families: [{ NAME: 'f' }] });
  assert.equal(dup.status, 409);
  assert.equal(dup.body.error.code, 'TSB_ALREADY_EXISTS');
  const health = await fetch(`http://${m.httpAddress}/health`);
  assert.equal(health.status, 200);
  const metrics = await (await fetch(`http://${m.httpAddress}/metrics`)).text();
  assert.match(metrics, /tsbase_master_is_active 1/);
  assert.match(metrics, /tsbase_master_region_servers 1/);
});
