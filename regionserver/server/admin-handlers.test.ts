// Region admin calls through the handlers: REGION_OPENING while an open runs, MOVED after a
// close with a destination (and what the close persisted), flush, compaction, split.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ManualClock } from '../../common/clock.js';
import { ErrorCodes, InvalidError, NotServingRegionError } from '../../common/errors.js';
import { FaultObjectStore } from '../../common/objectstore/fault-store.js';
import { MemoryObjectStore } from '../../common/objectstore/memory-store.js';
import { regionDataPrefix } from '../../common/paths.js';
import { SeededRandom } from '../../common/random.js';
import { columnFamily } from '../region/column-family.js';
import { containsRow } from '../region/region-info.js';
import { loadManifest } from '../store/store-manifest.js';
import { get, put, settle, startTestServer, TABLE, valueOf, wholeRegion } from './server-test-util.js';

const code = (c: string) => (e: unknown) => e instanceof NotServingRegionError && e.code === c;

test('data calls get TSB_REGION_OPENING while the region opens; a second OPEN_REGION joins the first', { timeout: 120_000 }, async () => {
  const slow = new ManualClock();
  const faults = new FaultObjectStore(new MemoryObjectStore(), new SeededRandom(3), { clock: slow });
  const t = await startTestServer({ objectStore: faults });
  try {
    const info = wholeRegion();
    faults.addRule({ op: '*', latencyMs: 1000, keyPrefix: regionDataPrefix('default', 't', info.encodedName) });
    let opened = 0;
    const first = t.call('OPEN_REGION', { info, table: TABLE }).then(() => opened++);
    const second = t.call('OPEN_REGION', { info, table: TABLE }).then(() => opened++);
    await settle();
    assert.equal(opened, 0);
    await assert.rejects(t.call('GET', { region: info.encodedName, get: get('r') }), code(ErrorCodes.REGION_OPENING));
    assert.equal((await t.call('SERVER_INFO', {})).regions[0]?.state, 'OPENING');
    for (let i = 0; i < 100 && opened < 2; i++) {
      slow.advance(1000);
      await settle();
    }
    await Promise.all([first, second]);
    faults.clear();
    await t.call('MUTATE', { region: info.encodedName, mutation: put('r', 'q', 'v') });
    assert.equal(valueOf(await t.call('GET', { region: info.encodedName, get: get('r') })), 'v');
  } finally {
    await t.server.stop();
  }
});

test('after a close with a destination, calls get TSB_REGION_MOVED naming it, for a while; the close flushed', { timeout: 120_000 }, async () => {
  const clock = new ManualClock();
  const t = await startTestServer({ clock, movedRegionTtlMs: 120_000 });
  try {
    const info = wholeRegion();
    const region = info.encodedName;
    await t.call('OPEN_REGION', { info, table: TABLE });
    await t.call('MUTATE', { region, mutation: put('r', 'q', 'v') });
    const destination = { serverName: 'other,16020,5', rpcAddress: 'other:16020' };
    await t.call('CLOSE_REGION', { region, flush: true, destination });
    const err = await t.call('GET', { region, get: get('r') }).then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(err instanceof NotServingRegionError && err.code === ErrorCodes.REGION_MOVED, String(err));
    assert.deepEqual([err.details['location'], err.details['server']], ['other:16020', 'other,16020,5']);
    await t.call('CLOSE_REGION', { region, flush: true }); // not hosted: already closed
    clock.advance(120_001);
    await assert.rejects(t.call('GET', { region, get: get('r') }), code(ErrorCodes.NOT_SERVING_REGION));

    // The close flushed: the store's manifest has the file, and a reopen reads the row from it.
    const m = await loadManifest(t.store, { namespace: 'default', table: 't', region, family: 'f' });
    assert.equal(m.manifest.files.length, 1);
    await t.call('OPEN_REGION', { info, table: TABLE });
    assert.equal(valueOf(await t.call('GET', { region, get: get('r') })), 'v');
  } finally {
    await t.server.stop();
  }
});

test('a close told not to flush still flushes edits that would otherwise be lost', { timeout: 120_000 }, async () => {
  const t = await startTestServer();
  try {
    const info = wholeRegion();
    await t.call('OPEN_REGION', { info, table: TABLE });
    await t.call('MUTATE', { region: info.encodedName, mutation: put('r', 'q', 'v') });
    await t.call('CLOSE_REGION', { region: info.encodedName, flush: false });
    await t.call('OPEN_REGION', { info, table: TABLE });
    assert.equal(valueOf(await t.call('GET', { region: info.encodedName, get: get('r') })), 'v');
  } finally {
    await t.server.stop();
  }
});

test('flush and major compaction', { timeout: 120_000 }, async () => {
  const t = await startTestServer();
  try {
    const info = wholeRegion();
    const region = info.encodedName;
    await t.call('OPEN_REGION', { info, table: TABLE });
    for (let i = 0; i < 3; i++) {
      await t.call('MUTATE', { region, mutation: put(`r${i}`, 'q', `v${i}`) });
      await t.call('FLUSH_REGION', { region });
    }
    const files = async (): Promise<number> => (await t.call('SERVER_INFO', {})).regions[0]!.storeFiles;
    assert.equal(await files(), 3);
    await t.call('COMPACT_REGION', { region, major: true });
    for (let i = 0; i < 500 && (await files()) !== 1; i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(await files(), 1);
    for (let i = 0; i < 3; i++) assert.equal(valueOf(await t.call('GET', { region, get: get(`r${i}`) })), `v${i}`);
    await assert.rejects(t.call('FLUSH_REGION', { region: 'b'.repeat(32) }), code(ErrorCodes.NOT_SERVING_REGION));
    await assert.rejects(t.call('COMPACT_REGION', { region: 'b'.repeat(32), major: false }), code(ErrorCodes.NOT_SERVING_REGION));
  } finally {
    await t.server.stop();
  }
});

test('split closes the parent and leaves two daughter manifests; the daughters open and serve their halves', { timeout: 120_000 }, async () => {
  const t = await startTestServer();
  // Small blocks: the split point is the mid key of the file's block index.
  const table = { ...TABLE, families: [columnFamily({ name: 'f', blockSize: 1024 })] };
  try {
    const info = wholeRegion();
    const region = info.encodedName;
    await t.call('OPEN_REGION', { info, table });
    const rows = Array.from({ length: 200 }, (_, i) => `row${String(i).padStart(3, '0')}`);
    await t.call('MULTI_MUTATE', { actions: [{ region, mutations: rows.map((r) => put(r, 'q', `v-${r}`)) }] });
    const res = await t.call('SPLIT_REGION', { region });
    const [a, b] = res.daughters;
    assert.ok(res.splitRow.length > 0);
    assert.deepEqual([a.startKey, a.endKey, b.startKey, b.endKey], [info.startKey, res.splitRow, res.splitRow, info.endKey]);
    for (const d of res.daughters) {
      const m = await loadManifest(t.store, { namespace: 'default', table: 't', region: d.encodedName, family: 'f' });
      assert.equal(m.manifest.references.length, 1, 'one reference to the parent file');
    }
    await assert.rejects(t.call('GET', { region, get: get('row000') }), code(ErrorCodes.NOT_SERVING_REGION));
    assert.equal((await t.call('SERVER_INFO', {})).regions.length, 0, 'daughters are not opened by the split');

    assert.ok(Buffer.compare(res.splitRow, Buffer.from('row050')) > 0 && Buffer.compare(res.splitRow, Buffer.from('row150')) < 0, res.splitRow.toString());
    for (const d of res.daughters) await t.call('OPEN_REGION', { info: d, table });
    for (const r of [rows[0]!, rows[199]!, res.splitRow.toString()]) {
      const d = res.daughters.find((x) => containsRow(x, Buffer.from(r)))!;
      assert.equal(valueOf(await t.call('GET', { region: d.encodedName, get: get(r) })), `v-${r}`);
    }
    // A split at a given row; a row outside the region is refused and the region stays open.
    await assert.rejects(t.call('SPLIT_REGION', { region: a.encodedName, splitRow: Buffer.from('zzz') }), InvalidError);
    assert.equal(valueOf(await t.call('GET', { region: a.encodedName, get: get('row000') })), 'v-row000');
  } finally {
    await t.server.stop();
  }
});

test('OPEN_REGION refuses a region info that does not match its table or name', { timeout: 120_000 }, async () => {
  const t = await startTestServer();
  try {
    const info = wholeRegion();
    await assert.rejects(t.call('OPEN_REGION', { info, table: { ...TABLE, name: 'other' } }), InvalidError);
    await assert.rejects(t.call('OPEN_REGION', { info: { ...info, encodedName: 'c'.repeat(32) }, table: TABLE }), InvalidError);
    assert.equal((await t.call('SERVER_INFO', {})).regions.length, 0);
  } finally {
    await t.server.stop();
  }
});
