import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../common/clock.js';
import { ErrorCodes, FencedError, InvalidError, NotServingRegionError, UnavailableError } from '../common/errors.js';
import type { Random } from '../common/random.js';
import { RetryBudget, isRetryableDataError, isSafeToResend, withRetries } from './retry.js';

/** A clock that records sleeps and moves time by them at once. */
class RecordingClock extends ManualClock {
  readonly sleeps: number[] = [];
  override sleep(ms: number): Promise<void> {
    this.sleeps.push(ms);
    this.advance(ms);
    return Promise.resolve();
  }
}

const maxRandom: Random = { next: () => 0.999999, int: (n) => n - 1 };

test('backoff: full jitter under an exponential cap of 100x the pause', async () => {
  const clock = new RecordingClock();
  const budget = new RetryBudget({ clock, random: maxRandom, pauseMs: 100, operationTimeoutMs: 1_000_000, rpcTimeoutMs: 10_000 });
  for (let i = 0; i < 10; i++) await budget.backoff(new UnavailableError('x'), 'op');
  assert.deepEqual(clock.sleeps, [99, 199, 399, 799, 1599, 3199, 6399, 9999, 9999, 9999]);
  const zero = new RecordingClock();
  const b2 = new RetryBudget({ clock: zero, random: { next: () => 0, int: () => 0 }, pauseMs: 100, operationTimeoutMs: 1_000, rpcTimeoutMs: 10_000 });
  await b2.backoff(new UnavailableError('x'), 'op');
  assert.deepEqual(zero.sleeps, []); // a zero pause does not sleep
  assert.equal(b2.attemptTimeoutMs(), 1_000); // cut to what is left of the operation
});

test('withRetries: retryable errors until success; non-retryable at once; the deadline gives TSB_TIMEOUT with the cause', async () => {
  const clock = new RecordingClock();
  const policy = { clock, random: maxRandom, pauseMs: 10, operationTimeoutMs: 5_000, rpcTimeoutMs: 1_000 };
  let n = 0;
  assert.equal(
    await withRetries(policy, 'op', async () => {
      if (++n < 4) throw new NotServingRegionError('moved');
      return 'ok';
    }),
    'ok',
  );
  assert.equal(n, 4);
  n = 0;
  await assert.rejects(
    withRetries(policy, 'op', async () => {
      n++;
      throw new InvalidError('bad');
    }),
    InvalidError,
  );
  assert.equal(n, 1);
  const err = await withRetries(policy, 'op', async () => {
    throw new UnavailableError('down', { details: { server: 'rs1' } });
  }).catch((e: unknown) => e);
  assert.ok(err instanceof UnavailableError);
  assert.equal(err.code, ErrorCodes.TIMEOUT);
  assert.ok(err.cause instanceof UnavailableError && err.cause.code === ErrorCodes.UNAVAILABLE);
  assert.match(err.message, /operation=`op`/);
  assert.ok(clock.nowMs() - 1_700_000_000_000 < 5_000 + 1);
});

test('which errors are retried', () => {
  assert.equal(isRetryableDataError(new FencedError('owner changed')), true);
  assert.equal(isRetryableDataError(new FencedError('closed', { code: ErrorCodes.CLOSED })), false);
  assert.equal(isRetryableDataError(new Error('plain')), false);
  assert.equal(isSafeToResend(new NotServingRegionError('x', { code: ErrorCodes.REGION_MOVED })), true);
  assert.equal(isSafeToResend(new UnavailableError('x', { code: ErrorCodes.REGION_TOO_BUSY })), true);
  assert.equal(isSafeToResend(new UnavailableError('reset')), false);
  assert.equal(isSafeToResend(new UnavailableError('slow', { code: ErrorCodes.TIMEOUT })), false);
});

test('a connection that was never made is safe to resend; a reset one is not', () => {
  assert.equal(isSafeToResend(new UnavailableError('rpc connection failed', { details: { address: 'a:1', reason: 'ECONNREFUSED' } })), true);
  assert.equal(isSafeToResend(new UnavailableError('rpc connection failed', { details: { address: 'a:1', reason: 'ECONNRESET' } })), false);
  assert.equal(isSafeToResend(new UnavailableError('rpc connection closed by the server', { details: { address: 'a:1', reason: 'closed' } })), false);
});
