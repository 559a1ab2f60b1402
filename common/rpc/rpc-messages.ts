// The data RPC's methods and their request/response shapes (docs/formats/rpc.md gives the
// bytes). Clients call region servers with these; the master uses the region admin calls.
// Regions are named by their encoded name (RegionInfo.encodedName).
//
// Error answers carry a WireError (common/error-wire.ts). Codes a client must handle:
//   TSB_NOT_SERVING_REGION  look the region up again (META) and retry there
//   TSB_REGION_MOVED        retry at details.location (details.server)
//   TSB_REGION_OPENING      retry here shortly
//   TSB_REGION_TOO_BUSY     backpressure: retry with backoff
//   TSB_FENCED              the server lost ownership; look the region up again
//   TSB_SCANNER_EXPIRED     reopen the scan after the last row received
//   TSB_PROTOCOL            the frame was malformed; the server closes the connection

import type { WireError } from '../error-wire.js';
import type { Append, CheckAndMutate, Get, Increment, Mutation, Result, Scan } from '../ops/operations.js';
import type { OperationNonce } from '../ops/operation-nonce.js';
import type { RegionInfo } from '../../regionserver/region/region-info.js';
import type { TableDescriptor } from '../meta/table-descriptor.js';

/** Method ids on the wire (u8). Never renumber. */
export const RpcMethod = {
  PING: 0,
  GET: 1,
  MULTI_GET: 2,
  MUTATE: 3,
  MULTI_MUTATE: 4,
  CHECK_AND_MUTATE: 5,
  INCREMENT: 6,
  APPEND: 7,
  SCAN_OPEN: 8,
  SCAN_NEXT: 9,
  SCAN_CLOSE: 10,
  META_MUTATE: 11,
  META_FENCE: 12,
  OPEN_REGION: 20,
  CLOSE_REGION: 21,
  FLUSH_REGION: 22,
  COMPACT_REGION: 23,
  SPLIT_REGION: 24,
  SERVER_INFO: 25,
  MERGE_REGIONS: 26,
} as const;
export type RpcMethodName = keyof typeof RpcMethod;

/** Outcome of one action of a multi call: a value or an error. */
export type ActionResult<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: WireError };

export interface ScanBatch {
  /** Rows (or partial rows with Scan.batch) in scan order. */
  readonly results: readonly Result[];
  /** False when the scanner reached the end of the region (or of the scan's range/limit) and was closed by the server. */
  readonly moreInRegion: boolean;
}

/** A region as a server hosts it. */
export interface HostedRegion {
  readonly info: RegionInfo;
  readonly state: 'OPENING' | 'OPEN' | 'CLOSING';
  readonly memStoreBytes: number;
  readonly storeFiles: number;
  readonly storeFileBytes: number;
  /** Reference entries (to a split or merge parent's files) its stores hold until compacted away; it cannot be split or merged until then. */
  readonly references?: number;
  readonly readRequests: number;
  readonly writeRequests: number;
}

export interface RpcRequests {
  /** Echo (health checks and the transport ceiling benchmark). */
  PING: { readonly payload: Buffer };
  GET: { readonly region: string; readonly get: Get };
  /** Gets of any regions this server hosts; answered in request order. */
  MULTI_GET: { readonly actions: readonly { readonly region: string; readonly get: Get }[] };
  /** One Put or Delete. */
  MUTATE: { readonly region: string; readonly mutation: Mutation };
  /** Mutations of any regions this server hosts, grouped by region (BufferedMutator, batch). */
  MULTI_MUTATE: { readonly actions: readonly { readonly region: string; readonly mutations: readonly Mutation[] }[] };
  /**
   * The three non-idempotent calls carry the operation's nonce when the client has nonces on
   * (docs/rfcs/0006-operation-nonces.md): a retry with the same nonce is answered, not applied
   * again (an increment/append with the columns' current values, a checkAndMutate with the
   * first attempt's outcome).
   */
  CHECK_AND_MUTATE: { readonly region: string; readonly checkAndMutate: CheckAndMutate; readonly nonce?: OperationNonce };
  INCREMENT: { readonly region: string; readonly increment: Increment; readonly nonce?: OperationNonce };
  APPEND: { readonly region: string; readonly append: Append; readonly nonce?: OperationNonce };
  /** Opens a server-side scanner and returns its first `rows` rows. */
  SCAN_OPEN: { readonly region: string; readonly scan: Scan; readonly rows: number };
  SCAN_NEXT: { readonly scannerId: bigint; readonly rows: number };
  SCAN_CLOSE: { readonly scannerId: bigint };
  /**
   * The active master's write of an hbase:meta row, fenced by its term's token: refused with
   * TSB_NOT_LEADER when a newer master's token was seen (docs/rfcs/0005-cluster.md "Fencing").
   */
  META_MUTATE: { readonly token: bigint; readonly mutation: Mutation };
  /** A new active master's first META call: raises the fence to `token`; answers once META writes admitted before it are done. */
  META_FENCE: { readonly token: bigint };
  // The region admin calls below carry the sending master's fencing token (`token`, its term's
  // Leadership.token); the server refuses a call whose token is not the current active
  // master's, or is below a newer one it has seen, with TSB_NOT_LEADER (MasterFence,
  // docs/rfcs/0005-cluster.md "Fencing"). A call without a token is not fenced (tests, tools).
  /** Opens a region here (the master's instruction); resolves once it serves requests. */
  OPEN_REGION: { readonly info: RegionInfo; readonly table: TableDescriptor; readonly epoch?: number; readonly token?: bigint };
  /**
   * Closes a region. With `destination` (a move), later requests for it get TSB_REGION_MOVED
   * naming the destination, for a while (HBase's moved-regions cache).
   */
  CLOSE_REGION: {
    readonly region: string;
    readonly flush: boolean;
    readonly destination?: { readonly serverName: string; readonly rpcAddress: string };
    readonly token?: bigint;
  };
  FLUSH_REGION: { readonly region: string; readonly token?: bigint };
  COMPACT_REGION: { readonly region: string; readonly major: boolean; readonly token?: bigint };
  /** Splits a region (closing it); the daughters are NOT opened: the master opens them. */
  SPLIT_REGION: { readonly region: string; readonly splitRow?: Buffer; readonly token?: bigint };
  /**
   * What the server hosts. With a token larger than any it has seen, it first raises its fence
   * to it and waits for the admin calls admitted before (a new master's first look).
   */
  SERVER_INFO: { readonly token?: bigint };
  /** Merges closed adjacent regions (in row order) into `merged`, which is NOT opened: the master opens it. */
  MERGE_REGIONS: { readonly regions: readonly RegionInfo[]; readonly merged: RegionInfo; readonly table: TableDescriptor; readonly token?: bigint };
}

/**
 * The region admin calls: the master's instructions and SERVER_INFO. Their bodies are JSON
 * (admin-codec.ts) and they carry the master's fencing token (see above).
 */
export const REGION_ADMIN_METHODS = ['OPEN_REGION', 'CLOSE_REGION', 'FLUSH_REGION', 'COMPACT_REGION', 'SPLIT_REGION', 'SERVER_INFO', 'MERGE_REGIONS'] as const;
export type RegionAdminMethod = (typeof REGION_ADMIN_METHODS)[number];
const regionAdminMethods: ReadonlySet<string> = new Set(REGION_ADMIN_METHODS);

export function isRegionAdminMethod(method: RpcMethodName): method is RegionAdminMethod {
  return regionAdminMethods.has(method);
}

export interface RpcResponses {
  PING: { readonly payload: Buffer };
  /** `result.cells` empty when the row has no matching cells; `exists` for existenceOnly gets. */
  GET: { readonly result: Result; readonly exists: boolean };
  MULTI_GET: { readonly results: readonly ActionResult<Result>[] };
  MUTATE: Record<string, never>;
  /**
   * One entry per action (region): an error for the whole action (e.g. NotServingRegion), or
   * one entry per mutation (null = applied).
   */
  MULTI_MUTATE: { readonly results: readonly ActionResult<readonly (WireError | null)[]>[] };
  CHECK_AND_MUTATE: { readonly processed: boolean };
  INCREMENT: { readonly result: Result };
  APPEND: { readonly result: Result };
  SCAN_OPEN: ScanBatch & { readonly scannerId: bigint };
  SCAN_NEXT: ScanBatch;
  SCAN_CLOSE: Record<string, never>;
  META_MUTATE: Record<string, never>;
  META_FENCE: Record<string, never>;
  OPEN_REGION: Record<string, never>;
  CLOSE_REGION: Record<string, never>;
  FLUSH_REGION: Record<string, never>;
  COMPACT_REGION: Record<string, never>;
  SPLIT_REGION: { readonly splitRow: Buffer; readonly daughters: readonly [RegionInfo, RegionInfo] };
  SERVER_INFO: { readonly serverName: string; readonly startCode: number; readonly regions: readonly HostedRegion[] };
  MERGE_REGIONS: Record<string, never>;
}

export interface CallOptions {
  /** Reject with UnavailableError TSB_TIMEOUT after this long (default: the client's). */
  readonly timeoutMs?: number;
}

/** One connection (or pool) to one server. Calls are multiplexed and pipelined. */
export interface RpcClient {
  readonly address: string;
  /** Sends a call; rejects with the server's error (errorFromWire) or UnavailableError on transport failure. */
  call<M extends RpcMethodName>(method: M, request: RpcRequests[M], opts?: CallOptions): Promise<RpcResponses[M]>;
  close(): Promise<void>;
}

/** Connections to many servers, keyed by `host:port`, created on first use. */
export interface RpcClientPool {
  client(address: string): RpcClient;
  close(): Promise<void>;
}

export interface CallContext {
  /** Remote `host:port`, for logs. */
  readonly peer: string;
}

/** What a server implements; a thrown error is sent back as a WireError. */
export type RpcHandlers = {
  readonly [M in RpcMethodName]: (request: RpcRequests[M], ctx: CallContext) => Promise<RpcResponses[M]>;
};
