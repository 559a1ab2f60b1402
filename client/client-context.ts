// What every client object of one Connection shares (RPC pool, region locator, admin HTTP
// client, retry policy), and the one-region call with retries that Table builds on.

import type { RpcClient, RpcClientPool } from '../common/rpc/rpc-messages.js';
import { ErrorCodes, FencedError } from '../common/errors.js';
import type { AdminHttpClient } from './admin-http.js';
import type { NonceGenerator } from './nonce-generator.js';
import type { LocateMode, RegionLocation, RegionLocator, TableName } from './region-locator.js';
import type { RetryPolicy } from './retry.js';
import { isRetryableDataError, isSafeToResend, withRetries } from './retry.js';

export interface ClientContext {
  readonly pool: RpcClientPool;
  readonly locator: RegionLocator;
  readonly admin: AdminHttpClient;
  readonly policy: RetryPolicy;
  /** Rows per scanner round trip when Scan.caching is unset. */
  readonly scannerCaching: number;
  /** Nonces of non-idempotent operations; undefined when the connection has nonces off. */
  readonly nonces: NonceGenerator | undefined;
  /** True once the connection is closed. */
  isClosed(): boolean;
}

/** Throws FencedError TSB_CLOSED if the connection is closed. */
export function checkOpen(ctx: ClientContext): void {
  if (ctx.isClosed()) throw new FencedError('the connection is closed', { code: ErrorCodes.CLOSED });
}

/**
 * Calls `fn` against the region holding `row`, locating it (cache, else META) and retrying
 * per the policy; routing errors refresh the location first. With `idempotent` false only
 * errors that prove the call was not applied are retried (retry.ts isSafeToResend); a call
 * carrying an operation nonce counts as idempotent (the server recognises its retries).
 * Throws the first non-retryable error, or UnavailableError TSB_TIMEOUT at the deadline.
 */
export async function callRegion<T>(
  ctx: ClientContext,
  table: TableName,
  row: Buffer,
  what: string,
  fn: (client: RpcClient, loc: RegionLocation, timeoutMs: number) => Promise<T>,
  opts: { idempotent?: boolean; mode?: LocateMode } = {},
): Promise<T> {
  checkOpen(ctx);
  const mode = opts.mode ?? 'at';
  const idempotent = opts.idempotent ?? true;
  const retryable = (err: unknown): boolean => (loc === undefined || idempotent ? isRetryableDataError(err) : isSafeToResend(err));
  const startedAt = ctx.policy.clock.monotonicMs();
  // Fast path: a cached location and a first attempt without the retry machinery.
  let loc: RegionLocation | undefined = ctx.locator.cached(table, row, mode);
  let firstError: unknown;
  if (loc !== undefined) {
    try {
      return await fn(ctx.pool.client(loc.rpcAddress), loc, Math.min(ctx.policy.rpcTimeoutMs, ctx.policy.operationTimeoutMs));
    } catch (err) {
      if (!retryable(err)) throw err;
      firstError = err;
    }
  }
  return withRetries(
    ctx.policy,
    what,
    async (timeoutMs) => {
      checkOpen(ctx);
      loc = undefined;
      const l = ctx.locator.cached(table, row, mode) ?? (await ctx.locator.locate(table, row, mode));
      loc = l;
      return fn(ctx.pool.client(l.rpcAddress), l, timeoutMs);
    },
    {
      retryable,
      onError: (err) => (loc === undefined ? false : ctx.locator.onError(table, loc, err)),
      startedAt,
      firstError,
    },
  );
}
