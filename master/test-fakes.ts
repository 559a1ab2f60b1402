// Test support for the master's tests (not used by production code): fake region servers
// behind a fake RpcClientPool. Each fake registers a leased ServerRecord in coordination and
// answers the region admin calls; the one hosting hbase:meta serves MUTATE, META_MUTATE,
// META_FENCE and SCAN of META rows from a store shared by all fakes (as META's data lives in
// the object store and survives a move), its META calls fenced by the real MetaFence and its
// region admin calls by the real MasterFence. `kill()` expires the server's lease and makes it
// unreachable, like a crash.

import type { ServerRecord } from '../common/coordination/cluster-keys.js';
import { clusterKeys, serverName } from '../common/coordination/cluster-keys.js';
import type { Lease } from '../common/coordination/coordination.js';
import type { MemoryCoordination } from '../common/coordination/memory-coordination.js';
import { errorFromWire, errorToWire } from '../common/error-wire.js';
import { ErrorCodes, errorCode, NotServingRegionError, UnavailableError } from '../common/errors.js';
import { META_REGION } from '../common/meta/meta-row.js';
import type { TableDescriptor } from '../common/meta/table-descriptor.js';
import type { Mutation, Result } from '../common/ops/operations.js';
import type { CallOptions, HostedRegion, RpcClient, RpcClientPool, RpcMethodName, RpcRequests, RpcResponses } from '../common/rpc/rpc-messages.js';
import { isRegionAdminMethod } from '../common/rpc/rpc-messages.js';
import type { RegionInfo } from '../regionserver/region/region-info.js';
import { daughterInfos } from '../regionserver/split/split-region.js';
import { MasterFence } from '../regionserver/server/master-fence.js';
import { MetaFence } from '../regionserver/server/meta-fence.js';
import { electionLeaderToken } from '../common/coordination/election.js';
import type { CompactionBatch, CompactionJob } from '../regionserver/compaction/compaction-core.js';
import { runCompaction } from '../regionserver/compaction/compaction-core.js';
import type { CompactionRunner } from '../regionserver/compaction/compaction-runner.js';

/** META rows by row key (latin1), each a map qualifier → value. */
export class FakeMetaStore {
  readonly rows = new Map<string, Map<string, Buffer>>();
  /** META_MUTATE / META_FENCE calls refused for a stale token (TSB_NOT_LEADER), by any server. */
  refused = 0;

  apply(m: Mutation): void {
    const key = m.row.toString('latin1');
    if (m.kind === 'delete') {
      if (m.columns.length === 0) this.rows.delete(key);
      else for (const c of m.columns) this.rows.get(key)?.delete(c.qualifier?.toString('latin1') ?? '');
      return;
    }
    let row = this.rows.get(key);
    if (row === undefined) this.rows.set(key, (row = new Map()));
    for (const c of m.columns) row.set(c.qualifier.toString('latin1'), Buffer.from(c.value));
  }

  scan(start: Buffer, stop: Buffer): Result[] {
    return [...this.rows.keys()]
      .map((k) => Buffer.from(k, 'latin1'))
      .filter((k) => Buffer.compare(k, start) >= 0 && (stop.length === 0 || Buffer.compare(k, stop) < 0))
      .sort(Buffer.compare)
      .map((row) => ({
        row,
        cells: [...this.rows.get(row.toString('latin1'))!].map(([q, value]) => ({
          row,
          family: Buffer.from('info'),
          qualifier: Buffer.from(q, 'latin1'),
          timestamp: 1n,
          type: 4,
          value,
        })),
      }));
  }
}

export interface OpenRecord {
  readonly region: string;
  readonly table: TableDescriptor;
}

export class FakeRegionServer {
  readonly regions = new Map<string, RegionInfo>();
  readonly opens: OpenRecord[] = [];
  readonly calls: { method: RpcMethodName; region?: string }[] = [];
  dead = false;
  /** Make OPEN_REGION fail (with this error) for regions it returns true for. */
  failOpen: ((info: RegionInfo) => Error | undefined) | undefined;
  /** Make SPLIT_REGION fail after closing the parent (as a split that failed past its close). */
  failSplitAfterClose = false;
  /** Runs when a META_MUTATE arrives, before it is checked and applied (e.g. to hold it in flight). */
  beforeMetaMutate: ((req: RpcRequests['META_MUTATE']) => Promise<void> | void) | undefined;
  /** Runs when a region admin call arrives, before the MasterFence checks it (e.g. to hold it in flight). */
  beforeAdmin: ((method: RpcMethodName) => Promise<void> | void) | undefined;
  /** Region admin calls the MasterFence refused (TSB_NOT_LEADER). */
  adminRefused = 0;
  /** Runs before an OPEN_REGION succeeds (e.g. to check the WAL was split). */
  beforeOpen: ((info: RegionInfo) => Promise<void> | void) | undefined;
  private lease: Lease | undefined;
  /** The real server's fence on META writes; it reads the leader's token from coordination. */
  private metaFence: MetaFence | undefined;
  /** The real server's fence on the master's region admin calls. */
  private masterFence: MasterFence | undefined;
  /** Stands for the Region object of META's current opening here (MetaFence starts over per opening). */
  private metaOpening: object = {};
  private scanners = new Map<bigint, Result[]>();
  private nextScanner = 1n;
  readonly serverName: string;
  readonly rpcAddress: string;

  constructor(
    readonly host: string,
    readonly port: number,
    readonly startCode: number,
    private readonly meta: FakeMetaStore,
  ) {
    this.serverName = serverName(host, port, startCode);
    this.rpcAddress = `${host}:${port}`;
  }

  record(stopping = false): ServerRecord {
    return {
      serverName: this.serverName,
      rpcAddress: this.rpcAddress,
      httpAddress: `${this.host}:16030`,
      startCode: this.startCode,
      load: { regions: this.regions.size, requestsPerSecond: 0, readRequests: 0, writeRequests: 0, memStoreBytes: 0, storeFiles: 0, storeFileBytes: 0 },
      ...(stopping ? { stopping: true } : {}),
    };
  }

  async register(coord: MemoryCoordination, cluster: string): Promise<void> {
    const election = clusterKeys(cluster).masterElection;
    this.metaFence = new MetaFence(() => electionLeaderToken(coord, election));
    this.masterFence = new MasterFence(() => electionLeaderToken(coord, election));
    this.lease = await coord.grantLease(10_000);
    await coord.put(clusterKeys(cluster).server(this.serverName), Buffer.from(JSON.stringify(this.record())), { lease: this.lease });
  }

  async setStopping(coord: MemoryCoordination, cluster: string): Promise<void> {
    await coord.put(clusterKeys(cluster).server(this.serverName), Buffer.from(JSON.stringify(this.record(true))), { lease: this.lease! });
  }

  /** Crash: unreachable at once, then its lease expires. */
  kill(coord: MemoryCoordination): void {
    this.dead = true;
    coord.expireLease(this.lease!.id);
  }

  async handle<M extends RpcMethodName>(method: M, req: RpcRequests[M]): Promise<RpcResponses[M]> {
    const r = req as Record<string, unknown>;
    const region = typeof r['region'] === 'string' ? r['region'] : (r['info'] as RegionInfo | undefined)?.encodedName;
    this.calls.push({ method, ...(region !== undefined ? { region } : {}) });
    if (!isRegionAdminMethod(method)) return (await this.dispatch(method, req)) as RpcResponses[M];
    await this.beforeAdmin?.(method);
    const token = (req as { token?: bigint }).token;
    try {
      if (method === 'SERVER_INFO') {
        await this.masterFence!.raise(token);
        return (await this.dispatch(method, req)) as RpcResponses[M];
      }
      return (await this.masterFence!.admit(token, () => this.dispatch(method, req))) as RpcResponses[M];
    } catch (e) {
      if (errorCode(e) === ErrorCodes.NOT_LEADER) this.adminRefused++;
      throw e;
    }
  }

  /** Runs a META call through the fence, counting refusals (TSB_NOT_LEADER) in the shared META store. */
  private async fenced(call: () => Promise<void>): Promise<void> {
    try {
      await call();
    } catch (e) {
      if (errorCode(e) === ErrorCodes.NOT_LEADER) this.meta.refused++;
      throw e;
    }
  }

  private hosted(region: string): RegionInfo {
    const info = this.regions.get(region);
    if (info === undefined) throw new NotServingRegionError('region not served here', { details: { region, server: this.serverName } });
    return info;
  }

  private async dispatch(method: RpcMethodName, req: unknown): Promise<unknown> {
    switch (method) {
      case 'OPEN_REGION': {
        const { info, table } = req as RpcRequests['OPEN_REGION'];
        const err = this.failOpen?.(info);
        if (err !== undefined) throw err;
        await this.beforeOpen?.(info);
        this.regions.set(info.encodedName, info);
        if (info.encodedName === META_REGION.encodedName) this.metaOpening = {};
        this.opens.push({ region: info.encodedName, table });
        return {};
      }
      case 'CLOSE_REGION': {
        const { region } = req as RpcRequests['CLOSE_REGION'];
        this.hosted(region);
        this.regions.delete(region);
        return {};
      }
      case 'FLUSH_REGION':
      case 'COMPACT_REGION':
        this.hosted((req as { region: string }).region);
        return {};
      case 'SPLIT_REGION': {
        const { region, splitRow } = req as RpcRequests['SPLIT_REGION'];
        const parent = this.hosted(region);
        const row = splitRow ?? midRow(parent);
        const daughters = daughterInfos(parent, row, parent.regionId + 1);
        this.regions.delete(region);
        if (this.failSplitAfterClose) throw new UnavailableError('object store unavailable during split');
        return { splitRow: row, daughters };
      }
      case 'SERVER_INFO': {
        const regions: HostedRegion[] = [...this.regions.values()].map((info) => ({
          info,
          state: 'OPEN',
          memStoreBytes: 0,
          storeFiles: 0,
          storeFileBytes: 0,
          readRequests: 0,
          writeRequests: 0,
        }));
        return { serverName: this.serverName, startCode: this.startCode, regions };
      }
      case 'MUTATE': {
        const { region, mutation } = req as RpcRequests['MUTATE'];
        if (region !== META_REGION.encodedName) throw new Error('fake server only serves META data');
        this.hosted(region);
        this.meta.apply(mutation);
        return {};
      }
      case 'META_MUTATE': {
        const { token, mutation } = req as RpcRequests['META_MUTATE'];
        this.hosted(META_REGION.encodedName);
        await this.beforeMetaMutate?.(req as RpcRequests['META_MUTATE']);
        await this.fenced(() => this.metaFence!.admit(this.metaOpening, token, async () => this.meta.apply(mutation)));
        return {};
      }
      case 'META_FENCE': {
        this.hosted(META_REGION.encodedName);
        await this.fenced(() => this.metaFence!.raise(this.metaOpening, (req as RpcRequests['META_FENCE']).token));
        return {};
      }
      case 'SCAN_OPEN': {
        const { region, scan, rows } = req as RpcRequests['SCAN_OPEN'];
        this.hosted(region);
        const all = this.meta.scan(scan.startRow ?? Buffer.alloc(0), scan.stopRow ?? Buffer.alloc(0));
        const id = this.nextScanner++;
        const first = all.splice(0, rows);
        if (all.length > 0) this.scanners.set(id, all);
        return { scannerId: id, results: first, moreInRegion: all.length > 0 };
      }
      case 'SCAN_NEXT': {
        const { scannerId, rows } = req as RpcRequests['SCAN_NEXT'];
        const rest = this.scanners.get(scannerId) ?? [];
        const batch = rest.splice(0, rows);
        if (rest.length === 0) this.scanners.delete(scannerId);
        return { results: batch, moreInRegion: rest.length > 0 };
      }
      case 'SCAN_CLOSE':
        this.scanners.delete((req as RpcRequests['SCAN_CLOSE']).scannerId);
        return {};
      default:
        throw new Error(`fake region server does not implement ${method}`);
    }
  }
}

/** A row strictly inside the region (for splits without a split row). */
function midRow(info: RegionInfo): Buffer {
  const lo = info.startKey.length > 0 ? info.startKey[0]! : 0;
  const hi = info.endKey.length > 0 ? info.endKey[0]! : 256;
  const mid = Math.floor((lo + hi) / 2);
  return mid > lo ? Buffer.from([mid]) : Buffer.concat([info.startKey, Buffer.from([0x80])]);
}

/** A pool routing calls to fakes by rpcAddress; calls go through the wire form of errors. */
export class FakePool implements RpcClientPool {
  readonly servers = new Map<string, FakeRegionServer>();

  add(s: FakeRegionServer): void {
    this.servers.set(s.rpcAddress, s);
  }

  client(address: string): RpcClient {
    return {
      address,
      call: async <M extends RpcMethodName>(method: M, request: RpcRequests[M], opts?: CallOptions): Promise<RpcResponses[M]> => {
        await Promise.resolve();
        const s = this.servers.get(address);
        if (s === undefined || s.dead) throw new UnavailableError('connection refused', { details: { address } });
        const answer = s.handle(method, request).catch((e: unknown) => {
          throw errorFromWire(errorToWire(e));
        });
        if (opts?.timeoutMs === undefined) return answer;
        // As the real client: TSB_TIMEOUT after timeoutMs; the late answer is dropped.
        let timer: NodeJS.Timeout | undefined;
        const timedOut = new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new UnavailableError('rpc call timed out', { code: ErrorCodes.TIMEOUT, details: { address, method } })), opts.timeoutMs);
        });
        answer.catch(() => {});
        try {
          return await Promise.race([answer, timedOut]);
        } finally {
          clearTimeout(timer);
        }
      },
      close: () => Promise.resolve(),
    };
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

// ---- a whole fake cluster -------------------------------------------------------------------

import { MemoryCoordination as MemCoord } from '../common/coordination/memory-coordination.js';
import { MemoryObjectStore } from '../common/objectstore/memory-store.js';
import type { MetaRow } from '../common/meta/meta-row.js';
import { metaTablePrefix, parseMetaRow } from '../common/meta/meta-row.js';
import { Master } from './master.js';
import type { MasterOptions } from './master-options.js';

export const CLUSTER = 'test';

export class FakeCluster {
  readonly coord = new MemCoord();
  readonly store = new MemoryObjectStore();
  readonly meta = new FakeMetaStore();
  readonly pool = new FakePool();
  readonly servers: FakeRegionServer[] = [];
  readonly masters: Master[] = [];
  private nextStartCode = 1000;

  async addServer(name = `rs${this.servers.length}`): Promise<FakeRegionServer> {
    const s = new FakeRegionServer(name, 16020, this.nextStartCode++, this.meta);
    this.pool.add(s);
    this.servers.push(s);
    await s.register(this.coord, CLUSTER);
    return s;
  }

  async startMaster(opts: Partial<MasterOptions> = {}): Promise<Master> {
    const m = await startTestMaster({ clusterName: CLUSTER, coordination: this.coord, objectStore: this.store, rpc: this.pool }, { regionRpcTimeoutMs: 5000, metaRpcTimeoutMs: 5000, ...opts });
    this.masters.push(m);
    return m;
  }

  /** META rows of a table. */
  metaRows(table: string, namespace = 'default'): MetaRow[] {
    const prefix = metaTablePrefix(namespace, table);
    const stop = Buffer.from(prefix);
    stop[stop.length - 1]! += 1;
    return this.meta.scan(prefix, stop).map(parseMetaRow);
  }

  /** Which fake server hosts each region (encoded name → server name). */
  hosting(): Map<string, string> {
    const m = new Map<string, string>();
    for (const s of this.servers) if (!s.dead) for (const r of s.regions.keys()) m.set(r, s.serverName);
    return m;
  }

  async close(): Promise<void> {
    for (const m of this.masters) await m.stop();
    await this.coord.close();
  }
}

/** JSON over HTTP to a master: { status, body }. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- test JSON bodies are checked field by field
export async function api(m: Master, method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(`http://${m.httpAddress}/api/v1${path}`, {
    method,
    ...(body !== undefined ? { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, body: text === '' ? undefined : JSON.parse(text) };
}

/** Polls `fn` until it returns true (every 20 ms, up to `ms`). */
export async function eventually(fn: () => boolean | Promise<boolean>, ms = 10_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await fn())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * Starts a master for tests on `base` (cluster, coordination, object store, RPC pool): any free
 * HTTP port, s3 WALs, no periodic balancer or re-assign chore, no pause between moves, unless
 * `opts` says otherwise.
 */
export async function startTestMaster(base: Pick<MasterOptions, 'clusterName' | 'coordination' | 'objectStore' | 'rpc'>, opts: Partial<MasterOptions> = {}): Promise<Master> {
  const m = new Master({
    host: '127.0.0.1',
    httpPort: 0,
    walBackend: 's3',
    balancerPeriodMs: 0,
    reassignChorePeriodMs: 0,
    balancerMoveIntervalMs: 0,
    regionRpcTimeoutMs: 20_000,
    metaRpcTimeoutMs: 10_000,
    ...base,
    ...opts,
  });
  await m.start();
  return m;
}

/** Compactions wait for a permit (Infinity: never wait). */
export class GatedRunner implements CompactionRunner {
  readonly kind = 'inline' as const;
  permits = 0;
  started = 0;
  private wake: (() => void)[] = [];

  release(n: number): void {
    this.permits += n;
    for (const w of this.wake.splice(0)) w();
  }

  async *run(job: CompactionJob): AsyncGenerator<CompactionBatch> {
    while (this.permits <= 0) await new Promise<void>((r) => this.wake.push(r));
    this.permits--;
    this.started++;
    yield* runCompaction(job);
  }
}
