// Client retries: which errors a call may retry, the pause before the next attempt
// (exponential backoff with full jitter, like HBase's hbase.client.pause) and the overall
// operation deadline.
//
// A data call retries retryable errors (NotServingRegion, RegionMoved, RegionOpening,
// RegionTooBusy, Unavailable) and TSB_FENCED answers of a region server (the region's owner
// changed: look it up again) until its deadline, then rejects with UnavailableError
// TSB_TIMEOUT whose `cause` is the last error. Every other error is rejected at once.

import type { Clock } from '../common/clock.js';
import type { Random } from '../common/random.js';
import { ErrorCodes, TsbaseError, UnavailableError, errorCode } from '../common/errors.js';

export interface RetryPolicy {
  readonly clock: Clock;
  readonly random: Random;
  /** First pause in ms; the cap is 100× this. */
  readonly pauseMs: number;
  /** Whole operation (all attempts and pauses). */
  readonly operationTimeoutMs: number;
  /** One attempt's timeout. */
  readonly rpcTimeoutMs: number;
}

/** Codes that say "the region is elsewhere now": retry after locating it again. */
const ROUTING = new Set<string>([ErrorCodes.NOT_SERVING_REGION, ErrorCodes.REGION_MOVED, ErrorCodes.FENCED]);

/** True for errors a data call may retry (possibly after locating the region again). */
export function isRetryableDataError(err: unknown): boolean {
  if (!(err instanceof TsbaseError)) return false;
  return err.retryable || err.code === ErrorCodes.FENCED;
}

/**
 * True for errors after which a non-idempotent call (increment, append, checkAndMutate)
 * WITHOUT a nonce is known not to have been applied, so it may be sent again: routing errors,
 * backpressure, and a connection that could not be made (details.reason ECONNREFUSED, ...).
 * Other transport failures and timeouts are ambiguous (the server may have applied it) and are
 * not retried. With a nonce (the default, ConnectionOptions.nonces) these calls are retried
 * like idempotent ones (isRetryableDataError): the server answers a retry of an applied
 * operation without applying it again (docs/rfcs/0006-operation-nonces.md).
 */
export function isSafeToResend(err: unknown): boolean {
  const code = errorCode(err);
  if (code === undefined) return false;
  if (ROUTING.has(code) || code === ErrorCodes.REGION_OPENING || code === ErrorCodes.REGION_TOO_BUSY || code === ErrorCodes.THROTTLED) return true;
  // The RPC client names the socket error: a connection never established sent nothing.
  const reason = (err as TsbaseError).details['reason'];
  return code === ErrorCodes.UNAVAILABLE && typeof reason === 'string' && NOT_CONNECTED.has(reason);
}

const NOT_CONNECTED = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN']);

/** Tracks one operation's deadline and attempts. */
export class RetryBudget {
  private readonly deadline: number;
  private attempt = 0;

  /** `startedAt`: when the operation began (monotonic ms; default now). */
  constructor(
    private readonly policy: RetryPolicy,
    startedAt = policy.clock.monotonicMs(),
  ) {
    this.deadline = startedAt + policy.operationTimeoutMs;
  }

  /** Attempts made so far. */
  get attempts(): number {
    return this.attempt;
  }

  /** Milliseconds left before the deadline (≥ 0). */
  remainingMs(): number {
    return Math.max(0, this.deadline - this.policy.clock.monotonicMs());
  }

  /** Timeout for the next attempt: the RPC timeout, cut to what is left (at least 1 ms). */
  attemptTimeoutMs(): number {
    return Math.max(1, Math.min(this.policy.rpcTimeoutMs, this.remainingMs()));
  }

  /**
   * Waits before the next attempt after `lastError`: full jitter over
   * min(pause × 2^attempt, 100 × pause); `immediate` skips the pause (a RegionMoved answer
   * already named the new location). Throws UnavailableError TSB_TIMEOUT (cause: lastError)
   * when the deadline would pass.
   */
  async backoff(lastError: unknown, what: string, immediate = false): Promise<void> {
    const n = this.attempt++;
    const cap = Math.min(this.policy.pauseMs * 2 ** Math.min(n, 30), this.policy.pauseMs * 100);
    const pause = immediate && n < 3 ? 0 : Math.floor(this.policy.random.next() * cap);
    const remaining = this.remainingMs();
    if (remaining <= 0 || pause >= remaining) throw this.timeout(lastError, what);
    if (pause > 0) await this.policy.clock.sleep(pause);
  }

  /** The error an operation ends with when its deadline passes. */
  timeout(lastError: unknown, what: string): UnavailableError {
    const last = lastError instanceof Error ? lastError.message : String(lastError);
    return new UnavailableError(`operation timed out after retries; the last error was: ${last.slice(0, 500)}`, {
      code: ErrorCodes.TIMEOUT,
      cause: lastError,
      details: { operation: what, attempts: this.attempt + 1, timeoutMs: this.policy.operationTimeoutMs, lastCode: errorCode(lastError) },
    });
  }
}

/**
 * Runs `attempt` until it succeeds, a non-retryable error occurs (rejected as is) or the
 * deadline passes (UnavailableError TSB_TIMEOUT with the last error as cause).
 * `onError` runs after each failed attempt (e.g. to invalidate a location) and returns true
 * to retry without pausing. `retryable` decides which errors are retried (default
 * isRetryableDataError).
 */
export async function withRetries<T>(
  policy: RetryPolicy,
  what: string,
  attempt: (timeoutMs: number, budget: RetryBudget) => Promise<T>,
  opts: { onError?: (err: unknown) => boolean | void; retryable?: (err: unknown) => boolean; startedAt?: number; firstError?: unknown } = {},
): Promise<T> {
  const budget = new RetryBudget(policy, opts.startedAt);
  if (opts.firstError !== undefined) {
    // The caller made a first attempt itself (a fast path) and it failed retryably.
    const immediate = opts.onError?.(opts.firstError) === true;
    await budget.backoff(opts.firstError, what, immediate);
  }
  const retryable = opts.retryable ?? isRetryableDataError;
  for (;;) {
    try {
      return await attempt(budget.attemptTimeoutMs(), budget);
    } catch (err) {
      if (!retryable(err)) throw err;
      const immediate = opts.onError?.(err) === true;
      await budget.backoff(err, what, immediate);
    }
  }
}
