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
// One event loop; every handler may run concurrently with any other.

import type { WireError } from '../../common/error-wire.js';
import { errorToWire } from '../../common/error-wire.js';
import type { Get, Mutation, Result } from '../../common/ops/operations.js';
import type { ActionResult, RpcHandlers, RpcRequests, RpcResponses } from '../../common/rpc/rpc-messages.js';
import { checkValueSize, checkValueSizes, clientError } from './client-errors.js';
import type { OnlineRegions } from './online-regions.js';
import { RowResultEncoder } from './row-result-encoder.js';
import type { RowBuffer } from '../scan/row-buffer.js';

const NO_CELLS: Result = { row: Buffer.alloc(0), cells: [] };

export interface DataHandlerDeps {
  readonly regions: OnlineRegions;
  readonly maxValueBytes: number;
}

export type DataMethods = 'GET' | 'MULTI_GET' | 'MUTATE' | 'MULTI_MUTATE' | 'CHECK_AND_MUTATE' | 'INCREMENT' | 'APPEND';

export function dataHandlers(deps: DataHandlerDeps): Pick<RpcHandlers, DataMethods> {
  const { regions, maxValueBytes } = deps;
  const encoder = new RowResultEncoder();
  const encodeRow = (out: RowBuffer): Result => encoder.encode(out);

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
      try {
        return { processed: await e.region!.checkAndMutate(req.checkAndMutate) };
      } catch (err) {
        regions.checkAborted(e);
        throw clientError(err, req.region);
      }
    },

    async INCREMENT(req: RpcRequests['INCREMENT']): Promise<RpcResponses['INCREMENT']> {
      const e = regions.serving(req.region);
      e.readRequests++;
      e.writeRequests++;
      try {
        return { result: await e.region!.increment(req.increment) };
      } catch (err) {
        regions.checkAborted(e);
        throw clientError(err, req.region);
      }
    },

    async APPEND(req: RpcRequests['APPEND']): Promise<RpcResponses['APPEND']> {
      const e = regions.serving(req.region);
      for (const c of req.append.columns) checkValueSize(c.value, maxValueBytes);
      e.readRequests++;
      e.writeRequests++;
      try {
        return { result: await e.region!.append(req.append) };
      } catch (err) {
        regions.checkAborted(e);
        throw clientError(err, req.region);
      }
    },
  };
}
