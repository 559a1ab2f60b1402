import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ManualClock } from '../../common/clock.js';
import { NonceManager } from './nonce-manager.js';
import { settle } from './server-test-util.js';

const N = { group: 7n, nonce: 42n };
const GRACE = 60_000;

test('a new nonce proceeds; after success a retry is a duplicate with the recorded outcome; another nonce or group is new', async () => {
  const m = new NonceManager(new ManualClock(), GRACE);
  assert.deepEqual(await m.start(N), { proceed: true });
  m.end(N, true, false);
  assert.deepEqual(await m.start(N), { proceed: false, outcome: false });
  assert.deepEqual(await m.start(N), { proceed: false, outcome: false }, 'as often as the client retries');
  assert.deepEqual(await m.start({ group: 7n, nonce: 43n }), { proceed: true });
  assert.deepEqual(await m.start({ group: 8n, nonce: 42n }), { proceed: true });
  assert.equal(m.size, 3);
});

test('after a failure the retry proceeds (and owns the nonce again)', async () => {
  const m = new NonceManager(new ManualClock(), GRACE);
  assert.deepEqual(await m.start(N), { proceed: true });
  m.end(N, false);
  assert.deepEqual(await m.start(N), { proceed: true });
  m.end(N, true);
  assert.deepEqual(await m.start(N), { proceed: false, outcome: undefined });
});

test('a retry arriving while the first attempt runs waits for it: duplicate if it succeeded, proceeds if it failed', async () => {
  const m = new NonceManager(new ManualClock(), GRACE);
  assert.deepEqual(await m.start(N), { proceed: true });
  let second: unknown;
  const waiting = m.start(N).then((r) => (second = r));
  await settle();
  assert.equal(second, undefined, 'still waiting while the first attempt runs');
  m.end(N, true, true);
  await waiting;
  assert.deepEqual(second, { proceed: false, outcome: true });

  const F = { group: 1n, nonce: 1n };
  assert.deepEqual(await m.start(F), { proceed: true });
  // Two retries wait; when the first attempt fails exactly one of them proceeds, the other
  // waits for that one.
  const results: unknown[] = [];
  const a = m.start(F).then((r) => results.push(r));
  const b = m.start(F).then((r) => results.push(r));
  await settle();
  m.end(F, false);
  await settle();
  assert.deepEqual(results, [{ proceed: true }]);
  m.end(F, true);
  await Promise.all([a, b]);
  assert.deepEqual(results, [{ proceed: true }, { proceed: false, outcome: undefined }]);
});

test('finished nonces expire after the grace period since their last use; running ones never do', async () => {
  const clock = new ManualClock();
  const m = new NonceManager(clock, GRACE);
  await m.start(N);
  m.end(N, true);
  const running = { group: 2n, nonce: 2n };
  await m.start(running);
  clock.advance(GRACE - 1);
  assert.deepEqual(await m.start(N), { proceed: false, outcome: undefined }, 'within the grace period; this retry touches it');
  clock.advance(GRACE - 1);
  assert.equal(m.sweep(), 0);
  clock.advance(2);
  assert.equal(m.sweep(), 1, 'N expired, the running one stays');
  assert.equal(m.size, 1);
  assert.deepEqual(await m.start(N), { proceed: true }, 'an expired nonce is new again');

  // start() does not rely on the sweep: an expired entry still in the map is treated as new.
  const E = { group: 3n, nonce: 3n };
  await m.start(E);
  m.end(E, true);
  clock.advance(GRACE + 1);
  assert.deepEqual(await m.start(E), { proceed: true });
});

test('nonces reported from the WAL are duplicates, aged from the entry write time; older than the grace period they are ignored', async () => {
  const clock = new ManualClock(1_700_000_000_000);
  const m = new NonceManager(clock, GRACE);
  assert.equal(m.reportFromWal(N, clock.nowMs() - 10_000), true);
  assert.equal(m.reportFromWal({ group: 9n, nonce: 9n }, clock.nowMs() - GRACE - 1), false);
  assert.equal(m.size, 1);
  assert.deepEqual(await m.start(N), { proceed: false, outcome: undefined });
  assert.deepEqual(await m.start({ group: 9n, nonce: 9n }), { proceed: true });
  // The reported one expires GRACE after its write, i.e. 10 s earlier than if written now —
  // but the duplicate above touched it, so it lives GRACE from then.
  clock.advance(GRACE - 5_000);
  assert.deepEqual(await m.start(N), { proceed: false, outcome: undefined });
  const untouched = { group: 4n, nonce: 4n };
  m.reportFromWal(untouched, clock.nowMs() - 50_000);
  clock.advance(10_001);
  assert.equal(m.sweep(), 1);
  assert.deepEqual(await m.start(untouched), { proceed: true });
});
