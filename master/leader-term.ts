// One term of leadership. Everything the active master does runs inside a term; when the
// term ends (leadership lost, or the master stops) every loop and every multi-step operation
// checks `assertActive()` before its next side effect and stops there. A deposed master thus
// performs no new step after it learns of the loss. A step sent before it learns of it is
// fenced where it lands: coordination writes carry the term's `fence` compare, META writes its
// `token` (docs/rfcs/0005-cluster.md "Fencing").

import type { Clock } from '../common/clock.js';
import type { TxnCompare } from '../common/coordination/coordination.js';
import { ErrorCodes, UnavailableError } from '../common/errors.js';
import { interruptibleSleep } from './sleep.js';

export class LeaderTerm {
  private readonly controller = new AbortController();
  private endedCause: Error | undefined;
  private readonly endedPromise: Promise<Error>;
  private resolveEnded!: (e: Error) => void;

  constructor(
    /** This master's count of its terms (logs). */
    readonly number: number,
    /**
     * The cluster-wide fencing token of the term (Leadership.token): larger for every later
     * active master. META writes carry it (docs/rfcs/0005-cluster.md "Fencing").
     */
    readonly token: bigint,
    /** Holds while this term's leader key is unchanged: coordination writes carry it (fenced-coordination.ts). */
    readonly fence: TxnCompare,
  ) {
    this.endedPromise = new Promise((r) => (this.resolveEnded = r));
  }

  get active(): boolean {
    return this.endedCause === undefined;
  }

  /** Aborted when the term ends. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** Resolves with the cause once the term ends. */
  get ended(): Promise<Error> {
    return this.endedPromise;
  }

  /** Ends the term (idempotent). */
  end(cause: Error): void {
    if (this.endedCause !== undefined) return;
    this.endedCause = cause;
    this.controller.abort(cause);
    this.resolveEnded(cause);
  }

  /** Throws UnavailableError TSB_NOT_LEADER once the term has ended. */
  assertActive(): void {
    if (this.endedCause !== undefined) {
      throw new UnavailableError('this master is no longer the active master', { code: ErrorCodes.NOT_LEADER, cause: this.endedCause });
    }
  }

  /** Sleeps `ms` on `clock`, or less if the term ends first; then assertActive(). */
  async pause(clock: Clock, ms: number): Promise<void> {
    await interruptibleSleep(clock, ms, () => !this.active, this.endedPromise);
    this.assertActive();
  }
}
