// Rows of hbase:meta, the catalog table: one row per region of every user table, as HBase
// lays them out. Row key `<table>,<startKey>,<regionId>` (regionFullName; the table as
// `ns:table` outside the default namespace); family `info`:
//
//   info:regioninfo       RegionInfoJson (JSON, keys base64)
//   info:server           host:port of the data RPC of the server hosting it
//   info:sn               the hosting server's name (host,port,startCode)
//   info:serverstartcode  that server's start code (8-byte big-endian)
//   info:state            RegionState (OPEN, OPENING, CLOSED, SPLIT, ...)
//   info:splitA, splitB   a split parent's daughters (RegionInfoJson)
//   info:merge0000, ...   a merged region's parents (RegionInfoJson each, numbered from 0 in
//                         row order, as HBase), until the catalog janitor removes the parents
//
// The rows of one table are exactly those starting with `<table>,` (a table name has no
// comma). Their byte order is not always their start-key order (HBase uses a special META
// comparator for that), so readers sort a table's regions by startKey themselves.

import type { Put, Result } from '../ops/operations.js';
import type { RegionInfo } from '../../regionserver/region/region-info.js';
import { regionFullName, regionInfo } from '../../regionserver/region/region-info.js';
import type { RegionInfoJson, RegionState } from '../admin/admin-api.js';
import { CorruptionError } from '../errors.js';

export const META_NAMESPACE = 'hbase';
export const META_TABLE = 'meta';
export const META_FAMILY = Buffer.from('info');
/** The one region of hbase:meta (fixed regionId, so its encoded name never changes). */
export const META_REGION: RegionInfo = regionInfo(META_NAMESPACE, META_TABLE, Buffer.alloc(0), Buffer.alloc(0), 1);

const Q = {
  regioninfo: Buffer.from('regioninfo'),
  server: Buffer.from('server'),
  sn: Buffer.from('sn'),
  serverstartcode: Buffer.from('serverstartcode'),
  state: Buffer.from('state'),
  splitA: Buffer.from('splitA'),
  splitB: Buffer.from('splitB'),
} as const;
export const META_QUALIFIERS = Q;

export interface MetaRow {
  readonly info: RegionInfo;
  readonly state: RegionState;
  readonly serverName?: string;
  readonly rpcAddress?: string;
  readonly serverStartCode?: number;
  readonly splitA?: RegionInfo;
  readonly splitB?: RegionInfo;
  /** A merged region's parents (in row order) not yet removed by the catalog janitor. */
  readonly mergeParents?: readonly RegionInfo[];
}

/** The qualifier of a merged region's `i`-th parent: merge0000, merge0001, ... */
export function mergeQualifier(i: number): Buffer {
  return Buffer.from(`merge${String(i).padStart(4, '0')}`);
}
const MERGE_QUALIFIER = /^merge([0-9]{4})$/;

export function regionInfoToJson(r: RegionInfo): RegionInfoJson {
  return {
    namespace: r.namespace,
    table: r.table,
    startKey: r.startKey.toString('base64'),
    endKey: r.endKey.toString('base64'),
    regionId: r.regionId,
    encodedName: r.encodedName,
  };
}

/** Throws InvalidError for an invalid region (bad names, start >= end). */
export function regionInfoFromJson(j: RegionInfoJson): RegionInfo {
  return regionInfo(j.namespace, j.table, Buffer.from(j.startKey, 'base64'), Buffer.from(j.endKey, 'base64'), j.regionId);
}

/** The META row key of `r`. */
export function metaRowKey(r: RegionInfo): Buffer {
  return regionFullName(r.namespace, r.table, r.startKey, r.regionId);
}

/** Every META row of a table starts with this. */
export function metaTablePrefix(namespace: string, table: string): Buffer {
  return Buffer.from(`${namespace === 'default' ? table : `${namespace}:${table}`},`, 'utf8');
}

/** The Put that writes `row` (every column it has; absent columns are not touched). */
export function metaPut(row: MetaRow): Put {
  const columns: { family: Buffer; qualifier: Buffer; value: Buffer }[] = [];
  const add = (qualifier: Buffer, value: Buffer): void => {
    columns.push({ family: META_FAMILY, qualifier, value });
  };
  add(Q.regioninfo, Buffer.from(JSON.stringify(regionInfoToJson(row.info))));
  add(Q.state, Buffer.from(row.state));
  if (row.rpcAddress !== undefined) add(Q.server, Buffer.from(row.rpcAddress));
  if (row.serverName !== undefined) add(Q.sn, Buffer.from(row.serverName));
  if (row.serverStartCode !== undefined) {
    const b = Buffer.alloc(8);
    b.writeBigUInt64BE(BigInt(row.serverStartCode));
    add(Q.serverstartcode, b);
  }
  if (row.splitA !== undefined) add(Q.splitA, Buffer.from(JSON.stringify(regionInfoToJson(row.splitA))));
  if (row.splitB !== undefined) add(Q.splitB, Buffer.from(JSON.stringify(regionInfoToJson(row.splitB))));
  row.mergeParents?.forEach((p, i) => add(mergeQualifier(i), Buffer.from(JSON.stringify(regionInfoToJson(p)))));
  return { kind: 'put', row: metaRowKey(row.info), columns };
}

/** Decodes a META row read back (latest versions). Throws CorruptionError if regioninfo is missing or damaged. */
export function parseMetaRow(result: Result): MetaRow {
  const get = (q: Buffer): Buffer | undefined => result.cells.find((c) => c.family.equals(META_FAMILY) && c.qualifier.equals(q))?.value;
  const parseInfo = (b: Buffer | undefined, what: string): RegionInfo | undefined => {
    if (b === undefined) return undefined;
    try {
      return regionInfoFromJson(JSON.parse(b.toString('utf8')) as RegionInfoJson);
    } catch (e) {
      throw new CorruptionError(`damaged ${what} in a hbase:meta row`, { cause: e, details: { row: result.row.toString('latin1').slice(0, 200) } });
    }
  };
  const info = parseInfo(get(Q.regioninfo), 'info:regioninfo');
  if (info === undefined) throw new CorruptionError('hbase:meta row without info:regioninfo', { details: { row: result.row.toString('latin1').slice(0, 200) } });
  const startCode = get(Q.serverstartcode);
  const splitA = parseInfo(get(Q.splitA), 'info:splitA');
  const splitB = parseInfo(get(Q.splitB), 'info:splitB');
  const merges: { i: number; info: RegionInfo }[] = [];
  for (const c of result.cells) {
    const m = c.family.equals(META_FAMILY) ? MERGE_QUALIFIER.exec(c.qualifier.toString('latin1')) : null;
    if (m !== null) merges.push({ i: Number(m[1]), info: parseInfo(c.value, `info:${c.qualifier.toString('latin1')}`)! });
  }
  merges.sort((a, b) => a.i - b.i);
  return {
    info,
    state: (get(Q.state)?.toString('utf8') ?? 'OFFLINE') as RegionState,
    ...(get(Q.server) !== undefined ? { rpcAddress: get(Q.server)!.toString('utf8') } : {}),
    ...(get(Q.sn) !== undefined ? { serverName: get(Q.sn)!.toString('utf8') } : {}),
    ...(startCode !== undefined && startCode.length === 8 ? { serverStartCode: Number(startCode.readBigUInt64BE()) } : {}),
    ...(splitA !== undefined ? { splitA } : {}),
    ...(splitB !== undefined ? { splitB } : {}),
    ...(merges.length > 0 ? { mergeParents: merges.map((m) => m.info) } : {}),
  };
}
