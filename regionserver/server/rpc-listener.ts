// How the region server starts its data RPC listener. The default is the shared RPC server
// (common/rpc/rpc-server.ts); tests and embedders may pass another factory (e.g. none at all,
// calling RegionServer.handlers directly).

import type { Logger } from 'pino';
import type { RpcHandlers } from '../../common/rpc/rpc-messages.js';
import { startRpcServer } from '../../common/rpc/rpc-server.js';

/** A listening data RPC server. */
export interface RpcListener {
  /** The port it listens on (the real one when 0 was asked for). */
  readonly port: number;
  /** Stops accepting, ends connections. Idempotent. */
  close(): Promise<void>;
}

export interface RpcListenOptions {
  readonly host: string;
  readonly port: number;
  readonly handlers: RpcHandlers;
  /** Largest cell value accepted (the server answers TSB_VALUE_TOO_LARGE for that call). */
  readonly maxValueBytes: number;
  /** Largest request frame accepted (default: the RPC server's, 256 MiB). */
  readonly maxFrameBytes?: number;
  readonly logger: Logger;
}

/** Starts listening; rejects if the port cannot be bound. */
export type RpcServerFactory = (opts: RpcListenOptions) => Promise<RpcListener>;

/** The data RPC server of common/rpc/rpc-server.ts. */
export const defaultRpcServer: RpcServerFactory = (opts) =>
  startRpcServer({
    host: opts.host,
    port: opts.port,
    handlers: opts.handlers,
    maxValueBytes: opts.maxValueBytes,
    ...(opts.maxFrameBytes !== undefined ? { maxFrameBytes: opts.maxFrameBytes } : {}),
    logger: opts.logger,
  });

let fakePorts = 0;

/**
 * A factory that listens nowhere: handlers are only called in-process (tests, embedding). Asked
 * for port 0 it reports a distinct made-up port per server (1, 2, …), so servers in one process
 * get distinct names.
 */
export const noRpcServer: RpcServerFactory = (opts) => Promise.resolve({ port: opts.port === 0 ? ++fakePorts : opts.port, close: () => Promise.resolve() });
