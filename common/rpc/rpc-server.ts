// The data RPC server (docs/formats/rpc.md): accepts TCP connections, reads the client's
// preamble and then request frames, runs each call's handler as soon as its frame arrives
// (many calls in flight per connection), and writes each answer when its handler settles,
// in whatever order they finish. Answers written during one event-loop turn leave in one
// socket write (ByteWriter + setImmediate).
//
// Failure handling, per connection:
//  - a malformed frame (bad preamble, length under the header or over maxFrameBytes, unknown
//    method, reserved flags, undecodable body) → one error frame TSB_PROTOCOL (callId of the
//    bad frame, or 0 when no call can be named), then that connection is closed. Other
//    connections are not affected. Answers of its calls still running are dropped.
//  - a value over maxValueBytes → an error frame TSB_VALUE_TOO_LARGE for that call only.
//  - a handler's error → an error frame with errorToWire(err) for that call only.
//  - a client that does not read its answers: once the socket buffers more than it accepts,
//    the server stops reading that client's requests until the buffer drains; likewise while
//    a connection has maxInFlightPerConnection calls running.
//
// Thread safety: one event loop; handlers may run concurrently with each other across awaits.

import net from 'node:net';
import type { Server, Socket } from 'node:net';
import { errorToWire } from '../error-wire.js';
import type { WireError } from '../error-wire.js';
import { ErrorCodes, InvalidError, TsbaseError, UnavailableError } from '../errors.js';
import type { CallContext, RpcHandlers } from './rpc-messages.js';
import { ByteReader } from './byte-reader.js';
import { ByteWriter, FLUSH_EVERY_FRAMES } from './byte-writer.js';
import { FrameDecoder, frameBodyStart, frameCallId, frameFlags, frameMethod } from './frame-decoder.js';
import { decodeRequest, encodeResponse, METHOD_NAMES } from './rpc-codec.js';
import type { DecodeLimits } from './op-codec.js';
import { CONNECTION_CALL_ID, DEFAULT_MAX_FRAME_BYTES, FLAG_ERROR } from './rpc-format.js';
import { encodeErrorBody } from './wire-error-codec.js';

/** The subset of a pino logger the RPC layer uses. */
export interface RpcLogger {
  warn(obj: Record<string, unknown>, msg: string): void;
  debug(obj: Record<string, unknown>, msg: string): void;
}

const silentLogger: RpcLogger = { warn: () => {}, debug: () => {} };

export interface RpcServerOptions {
  /** Interface to listen on (default 0.0.0.0). */
  readonly host?: string;
  /** Port (0 = any free port; the region server's default is 16020). */
  readonly port: number;
  readonly handlers: RpcHandlers;
  /** Largest request frame accepted, header included (default 256 MiB, HBase hbase.ipc.max.request.size). */
  readonly maxFrameBytes?: number;
  /** Largest cell value accepted in a Put/Append/CheckAndMutate (default: no limit but the frame's). */
  readonly maxValueBytes?: number;
  /**
   * Calls of one connection running at once before the server stops reading that connection's
   * requests (until half of them are answered): backpressure instead of an unbounded queue
   * (default 1024).
   */
  readonly maxInFlightPerConnection?: number;
  readonly logger?: RpcLogger;
}

export interface RpcServerCloseOptions {
  /** Answer the calls already running before closing connections (default true). New calls get TSB_UNAVAILABLE. */
  readonly graceful?: boolean;
  /** Longest wait for running calls when graceful (default 10 s); then connections are cut. */
  readonly timeoutMs?: number;
}

export interface RpcServer {
  readonly port: number;
  /** `host:port` as clients dial it. */
  readonly address: string;
  /** Calls whose handlers are running. */
  readonly inFlight: number;
  /** Open client connections. */
  readonly connections: number;
  /** Stops accepting connections, then closes every connection (see RpcServerCloseOptions). Idempotent. */
  close(opts?: RpcServerCloseOptions): Promise<void>;
}

/** Answers buffered for a client beyond which its requests are no longer read. */
const MAX_BUFFERED_OUTPUT = 8 * 1024 * 1024;

type Handler = (req: unknown, ctx: CallContext) => Promise<unknown>;

/** State shared by the connections of one server. */
class ServerState {
  readonly table: (Handler | undefined)[] = new Array(256).fill(undefined);
  readonly conns = new Set<ServerConnection>();
  readonly limits: DecodeLimits;
  inFlight = 0;
  stopping = false;
  private idleWaiters: (() => void)[] = [];

  constructor(
    handlers: RpcHandlers,
    readonly maxFrameBytes: number,
    readonly maxInFlightPerConnection: number,
    maxValueBytes: number | undefined,
    readonly logger: RpcLogger,
  ) {
    for (let id = 0; id < 256; id++) {
      const name = METHOD_NAMES[id];
      if (name === undefined) continue;
      const h = handlers[name] as unknown as Handler | undefined;
      if (typeof h === 'function') this.table[id] = h.bind(handlers);
    }
    this.limits = maxValueBytes === undefined ? {} : { maxValueBytes };
  }

  callDone(): void {
    this.inFlight--;
    if (this.inFlight === 0 && this.idleWaiters.length > 0) {
      const w = this.idleWaiters;
      this.idleWaiters = [];
      for (const f of w) f();
    }
  }

  whenIdle(): Promise<void> {
    if (this.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }
}

class ServerConnection {
  private readonly writer = new ByteWriter();
  private readonly reader = new ByteReader(Buffer.alloc(0), 0, 0);
  private readonly decoder: FrameDecoder;
  private readonly ctx: CallContext;
  /** Set once the connection is being closed: nothing more is read or answered. */
  private closing = false;
  private flushScheduled = false;
  /** Frames written since the last flush. */
  private framesQueued = 0;
  /** Reading is paused because the socket buffers too much output, or too many calls run. */
  private pausedForWrites = false;
  private pausedForCalls = false;
  /** Calls of this connection whose handlers are running. */
  private inFlight = 0;
  /** Call id of the frame being decoded (0 between frames), for the protocol error frame. */
  private currentCallId = CONNECTION_CALL_ID;
  private currentMethod = 0;
  private readonly flushBound = (): void => this.flush();

  constructor(
    private readonly server: ServerState,
    readonly socket: Socket,
  ) {
    this.ctx = { peer: `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? 0}` };
    this.decoder = new FrameDecoder(server.maxFrameBytes, (buf, start, end) => this.onFrame(buf, start, end));
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('drain', () => this.onDrain());
    socket.on('error', (err) => server.logger.debug({ peer: this.ctx.peer, err: err.message }, 'rpc connection error'));
    socket.on('close', () => {
      this.closing = true;
      server.conns.delete(this);
    });
    this.writer.preamble();
    this.flush();
  }

  private onData(chunk: Buffer): void {
    if (this.closing) return; // discard: the connection is being closed
    try {
      this.decoder.push(chunk);
    } catch (e) {
      this.protocolError(e);
    }
  }

  private onFrame(buf: Buffer, start: number, end: number): void {
    if (this.closing) return;
    const callId = frameCallId(buf, start);
    const method = frameMethod(buf, start);
    this.currentCallId = callId;
    this.currentMethod = method;
    if (callId === CONNECTION_CALL_ID) throw protocol('rpc call id 0 is reserved for connection errors', { callId });
    const flags = frameFlags(buf, start);
    if (flags !== 0) throw protocol('rpc request has reserved flags set', { callId, flags });
    const handler = this.server.table[method];
    if (handler === undefined) {
      throw protocol('unknown rpc method; the client is newer than this server or not a tsbase client', { callId, method });
    }
    let req: unknown;
    try {
      req = decodeRequest(this.reader.reset(buf, frameBodyStart(start), end), method, this.server.limits);
    } catch (e) {
      if (e instanceof TsbaseError && e.code === ErrorCodes.VALUE_TOO_LARGE) {
        this.sendError(callId, method, errorToWire(e));
        this.currentCallId = CONNECTION_CALL_ID;
        return;
      }
      throw e;
    }
    this.currentCallId = CONNECTION_CALL_ID;
    if (this.server.stopping) {
      this.sendError(callId, method, errorToWire(new UnavailableError('region server is stopping; retry on another server', { details: { method: METHOD_NAMES[method] } })));
      return;
    }
    void this.run(callId, method, handler, req);
  }

  private async run(callId: number, method: number, handler: Handler, req: unknown): Promise<void> {
    const server = this.server;
    server.inFlight++;
    if (++this.inFlight >= server.maxInFlightPerConnection && !this.pausedForCalls) {
      this.pausedForCalls = true;
      this.decoder.suspend(); // frames already received wait too
      this.socket.pause();
    }
    let res: unknown;
    let err: unknown;
    let failed = false;
    try {
      res = await handler(req, this.ctx);
    } catch (e) {
      failed = true;
      err = e;
    }
    server.callDone();
    if (--this.inFlight <= server.maxInFlightPerConnection >> 1 && this.pausedForCalls && !this.closing) {
      this.pausedForCalls = false;
      if (!this.pausedForWrites) this.socket.resume();
      try {
        this.decoder.resume();
      } catch (e) {
        this.protocolError(e);
      }
    }
    if (this.closing) return;
    if (failed) {
      if (!(err instanceof TsbaseError) || err.code === ErrorCodes.INTERNAL) {
        server.logger.warn({ peer: this.ctx.peer, method: METHOD_NAMES[method], err: err instanceof Error ? err.stack : String(err) }, 'rpc handler failed');
      }
      this.sendError(callId, method, errorToWire(err));
      return;
    }
    const w = this.writer;
    w.beginFrame(callId, method, 0);
    try {
      encodeResponse(w, method, res);
    } catch (e) {
      w.abortFrame();
      server.logger.warn({ peer: this.ctx.peer, method: METHOD_NAMES[method], err: e instanceof Error ? e.message : String(e) }, 'rpc answer could not be encoded');
      this.sendError(callId, method, errorToWire(e));
      return;
    }
    w.endFrame();
    this.scheduleFlush();
  }

  private sendError(callId: number, method: number, e: WireError): void {
    const w = this.writer;
    w.beginFrame(callId, method, FLAG_ERROR);
    encodeErrorBody(w, e);
    w.endFrame();
    this.scheduleFlush();
  }

  private protocolError(e: unknown): void {
    const err =
      e instanceof TsbaseError && e.code === ErrorCodes.PROTOCOL
        ? e
        : new InvalidError(`malformed rpc frame: ${e instanceof Error ? e.message : String(e)}`, { code: ErrorCodes.PROTOCOL, cause: e });
    const rejected = this.decoder.rejected;
    const callId = rejected?.callId ?? this.currentCallId;
    this.server.logger.warn({ peer: this.ctx.peer, callId, code: err.code, err: err.message }, 'closing rpc connection after a malformed frame');
    const method = rejected?.method ?? this.currentMethod;
    this.sendError(callId, callId === CONNECTION_CALL_ID ? 0 : method, errorToWire(err));
    this.closing = true;
    this.flush();
    this.endSoon();
  }

  /** Half-closes after the pending bytes; cuts the socket if the peer does not close its side. */
  endSoon(graceMs = 2000): void {
    this.closing = true;
    const s = this.socket;
    if (s.destroyed) return;
    s.end();
    setTimeout(() => s.destroy(), graceMs).unref();
  }

  /** Server stop: answers what is written, then half-closes. */
  finish(): void {
    this.flush();
    this.endSoon(500);
  }

  private scheduleFlush(): void {
    if (++this.framesQueued >= FLUSH_EVERY_FRAMES) {
      this.flush();
      return;
    }
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(this.flushBound);
  }

  private flush(): void {
    this.flushScheduled = false;
    this.framesQueued = 0;
    if (this.writer.pending === 0 || this.socket.destroyed || this.socket.writableEnded) return;
    const ok = this.writer.flushTo(this.socket);
    // write() says "wait" past 16 KiB buffered, which one turn's answers often exceed; pausing
    // reads (uv_read_stop/start) every turn would cost more than it saves, so only a client
    // that really stops reading (MAX_BUFFERED_OUTPUT) is paused. 'drain' follows any false.
    if (!ok && !this.pausedForWrites && this.socket.writableLength > MAX_BUFFERED_OUTPUT) {
      this.pausedForWrites = true;
      this.socket.pause();
    }
  }

  private onDrain(): void {
    if (this.pausedForWrites) {
      this.pausedForWrites = false;
      if (!this.pausedForCalls) this.socket.resume();
    }
  }
}

function protocol(message: string, details: Record<string, string | number>): InvalidError {
  return new InvalidError(message, { code: ErrorCodes.PROTOCOL, details });
}

/**
 * Starts a data RPC server. Resolves once it listens. Throws UnavailableError (TSB_UNAVAILABLE)
 * if the port cannot be bound (in use, no permission).
 */
export async function startRpcServer(opts: RpcServerOptions): Promise<RpcServer> {
  const host = opts.host ?? '0.0.0.0';
  const state = new ServerState(opts.handlers, opts.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES, Math.max(1, opts.maxInFlightPerConnection ?? 1024), opts.maxValueBytes, opts.logger ?? silentLogger);
  const server: Server = net.createServer({ noDelay: true }, (socket) => {
    if (state.stopping) {
      socket.destroy();
      return;
    }
    state.conns.add(new ServerConnection(state, socket));
  });
  await new Promise<void>((resolve, reject) => {
    const onError = (err: Error): void => {
      reject(new UnavailableError('cannot listen for rpc connections; free the port or choose another', { cause: err, details: { host, port: opts.port } }));
    };
    server.once('error', onError);
    server.listen(opts.port, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
  server.on('error', (err) => state.logger.warn({ err: err.message }, 'rpc server error'));
  const addr = server.address();
  const port = typeof addr === 'object' && addr !== null ? addr.port : opts.port;
  const dialHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  let closed: Promise<void> | undefined;

  return {
    port,
    address: dialHost.includes(':') ? `[${dialHost}]:${port}` : `${dialHost}:${port}`,
    get inFlight() {
      return state.inFlight;
    },
    get connections() {
      return state.conns.size;
    },
    close(closeOpts: RpcServerCloseOptions = {}): Promise<void> {
      closed ??= (async () => {
        state.stopping = true;
        const serverClosed = new Promise<void>((resolve) => server.close(() => resolve()));
        if (closeOpts.graceful ?? true) {
          const timeoutMs = closeOpts.timeoutMs ?? 10_000;
          let timer: NodeJS.Timeout | undefined;
          await Promise.race([state.whenIdle(), new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
          clearTimeout(timer);
          for (const c of state.conns) c.finish();
        } else {
          for (const c of state.conns) c.socket.destroy();
        }
        await serverClosed;
      })();
      return closed;
    },
  };
}
