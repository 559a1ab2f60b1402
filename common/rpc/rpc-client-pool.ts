// RpcClientPool: one RpcClient (one multiplexed connection) per server address, created on
// first use and kept until the pool closes. Connections reconnect by themselves after a
// failure (rpc-client.ts), so a pooled client never needs replacing.

import { ErrorCodes, FencedError } from '../errors.js';
import type { RpcClient, RpcClientPool } from './rpc-messages.js';
import { createRpcClient } from './rpc-client.js';
import type { RpcClientOptions } from './rpc-client.js';

class Pool implements RpcClientPool {
  private readonly clients = new Map<string, RpcClient>();
  private closed = false;

  constructor(private readonly opts: RpcClientOptions) {}

  /** Throws InvalidError (TSB_INVALID_ARGUMENT) for a bad address, FencedError (TSB_CLOSED) after close(). */
  client(address: string): RpcClient {
    if (this.closed) throw new FencedError('rpc client pool is closed', { code: ErrorCodes.CLOSED, details: { address } });
    let c = this.clients.get(address);
    if (c === undefined) {
      c = createRpcClient(address, this.opts);
      this.clients.set(address, c);
    }
    return c;
  }

  async close(): Promise<void> {
    this.closed = true;
    const all = [...this.clients.values()];
    this.clients.clear();
    await Promise.all(all.map((c) => c.close()));
  }
}

/** A pool of RPC clients sharing `opts`. */
export function createRpcClientPool(opts: RpcClientOptions = {}): RpcClientPool {
  return new Pool(opts);
}
