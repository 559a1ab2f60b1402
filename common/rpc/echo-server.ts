// The transport ceiling: an RPC server whose only method is PING (echo), over the same
// framing, connection handling and write coalescing as the region server's data RPC. The
// YCSB benchmark and bench/rpc-echo-bench.ts measure it beside the database.

import { ErrorCodes, InvalidError } from '../errors.js';
import type { RpcHandlers, RpcMethodName } from './rpc-messages.js';
import { RpcMethod } from './rpc-messages.js';
import { startRpcServer } from './rpc-server.js';
import type { RpcServer, RpcServerOptions } from './rpc-server.js';

/** Handlers answering PING with its payload and every other method with TSB_INVALID_ARGUMENT. */
export function echoHandlers(): RpcHandlers {
  const out: Record<string, unknown> = {};
  for (const name of Object.keys(RpcMethod) as RpcMethodName[]) {
    out[name] = () => Promise.reject(new InvalidError('this server only answers PING', { code: ErrorCodes.INVALID_ARGUMENT, details: { method: name } }));
  }
  out['PING'] = (req: { payload: Buffer }) => Promise.resolve({ payload: req.payload });
  return out as RpcHandlers;
}

/** Starts an echo server (see startRpcServer for the options and errors). */
export function startEchoServer(opts: Omit<RpcServerOptions, 'handlers'>): Promise<RpcServer> {
  return startRpcServer({ ...opts, handlers: echoHandlers() });
}
