// The region server's memory of operation nonces (HBase's ServerNonceManager): which
// (nonceGroup, nonce) pairs of increments, appends and checkAndMutates it is running, has
// applied or saw fail, so that a client's retry of an operation that already succeeded is
// answered instead of applied twice. docs/rfcs/0006-operation-nonces.md.
//
// States of one nonce:
//   (absent) --start--> IN_PROGRESS --end(ok)--> SUCCEEDED      retries are duplicates
//                            |      --end(failed)--> FAILED     a retry may run it again
//   (absent) --reportFromWal--> SUCCEEDED                       replayed after a crash
// A start that finds IN_PROGRESS waits until that attempt ends, then decides again: a retry
// that overtook a slow first attempt (client timeout) never runs beside it.
//
// Expiry: a finished nonce is forgotten `gracePeriodMs` after it was last used (HBase's
// hbase.server.hashNonce.gracePeriod, 30 min): sweep() drops them, and start() treats an
// expired one as absent. A nonce learnt from the WAL ages from the entry's write time. An
// IN_PROGRESS nonce never expires (its attempt is still running).
//
// Cost: one Map entry per operation for the grace period (about 150 bytes): at 10,000
// increments a second, 30 minutes hold some 18 million entries (~2.7 GB). A server with such
// a load should lower the grace period (regionserver.nonceGracePeriod), as HBase's operators
// do.
//
// Thread safety: one event loop; any number of starts may wait at once.

import type { Clock } from '../../common/clock.js';
import type { OperationNonce } from '../../common/ops/operation-nonce.js';
import { nonceKey } from '../../common/ops/operation-nonce.js';

/** HBase's default hbase.server.hashNonce.gracePeriod. */
export const DEFAULT_NONCE_GRACE_PERIOD_MS = 30 * 60 * 1000;

const IN_PROGRESS = 0;
const SUCCEEDED = 1;
const FAILED = 2;
type State = typeof IN_PROGRESS | typeof SUCCEEDED | typeof FAILED;

interface Operation {
  state: State;
  /** Monotonic ms of the last start, end or duplicate. */
  lastUsed: number;
  /** What the succeeded attempt answered, when the caller recorded it (checkAndMutate's processed). */
  outcome: boolean | undefined;
  /** Wakes starts waiting for this IN_PROGRESS attempt (created by the first waiter). */
  ended: { promise: Promise<void>; resolve: () => void } | undefined;
}

/**
 * What start() decided: run the operation (then call end()), or do not — it already succeeded
 * here, and `outcome` is what end() recorded (undefined when the caller recorded nothing or the
 * nonce was learnt from the WAL).
 */
export type NonceStart = { readonly proceed: true } | { readonly proceed: false; readonly outcome: boolean | undefined };

const PROCEED: NonceStart = Object.freeze({ proceed: true });

export class NonceManager {
  private readonly ops = new Map<string, Operation>();

  constructor(
    private readonly clock: Clock,
    readonly gracePeriodMs: number = DEFAULT_NONCE_GRACE_PERIOD_MS,
  ) {}

  /** Nonces remembered (any state). */
  get size(): number {
    return this.ops.size;
  }

  /**
   * Claims `n` for one attempt. Resolves `{proceed: true}` when the caller must run the
   * operation — the nonce is new, expired, or its earlier attempt failed — and then call
   * end() exactly once; `{proceed: false}` when an attempt with this nonce already succeeded.
   * Waits while another attempt with the nonce is in progress.
   */
  async start(n: OperationNonce): Promise<NonceStart> {
    const key = nonceKey(n.group, n.nonce);
    for (;;) {
      const now = this.clock.monotonicMs();
      const op = this.ops.get(key);
      if (op === undefined || (op.state !== IN_PROGRESS && this.expired(op, now))) {
        this.ops.set(key, { state: IN_PROGRESS, lastUsed: now, outcome: undefined, ended: undefined });
        return PROCEED;
      }
      if (op.state === IN_PROGRESS) {
        if (op.ended === undefined) {
          let resolve!: () => void;
          const promise = new Promise<void>((r) => (resolve = r));
          op.ended = { promise, resolve };
        }
        await op.ended.promise;
        continue; // decide again: it succeeded, failed, or another waiter took it over
      }
      op.lastUsed = now; // a client still retrying keeps its nonce alive
      if (op.state === FAILED) {
        op.state = IN_PROGRESS;
        op.outcome = undefined;
        return PROCEED;
      }
      return { proceed: false, outcome: op.outcome };
    }
  }

  /**
   * Ends the attempt start() let through: `success` true means the operation took effect (or,
   * for a checkAndMutate, was decided: `outcome` is its processed flag), false that it surely
   * did not, so a retry may run it again. Wakes the starts waiting for it.
   */
  end(n: OperationNonce, success: boolean, outcome?: boolean): void {
    const op = this.ops.get(nonceKey(n.group, n.nonce));
    if (op === undefined || op.state !== IN_PROGRESS) return;
    op.state = success ? SUCCEEDED : FAILED;
    op.outcome = success ? outcome : undefined;
    op.lastUsed = this.clock.monotonicMs();
    const ended = op.ended;
    op.ended = undefined;
    ended?.resolve();
  }

  /**
   * A region opening here replayed (or skipped as flushed) a WAL edit written with `n` at
   * wall-clock `writeTimeMs` (HBase's reportOperationFromWal): the operation succeeded on the
   * server that wrote it, so retries are duplicates here too. Ignored (returns false) when the
   * entry is older than the grace period: the client has given up on it by then.
   */
  reportFromWal(n: OperationNonce, writeTimeMs: number): boolean {
    const age = Math.max(0, this.clock.nowMs() - writeTimeMs);
    if (age > this.gracePeriodMs) return false;
    const key = nonceKey(n.group, n.nonce);
    const op = this.ops.get(key);
    const lastUsed = this.clock.monotonicMs() - age;
    if (op === undefined) {
      this.ops.set(key, { state: SUCCEEDED, lastUsed, outcome: undefined, ended: undefined });
    } else if (op.state !== IN_PROGRESS) {
      op.state = SUCCEEDED;
      op.lastUsed = Math.max(op.lastUsed, lastUsed);
    }
    return true;
  }

  /** Forgets finished nonces unused for the grace period (a periodic chore); returns how many. */
  sweep(): number {
    const now = this.clock.monotonicMs();
    let removed = 0;
    for (const [key, op] of this.ops) {
      if (op.state !== IN_PROGRESS && this.expired(op, now)) {
        this.ops.delete(key);
        removed++;
      }
    }
    return removed;
  }

  private expired(op: Operation, now: number): boolean {
    return now - op.lastUsed > this.gracePeriodMs;
  }
}
