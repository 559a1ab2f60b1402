// The client library's public API (HBase's Connection / Admin / Table / BufferedMutator),
// written first so the shell, the REST gateway and the benchmarks can be built against it.
// Implementations: connection.ts, admin.ts, table.ts, buffered-mutator.ts.
//
// Data operations use the shapes of common/ops/operations.ts (Buffers for rows, families,
// qualifiers, values; bigint timestamps). Errors are the public classes of common/errors.ts:
// a call retries retryable errors (NotServingRegion, RegionMoved, RegionOpening,
// RegionTooBusy, Unavailable) with backoff until `operationTimeoutMs`, then rejects with the
// last error (UnavailableError TSB_TIMEOUT wrapping it).

import type { Append, CheckAndMutate, Delete, Get, Increment, Mutation, Put, Result, Scan } from '../common/ops/operations.js';
import type { ClusterStatusJson, ColumnFamilyAttributes, CreateTableRequest, RegionInfoJson, RegionLocationJson, TableJson } from '../common/admin/admin-api.js';

export interface ConnectionOptions {
  /** Master admin HTTP addresses (`host:port`); the client finds the active one. */
  readonly masters: readonly string[];
  /** Give up an operation (including its retries) after this long. Default 60 000 (HBase hbase.client.operation.timeout is 20 min; ours is shorter). */
  readonly operationTimeoutMs?: number;
  /** One RPC attempt's timeout. Default 10 000. */
  readonly rpcTimeoutMs?: number;
  /** First retry pause; doubles with full jitter up to 100× (HBase hbase.client.pause 100 ms). */
  readonly retryPauseMs?: number;
  /** Rows per scanner round trip when Scan.caching is unset (HBase default 100... here 1000). */
  readonly scannerCaching?: number;
  /**
   * Send a nonce with every increment, append and checkAndMutate (HBase
   * hbase.client.nonces.enabled; default true). With nonces these are retried after ambiguous
   * failures (a lost answer, a timeout) like idempotent calls, and the servers apply each at
   * most once within their nonce grace period (docs/rfcs/0006-operation-nonces.md). Without,
   * they are resent only after errors that prove they were not applied. Admin calls that
   * change something (create, delete, truncate, split, move, ...) carry a nonce too, and are
   * then resent after a lost answer; the master runs each at most once
   * (docs/rfcs/0007-admin-nonces.md).
   */
  readonly nonces?: boolean;
}

export interface BufferedMutatorOptions {
  /** Flush when buffered mutations reach this many bytes (HBase hbase.client.write.buffer, 2 MiB). */
  readonly writeBufferBytes?: number;
  /** Flush buffered mutations at least this often (HBase periodic flush; default 1000 ms, 0 = off). */
  readonly flushIntervalMs?: number;
  /**
   * Flushes that may be in flight at once (HBase hbase.client.max.perserver.tasks, 2). More
   * overlap the client's encoding with the servers' work; with more than one, a mutation that
   * is retried may land after a later one to the same row.
   */
  readonly maxInFlightFlushes?: number;
  /** Called with mutations that failed for good in a background flush. */
  readonly onError?: (errors: readonly { readonly mutation: Mutation; readonly error: Error }[]) => void;
}

/** A Result stream; closing it (or finishing iteration) releases the server-side scanner. */
export interface ResultScanner extends AsyncIterable<Result> {
  /** The next row, or undefined at the end. */
  next(): Promise<Result | undefined>;
  close(): Promise<void>;
}

export interface Table {
  /** `ns:name` or `name`. */
  readonly name: string;
  get(get: Get): Promise<Result>;
  /** Results in request order (a missing row gives a Result without cells). */
  getMany(gets: readonly Get[]): Promise<Result[]>;
  exists(get: Get): Promise<boolean>;
  put(put: Put | readonly Put[]): Promise<void>;
  delete(del: Delete | readonly Delete[]): Promise<void>;
  /** Applies every mutation (each atomic for its row); rejects with the first failure after all were attempted. */
  batch(mutations: readonly Mutation[]): Promise<void>;
  checkAndMutate(c: CheckAndMutate): Promise<boolean>;
  increment(inc: Increment): Promise<Result>;
  /** HBase incrementColumnValue: the new value. */
  incrementColumnValue(row: Buffer, family: Buffer, qualifier: Buffer, amount: bigint): Promise<bigint>;
  append(app: Append): Promise<Result>;
  /** A scanner across the table's regions (start to stop, or reversed). */
  getScanner(scan?: Scan): ResultScanner;
}

export interface BufferedMutator {
  readonly name: string;
  /** Buffers; resolves once buffered (may wait for a flush when the buffer is full — backpressure). */
  mutate(m: Mutation | readonly Mutation[]): Promise<void>;
  /** Sends everything buffered; rejects with the first failure (the rest were still attempted). */
  flush(): Promise<void>;
  /** Flushes and stops the timer. */
  close(): Promise<void>;
}

export interface Admin {
  listNamespaces(): Promise<string[]>;
  createNamespace(name: string): Promise<void>;
  deleteNamespace(name: string): Promise<void>;

  createTable(req: CreateTableRequest): Promise<TableJson>;
  deleteTable(name: string): Promise<void>;
  enableTable(name: string): Promise<void>;
  disableTable(name: string): Promise<void>;
  truncateTable(name: string, preserveSplits?: boolean): Promise<void>;
  tableExists(name: string): Promise<boolean>;
  isTableEnabled(name: string): Promise<boolean>;
  describeTable(name: string): Promise<TableJson>;
  listTables(namespace?: string): Promise<TableJson[]>;
  /** Adds the family, or modifies it if it exists (HBase alter). */
  addOrModifyColumnFamily(table: string, family: ColumnFamilyAttributes): Promise<TableJson>;
  deleteColumnFamily(table: string, family: string): Promise<TableJson>;
  getRegions(table: string): Promise<RegionLocationJson[]>;

  /** `target` is a table name or an encoded region name (as HBase's shell accepts both). */
  flush(target: string): Promise<void>;
  compact(target: string, major?: boolean): Promise<void>;
  split(target: string, splitRow?: Buffer): Promise<void>;
  /** Merges two or more adjacent regions of one table (encoded or full names) into one; resolves with it once it is open. */
  mergeRegions(regions: readonly string[]): Promise<RegionInfoJson>;
  /** Moves a region (encoded name) to `serverName`, or to a server the master picks. */
  move(region: string, serverName?: string): Promise<void>;
  /** Runs the balancer now; the number of moves it made. */
  balance(): Promise<number>;
  /** Turns the balancer on or off; the previous setting. */
  setBalancerEnabled(enabled: boolean): Promise<boolean>;
  clusterStatus(): Promise<ClusterStatusJson>;
}

export interface ConnectionLike {
  getTable(name: string): Table;
  getAdmin(): Admin;
  getBufferedMutator(name: string, opts?: BufferedMutatorOptions): BufferedMutator;
  close(): Promise<void>;
}
