// Many single-row actions sent grouped by server (MULTI_GET, MULTI_MUTATE), with the failed
// ones located again and resent until they succeed, fail for good or the deadline passes
// (HBase's AsyncProcess). Used by Table.getMany/put/delete/batch and BufferedMutator.

import type { RpcClient } from '../common/rpc/rpc-messages.js';
import type { ActionResult } from '../common/rpc/rpc-messages.js';
import type { Get, Mutation, Result } from '../common/ops/operations.js';
import { errorFromWire } from '../common/error-wire.js';
import type { WireError } from '../common/error-wire.js';
import { InternalError } from '../common/errors.js';
import type { ClientContext } from './client-context.js';
import { checkOpen } from './client-context.js';
import type { RegionLocation, TableName } from './region-locator.js';
import { RetryBudget, isRetryableDataError, isSafeToResend } from './retry.js';

export interface GroupedItem {
  /** Index of the action in the caller's array. */
  readonly index: number;
  readonly loc: RegionLocation;
}

export type ItemOutcome<V> = { readonly ok: true; readonly value: V } | { readonly ok: false; readonly error: unknown };

/**
 * Runs one action per row, grouped by server: `send` gets one server's items and returns one
 * outcome per item (in order); a rejected `send` fails all its items. Failed items whose
 * error is retryable (`idempotent` false: only those surely not applied) are located again
 * and resent after a backoff. Resolves with one outcome per row (never rejects, except
 * FencedError TSB_CLOSED when the connection is closed before the first round).
 */
export async function runGrouped<V>(
  ctx: ClientContext,
  table: TableName,
  rows: readonly Buffer[],
  what: string,
  send: (client: RpcClient, items: readonly GroupedItem[], timeoutMs: number) => Promise<readonly ItemOutcome<V>[]>,
  opts: {
    idempotent?: boolean;
    /** Weight of action i (e.g. its bytes); one call carries at most maxWeightPerCall (but at least one action). */
    weight?: (i: number) => number;
    maxWeightPerCall?: number;
  } = {},
): Promise<ItemOutcome<V>[]> {
  checkOpen(ctx);
  const retryable = opts.idempotent === false ? isSafeToResend : isRetryableDataError;
  const out: (ItemOutcome<V> | undefined)[] = new Array<ItemOutcome<V> | undefined>(rows.length);
  const lastError: unknown[] = new Array<unknown>(rows.length);
  const budget = new RetryBudget(ctx.policy);
  let pending: number[] = rows.map((_, i) => i);
  while (pending.length > 0) {
    const retry: number[] = [];
    let immediate = true;
    let anyError: unknown;
    const fail = (i: number, err: unknown, loc: RegionLocation | undefined, seen?: Set<RegionLocation>): void => {
      if (retryable(err) && !ctx.isClosed()) {
        if (loc !== undefined && (seen === undefined || !seen.has(loc))) {
          seen?.add(loc);
          immediate = ctx.locator.onError(table, loc, err) && immediate;
        } else if (loc === undefined) immediate = false;
        lastError[i] = err;
        anyError = err;
        retry.push(i);
      } else out[i] = { ok: false, error: err };
    };

    // Locate: the first miss reads META; later misses this round use only the cache.
    const groups = new Map<string, GroupedItem[]>();
    let metaRead = false;
    let locateError: unknown;
    for (const i of pending) {
      const row = rows[i]!;
      let loc = ctx.locator.cached(table, row);
      if (loc === undefined && !metaRead) {
        metaRead = true;
        try {
          loc = await ctx.locator.locate(table, row);
        } catch (err) {
          locateError = err;
          fail(i, err, undefined);
          continue;
        }
      }
      if (loc === undefined) {
        if (locateError !== undefined && !retryable(locateError)) {
          out[i] = { ok: false, error: locateError };
          continue;
        }
        lastError[i] = locateError ?? anyError;
        retry.push(i);
        immediate = false;
        continue;
      }
      let g = groups.get(loc.rpcAddress);
      if (g === undefined) groups.set(loc.rpcAddress, (g = []));
      g.push({ index: i, loc });
    }

    const timeoutMs = budget.attemptTimeoutMs();
    const calls: [string, GroupedItem[]][] = [];
    for (const [address, items] of groups) for (const chunk of chunks(items, opts.weight, opts.maxWeightPerCall)) calls.push([address, chunk]);
    await Promise.all(
      calls.map(async ([address, items]) => {
        const seen = new Set<RegionLocation>();
        let results: readonly ItemOutcome<V>[];
        try {
          results = await send(ctx.pool.client(address), items, timeoutMs);
          if (results.length !== items.length) {
            throw new InternalError('the server answered a multi call with the wrong number of results', {
              details: { server: address, expected: items.length, got: results.length },
            });
          }
        } catch (err) {
          for (const it of items) fail(it.index, err, it.loc, seen);
          return;
        }
        results.forEach((r, k) => {
          const it = items[k]!;
          if (r.ok) out[it.index] = r;
          else fail(it.index, r.error, it.loc, seen);
        });
      }),
    );

    pending = retry;
    if (pending.length === 0) break;
    try {
      await budget.backoff(anyError ?? lastError[pending[0]!], what, immediate);
    } catch {
      for (const i of pending) out[i] = { ok: false, error: budget.timeout(lastError[i] ?? anyError, what) };
      break;
    }
  }
  return out.map((o) => o ?? { ok: false, error: new InternalError('multi action left an action without an outcome', { details: { operation: what } }) });
}

/** Splits one server's items into calls of at most `max` weight (unbounded without a weight). */
function chunks(items: GroupedItem[], weight: ((i: number) => number) | undefined, max: number | undefined): GroupedItem[][] {
  if (weight === undefined || max === undefined) return [items];
  const out: GroupedItem[][] = [];
  let cur: GroupedItem[] = [];
  let w = 0;
  for (const it of items) {
    const x = weight(it.index);
    if (cur.length > 0 && w + x > max) {
      out.push(cur);
      cur = [];
      w = 0;
    }
    cur.push(it);
    w += x;
  }
  if (cur.length > 0) out.push(cur);
  return out;
}

/** Most bytes of mutations in one MULTI_MUTATE (a BufferedMutator's 2 MiB buffer fits). */
export const MAX_MUTATE_BYTES_PER_CALL = 8 * 1024 * 1024;
/** Most gets in one MULTI_GET. */
export const MAX_GETS_PER_CALL = 5_000;

function fromActionResult<T>(r: ActionResult<T>): ItemOutcome<T> {
  return r.ok ? { ok: true, value: r.value } : { ok: false, error: errorFromWire(r.error) };
}

/** MULTI_GET of `gets` (by item index) on one server. */
export function sendMultiGet(gets: readonly Get[]) {
  return async (client: RpcClient, items: readonly GroupedItem[], timeoutMs: number): Promise<ItemOutcome<Result>[]> => {
    const res = await client.call('MULTI_GET', { actions: items.map((it) => ({ region: it.loc.info.encodedName, get: gets[it.index]! })) }, { timeoutMs });
    if (res.results.length !== items.length) return [];
    return res.results.map(fromActionResult);
  };
}

/** MULTI_MUTATE of `mutations` (by item index) on one server, grouped by region. */
export function sendMultiMutate(mutations: readonly Mutation[]) {
  return async (client: RpcClient, items: readonly GroupedItem[], timeoutMs: number): Promise<ItemOutcome<null>[]> => {
    const byRegion = new Map<string, number[]>(); // region → positions in items
    items.forEach((it, k) => {
      const r = it.loc.info.encodedName;
      let g = byRegion.get(r);
      if (g === undefined) byRegion.set(r, (g = []));
      g.push(k);
    });
    const regions = [...byRegion];
    const res = await client.call(
      'MULTI_MUTATE',
      { actions: regions.map(([region, ks]) => ({ region, mutations: ks.map((k) => mutations[items[k]!.index]!) })) },
      { timeoutMs },
    );
    if (res.results.length !== regions.length) return [];
    const out = new Array<ItemOutcome<null>>(items.length);
    regions.forEach(([region, ks], a) => {
      const r = res.results[a]!;
      if (!r.ok) {
        const err = errorFromWire(r.error);
        for (const k of ks) out[k] = { ok: false, error: err };
        return;
      }
      const per: readonly (WireError | null)[] = r.value;
      ks.forEach((k, j) => {
        const w = per[j];
        if (w === undefined) {
          out[k] = { ok: false, error: new InternalError('the server answered a region action with too few results', { details: { region, expected: ks.length, got: per.length } }) };
        } else out[k] = w === null ? { ok: true, value: null } : { ok: false, error: errorFromWire(w) };
      });
    });
    return out;
  };
}
