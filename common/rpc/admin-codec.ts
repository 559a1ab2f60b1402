// JSON codec of the region admin calls (the master → region server instructions and
// SERVER_INFO). These are rare and small, so they travel as readable UTF-8 JSON filling the
// whole body, validated with zod on receipt. Layout: docs/formats/rpc.md, "Admin bodies".
// Regions are RegionInfoJson (keys base64, common/meta/meta-row.ts); tables are
// TableDescriptor with families as ColumnFamilyDescriptor objects; byte strings base64.
//
// Decoders throw InvalidError (TSB_PROTOCOL) naming the bad field.

import { z } from 'zod';
import { ErrorCodes, InvalidError } from '../errors.js';
import type { RegionInfoJson } from '../admin/admin-api.js';
import { regionInfoFromJson, regionInfoToJson } from '../meta/meta-row.js';
import type { TableDescriptor } from '../meta/table-descriptor.js';
import type { RegionInfo } from '../../regionserver/region/region-info.js';
import { columnFamily } from '../../regionserver/region/column-family.js';
import type { ColumnFamilyInput } from '../../regionserver/region/column-family.js';
import type { HostedRegion, RegionAdminMethod as AdminMethod, RpcRequests, RpcResponses } from './rpc-messages.js';
import type { ByteWriter } from './byte-writer.js';
import type { ByteReader } from './byte-reader.js';

const base64 = z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/, 'must be base64');
const regionJson = z.strictObject({
  namespace: z.string(),
  table: z.string(),
  startKey: base64,
  endKey: base64,
  regionId: z.number().int().nonnegative(),
  encodedName: z.string(),
});
const tableJson = z.strictObject({
  namespace: z.string(),
  name: z.string(),
  families: z.array(z.record(z.string(), z.unknown())),
  maxFileSize: z.number().optional(),
  memStoreFlushSize: z.number().optional(),
});
const regionName = z.string().min(1).max(0xffff);
/** A master's fencing token (u64) as a decimal string: JSON numbers lose precision above 2^53. */
const token = z
  .string()
  .regex(/^(0|[1-9][0-9]{0,19})$/, 'must be a decimal u64')
  // (zod runs refinements after a failed regex too: only digit strings reach BigInt)
  .refine((t) => !/^[0-9]+$/.test(t) || BigInt(t) <= 0xffffffffffffffffn, 'must be a decimal u64')
  .optional();

const schemas = {
  OPEN_REGION: z.strictObject({ info: regionJson, table: tableJson, epoch: z.number().optional(), token }),
  CLOSE_REGION: z.strictObject({
    region: regionName,
    flush: z.boolean(),
    destination: z.strictObject({ serverName: z.string(), rpcAddress: z.string() }).optional(),
    token,
  }),
  FLUSH_REGION: z.strictObject({ region: regionName, token }),
  COMPACT_REGION: z.strictObject({ region: regionName, major: z.boolean(), token }),
  SPLIT_REGION: z.strictObject({ region: regionName, splitRow: base64.optional(), token }),
  SERVER_INFO: z.strictObject({ token }),
  MERGE_REGIONS: z.strictObject({ regions: z.array(regionJson).min(2).max(1000), merged: regionJson, table: tableJson, token }),
  SPLIT_RESPONSE: z.strictObject({ splitRow: base64, daughters: z.tuple([regionJson, regionJson]) }),
  SERVER_INFO_RESPONSE: z.strictObject({
    serverName: z.string(),
    startCode: z.number(),
    regions: z.array(
      z.strictObject({
        info: regionJson,
        state: z.enum(['OPENING', 'OPEN', 'CLOSING']),
        memStoreBytes: z.number(),
        storeFiles: z.number(),
        storeFileBytes: z.number(),
        references: z.number().optional(),
        readRequests: z.number(),
        writeRequests: z.number(),
      }),
    ),
  }),
};


function parse<S extends z.ZodType>(schema: S, r: ByteReader, what: string): z.infer<S> {
  const text = r.rest().toString('utf8');
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw new InvalidError('rpc admin body is not JSON', { code: ErrorCodes.PROTOCOL, details: { body: what } });
  }
  const res = schema.safeParse(v);
  if (!res.success) {
    const issue = res.error.issues[0]!;
    throw new InvalidError(`rpc admin body is invalid: ${issue.message.toLowerCase()}`, {
      code: ErrorCodes.PROTOCOL,
      details: { body: what, field: issue.path.join('.') },
    });
  }
  return res.data;
}

/** Domain validation (region names, family options) failing on a received body is a protocol error too. */
function asProtocol<T>(what: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    throw new InvalidError(`rpc admin body is invalid: ${msg}`, { code: ErrorCodes.PROTOCOL, cause: e, details: { body: what } });
  }
}

function regionFromJson(j: RegionInfoJson, what: string): RegionInfo {
  const info = asProtocol(what, () => regionInfoFromJson(j));
  if (info.encodedName !== j.encodedName) {
    throw new InvalidError('rpc admin body names a region whose encoded name does not match its fields', {
      code: ErrorCodes.PROTOCOL,
      details: { body: what, sent: j.encodedName, computed: info.encodedName },
    });
  }
  return info;
}

function tableToJson(t: TableDescriptor): z.infer<typeof tableJson> {
  return {
    namespace: t.namespace,
    name: t.name,
    families: t.families.map((f) => ({ ...f })),
    ...(t.maxFileSize !== undefined ? { maxFileSize: t.maxFileSize } : {}),
    ...(t.memStoreFlushSize !== undefined ? { memStoreFlushSize: t.memStoreFlushSize } : {}),
  };
}

function tableFromJson(j: z.infer<typeof tableJson>, what: string): TableDescriptor {
  const families = asProtocol(what, () => j.families.map((f) => columnFamily(f as unknown as ColumnFamilyInput)));
  return {
    namespace: j.namespace,
    name: j.name,
    families,
    ...(j.maxFileSize !== undefined ? { maxFileSize: j.maxFileSize } : {}),
    ...(j.memStoreFlushSize !== undefined ? { memStoreFlushSize: j.memStoreFlushSize } : {}),
  };
}

// --- requests ------------------------------------------------------------------------------------

export function encodeAdminRequest<M extends AdminMethod>(w: ByteWriter, method: M, req: RpcRequests[M]): void {
  let v: Record<string, unknown>;
  switch (method) {
    case 'OPEN_REGION': {
      const q = req as RpcRequests['OPEN_REGION'];
      v = { info: regionInfoToJson(q.info), table: tableToJson(q.table), ...(q.epoch !== undefined ? { epoch: q.epoch } : {}) };
      break;
    }
    case 'SPLIT_REGION': {
      const q = req as RpcRequests['SPLIT_REGION'];
      v = { region: q.region, ...(q.splitRow !== undefined ? { splitRow: q.splitRow.toString('base64') } : {}) };
      break;
    }
    case 'SERVER_INFO':
      v = {};
      break;
    case 'MERGE_REGIONS': {
      const q = req as RpcRequests['MERGE_REGIONS'];
      v = { regions: q.regions.map(regionInfoToJson), merged: regionInfoToJson(q.merged), table: tableToJson(q.table) };
      break;
    }
    default:
      v = { ...(req as Record<string, unknown>) }; // CLOSE_REGION, FLUSH_REGION, COMPACT_REGION: plain JSON but the token
  }
  const t = (req as { readonly token?: bigint }).token;
  if (t !== undefined) v['token'] = t.toString();
  else delete v['token'];
  w.text(JSON.stringify(v));
}

/** The decoded token field, if present. */
function withToken(t: string | undefined): { token?: bigint } {
  return t === undefined ? {} : { token: BigInt(t) };
}

export function decodeAdminRequest<M extends AdminMethod>(r: ByteReader, method: M): RpcRequests[M] {
  switch (method) {
    case 'OPEN_REGION': {
      const j = parse(schemas.OPEN_REGION, r, method);
      const out: RpcRequests['OPEN_REGION'] = {
        info: regionFromJson(j.info, method),
        table: tableFromJson(j.table, method),
        ...(j.epoch !== undefined ? { epoch: j.epoch } : {}),
        ...withToken(j.token),
      };
      return out as RpcRequests[M];
    }
    case 'CLOSE_REGION': {
      const j = parse(schemas.CLOSE_REGION, r, method);
      const out: RpcRequests['CLOSE_REGION'] = {
        region: j.region,
        flush: j.flush,
        ...(j.destination !== undefined ? { destination: j.destination } : {}),
        ...withToken(j.token),
      };
      return out as RpcRequests[M];
    }
    case 'FLUSH_REGION': {
      const j = parse(schemas.FLUSH_REGION, r, method);
      const out: RpcRequests['FLUSH_REGION'] = { region: j.region, ...withToken(j.token) };
      return out as RpcRequests[M];
    }
    case 'COMPACT_REGION': {
      const j = parse(schemas.COMPACT_REGION, r, method);
      const out: RpcRequests['COMPACT_REGION'] = { region: j.region, major: j.major, ...withToken(j.token) };
      return out as RpcRequests[M];
    }
    case 'SPLIT_REGION': {
      const j = parse(schemas.SPLIT_REGION, r, method);
      const out: RpcRequests['SPLIT_REGION'] = {
        region: j.region,
        ...(j.splitRow !== undefined ? { splitRow: Buffer.from(j.splitRow, 'base64') } : {}),
        ...withToken(j.token),
      };
      return out as RpcRequests[M];
    }
    case 'SERVER_INFO': {
      const j = parse(schemas.SERVER_INFO, r, method);
      return withToken(j.token) as RpcRequests[M];
    }
    case 'MERGE_REGIONS': {
      const j = parse(schemas.MERGE_REGIONS, r, method);
      const out: RpcRequests['MERGE_REGIONS'] = {
        regions: j.regions.map((x) => regionFromJson(x, method)),
        merged: regionFromJson(j.merged, method),
        table: tableFromJson(j.table, method),
        ...withToken(j.token),
      };
      return out as RpcRequests[M];
    }
  }
  throw new InvalidError('not an admin method', { details: { method: String(method) } });
}

// --- responses -----------------------------------------------------------------------------------

/** Methods whose answer is an empty body. */
export function isEmptyAdminResponse(method: AdminMethod): boolean {
  return method !== 'SPLIT_REGION' && method !== 'SERVER_INFO';
}

export function encodeAdminResponse<M extends AdminMethod>(w: ByteWriter, method: M, res: RpcResponses[M]): void {
  if (method === 'SPLIT_REGION') {
    const s = res as RpcResponses['SPLIT_REGION'];
    w.text(JSON.stringify({ splitRow: s.splitRow.toString('base64'), daughters: [regionInfoToJson(s.daughters[0]), regionInfoToJson(s.daughters[1])] }));
  } else if (method === 'SERVER_INFO') {
    const s = res as RpcResponses['SERVER_INFO'];
    w.text(
      JSON.stringify({
        serverName: s.serverName,
        startCode: s.startCode,
        regions: s.regions.map((h) => ({ ...h, info: regionInfoToJson(h.info) })),
      }),
    );
  }
  // Every other admin answer is empty.
}

export function decodeAdminResponse<M extends AdminMethod>(r: ByteReader, method: M): RpcResponses[M] {
  if (method === 'SPLIT_REGION') {
    const j = parse(schemas.SPLIT_RESPONSE, r, method);
    const out: RpcResponses['SPLIT_REGION'] = {
      splitRow: Buffer.from(j.splitRow, 'base64'),
      daughters: [regionFromJson(j.daughters[0], method), regionFromJson(j.daughters[1], method)],
    };
    return out as RpcResponses[M];
  }
  if (method === 'SERVER_INFO') {
    const j = parse(schemas.SERVER_INFO_RESPONSE, r, method);
    const regions: HostedRegion[] = j.regions.map((h) => ({ ...h, info: regionFromJson(h.info, method) }));
    const out: RpcResponses['SERVER_INFO'] = { serverName: j.serverName, startCode: j.startCode, regions };
    return out as RpcResponses[M];
  }
  r.done(method);
  return {} as RpcResponses[M];
}
