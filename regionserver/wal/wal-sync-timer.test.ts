import assert from 'node:assert/strict';
import { test } from 'node:test';
import pino from 'pino';
import { ManualClock } from '../../common/clock.js';
import { HeldBackend } from './testdata/held-backend.js';
import type { SlowSync } from './wal-sync-timer.js';
import { LATENCY_BUCKETS } from '../../common/metrics/plain-histogram.js';
import { SLOW_SYNC_LOG_EVERY_MS, SLOW_SYNC_MS, slowSyncLogger, TimedWalBackend, WalSyncStats } from './wal-sync-timer.js';

/** Commits `chunk` through `timed`, the inner backend taking `ms` of the clock's time. */
async function commitTaking(timed: TimedWalBackend, inner: HeldBackend, clock: ManualClock, chunk: Buffer, ms: number): Promise<number> {
  const p = timed.commit(chunk);
  await inner.nextCommit();
  clock.advance(ms);
  inner.release();
  return p;
}

test('TimedWalBackend times each commit into its bucket, sums them and counts the slow ones', async () => {
  const clock = new ManualClock();
  const inner = new HeldBackend();
  const stats = new WalSyncStats();
  const slow: SlowSync[] = [];
  const timed = new TimedWalBackend(inner, clock, stats, (s) => slow.push(s));

  assert.equal(await commitTaking(timed, inner, clock, Buffer.alloc(10), 3), 0, 'the inner unit comes back');
  assert.equal(stats.duration.count, 1);
  assert.equal(stats.duration.buckets[LATENCY_BUCKETS.indexOf(0.005)], 1, '3 ms is in the 5 ms bucket');
  assert.equal(stats.duration.buckets.reduce((a, b) => a + b, 0), 1, 'and only there');
  assert.equal(stats.bytes, 10);
  assert.equal(stats.slow, 0);
  assert.deepEqual(slow, []);

  await commitTaking(timed, inner, clock, Buffer.alloc(20), SLOW_SYNC_MS - 1);
  assert.equal(stats.slow, 0, 'just under the threshold is not slow');
  await commitTaking(timed, inner, clock, Buffer.alloc(30), SLOW_SYNC_MS);
  await commitTaking(timed, inner, clock, Buffer.alloc(40), 20_000);
  assert.equal(stats.duration.count, 4);
  assert.equal(stats.slow, 2);
  assert.equal(stats.bytes, 100);
  assert.ok(Math.abs(stats.duration.sumSeconds - (0.003 + 0.099 + 0.1 + 20)) < 1e-9, String(stats.duration.sumSeconds));
  assert.equal(stats.duration.buckets.reduce((a, b) => a + b, 0), 3, 'a commit above the last bucket is counted only in count (+Inf)');
  assert.deepEqual(slow, [
    { ms: SLOW_SYNC_MS, bytes: 30, backend: 'held' },
    { ms: 20_000, bytes: 40, backend: 'held' },
  ]);
  assert.equal(inner.durable.length, 4, 'every chunk went to the inner backend');
});

test('TimedWalBackend passes a failed commit on without timing it, and forwards the other calls', async () => {
  const clock = new ManualClock();
  const inner = new HeldBackend();
  const stats = new WalSyncStats();
  const timed = new TimedWalBackend(inner, clock, stats);
  const p = timed.commit(Buffer.alloc(8));
  await inner.nextCommit();
  clock.advance(500);
  inner.failHeld(new Error('disk gone'));
  await assert.rejects(p, /disk gone/);
  assert.equal(stats.duration.count, 0);
  assert.equal(stats.slow, 0);
  assert.equal(timed.description, 'held');
  assert.equal(timed.preferredChunkBytes, undefined);
  assert.equal(timed.nextUnit(), inner.nextUnit());
  await timed.deleteBelow(3);
  assert.deepEqual(inner.deletedBelowCalls, [3]);
});

test('slow syncs are logged at once, then at most once per interval with the count of the others', () => {
  const clock = new ManualClock();
  const lines: Array<Record<string, unknown>> = [];
  const logger = pino({ level: 'warn' }, { write: (s: string) => lines.push(JSON.parse(s) as Record<string, unknown>) });
  const log = slowSyncLogger(logger, clock);
  log({ ms: 150, bytes: 1000, backend: 'local wal /x' });
  assert.equal(lines.length, 1);
  assert.equal(lines[0]!.ms, 150);
  assert.equal(lines[0]!.wal, 'local wal /x');
  assert.equal(lines[0]!.slowSincePrevious, 0);
  clock.advance(1000);
  log({ ms: 300, bytes: 10, backend: 'local wal /x' });
  clock.advance(1000);
  log({ ms: 200, bytes: 10, backend: 'local wal /x' });
  assert.equal(lines.length, 1, 'within the interval: counted, not logged');
  clock.advance(SLOW_SYNC_LOG_EVERY_MS);
  log({ ms: 120, bytes: 5, backend: 'local wal /x' });
  assert.equal(lines.length, 2);
  assert.equal(lines[1]!.ms, 120);
  assert.equal(lines[1]!.slowSincePrevious, 2);
  assert.equal(lines[1]!.slowestSincePreviousMs, 300);
  assert.match(String(lines[1]!.msg), /slow wal sync/);
});
