// Region merge with a real master and real in-process region servers over the real RPC
// (coordination and object store in memory, s3 WALs): the admin API's merge, META's record of
// it, the catalog janitor removing the parents, refusals that leave the regions open, and a
// merge that fails part-way rolled back with the parents writable again.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { InternalError, isRetryable } from '../common/errors.js';
import type { MetaRow } from '../common/meta/meta-row.js';
import { listAllKeys } from '../common/objectstore/object-store.js';
import type { ObjectStore, PutOptions, PutResult } from '../common/objectstore/object-store.js';
import { regionDataPrefix } from '../common/paths.js';
import { containsRow } from '../regionserver/region/region-info.js';
import { loadManifest } from '../regionserver/store/store-manifest.js';
import { InProcessCluster } from './in-process-cluster.js';
import type { Master } from './master.js';
import { api, eventually, GatedRunner } from './test-fakes.js';

const cluster = new InProcessCluster('mg');
const { store, pool, servers } = cluster;
const F = Buffer.from('f');
const key = (i: number): string => `r${String(i).padStart(4, '0')}`;
const b64 = (s: string): string => Buffer.from(s).toString('base64');
let master: Master;

/** Server A's view of the object store: can refuse to create the store manifests of regions not in `known` (a merged region). */
class MergeFault {
  known: Set<string> | undefined;
  failures = 0;
  wrap(s: ObjectStore): ObjectStore {
    return new Proxy(s, {
      get: (target, prop, receiver) => {
        if (prop !== 'put') return Reflect.get(target, prop, receiver) as unknown;
        return (key: string, body: Buffer, opts?: PutOptions): Promise<PutResult> => {
          const region = /^data\/default\/[^/]+\/([0-9a-f]{32})\/[^/]+\/manifest$/.exec(key)?.[1];
          if (this.known !== undefined && region !== undefined && !this.known.has(region) && opts?.ifNoneMatch === '*') {
            this.failures++;
            return Promise.reject(new InternalError('injected: cannot create the merged store', { details: { key } }));
          }
          return target.put(key, body, opts);
        };
      },
    });
  }
}
const fault = new MergeFault();

const gate = new GatedRunner();
gate.release(Number.POSITIVE_INFINITY);

before(async () => {
  await cluster.startServer({ objectStore: fault.wrap(store), compactionRunner: gate });
  await cluster.startServer();
  master = await cluster.startMaster({ catalogJanitorPeriodMs: 0, splitParentRetainMs: 0 });
});

after(async () => {
  gate.release(Number.POSITIVE_INFINITY);
  await cluster.close();
});

async function rows(table: string): Promise<MetaRow[]> {
  return master.active!.catalog.scanTable('default', table);
}

async function onRegion<T>(table: string, row: string, fn: (r: MetaRow) => Promise<T>): Promise<T> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const r = (await rows(table)).find((x) => x.state === 'OPEN' && containsRow(x.info, Buffer.from(row)));
    try {
      if (r === undefined) throw Object.assign(new Error('no open region yet'), { retry: true });
      return await fn(r);
    } catch (e) {
      if (Date.now() > deadline || !(isRetryable(e) || (e as { retry?: boolean }).retry === true)) throw e;
      await new Promise((res) => setTimeout(res, 25));
    }
  }
}

async function put(table: string, row: string, value: string): Promise<void> {
  await onRegion(table, row, (r) =>
    pool.client(r.rpcAddress!).call('MUTATE', { region: r.info.encodedName, mutation: { kind: 'put', row: Buffer.from(row), columns: [{ family: F, qualifier: Buffer.from('q'), value: Buffer.from(value) }] } }),
  );
}

async function get(table: string, row: string): Promise<string | undefined> {
  return (await onRegion(table, row, (r) => pool.client(r.rpcAddress!).call('GET', { region: r.info.encodedName, get: { row: Buffer.from(row) } }))).result.cells[0]?.value.toString();
}

/** A table pre-split at `splits`, every region on server A, rows 0..n-1 written. */
async function table(name: string, splits: string[], n: number): Promise<MetaRow[]> {
  const created = await api(master, 'POST', '/tables', { name, families: [{ NAME: 'f' }], splitKeys: splits.map(b64) });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  for (const r of await rows(name)) {
    if (r.serverName !== servers[0]!.serverName) assert.equal((await api(master, 'POST', `/regions/${r.info.encodedName}/move`, { serverName: servers[0]!.serverName })).status, 200);
  }
  for (let i = 0; i < n; i++) await put(name, key(i), `v${i}`);
  return (await rows(name)).sort((x, y) => Buffer.compare(x.info.startKey, y.info.startKey));
}

test('merge_region: three adjacent regions become one that serves every row and takes writes; the janitor removes the parents once it compacted', async () => {
  const parents = await table('m3', [key(100), key(200)], 300);
  assert.equal((await api(master, 'POST', `/regions/${parents[0]!.info.encodedName}/flush`)).status, 200, 'some rows in files, the rest flushed by the merge');
  // Names in any order.
  const res = await api(master, 'POST', '/regions/merge', { regions: [parents[2]!.info.encodedName, parents[0]!.info.encodedName, parents[1]!.info.encodedName] });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  const merged = res.body.region as { encodedName: string; startKey: string; endKey: string };
  assert.deepEqual([merged.startKey, merged.endKey], ['', '']);

  const meta = await rows('m3');
  const m = meta.find((x) => x.info.encodedName === merged.encodedName)!;
  assert.equal(m.state, 'OPEN');
  assert.deepEqual(
    m.mergeParents?.map((p) => p.encodedName),
    parents.map((p) => p.info.encodedName),
    'the merged row names its parents in row order',
  );
  for (const p of parents) assert.equal(meta.find((x) => x.info.encodedName === p.info.encodedName)?.state, 'MERGED');
  assert.equal(master.active!.am.stats.merges, 1);
  const listed = await api(master, 'GET', '/tables/m3/regions');
  assert.deepEqual(
    (listed.body.regions as { region: { encodedName: string } }[]).map((r) => r.region.encodedName),
    [merged.encodedName],
    'the table lists only the merged region',
  );
  for (let i = 0; i < 300; i++) assert.equal(await get('m3', key(i)), `v${i}`, key(i));
  await put('m3', key(150), 'after');
  assert.equal(await get('m3', key(150)), 'after');

  // The merged region compacts its references away (opening it asked for that); then the janitor
  // removes every parent's objects and row, and the merged row's merge columns.
  await eventually(async () => (await loadManifest(store, { namespace: 'default', table: 'm3', region: merged.encodedName, family: 'f' })).manifest.references.length === 0, 20_000, 'the merged region compacted');
  await eventually(async () => {
    await master.active!.janitor.run();
    return (await rows('m3')).length === 1;
  }, 20_000, 'the janitor removed the parents');
  const [only] = await rows('m3');
  assert.equal(only!.info.encodedName, merged.encodedName);
  assert.equal(only!.mergeParents, undefined, 'merge columns deleted');
  assert.equal(master.active!.states.mergedInto(parents[0]!.info.encodedName), undefined);
  for (const p of parents) assert.equal((await listAllKeys(store, regionDataPrefix('default', 'm3', p.info.encodedName))).length, 0, 'parent objects deleted');
  for (let i = 0; i < 300; i++) assert.equal(await get('m3', key(i)), i === 150 ? 'after' : `v${i}`, key(i));
});

test('refused merges leave every region open: not adjacent, unknown, a daughter still holding references, a disabled table, a bad body', async () => {
  const regions = await table('mr', [key(10), key(20)], 30);
  const [r0, r1, r2] = regions.map((r) => r.info.encodedName);
  const refused = async (body: unknown, status: number, code: string, msg: RegExp): Promise<void> => {
    const res = await api(master, 'POST', '/regions/merge', body);
    assert.equal(res.status, status, JSON.stringify(res.body));
    assert.equal(res.body.error.code, code);
    assert.match(res.body.error.message, msg);
  };
  await refused({ regions: [r0, r2] }, 400, 'TSB_INVALID_ARGUMENT', /not adjacent/);
  await refused({ regions: [r0, 'f'.repeat(32)] }, 404, 'TSB_NOT_FOUND', /unknown region/);
  await refused({ regions: [r0] }, 400, 'TSB_INVALID_ARGUMENT', /at least two regions/);
  await refused({ regions: [r0, r0] }, 400, 'TSB_INVALID_ARGUMENT', /twice/);
  await refused({ regions: [r0, 'nope'] }, 400, 'TSB_INVALID_ARGUMENT', /encoded region name/);
  // Daughters of a split hold references until compacted (server A's compactions held back
  // here): refused before anything closes.
  gate.permits = 0;
  assert.equal((await api(master, 'POST', `/regions/${r2}/split`, { splitRow: b64(key(25)) })).status, 200);
  const daughters = (await rows('mr')).filter((x) => x.state === 'OPEN' && Buffer.compare(x.info.startKey, Buffer.from(key(20))) >= 0);
  assert.equal(daughters.length, 2);
  const assigns = master.active!.am.stats.assigns;
  await refused({ regions: daughters.map((d) => d.info.encodedName) }, 400, 'TSB_INVALID_ARGUMENT', /references from an earlier split or merge; major_compact/);
  assert.equal(master.active!.am.stats.assigns, assigns, 'no region was closed and re-opened');
  assert.deepEqual(
    (await rows('mr')).filter((x) => x.state === 'OPEN').length,
    4,
    'every region still open',
  );
  for (let i = 0; i < 30; i++) assert.equal(await get('mr', key(i)), `v${i}`);
  // Once compacted, the daughters merge back into one region.
  gate.release(Number.POSITIVE_INFINITY);
  for (const d of daughters) assert.equal((await api(master, 'POST', `/regions/${d.info.encodedName}/major_compact`)).status, 200);
  await eventually(async () => {
    for (const d of daughters) if ((await loadManifest(store, { namespace: 'default', table: 'mr', region: d.info.encodedName, family: 'f' })).manifest.references.length > 0) return false;
    return true;
  }, 20_000, 'the daughters compacted');
  const again = await api(master, 'POST', '/regions/merge', { regions: daughters.map((d) => d.info.encodedName) });
  assert.equal(again.status, 200, JSON.stringify(again.body));
  assert.deepEqual([again.body.region.startKey, again.body.region.endKey], [b64(key(20)), '']);
  for (let i = 0; i < 30; i++) assert.equal(await get('mr', key(i)), `v${i}`);

  assert.equal((await api(master, 'POST', '/tables/mr/disable')).status, 200);
  await refused({ regions: [r0, r1] }, 409, 'TSB_TABLE_DISABLED', /disabled/);
});

test('a merge that fails after freezing its regions is rolled back: the regions re-open and take and flush writes; the merge then succeeds', async () => {
  const regions = await table('mf', [key(50)], 100);
  fault.known = new Set((await rows('mf')).map((r) => r.info.encodedName));
  const names = regions.map((r) => r.info.encodedName);
  const failed = await api(master, 'POST', '/regions/merge', { regions: names });
  assert.equal(failed.status, 500, JSON.stringify(failed.body));
  assert.match(failed.body.error.message, /injected/);
  assert.equal(fault.failures, 1);
  fault.known = undefined;

  const meta = await rows('mf');
  assert.deepEqual(
    meta.map((r) => [r.info.encodedName, r.state]).sort(),
    names.map((n) => [n, 'OPEN']).sort(),
    'the parents are open again and no merged region is in META',
  );
  for (const n of names) {
    const m = await loadManifest(store, { namespace: 'default', table: 'mf', region: n, family: 'f' });
    assert.deepEqual(m.manifest.daughters, [], 'the re-open rolled the merge back');
  }
  for (let i = 0; i < 100; i++) assert.equal(await get('mf', key(i)), `v${i}`);
  for (let i = 0; i < 100; i += 10) await put('mf', key(i), `w${i}`);
  for (const n of names) assert.equal((await api(master, 'POST', `/regions/${n}/flush`)).status, 200, 'the parents flush again');

  const ok = await api(master, 'POST', '/regions/merge', { regions: names });
  assert.equal(ok.status, 200, JSON.stringify(ok.body));
  for (let i = 0; i < 100; i++) assert.equal(await get('mf', key(i)), i % 10 === 0 ? `w${i}` : `v${i}`);
});

test('a master that stopped between the merged row and its parents rows: the next master rolls the merge forward and never re-opens a parent', async () => {
  const regions = await table('mo', [key(50)], 100);
  const names = regions.map((r) => r.info.encodedName);
  const res = await api(master, 'POST', '/regions/merge', { regions: names });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  // What META holds if the master had stopped right after the commit (the merged row written
  // OFFLINE, naming its parents; the parents still CLOSED).
  const merged = (await rows('mo')).find((x) => x.mergeParents !== undefined)!;
  for (const r of regions) await master.active!.catalog.put({ info: r.info, state: 'CLOSED', serverName: r.serverName!, rpcAddress: r.rpcAddress! });
  await master.active!.catalog.put({ info: merged.info, state: 'OFFLINE', mergeParents: merged.mergeParents! });
  const hostsBefore = (await Promise.all(servers.map((s) => pool.client(s.rpcAddress).call('SERVER_INFO', {})))).flatMap((i) => i.regions.map((h) => h.info.encodedName));
  assert.ok(hostsBefore.includes(merged.info.encodedName));
  await pool.client(merged.rpcAddress!).call('CLOSE_REGION', { region: merged.info.encodedName, flush: true, token: master.active!.term.token });

  await master.stop();
  master = await cluster.startMaster({ catalogJanitorPeriodMs: 0, splitParentRetainMs: 0 });
  const after = await rows('mo');
  for (const n of names) assert.equal(after.find((x) => x.info.encodedName === n)?.state, 'MERGED', 'parent recorded MERGED');
  await eventually(async () => (await rows('mo')).find((x) => x.info.encodedName === merged.info.encodedName)?.state === 'OPEN', 20_000, 'merged region open');
  const hosted = (await Promise.all(servers.map((s) => pool.client(s.rpcAddress).call('SERVER_INFO', {})))).flatMap((i) => i.regions.map((h) => h.info.encodedName));
  for (const n of names) assert.equal(hosted.includes(n), false, 'no parent re-opened');
  for (let i = 0; i < 100; i++) assert.equal(await get('mo', key(i)), `v${i}`);
  // A parent a merged row names cannot be opened through the assignment manager either, even
  // before it is recorded MERGED (the window the roll-forward closes), and the janitor leaves it
  // until it is.
  const a = master.active!;
  await assert.rejects(a.am.assign(regions[0]!.info), /merged into another/);
  await eventually(async () => (await loadManifest(store, { namespace: 'default', table: 'mo', region: merged.info.encodedName, family: 'f' })).manifest.references.length === 0, 20_000, 'the merged region compacted');
  const first = a.states.get(names[0]!)!;
  first.state = 'CLOSED';
  await assert.rejects(a.am.assign(first.info), /merged into another/);
  const ours = (l: readonly string[]): string[] => l.filter((n) => names.includes(n));
  let report = await a.janitor.run();
  assert.deepEqual([ours(report.removed), ours(report.kept)], [[names[1]], [names[0]]]);
  first.state = 'MERGED';
  report = await a.janitor.run();
  assert.deepEqual(ours(report.removed), [names[0]]);
  assert.deepEqual(
    (await rows('mo')).map((x) => x.info.encodedName),
    [merged.info.encodedName],
  );
  for (let i = 0; i < 100; i++) assert.equal(await get('mo', key(i)), `v${i}`);
});

test('a merge whose commit is known only in memory (its META writes failed): the roll-forward writes the merged row before it records a parent MERGED', async () => {
  const regions = await table('mw', [key(50)], 60);
  const names = regions.map((r) => r.info.encodedName);
  const res = await api(master, 'POST', '/regions/merge', { regions: names });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  const a = master.active!;
  const merged = a.states.get(res.body.region.encodedName as string)!;
  // As if every META write from the merged row on had failed: META has no merged row and the
  // parents CLOSED, while this master's memory knows the merge.
  await a.catalog.delete(merged.info);
  for (const r of regions) {
    await a.catalog.put({ info: r.info, state: 'CLOSED' });
    a.states.get(r.info.encodedName)!.state = 'CLOSED';
  }
  await a.am.finishMerges();
  const meta = await rows('mw');
  assert.deepEqual(
    meta.find((x) => x.info.encodedName === merged.info.encodedName)?.mergeParents?.map((p) => p.encodedName),
    names,
    'the merged row is back, naming its parents',
  );
  for (const n of names) assert.equal(meta.find((x) => x.info.encodedName === n)?.state, 'MERGED');
  for (let i = 0; i < 60; i++) assert.equal(await get('mw', key(i)), `v${i}`);
});

test('a merged region merged again before the janitor removed its own parents keeps its row until they are gone', async () => {
  const regions = await table('mn', [key(30), key(60)], 90);
  const [a, b, c] = regions.map((r) => r.info.encodedName) as [string, string, string];
  const refsOf = async (region: string): Promise<number> => (await loadManifest(store, { namespace: 'default', table: 'mn', region, family: 'f' })).manifest.references.length;
  const m1 = (await api(master, 'POST', '/regions/merge', { regions: [a, b] })).body.region.encodedName as string;
  await eventually(async () => (await refsOf(m1)) === 0, 20_000, 'the first merged region compacted');
  const second = await api(master, 'POST', '/regions/merge', { regions: [m1, c] });
  assert.equal(second.status, 200, JSON.stringify(second.body));
  const m2 = second.body.region.encodedName as string;
  await eventually(async () => (await refsOf(m2)) === 0, 20_000, 'the second merged region compacted');
  // Parent a cannot go yet (as while a merge is rolled forward); m1 itself is no longer needed
  // by m2, but its row is how a is found: it stays until a is removed.
  const j = master.active!;
  const an = j.states.get(a)!;
  an.state = 'CLOSED';
  const ours = (l: readonly string[]): string[] => l.filter((n) => [a, b, c, m1].includes(n)).sort();
  const report = await j.janitor.run();
  assert.deepEqual(ours(report.removed), [b, c].sort());
  assert.deepEqual(ours(report.kept), [a, m1].sort());
  assert.ok((await rows('mn')).some((x) => x.info.encodedName === m1), 'the first merged region keeps its row');
  an.state = 'MERGED';
  // One run removes the last parent, the next the merged region whose row named it.
  await j.janitor.run();
  await j.janitor.run();
  assert.deepEqual(
    (await rows('mn')).map((x) => x.info.encodedName),
    [m2],
    'every parent removed, the intermediate merged region last',
  );
  for (const r of [a, b, c, m1]) assert.equal((await listAllKeys(store, regionDataPrefix('default', 'mn', r))).length, 0, `objects of ${r} deleted`);
  for (let i = 0; i < 90; i++) assert.equal(await get('mn', key(i)), `v${i}`);
});

test('a merged region split before the janitor removed its own parents keeps its row until they are gone', async () => {
  const regions = await table('ms', [key(30)], 60);
  const [a, b] = regions.map((r) => r.info.encodedName) as [string, string];
  const refsOf = async (region: string): Promise<number> => (await loadManifest(store, { namespace: 'default', table: 'ms', region, family: 'f' })).manifest.references.length;
  const m = (await api(master, 'POST', '/regions/merge', { regions: [a, b] })).body.region.encodedName as string;
  await eventually(async () => (await refsOf(m)) === 0, 20_000, 'the merged region compacted');
  assert.equal((await api(master, 'POST', `/regions/${m}/split`, { splitRow: b64(key(45)) })).status, 200);
  const daughters = (await rows('ms')).filter((x) => x.state === 'OPEN').map((x) => x.info.encodedName);
  assert.equal(daughters.length, 2);
  await eventually(async () => (await refsOf(daughters[0]!)) + (await refsOf(daughters[1]!)) === 0, 20_000, 'the daughters compacted');
  const j = master.active!;
  const an = j.states.get(a)!;
  an.state = 'CLOSED';
  const ours = (l: readonly string[]): string[] => l.filter((n) => [a, b, m].includes(n)).sort();
  const report = await j.janitor.run();
  assert.deepEqual(ours(report.removed), [b]);
  assert.deepEqual(ours(report.kept), [a, m].sort());
  an.state = 'MERGED';
  // One run removes the last parent, the next the merged region whose row named it.
  await j.janitor.run();
  await j.janitor.run();
  assert.deepEqual((await rows('ms')).map((x) => x.info.encodedName).sort(), [...daughters].sort(), 'the parents and the split merged region removed');
  for (const r of [a, b, m]) assert.equal((await listAllKeys(store, regionDataPrefix('default', 'ms', r))).length, 0, `objects of ${r} deleted`);
  for (let i = 0; i < 60; i++) assert.equal(await get('ms', key(i)), `v${i}`);
});
