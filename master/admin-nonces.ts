// Admin operation nonces on the active master (docs/rfcs/0007-admin-nonces.md): an admin
// request that carries a nonce (header `tsbase-nonce`) runs its operation at most once, and
// every request with that nonce gets the operation's outcome — the same success or the same
// error — so a client can send a create, a truncate or a split again after a timeout or a lost
// connection without running it twice. HBase does this with the nonces of its master
// procedures (ProcedureExecutor's nonce-to-procedure map, persisted in the procedure store).
//
// State:
// - in memory, per term: nonce → operation and its outcome (or the promise of it, so a retry
//   that arrives while the operation runs waits for it instead of starting it again);
// - in coordination, under `admin-nonces/`: a record per nonce, written (fenced by the term)
//   before the operation runs ("accepted": the operation and the term) and again with the
//   outcome once it finished. A later active master answers from the outcome; if there is
//   none (the master that accepted it stopped half way), it cannot tell whether the
//   operation took effect, and the route decides (`afterUnknown`): operations that may run
//   again do (enable, flush, move, ...), some turn "already done" errors into success (a
//   create whose table exists), and the rest answer TSB_OUTCOME_UNKNOWN (split, truncate).
// Records and memory entries are forgotten `graceMs` after they were accepted / settled
// (expire(), run by a chore of the active master); a retry after that runs the operation again.
//
// An operation is its method and path plus a digest of its request (query string and body):
// a nonce sent again with another body (another table's create) is refused, not answered with
// the first request's outcome.
//
// Errors of run(): InvalidError (TSB_INVALID_ARGUMENT) when the nonce was used for another
// operation or request; the coordination client's errors (TSB_UNAVAILABLE, TSB_NOT_LEADER) when the
// record cannot be read or written before the operation, which then did not run.

import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import type { Clock } from '../common/clock.js';
import type { Coordination } from '../common/coordination/coordination.js';
import type { WireError } from '../common/error-wire.js';
import { errorFromWire, errorToWire } from '../common/error-wire.js';
import { InternalError, InvalidError } from '../common/errors.js';
import type { OperationNonce } from '../common/ops/operation-nonce.js';
import { nonceKey } from '../common/ops/operation-nonce.js';

/** How long nonces are remembered by default (HBase keeps finished procedures 15 minutes). */
export const DEFAULT_ADMIN_NONCE_GRACE_MS = 15 * 60_000;

/** The value of a nonce's coordination record (JSON). */
export interface AdminNonceRecord {
  /** The operation: method and path, e.g. `POST /api/v1/tables`. */
  readonly op: string;
  /**
   * requestDigest() of the request's query and body. Absent in records written before it
   * existed: such a record matches any request of its operation.
   */
  readonly request?: string;
  /** Fencing token of the term that accepted it (LeaderTerm.token). */
  readonly token: string;
  readonly acceptedAtMs: number;
  readonly outcome?: { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly error: WireError };
}

export type Outcome<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: unknown };

export interface NonceAnswer<T> {
  readonly outcome: Outcome<T>;
  /** True when the operation did not run for this request: the answer is its recorded outcome. */
  readonly replayed: boolean;
}

export interface AdminNoncesDeps {
  /** The term's fenced coordination. */
  readonly coordination: Coordination;
  /** Key prefix of the records (clusterKeys().adminNoncesPrefix). */
  readonly prefix: string;
  /** The term's fencing token. */
  readonly token: bigint;
  readonly clock: Clock;
  readonly graceMs: number;
  readonly logger: Logger;
}

/** What a nonce was used for: the operation and its request digest. */
export interface NonceUse {
  readonly op: string;
  readonly request?: string;
}

/** A digest of an admin request's query string and parsed JSON body (the same bytes sent again give the same digest). */
export function requestDigest(query: string, body: unknown): string {
  return createHash('sha256')
    .update(query)
    .update('\n')
    .update(JSON.stringify(body ?? null))
    .digest('hex')
    .slice(0, 32);
}

interface Entry extends NonceUse {
  readonly done: Promise<Outcome<unknown>>;
  settledAtMs: number | undefined;
}

export class AdminNonces {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly d: AdminNoncesDeps) {}

  /**
   * Runs `fn` for `nonce` unless it ran (or runs) already for the same use (operation and
   * request); see the file comment.
   * `afterUnknown` runs instead of `fn` when an earlier master accepted the nonce and left no
   * outcome. REQUIRES: the outcome's value is JSON (it is recorded as such).
   */
  async run<T>(nonce: OperationNonce, use: NonceUse, fn: () => Promise<T>, afterUnknown: () => Promise<T>): Promise<NonceAnswer<T>> {
    const { op, request } = use;
    const key = nonceKey(nonce.group, nonce.nonce);
    const existing = this.entries.get(key);
    if (existing !== undefined) {
      checkSameUse(key, use, existing);
      return { outcome: (await existing.done) as Outcome<T>, replayed: true };
    }
    let replayed = false;
    const done = (async (): Promise<Outcome<unknown>> => {
      const recordKey = this.d.prefix + key;
      const found = await this.d.coordination.get(recordKey);
      const rec = found === undefined ? undefined : parseRecord(found.value, recordKey);
      if (rec !== undefined) {
        checkSameUse(key, use, rec);
        if (rec.outcome !== undefined) {
          replayed = true;
          return rec.outcome.ok ? { ok: true, value: rec.outcome.value } : { ok: false, error: errorFromWire(rec.outcome.error) };
        }
      }
      const token = String(this.d.token);
      // Accepted by an earlier term that left no outcome: it may or may not have taken effect.
      const unknown = rec !== undefined && rec.token !== token;
      const accepted: AdminNonceRecord = { op, ...(request === undefined ? {} : { request }), token, acceptedAtMs: rec?.acceptedAtMs ?? this.d.clock.nowMs() };
      await this.d.coordination.put(recordKey, Buffer.from(JSON.stringify(accepted)));
      let outcome: Outcome<unknown>;
      try {
        outcome = { ok: true, value: await (unknown ? afterUnknown() : fn()) };
      } catch (e) {
        outcome = { ok: false, error: e };
      }
      const final: AdminNonceRecord = { ...accepted, outcome: outcome.ok ? { ok: true, value: outcome.value } : { ok: false, error: errorToWire(outcome.error) } };
      try {
        await this.d.coordination.put(recordKey, Buffer.from(JSON.stringify(final)));
      } catch (e) {
        // This master still answers retries from memory; a later one finds no outcome.
        this.d.logger.warn({ err: e, nonce: key, op }, 'could not record an admin operation outcome');
      }
      return outcome;
    })();
    // Registered before the first await above completes: a repeat arriving meanwhile waits on `done`.
    const entry: Entry = { ...use, done, settledAtMs: undefined };
    this.entries.set(key, entry);
    try {
      const outcome = await done;
      entry.settledAtMs = this.d.clock.nowMs();
      return { outcome: outcome as Outcome<T>, replayed };
    } catch (e) {
      // Nothing ran (the record could not be read or written): a retry may run it.
      this.entries.delete(key);
      throw e;
    }
  }

  /** Forgets nonces settled (memory) or accepted (records) more than graceMs ago; returns how many records it deleted. */
  async expire(): Promise<number> {
    const now = this.d.clock.nowMs();
    for (const [key, e] of this.entries) {
      if (e.settledAtMs !== undefined && now - e.settledAtMs > this.d.graceMs) this.entries.delete(key);
    }
    let deleted = 0;
    for (const entry of (await this.d.coordination.list(this.d.prefix)).entries) {
      let acceptedAtMs: number;
      try {
        acceptedAtMs = parseRecord(entry.value, entry.key).acceptedAtMs;
      } catch {
        acceptedAtMs = 0; // unreadable: nothing can use it
      }
      if (now - acceptedAtMs > this.d.graceMs) {
        await this.d.coordination.delete(entry.key);
        deleted++;
      }
    }
    return deleted;
  }

  /** Nonces held in memory (tests, status). */
  get size(): number {
    return this.entries.size;
  }
}

/** Throws InvalidError unless `use` is what the nonce was used for (a use without a request digest matches any). */
function checkSameUse(key: string, use: NonceUse, was: NonceUse): void {
  if (use.op !== was.op) {
    throw new InvalidError('invalid request: this nonce was already used for another operation; use a new nonce per operation', {
      details: { field: 'tsbase-nonce', nonce: key, op: use.op, usedFor: was.op },
    });
  }
  if (use.request !== undefined && was.request !== undefined && use.request !== was.request) {
    throw new InvalidError('invalid request: this nonce was already used for the same operation with another request body or query; use a new nonce per operation', {
      details: { field: 'tsbase-nonce', nonce: key, op: use.op },
    });
  }
}

function parseRecord(value: Buffer, key: string): AdminNonceRecord {
  let r: unknown;
  try {
    r = JSON.parse(value.toString('utf8'));
  } catch {
    r = undefined;
  }
  const rec = r as Partial<AdminNonceRecord> | undefined;
  if (
    rec === undefined ||
    rec === null ||
    typeof rec.op !== 'string' ||
    (rec.request !== undefined && typeof rec.request !== 'string') ||
    typeof rec.token !== 'string' ||
    typeof rec.acceptedAtMs !== 'number'
  ) {
    throw new InternalError('an admin nonce record in coordination is malformed', { details: { key } });
  }
  return rec as AdminNonceRecord;
}
