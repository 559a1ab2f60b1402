// The active master's calls on hbase:meta: META_MUTATE (a Put or Delete of a META row) and
// META_FENCE, both carrying the master's fencing token and checked by the server's MetaFence
// (meta-fence.ts; docs/rfcs/0005-cluster.md "Fencing"). They answer like MUTATE for a META
// that is not served here (TSB_NOT_SERVING_REGION, TSB_REGION_MOVED, TSB_REGION_OPENING), and
// with TSB_NOT_LEADER for a token a newer master's has superseded.
//
// One event loop; the handlers may run concurrently with any other.

import { META_REGION } from '../../common/meta/meta-row.js';
import type { RpcHandlers, RpcRequests, RpcResponses } from '../../common/rpc/rpc-messages.js';
import { checkValueSizes, clientError } from './client-errors.js';
import type { MetaFence } from './meta-fence.js';
import type { OnlineRegions } from './online-regions.js';

export interface MetaHandlerDeps {
  readonly regions: OnlineRegions;
  readonly maxValueBytes: number;
  readonly fence: MetaFence;
}

export type MetaMethods = 'META_MUTATE' | 'META_FENCE';

export function metaHandlers(deps: MetaHandlerDeps): Pick<RpcHandlers, MetaMethods> {
  const { regions, maxValueBytes, fence } = deps;
  const region = META_REGION.encodedName;
  return {
    async META_MUTATE(req: RpcRequests['META_MUTATE']): Promise<RpcResponses['META_MUTATE']> {
      const e = regions.serving(region);
      const m = req.mutation;
      checkValueSizes(m, maxValueBytes);
      e.writeRequests++;
      const r = e.region!;
      try {
        await fence.admit(r, req.token, () => (m.kind === 'put' ? r.put(m) : r.delete(m)));
      } catch (err) {
        regions.checkAborted(e);
        throw clientError(err, region);
      }
      return {};
    },

    async META_FENCE(req: RpcRequests['META_FENCE']): Promise<RpcResponses['META_FENCE']> {
      const e = regions.serving(region);
      await fence.raise(e.region!, req.token);
      return {};
    },
  };
}
