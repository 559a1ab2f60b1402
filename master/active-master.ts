// Everything the master runs while it is the active one, for one LeaderTerm: the server
// tracker, the assignment manager, the catalog, DDL and region operations, crash recovery,
// and the chores (balancer, re-assign, catalog janitor). Built when the term starts, stopped when it ends; a
// new term builds a new one from coordination and META (reconcile.ts).

import type { Logger } from 'pino';
import type { ServerRecord } from '../common/coordination/cluster-keys.js';
import { clusterKeys } from '../common/coordination/cluster-keys.js';
import { ErrorCodes, errorCode, UnavailableError } from '../common/errors.js';
import { AdminNonces } from './admin-nonces.js';
import { AssignmentManager } from './assignment-manager.js';
import { Catalog } from './catalog.js';
import { CatalogJanitor } from './catalog-janitor.js';
import type { LeaderTerm } from './leader-term.js';
import { FencedCoordination } from './fenced-coordination.js';
import type { ResolvedMasterOptions } from './master-options.js';
import { reassignStragglers, reconcile } from './reconcile.js';
import { RegionOperations } from './region-operations.js';
import { RegionStates } from './region-states.js';
import { interruptibleSleep } from './sleep.js';
import { recoverDeadServer } from './server-crash.js';
import { ServerTracker } from './server-tracker.js';
import { TableOperations } from './table-operations.js';
import { TableStore } from './table-store.js';
import { TermRpcPool } from './term-rpc.js';
import { WalRecovery } from './wal-recovery.js';

export class ActiveMaster {
  readonly tracker: ServerTracker;
  readonly states = new RegionStates();
  readonly am: AssignmentManager;
  readonly catalog: Catalog;
  readonly tables: TableStore;
  readonly tableOps: TableOperations;
  readonly regionOps: RegionOperations;
  readonly recovery: WalRecovery;
  readonly janitor: CatalogJanitor;
  /** Nonces of admin operations (admin-http.ts runs nonce-carrying requests through it). */
  readonly nonces: AdminNonces;
  /** Resolves once reconcile finished (DDL waits for it). */
  readonly ready: Promise<void>;
  serverCrashes = 0;
  private readyResolve!: () => void;
  private isReady = false;
  private readonly pendingDead: { name: string; rec: ServerRecord }[] = [];
  private readonly background = new Set<Promise<unknown>>();
  private readonly logger: Logger;
  private readonly coordination: FencedCoordination;
  private readonly rpc: TermRpcPool;

  constructor(
    readonly term: LeaderTerm,
    private readonly o: ResolvedMasterOptions,
  ) {
    const keys = clusterKeys(o.clusterName);
    this.logger = o.logger.child({ term: term.number });
    this.ready = new Promise((r) => (this.readyResolve = r));
    // Every coordination write of this term carries its fence (fenced-coordination.ts).
    const coordination = new FencedCoordination(o.coordination, term);
    this.coordination = coordination;
    // Every region admin call of this term carries its token (term-rpc.ts).
    const rpc = new TermRpcPool(o.rpc, term);
    this.rpc = rpc;
    this.tables = new TableStore(coordination, o.clusterName);
    this.recovery = new WalRecovery(o.objectStore, o.walBackend, term, o.clock, this.logger);
    this.tracker = new ServerTracker(
      coordination,
      keys.serversPrefix,
      {
        added: () => undefined,
        stopping: (rec) => this.spawn('drain', () => this.ready.then(() => this.regionOps.drain(rec.serverName))),
        removed: (name, rec) => {
          if (!this.isReady) this.pendingDead.push({ name, rec });
          else this.onServerDead(name);
        },
      },
      this.logger,
    );
    this.am = new AssignmentManager({
      term,
      tracker: this.tracker,
      rpc,
      tables: this.tables,
      states: this.states,
      recovery: this.recovery,
      coordination,
      metaLocationKey: keys.metaLocation,
      clock: o.clock,
      logger: this.logger,
      maxAssignAttempts: o.maxAssignAttempts,
      regionRpcTimeoutMs: o.regionRpcTimeoutMs,
      metaRpcTimeoutMs: o.metaRpcTimeoutMs,
    });
    this.catalog = new Catalog({
      rpc,
      clock: o.clock,
      locateMeta: () => this.am.locateMeta(),
      timeoutMs: o.metaRpcTimeoutMs,
      assertActive: () => term.assertActive(),
      token: term.token,
    });
    this.am.catalog = this.catalog;
    this.tableOps = new TableOperations({
      term,
      am: this.am,
      catalog: this.catalog,
      tables: this.tables,
      objectStore: o.objectStore,
      clock: o.clock,
      logger: this.logger,
      concurrency: o.assignConcurrency,
      openTimeoutMs: o.regionRpcTimeoutMs,
    });
    this.regionOps = new RegionOperations({
      term,
      am: this.am,
      tableOps: this.tableOps,
      tracker: this.tracker,
      rpc,
      coordination,
      balancerKey: `${keys.masterPrefix}balancer`,
      clock: o.clock,
      logger: this.logger,
      regionRpcTimeoutMs: o.regionRpcTimeoutMs,
      balancerMoveIntervalMs: o.balancerMoveIntervalMs,
      balancerMaxMoves: o.balancerMaxMoves,
      concurrency: o.assignConcurrency,
    });
    this.janitor = new CatalogJanitor({
      term,
      am: this.am,
      catalog: this.catalog,
      objectStore: o.objectStore,
      clock: o.clock,
      logger: this.logger,
      retainMs: o.splitParentRetainMs,
    });
    this.nonces = new AdminNonces({
      coordination,
      prefix: keys.adminNoncesPrefix,
      token: term.token,
      clock: o.clock,
      graceMs: o.adminNonceGraceMs,
      logger: this.logger,
    });
  }

  /** Runs the term: tracker, reconcile, chores; resolves once the term has ended and everything stopped. */
  async run(): Promise<void> {
    const keys = clusterKeys(this.o.clusterName);
    try {
      await this.tracker.start();
      await reconcile({
        term: this.term,
        am: this.am,
        catalog: this.catalog,
        tables: this.tables,
        tracker: this.tracker,
        rpc: this.rpc,
        coordination: this.coordination,
        metaLocationKey: keys.metaLocation,
        clock: this.o.clock,
        logger: this.logger,
        concurrency: this.o.assignConcurrency,
        rpcTimeoutMs: this.o.metaRpcTimeoutMs,
      });
      this.isReady = true;
      this.readyResolve();
      // A truncate the previous master left half done is finished in the background (under the
      // table's DDL lock; if it fails, running truncate again finishes it).
      this.spawn('resuming interrupted truncates', () => this.tableOps.resumeTruncates());
      for (const d of this.pendingDead.splice(0)) this.onServerDead(d.name);
      for (const s of this.tracker.servers().values()) if (s.stopping === true) this.spawn('drain', () => this.regionOps.drain(s.serverName));
      this.chore('balancer', this.o.balancerPeriodMs, () => this.regionOps.balance());
      this.chore('catalog janitor', this.o.catalogJanitorPeriodMs, () => this.janitor.run());
      this.chore('admin nonce expiry', Math.min(60_000, Math.max(1_000, Math.floor(this.o.adminNonceGraceMs / 4))), () => this.nonces.expire());
      this.chore('reassign', this.o.reassignChorePeriodMs, () =>
        reassignStragglers({ am: this.am, tables: this.tables, tracker: this.tracker, logger: this.logger, concurrency: this.o.assignConcurrency }),
      );
      await this.term.ended;
    } catch (e) {
      if (this.term.active) {
        this.logger.error({ err: e }, 'active master failed; giving up leadership');
        this.term.end(e instanceof Error ? e : new Error(String(e)));
      }
    } finally {
      await this.tracker.stop().catch(() => undefined);
      await Promise.allSettled([...this.background]);
    }
  }

  /** Waits for reconcile (up to `timeoutMs`); throws UnavailableError if not ready, TSB_NOT_LEADER if the term ended. */
  async whenReady(timeoutMs: number): Promise<void> {
    this.term.assertActive();
    if (!this.isReady) await interruptibleSleep(this.o.clock, timeoutMs, () => this.isReady || !this.term.active, Promise.race([this.ready, this.term.ended]));
    this.term.assertActive();
    if (!this.isReady) throw new UnavailableError('the master is still starting (bringing hbase:meta online); retry shortly');
  }

  private onServerDead(name: string): void {
    this.serverCrashes++;
    this.spawn('server crash recovery', () =>
      recoverDeadServer({ term: this.term, am: this.am, tracker: this.tracker, tables: this.tables, recovery: this.recovery, logger: this.logger, concurrency: this.o.assignConcurrency }, name),
    );
  }

  private spawn(what: string, fn: () => Promise<unknown>): void {
    const p = fn()
      .catch((e: unknown) => {
        if (errorCode(e) !== ErrorCodes.NOT_LEADER) this.logger.error({ err: e }, `${what} failed`);
      })
      .finally(() => this.background.delete(p));
    this.background.add(p);
  }

  private chore(what: string, periodMs: number, fn: () => Promise<unknown>): void {
    if (periodMs <= 0) return;
    this.spawn(`${what} chore`, async () => {
      for (;;) {
        await this.term.pause(this.o.clock, periodMs);
        try {
          await fn();
        } catch (e) {
          if (errorCode(e) === ErrorCodes.NOT_LEADER) throw e;
          this.logger.warn({ err: e }, `${what} chore failed`);
        }
      }
    });
  }
}
