// Server-side scanners: batches, the automatic close at the end of the region, lease expiry by
// the injected clock (on lookup and by the sweeper), explicit close, and scanners closed with
// their region.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ManualClock } from '../../common/clock.js';
import { ErrorCodes, NotFoundError } from '../../common/errors.js';
import type { Result } from '../../common/ops/operations.js';
import { put, settle, startTestServer, TABLE, wholeRegion } from './server-test-util.js';
import type { TestServer } from './server-test-util.js';

const rowsOf = (results: readonly Result[]): string[] => results.map((r) => r.row.toString());

const isExpired = (e: unknown): boolean => e instanceof NotFoundError && e.code === ErrorCodes.SCANNER_EXPIRED;

async function withRows(clock: ManualClock, n: number, fn: (t: TestServer, region: string) => Promise<void>): Promise<void> {
  const t = await startTestServer({ clock, scannerLeaseMs: 60_000 });
  try {
    const info = wholeRegion();
    await t.call('OPEN_REGION', { info, table: TABLE });
    const mutations = Array.from({ length: n }, (_, i) => put(`row${i}`, 'q', `v${i}`));
    const mm = await t.call('MULTI_MUTATE', { actions: [{ region: info.encodedName, mutations }] });
    assert.ok(mm.results[0]!.ok);
    await fn(t, info.encodedName);
  } finally {
    await t.server.stop();
  }
}

test('a scan in batches ends with moreInRegion false and closes its scanner', { timeout: 120_000 }, async () => {
  await withRows(new ManualClock(), 5, async (t, region) => {
    const open = await t.call('SCAN_OPEN', { region, scan: {}, rows: 2 });
    assert.deepEqual(rowsOf(open.results), ['row0', 'row1']);
    assert.equal(open.moreInRegion, true);
    assert.equal(t.server.scanners.size, 1);
    const n1 = await t.call('SCAN_NEXT', { scannerId: open.scannerId, rows: 2 });
    assert.deepEqual([rowsOf(n1.results), n1.moreInRegion], [['row2', 'row3'], true]);
    const n2 = await t.call('SCAN_NEXT', { scannerId: open.scannerId, rows: 10 });
    assert.deepEqual([rowsOf(n2.results), n2.moreInRegion], [['row4'], false]);
    assert.equal(t.server.scanners.size, 0, 'closed at the end of the region');
    await assert.rejects(t.call('SCAN_NEXT', { scannerId: open.scannerId, rows: 1 }), isExpired);

    // A scan's own range and limit end it the same way; everything in one batch.
    const lim = await t.call('SCAN_OPEN', { region, scan: { startRow: Buffer.from('row1'), limit: 3 }, rows: 100 });
    assert.deepEqual([rowsOf(lim.results), lim.moreInRegion], [['row1', 'row2', 'row3'], false]);
    // A batch that ends exactly at the limit ends the scanner too (no SCAN_NEXT/SCAN_CLOSE needed).
    const exact = await t.call('SCAN_OPEN', { region, scan: { startRow: Buffer.from('row1'), limit: 2, caching: 2 }, rows: 2 });
    assert.deepEqual([rowsOf(exact.results), exact.moreInRegion], [['row1', 'row2'], false]);
    assert.equal(t.server.scanners.size, 0);
    const step = await t.call('SCAN_OPEN', { region, scan: { limit: 3 }, rows: 2 });
    assert.deepEqual([rowsOf(step.results), step.moreInRegion], [['row0', 'row1'], true]);
    const last = await t.call('SCAN_NEXT', { scannerId: step.scannerId, rows: 1 });
    assert.deepEqual([rowsOf(last.results), last.moreInRegion], [['row2'], false]);
    assert.equal(t.server.scanners.size, 0);
    const rev = await t.call('SCAN_OPEN', { region, scan: { reversed: true, startRow: Buffer.from('row3'), stopRow: Buffer.from('row1') }, rows: 100 });
    assert.deepEqual(rowsOf(rev.results), ['row3', 'row2']);
    assert.equal(t.server.scanners.size, 0);

    // Unknown ids, SCAN_CLOSE (idempotent), a bad scan.
    await assert.rejects(t.call('SCAN_NEXT', { scannerId: 12345n, rows: 1 }), isExpired);
    const s = await t.call('SCAN_OPEN', { region, scan: {}, rows: 0 });
    assert.deepEqual([s.results.length, s.moreInRegion], [0, true]);
    await t.call('SCAN_CLOSE', { scannerId: s.scannerId });
    await t.call('SCAN_CLOSE', { scannerId: s.scannerId });
    await assert.rejects(t.call('SCAN_NEXT', { scannerId: s.scannerId, rows: 1 }), isExpired);
    await assert.rejects(t.call('SCAN_OPEN', { region, scan: { columns: [{ family: Buffer.from('nope') }] }, rows: 1 }), { code: ErrorCodes.INVALID_ARGUMENT });
  });
});

test('scanner leases expire by the clock; every call renews the lease', { timeout: 120_000 }, async () => {
  const clock = new ManualClock();
  await withRows(clock, 5, async (t, region) => {
    const a = await t.call('SCAN_OPEN', { region, scan: {}, rows: 1 });
    clock.advance(59_000);
    const n = await t.call('SCAN_NEXT', { scannerId: a.scannerId, rows: 1 });
    assert.deepEqual(rowsOf(n.results), ['row1']);
    clock.advance(59_000); // 118 s after open, 59 s after the last call: still leased
    assert.deepEqual(rowsOf((await t.call('SCAN_NEXT', { scannerId: a.scannerId, rows: 1 })).results), ['row2']);
    clock.advance(60_001);
    await assert.rejects(t.call('SCAN_NEXT', { scannerId: a.scannerId, rows: 1 }), isExpired);
    assert.equal(t.server.scanners.size, 0);

    // A forgotten scanner is closed by the sweeper without any call.
    const b = await t.call('SCAN_OPEN', { region, scan: {}, rows: 1 });
    assert.equal(t.server.scanners.size, 1);
    const expiredBefore = t.server.scanners.expired;
    for (let i = 0; i < 5 && t.server.scanners.size > 0; i++) {
      clock.advance(15_000);
      await settle();
    }
    assert.equal(t.server.scanners.size, 0);
    assert.equal(t.server.scanners.expired, expiredBefore + 1);
    await assert.rejects(t.call('SCAN_NEXT', { scannerId: b.scannerId, rows: 1 }), isExpired);
  });
});

test('closing a region closes its scanners', { timeout: 120_000 }, async () => {
  await withRows(new ManualClock(), 3, async (t, region) => {
    const a = await t.call('SCAN_OPEN', { region, scan: {}, rows: 1 });
    const next = t.call('SCAN_NEXT', { scannerId: a.scannerId, rows: 1 });
    await t.call('CLOSE_REGION', { region, flush: true });
    assert.deepEqual(rowsOf((await next).results), ['row1']);
    assert.equal(t.server.scanners.size, 0);
    await assert.rejects(t.call('SCAN_NEXT', { scannerId: a.scannerId, rows: 1 }), isExpired);
    await assert.rejects(t.call('SCAN_OPEN', { region, scan: {}, rows: 1 }), { code: ErrorCodes.NOT_SERVING_REGION });
  });
});
