// Where a table's regions are: a per-table cache of region locations filled from hbase:meta
// (HBase's MetaCache).
//
// Filling: the META location comes from the master (GET /api/v1/meta-location); the client
// then scans the META rows of the table (those starting with metaTablePrefix) on the META
// server, drops split parents and regions without a live location, and sorts the rest by
// startKey. locate(row) is a binary search over that array. The first miss of a table loads
// all of its regions (concurrent misses share one load); later misses — a region that moved or
// split was dropped from the cache — read just the META rows around the row (a reversed scan
// from the row's META key, a few rows, as HBase's locateRegionInMeta), so a table of many
// regions is not read again whole. When those rows do not show an online region holding the
// row, the whole table is read (which also tells a missing table from a disabled one).
//
// Refreshing: TSB_NOT_SERVING_REGION / TSB_FENCED drop the entry (the next call reloads);
// TSB_REGION_MOVED rewrites the entry from details.location/details.server without reading
// META; a transport failure drops every entry on that server. A failed META read forgets
// the META location, so the next read asks the master again.
//
// Thread safety: callers may locate concurrently; loads are single-flight per table.

import { compareRanges } from '../common/cells/encoded-key.js';
import type { RegionInfo } from '../regionserver/region/region-info.js';
import { containsRow } from '../regionserver/region/region-info.js';
import { META_FAMILY, META_NAMESPACE, META_REGION, META_TABLE, metaTablePrefix, parseMetaRow } from '../common/meta/meta-row.js';
import type { MetaRow } from '../common/meta/meta-row.js';
import type { MetaLocation } from '../common/coordination/cluster-keys.js';
import type { RpcClientPool } from '../common/rpc/rpc-messages.js';
import type { TableJson } from '../common/admin/admin-api.js';
import { isRetiredParent } from '../common/admin/admin-api.js';
import type { Result } from '../common/ops/operations.js';
import { ErrorCodes, InvalidError, NotFoundError, NotServingRegionError, TsbaseError, errorCode } from '../common/errors.js';
import { tableNameString } from '../common/meta/table-descriptor.js';
import type { AdminHttpClient } from './admin-http.js';

export interface TableName {
  readonly namespace: string;
  readonly name: string;
}

/** A region and where it is served. */
export interface RegionLocation {
  readonly info: RegionInfo;
  /** host:port of the hosting server's data RPC. */
  readonly rpcAddress: string;
  readonly serverName?: string;
}

/** How to pick a region for a key. */
export type LocateMode =
  /** The region holding `row` (empty row: the first region). */
  | 'at'
  /** The region holding the largest row below `row` (empty row: the last region) — reversed scans. */
  | 'before';

export function isMetaTable(t: TableName): boolean {
  return t.namespace === META_NAMESPACE && t.name === META_TABLE;
}

interface TableCache {
  regions: RegionLocation[];
  loading: Promise<void> | undefined;
}

/** The first key after every key starting with `prefix` (prefix with its last byte + 1). */
export function prefixEnd(prefix: Buffer): Buffer {
  const end = Buffer.from(prefix);
  for (let i = end.length - 1; i >= 0; i--) {
    if (end[i]! < 0xff) {
      end[i] = end[i]! + 1;
      return end.subarray(0, i + 1);
    }
  }
  return Buffer.alloc(0);
}

export interface RegionLocatorOptions {
  readonly pool: RpcClientPool;
  readonly admin: AdminHttpClient;
  readonly rpcTimeoutMs: number;
  /** META rows per scanner round trip. */
  readonly metaCaching?: number;
}

export class RegionLocator {
  private readonly tables = new Map<string, TableCache>();
  private meta: MetaLocation | undefined;
  private metaLoading: Promise<MetaLocation> | undefined;
  /** META reads done (tests and metrics). */
  metaReads = 0;
  /** Misses answered by the few-row META read (lookupRow), not by a load of the whole table. */
  metaLookups = 0;

  constructor(private readonly opts: RegionLocatorOptions) {}

  /** The cached location for `row`, or undefined (no I/O). */
  cached(t: TableName, row: Buffer, mode: LocateMode = 'at'): RegionLocation | undefined {
    if (isMetaTable(t)) return this.meta === undefined ? undefined : { info: META_REGION, rpcAddress: this.meta.rpcAddress, serverName: this.meta.serverName };
    const c = this.tables.get(key(t));
    return c === undefined ? undefined : find(c.regions, row, mode);
  }

  /**
   * The location for `row`, reading META if it is not cached. Throws NotFoundError when
   * META has no region of the table, InvalidError TSB_TABLE_DISABLED when every region is
   * closed and the master says the table is disabled, NotServingRegionError (retryable) when
   * no online region holds the row yet, and the errors of the META read (retryable ones
   * after forgetting the META location).
   */
  async locate(t: TableName, row: Buffer, mode: LocateMode = 'at'): Promise<RegionLocation> {
    const hit = this.cached(t, row, mode);
    if (hit !== undefined) return hit;
    if (isMetaTable(t)) {
      const m = await this.metaLocation();
      return { info: META_REGION, rpcAddress: m.rpcAddress, serverName: m.serverName };
    }
    const c = this.cacheOf(t);
    if (mode === 'at' && c.regions.length > 0 && c.loading === undefined) {
      const one = await this.lookupRow(t, row);
      if (one !== undefined) {
        c.regions = withLocation(c.regions, one);
        return one;
      }
    }
    const rows = await this.load(t, c);
    const found = find(c.regions, row, mode);
    if (found !== undefined) return found;
    if (rows.length === 0) throw new NotFoundError('table not found in hbase:meta', { details: { table: tableNameString(t.namespace, t.name) } });
    if (rows.every((r) => r.state === 'CLOSED' || r.state === 'OFFLINE')) await this.checkDisabled(t);
    throw new NotServingRegionError('no online region holds the row yet; retry', {
      details: { table: tableNameString(t.namespace, t.name), row: row.subarray(0, 64).toString('hex'), mode },
    });
  }

  /** Every cached region of a table (sorted), loading them if none is cached. */
  async regions(t: TableName): Promise<readonly RegionLocation[]> {
    if (isMetaTable(t)) return [await this.locate(t, Buffer.alloc(0))];
    const c = this.cacheOf(t);
    if (c.regions.length === 0) await this.load(t, c);
    return c.regions;
  }

  /**
   * Updates the cache after `err` from a call to `loc`. Returns true when the call may be
   * retried at once (the error named the new location).
   */
  onError(t: TableName, loc: RegionLocation, err: unknown): boolean {
    const code = errorCode(err);
    if (code === ErrorCodes.REGION_MOVED && err instanceof TsbaseError) {
      const location = err.details['location'];
      const server = err.details['server'];
      if (typeof location === 'string' && location !== '' && location !== loc.rpcAddress) {
        this.moved(t, loc, location, typeof server === 'string' ? server : undefined);
        return true;
      }
      this.invalidate(t, loc);
      return false;
    }
    if (code === ErrorCodes.NOT_SERVING_REGION || code === ErrorCodes.FENCED) {
      this.invalidate(t, loc);
    } else if (code === ErrorCodes.UNAVAILABLE || code === ErrorCodes.TIMEOUT) {
      this.invalidateServer(loc.rpcAddress);
    }
    return false;
  }

  /** Drops `loc` from the cache (if still cached as is). */
  invalidate(t: TableName, loc: RegionLocation): void {
    if (isMetaTable(t) || loc.info.encodedName === META_REGION.encodedName) {
      if (this.meta?.rpcAddress === loc.rpcAddress) this.meta = undefined;
      return;
    }
    const c = this.tables.get(key(t));
    if (c === undefined) return;
    const i = c.regions.findIndex((r) => r.info.encodedName === loc.info.encodedName);
    if (i >= 0 && c.regions[i]!.rpcAddress === loc.rpcAddress) c.regions = [...c.regions.slice(0, i), ...c.regions.slice(i + 1)];
  }

  /** Records that `loc` moved to `rpcAddress` (a RegionMoved answer). */
  moved(t: TableName, loc: RegionLocation, rpcAddress: string, serverName: string | undefined): void {
    if (isMetaTable(t) || loc.info.encodedName === META_REGION.encodedName) {
      this.meta = { rpcAddress, serverName: serverName ?? this.meta?.serverName ?? '' };
      return;
    }
    const c = this.cacheOf(t);
    const next: RegionLocation = { info: loc.info, rpcAddress, ...(serverName !== undefined ? { serverName } : {}) };
    const i = c.regions.findIndex((r) => r.info.encodedName === loc.info.encodedName);
    if (i >= 0) c.regions = [...c.regions.slice(0, i), next, ...c.regions.slice(i + 1)];
    else c.regions = insertSorted(c.regions, next);
  }

  /** Drops every cached location on a server (it could not be reached). */
  invalidateServer(rpcAddress: string): void {
    if (this.meta?.rpcAddress === rpcAddress) this.meta = undefined;
    for (const c of this.tables.values()) {
      if (c.regions.some((r) => r.rpcAddress === rpcAddress)) c.regions = c.regions.filter((r) => r.rpcAddress !== rpcAddress);
    }
  }

  /** Forgets a table's locations (e.g. after it was deleted or truncated). */
  clearTable(t: TableName): void {
    this.tables.delete(key(t));
  }

  /** The META location, from the master when not known. */
  async metaLocation(): Promise<MetaLocation> {
    if (this.meta !== undefined) return this.meta;
    if (this.metaLoading === undefined) {
      this.metaLoading = this.opts.admin
        .request<MetaLocation>('GET', '/meta-location')
        .then((m) => {
          this.meta = m;
          return m;
        })
        .finally(() => {
          this.metaLoading = undefined;
        });
    }
    return this.metaLoading;
  }

  private cacheOf(t: TableName): TableCache {
    const k = key(t);
    let c = this.tables.get(k);
    if (c === undefined) {
      c = { regions: [], loading: undefined };
      this.tables.set(k, c);
    }
    return c;
  }

  private lastRows = new Map<string, MetaRow[]>();

  private async load(t: TableName, c: TableCache): Promise<MetaRow[]> {
    if (c.loading === undefined) {
      c.loading = this.readMeta(t)
        .then((rows) => {
          this.lastRows.set(key(t), rows);
          c.regions = toLocations(rows);
        })
        .finally(() => {
          c.loading = undefined;
        });
    }
    await c.loading;
    return this.lastRows.get(key(t)) ?? [];
  }

  /**
   * The online region holding `row` from the few META rows at and before the row's META key
   * (a reversed scan), or undefined when those rows do not show one (split parents are
   * skipped; a region closed, offline or not yet placed, or a hole, gives undefined).
   */
  private async lookupRow(t: TableName, row: Buffer): Promise<RegionLocation | undefined> {
    const meta = await this.metaLocation();
    const client = this.opts.pool.client(meta.rpcAddress);
    const prefix = metaTablePrefix(t.namespace, t.name);
    // META keys are <table>,<startKey>,<regionId>: every key of a region starting at `row`
    // sorts before <table>,<row>,\xff.
    const from = Buffer.concat([prefix, row, LOOKUP_SUFFIX]);
    this.metaReads++;
    let results: readonly Result[];
    try {
      const r = await client.call(
        'SCAN_OPEN',
        { region: META_REGION.encodedName, scan: { startRow: from, stopRow: prefix, reversed: true, limit: LOOKUP_ROWS, columns: [{ family: META_FAMILY }] }, rows: LOOKUP_ROWS },
        { timeoutMs: this.opts.rpcTimeoutMs },
      );
      if (r.moreInRegion) void client.call('SCAN_CLOSE', { scannerId: r.scannerId }, { timeoutMs: this.opts.rpcTimeoutMs }).catch(() => undefined);
      results = r.results;
    } catch (err) {
      throw this.metaReadFailed(meta, err);
    }
    for (const result of results) {
      const m = parseMetaRow(result);
      if (isRetiredParent(m.state) || m.splitA !== undefined || m.splitB !== undefined) continue;
      if (!containsRow(m.info, row)) return undefined;
      const found = toLocations([m])[0];
      if (found !== undefined) this.metaLookups++;
      return found;
    }
    return undefined;
  }

  /** Scans the table's META rows. */
  private async readMeta(t: TableName): Promise<MetaRow[]> {
    const meta = await this.metaLocation();
    const client = this.opts.pool.client(meta.rpcAddress);
    const prefix = metaTablePrefix(t.namespace, t.name);
    const rows = this.opts.metaCaching ?? 1000;
    const timeoutMs = this.opts.rpcTimeoutMs;
    this.metaReads++;
    const out: MetaRow[] = [];
    let scannerId: bigint | undefined;
    try {
      const first = await client.call(
        'SCAN_OPEN',
        { region: META_REGION.encodedName, scan: { startRow: prefix, stopRow: prefixEnd(prefix), columns: [{ family: META_FAMILY }] }, rows },
        { timeoutMs },
      );
      scannerId = first.scannerId;
      addRows(out, first.results);
      let more = first.moreInRegion;
      while (more) {
        const next = await client.call('SCAN_NEXT', { scannerId, rows }, { timeoutMs });
        addRows(out, next.results);
        more = next.moreInRegion;
      }
      scannerId = undefined;
    } catch (err) {
      if (scannerId !== undefined) void client.call('SCAN_CLOSE', { scannerId }, { timeoutMs }).catch(() => undefined);
      throw this.metaReadFailed(meta, err);
    }
    return out;
  }

  /** After a failed META read from `meta`: updates or forgets the META location; the error to throw. */
  private metaReadFailed(meta: MetaLocation, err: unknown): unknown {
    const code = errorCode(err);
    if (code === ErrorCodes.REGION_MOVED && err instanceof TsbaseError && typeof err.details['location'] === 'string') {
      this.meta = { rpcAddress: err.details['location'], serverName: String(err.details['server'] ?? '') };
    } else if (err instanceof TsbaseError && (err.retryable || code === ErrorCodes.FENCED || code === ErrorCodes.SCANNER_EXPIRED)) {
      if (this.meta?.rpcAddress === meta.rpcAddress) this.meta = undefined;
    }
    return code === ErrorCodes.SCANNER_EXPIRED ? new NotServingRegionError('hbase:meta scanner expired; retry', { cause: err }) : err;
  }

  private async checkDisabled(t: TableName): Promise<void> {
    const name = tableNameString(t.namespace, t.name);
    let desc: TableJson;
    try {
      desc = await this.opts.admin.request<TableJson>('GET', `/tables/${encodeURIComponent(name)}`);
    } catch {
      return;
    }
    if (desc.state === 'DISABLED' || desc.state === 'DISABLING') {
      throw new InvalidError('table is disabled; enable it first', { code: ErrorCodes.TABLE_DISABLED, details: { table: name } });
    }
  }
}

function key(t: TableName): string {
  return `${t.namespace}:${t.name}`;
}

function addRows(out: MetaRow[], results: readonly Result[]): void {
  for (const r of results) out.push(parseMetaRow(r));
}

/** Online regions with a location, sorted by startKey (newer regionId last on ties). */
export function toLocations(rows: readonly MetaRow[]): RegionLocation[] {
  const locs: RegionLocation[] = [];
  for (const r of rows) {
    if (isRetiredParent(r.state) || r.splitA !== undefined || r.splitB !== undefined) continue;
    if (r.state === 'OFFLINE' || r.state === 'CLOSED' || r.state === 'FAILED_OPEN') continue;
    if (r.rpcAddress === undefined || r.rpcAddress === '') continue;
    locs.push({ info: r.info, rpcAddress: r.rpcAddress, ...(r.serverName !== undefined ? { serverName: r.serverName } : {}) });
  }
  return locs.sort(compareLocations);
}

function compareLocations(a: RegionLocation, b: RegionLocation): number {
  return Buffer.compare(a.info.startKey, b.info.startKey) || a.info.regionId - b.info.regionId;
}

/** META rows a single-row lookup reads (the row's region, and split parents before it). */
const LOOKUP_ROWS = 3;
const LOOKUP_SUFFIX = Buffer.from([0x2c, 0xff]); // ",\xff"

/** `regions` with `loc` in place of every cached region whose key range overlaps it. */
function withLocation(regions: readonly RegionLocation[], loc: RegionLocation): RegionLocation[] {
  const s = loc.info.startKey;
  const e = loc.info.endKey;
  const kept = regions.filter((r) => {
    const endsBefore = r.info.endKey.length > 0 && Buffer.compare(r.info.endKey, s) <= 0;
    const startsAfter = e.length > 0 && Buffer.compare(r.info.startKey, e) >= 0;
    return endsBefore || startsAfter;
  });
  return insertSorted(kept, loc);
}

function insertSorted(regions: readonly RegionLocation[], loc: RegionLocation): RegionLocation[] {
  const out = [...regions, loc];
  return out.sort(compareLocations);
}

/** Index of the last region whose startKey is <= row (strict: < row), or -1. */
function lastStartingBefore(regions: readonly RegionLocation[], row: Buffer, strict: boolean): number {
  let lo = 0;
  let hi = regions.length - 1;
  let ans = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const k = regions[mid]!.info.startKey;
    const c = compareRanges(k, 0, k.length, row, 0, row.length);
    if (c < 0 || (c === 0 && !strict)) {
      ans = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return ans;
}

/** The cached region for `row` in `mode`, by binary search. */
export function find(regions: readonly RegionLocation[], row: Buffer, mode: LocateMode): RegionLocation | undefined {
  if (regions.length === 0) return undefined;
  if (mode === 'at') {
    const i = lastStartingBefore(regions, row, false);
    const r = i < 0 ? undefined : regions[i];
    return r !== undefined && containsRow(r.info, row) ? r : undefined;
  }
  if (row.length === 0) {
    const last = regions[regions.length - 1]!;
    return last.info.endKey.length === 0 ? last : undefined;
  }
  const i = lastStartingBefore(regions, row, true);
  const r = i < 0 ? undefined : regions[i];
  if (r === undefined) return undefined;
  return r.info.endKey.length === 0 || Buffer.compare(row, r.info.endKey) <= 0 ? r : undefined;
}
