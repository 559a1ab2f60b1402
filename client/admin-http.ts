// A small HTTP client for the master's admin API (common/admin/admin-api.ts), over the
// global fetch of Node 20 (undici, keep-alive connections).
//
// It talks to the active master. A standby answers 503 TSB_NOT_LEADER (details.leader names
// the active one when known); a master that cannot be reached is skipped: the client then
// tries the leader it was told about, else the next address, with backoff, until the
// operation deadline. Error bodies `{ error: WireError }` become the public error classes
// (errorFromWire); any other error answer is mapped from its HTTP status.
//
// Retries: connection failures and 503 answers are retried for every method (the request
// was not processed); other transport failures (reset, timeout) for GET, PUT and DELETE, and
// for a POST only if it carries a nonce (the header `tsbase-nonce`, sent again unchanged: the
// master runs the operation at most once and answers the retry with its outcome,
// docs/rfcs/0007-admin-nonces.md). A POST without one that failed so throws (it may have been
// processed). Either way the client moves on to the next master for later requests: a master
// that hangs (paused past its session, say) does not keep every later request waiting for its
// timeout. An error answer the master gave again for a nonce (a recorded outcome) is not
// retried, retryable or not: sending it once more would get the same answer.
// Thread safety: concurrent requests are fine; they share the idea of who leads.

import type { Clock } from '../common/clock.js';
import { systemClock } from '../common/clock.js';
import type { Random } from '../common/random.js';
import { errorFromWire } from '../common/error-wire.js';
import type { WireError } from '../common/error-wire.js';
import { ErrorCodes, InternalError, InvalidError, NotFoundError, TsbaseError, UnavailableError, ConflictError } from '../common/errors.js';
import { API_PREFIX, formatAdminNonce, NONCE_HEADER, NONCE_REPLAYED_HEADER } from '../common/admin/admin-api.js';
import type { OperationNonce } from '../common/ops/operation-nonce.js';
import { RetryBudget } from './retry.js';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

export interface AdminHttpOptions {
  readonly masters: readonly string[];
  readonly clock: Clock;
  readonly random: Random;
  readonly operationTimeoutMs: number;
  readonly requestTimeoutMs: number;
  readonly pauseMs: number;
  /** Replaces the global fetch (tests). */
  readonly fetch?: typeof fetch;
}

const CONNECT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'UND_ERR_CONNECT_TIMEOUT']);

/** Throws InvalidError (TSB_INVALID_CONFIG) unless every address is `host:port`. */
export function validateMasterAddresses(masters: readonly string[]): void {
  if (masters.length === 0) throw new InvalidError('at least one master address is required', { code: ErrorCodes.INVALID_CONFIG });
  for (const m of masters) {
    if (!/^[^\s/:]+:\d{1,5}$/.test(m) && !/^\[[0-9a-fA-F:.]+\]:\d{1,5}$/.test(m)) {
      throw new InvalidError('a master address must be host:port', { code: ErrorCodes.INVALID_CONFIG, details: { address: m } });
    }
  }
}

export class AdminHttpClient {
  private readonly masters: string[];
  private current = 0;
  private readonly fetchImpl: typeof fetch;

  constructor(private readonly opts: AdminHttpOptions) {
    validateMasterAddresses(opts.masters);
    this.masters = [...opts.masters];
    this.fetchImpl = opts.fetch ?? fetch;
  }

  /** The master address requests go to first (the last one that answered as leader). */
  get activeMaster(): string {
    return this.masters[this.current]!;
  }

  /**
   * Sends `method path` (path relative to /api/v1) with an optional JSON body; resolves with
   * the parsed JSON answer. Throws the master's error (errorFromWire), or UnavailableError
   * TSB_TIMEOUT (cause: the last failure) when no master answered before the deadline.
   */
  async request<T>(method: HttpMethod, path: string, body?: unknown, nonce?: OperationNonce): Promise<T> {
    const budget = new RetryBudget({
      clock: this.opts.clock,
      random: this.opts.random,
      pauseMs: this.opts.pauseMs,
      operationTimeoutMs: this.opts.operationTimeoutMs,
      rpcTimeoutMs: this.opts.requestTimeoutMs,
    });
    let tried = 0;
    for (;;) {
      const address = this.activeMaster;
      let err: unknown;
      try {
        // The whole request timeout, not cut to the operation deadline: an admin call that the
        // master is processing (a create table) should not be abandoned half way.
        return await this.once<T>(address, method, path, body, nonce, this.opts.requestTimeoutMs);
      } catch (e) {
        err = e;
      }
      // Whom to ask next, whether or not this request is sent again: a POST without a nonce
      // that the master may have processed is not resent, but a master that did not answer
      // (hung, paused, crashed mid-request) is not asked first by the caller's next request either.
      const switched = this.moveOn(address, err);
      if (!this.shouldRetry(err, method, nonce !== undefined)) throw err;
      tried++;
      // A first pass over the other masters goes without pausing.
      await budget.backoff(err, `${method} ${path}`, switched && tried < this.masters.length);
    }
  }

  /**
   * After `err` from `address`: moves to the leader a standby named, or to the next master if
   * `address` was unreachable or a standby that did not know the leader. False if it stayed.
   */
  private moveOn(address: string, err: unknown): boolean {
    const notLeader = err instanceof TsbaseError && err.code === ErrorCodes.NOT_LEADER;
    const leader = notLeader ? err.details['leader'] : undefined;
    if (typeof leader === 'string' && leader !== '' && leader !== address) {
      let i = this.masters.indexOf(leader);
      if (i < 0) i = this.masters.push(leader) - 1;
      return this.switchTo(address, i);
    }
    if (err instanceof TransportError || notLeader) return this.switchTo(address, (this.masters.indexOf(address) + 1) % this.masters.length);
    return false;
  }

  private switchTo(from: string, index: number): boolean {
    // Only move if no concurrent request has already moved us.
    if (this.masters[this.current] !== from) return true;
    this.current = index;
    return this.masters.length > 1;
  }

  private shouldRetry(err: unknown, method: HttpMethod, withNonce: boolean): boolean {
    if (err instanceof TransportError) return err.beforeSend || method !== 'POST' || withNonce;
    if (replayedErrors.has(err as object)) return false;
    return err instanceof TsbaseError && (err.code === ErrorCodes.NOT_LEADER || err.retryable);
  }

  private async once<T>(address: string, method: HttpMethod, path: string, body: unknown, nonce: OperationNonce | undefined, timeoutMs: number): Promise<T> {
    const url = `http://${address}${API_PREFIX}${path}`;
    // The timeout: on the system clock an unref'd AbortSignal.timeout (a pending clock.sleep
    // would keep a finished CLI process alive for the whole timeout); otherwise the injected
    // clock (tests).
    let signal: AbortSignal;
    let settled = false;
    if (this.opts.clock === systemClock) {
      signal = AbortSignal.timeout(timeoutMs);
    } else {
      const abort = new AbortController();
      signal = abort.signal;
      void this.opts.clock.sleep(timeoutMs).then(() => {
        if (!settled) abort.abort();
      });
    }
    let res: Response;
    let text: string;
    try {
      const headers: Record<string, string> = {};
      if (body !== undefined) headers['content-type'] = 'application/json';
      if (nonce !== undefined) headers[NONCE_HEADER] = formatAdminNonce(nonce);
      res = await this.fetchImpl(url, { method, signal, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
      text = await res.text();
    } catch (e) {
      const timedOut = signal.aborted;
      const code = causeCode(e);
      throw new TransportError(
        timedOut ? 'admin request timed out' : 'admin request failed',
        !timedOut && code !== undefined && CONNECT_CODES.has(code),
        { cause: e, details: { master: address, method, path, timeoutMs: timedOut ? timeoutMs : undefined, errno: code } },
      );
    } finally {
      settled = true;
    }
    if (res.ok) {
      if (text === '') return {} as T;
      try {
        return JSON.parse(text) as T;
      } catch (e) {
        throw new InternalError('the master answered with invalid JSON', { cause: e, details: { master: address, path, status: res.status } });
      }
    }
    const err = errorFromBody(res.status, text, address, path);
    if (res.headers.get(NONCE_REPLAYED_HEADER) !== null) replayedErrors.add(err);
    throw err;
  }
}

/** Error answers that were a nonce's recorded outcome (not retried). */
const replayedErrors = new WeakSet<object>();

/** A failure to reach a master; `beforeSend` when the request surely was not processed. */
class TransportError extends UnavailableError {
  constructor(
    message: string,
    readonly beforeSend: boolean,
    opts: ConstructorParameters<typeof UnavailableError>[1],
  ) {
    super(message, opts);
  }
}

function causeCode(e: unknown): string | undefined {
  let cur: unknown = e;
  for (let i = 0; i < 5 && cur !== undefined && cur !== null; i++) {
    const code = (cur as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    cur = (cur as { cause?: unknown }).cause;
  }
  return undefined;
}

function isWireError(x: unknown): x is WireError {
  return typeof x === 'object' && x !== null && typeof (x as WireError).code === 'string' && typeof (x as WireError).message === 'string';
}

/** The error for a non-2xx answer. */
export function errorFromBody(status: number, text: string, master: string, path: string): TsbaseError {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  const wire = (parsed as { error?: unknown } | undefined)?.error;
  if (isWireError(wire)) return errorFromWire({ ...wire, retryable: wire.retryable === true });
  const msg = (parsed as { message?: unknown } | undefined)?.message;
  const text200 = typeof msg === 'string' ? msg : text.slice(0, 200);
  const details = { master, path, status, answer: text200 };
  if (status === 400) return new InvalidError('the master rejected the request', { details });
  if (status === 404) return new NotFoundError('the master has no such resource', { details });
  if (status === 409) return new ConflictError('the master reported a conflict', { details });
  if (status === 503 || status === 502 || status === 504) return new UnavailableError('the master is unavailable', { details });
  return new InternalError('the master answered with an error', { details });
}
