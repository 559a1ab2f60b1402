// ScannerLeases alone: ids, one call at a time, lease renewal, and a region close that waits
// for a scanner in the middle of a call.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ManualClock } from '../../common/clock.js';
import { ErrorCodes, InvalidError, NotFoundError } from '../../common/errors.js';
import { SeededRandom } from '../../common/random.js';
import type { RegionScanner } from '../scan/region-scanner.js';
import { HostedEntry } from './online-regions.js';
import { ScannerLeases } from './scanner-leases.js';
import { TABLE, wholeRegion } from './server-test-util.js';

function fakeScanner(): RegionScanner & { closed: number } {
  const s = { closed: 0, close: () => void s.closed++ };
  return s as unknown as RegionScanner & { closed: number };
}

const expired = (e: unknown): boolean => e instanceof NotFoundError && e.code === ErrorCodes.SCANNER_EXPIRED;

test('ids are distinct 64-bit values; one call at a time; release renews the lease', { timeout: 120_000 }, () => {
  const clock = new ManualClock();
  const leases = new ScannerLeases(clock, new SeededRandom(7), 1000);
  const entry = new HostedEntry(wholeRegion(), TABLE);
  const ids = new Set<bigint>();
  for (let i = 0; i < 100; i++) {
    const s = leases.open(entry, fakeScanner());
    assert.ok(s.id > 0n && s.id < 1n << 64n);
    ids.add(s.id);
    leases.release(s);
  }
  assert.equal(ids.size, 100);
  assert.ok([...ids].some((id) => id >= 1n << 32n), 'ids use the high bits');

  const s = leases.open(entry, fakeScanner());
  assert.throws(() => leases.take(s.id), InvalidError, 'busy until released');
  leases.release(s);
  clock.advance(999);
  leases.release(leases.take(s.id));
  clock.advance(999);
  leases.release(leases.take(s.id));
  clock.advance(1000);
  assert.throws(() => leases.take(s.id), expired);
  assert.equal((s.scanner as unknown as { closed: number }).closed, 1);
});

test('closeRegion waits for a scanner that is in a call, and closes it when released', { timeout: 120_000 }, async () => {
  const leases = new ScannerLeases(new ManualClock(), new SeededRandom(1), 60_000);
  const a = new HostedEntry(wholeRegion(1), TABLE);
  const b = new HostedEntry(wholeRegion(2), TABLE);
  const busy = leases.open(a, fakeScanner()); // taken, as during SCAN_OPEN's first batch
  const idle = leases.open(a, fakeScanner());
  leases.release(idle);
  const other = leases.open(b, fakeScanner());
  leases.release(other);

  let closed = false;
  const closing = leases.closeRegion(a.name).then(() => (closed = true));
  await new Promise((r) => setImmediate(r));
  assert.equal(closed, false, 'waits for the busy scanner');
  assert.equal((idle.scanner as unknown as { closed: number }).closed, 1);
  assert.equal((busy.scanner as unknown as { closed: number }).closed, 0, 'not closed under a running call');
  leases.release(busy);
  await closing;
  assert.equal((busy.scanner as unknown as { closed: number }).closed, 1);
  assert.throws(() => leases.take(busy.id), expired);
  assert.equal(leases.size, 1, "the other region's scanner stays");
  leases.release(leases.take(other.id));
});
