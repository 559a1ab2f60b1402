// Settings whose default depends on the process, and the mapping of configuration sections
// onto the options of the region server, master and client (plain objects whose field names
// are those of RegionServerOptions, MasterOptions, ConnectionOptions and BufferedMutatorOptions).
//
// Process modes: `standalone` (one process: in-process coordination, local WAL, fs object
// store under standalone.dataDir, 127.0.0.1) and `cluster` (master / regionserver processes:
// etcd, S3 WAL, an objectStore is required, the machine's host name).

import { hostname } from 'node:os';
import { join } from 'node:path';
import { getHeapStatistics } from 'node:v8';
import type { ObjectStoreConfig } from '../objectstore/open-store.js';
import type { TsbaseConfig } from './config-schema.js';
import { configError } from './load-config.js';

export type ProcessMode = 'standalone' | 'cluster';

export function coordinationKind(cfg: TsbaseConfig, mode: ProcessMode): 'etcd' | 'in-process' {
  const kind = cfg.coordination.kind ?? (mode === 'standalone' ? 'in-process' : 'etcd');
  if (kind === 'in-process' && mode !== 'standalone') {
    throw configError('coordination.kind in-process works only for standalone: cluster processes must share etcd', { setting: 'coordination.kind', value: kind });
  }
  return kind;
}

/**
 * The object store to open. Standalone defaults to an fs store under `<dataDir>/objects`;
 * cluster processes must configure one (InvalidError TSB_INVALID_CONFIG otherwise).
 */
export function objectStoreConfig(cfg: TsbaseConfig, mode: ProcessMode): ObjectStoreConfig {
  if (cfg.objectStore !== undefined) return cfg.objectStore;
  if (mode === 'standalone') return { kind: 'fs', root: join(cfg.standalone.dataDir, 'objects') };
  throw configError('objectStore is required for cluster processes (set objectStore.kind and its settings)', { setting: 'objectStore.kind' });
}

export type WalConfig = { readonly kind: 's3' } | { readonly kind: 'local'; readonly dir: string; readonly syncMode: 'fdatasync' | 'dsync' };

/** The WAL backend: local under `<dataDir>/wal` for standalone by default, s3 otherwise. */
export function walConfig(cfg: TsbaseConfig, mode: ProcessMode): WalConfig {
  const backend = cfg.wal.backend ?? (mode === 'standalone' ? 'local' : 's3');
  if (backend === 's3') return { kind: 's3' };
  return { kind: 'local', dir: cfg.wal.dir ?? join(cfg.standalone.dataDir, 'wal'), syncMode: cfg.wal.syncMode };
}

/** The advertised host: the setting, else 127.0.0.1 for standalone, else the machine's host name. */
export function advertisedHost(configured: string | undefined, mode: ProcessMode, machineHost: () => string = hostname): string {
  return configured ?? (mode === 'standalone' ? '127.0.0.1' : machineHost());
}

/** Fields of RegionServerOptions (and its `region` overrides) from the configuration. */
export function regionServerSettings(cfg: TsbaseConfig, mode: ProcessMode, heapLimitBytes = getHeapStatistics().heap_size_limit) {
  const rs = cfg.regionserver;
  return {
    host: advertisedHost(rs.host, mode),
    ...(rs.bindHost !== undefined ? { bindHost: rs.bindHost } : {}),
    rpcPort: rs.rpcPort,
    httpPort: rs.httpPort,
    cluster: cfg.cluster.name,
    wal: walConfig(cfg, mode),
    blockCacheBytes: rs.blockCacheSize,
    ...(rs.blockCacheFileDir !== undefined && rs.blockCacheFileSize !== undefined
      ? { blockCacheFileTier: { dir: rs.blockCacheFileDir, capacityBytes: rs.blockCacheFileSize } }
      : {}),
    region: {
      flushSizeBytes: rs.flushSize,
      blockingMultiplier: rs.memstoreBlockMultiplier,
      busyWaitMs: rs.busyWaitDuration,
      blockingStoreFiles: rs.blockingStoreFiles,
      blockingWaitTimeMs: rs.blockingWaitTime,
      rowLockTimeoutMs: rs.rowLockWaitDuration,
      maxCellBytes: rs.keyValueMaxSize,
    },
    globalMemStoreBytes: Math.floor(heapLimitBytes * rs.globalMemstoreFraction),
    flushConcurrency: rs.flusherCount,
    maxWalUnits: cfg.wal.maxLogs,
    compactionConcurrency: rs.compactionThreads,
    ...(rs.compactionThroughput !== undefined ? { compactionBytesPerSec: rs.compactionThroughput } : {}),
    compactionWorkers: rs.compactionWorkers,
    flushWorkers: rs.flushWorkers,
    scannerLeaseMs: rs.scannerLease,
    leaseTtlMs: cfg.coordination.sessionTimeout,
    loadReportIntervalMs: rs.msgInterval,
    movedRegionTtlMs: rs.movedRegionTtl,
    nonceGracePeriodMs: rs.nonceGracePeriod,
    stopWaitMs: rs.stopWait,
    maxValueBytes: rs.keyValueMaxSize,
    maxScanResultBytes: rs.scannerMaxResultSize,
    splitSizeBytes: rs.maxFileSize,
    maxFrameBytes: rs.rpcMaxRequestSize,
    /** Not (yet) a RegionServerOptions field: request concurrency. */
    handlerCount: rs.handlerCount,
  };
}

/** Fields of MasterOptions from the configuration. */
export function masterSettings(cfg: TsbaseConfig, mode: ProcessMode) {
  const m = cfg.master;
  return {
    host: advertisedHost(m.host, mode),
    ...(m.bindHost !== undefined ? { bindHost: m.bindHost } : {}),
    httpPort: m.httpPort,
    clusterName: cfg.cluster.name,
    walBackend: walConfig(cfg, mode).kind,
    sessionTtlMs: cfg.coordination.sessionTimeout,
    balancerPeriodMs: m.balancerPeriod,
    balancerMoveIntervalMs: m.balancerMoveInterval,
    ...(m.balancerMaxMoves !== undefined ? { balancerMaxMoves: m.balancerMaxMoves } : {}),
    maxAssignAttempts: m.maxAssignAttempts,
    regionRpcTimeoutMs: m.regionRpcTimeout,
    metaRpcTimeoutMs: m.metaRpcTimeout,
    reassignChorePeriodMs: m.reassignChorePeriod,
    assignConcurrency: m.assignConcurrency,
    catalogJanitorPeriodMs: m.catalogJanitorPeriod,
    splitParentRetainMs: m.splitParentRetain,
    adminNonceGraceMs: m.adminNonceGrace,
  };
}

/** ConnectionOptions and BufferedMutatorOptions fields from the configuration. */
export function clientSettings(cfg: TsbaseConfig) {
  const c = cfg.client;
  return {
    connection: {
      masters: [...c.masters],
      operationTimeoutMs: c.operationTimeout,
      rpcTimeoutMs: c.rpcTimeout,
      retryPauseMs: c.pause,
      scannerCaching: c.scannerCaching,
      nonces: c.nonces,
    },
    bufferedMutator: { writeBufferBytes: c.writeBufferSize, flushIntervalMs: c.writeBufferPeriodicFlush },
  };
}
