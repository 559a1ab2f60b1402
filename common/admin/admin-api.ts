// The master's admin HTTP API (JSON over fastify), shared by the master (which validates
// requests with these zod schemas) and the client library's Admin (which sends them).
// Routes are listed in docs/rfcs/0005-cluster.md. Keys and rows travel as base64.
//
// Every route is under /api/v1. Errors: HTTP 400 (InvalidError), 404 (NotFoundError), 409
// (ConflictError, TSB_TABLE_DISABLED), 503 (UnavailableError, TSB_NOT_LEADER on a standby
// master), 500 otherwise; body `{ "error": WireError }` (common/error-wire.ts).
//
//   GET    /status                              ClusterStatusJson
//   GET    /meta-location                       MetaLocation (cluster-keys.ts); 503 until META is open
//   GET    /namespaces                          { namespaces: string[] }
//   POST   /namespaces                          CreateNamespaceRequest → 201 {}
//   DELETE /namespaces/:ns                      {} (409 if it still has tables)
//   GET    /tables?namespace=                   { tables: TableJson[] }
//   POST   /tables                              CreateTableRequest → 201 TableJson (once every region is open)
//   GET    /tables/:table                       TableJson         (:table is `ns:name` or `name`, URL-encoded)
//   DELETE /tables/:table                       {} (the table must be disabled)
//   POST   /tables/:table/enable | /disable     {}
//   POST   /tables/:table/truncate              TruncateRequest → {}
//   PUT    /tables/:table/families/:family      ColumnFamilyAttributes → TableJson (add or modify)
//   DELETE /tables/:table/families/:family      TableJson
//   GET    /tables/:table/regions               { regions: RegionLocationJson[] }
//   POST   /tables/:table/flush | /compact | /major_compact   {}
//   POST   /tables/:table/split                 SplitRequest → {}
//   POST   /regions/:region/flush | /compact | /major_compact  {}   (:region = encoded name)
//   POST   /regions/:region/split               SplitRequest → {}
//   POST   /regions/:region/move                MoveRequest → {}
//   POST   /regions/merge                       MergeRequest → { region: RegionInfoJson } (once the merged region is open)
//   POST   /balancer/run                        { moves: number }
//   PUT    /balancer                            BalancerSwitchRequest → { previous: boolean }
//
// Nonces (docs/rfcs/0007-admin-nonces.md): a POST, PUT or DELETE may carry the header
// `tsbase-nonce: <group>-<nonce>` (two unsigned 64-bit integers in hex, nonce ≠ 0). The master
// runs each nonce's operation at most once and answers every request with that nonce with its
// outcome; an answer given again (not by running the operation) carries
// `tsbase-nonce-replayed: 1`.

import { z } from 'zod';
import { InvalidError } from '../errors.js';
import type { OperationNonce } from '../ops/operation-nonce.js';
import { NO_NONCE } from '../ops/operation-nonce.js';
import type { WireError } from '../error-wire.js';
import type { MetaLocation, ServerRecord } from '../coordination/cluster-keys.js';
import type { TableState } from '../meta/table-descriptor.js';

export const API_PREFIX = '/api/v1';

/** Request header naming an admin operation's nonce. */
export const NONCE_HEADER = 'tsbase-nonce';
/** Answer header set when the answer is a recorded outcome given again. */
export const NONCE_REPLAYED_HEADER = 'tsbase-nonce-replayed';

/** The NONCE_HEADER value of `n`. */
export function formatAdminNonce(n: OperationNonce): string {
  return `${n.group.toString(16)}-${n.nonce.toString(16)}`;
}

/**
 * Parses a NONCE_HEADER value; throws InvalidError (TSB_INVALID_ARGUMENT) unless it is
 * `<group>-<nonce>` with 1–16 hex digits each and a non-zero nonce.
 */
export function parseAdminNonce(value: string): OperationNonce {
  const m = /^([0-9a-f]{1,16})-([0-9a-f]{1,16})$/i.exec(value);
  const n = m === null ? undefined : { group: BigInt(`0x${m[1]!}`), nonce: BigInt(`0x${m[2]!}`) };
  if (n === undefined || n.nonce === NO_NONCE) {
    throw new InvalidError(`invalid request: the ${NONCE_HEADER} header must be <group>-<nonce>, two hex numbers of up to 16 digits, the nonce not 0`, {
      details: { field: NONCE_HEADER, value: value.slice(0, 80) },
    });
  }
  return n;
}

const base64 = z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/, 'must be base64');

/** A column family as HBase attributes: { NAME: 'f', VERSIONS: '3', TTL: 'FOREVER', ... }. */
export const ColumnFamilyAttributes = z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]));
export type ColumnFamilyAttributes = z.infer<typeof ColumnFamilyAttributes>;

export const CreateNamespaceRequest = z.strictObject({ name: z.string().min(1) });
export type CreateNamespaceRequest = z.infer<typeof CreateNamespaceRequest>;

export const CreateTableRequest = z.strictObject({
  /** `ns:name` or `name`. */
  name: z.string().min(1),
  families: z.array(ColumnFamilyAttributes).min(1, 'a table needs at least one column family'),
  /** Pre-split at these rows (base64), as HBase SPLITS. */
  splitKeys: z.array(base64).optional(),
  /** Or pre-split into this many regions between startKey and endKey (HBase NUMREGIONS). */
  numRegions: z.number().int().min(1).max(10_000).optional(),
  startKey: base64.optional(),
  endKey: base64.optional(),
  maxFileSize: z.number().int().positive().optional(),
  memStoreFlushSize: z.number().int().positive().optional(),
});
export type CreateTableRequest = z.infer<typeof CreateTableRequest>;

export const TruncateRequest = z.strictObject({ preserveSplits: z.boolean().default(true) });
export type TruncateRequest = z.infer<typeof TruncateRequest>;

export const SplitRequest = z.strictObject({ splitRow: base64.optional() });
export type SplitRequest = z.infer<typeof SplitRequest>;

/** Two or more regions (encoded names) of one table, adjacent once sorted by start key. */
export const MergeRequest = z.strictObject({
  regions: z
    .array(z.string().regex(/^[0-9a-f]{32}$/, 'must be an encoded region name (32 hex digits)'))
    .min(2, 'a merge needs at least two regions')
    .max(100, 'at most 100 regions per merge')
    .refine((r) => new Set(r).size === r.length, 'must not name a region twice'),
});
export type MergeRequest = z.infer<typeof MergeRequest>;

export const MoveRequest = z.strictObject({ serverName: z.string().min(1).optional() });
export type MoveRequest = z.infer<typeof MoveRequest>;

export const BalancerSwitchRequest = z.strictObject({ enabled: z.boolean() });
export type BalancerSwitchRequest = z.infer<typeof BalancerSwitchRequest>;

/** SPLIT and MERGED: a parent region retired by a split or merge (offline for good; the catalog janitor removes it). */
export type RegionState = 'OFFLINE' | 'OPENING' | 'OPEN' | 'CLOSING' | 'CLOSED' | 'FAILED_OPEN' | 'SPLIT' | 'MERGED';

/** A parent a split or merge retired: offline for good, never assigned, never located; the catalog janitor removes it. */
export function isRetiredParent(state: RegionState): boolean {
  return state === 'SPLIT' || state === 'MERGED';
}

export interface RegionInfoJson {
  readonly namespace: string;
  readonly table: string;
  readonly startKey: string; // base64
  readonly endKey: string; // base64
  readonly regionId: number;
  readonly encodedName: string;
}

export interface RegionLocationJson {
  readonly region: RegionInfoJson;
  readonly state: RegionState;
  readonly serverName?: string;
  readonly rpcAddress?: string;
}

export interface TableJson {
  /** `ns:name`, or `name` in the default namespace. */
  readonly name: string;
  readonly namespace: string;
  readonly table: string;
  readonly state: TableState;
  readonly families: readonly Record<string, string>[];
  readonly maxFileSize?: number;
  readonly memStoreFlushSize?: number;
}

export interface ClusterStatusJson {
  readonly clusterId: string;
  readonly activeMaster: string;
  readonly backupMasters: readonly string[];
  readonly servers: readonly ServerRecord[];
  readonly deadServers: readonly string[];
  readonly regionsInTransition: readonly RegionLocationJson[];
  readonly tables: number;
  readonly regions: number;
  readonly balancerEnabled: boolean;
  readonly metaLocation?: MetaLocation;
}

export interface ErrorBody {
  readonly error: WireError;
}
