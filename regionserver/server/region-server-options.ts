// What a region server is started with (`tsbase regionserver`, and inside `tsbase standalone`).
// The config engineer maps settings (common/config) onto these; defaults follow HBase's.
//
//   option                   default          HBase setting it mirrors
//   host                     (required)       hbase.regionserver.hostname (advertised)
//   bindHost                 host             hbase.regionserver.ipc.address
//   rpcPort                  16020            hbase.regionserver.port (0 = any free port)
//   httpPort                 16030            hbase.regionserver.info.port (0 = any free port)
//   leaseTtlMs               10 s             zookeeper.session.timeout (the registration lease)
//   loadReportIntervalMs     3 s              hbase.regionserver.msginterval
//   scannerLeaseMs           60 s             hbase.client.scanner.timeout.period
//   movedRegionTtlMs         120 s            (HBase's moved-regions cache keeps entries 2 minutes)
//   nonceGracePeriodMs       30 min           hbase.server.hashNonce.gracePeriod
//   stopWaitMs               60 s             how long stop() waits for the master to move regions away
//   maxValueBytes            10 MiB           hbase.client.keyvalue.maxsize
//   maxScanResultBytes       2 MiB            hbase.server.scanner.max.result.size
//   blockCacheBytes          256 MiB          hfile.block.cache.size (as bytes, not a heap fraction)
//   globalMemStoreBytes      40% of heap      hbase.regionserver.global.memstore.size
//   flushConcurrency         2                hbase.hstore.flusher.count
//   maxWalUnits              32               hbase.regionserver.maxlogs
//   compactionConcurrency    1                hbase.regionserver.thread.compaction.small/large
//   compactionBytesPerSec    Infinity         hbase.hstore.compaction.throughput.higher.bound
//   splitSizeBytes           10 GiB           hbase.hregion.max.filesize (a table's MAX_FILESIZE wins)
//   splitCheckIntervalMs     10 s             hbase.server.thread.wakefrequency (size checks besides
//                                             the one after each compaction)

import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { z } from 'zod';
import type { Clock } from '../../common/clock.js';
import type { Coordination } from '../../common/coordination/coordination.js';
import { ErrorCodes, InvalidError } from '../../common/errors.js';
import type { ObjectStore } from '../../common/objectstore/object-store.js';
import type { Random } from '../../common/random.js';
import type { CompactionRunner } from '../compaction/compaction-runner.js';
import type { FlushRunner } from '../region/flush-runner.js';
import type { RegionConfig } from '../region/region-config.js';
import type { RegionInfo } from '../region/region-info.js';
import type { RpcServerFactory } from './rpc-listener.js';

/** Where the server's WAL goes. */
export type WalChoice =
  /** WAL chunks on the object store (every deployment with S3): survives the pod. */
  | { readonly kind: 's3' }
  /**
   * Segment files under `dir` (standalone): each run writes `dir/<serverName>/`; on start every
   * earlier run's directory is split into recovered edits first, then deleted.
   * REQUIRES: `dir` belongs to this server alone.
   */
  | { readonly kind: 'local'; readonly dir: string; readonly syncMode?: 'fdatasync' | 'dsync' };

export interface RegionServerOptions {
  /** Host other processes reach this server at (advertised in coordination and META). */
  readonly host: string;
  /** Interface to listen on (default: host). */
  readonly bindHost?: string;
  /** Data RPC port (default 16020; 0 = any free port). */
  readonly rpcPort?: number;
  /** Status/metrics HTTP port (default 16030; 0 = any free port). */
  readonly httpPort?: number;
  /** Cluster name: the coordination key prefix (cluster-keys.ts). */
  readonly cluster: string;
  readonly coordination: Coordination;
  readonly objectStore: ObjectStore;
  readonly wal: WalChoice;
  /** Memory block cache capacity in bytes (default 256 MiB). */
  readonly blockCacheBytes?: number;
  /** Optional second block-cache tier on a local volume. */
  readonly blockCacheFileTier?: { readonly dir: string; readonly capacityBytes: number };
  /** Overrides of every region's settings (flush size, blocking store files, …). */
  readonly region?: Partial<RegionConfig>;
  /** Global MemStore upper limit in bytes (default 40% of the V8 heap limit). */
  readonly globalMemStoreBytes?: number;
  readonly flushConcurrency?: number;
  readonly maxWalUnits?: number;
  readonly compactionConcurrency?: number;
  /** Compaction throughput limit per server (default unlimited). */
  readonly compactionBytesPerSec?: number;
  /** Run compactions in worker threads (default true). */
  readonly compactionWorkers?: boolean;
  /** Where compactions run (default: worker threads, or inline when compactionWorkers is false). */
  readonly compactionRunner?: CompactionRunner;
  /** Encode large flushes in worker threads (default true). */
  readonly flushWorkers?: boolean;
  /** Where flushes encode (default: worker threads for large snapshots, or inline when flushWorkers is false). */
  readonly flushRunner?: FlushRunner;
  readonly scannerLeaseMs?: number;
  readonly leaseTtlMs?: number;
  readonly loadReportIntervalMs?: number;
  readonly movedRegionTtlMs?: number;
  /** How long applied operation nonces are remembered (nonce-manager.ts). */
  readonly nonceGracePeriodMs?: number;
  readonly stopWaitMs?: number;
  readonly maxValueBytes?: number;
  readonly maxScanResultBytes?: number;
  /** A region whose largest store grows past this asks the master to split it, unless its table sets maxFileSize (default 10 GiB). */
  readonly splitSizeBytes?: number;
  readonly splitCheckIntervalMs?: number;
  /**
   * How a size-triggered split is asked for (size-split.ts). Default: POST to the active
   * master's /api/v1/regions/<region>/split, found through coordination. `false`: never.
   */
  readonly requestSplit?: ((region: RegionInfo) => Promise<void>) | false;
  /** Largest RPC request frame accepted (default 256 MiB, hbase.ipc.max.request.size). */
  readonly maxFrameBytes?: number;
  readonly clock?: Clock;
  readonly random?: Random;
  readonly logger?: Logger;
  /** Where the metrics live (default a new registry with Node's default metrics). Share it with MetricsObjectStore. */
  readonly registry?: Registry;
  /** Starts the data RPC server (default: common/rpc/rpc-server.ts startRpcServer). */
  readonly rpcServer?: RpcServerFactory;
  /**
   * Called once when the server stopped on its own after losing its lease or its WAL (it
   * fenced itself). The CLI exits non-zero; standalone restarts or exits.
   */
  readonly onFatal?: (cause: unknown) => void;
}

/** The numeric settings after defaults. */
export interface ResolvedSettings {
  readonly rpcPort: number;
  readonly httpPort: number;
  readonly blockCacheBytes: number;
  readonly flushConcurrency: number;
  readonly maxWalUnits: number;
  readonly compactionConcurrency: number;
  readonly compactionBytesPerSec: number;
  readonly scannerLeaseMs: number;
  readonly leaseTtlMs: number;
  readonly loadReportIntervalMs: number;
  readonly movedRegionTtlMs: number;
  readonly nonceGracePeriodMs: number;
  readonly stopWaitMs: number;
  readonly maxValueBytes: number;
  readonly maxScanResultBytes: number;
  readonly splitSizeBytes: number;
  readonly splitCheckIntervalMs: number;
}

export const DEFAULT_SETTINGS: ResolvedSettings = Object.freeze({
  rpcPort: 16020,
  httpPort: 16030,
  blockCacheBytes: 256 * 1024 * 1024,
  flushConcurrency: 2,
  maxWalUnits: 32,
  compactionConcurrency: 1,
  compactionBytesPerSec: Number.POSITIVE_INFINITY,
  scannerLeaseMs: 60_000,
  leaseTtlMs: 10_000,
  loadReportIntervalMs: 3_000,
  movedRegionTtlMs: 120_000,
  nonceGracePeriodMs: 30 * 60_000,
  stopWaitMs: 60_000,
  maxValueBytes: 10 * 1024 * 1024,
  maxScanResultBytes: 2 * 1024 * 1024,
  splitSizeBytes: 10 * 1024 * 1024 * 1024,
  splitCheckIntervalMs: 10_000,
});

const port = z.number().int().min(0).max(65535);
const positiveInt = z.number().int().positive();
const schema = z.strictObject({
  rpcPort: port,
  httpPort: port,
  blockCacheBytes: positiveInt,
  flushConcurrency: positiveInt,
  maxWalUnits: positiveInt,
  compactionConcurrency: positiveInt,
  compactionBytesPerSec: z.custom<number>((v) => typeof v === 'number' && v > 0, 'expected a positive number (Infinity = unlimited)'),
  scannerLeaseMs: positiveInt,
  leaseTtlMs: z.number().int().min(1000),
  loadReportIntervalMs: positiveInt,
  movedRegionTtlMs: z.number().int().min(0),
  nonceGracePeriodMs: z.number().int().min(1000),
  stopWaitMs: z.number().int().min(0),
  maxValueBytes: positiveInt,
  maxScanResultBytes: positiveInt,
  splitSizeBytes: positiveInt,
  splitCheckIntervalMs: positiveInt,
});

/** The settings of `opts` with defaults. Throws InvalidError (TSB_INVALID_CONFIG) naming a bad one. */
export function resolveSettings(opts: RegionServerOptions): ResolvedSettings {
  const picked: Record<string, unknown> = {};
  for (const k of Object.keys(DEFAULT_SETTINGS) as (keyof ResolvedSettings)[]) picked[k] = opts[k] ?? DEFAULT_SETTINGS[k];
  const r = schema.safeParse(picked);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    const name = String(issue.path[0] ?? '');
    throw new InvalidError(`invalid region server setting ${name}: ${issue.message.toLowerCase()}`, { code: ErrorCodes.INVALID_CONFIG, details: { setting: name } });
  }
  if (opts.host.length === 0 || /[\s,/]/.test(opts.host)) {
    throw new InvalidError('invalid region server setting host: it must be a host name or address without spaces, commas or slashes', {
      code: ErrorCodes.INVALID_CONFIG,
      details: { setting: 'host', host: opts.host },
    });
  }
  return Object.freeze(r.data);
}
