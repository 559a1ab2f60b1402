// The data calls of the RPC on one region server: GET, MULTI_GET, MUTATE, MULTI_MUTATE,
// CHECK_AND_MUTATE, INCREMENT, APPEND (common/rpc/rpc-messages.ts). Each names its region by
// encoded name; OnlineRegions.serving answers for regions not served here
// (TSB_NOT_SERVING_REGION, TSB_REGION_MOVED, TSB_REGION_OPENING), client-errors.ts translates
// the engine's errors (TSB_REGION_TOO_BUSY, fenced → TSB_NOT_SERVING_REGION), and values over
// maxValueBytes are refused with TSB_VALUE_TOO_LARGE before anything is written.
//
// Multi calls answer per action (a region) and, for MULTI_MUTATE, per mutation: one action's
// failure does not fail the others. Actions of different regions run concurrently.
//
// INCREMENT, APPEND and CHECK_AND_MUTATE with a nonce run under the server's NonceManager, as
// HBase's RSRpcServices does: a retry of an attempt that already succeeded here (or whose WAL
// edit a region replayed when it opened here) is not applied again. A duplicate increment or
// append is answered with the current values of its columns (a get), a duplicate
// checkAndMutate with the first attempt's processed flag (true when the nonce was learnt from
// the WAL: only applied mutations are logged). docs/rfcs/0006-operation-nonces.md.
//
// One event loop; every handler may run concurrently with any other.

import type { WireError } from '../../common/error-wire.js';
import { errorToWire } from '../../common/error-wire.js';
import type { Get, Mutation, Result } from '../../common/ops/operations.js';
import type { OperationNonce } from '../../common/ops/operation-nonce.js';
import type { ActionResult, RpcHandlers, RpcRequests, RpcResponses } from '../../common/rpc/rpc-messages.js';
import { checkValueSize, checkValueSizes, clientError } from './client-errors.js';
import type { OnlineRegions } from './online-regions.js';
import type { HostedEntry } from './online-regions.js';
import type { NonceManager } from './nonce-manager.js';
import { RowResultEncoder } from './row-result-encoder.js';
import type { RowBuffer } from '../scan/row-buffer.js';

const NO_CELLS: Result = { row: Buffer.alloc(0), cells: [] };

export interface DataHandlerDeps {
  readonly regions: OnlineRegions;
  readonly maxValueBytes: number;
  readonly nonces: NonceManager;
}

export type DataMethods = 'GET' | 'MULTI_GET' | 'MUTATE' | 'MULTI_MUTATE' | 'CHECK_AND_MUTATE' | 'INCREMENT' | 'APPEND';

export function dataHandlers(deps: DataHandlerDeps): Pick<RpcHandlers, DataMethods> {
  const { regions, maxValueBytes, nonces } = deps;
  const encoder = new RowResultEncoder();
  const encodeRow = (out: RowBuffer): Result => encoder.encode(out);

  /**
   * Runs `apply` under `nonce` (if any): a duplicate of an attempt that succeeded is answered
   * by `duplicate` instead. `outcomeOf` picks what a later duplicate is told (checkAndMutate).
   */
  const underNonce = async <T>(
    nonce: OperationNonce | undefined,
    apply: () => Promise<T>,
    duplicate: (outcome: boolean | undefined) => Promise<T>,
    outcomeOf?: (v: T) => boolean,
  ): Promise<T> => {
    if (nonce === undefined) return apply();
    const started = await nonces.start(nonce);
    if (!started.proceed) return duplicate(started.outcome);
    let ok = false;
    let outcome: boolean | undefined;
    try {
      const v = await apply();
      ok = true;
      outcome = outcomeOf?.(v);
      return v;
    } finally {
      // A failed attempt lets a retry run again (HBase does the same). When the failure was
      // the WAL's, the region aborted here and reopens elsewhere, where replay reports the
      // nonce if the edit was durable after all.
      nonces.end(nonce, ok, outcome);
    }
  };

  /**
   * Runs `fn` on a hosted region, translating its errors for the client (and noticing a region
   * that aborted). The read-modify-write calls use it; the hot GET and MUTATE paths inline the
   * same try/catch to avoid a closure per call.
   */
  const onRegion = async <T>(e: HostedEntry, region: string, fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (err) {
      regions.checkAborted(e);
      throw clientError(err, region);
    }
  };

  /** The current values of `columns` of `row` (the answer to a duplicate increment or append). */
  const currentColumns = (e: HostedEntry, region: string, row: Buffer, columns: readonly { family: Buffer; qualifier: Buffer }[]): Promise<Result> =>
    onRegion(e, region, () => e.region!.get({ row, columns: columns.map((c) => ({ family: c.family, qualifier: c.qualifier })) }));

  const get = async (region: string, g: Get): Promise<Result> => {
    const e = regions.serving(region);
    e.readRequests++;
    try {
      return (await e.region!.getWith(g, encodeRow)) ?? { row: g.row, cells: [] };
    } catch (err) {
      regions.checkAborted(e);
      throw clientError(err, region);
    }
  };

  const mutateAction = async (region: string, mutations: readonly Mutation[]): Promise<ActionResult<readonly (WireError | null)[]>> => {
    try {
      const e = regions.serving(region);
      e.writeRequests += mutations.length;
      const out: (WireError | null)[] = new Array<WireError | null>(mutations.length).fill(null);
      let valid: Mutation[] = mutations as Mutation[];
      let index: number[] | undefined;
      for (let i = 0; i < mutations.length; i++) {
        try {
          checkValueSizes(mutations[i]!, maxValueBytes);
        } catch (err) {
          if (index === undefined) {
            index = [];
            valid = [];
            for (let j = 0; j < i; j++) {
              index.push(j);
              valid.push(mutations[j]!);
            }
          }
          out[i] = errorToWire(err);
          continue;
        }
        if (index !== undefined) {
          index.push(i);
          valid.push(mutations[i]!);
        }
      }
      const outcomes = valid.length === 0 ? [] : await e.region!.batchMutate(valid);
      let failed = false;
      for (let j = 0; j < outcomes.length; j++) {
        const o = outcomes[j]!;
        if (o.ok) continue;
        failed = true;
        out[index === undefined ? j : index[j]!] = errorToWire(clientError(o.error, region));
      }
      if (failed) regions.checkAborted(e);
      return { ok: true, value: out };
    } catch (err) {
      return { ok: false, error: errorToWire(clientError(err, region)) };
    }
  };

  return {
    async GET(req: RpcRequests['GET']): Promise<RpcResponses['GET']> {
      const e = regions.serving(req.region);
      e.readRequests++;
      const existenceOnly = req.get.existenceOnly === true;
      let result: Result | undefined;
      try {
        // The row goes into the answer already encoded (no Result / cell objects), or for an
        // existence check not at all.
        result = await e.region!.getWith(req.get, existenceOnly ? () => NO_CELLS : encodeRow);
      } catch (err) {
        regions.checkAborted(e);
        throw clientError(err, req.region);
      }
      const exists = result !== undefined;
      return { result: result === undefined || existenceOnly ? { row: req.get.row, cells: [] } : result, exists };
    },

    async MULTI_GET(req: RpcRequests['MULTI_GET']): Promise<RpcResponses['MULTI_GET']> {
      const results = await Promise.all(
        req.actions.map(async (a): Promise<ActionResult<Result>> => {
          try {
            return { ok: true, value: await get(a.region, a.get) };
          } catch (err) {
            return { ok: false, error: errorToWire(err) };
          }
        }),
      );
      return { results };
    },

    async MUTATE(req: RpcRequests['MUTATE']): Promise<RpcResponses['MUTATE']> {
      const e = regions.serving(req.region);
      const m = req.mutation;
      checkValueSizes(m, maxValueBytes);
      e.writeRequests++;
      try {
        if (m.kind === 'put') await e.region!.put(m);
        else await e.region!.delete(m);
      } catch (err) {
        regions.checkAborted(e);
        throw clientError(err, req.region);
      }
      return {};
    },

    async MULTI_MUTATE(req: RpcRequests['MULTI_MUTATE']): Promise<RpcResponses['MULTI_MUTATE']> {
      if (req.actions.length === 1) return { results: [await mutateAction(req.actions[0]!.region, req.actions[0]!.mutations)] };
      return { results: await Promise.all(req.actions.map((a) => mutateAction(a.region, a.mutations))) };
    },

    async CHECK_AND_MUTATE(req: RpcRequests['CHECK_AND_MUTATE']): Promise<RpcResponses['CHECK_AND_MUTATE']> {
      const e = regions.serving(req.region);
      for (const m of req.checkAndMutate.mutations) checkValueSizes(m, maxValueBytes);
      e.readRequests++;
      e.writeRequests++;
      return underNonce(
        req.nonce,
        () => onRegion(e, req.region, async () => ({ processed: await e.region!.checkAndMutate(req.checkAndMutate, req.nonce) })),
        // Answered from the record even if the region moved away while this retry waited: sent
        // on to the region's new server, which may not know the nonce, it could apply again.
        async (outcome) => ({ processed: outcome ?? true }),
        (r) => r.processed,
      );
    },

    async INCREMENT(req: RpcRequests['INCREMENT']): Promise<RpcResponses['INCREMENT']> {
      const e = regions.serving(req.region);
      e.readRequests++;
      e.writeRequests++;
      return underNonce(
        req.nonce,
        () => onRegion(e, req.region, async () => ({ result: await e.region!.increment(req.increment, req.nonce) })),
        async () => ({ result: await currentColumns(e, req.region, req.increment.row, req.increment.columns) }),
      );
    },

    async APPEND(req: RpcRequests['APPEND']): Promise<RpcResponses['APPEND']> {
      const e = regions.serving(req.region);
      for (const c of req.append.columns) checkValueSize(c.value, maxValueBytes);
      e.readRequests++;
      e.writeRequests++;
      return underNonce(
        req.nonce,
        () => onRegion(e, req.region, async () => ({ result: await e.region!.append(req.append, req.nonce) })),
        async () => ({ result: await currentColumns(e, req.region, req.append.row, req.append.columns) }),
      );
    },
  };
}
