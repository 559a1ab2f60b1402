// Active/standby election (docs/rfcs/0005-cluster.md "Election"). Every master campaigns in
// clusterKeys(cluster).masterElection with its MasterRecord; the winner runs a LeaderTerm
// until its lease or leader key is lost, then campaigns again as a standby. Each master also
// keeps a leased key master/backups/<httpAddress> so the status page can list the standbys.
//
// Concurrency: one campaign loop per Election; `onElected` runs the term and must return
// once `term.ended` resolves (after stopping what it started).

import type { Logger } from 'pino';
import type { Clock } from '../common/clock.js';
import type { MasterRecord } from '../common/coordination/cluster-keys.js';
import type { Coordination, Lease } from '../common/coordination/coordination.js';
import { UnavailableError } from '../common/errors.js';
import { LeaderTerm } from './leader-term.js';

export interface ElectionOptions {
  readonly coordination: Coordination;
  readonly electionKey: string;
  /** Prefix of the standby registrations (`.../master/backups/`). */
  readonly backupsPrefix: string;
  readonly record: MasterRecord;
  readonly ttlMs: number;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Runs one term; resolves after the term ended and its work stopped. */
  readonly onElected: (term: LeaderTerm) => Promise<void>;
}

export class Election {
  private readonly stopController = new AbortController();
  private loop: Promise<void> | undefined;
  private term: LeaderTerm | undefined;
  private terms = 0;

  constructor(private readonly o: ElectionOptions) {}

  /** True while this master is the active one. */
  get isLeader(): boolean {
    return this.term?.active === true;
  }

  get currentTerm(): LeaderTerm | undefined {
    return this.term?.active === true ? this.term : undefined;
  }

  /** Starts campaigning (returns at once). */
  start(): void {
    this.loop ??= this.run();
  }

  /** The active master's record, if any (read from coordination). */
  async leader(): Promise<MasterRecord | undefined> {
    const v = await this.o.coordination.leader(this.o.electionKey);
    if (v === undefined) return undefined;
    try {
      return JSON.parse(v.toString('utf8')) as MasterRecord;
    } catch {
      return undefined;
    }
  }

  /** httpAddresses of every registered master (active and standbys). */
  async masters(): Promise<string[]> {
    const { entries } = await this.o.coordination.list(this.o.backupsPrefix);
    return entries.map((e) => e.key.slice(this.o.backupsPrefix.length));
  }

  /** Stops campaigning; ends the current term (resigning) and waits for it to wind down. */
  async stop(): Promise<void> {
    this.stopController.abort(new UnavailableError('master stopping'));
    this.term?.end(new UnavailableError('master stopping'));
    await this.loop;
  }

  private async run(): Promise<void> {
    const { coordination, logger } = this.o;
    const stop = this.stopController.signal;
    let backoff = 100;
    while (!stop.aborted) {
      let lease: Lease | undefined;
      try {
        lease = await coordination.grantLease(this.o.ttlMs);
        await coordination.put(this.o.backupsPrefix + this.o.record.httpAddress, Buffer.from(JSON.stringify(this.o.record)), { lease });
        const leadership = await coordination.campaign(this.o.electionKey, Buffer.from(JSON.stringify(this.o.record)), lease, stop);
        backoff = 100;
        const term = new LeaderTerm(++this.terms, leadership.token, leadership.fence);
        this.term = term;
        leadership.onLost((cause) => term.end(cause));
        lease.onLost((cause) => term.end(cause));
        if (!leadership.isLeader || lease.lost) term.end(new UnavailableError('leadership lost at once'));
        logger.info({ term: term.number, token: String(term.token), master: this.o.record.httpAddress }, 'became the active master');
        await this.o.onElected(term);
        logger.info({ term: term.number }, 'no longer the active master');
        await leadership.resign().catch(() => undefined);
      } catch (e) {
        if (stop.aborted) break;
        logger.warn({ err: e }, 'master election failed; retrying');
        await Promise.race([this.o.clock.sleep(backoff), new Promise((r) => stop.addEventListener('abort', r, { once: true }))]);
        backoff = Math.min(backoff * 2, 5000);
      } finally {
        await lease?.revoke().catch(() => undefined);
      }
    }
  }
}
