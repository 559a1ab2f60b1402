// The fence on hbase:meta writes (docs/rfcs/0005-cluster.md "Fencing"): the server hosting
// META accepts the master's META_MUTATE only with a fencing token at least as large as the
// largest it has seen, so a deposed master's write that arrives after its successor fenced
// META changes nothing. Tokens are the masters' leader-key create revisions (Leadership.token):
// every later active master has a larger one.
//
// The largest token seen lives in memory, per opening of META: each time META opens here (a
// new Region object), the first META call reads the current leader's token from coordination
// and starts from it, so a META that moved after a failover still refuses the deposed master.
// raise() (META_FENCE) also waits for the META writes admitted before it: once it answers,
// every write the old master got in is applied, and every later one is refused, so what the
// new master reads of META afterwards stays true.
//
// Concurrency: one event loop; admit() and raise() are atomic with respect to each other
// except for the coordination read, which all callers of one opening share.

import { ErrorCodes, UnavailableError } from '../../common/errors.js';
import { AdmittedCalls } from './admitted-calls.js';

export class MetaFence {
  /** The META Region the fence belongs to (a reopening starts a new fence); weak, so a closed META is not kept alive. */
  private openedRegion: WeakRef<object> | undefined;
  private loading: Promise<void> | undefined;
  private largest = 0n;
  private readonly admitted = new AdmittedCalls();

  /** `currentLeaderToken` reads the active master's token from coordination (0n if none). */
  constructor(private readonly currentLeaderToken: () => Promise<bigint>) {}

  /** The largest token accepted so far for the current opening of META (0n before the first call). */
  get token(): bigint {
    return this.largest;
  }

  /**
   * Runs `write` (a META mutation of `region`, the hosted META Region) if `token` is not below
   * the fence; raises the fence to `token`. Throws UnavailableError TSB_NOT_LEADER otherwise,
   * without running it.
   */
  async admit<T>(region: object, token: bigint, write: () => Promise<T>): Promise<T> {
    await this.ready(region);
    this.check(token);
    return this.admitted.run(write);
  }

  /** Raises the fence to `token` (refused like admit() when below it), then waits for the META writes admitted before. */
  async raise(region: object, token: bigint): Promise<void> {
    await this.ready(region);
    this.check(token);
    await this.admitted.drain();
  }

  private check(token: bigint): void {
    if (token < this.largest) {
      throw new UnavailableError('a newer active master has fenced hbase:meta: this master is no longer the active master', {
        code: ErrorCodes.NOT_LEADER,
        details: { token: String(token), fence: String(this.largest) },
      });
    }
    this.largest = token;
  }

  private async ready(region: object): Promise<void> {
    if (this.openedRegion?.deref() !== region) {
      const opened = new WeakRef(region);
      this.openedRegion = opened;
      this.largest = 0n;
      this.admitted.clear();
      const loading = this.currentLeaderToken().then((t) => {
        if (this.openedRegion === opened && t > this.largest) this.largest = t;
      });
      this.loading = loading;
      // A failed read is retried by the next call (the error reaches this caller).
      loading.catch(() => {
        if (this.loading === loading) this.openedRegion = undefined;
      });
    }
    await this.loading;
  }
}
