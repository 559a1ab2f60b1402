// Recovering a dead server's WAL before any of its regions opens elsewhere
// (docs/rfcs/0005-cluster.md "Server crash"): fence the WAL so the (possibly still running)
// server can acknowledge nothing more, then split it into per-region recovered edits, which
// the regions' next hosts replay on open (regionserver/wal/wal-fence.ts, wal-split.ts).
//
// ensureRecovered(server) is the one gate every assignment passes when a region's last host
// is dead: it runs the split (or joins the one running) and resolves once it is complete.
// The split is idempotent (its manifest records the result), so a master that takes over
// simply calls it again. With the `local` WAL backend (standalone) the server recovers its
// own WAL when it restarts; there is nothing to fence or split here.

import type { Logger } from 'pino';
import type { Clock } from '../common/clock.js';
import type { ObjectStore } from '../common/objectstore/object-store.js';
import { splitWal } from '../regionserver/wal/wal-split.js';
import type { LeaderTerm } from './leader-term.js';
import type { WalBackendKind } from './master-options.js';

export class WalRecovery {
  private readonly done = new Set<string>();
  private readonly running = new Map<string, Promise<void>>();
  /** Completed splits (for metrics and tests). */
  splits = 0;

  constructor(
    private readonly store: ObjectStore,
    private readonly walBackend: WalBackendKind,
    private readonly term: LeaderTerm,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {}

  /** True once `server`'s WAL is known to be fenced and split (or needs nothing). */
  isRecovered(server: string): boolean {
    return this.walBackend === 'local' || this.done.has(server);
  }

  /**
   * Fences and splits `server`'s WAL (every incarnation), retrying transient failures with
   * backoff until it succeeds or the term ends (then UnavailableError TSB_NOT_LEADER).
   * REQUIRES: `server` is dead (its coordination key is gone). Concurrent calls share one run.
   */
  ensureRecovered(server: string): Promise<void> {
    if (this.isRecovered(server)) return Promise.resolve();
    let p = this.running.get(server);
    if (p === undefined) {
      p = this.run(server).finally(() => this.running.delete(server));
      this.running.set(server, p);
    }
    return p;
  }

  private async run(server: string): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      this.term.assertActive();
      try {
        const t0 = this.clock.monotonicMs();
        const edits = await splitWal(this.store, server, undefined, { clock: this.clock });
        this.done.add(server);
        this.splits++;
        this.logger.info({ server, regions: edits.length, ms: Math.round(this.clock.monotonicMs() - t0) }, 'dead server WAL fenced and split');
        return;
      } catch (e) {
        this.logger.error({ err: e, server, attempt }, 'WAL split of a dead server failed; retrying (its regions stay offline until it succeeds)');
        await this.term.pause(this.clock, Math.min(30_000, 500 * 2 ** Math.min(attempt, 6)));
      }
    }
  }
}
