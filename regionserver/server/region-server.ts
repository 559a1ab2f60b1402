// RegionServer: the process behind `tsbase regionserver` (and the region server inside
// `tsbase standalone`), HBase's HRegionServer. It hosts regions on the master's instructions
// and serves their data over the RPC.
//
// START (start()):
//   1. block cache; RPC listener (the port, maybe chosen by the OS, names the server:
//      serverName = host,rpcPort,startCode with startCode = now in ms — also the WAL's server
//      segment); until step 5 every call answers TSB_UNAVAILABLE "starting";
//   2. the WAL (server-wal.ts: for a local WAL, earlier runs are split into recovered edits first);
//   3. the flusher (global MemStore limits, WAL volume) and the compaction scheduler (worker threads);
//   4. the HTTP port (/health, /ready, /metrics, /status);
//   5. registration: `rs/<serverName>` with a ServerRecord under a lease; the load is
//      re-reported every loadReportIntervalMs; expired scanners are swept; regions grown past
//      their split size are reported to the master (size-split.ts). Now ready.
//
// CLEAN STOP (stop(), on SIGTERM): the record says `stopping: true` and opens are refused; wait
// up to stopWaitMs for the master to move the regions away; close the rest WITH a flush; stop
// compactions; delete flushed WAL units and close the WAL; revoke the lease (the key goes);
// close the ports. Nothing acknowledged is lost: every region's edits are in files, or — if a
// close failed — still in the WAL, which the master splits once the key is gone.
//
// SELF-FENCING (lease lost, or the WAL failed: fenced by the master, or broken): the server can
// no longer prove it owns its regions, so it stops acknowledging at once — the WAL writer is
// aborted (every pending append fails), every region aborts without flushing, scanners close —
// then deregisters, closes its ports and calls onFatal. Its unflushed edits are in the WAL, which
// the master fences and splits (docs/rfcs/0001-wal-fencing.md).
//
// One event loop. start() and stop() are called once each; stop() may run while a self-fence
// happens (it then resolves when the fence has finished).

import { collectDefaultMetrics, Registry } from 'prom-client';
import type { Logger } from 'pino';
import { pino } from 'pino';
import type { Clock } from '../../common/clock.js';
import { systemClock } from '../../common/clock.js';
import type { ServerRecord } from '../../common/coordination/cluster-keys.js';
import type { Lease } from '../../common/coordination/coordination.js';
import { clusterKeys, serverName as makeServerName } from '../../common/coordination/cluster-keys.js';
import { electionLeaderToken } from '../../common/coordination/election.js';
import { canDrainElsewhere } from './drain-target.js';
import { UnavailableError } from '../../common/errors.js';
import { regionInfoToJson } from '../../common/meta/meta-row.js';
import type { Random } from '../../common/random.js';
import { systemRandom } from '../../common/random.js';
import type { CallContext, RpcHandlers, RpcMethodName } from '../../common/rpc/rpc-messages.js';
import { RpcMethod } from '../../common/rpc/rpc-messages.js';
import { inlineRunner, WorkerRunner } from '../compaction/compaction-runner.js';
import { inlineFlushRunner, WorkerFlushRunner } from '../region/flush-runner.js';
import { CompactionScheduler } from '../compaction/compaction-scheduler.js';
import { ThroughputController } from '../compaction/throughput-controller.js';
import { MemStoreManager } from '../region/flush-policy.js';
import { regionConfig } from '../region/region-config.js';
import { adminHandlers } from './admin-handlers.js';
import { dataHandlers } from './data-handlers.js';
import { MovedRegions } from './moved-regions.js';
import { OnlineRegions } from './online-regions.js';
import type { Periodic } from './periodic.js';
import { cancellableSleep, every } from './periodic.js';
import { RegionLifecycle } from './region-lifecycle.js';
import type { RegionServerOptions, ResolvedSettings } from './region-server-options.js';
import { resolveSettings } from './region-server-options.js';
import type { RpcListener } from './rpc-listener.js';
import { defaultRpcServer } from './rpc-listener.js';
import { scanHandlers } from './scan-handlers.js';
import { masterSplitRequester } from './master-split-request.js';
import { SizeSplitTrigger } from './size-split.js';
import type { ServerBlockCache } from './server-block-cache.js';
import { createServerBlockCache } from './server-block-cache.js';
import { ServerMetrics } from './server-metrics.js';
import { ServerRegistration, serverLoad } from './server-registration.js';
import type { ServerWal } from './server-wal.js';
import { createServerWal } from './server-wal.js';
import type { StatusHttp } from './status-http.js';
import type { StatusDocument } from './status-page.js';
import { startStatusHttp } from './status-http.js';
import { ScannerLeases } from './scanner-leases.js';
import { NonceManager } from './nonce-manager.js';
import { MasterFence } from './master-fence.js';
import { MetaFence } from './meta-fence.js';
import { metaHandlers } from './meta-handlers.js';

export type RegionServerState = 'new' | 'starting' | 'running' | 'stopping' | 'stopped' | 'fenced';

/** The parts that exist once start() got past step 3. */
interface Parts {
  readonly wal: ServerWal;
  readonly flusher: MemStoreManager;
  readonly compactions: CompactionScheduler;
  readonly lifecycle: RegionLifecycle;
  readonly splits: SizeSplitTrigger | undefined;
}

export class RegionServer {
  readonly settings: ResolvedSettings;
  readonly clock: Clock;
  readonly random: Random;
  readonly logger: Logger;
  readonly registry: Registry;
  readonly regions: OnlineRegions;
  readonly scanners: ScannerLeases;
  /** Operation nonces of increments, appends and checkAndMutates (docs/rfcs/0006-operation-nonces.md). */
  readonly nonces: NonceManager;
  /** The fence on the active master's hbase:meta writes, while META is hosted here (meta-fence.ts). */
  readonly metaFence: MetaFence;
  /** The fence on the master's region admin calls (master-fence.ts). */
  readonly masterFence: MasterFence;
  readonly metrics: ServerMetrics;
  /**
   * The RPC handlers (what the RPC listener calls): usable in-process, e.g. by tests or an
   * embedding standalone process. Calls before start() finished answer TSB_UNAVAILABLE.
   */
  readonly handlers: RpcHandlers;

  private stateValue: RegionServerState = 'new';
  private live: RpcHandlers | undefined;
  private cache: ServerBlockCache | undefined;
  private rpc: RpcListener | undefined;
  private http: StatusHttp | undefined;
  private parts: Parts | undefined;
  private registration: ServerRegistration | undefined;
  private periodic: Periodic[] = [];
  private startCodeValue = 0;
  private serverNameValue = '';
  private lastReport = { atMs: 0, requests: 0 };
  private fencing: Promise<void> | undefined;
  private stopping: Promise<void> | undefined;

  /** Throws InvalidError (TSB_INVALID_CONFIG) for a bad option. */
  constructor(private readonly opts: RegionServerOptions) {
    this.settings = resolveSettings(opts);
    regionConfig(opts.region); // a bad region setting fails here, not at the first open
    this.clock = opts.clock ?? systemClock;
    this.random = opts.random ?? systemRandom;
    this.logger = (opts.logger ?? pino({ level: 'info' })).child({ component: 'regionserver' });
    if (opts.registry !== undefined) {
      this.registry = opts.registry;
    } else {
      this.registry = new Registry();
      collectDefaultMetrics({ register: this.registry });
    }
    this.regions = new OnlineRegions(new MovedRegions(this.clock, this.settings.movedRegionTtlMs));
    this.scanners = new ScannerLeases(this.clock, this.random, this.settings.scannerLeaseMs);
    this.nonces = new NonceManager(this.clock, this.settings.nonceGracePeriodMs);
    const election = clusterKeys(opts.cluster).masterElection;
    this.metaFence = new MetaFence(() => electionLeaderToken(opts.coordination, election));
    this.masterFence = new MasterFence(() => electionLeaderToken(opts.coordination, election));
    this.metrics = new ServerMetrics(this.registry, this.clock);
    this.handlers = this.dispatcher();
  }

  get state(): RegionServerState {
    return this.stateValue;
  }

  /** `host,port,startCode` (set by start()). */
  get serverName(): string {
    return this.serverNameValue;
  }

  get startCode(): number {
    return this.startCodeValue;
  }

  /** `host:port` of the data RPC (set by start()). */
  get rpcAddress(): string {
    return `${this.opts.host}:${this.rpc?.port ?? this.settings.rpcPort}`;
  }

  /** `host:port` of the HTTP port (set by start()). */
  get httpAddress(): string {
    return `${this.opts.host}:${this.http?.port ?? this.settings.httpPort}`;
  }

  /** The lease the registration is attached to (tests and tools). */
  get registrationLease(): Lease | undefined {
    return this.registration?.lease;
  }

  /** Size-triggered split requests sent to the master (size-split.ts). */
  get splitRequests(): number {
    return this.parts?.splits?.requested ?? 0;
  }

  /** True while registered and serving. */
  get ready(): boolean {
    return this.stateValue === 'running';
  }

  /**
   * Starts the server (see the file comment) and resolves once it is registered and serving.
   * On failure everything started is stopped again and the error is thrown: a port in use,
   * the object store or coordination unavailable (UnavailableError), a damaged earlier local
   * WAL (CorruptionError).
   */
  async start(): Promise<void> {
    if (this.stateValue !== 'new') throw new UnavailableError('region server was started already', { details: { state: this.stateValue } });
    this.stateValue = 'starting';
    const s = this.settings;
    const bindHost = this.opts.bindHost ?? this.opts.host;
    try {
      this.cache = await createServerBlockCache(s.blockCacheBytes, this.opts.blockCacheFileTier);
      this.cache.registerMetrics(this.registry);
      const rpcFactory = this.opts.rpcServer ?? defaultRpcServer;
      this.rpc = await rpcFactory({
        host: bindHost,
        port: s.rpcPort,
        handlers: this.handlers,
        maxValueBytes: s.maxValueBytes,
        ...(this.opts.maxFrameBytes !== undefined ? { maxFrameBytes: this.opts.maxFrameBytes } : {}),
        logger: this.logger.child({ component: 'rpc' }),
      });
      this.startCodeValue = this.clock.nowMs();
      this.serverNameValue = makeServerName(this.opts.host, this.rpc.port, this.startCodeValue);
      this.logger.info({ serverName: this.serverNameValue }, 'region server starting');

      const wal = await createServerWal({
        choice: this.opts.wal,
        objectStore: this.opts.objectStore,
        serverName: this.serverNameValue,
        startCode: this.startCodeValue,
        clock: this.clock,
        random: this.random,
        logger: this.logger,
        onFailure: (err) => this.fence(err, 'wal write failed'),
      });
      this.parts = this.buildParts(wal);
      this.live = this.metrics.instrument({
        ...adminHandlers({ lifecycle: this.parts.lifecycle, regions: this.regions, serverName: this.serverNameValue, startCode: this.startCodeValue, fence: this.masterFence }),
        ...dataHandlers({ regions: this.regions, maxValueBytes: s.maxValueBytes, nonces: this.nonces }),
        ...scanHandlers({ regions: this.regions, scanners: this.scanners, maxResultBytes: s.maxScanResultBytes }),
        ...metaHandlers({ regions: this.regions, maxValueBytes: s.maxValueBytes, fence: this.metaFence }),
      });
      this.metrics.registerSources({
        regions: this.regions,
        scanners: this.scanners,
        flusher: this.parts.flusher,
        compactions: this.parts.compactions,
        wal: wal.writer,
        accounting: wal.accounting,
        walSync: wal.syncStats,
      });

      this.http = await startStatusHttp(bindHost, s.httpPort, {
        registry: this.registry,
        ready: () => this.ready,
        state: () => this.stateValue,
        status: () => this.status(),
      });

      this.lastReport = { atMs: this.clock.monotonicMs(), requests: this.metrics.requests };
      this.registration = await ServerRegistration.register(this.opts.coordination, this.opts.cluster, this.record(false), s.leaseTtlMs, (cause) =>
        this.fence(cause, 'coordination lease lost'),
      );
      const logErr = (what: string) => (err: unknown) => this.logger.warn({ err }, what);
      this.periodic.push(every(this.clock, s.loadReportIntervalMs, () => this.reportLoad(), logErr('load report failed')));
      this.periodic.push(every(this.clock, Math.max(1000, Math.floor(s.scannerLeaseMs / 4)), () => this.scanners.sweep(), logErr('scanner sweep failed')));
      this.periodic.push(every(this.clock, Math.max(1000, Math.floor(s.nonceGracePeriodMs / 10)), () => this.nonces.sweep(), logErr('nonce sweep failed')));
      const splits = this.parts.splits;
      if (splits !== undefined) this.periodic.push(every(this.clock, s.splitCheckIntervalMs, () => splits.checkAll(), logErr('split check failed')));
      if (this.stateValue !== 'starting') throw new UnavailableError('region server was fenced while it started', { details: { serverName: this.serverNameValue } });
      this.stateValue = 'running';
      this.logger.info({ serverName: this.serverNameValue, rpc: this.rpcAddress, http: this.httpAddress, wal: wal.description }, 'region server ready');
    } catch (err) {
      this.logger.error({ err }, 'region server failed to start');
      if (this.fencing !== undefined) {
        await this.fencing; // the fence is shutting everything down already
      } else {
        await this.shutdown('unclean');
        this.stateValue = 'stopped';
      }
      throw err;
    }
  }

  private buildParts(wal: ServerWal): Parts {
    const s = this.settings;
    const onFlushError = (region: { name: string }, err: unknown): void => this.logger.warn({ region: region.name, err }, 'flush failed');
    const flusher = new MemStoreManager({
      ...(this.opts.globalMemStoreBytes !== undefined ? { globalUpperLimitBytes: this.opts.globalMemStoreBytes } : {}),
      accounting: wal.accounting,
      maxWalUnits: s.maxWalUnits,
      flushConcurrency: s.flushConcurrency,
      clock: this.clock,
      onError: onFlushError,
    });
    const request = this.opts.requestSplit ?? masterSplitRequester(this.opts.coordination, this.opts.cluster);
    const splits =
      request === false
        ? undefined
        : new SizeSplitTrigger({ regions: this.regions, clock: this.clock, logger: this.logger, defaultMaxFileSize: s.splitSizeBytes, requestSplit: request });
    const compactions = new CompactionScheduler({
      objectStore: this.opts.objectStore,
      clock: this.clock,
      random: this.random,
      runner: this.opts.compactionRunner ?? (this.opts.compactionWorkers === false ? inlineRunner : new WorkerRunner()),
      throttle: new ThroughputController(this.clock, { bytesPerSec: s.compactionBytesPerSec }),
      cache: this.cache!.cache,
      concurrency: s.compactionConcurrency,
      onError: (err, region) => this.logger.warn({ region: region.name, err }, 'compaction failed'),
      onCompacted: (region) => splits?.checkRegion(region.name),
    });
    const lifecycle = new RegionLifecycle({
      objectStore: this.opts.objectStore,
      serverName: this.serverNameValue,
      wal: wal.writer,
      accounting: wal.accounting,
      clock: this.clock,
      random: this.random,
      cache: this.cache!.cache,
      flushRunner: this.opts.flushRunner ?? (this.opts.flushWorkers === false ? inlineFlushRunner : new WorkerFlushRunner()),
      regionConfig: this.opts.region ?? {},
      flusher,
      compactions,
      regions: this.regions,
      scanners: this.scanners,
      nonces: this.nonces,
      logger: this.logger,
      onCloseFailed: (region, err) => this.fence(err, `region ${region} stopped with edits only in the wal`),
    });
    this.regions.onAborted = (entry) => lifecycle.regionAborted(entry, entry.region?.abortReason);
    return { wal, flusher, compactions, lifecycle, splits };
  }

  /** Handlers that forward to the live ones once start() built them. */
  private dispatcher(): RpcHandlers {
    const out: Record<string, (req: unknown, ctx: CallContext) => Promise<unknown>> = {};
    for (const method of Object.keys(RpcMethod) as RpcMethodName[]) {
      out[method] = (req, ctx) => {
        const h = this.live;
        if (h === undefined) {
          return Promise.reject(new UnavailableError('region server is starting; retry shortly', { details: { method } }));
        }
        return (h[method] as (req: unknown, ctx: CallContext) => Promise<unknown>)(req, ctx);
      };
    }
    return out as RpcHandlers;
  }

  /** The record written under the lease. */
  private record(stopping: boolean): ServerRecord {
    const now = this.clock.monotonicMs();
    const requests = this.metrics.requests;
    const load = serverLoad(this.regions, this.parts?.flusher.totalHeap ?? 0, requests - this.lastReport.requests, now - this.lastReport.atMs);
    this.lastReport = { atMs: now, requests };
    return {
      serverName: this.serverNameValue,
      rpcAddress: this.rpcAddress,
      httpAddress: this.httpAddress,
      startCode: this.startCodeValue,
      load,
      ...(stopping ? { stopping: true } : {}),
    };
  }

  private async reportLoad(): Promise<void> {
    if (this.stateValue !== 'running' && this.stateValue !== 'stopping') return;
    await this.registration?.update(this.record(this.stateValue === 'stopping'));
  }

  /** The /status document. */
  status(): StatusDocument {
    const wal = this.parts?.wal.writer.stats();
    return {
      serverName: this.serverNameValue,
      startCode: this.startCodeValue,
      rpcAddress: this.rpcAddress,
      httpAddress: this.httpAddress,
      state: this.stateValue,
      memStoreBytes: this.parts?.flusher.totalHeap ?? 0,
      scanners: this.scanners.size,
      wal: wal === undefined ? undefined : { description: this.parts!.wal.description, commits: wal.commits, entries: wal.entries, units: this.parts!.wal.accounting.unitCount },
      regions: this.regions.entries().map((e) => {
        const d = e.describe();
        return {
          ...regionInfoToJson(d.info),
          state: d.state,
          memStoreBytes: d.memStoreBytes,
          storeFiles: d.storeFiles,
          storeFileBytes: d.storeFileBytes,
          readRequests: d.readRequests,
          writeRequests: d.writeRequests,
        };
      }),
    };
  }

  /**
   * Stops cleanly (see the file comment). Resolves once stopped. Idempotent. Errors of
   * individual steps are logged, not thrown: a stop always finishes.
   */
  stop(): Promise<void> {
    this.stopping ??= this.doStop();
    return this.stopping;
  }

  private async doStop(): Promise<void> {
    if (this.stateValue === 'new') {
      this.stateValue = 'stopped';
      return;
    }
    if (this.stateValue === 'fenced' || this.stateValue === 'stopped') {
      await this.fencing;
      return;
    }
    this.stateValue = 'stopping';
    this.logger.info({ serverName: this.serverNameValue, regions: this.regions.size }, 'region server stopping');
    const parts = this.parts;
    parts?.lifecycle.stopAcceptingOpens();
    parts?.splits?.stop();
    await this.registration?.update(this.record(true)).catch((err: unknown) => this.logger.warn({ err }, 'could not mark the server stopping'));
    await this.waitForRegionsToLeave(this.settings.stopWaitMs);
    if (this.isFenced()) return this.fencing;
    let failed: string[] = [];
    if (parts !== undefined) {
      failed = await parts.lifecycle.closeAll();
      if (this.isFenced()) return this.fencing;
    }
    await this.shutdown(failed.length === 0 ? 'clean' : 'unclean');
    if (this.isFenced()) return this.fencing;
    this.stateValue = 'stopped';
    this.logger.info({ serverName: this.serverNameValue, failedCloses: failed.length }, 'region server stopped');
  }

  private isFenced(): boolean {
    return this.stateValue === 'fenced';
  }

  /**
   * Waits until no region is hosted here, or `ms` passed, or nobody can take the regions (no
   * active master, or every other server gone or stopping too: checked every second).
   */
  private async waitForRegionsToLeave(ms: number): Promise<void> {
    if (this.regions.size === 0 || ms <= 0) return;
    const sleep = cancellableSleep(this.clock, ms);
    this.regions.onChange(() => {
      if (this.regions.size === 0 || this.isFenced()) sleep.cancel();
    });
    let done = false;
    void sleep.done.finally(() => (done = true));
    const poll = async (): Promise<void> => {
      while (!done) {
        if (!(await canDrainElsewhere(this.opts.coordination, this.opts.cluster, this.serverNameValue))) {
          this.logger.info('no active master or no other live server to take the regions: closing them here');
          sleep.cancel();
          return;
        }
        await Promise.race([sleep.done, cancellableSleep(this.clock, 1000).done]);
      }
    };
    await Promise.all([sleep.done, poll()]);
  }

  /**
   * Stops compactions, closes the WAL (after deleting fully flushed units if `how` is 'clean'),
   * revokes the lease and closes the ports and the cache. Each step's errors are logged. After a
   * self-fence ('fenced') nothing waits for running compactions or WAL writes: the WAL writer
   * was aborted already, and whatever they still do cannot be acknowledged.
   */
  private async shutdown(how: 'clean' | 'unclean' | 'fenced'): Promise<void> {
    for (const p of this.periodic) p.stop();
    this.periodic = [];
    const step = async (what: string, fn: () => Promise<unknown>, wait = true): Promise<void> => {
      const p = (async () => fn())().catch((err: unknown) => this.logger.warn({ err }, `${what} failed during stop`));
      if (wait) await p;
    };
    const parts = this.parts;
    parts?.splits?.stop();
    const wait = how !== 'fenced';
    if (parts !== undefined) {
      await step('stopping compactions', () => parts.compactions.stop(), wait);
      if (how === 'clean') await step('deleting flushed wal units', () => parts.wal.writer.releaseFlushed());
      await step('closing the wal', () => parts.wal.writer.close(), wait);
      // Every edit is flushed: the next start need not split this run's local WAL.
      const discard = parts.wal.discard;
      if (how === 'clean' && discard !== undefined) await step('deleting the local wal', () => discard());
    }
    if (this.registration !== undefined) await step('deregistering', () => this.registration!.deregister());
    if (this.rpc !== undefined) await step('closing the rpc port', () => this.rpc!.close());
    if (this.http !== undefined) await step('closing the http port', () => this.http!.close());
    if (this.cache !== undefined) await step('closing the block cache', () => this.cache!.close());
  }

  /**
   * Self-fencing (see the file comment): stops acknowledging at once, then deregisters and
   * closes everything, then calls onFatal. Idempotent.
   */
  fence(cause: unknown, why: string): void {
    if (this.fencing !== undefined || this.stateValue === 'stopped' || this.stateValue === 'new') return;
    this.stateValue = 'fenced';
    this.logger.error({ err: cause, serverName: this.serverNameValue }, `region server fencing itself: ${why}`);
    const parts = this.parts;
    parts?.wal.writer.abort(`region server fenced itself: ${why}`);
    parts?.lifecycle.abortAll(cause);
    this.fencing = (async () => {
      await this.scanners.closeAll();
      await this.shutdown('fenced');
      this.logger.error({ serverName: this.serverNameValue }, 'region server stopped after fencing itself; the master splits its wal');
    })();
    void this.fencing.finally(() => this.opts.onFatal?.(cause));
  }
}
