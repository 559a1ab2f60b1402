// The active master's RPC clients for one term: every region admin call (OPEN_REGION,
// CLOSE_REGION, FLUSH_REGION, COMPACT_REGION, SPLIT_REGION, SERVER_INFO) carries the term's
// fencing token, which region servers check (regionserver/server/master-fence.ts;
// docs/rfcs/0005-cluster.md "Fencing"). None is sent once the term has ended; a server that
// refuses one with TSB_NOT_LEADER has seen a newer master, so the term ends. Other calls (the
// META calls carry their token themselves, data calls none) pass through unchanged.

import { errorCode, ErrorCodes } from '../common/errors.js';
import type { CallOptions, RpcClient, RpcClientPool, RpcMethodName, RpcRequests, RpcResponses } from '../common/rpc/rpc-messages.js';
import { isRegionAdminMethod } from '../common/rpc/rpc-messages.js';
import type { LeaderTerm } from './leader-term.js';

/** `inner`'s clients, fenced by `term`. Closing it closes nothing: `inner` belongs to the master process. */
export class TermRpcPool implements RpcClientPool {
  constructor(
    private readonly inner: RpcClientPool,
    private readonly term: LeaderTerm,
  ) {}

  client(address: string): RpcClient {
    return new TermRpcClient(this.inner.client(address), this.term);
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

class TermRpcClient implements RpcClient {
  constructor(
    private readonly inner: RpcClient,
    private readonly term: LeaderTerm,
  ) {}

  get address(): string {
    return this.inner.address;
  }

  call<M extends RpcMethodName>(method: M, request: RpcRequests[M], opts?: CallOptions): Promise<RpcResponses[M]> {
    if (!isRegionAdminMethod(method)) return this.inner.call(method, request, opts);
    try {
      this.term.assertActive();
    } catch (e) {
      return Promise.reject(e);
    }
    return this.inner.call<M>(method, { ...request, token: this.term.token }, opts).catch((e: unknown) => {
      if (errorCode(e) === ErrorCodes.NOT_LEADER) this.term.end(e as Error);
      throw e;
    });
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
