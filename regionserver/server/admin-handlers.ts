// The region admin calls of the RPC, sent by the master: OPEN_REGION, CLOSE_REGION,
// FLUSH_REGION, COMPACT_REGION, SPLIT_REGION, MERGE_REGIONS, SERVER_INFO, and PING (health checks, the
// transport benchmark). The work is in region-lifecycle.ts; these translate requests and errors.
//
// OPEN_REGION resolves once the region serves (idempotent); CLOSE_REGION resolves once it is
// closed (a region not hosted here is already closed); COMPACT_REGION only queues the
// compaction (as HBase's compactRegion); SPLIT_REGION closes the parent and returns the
// daughters, which it does not open; MERGE_REGIONS makes the merged region of closed ones,
// which it does not open either.
//
// Every call but PING passes the server's MasterFence first (master-fence.ts): one from a
// master that is no longer the active one fails with TSB_NOT_LEADER and does nothing.

import type { RegionAdminMethod, RpcHandlers, RpcRequests, RpcResponses } from '../../common/rpc/rpc-messages.js';
import { clientError } from './client-errors.js';
import type { MasterFence } from './master-fence.js';
import type { OnlineRegions } from './online-regions.js';
import type { RegionLifecycle } from './region-lifecycle.js';

export interface AdminHandlerDeps {
  readonly lifecycle: RegionLifecycle;
  readonly regions: OnlineRegions;
  readonly serverName: string;
  readonly startCode: number;
  readonly fence: MasterFence;
}

export type AdminMethods = 'PING' | RegionAdminMethod;

export function adminHandlers(deps: AdminHandlerDeps): Pick<RpcHandlers, AdminMethods> {
  const { lifecycle, regions, fence } = deps;
  return {
    PING(req: RpcRequests['PING']): Promise<RpcResponses['PING']> {
      return Promise.resolve({ payload: req.payload });
    },

    async OPEN_REGION(req: RpcRequests['OPEN_REGION']): Promise<RpcResponses['OPEN_REGION']> {
      await fence.admit(req.token, () => lifecycle.open(req.info, req.table, req.epoch));
      return {};
    },

    async CLOSE_REGION(req: RpcRequests['CLOSE_REGION']): Promise<RpcResponses['CLOSE_REGION']> {
      await fence.admit(req.token, () => lifecycle.close(req.region, { flush: req.flush, ...(req.destination !== undefined ? { destination: req.destination } : {}) }));
      return {};
    },

    async FLUSH_REGION(req: RpcRequests['FLUSH_REGION']): Promise<RpcResponses['FLUSH_REGION']> {
      await fence.admit(req.token, async () => {
        try {
          await lifecycle.flush(req.region);
        } catch (err) {
          throw clientError(err, req.region);
        }
      });
      return {};
    },

    async COMPACT_REGION(req: RpcRequests['COMPACT_REGION']): Promise<RpcResponses['COMPACT_REGION']> {
      await fence.admit(req.token, () => {
        lifecycle.compact(req.region, req.major);
        return Promise.resolve();
      });
      return {};
    },

    async SPLIT_REGION(req: RpcRequests['SPLIT_REGION']): Promise<RpcResponses['SPLIT_REGION']> {
      return fence.admit(req.token, async () => {
        try {
          const r = await lifecycle.split(req.region, req.splitRow);
          return { splitRow: r.splitRow, daughters: r.daughters };
        } catch (err) {
          throw clientError(err, req.region);
        }
      });
    },

    async MERGE_REGIONS(req: RpcRequests['MERGE_REGIONS']): Promise<RpcResponses['MERGE_REGIONS']> {
      await fence.admit(req.token, () => lifecycle.merge(req.regions, req.merged, req.table));
      return {};
    },

    async SERVER_INFO(req: RpcRequests['SERVER_INFO']): Promise<RpcResponses['SERVER_INFO']> {
      await fence.raise(req.token);
      return { serverName: deps.serverName, startCode: deps.startCode, regions: regions.entries().map((e) => e.describe()) };
    },
  };
}
