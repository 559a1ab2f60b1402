import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCodes, NotServingRegionError, UnavailableError } from '../common/errors.js';
import { META_REGION } from '../common/meta/meta-row.js';
import { regionInfo } from '../regionserver/region/region-info.js';
import { fakeConnect } from './fake-connect.js';
import { wireErr } from './fake-cluster.js';
import { find, prefixEnd } from './region-locator.js';
import type { RegionLocation } from './region-locator.js';

const T = { namespace: 'default', name: 't' };
const b = (s: string): Buffer => Buffer.from(s);

test('prefixEnd is the first key after every key with the prefix', () => {
  assert.deepEqual(prefixEnd(b('t,')), b('t-'));
  assert.deepEqual(prefixEnd(Buffer.from([0x61, 0xff])), Buffer.from([0x62]));
  assert.deepEqual(prefixEnd(Buffer.from([0xff])), Buffer.alloc(0));
});

test('find: binary search for the region holding a row, and the region before a key', () => {
  const keys = ['', 'd', 'h', 'p', ''];
  const regions: RegionLocation[] = [];
  for (let i = 0; i < 4; i++) regions.push({ info: regionInfo('default', 't', b(keys[i]!), b(keys[i + 1]!), 1), rpcAddress: `rs${i}:1` });
  const at = (row: string): string | undefined => find(regions, b(row), 'at')?.rpcAddress;
  const before = (row: string): string | undefined => find(regions, b(row), 'before')?.rpcAddress;
  assert.equal(at(''), 'rs0:1');
  assert.equal(at('a'), 'rs0:1');
  assert.equal(at('d'), 'rs1:1');
  assert.equal(at('gzzz'), 'rs1:1');
  assert.equal(at('h'), 'rs2:1');
  assert.equal(at('zzz'), 'rs3:1');
  assert.equal(before(''), 'rs3:1'); // the last region
  assert.equal(before('d'), 'rs0:1'); // rows below d
  assert.equal(before('d\x00'), 'rs1:1');
  assert.equal(before('p'), 'rs2:1');
  assert.equal(before('q'), 'rs3:1');
  // A hole (an invalidated region) is a miss.
  const holed = [regions[0]!, regions[2]!, regions[3]!];
  assert.equal(find(holed, b('e'), 'at'), undefined);
  assert.equal(find(holed, b('h'), 'before'), undefined);
});

test('locations are read from META once and then served from the cache', async () => {
  const s = await fakeConnect();
  try {
    s.cluster.createTable('t', ['d', 'h', 'p'], ['rs1:16020', 'rs2:16020']);
    const loc = s.conn.locator;
    const l1 = await loc.locate(T, b('e'));
    assert.equal(l1.info.startKey.toString(), 'd');
    assert.equal(l1.rpcAddress, 'rs2:16020');
    const l2 = await loc.locate(T, b('z'));
    assert.equal(l2.info.startKey.toString(), 'p');
    const l3 = await loc.locate(T, b(''), 'before');
    assert.equal(l3.info.encodedName, l2.info.encodedName);
    assert.equal(loc.metaReads, 1);
    assert.equal(s.cluster.callsOf('SCAN_OPEN').length, 1);
    assert.equal(s.masters.requests.filter((r) => r.path === '/meta-location').length, 1);
    // Concurrent misses of another table share one META read.
    s.cluster.createTable('u', ['m'], ['rs1:16020']);
    await Promise.all([loc.locate({ namespace: 'default', name: 'u' }, b('a')), loc.locate({ namespace: 'default', name: 'u' }, b('z'))]);
    assert.equal(loc.metaReads, 2);
  } finally {
    await s.stop();
  }
});

test('split parents are skipped; NotServingRegion invalidates; RegionMoved updates without META', async () => {
  const s = await fakeConnect();
  try {
    const [r0] = s.cluster.createTable('t', ['m'], ['rs1:16020', 'rs2:16020']);
    const [a, bb] = s.cluster.split(r0!.encodedName, 'g');
    const loc = s.conn.locator;
    assert.equal((await loc.locate(T, b('c'))).info.encodedName, a.encodedName);
    assert.equal((await loc.locate(T, b('h'))).info.encodedName, bb.encodedName);
    const reads = loc.metaReads;
    const l = await loc.locate(T, b('h'));
    const moved = wireErr(new NotServingRegionError('moved', { code: ErrorCodes.REGION_MOVED, details: { location: 'rs9:16020', server: 'rs9,16020,1' } }));
    assert.equal(loc.onError(T, l, moved), true);
    const l2 = await loc.locate(T, b('h'));
    assert.equal(l2.rpcAddress, 'rs9:16020');
    assert.equal(l2.serverName, 'rs9,16020,1');
    assert.equal(loc.metaReads, reads);
    assert.equal(loc.onError(T, l2, wireErr(new NotServingRegionError('gone'))), false);
    await loc.locate(T, b('h'));
    assert.equal(loc.metaReads, reads + 1);
    // A transport failure drops every region of that server.
    const l3 = await loc.locate(T, b('c'));
    loc.onError(T, l3, new UnavailableError('connection refused'));
    assert.equal(loc.cached(T, b('c')), undefined);
    assert.equal(loc.cached(T, b('n'))?.rpcAddress, 'rs2:16020');
  } finally {
    await s.stop();
  }
});

test('a META server failure makes the client ask the master for the META location again', async () => {
  const s = await fakeConnect();
  try {
    s.cluster.createTable('t', ['m'], ['rs1:16020']);
    const loc = s.conn.locator;
    await loc.locate(T, b('a'));
    // META moves to rs2; rs1 is down.
    s.cluster.metaServer = 'rs2:16020';
    s.cluster.downServers.add('rs1:16020');
    s.cluster.move(s.cluster.region('t', 'a').info.encodedName, 'rs2:16020');
    loc.clearTable(T);
    await assert.rejects(loc.locate(T, b('a')), (e: Error) => (e as UnavailableError).code === ErrorCodes.UNAVAILABLE);
    const l = await loc.locate(T, b('a'));
    assert.equal(l.rpcAddress, 'rs2:16020');
    assert.equal(s.masters.requests.filter((r) => r.path === '/meta-location').length, 2);
    assert.deepEqual(
      s.cluster.callsOf('SCAN_OPEN').map((c) => c.address),
      ['rs1:16020', 'rs1:16020', 'rs2:16020'],
    );
    // hbase:meta itself is located through the master.
    const m = await loc.locate({ namespace: 'hbase', name: 'meta' }, b('x'));
    assert.equal(m.info.encodedName, META_REGION.encodedName);
    assert.equal(m.rpcAddress, 'rs2:16020');
  } finally {
    await s.stop();
  }
});

test('an unknown table is NotFound; a table whose regions are all closed and disabled is TSB_TABLE_DISABLED', async () => {
  const s = await fakeConnect({
    routes: (req) => (req.path === '/tables/t' ? { name: 't', namespace: 'default', table: 't', state: 'DISABLED', families: [] } : undefined),
  });
  try {
    await assert.rejects(s.conn.locator.locate({ namespace: 'default', name: 'nope' }, b('a')), (e: Error) => (e as NotServingRegionError).code === ErrorCodes.NOT_FOUND);
    s.cluster.createTable('t', [], ['rs1:16020']);
    s.cluster.regions[0]!.server = undefined;
    s.cluster.publishMeta();
    await assert.rejects(s.conn.locator.locate(T, b('a')), (e: Error) => (e as NotServingRegionError).code === ErrorCodes.TABLE_DISABLED);
  } finally {
    await s.stop();
  }
});

test('hbase:meta can be scanned as a table: one row per region of every table', async () => {
  const s = await fakeConnect();
  try {
    s.cluster.createTable('t', ['m'], ['rs1:16020', 'rs2:16020']);
    s.cluster.createTable('u', [], ['rs2:16020']);
    const rows: string[] = [];
    for await (const r of s.conn.getTable('hbase:meta').getScanner()) rows.push(r.row.toString().replace(/,\d+$/, ''));
    assert.deepEqual(rows, ['t,', 't,m', 'u,']);
  } finally {
    await s.stop();
  }
});

test('a miss after the first load reads only the META rows around the row, not the whole table', async () => {
  const s = await fakeConnect();
  try {
    const splits = Array.from({ length: 199 }, (_, i) => `k${String(i + 1).padStart(3, '0')}`);
    const infos = s.cluster.createTable('t', splits, ['rs1:16020', 'rs2:16020']);
    const loc = s.conn.locator;
    const scansBefore = s.cluster.callsOf('SCAN_OPEN').length;
    assert.equal((await loc.locate(T, b('k050x'))).info.startKey.toString(), 'k050');
    assert.equal(loc.metaReads, 1, 'the first miss loads the table');
    // The region moved (NotServingRegion): the next locate reads a few META rows, reversed.
    const victim = infos[120]!;
    s.cluster.move(victim.encodedName, 'rs3:16020');
    const l = loc.cached(T, b('k120a'))!;
    assert.equal(loc.onError(T, l, wireErr(new NotServingRegionError('not here'))), false);
    const again = await loc.locate(T, b('k120a'));
    assert.equal(again.info.encodedName, victim.encodedName);
    assert.equal(again.rpcAddress, 'rs3:16020');
    assert.equal(loc.metaReads, 2);
    const lookup = s.cluster.callsOf('SCAN_OPEN').slice(scansBefore).at(-1)!.request as { scan: { reversed?: boolean; limit?: number } };
    assert.equal(lookup.scan.reversed, true);
    assert.ok(lookup.scan.limit !== undefined && lookup.scan.limit <= 3);
    assert.equal(s.cluster.callsOf('SCAN_NEXT').length, 0, 'no scan of the whole table');
    // A split: the lookup skips the parent's SPLIT row, and the daughter replaces the parent.
    const parent = infos[10]!;
    const [da, db] = s.cluster.split(parent.encodedName, 'k010m');
    loc.onError(T, loc.cached(T, b('k010z'))!, wireErr(new NotServingRegionError('split')));
    assert.equal((await loc.locate(T, b('k010z'))).info.encodedName, db.encodedName);
    assert.equal(loc.cached(T, b('k010a')), undefined, 'the parent is gone from the cache');
    assert.equal((await loc.locate(T, b('k010a'))).info.encodedName, da.encodedName);
    assert.equal(loc.metaReads, 4);
    // A merge: the lookup skips the parents' MERGED rows (the later parent's row sorts between
    // the row and the merged region's) and finds the merged region.
    const merged = s.cluster.merge([infos[20]!.encodedName, infos[21]!.encodedName]);
    loc.onError(T, loc.cached(T, b('k021x'))!, wireErr(new NotServingRegionError('merged')));
    assert.equal((await loc.locate(T, b('k021x'))).info.encodedName, merged.encodedName);
    assert.equal((await loc.locate(T, b('k020a'))).info.encodedName, merged.encodedName);
    const readsAfterMerge = loc.metaReads;
    // A row whose META key sorts before its region's (a byte below ',' after the start key):
    // the few rows read do not hold it, so the table is read whole, and the answer is right.
    loc.onError(T, loc.cached(T, b('k150'))!, wireErr(new NotServingRegionError('gone')));
    assert.equal((await loc.locate(T, b('k150!'))).info.startKey.toString(), 'k150');
    assert.equal(loc.metaReads, readsAfterMerge + 2);
    // Every region is still found where META says.
    for (const row of ['', 'k000', 'k010l', 'k010m', 'k120', 'k199z', 'zzz']) {
      const want = s.cluster.region('t', row);
      assert.equal((await loc.locate(T, b(row))).info.encodedName, want.info.encodedName, row);
    }
  } finally {
    await s.stop();
  }
});
