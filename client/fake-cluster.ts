// Test support (not part of the public client): an in-memory cluster behind a fake
// RpcClientPool, and a clock for retry tests. Regions of tables are hosted by named servers;
// hbase:meta is a region on one of them and is derived from `publishMeta()` (so tests can make
// META stale on purpose). Servers answer like region servers: NotServingRegion for regions
// they do not host, RegionMoved when told where a region went, scanner leases that can be
// expired. Every call is logged, and `inject` makes chosen calls fail.
//
// Data model: one version per column (enough for routing, retries and scans).

import type { Clock } from '../common/clock.js';
import { errorFromWire, errorToWire } from '../common/error-wire.js';
import type { WireError } from '../common/error-wire.js';
import { ErrorCodes, NotFoundError, NotServingRegionError, UnavailableError } from '../common/errors.js';
import { CellType } from '../common/cells/keyvalue-format.js';
import { META_REGION, metaPut } from '../common/meta/meta-row.js';
import type { MetaRow } from '../common/meta/meta-row.js';
import type { Mutation, Result, ResultCell, Scan } from '../common/ops/operations.js';
import type { RpcClient, RpcClientPool, RpcMethodName, RpcRequests, RpcResponses } from '../common/rpc/rpc-messages.js';
import type { RegionInfo } from '../regionserver/region/region-info.js';
import { containsRow, regionInfo } from '../regionserver/region/region-info.js';
import type { RegionState } from '../common/admin/admin-api.js';

/** A clock whose short sleeps (≤ autoLimitMs) pass at once in virtual time; longer ones wait for advance(). */
export class AutoClock implements Clock {
  private now = 1_000_000;
  private sleepers: { until: number; resolve: () => void }[] = [];
  constructor(readonly autoLimitMs = 2_000) {}
  nowMs(): number {
    return this.now;
  }
  monotonicMs(): number {
    return this.now;
  }
  sleep(ms: number): Promise<void> {
    if (ms <= this.autoLimitMs) {
      return new Promise((resolve) =>
        setImmediate(() => {
          this.advance(ms);
          resolve();
        }),
      );
    }
    return new Promise((resolve) => this.sleepers.push({ until: this.now + ms, resolve }));
  }
  advance(ms: number): void {
    this.now += ms;
    const due = this.sleepers.filter((s) => s.until <= this.now);
    this.sleepers = this.sleepers.filter((s) => s.until > this.now);
    for (const s of due) s.resolve();
  }
}

export interface FakeRegion {
  info: RegionInfo;
  /** Address of the server hosting it, or undefined when offline. */
  server: string | undefined;
}

export interface CallRecord {
  readonly address: string;
  readonly method: RpcMethodName;
  readonly request: unknown;
}

type Injector = (address: string, method: RpcMethodName, request: unknown) => Error | undefined;

interface FakeScanner {
  readonly address: string;
  readonly region: string;
  readonly results: Result[];
  pos: number;
}

const hex = (b: Buffer): string => b.toString('hex');

export class FakeCluster {
  readonly regions: FakeRegion[] = [];
  /** encodedName → where the region moved (servers answer REGION_MOVED). */
  readonly movedTo = new Map<string, string>();
  readonly downServers = new Set<string>();
  readonly calls: CallRecord[] = [];
  metaServer: string;
  private metaRows: MetaRow[] = [];
  private readonly data = new Map<string, Map<string, Map<string, ResultCell>>>(); // table → row hex → column → cell
  private readonly scanners = new Map<bigint, FakeScanner>();
  private nextScanner = 1n;
  private injectors: Injector[] = [];
  private ts = 1000n;
  private regionIds = 100;

  constructor(metaServer = 'rs1:16020') {
    this.metaServer = metaServer;
  }

  /** Creates a table's regions split at `splits`, round-robin over `servers`, and publishes META. */
  createTable(table: string, splits: string[], servers: string[]): RegionInfo[] {
    const keys = ['', ...splits, ''];
    const out: RegionInfo[] = [];
    for (let i = 0; i < keys.length - 1; i++) {
      const info = regionInfo('default', table, Buffer.from(keys[i]!), Buffer.from(keys[i + 1]!), this.regionIds++);
      this.regions.push({ info, server: servers[i % servers.length]! });
      out.push(info);
    }
    this.data.set(table, this.data.get(table) ?? new Map());
    this.publishMeta();
    return out;
  }

  region(table: string, row: string): FakeRegion {
    const r = this.regions.find((x) => x.info.table === table && containsRow(x.info, Buffer.from(row)));
    if (r === undefined) throw new Error(`no region for ${row}`);
    return r;
  }

  /** Writes META from the current assignment (splitParents stay as SPLIT rows). */
  publishMeta(extra: MetaRow[] = []): void {
    this.metaRows = [
      ...this.regions.map((r) => ({
        info: r.info,
        state: (r.server === undefined ? 'OFFLINE' : 'OPEN') as RegionState,
        ...(r.server !== undefined ? { rpcAddress: r.server, serverName: r.server.replace(':', ',') + ',1' } : {}),
      })),
      ...extra,
    ];
  }

  /** Moves a region; with `announce` the old server answers REGION_MOVED naming the new one. */
  move(encoded: string, to: string, opts: { announce?: boolean; publish?: boolean } = {}): void {
    const r = this.regions.find((x) => x.info.encodedName === encoded)!;
    const from = r.server;
    r.server = to;
    if (opts.announce === true && from !== undefined) this.movedTo.set(encoded, to);
    for (const [id, s] of this.scanners) if (s.region === encoded) this.scanners.delete(id);
    if (opts.publish !== false) this.publishMeta();
  }

  /** Splits a region at `at` (daughters on the parent's server); the parent stays in META as SPLIT. */
  split(encoded: string, at: string, opts: { publish?: boolean } = {}): [RegionInfo, RegionInfo] {
    const i = this.regions.findIndex((x) => x.info.encodedName === encoded);
    const parent = this.regions[i]!;
    const p = parent.info;
    const a = regionInfo(p.namespace, p.table, p.startKey, Buffer.from(at), this.regionIds++);
    const b = regionInfo(p.namespace, p.table, Buffer.from(at), p.endKey, this.regionIds++);
    this.regions.splice(i, 1, { info: a, server: parent.server }, { info: b, server: parent.server });
    for (const [id, s] of this.scanners) if (s.region === encoded) this.scanners.delete(id);
    if (opts.publish !== false) this.publishMeta([{ info: p, state: 'SPLIT', splitA: a, splitB: b, rpcAddress: parent.server ?? '' }]);
    return [a, b];
  }

  /** Merges adjacent regions (in row order) into one on the first's server; the parents stay in META as MERGED. */
  merge(encoded: readonly string[]): RegionInfo {
    const i = this.regions.findIndex((x) => x.info.encodedName === encoded[0]);
    const parents = this.regions.slice(i, i + encoded.length);
    const first = parents[0]!;
    const m = regionInfo(first.info.namespace, first.info.table, first.info.startKey, parents.at(-1)!.info.endKey, this.regionIds++);
    this.regions.splice(i, encoded.length, { info: m, server: first.server });
    for (const [id, s] of this.scanners) if (encoded.includes(s.region)) this.scanners.delete(id);
    this.publishMeta(parents.map((p) => ({ info: p.info, state: 'MERGED', rpcAddress: p.server ?? '' })));
    return m;
  }

  /** Forgets every open scanner (their leases ran out). */
  expireScanners(): void {
    this.scanners.clear();
  }

  get openScanners(): number {
    return this.scanners.size;
  }

  /** Makes calls for which `fn` returns an error fail with it (before reaching the fake server). */
  inject(fn: Injector): () => void {
    this.injectors.push(fn);
    return () => {
      this.injectors = this.injectors.filter((f) => f !== fn);
    };
  }

  /** Fails the next `n` calls matching `method` (and `address` if given) with `err`. */
  failNext(n: number, method: RpcMethodName, err: () => Error, address?: string): void {
    let left = n;
    const off = this.inject((a, m) => {
      if (m !== method || (address !== undefined && a !== address) || left <= 0) return undefined;
      if (--left === 0) queueMicrotask(off);
      return err();
    });
  }

  callsOf(method: RpcMethodName): CallRecord[] {
    return this.calls.filter((c) => c.method === method);
  }

  /** Sorted rows of a table (test oracle). */
  rows(table: string): Buffer[] {
    return [...(this.data.get(table)?.keys() ?? [])].map((h) => Buffer.from(h, 'hex')).sort(Buffer.compare);
  }

  cell(table: string, row: string, family: string, qualifier: string): Buffer | undefined {
    return this.data.get(table)?.get(hex(Buffer.from(row)))?.get(`${hex(Buffer.from(family))}:${hex(Buffer.from(qualifier))}`)?.value;
  }

  /** Loads rows directly (no RPC): each gets f:q = value. */
  load(table: string, rows: string[], value = 'v'): void {
    for (const row of rows) {
      this.apply(table, { kind: 'put', row: Buffer.from(row), columns: [{ family: Buffer.from('f'), qualifier: Buffer.from('q'), value: Buffer.from(value + ':' + row) }] });
    }
  }

  pool(): RpcClientPool & { closed: boolean } {
    const clients = new Map<string, RpcClient>();
    const pool = {
      closed: false,
      client: (address: string): RpcClient => {
        let c = clients.get(address);
        if (c === undefined) {
          c = {
            address,
            call: <M extends RpcMethodName>(method: M, request: RpcRequests[M]) => this.call(address, method, request),
            close: async () => undefined,
          };
          clients.set(address, c);
        }
        return c;
      },
      close: async () => {
        pool.closed = true;
      },
    };
    return pool;
  }

  /** One call as the RPC client would see it: errors cross the wire form. */
  async call<M extends RpcMethodName>(address: string, method: M, request: RpcRequests[M]): Promise<RpcResponses[M]> {
    await Promise.resolve();
    this.calls.push({ address, method, request });
    try {
      for (const inj of this.injectors) {
        const e = inj(address, method, request);
        if (e !== undefined) throw e;
      }
      if (this.downServers.has(address)) throw new UnavailableError('connection refused', { details: { server: address } });
      return this.handle(address, method, request) as RpcResponses[M];
    } catch (err) {
      throw errorFromWire(errorToWire(err));
    }
  }

  private hosted(address: string, region: string): FakeRegion {
    if (region === META_REGION.encodedName) {
      if (address !== this.metaServer) throw new NotServingRegionError('region is not online here', { details: { region, server: address } });
      return { info: META_REGION, server: address };
    }
    const r = this.regions.find((x) => x.info.encodedName === region);
    if (r === undefined || r.server !== address) {
      const to = this.movedTo.get(region);
      if (to !== undefined && to !== address) {
        throw new NotServingRegionError('region moved', { code: ErrorCodes.REGION_MOVED, details: { region, location: to, server: to.replace(':', ',') + ',1' } });
      }
      throw new NotServingRegionError('region is not online here', { details: { region, server: address } });
    }
    return r;
  }

  private checkRow(r: FakeRegion, row: Buffer): void {
    if (!containsRow(r.info, row)) throw new NotServingRegionError('row is outside this region', { details: { region: r.info.encodedName } });
  }

  private handle<M extends RpcMethodName>(address: string, method: M, request: RpcRequests[M]): unknown {
    const req = request as never;
    switch (method) {
      case 'GET': {
        const q = req as RpcRequests['GET'];
        const r = this.hosted(address, q.region);
        this.checkRow(r, q.get.row);
        const result = this.read(r.info.table, q.get.row);
        return { result: q.get.existenceOnly === true ? { row: q.get.row, cells: [] } : result, exists: result.cells.length > 0 };
      }
      case 'MULTI_GET': {
        const q = req as RpcRequests['MULTI_GET'];
        const results = q.actions.map((a) => {
          try {
            const r = this.hosted(address, a.region);
            this.checkRow(r, a.get.row);
            return { ok: true as const, value: this.read(r.info.table, a.get.row) };
          } catch (e) {
            return { ok: false as const, error: errorToWire(e) };
          }
        });
        return { results };
      }
      case 'MUTATE': {
        const q = req as RpcRequests['MUTATE'];
        const r = this.hosted(address, q.region);
        this.checkRow(r, q.mutation.row);
        this.apply(r.info.table, q.mutation);
        return {};
      }
      case 'MULTI_MUTATE': {
        const q = req as RpcRequests['MULTI_MUTATE'];
        const results = q.actions.map((a) => {
          let r: FakeRegion;
          try {
            r = this.hosted(address, a.region);
          } catch (e) {
            return { ok: false as const, error: errorToWire(e) };
          }
          const per: (WireError | null)[] = a.mutations.map((m) => {
            try {
              this.checkRow(r, m.row);
              this.apply(r.info.table, m);
              return null;
            } catch (e) {
              return errorToWire(e);
            }
          });
          return { ok: true as const, value: per };
        });
        return { results };
      }
      case 'CHECK_AND_MUTATE': {
        const q = (req as RpcRequests['CHECK_AND_MUTATE']).checkAndMutate;
        const r = this.hosted(address, (req as RpcRequests['CHECK_AND_MUTATE']).region);
        this.checkRow(r, q.row);
        const cur = this.data.get(r.info.table)?.get(hex(q.row))?.get(`${hex(q.family)}:${hex(q.qualifier)}`)?.value;
        const ok = q.value === undefined ? cur === undefined : cur !== undefined && q.op === 'EQUAL' && cur.equals(q.value);
        if (ok) for (const m of q.mutations) this.apply(r.info.table, m);
        return { processed: ok };
      }
      case 'INCREMENT': {
        const q = req as RpcRequests['INCREMENT'];
        const r = this.hosted(address, q.region);
        this.checkRow(r, q.increment.row);
        const cells: ResultCell[] = [];
        for (const c of q.increment.columns) {
          const cur = this.data.get(r.info.table)?.get(hex(q.increment.row))?.get(`${hex(c.family)}:${hex(c.qualifier)}`)?.value;
          const v = Buffer.alloc(8);
          v.writeBigInt64BE((cur === undefined ? 0n : cur.readBigInt64BE(0)) + c.amount);
          this.apply(r.info.table, { kind: 'put', row: q.increment.row, columns: [{ family: c.family, qualifier: c.qualifier, value: v }] });
          cells.push({ row: q.increment.row, family: c.family, qualifier: c.qualifier, timestamp: this.ts, type: CellType.Put, value: v });
        }
        return { result: { row: q.increment.row, cells } };
      }
      case 'APPEND': {
        const q = req as RpcRequests['APPEND'];
        const r = this.hosted(address, q.region);
        this.checkRow(r, q.append.row);
        const cells: ResultCell[] = [];
        for (const c of q.append.columns) {
          const cur = this.data.get(r.info.table)?.get(hex(q.append.row))?.get(`${hex(c.family)}:${hex(c.qualifier)}`)?.value;
          const v = Buffer.concat([cur ?? Buffer.alloc(0), c.value]);
          this.apply(r.info.table, { kind: 'put', row: q.append.row, columns: [{ family: c.family, qualifier: c.qualifier, value: v }] });
          cells.push({ row: q.append.row, family: c.family, qualifier: c.qualifier, timestamp: this.ts, type: CellType.Put, value: v });
        }
        return { result: { row: q.append.row, cells } };
      }
      case 'SCAN_OPEN': {
        const q = req as RpcRequests['SCAN_OPEN'];
        const r = this.hosted(address, q.region);
        const results = r.info.encodedName === META_REGION.encodedName ? this.metaResults(q.scan) : this.scanRegion(r.info, q.scan);
        const id = this.nextScanner++;
        const s: FakeScanner = { address, region: q.region, results, pos: 0 };
        const batch = this.take(s, q.rows);
        if (batch.moreInRegion) this.scanners.set(id, s);
        return { ...batch, scannerId: id };
      }
      case 'SCAN_NEXT': {
        const q = req as RpcRequests['SCAN_NEXT'];
        const s = this.scanners.get(q.scannerId);
        if (s === undefined || s.address !== address) {
          throw new NotFoundError('scanner expired or unknown', { code: ErrorCodes.SCANNER_EXPIRED, details: { scanner: q.scannerId } });
        }
        this.hosted(address, s.region);
        const batch = this.take(s, q.rows);
        if (!batch.moreInRegion) this.scanners.delete(q.scannerId);
        return batch;
      }
      case 'SCAN_CLOSE': {
        this.scanners.delete((req as RpcRequests['SCAN_CLOSE']).scannerId);
        return {};
      }
      case 'PING':
        return { payload: (req as RpcRequests['PING']).payload };
      default:
        throw new Error(`fake cluster: ${method} not supported`);
    }
  }

  private take(s: FakeScanner, rows: number): { results: Result[]; moreInRegion: boolean } {
    const results = s.results.slice(s.pos, s.pos + rows);
    s.pos += results.length;
    return { results, moreInRegion: s.pos < s.results.length };
  }

  private read(table: string, row: Buffer): Result {
    const cols = this.data.get(table)?.get(hex(row));
    const cells = [...(cols?.values() ?? [])].sort((a, b) => Buffer.compare(a.family, b.family) || Buffer.compare(a.qualifier, b.qualifier));
    return { row, cells };
  }

  apply(table: string, m: Mutation): void {
    let t = this.data.get(table);
    if (t === undefined) this.data.set(table, (t = new Map()));
    const k = hex(m.row);
    if (m.kind === 'put') {
      let cols = t.get(k);
      if (cols === undefined) t.set(k, (cols = new Map()));
      for (const c of m.columns) {
        this.ts++;
        cols.set(`${hex(c.family)}:${hex(c.qualifier)}`, { row: m.row, family: c.family, qualifier: c.qualifier, timestamp: c.timestamp ?? this.ts, type: CellType.Put, value: c.value });
      }
    } else if (m.columns.length === 0) {
      t.delete(k);
    } else {
      const cols = t.get(k);
      for (const c of m.columns) {
        for (const key of [...(cols?.keys() ?? [])]) {
          if (key.startsWith(`${hex(c.family)}:`) && (c.qualifier === undefined || key === `${hex(c.family)}:${hex(c.qualifier)}`)) cols!.delete(key);
        }
      }
      if (cols !== undefined && cols.size === 0) t.delete(k);
    }
  }

  private scanRegion(info: RegionInfo, scan: Scan): Result[] {
    const start = scan.startRow ?? Buffer.alloc(0);
    const stop = scan.stopRow ?? Buffer.alloc(0);
    let rows = this.rows(info.table).filter((r) => containsRow(info, r));
    if (scan.reversed === true) {
      rows = rows.filter((r) => (start.length === 0 || Buffer.compare(r, start) <= 0) && (stop.length === 0 || Buffer.compare(r, stop) > 0)).reverse();
    } else {
      rows = rows.filter((r) => Buffer.compare(r, start) >= 0 && (stop.length === 0 || Buffer.compare(r, stop) < 0));
    }
    if (scan.limit !== undefined && scan.limit > 0) rows = rows.slice(0, scan.limit);
    const out: Result[] = [];
    for (const row of rows) {
      const { cells } = this.read(info.table, row);
      const b = scan.batch ?? 0;
      if (b > 0) for (let i = 0; i < cells.length; i += b) out.push({ row, cells: cells.slice(i, i + b) });
      else out.push({ row, cells });
    }
    return out;
  }

  /** META rows by key: [startRow, stopRow), or reversed (startRow down to stopRow exclusive); Scan.limit. */
  private metaResults(scan: Scan): Result[] {
    const start = scan.startRow ?? Buffer.alloc(0);
    const stop = scan.stopRow ?? Buffer.alloc(0);
    const reversed = scan.reversed === true;
    const out: Result[] = [];
    for (const row of this.metaRows) {
      const put = metaPut(row);
      const inRange = reversed
        ? (start.length === 0 || Buffer.compare(put.row, start) <= 0) && Buffer.compare(put.row, stop) > 0
        : Buffer.compare(put.row, start) >= 0 && (stop.length === 0 || Buffer.compare(put.row, stop) < 0);
      if (!inRange) continue;
      out.push({ row: put.row, cells: put.columns.map((c) => ({ row: put.row, family: c.family, qualifier: c.qualifier, timestamp: 1n, type: CellType.Put, value: c.value })) });
    }
    out.sort((a, b) => (reversed ? -1 : 1) * Buffer.compare(a.row, b.row));
    return scan.limit !== undefined && scan.limit > 0 ? out.slice(0, scan.limit) : out;
  }
}

/** The error a region server would send, as the client receives it. */
export function wireErr(e: Error): Error {
  return errorFromWire(errorToWire(e));
}
