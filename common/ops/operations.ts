// The data operations of tsbase, as plain data: what a client asks a region for. The same
// shapes are used by the region engine, the RPC codec and the client library, so an operation
// crosses every layer unchanged. They follow HBase's client API (Get, Scan, Put, Delete,
// Increment, Append, CheckAndMutate).
//
// Rows, families, qualifiers and values are bytes (Buffer). Timestamps are milliseconds as
// bigint; LATEST_TIMESTAMP (common/cells/keyvalue-format.ts) means "now, assigned by the
// server". Filters travel as their JSON form (regionserver/filter/filter-json.ts).

import type { FilterJson } from '../../regionserver/filter/filter-json.js';

/** A column: a whole family (qualifier undefined) or one column. */
export interface ColumnSpec {
  readonly family: Buffer;
  readonly qualifier?: Buffer;
}

/** [min, max) in milliseconds, as HBase's TimeRange. */
export interface TimeRange {
  readonly min: bigint;
  readonly max: bigint;
}

/** Read options shared by Get and Scan. */
export interface ReadSpec {
  /** Restrict to these families/columns; empty or absent = every family. */
  readonly columns?: readonly ColumnSpec[];
  /** Versions per column to return (default 1). */
  readonly maxVersions?: number;
  readonly timeRange?: TimeRange;
  readonly filter?: FilterJson;
  /** Return delete markers and deleted cells too (HBase "raw" scan). */
  readonly raw?: boolean;
}

export interface Get extends ReadSpec {
  readonly row: Buffer;
  /** Only say whether the row exists (HBase checkExistenceOnly). */
  readonly existenceOnly?: boolean;
}

export interface Scan extends ReadSpec {
  /** Inclusive; empty/absent = from the first row. For a reversed scan: the row to start at, going down. */
  readonly startRow?: Buffer;
  /** Exclusive; empty/absent = to the last row. */
  readonly stopRow?: Buffer;
  readonly reversed?: boolean;
  /** At most this many rows in all (0/absent = no limit). */
  readonly limit?: number;
  /** At most this many cells per returned Result; a wide row comes back in several Results. */
  readonly batch?: number;
  /** Rows fetched per round trip by clients (server hint). */
  readonly caching?: number;
}

export type MutationKind = 'put' | 'delete';

/** One cell of a Put. */
export interface PutColumn {
  readonly family: Buffer;
  readonly qualifier: Buffer;
  /** Absent = LATEST_TIMESTAMP (server time). */
  readonly timestamp?: bigint;
  readonly value: Buffer;
}

export interface Put {
  readonly kind: 'put';
  readonly row: Buffer;
  readonly columns: readonly PutColumn[];
  /** Skip the WAL (HBase Durability.SKIP_WAL). Default false. */
  readonly skipWal?: boolean;
}

/**
 * One marker of a Delete, as HBase's Delete methods:
 *  - family only, no timestamp: addFamily (DeleteFamily at now);
 *  - family + timestamp, allVersions: addFamily(f, ts) (DeleteFamily ≤ ts);
 *  - family + timestamp, !allVersions and no qualifier: addFamilyVersion (DeleteFamilyVersion at ts);
 *  - family + qualifier, allVersions: addColumns (DeleteColumn ≤ ts or now);
 *  - family + qualifier, !allVersions: addColumn (Delete of the latest version, or of exactly ts).
 */
export interface DeleteColumn {
  readonly family: Buffer;
  readonly qualifier?: Buffer;
  readonly timestamp?: bigint;
  readonly allVersions: boolean;
}

export interface Delete {
  readonly kind: 'delete';
  readonly row: Buffer;
  /** Empty = delete the whole row (every family, ≤ timestamp). */
  readonly columns: readonly DeleteColumn[];
  /** Timestamp for a whole-row delete (default now). */
  readonly timestamp?: bigint;
  readonly skipWal?: boolean;
}

export type Mutation = Put | Delete;

export interface Increment {
  readonly row: Buffer;
  /** Each column's 8-byte big-endian counter is increased by `amount`. */
  readonly columns: readonly { readonly family: Buffer; readonly qualifier: Buffer; readonly amount: bigint }[];
  readonly skipWal?: boolean;
}

export interface Append {
  readonly row: Buffer;
  readonly columns: readonly { readonly family: Buffer; readonly qualifier: Buffer; readonly value: Buffer }[];
  readonly skipWal?: boolean;
}

export type CompareOp = 'LESS' | 'LESS_OR_EQUAL' | 'EQUAL' | 'NOT_EQUAL' | 'GREATER_OR_EQUAL' | 'GREATER';

/**
 * HBase checkAndMutate: if the condition holds on `row`, apply `mutations` (all to `row`)
 * atomically. `value` undefined means "the column is absent". As in HBase, the comparison is
 * `value <op> current` (e.g. LESS: the given value is less than the stored one).
 */
export interface CheckAndMutate {
  readonly row: Buffer;
  readonly family: Buffer;
  readonly qualifier: Buffer;
  readonly op: CompareOp;
  readonly value?: Buffer;
  readonly timeRange?: TimeRange;
  readonly mutations: readonly Mutation[];
}

/** A returned cell, decoded. */
export interface ResultCell {
  readonly row: Buffer;
  readonly family: Buffer;
  readonly qualifier: Buffer;
  readonly timestamp: bigint;
  /** CellType code (common/cells/keyvalue-format.ts); Put unless a raw scan returns markers. */
  readonly type: number;
  readonly value: Buffer;
}

/** The cells of one row (or part of one when Scan.batch is set), in KeyValue order. */
export interface Result {
  readonly row: Buffer;
  readonly cells: readonly ResultCell[];
}
