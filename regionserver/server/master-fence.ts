// The fence on the master's region admin calls (OPEN_REGION, CLOSE_REGION, FLUSH_REGION,
// COMPACT_REGION, SPLIT_REGION; docs/rfcs/0005-cluster.md "Fencing"). A deposed master learns
// of its loss only when its lease or its leader-key watch tells it, so a call it sent just
// before can land after a newer master took over: a late CLOSE_REGION would close a region the
// new master recorded OPEN, a late OPEN_REGION would open one the new master placed elsewhere.
//
// Each call carries its master's fencing token (the create revision of its leader key,
// Leadership.token: larger for every later active master). A call is admitted only if
//  1. its token is the current leader's, read from coordination when the call arrives: once
//     the deposed master's leader key is gone, none of its calls is admitted, even on a server
//     the new master has not contacted yet (one read per call; these calls are rare); and
//  2. its token is not below the largest this server has seen.
// A refused call runs nothing and fails with UnavailableError TSB_NOT_LEADER. A failed
// coordination read fails the call (retryable), as the META fence does: nothing is admitted
// unchecked.
//
// raise() is SERVER_INFO's: the new master's first SERVER_INFO to each server raises the
// largest token seen to its own and answers only after every call admitted before it has
// finished, so what the new master then learns of the server's regions stays true (a call of
// the old master either finished before, or is refused).
//
// A call without a token (tests, tools that act as no master) is not fenced. The masters
// always send one (master/term-rpc.ts).
//
// Concurrency: one event loop; the check and the admission of a call happen in one step after
// its coordination read, so a raise() that ran meanwhile is seen.

import { ErrorCodes, UnavailableError } from '../../common/errors.js';
import { AdmittedCalls } from './admitted-calls.js';

export class MasterFence {
  private largest = 0n;
  private readonly admitted = new AdmittedCalls();

  /** `currentLeaderToken` reads the active master's token from coordination (0n if there is none). */
  constructor(private readonly currentLeaderToken: () => Promise<bigint>) {}

  /** The largest token admitted or raised to so far (0n before the first). */
  get token(): bigint {
    return this.largest;
  }

  /**
   * Runs `op` (a region admin call) if `token` passes the fence (see the file comment); throws
   * UnavailableError TSB_NOT_LEADER without running it otherwise. `token` undefined: runs `op`
   * unfenced.
   */
  async admit<T>(token: bigint | undefined, op: () => Promise<T>): Promise<T> {
    if (token === undefined) return op();
    await this.checkLeader(token);
    this.check(token);
    return this.admitted.run(op);
  }

  /**
   * Raises the fence to `token` (refused like admit() when it is not the current leader's or
   * below the fence); if that raised it, waits for every call admitted before. `token`
   * undefined: does nothing.
   */
  async raise(token: bigint | undefined): Promise<void> {
    if (token === undefined) return;
    await this.checkLeader(token);
    const raised = token > this.largest;
    this.check(token);
    if (raised) await this.admitted.drain();
  }

  /** Throws TSB_NOT_LEADER unless `token` is the current leader's in coordination. */
  private async checkLeader(token: bigint): Promise<void> {
    const leader = await this.currentLeaderToken();
    if (token !== leader) throw notLeader('the master that sent this call is not the active master (its leader key is gone or was replaced)', token, leader);
  }

  /** Throws TSB_NOT_LEADER if `token` is below the largest seen; else raises the largest to it. Synchronous: after checkLeader's read. */
  private check(token: bigint): void {
    if (token < this.largest) throw notLeader('a newer active master has fenced this region server: this master is no longer the active master', token, this.largest);
    this.largest = token;
  }
}

function notLeader(message: string, token: bigint, fence: bigint): UnavailableError {
  return new UnavailableError(message, { code: ErrorCodes.NOT_LEADER, details: { token: String(token), fence: String(fence) } });
}
