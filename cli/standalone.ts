// `tsbase standalone`: a master and a region server in one process (HBase's standalone mode),
// for a laptop and for tests. Coordination is in-process (kept durable in
// <dataDir>/coordination.json, cli/durable-coordination.ts), objects are files under
// <dataDir>/objects, the WAL is segment files under <dataDir>/wal.
//
// Restart and kill -9: the region server of a new run gets a new server name; on start it
// splits the WAL directories of earlier runs into recovered edits; the master, finding META's
// and every table's regions assigned to a server that is no longer registered, assigns them
// to the new one, whose opens replay those edits. Every acknowledged write is back.
//
// One process per data dir (data-dir-lock.ts): a second standalone on the same dir refuses to
// start.
//
// Stop order: the master first (it resigns; nobody moves regions any more), then the region
// server, which closes its regions with a flush (stopWait is 0 here: there is no other server
// to move regions to), then the RPC pool, the object store and coordination.

import type { TsbaseConfig } from '../common/config/config-schema.js';
import { masterSettings, regionServerSettings } from '../common/config/config-resolve.js';
import type { Coordination } from '../common/coordination/coordination.js';
import type { ObjectStore } from '../common/objectstore/object-store.js';
import { createRpcClientPool } from '../common/rpc/rpc-client-pool.js';
import type { RpcClientPool } from '../common/rpc/rpc-messages.js';
import { Master } from '../master/master.js';
import { RegionServer } from '../regionserver/server/region-server.js';
import type { Logger } from './logger.js';
import { lockDataDir } from './data-dir-lock.js';
import { openConfiguredObjectStore, openCoordination, processRegistry } from './services.js';

export interface Standalone {
  readonly master: Master;
  readonly regionServer: RegionServer;
  /** `host:port` of the master's admin HTTP API (what clients and the shell connect to). */
  readonly masterHttp: string;
  readonly rpcAddress: string;
  readonly rsHttp: string;
  readonly dataDir: string;
  /** Clean stop (see the file comment). Idempotent. */
  stop(): Promise<void>;
}

export interface StandaloneOptions {
  readonly config: TsbaseConfig;
  readonly logger: Logger;
  /** Called if the region server fences itself (lost its WAL): the process should exit. */
  readonly onFatal?: (cause: unknown) => void;
  /** How long to wait for the master to become active and reconcile (default 120 s). */
  readonly activeTimeoutMs?: number;
}

/**
 * Starts both servers and resolves once the master is active and has reconciled (META open,
 * earlier regions reassigned). On failure stops what started and rethrows: a port in use or
 * a service unavailable (UnavailableError), a damaged data dir (CorruptionError), a bad
 * setting (InvalidError TSB_INVALID_CONFIG).
 */
export async function startStandalone(opts: StandaloneOptions): Promise<Standalone> {
  const cfg = opts.config;
  const log = opts.logger;
  const cleanups: (() => Promise<void>)[] = [];
  const runCleanups = async () => {
    for (const c of cleanups.splice(0).reverse()) {
      try {
        await c();
      } catch (e) {
        log.warn({ err: e }, 'error while stopping standalone');
      }
    }
  };
  try {
    const lock = lockDataDir(cfg.standalone.dataDir);
    cleanups.push(() => Promise.resolve(lock.release()));
    const coordination: Coordination = await openCoordination(cfg, 'standalone');
    cleanups.push(() => coordination.close());
    const registry = processRegistry();
    const objectStore: ObjectStore = await openConfiguredObjectStore(cfg, 'standalone', registry);
    cleanups.push(() => objectStore.close());
    const pool: RpcClientPool = createRpcClientPool({});
    cleanups.push(() => pool.close());

    const regionServer = new RegionServer({
      ...regionServerSettings(cfg, 'standalone'),
      // No other server to move regions to: close them (with a flush) at once.
      stopWaitMs: 0,
      coordination,
      objectStore,
      registry,
      logger: log,
      ...(opts.onFatal !== undefined ? { onFatal: opts.onFatal } : {}),
    });
    const master = new Master({ ...masterSettings(cfg, 'standalone'), coordination, objectStore, rpc: pool, logger: log });
    await master.start();
    cleanups.push(() => master.stop());
    await regionServer.start();
    cleanups.push(() => regionServer.stop());
    // Master stops before the region server (cleanups run in reverse).
    cleanups.push(() => master.stop());
    await master.waitUntilActive(opts.activeTimeoutMs ?? 120_000);
    let stopping: Promise<void> | undefined;
    return {
      master,
      regionServer,
      masterHttp: master.httpAddress,
      rpcAddress: regionServer.rpcAddress,
      rsHttp: regionServer.httpAddress,
      dataDir: cfg.standalone.dataDir,
      stop: () => (stopping ??= runCleanups()),
    };
  } catch (e) {
    await runCleanups();
    throw e;
  }
}
