// The data RPC client (docs/formats/rpc.md): one multiplexed, pipelined TCP connection to one
// server. Calls are numbered, written as frames without waiting for earlier answers (frames
// written in one event-loop turn leave in one socket write), and matched to their answers by
// call id, in whatever order the server sends them.
//
// The connection is opened by the first call and after a failure by the next call (calls
// never wait for a reconnect: a call on a broken connection fails, the next one dials).
//
// Errors of call():
//  - the server's error answer → errorFromWire (the server's class, code and retryable flag);
//  - connection refused, reset or closed while the call was pending → UnavailableError
//    TSB_UNAVAILABLE (retryable: the call may or may not have run);
//  - no answer within the timeout → UnavailableError TSB_TIMEOUT (retryable, same caveat);
//  - a request that cannot be encoded → InvalidError TSB_INVALID_ARGUMENT (nothing sent);
//  - a malformed answer or a peer that is not a tsbase server → InvalidError TSB_PROTOCOL
//    (the connection is closed; other pending calls fail with TSB_UNAVAILABLE);
//  - after close() → FencedError TSB_CLOSED.
//
// Timeouts use real timers: calls with the client's default timeout share one timer (their
// deadlines expire in the order they were sent); a call with its own timeout gets its own.
//
// Thread safety: one event loop; any number of calls may be in flight concurrently.

import net from 'node:net';
import type { Socket } from 'node:net';
import { errorFromWire } from '../error-wire.js';
import { ErrorCodes, FencedError, InvalidError, TsbaseError, UnavailableError } from '../errors.js';
import { RpcMethod } from './rpc-messages.js';
import type { CallOptions, RpcClient, RpcMethodName, RpcRequests, RpcResponses } from './rpc-messages.js';
import { ByteReader } from './byte-reader.js';
import { OpenHashMap, hashU32 } from '../collections/open-hash-map.js';
import { DeadlineQueue } from './deadline-queue.js';
import { ByteWriter, FLUSH_EVERY_FRAMES } from './byte-writer.js';
import { FrameDecoder, frameBodyStart, frameCallId, frameFlags, frameMethod } from './frame-decoder.js';
import { decodeResponse, encodeRequest, METHOD_NAMES } from './rpc-codec.js';
import { CONNECTION_CALL_ID, DEFAULT_MAX_FRAME_BYTES, FLAG_ERROR, RESPONSE_FLAGS_MASK } from './rpc-format.js';
import { decodeErrorBody } from './wire-error-codec.js';
import type { RpcLogger } from './rpc-server.js';

export interface RpcClientOptions {
  /** Default per-call timeout (HBase hbase.rpc.timeout, default 60 s). */
  readonly timeoutMs?: number;
  /** Longest wait for the TCP connection (HBase hbase.ipc.client.socket.timeout.connect, default 10 s). */
  readonly connectTimeoutMs?: number;
  /** Largest answer frame accepted (default 256 MiB). */
  readonly maxFrameBytes?: number;
  readonly logger?: RpcLogger;
}

export const DEFAULT_RPC_TIMEOUT_MS = 60_000;
export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;

/** `host:port` (IPv6 as `[addr]:port`) → host and port. Throws InvalidError (TSB_INVALID_ARGUMENT). */
export function parseAddress(address: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(address);
  const port = m === null ? NaN : Number(m[3]);
  if (m === null || !(port > 0 && port < 65536)) throw new InvalidError('rpc address must be host:port', { details: { address } });
  return { host: (m[1] ?? m[2])!, port };
}

/** Queued deadlines past which the queue is compacted when most of it is answered calls. */
const DEADLINE_COMPACT_MIN = 4096;

/** One call waiting for its answer. */
class PendingCall {
  timer: NodeJS.Timeout | undefined = undefined;
  constructor(
    readonly method: number,
    readonly resolve: (v: unknown) => void,
    readonly reject: (e: unknown) => void,
    /** Monotonic deadline of a default-timeout call; -1 for a call with its own timer. */
    readonly deadline: number,
  ) {}
}

class ClientConnection {
  /** Calls in flight by id (not a Map: see open-hash-map.ts). */
  readonly pending = new OpenHashMap<number, PendingCall>(hashU32);
  /** Default-timeout calls in the order sent (= deadline order), for the sweep. */
  private readonly deadlines = new DeadlineQueue();
  private readonly writer = new ByteWriter();
  private readonly reader = new ByteReader(Buffer.alloc(0), 0, 0);
  private readonly decoder: FrameDecoder;
  private readonly socket: Socket;
  private nextId = 1;
  private flushScheduled = false;
  /** Frames written since the last flush. */
  private framesQueued = 0;
  private readonly flushBound = (): void => this.flush();
  private readonly sweepBound = (): void => this.sweep();
  /** The shared timer of default-timeout calls, armed at the oldest one's deadline. */
  private sweepTimer: NodeJS.Timeout | undefined;
  private connectTimer: NodeJS.Timeout | undefined;
  dead = false;
  private transportError: Error | undefined;
  /** The server's connection-level error (call id 0), once received. */
  private serverError: Error | undefined;

  constructor(
    private readonly owner: TcpRpcClient,
    host: string,
    port: number,
  ) {
    this.decoder = new FrameDecoder(owner.maxFrameBytes, (buf, start, end) => this.onFrame(buf, start, end));
    this.writer.preamble();
    const socket = net.connect({ host, port, noDelay: true });
    this.socket = socket;
    this.connectTimer = setTimeout(() => {
      this.fail(new UnavailableError('rpc connect timed out; the server may be down or unreachable', { code: ErrorCodes.UNAVAILABLE, details: { address: owner.address, timeoutMs: owner.connectTimeoutMs } }));
    }, owner.connectTimeoutMs);
    this.connectTimer.unref();
    socket.once('connect', () => {
      clearTimeout(this.connectTimer);
      this.connectTimer = undefined;
    });
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (err) => {
      this.transportError = err;
    });
    socket.on('close', () => this.onClose());
    this.scheduleFlush();
  }

  call(method: number, req: unknown, timeoutMs: number | undefined): Promise<unknown> {
    let id = this.nextId;
    while (id === CONNECTION_CALL_ID || this.pending.has(id)) id = (id + 1) >>> 0;
    this.nextId = (id + 1) >>> 0;
    const w = this.writer;
    w.beginFrame(id, method, 0);
    try {
      encodeRequest(w, method, req);
    } catch (e) {
      w.abortFrame();
      return Promise.reject(e);
    }
    w.endFrame();
    this.scheduleFlush();
    return new Promise((resolve, reject) => {
      // The pool's default timeout (what the client library passes on its fast path) joins the
      // deadline-ordered sweep: no timer per call.
      if (timeoutMs === undefined || timeoutMs === this.owner.timeoutMs) {
        const deadline = performance.now() + this.owner.timeoutMs;
        this.pending.set(id, new PendingCall(method, resolve, reject, deadline));
        this.deadlines.push(id, deadline);
        if (this.sweepTimer === undefined) this.armSweep(this.owner.timeoutMs);
      } else {
        const p = new PendingCall(method, resolve, reject, -1);
        this.pending.set(id, p);
        p.timer = setTimeout(() => this.expire(id), timeoutMs);
      }
    });
  }

  private armSweep(ms: number): void {
    this.sweepTimer = setTimeout(this.sweepBound, Math.max(1, ms));
    this.sweepTimer.unref();
  }

  /** Expires default-timeout calls past their deadline (the front of `deadlines`). */
  private sweep(): void {
    this.sweepTimer = undefined;
    const now = performance.now();
    const q = this.deadlines;
    while (q.size > 0) {
      const id = q.peekId();
      const d = q.peekDeadline();
      const p = this.pending.get(id);
      if (p === undefined || p.deadline !== d) {
        q.shift(); // answered already (or the id now names a later call, queued behind)
        continue;
      }
      if (d > now) {
        this.armSweep(d - now);
        return;
      }
      q.shift();
      this.expire(id);
    }
  }

  /**
   * Drops answered calls from the front of `deadlines`; when stragglers keep answered ones
   * queued behind them, compacts the queue so it stays proportional to the calls in flight.
   */
  private trimDeadlines(): void {
    const q = this.deadlines;
    while (q.size > 0 && !this.pending.has(q.peekId())) q.shift();
    if (q.size > DEADLINE_COMPACT_MIN && q.size > 4 * this.pending.size) q.retain((id) => this.pending.has(id));
  }

  private expire(id: number): void {
    const p = this.pending.get(id);
    if (p === undefined) return;
    this.pending.delete(id);
    p.reject(
      new UnavailableError('rpc call timed out; the server may be overloaded or the call may still complete', {
        code: ErrorCodes.TIMEOUT,
        details: { address: this.owner.address, method: METHOD_NAMES[p.method] },
      }),
    );
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
    if (this.dead || this.writer.pending === 0) return;
    this.writer.flushTo(this.socket);
  }

  private onData(chunk: Buffer): void {
    if (this.dead) return;
    try {
      this.decoder.push(chunk);
    } catch (e) {
      // A connection-level error from the server, or a peer that is not a tsbase server, fails
      // every call with its reason; a malformed answer failed its own call already, the others
      // fail as on any lost connection.
      this.fail(
        e === this.serverError || (this.decoder.awaitingPreamble && e instanceof TsbaseError)
          ? (e as Error)
          : new UnavailableError('rpc connection closed after a malformed answer; retry', {
              cause: e,
              details: { address: this.owner.address, reason: e instanceof TsbaseError ? e.code : 'error' },
            }),
      );
    }
  }

  private onFrame(buf: Buffer, start: number, end: number): void {
    if (this.dead) return;
    const callId = frameCallId(buf, start);
    const method = frameMethod(buf, start);
    const flags = frameFlags(buf, start);
    if ((flags & ~RESPONSE_FLAGS_MASK) !== 0) throw protocol('rpc answer has reserved flags set', { callId, flags });
    const reader = this.reader.reset(buf, frameBodyStart(start), end);
    if (callId === CONNECTION_CALL_ID) {
      // The server refused the connection (bad preamble, oversized frame): fail every call with its reason.
      if ((flags & FLAG_ERROR) === 0) throw protocol('rpc answer for call id 0', { method });
      this.serverError = errorFromWire(decodeErrorBody(reader));
      throw this.serverError;
    }
    const p = this.pending.get(callId);
    if (p === undefined) return; // timed out: the answer is dropped
    if (p.method !== method) throw protocol('rpc answer is for another method', { callId, sent: p.method, answered: method });
    this.pending.delete(callId);
    if (p.timer !== undefined) clearTimeout(p.timer);
    else this.trimDeadlines();
    if ((flags & FLAG_ERROR) !== 0) {
      let wire;
      try {
        wire = decodeErrorBody(reader);
      } catch (e) {
        p.reject(e);
        throw e;
      }
      p.reject(errorFromWire(wire));
      return;
    }
    let res: unknown;
    try {
      res = decodeResponse(reader, method);
    } catch (e) {
      p.reject(e);
      throw e;
    }
    p.resolve(res);
  }

  /**
   * Closes the connection: pending calls fail with `err` if it is a server's or protocol error
   * naming the cause, else with a retryable TSB_UNAVAILABLE.
   */
  fail(err: Error): void {
    if (this.dead) return;
    this.dead = true;
    this.owner.connectionDead(this);
    this.socket.destroy();
    this.rejectAll(err);
  }

  private onClose(): void {
    if (this.dead) return;
    this.dead = true;
    this.owner.connectionDead(this);
    const cause = this.transportError;
    this.rejectAll(
      new UnavailableError(
        cause === undefined ? 'rpc connection closed by the server; retry' : 'rpc connection failed; the server may be down or restarting, retry',
        { code: ErrorCodes.UNAVAILABLE, cause, details: { address: this.owner.address, reason: (cause as NodeJS.ErrnoException | undefined)?.code ?? 'closed' } },
      ),
    );
  }

  private rejectAll(err: Error): void {
    clearTimeout(this.connectTimer);
    clearTimeout(this.sweepTimer);
    this.sweepTimer = undefined;
    const calls = this.pending.values();
    this.pending.clear();
    this.deadlines.clear();
    for (const p of calls) {
      if (p.timer !== undefined) clearTimeout(p.timer);
      p.reject(err);
    }
  }
}

function protocol(message: string, details: Record<string, string | number>): InvalidError {
  return new InvalidError(message, { code: ErrorCodes.PROTOCOL, details });
}

class TcpRpcClient implements RpcClient {
  readonly timeoutMs: number;
  readonly connectTimeoutMs: number;
  readonly maxFrameBytes: number;
  private readonly host: string;
  private readonly port: number;
  private conn: ClientConnection | null = null;
  private closed = false;

  constructor(
    readonly address: string,
    opts: RpcClientOptions,
  ) {
    ({ host: this.host, port: this.port } = parseAddress(address));
    this.timeoutMs = opts.timeoutMs ?? DEFAULT_RPC_TIMEOUT_MS;
    this.connectTimeoutMs = opts.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
    this.maxFrameBytes = opts.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
  }

  call<M extends RpcMethodName>(method: M, request: RpcRequests[M], opts?: CallOptions): Promise<RpcResponses[M]> {
    if (this.closed) return Promise.reject(new FencedError('rpc client is closed', { code: ErrorCodes.CLOSED, details: { address: this.address } }));
    const id = RpcMethod[method] as number | undefined;
    if (id === undefined) return Promise.reject(new InvalidError('unknown rpc method', { details: { method: String(method) } }));
    let conn = this.conn;
    if (conn === null) conn = this.conn = new ClientConnection(this, this.host, this.port);
    return conn.call(id, request, opts?.timeoutMs) as Promise<RpcResponses[M]>;
  }

  /** Called by a connection once it is unusable, so the next call dials again. */
  connectionDead(c: ClientConnection): void {
    if (this.conn === c) this.conn = null;
  }

  /** Calls waiting for an answer (for tests and metrics). */
  get pendingCalls(): number {
    return this.conn?.pending.size ?? 0;
  }

  close(): Promise<void> {
    this.closed = true;
    const c = this.conn;
    this.conn = null;
    c?.fail(new FencedError('rpc client is closed', { code: ErrorCodes.CLOSED, details: { address: this.address } }));
    return Promise.resolve();
  }
}

/** A client of the server at `address` (`host:port`). Nothing is dialled until the first call. Throws InvalidError for a bad address. */
export function createRpcClient(address: string, opts: RpcClientOptions = {}): RpcClient & { readonly pendingCalls: number } {
  return new TcpRpcClient(address, opts);
}
