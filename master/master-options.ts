// What a Master needs to run: where to listen, which cluster, and the injected services
// (coordination, object store, RPC pool, clock, logger). The CLI maps configuration settings
// onto these (cli/); tests pass in-memory implementations.

import type { Logger } from 'pino';
import { pino } from 'pino';
import type { Clock } from '../common/clock.js';
import { systemClock } from '../common/clock.js';
import type { Coordination } from '../common/coordination/coordination.js';
import type { ObjectStore } from '../common/objectstore/object-store.js';
import type { RpcClientPool } from '../common/rpc/rpc-messages.js';
import { DEFAULT_ADMIN_NONCE_GRACE_MS } from './admin-nonces.js';

/** Which WAL backend the region servers use: `s3` WALs are fenced and split by the master on a crash; `local` ones are recovered by the server itself. */
export type WalBackendKind = 's3' | 'local';

export interface MasterOptions {
  /** Host name (or address) this master advertises and binds its HTTP port on. */
  readonly host: string;
  /** Admin HTTP port (HBase hbase.master.info.port, 16010); 0 = any free port. */
  readonly httpPort?: number;
  /** Address to bind (default: `host`). */
  readonly bindHost?: string;
  /** Cluster name: the coordination prefix `/tsbase/<cluster>/` (default `default`). */
  readonly clusterName?: string;
  readonly coordination: Coordination;
  /** The cluster's object store (WAL fencing/splitting, deleting a dropped table's objects). */
  readonly objectStore: ObjectStore;
  /** Connections to region servers. The master does not close it. */
  readonly rpc: RpcClientPool;
  readonly walBackend: WalBackendKind;
  readonly clock?: Clock;
  readonly logger?: Logger;
  /** Start code (default: clock.nowMs()). */
  readonly startCode?: number;
  /** TTL of this master's coordination lease (election key); default 10 s. */
  readonly sessionTtlMs?: number;
  /** Balancer period (HBase hbase.balancer.period, 300 000 ms); 0 disables the periodic run. */
  readonly balancerPeriodMs?: number;
  /** Pause between two balancer moves (throttle); default 100 ms. */
  readonly balancerMoveIntervalMs?: number;
  /** Most moves per balancer run (default: no limit beyond the plan). */
  readonly balancerMaxMoves?: number;
  /** Attempts to open a region (on different servers) before FAILED_OPEN (HBase hbase.assignment.maximum.attempts; default 5). */
  readonly maxAssignAttempts?: number;
  /** Timeout of OPEN_REGION / CLOSE_REGION / SPLIT_REGION calls (default 120 s). */
  readonly regionRpcTimeoutMs?: number;
  /** Timeout of META reads and writes and other short calls (default 30 s). */
  readonly metaRpcTimeoutMs?: number;
  /** Period of the chore that re-assigns regions left FAILED_OPEN/OFFLINE in enabled tables (default 60 s; 0 = off). */
  readonly reassignChorePeriodMs?: number;
  /** Regions opened or closed in parallel by one DDL operation (default 16). */
  readonly assignConcurrency?: number;
  /** Period of the catalog janitor, which removes split parents no daughter needs (HBase hbase.catalogjanitor.interval, 300 000 ms; 0 = off). */
  readonly catalogJanitorPeriodMs?: number;
  /** How long a daughter's retired reference (compacted away) still keeps the split parent, for readers that opened it before (default 10 min, the store cleaner's retired TTL). */
  readonly splitParentRetainMs?: number;
  /** How long admin operation nonces and their outcomes are remembered (default 15 min; docs/rfcs/0007-admin-nonces.md). */
  readonly adminNonceGraceMs?: number;
}

export interface ResolvedMasterOptions extends Required<Omit<MasterOptions, 'bindHost'>> {
  readonly bindHost: string;
}

export function resolveMasterOptions(o: MasterOptions): ResolvedMasterOptions {
  const clock = o.clock ?? systemClock;
  return {
    ...o,
    httpPort: o.httpPort ?? 16010,
    bindHost: o.bindHost ?? o.host,
    clusterName: o.clusterName ?? 'default',
    clock,
    logger: o.logger ?? pino({ level: 'silent' }),
    startCode: o.startCode ?? clock.nowMs(),
    sessionTtlMs: o.sessionTtlMs ?? 10_000,
    balancerPeriodMs: o.balancerPeriodMs ?? 300_000,
    balancerMoveIntervalMs: o.balancerMoveIntervalMs ?? 100,
    balancerMaxMoves: o.balancerMaxMoves ?? Number.MAX_SAFE_INTEGER,
    maxAssignAttempts: o.maxAssignAttempts ?? 5,
    regionRpcTimeoutMs: o.regionRpcTimeoutMs ?? 120_000,
    metaRpcTimeoutMs: o.metaRpcTimeoutMs ?? 30_000,
    reassignChorePeriodMs: o.reassignChorePeriodMs ?? 60_000,
    assignConcurrency: o.assignConcurrency ?? 16,
    catalogJanitorPeriodMs: o.catalogJanitorPeriodMs ?? 300_000,
    splitParentRetainMs: o.splitParentRetainMs ?? 600_000,
    adminNonceGraceMs: o.adminNonceGraceMs ?? DEFAULT_ADMIN_NONCE_GRACE_MS,
  };
}
