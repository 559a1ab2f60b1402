// Size-triggered splits and the catalog janitor with a real master and real in-process region
// servers over the real RPC (coordination and object store in memory, s3 WALs). Server A runs
// its compactions through a gate the test opens one compaction at a time, so a split's
// daughters keep their references for as long as the test wants.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { isRetryable } from '../common/errors.js';
import type { MetaRow } from '../common/meta/meta-row.js';
import { listAllKeys } from '../common/objectstore/object-store.js';
import { regionDataPrefix } from '../common/paths.js';
import { containsRow } from '../regionserver/region/region-info.js';
import { loadManifest } from '../regionserver/store/store-manifest.js';
import { InProcessCluster } from './in-process-cluster.js';
import type { Master } from './master.js';
import { api, eventually, GatedRunner } from './test-fakes.js';

const CLUSTER = 'sj';
const cluster = new InProcessCluster(CLUSTER);
const { store, pool, servers } = cluster;
const gate = new GatedRunner();
let master: Master;

before(async () => {
  await cluster.startServer({ compactionRunner: gate, splitCheckIntervalMs: 100 });
  await cluster.startServer({ splitCheckIntervalMs: 100 });
  // The catalog janitor runs on demand below.
  master = await cluster.startMaster({ catalogJanitorPeriodMs: 0, splitParentRetainMs: 0 });
});

after(async () => {
  gate.release(Number.POSITIVE_INFINITY);
  await cluster.close();
});

const F = Buffer.from('f');
const key = (i: number): string => `r${String(i).padStart(5, '0')}`;

async function rows(table: string): Promise<MetaRow[]> {
  return master.active!.catalog.scanTable('default', table);
}

const located = new Map<string, MetaRow[]>();

/** Sends `fn` to the open region holding `row` (META rows cached), re-locating and retrying while regions split or move. */
async function onRegion<T>(table: string, row: string, fn: (r: MetaRow) => Promise<T>): Promise<T> {
  const deadline = Date.now() + 30_000;
  for (let attempt = 0; ; attempt++) {
    let cached = located.get(table);
    if (cached === undefined || attempt > 0) located.set(table, (cached = await rows(table)));
    const r = cached.find((x) => x.state === 'OPEN' && containsRow(x.info, Buffer.from(row)));
    try {
      if (r === undefined) throw Object.assign(new Error('no open region yet'), { retry: true });
      return await fn(r);
    } catch (e) {
      if (Date.now() > deadline || !(isRetryable(e) || (e as { retry?: boolean }).retry === true)) throw e;
      if (attempt > 0) await new Promise((res) => setTimeout(res, 25));
    }
  }
}

async function put(table: string, row: string, value: string): Promise<void> {
  await onRegion(table, row, (r) =>
    pool.client(r.rpcAddress!).call('MUTATE', {
      region: r.info.encodedName,
      mutation: { kind: 'put', row: Buffer.from(row), columns: [{ family: F, qualifier: Buffer.from('q'), value: Buffer.from(value) }] },
    }),
  );
}

async function get(table: string, row: string): Promise<string | undefined> {
  const res = await onRegion(table, row, (r) => pool.client(r.rpcAddress!).call('GET', { region: r.info.encodedName, get: { row: Buffer.from(row) } }));
  return res.result.cells[0]?.value.toString();
}

async function referencesOf(d: MetaRow['info']): Promise<number> {
  return (await loadManifest(store, { namespace: d.namespace, table: d.table, region: d.encodedName, family: 'f' })).manifest.references.length;
}

test('catalog janitor: a split parent stays while either daughter holds references, and goes (objects and META row) after both compacted', async () => {
  const a = servers[0]!;
  const created = await api(master, 'POST', '/tables', { name: 'j', families: [{ NAME: 'f' }] });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  let [parent] = await rows('j');
  if (parent!.serverName !== a.serverName) {
    assert.equal((await api(master, 'POST', `/regions/${parent!.info.encodedName}/move`, { serverName: a.serverName })).status, 200);
    [parent] = await rows('j');
  }
  for (let i = 0; i < 100; i++) await put('j', key(i), `v${i}`);
  assert.equal((await api(master, 'POST', `/regions/${parent!.info.encodedName}/split`, {})).status, 200);
  const after = await rows('j');
  const p = after.find((x) => x.info.encodedName === parent!.info.encodedName)!;
  assert.equal(p.state, 'SPLIT');
  const daughters = [p.splitA!, p.splitB!];
  const parentObjects = async (): Promise<number> => (await listAllKeys(store, regionDataPrefix('default', 'j', p.info.encodedName))).length;
  const readAll = async (): Promise<void> => {
    for (let i = 0; i < 100; i++) assert.equal(await get('j', key(i)), `v${i}`);
  };
  for (const d of daughters) assert.ok((await referencesOf(d)) > 0, 'daughters start with references');
  const objects = await parentObjects();
  assert.ok(objects > 0);

  let report = await master.active!.janitor.run();
  assert.deepEqual([report.parents, report.removed.length], [1, 0]);
  assert.equal(await parentObjects(), objects, 'nothing of the parent deleted');
  await readAll();

  // One compaction: one daughter rewrites its reference; the other still needs the parent.
  gate.release(1);
  await eventually(async () => (await referencesOf(daughters[0]!)) === 0 || (await referencesOf(daughters[1]!)) === 0, 10_000, 'one daughter compacted');
  assert.equal((await referencesOf(daughters[0]!)) + (await referencesOf(daughters[1]!)) > 0, true, 'the other daughter still refers');
  report = await master.active!.janitor.run();
  assert.deepEqual([report.parents, report.removed.length], [1, 0]);
  assert.equal(await parentObjects(), objects);
  assert.equal((await rows('j')).find((x) => x.info.encodedName === p.info.encodedName)?.state, 'SPLIT');
  await readAll();

  gate.release(1);
  await eventually(async () => (await referencesOf(daughters[0]!)) === 0 && (await referencesOf(daughters[1]!)) === 0, 10_000, 'both daughters compacted');
  report = await master.active!.janitor.run();
  assert.deepEqual(report.removed, [p.info.encodedName]);
  assert.equal(await parentObjects(), 0, 'parent objects deleted');
  assert.equal((await rows('j')).some((x) => x.info.encodedName === p.info.encodedName), false, 'parent META row deleted');
  assert.equal(master.active!.states.get(p.info.encodedName), undefined);
  await readAll();
  gate.release(Number.POSITIVE_INFINITY);
});

test('size-triggered splits: a table with a small MAX_FILESIZE splits by itself under writes; no region is empty; every row readable; the janitor then removes every parent', async (t) => {
  gate.release(Number.POSITIVE_INFINITY);
  const created = await api(master, 'POST', '/tables', { name: 'auto', families: [{ NAME: 'f' }], maxFileSize: 40 * 1024, memStoreFlushSize: 16 * 1024 });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const N = 1500;
  const value = (i: number): string => `value-${i}-`.padEnd(100, 'x');
  for (let i = 0; i < N; i++) await put('auto', key(i), value(i));
  await eventually(async () => (await rows('auto')).filter((x) => x.state === 'OPEN').length >= 3, 30_000, 'the table split by itself into 3+ regions');
  assert.ok(master.active!.am.stats.splits >= 2);
  t.diagnostic(`splits so far: ${master.active!.am.stats.splits}, size-split requests: ${servers.reduce((n, s) => n + s.splitRequests, 0)}`);
  // Let splits settle (daughters compact, may split again), then read everything back.
  await eventually(async () => (await rows('auto')).every((x) => x.state === 'OPEN' || x.state === 'SPLIT'), 30_000, 'no region in transition');
  for (let i = 0; i < N; i++) assert.equal(await get('auto', key(i)), value(i), `row ${key(i)}`);
  for (const r of (await rows('auto')).filter((x) => x.state === 'OPEN')) {
    const s = await pool.client(r.rpcAddress!).call('SCAN_OPEN', { region: r.info.encodedName, scan: {}, rows: 1 });
    assert.equal(s.results.length, 1, `region ${r.info.encodedName} holds rows (no empty daughter)`);
    if (s.moreInRegion) await pool.client(r.rpcAddress!).call('SCAN_CLOSE', { scannerId: s.scannerId });
  }

  await eventually(async () => {
    await master.active!.janitor.run();
    return (await rows('auto')).every((x) => x.state !== 'SPLIT');
  }, 30_000, 'the janitor removed every split parent');
  const live = new Set((await rows('auto')).map((x) => x.info.encodedName));
  const regionDirs = new Set((await listAllKeys(store, 'data/default/auto/')).map((o) => o.key.split('/')[3]!));
  assert.deepEqual([...regionDirs].filter((r) => !live.has(r)), [], 'no objects of removed parents are left');
  for (let i = 0; i < N; i++) assert.equal(await get('auto', key(i)), value(i), `row ${key(i)} after the janitor`);
});

test('a split request for a region of a disabled table is refused (a size-triggered one may race a disable)', async () => {
  const region = (await rows('j')).find((x) => x.state === 'OPEN')!;
  assert.equal((await api(master, 'POST', '/tables/j/disable')).status, 200);
  const res = await api(master, 'POST', `/regions/${region.info.encodedName}/split`, {});
  assert.equal(res.status, 409);
  assert.equal(res.body.error.code, 'TSB_TABLE_DISABLED');
});
