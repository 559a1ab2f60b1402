// The master process (HBase HMaster): campaigns for leadership, serves the admin HTTP API
// (any master: /status, /health, /metrics; the active one: everything else) and, while
// active, runs an ActiveMaster for its term. docs/rfcs/0005-cluster.md describes the design.
//
// Usage (cli/ maps configuration onto MasterOptions):
//   const m = new Master(opts); await m.start(); ... await m.stop();
// start() resolves once the HTTP port listens (not once this master is active; see
// waitUntilActive()). stop() resigns leadership, stops the HTTP server, and leaves the
// injected coordination, object store and RPC pool open (their owner closes them).

import Fastify, { LogController } from 'fastify';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';
import type { ClusterStatusJson } from '../common/admin/admin-api.js';
import type { MasterRecord, MetaLocation, ServerRecord } from '../common/coordination/cluster-keys.js';
import { clusterKeys } from '../common/coordination/cluster-keys.js';
import { ErrorCodes, UnavailableError } from '../common/errors.js';
import { ActiveMaster } from './active-master.js';
import { registerAdminRoutes } from './admin-http.js';
import { Election } from './election.js';
import type { LeaderTerm } from './leader-term.js';
import type { MasterOptions, ResolvedMasterOptions } from './master-options.js';
import { resolveMasterOptions } from './master-options.js';
import { masterMetrics } from './master-metrics.js';
import { locationJson } from './region-states.js';
import { inTransition } from './region-states.js';
import { isRetiredParent } from '../common/admin/admin-api.js';
import { interruptibleSleep } from './sleep.js';
import { renderStatusPage } from './status-page.js';

/** How long an admin request waits for a newly active master to finish reconciling. */
const READY_WAIT_MS = 30_000;

export class Master {
  readonly options: ResolvedMasterOptions;
  private app: FastifyInstance | undefined;
  private election: Election | undefined;
  private activeMaster: ActiveMaster | undefined;
  private readonly registry: Registry;
  private address: string | undefined;
  private stopped = false;

  constructor(opts: MasterOptions) {
    this.options = resolveMasterOptions(opts);
    this.registry = masterMetrics(() => this.activeMaster);
  }

  /** `host:port` of the admin HTTP API (after start()). */
  get httpAddress(): string {
    if (this.address === undefined) throw new UnavailableError('master not started');
    return this.address;
  }

  /** True while this master is active (its term running). */
  get isActive(): boolean {
    return this.election?.isLeader === true;
  }

  /** The running ActiveMaster (tests and the status page). */
  get active(): ActiveMaster | undefined {
    return this.activeMaster?.term.active === true ? this.activeMaster : undefined;
  }

  /** Listens on the HTTP port and starts campaigning. */
  async start(): Promise<void> {
    const o = this.options;
    const app = Fastify({ loggerInstance: o.logger as FastifyBaseLogger, logController: new LogController({ disableRequestLogging: true }), bodyLimit: 16 * 1024 * 1024 }) as unknown as FastifyInstance;
    registerAdminRoutes(app, {
      active: () => this.requireActive(),
      status: () => this.status(),
      statusPage: async () => {
        const a = this.active;
        const tables = a !== undefined ? await a.tableOps.list() : undefined;
        return renderStatusPage(await this.status(), this.httpAddress, tables);
      },
      registry: this.registry,
    });
    await app.listen({ host: o.bindHost, port: o.httpPort });
    this.app = app;
    const addr = app.server.address();
    const port = typeof addr === 'object' && addr !== null ? addr.port : o.httpPort;
    this.address = `${o.host}:${port}`;
    const keys = clusterKeys(o.clusterName);
    const record: MasterRecord = { httpAddress: this.address, startCode: o.startCode };
    this.election = new Election({
      coordination: o.coordination,
      electionKey: keys.masterElection,
      backupsPrefix: `${keys.masterPrefix}backups/`,
      record,
      ttlMs: o.sessionTtlMs,
      clock: o.clock,
      logger: o.logger,
      onElected: (term) => this.runTerm(term),
    });
    this.election.start();
    o.logger.info({ http: this.address, cluster: o.clusterName }, 'master started');
  }

  /** Resolves once this master is active and reconciled (or rejects with UnavailableError after `timeoutMs`). */
  async waitUntilActive(timeoutMs = 60_000): Promise<void> {
    const clock = this.options.clock;
    const deadline = clock.monotonicMs() + timeoutMs;
    for (;;) {
      const a = this.active;
      if (a !== undefined) {
        await a.whenReady(Math.max(0, deadline - clock.monotonicMs()));
        return;
      }
      if (clock.monotonicMs() >= deadline || this.stopped) throw new UnavailableError('this master did not become active in time');
      await interruptibleSleep(clock, 50, () => this.stopped);
    }
  }

  /** Resigns, stops every background task and the HTTP server. Idempotent. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await this.election?.stop();
    await this.app?.close();
    this.options.logger.info({ http: this.address }, 'master stopped');
  }

  private async runTerm(term: LeaderTerm): Promise<void> {
    const a = new ActiveMaster(term, this.options);
    this.activeMaster = a;
    try {
      await a.run();
    } finally {
      if (this.activeMaster === a) this.activeMaster = undefined;
    }
  }

  private async requireActive(): Promise<ActiveMaster> {
    const a = this.active;
    if (a === undefined) {
      const leader = await this.election?.leader().catch(() => undefined);
      throw new UnavailableError('this master is a standby; send admin requests to the active master', {
        code: ErrorCodes.NOT_LEADER,
        details: { leader: leader?.httpAddress ?? '' },
      });
    }
    await a.whenReady(READY_WAIT_MS);
    return a;
  }

  /** ClusterStatusJson: from the active master's state, or (on a standby) from coordination. */
  private async status(): Promise<ClusterStatusJson> {
    const o = this.options;
    const keys = clusterKeys(o.clusterName);
    const leader = await this.election?.leader();
    const masters = (await this.election?.masters()) ?? [];
    const activeMaster = leader?.httpAddress ?? '';
    const backupMasters = masters.filter((m) => m !== activeMaster);
    const a = this.active;
    const metaEntry = await o.coordination.get(keys.metaLocation);
    const metaLocation = metaEntry !== undefined ? (JSON.parse(metaEntry.value.toString('utf8')) as MetaLocation) : undefined;
    if (a !== undefined) {
      const regions = a.states.all();
      return {
        clusterId: o.clusterName,
        activeMaster,
        backupMasters,
        servers: [...a.tracker.servers().values()],
        deadServers: [...a.tracker.deadServers()],
        regionsInTransition: regions.filter((n) => inTransition(n.state)).map(locationJson),
        tables: (await a.tables.listTables()).length,
        regions: regions.filter((n) => !isRetiredParent(n.state)).length,
        balancerEnabled: await a.regionOps.balancerEnabled(),
        ...(metaLocation !== undefined ? { metaLocation } : {}),
      };
    }
    const servers = (await o.coordination.list(keys.serversPrefix)).entries.map((e) => JSON.parse(e.value.toString('utf8')) as ServerRecord);
    const tables = (await o.coordination.list(keys.tablesPrefix)).entries.length;
    const sw = await o.coordination.get(`${keys.masterPrefix}balancer`);
    return {
      clusterId: o.clusterName,
      activeMaster,
      backupMasters,
      servers,
      deadServers: [],
      regionsInTransition: [],
      tables,
      regions: servers.reduce((s, r) => s + (r.load?.regions ?? 0), 0),
      balancerEnabled: sw === undefined ? true : (JSON.parse(sw.value.toString('utf8')) as { enabled: boolean }).enabled,
      ...(metaLocation !== undefined ? { metaLocation } : {}),
    };
  }
}
