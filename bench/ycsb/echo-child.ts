// The echo server of the YCSB benchmark's transport ceiling, in its own process (as the
// region server is): the RPC server of common/rpc with one method, PING, answering with as
// many bytes as the request's first 4 bytes ask for (echo-db.ts). Tells its parent the port
// over the fork() IPC channel and exits when the parent goes away.

import { ErrorCodes, InvalidError } from '../../common/errors.js';
import { echoHandlers } from '../../common/rpc/echo-server.js';
import { startRpcServer } from '../../common/rpc/rpc-server.js';
import type { RpcHandlers } from '../../common/rpc/rpc-messages.js';

const answer = Buffer.alloc(16 * 1024 * 1024, 120);
const handlers: RpcHandlers = {
  ...echoHandlers(),
  PING: (req) => {
    if (req.payload.length < 4) return Promise.reject(new InvalidError('ping payload needs a 4-byte answer size', { code: ErrorCodes.INVALID_ARGUMENT }));
    return Promise.resolve({ payload: answer.subarray(0, Math.min(answer.length, req.payload.readUInt32BE(0))) });
  },
};
const server = await startRpcServer({ host: '127.0.0.1', port: 0, handlers });
process.send?.({ type: 'echo-ready', address: server.address });
process.on('disconnect', () => {
  void server.close().finally(() => process.exit(0));
});
