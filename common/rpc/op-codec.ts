// Binary codec of the data operations (common/ops/operations.ts) inside RPC bodies.
// Layout: docs/formats/rpc.md, "Operations". Big-endian; bytesN = len:uN + bytes.
//
//   readSpec  = flags:u8 [columns] [maxVersions:u32] [timeRange] [filter:json32]
//               flags 0x01 columns, 0x02 maxVersions, 0x04 timeRange, 0x08 filter, 0x10 raw
//   columns   = count:u16 (flags:u8 family:bytes8 [qualifier:bytes32])*   flags 0x01 qualifier
//   timeRange = min:u64 max:u64
//   get       = row:bytes16 flags:u8 readSpec                      flags 0x01 existenceOnly
//   scan      = flags:u8 [startRow:bytes16] [stopRow:bytes16] [limit:u32] [batch:u32] [caching:u32] readSpec
//               flags 0x01 startRow, 0x02 stopRow, 0x04 reversed, 0x08 limit, 0x10 batch, 0x20 caching
//   mutation  = kind:u8 (put | delete)                kind 0 put, 1 delete
//   put       = row:bytes16 flags:u8 count:u32 cells:bytes32     flags 0x01 skipWal
//               cells: `count` KeyValues of type Put and row `row` (LATEST_TIMESTAMP = server time)
//   delete    = row:bytes16 flags:u8 [timestamp:u64] count:u32 del col*
//               flags 0x01 skipWal, 0x02 timestamp (the whole-row delete's)
//   del col   = flags:u8 family:bytes8 [qualifier:bytes32] [timestamp:u64]
//               flags 0x01 qualifier, 0x02 timestamp, 0x04 allVersions
//   increment = row:bytes16 flags:u8 [nonce] count:u32 (family:bytes8 qualifier:bytes32 amount:i64)*
//   append    = row:bytes16 flags:u8 [nonce] count:u32 (family:bytes8 qualifier:bytes32 value:bytes32)*
//               flags 0x01 skipWal, 0x02 nonce
//   checkAndMutate = row:bytes16 family:bytes8 qualifier:bytes32 op:u8 flags:u8 [value:bytes32]
//                    [timeRange] [nonce] count:u32 mutation*
//                    flags 0x01 value, 0x02 timeRange, 0x04 nonce
//   nonce     = nonceGroup:u64 nonce:u64        (non-zero nonce; docs/rfcs/0006-operation-nonces.md)
//
// The nonce is not part of the operation the user builds: it travels beside it (the request's
// `nonce`), so encoders take it as a separate argument and the *WithNonce decoders return it.
// A frame without the flag is an operation without a nonce, as older clients send.
//
// Optional fields are sent only when present; booleans only when true, so a decoded operation
// has exactly the fields the sender set, except that false booleans come back absent.
//
// Encoders throw InvalidError (TSB_INVALID_ARGUMENT) for values that do not fit their field
// (a row over 65535 bytes, a family over 255 — 127 in a Put —, a negative timestamp). Decoders throw
// InvalidError (TSB_PROTOCOL) for a malformed body, and InvalidError (TSB_VALUE_TOO_LARGE) for
// a value longer than `limits.maxValueBytes`.

import { KEY_INFRASTRUCTURE_SIZE, KV_LENGTHS_SIZE, LATEST_TIMESTAMP, MAX_FAMILY_LENGTH } from '../cells/keyvalue-format.js';
import { keyValueLength } from '../cells/keyvalue.js';
import { ErrorCodes, InvalidError } from '../errors.js';
import { KeyValuePut, parseKeyValuePut } from '../ops/keyvalue-put.js';
import type {
  Append,
  CheckAndMutate,
  ColumnSpec,
  CompareOp,
  Delete,
  DeleteColumn,
  Get,
  Increment,
  Mutation,
  Put,
  ReadSpec,
  Scan,
  TimeRange,
} from '../ops/operations.js';
import type { OperationNonce } from '../ops/operation-nonce.js';
import { checkNonce, NO_NONCE } from '../ops/operation-nonce.js';
import type { FilterJson } from '../../regionserver/filter/filter-json.js';
import type { ByteWriter } from './byte-writer.js';
import { badField } from './byte-reader.js';
import type { ByteReader } from './byte-reader.js';
import * as F from './rpc-format.js';

/** Limits a decoder enforces on what it reads. */
export interface DecodeLimits {
  /** Longest value (Put/Append/CheckAndMutate) accepted; absent = no limit but the frame's. */
  readonly maxValueBytes?: number;
}

const NO_LIMITS: DecodeLimits = {};

// --- ReadSpec, Get, Scan ----------------------------------------------------------------------

function encodeTimeRange(w: ByteWriter, t: TimeRange): void {
  w.u64(t.min);
  w.u64(t.max);
}

function decodeTimeRange(r: ByteReader): TimeRange {
  const min = r.u64('timeRange.min');
  const max = r.u64('timeRange.max');
  return { min, max };
}

function encodeReadSpec(w: ByteWriter, s: ReadSpec): void {
  let flags = 0;
  if (s.columns !== undefined) flags |= F.READ_COLUMNS;
  if (s.maxVersions !== undefined) flags |= F.READ_MAX_VERSIONS;
  if (s.timeRange !== undefined) flags |= F.READ_TIME_RANGE;
  if (s.filter !== undefined) flags |= F.READ_FILTER;
  if (s.raw === true) flags |= F.READ_RAW;
  w.u8(flags);
  if (s.columns !== undefined) encodeColumns(w, s.columns);
  if (s.maxVersions !== undefined) w.u32(s.maxVersions);
  if (s.timeRange !== undefined) encodeTimeRange(w, s.timeRange);
  if (s.filter !== undefined) w.str32(JSON.stringify(s.filter));
}

/** Decodes a ReadSpec into `out` (the Get or Scan being built). */
function decodeReadSpec(r: ByteReader, out: { -readonly [K in keyof ReadSpec]: ReadSpec[K] }): void {
  const flags = r.u8('readSpec.flags');
  if ((flags & ~0x1f) !== 0) throw badField('readSpec.flags', flags);
  if (flags & F.READ_COLUMNS) out.columns = decodeColumns(r);
  if (flags & F.READ_MAX_VERSIONS) out.maxVersions = r.u32('maxVersions');
  if (flags & F.READ_TIME_RANGE) out.timeRange = decodeTimeRange(r);
  if (flags & F.READ_FILTER) out.filter = decodeFilter(r);
  if (flags & F.READ_RAW) out.raw = true;
}

function decodeFilter(r: ByteReader): FilterJson {
  const s = r.str32('filter');
  let v: unknown;
  try {
    v = JSON.parse(s);
  } catch {
    throw badField('filter', s.slice(0, 100));
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw badField('filter', s.slice(0, 100));
  // The region validates the filter itself (filterFromJson) and answers TSB_INVALID_ARGUMENT.
  return v as FilterJson;
}

function encodeColumns(w: ByteWriter, cols: readonly ColumnSpec[]): void {
  if (cols.length > 0xffff) throw new InvalidError('too many columns in one read', { details: { columns: cols.length, max: 0xffff } });
  w.u16(cols.length);
  for (const c of cols) {
    if (c.qualifier !== undefined) {
      w.u8(F.COLUMN_QUALIFIER);
      w.bytes8(c.family, 'family');
      w.bytes32(c.qualifier);
    } else {
      w.u8(0);
      w.bytes8(c.family, 'family');
    }
  }
}

function decodeColumns(r: ByteReader): ColumnSpec[] {
  const n = r.u16('columns.count');
  const out: ColumnSpec[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const flags = r.u8('column.flags');
    if ((flags & ~F.COLUMN_QUALIFIER) !== 0) throw badField('column.flags', flags);
    const family = r.bytes8('column.family');
    out[i] = flags & F.COLUMN_QUALIFIER ? { family, qualifier: r.bytes32('column.qualifier') } : { family };
  }
  return out;
}

export function encodeGet(w: ByteWriter, g: Get): void {
  w.bytes16(g.row, 'row');
  w.u8(g.existenceOnly === true ? F.GET_EXISTENCE_ONLY : 0);
  encodeReadSpec(w, g);
}

export function decodeGet(r: ByteReader): Get {
  const row = r.bytes16('get.row');
  const flags = r.u8('get.flags');
  if ((flags & ~F.GET_EXISTENCE_ONLY) !== 0) throw badField('get.flags', flags);
  const g: { -readonly [K in keyof Get]: Get[K] } = { row };
  if (flags & F.GET_EXISTENCE_ONLY) g.existenceOnly = true;
  decodeReadSpec(r, g);
  return g;
}

export function encodeScan(w: ByteWriter, s: Scan): void {
  let flags = 0;
  if (s.startRow !== undefined) flags |= F.SCAN_START_ROW;
  if (s.stopRow !== undefined) flags |= F.SCAN_STOP_ROW;
  if (s.reversed === true) flags |= F.SCAN_REVERSED;
  if (s.limit !== undefined) flags |= F.SCAN_LIMIT;
  if (s.batch !== undefined) flags |= F.SCAN_BATCH;
  if (s.caching !== undefined) flags |= F.SCAN_CACHING;
  w.u8(flags);
  if (s.startRow !== undefined) w.bytes16(s.startRow, 'startRow');
  if (s.stopRow !== undefined) w.bytes16(s.stopRow, 'stopRow');
  if (s.limit !== undefined) w.u32(s.limit);
  if (s.batch !== undefined) w.u32(s.batch);
  if (s.caching !== undefined) w.u32(s.caching);
  encodeReadSpec(w, s);
}

export function decodeScan(r: ByteReader): Scan {
  const flags = r.u8('scan.flags');
  if ((flags & ~0x3f) !== 0) throw badField('scan.flags', flags);
  const s: { -readonly [K in keyof Scan]: Scan[K] } = {};
  if (flags & F.SCAN_START_ROW) s.startRow = r.bytes16('scan.startRow');
  if (flags & F.SCAN_STOP_ROW) s.stopRow = r.bytes16('scan.stopRow');
  if (flags & F.SCAN_REVERSED) s.reversed = true;
  if (flags & F.SCAN_LIMIT) s.limit = r.u32('scan.limit');
  if (flags & F.SCAN_BATCH) s.batch = r.u32('scan.batch');
  if (flags & F.SCAN_CACHING) s.caching = r.u32('scan.caching');
  decodeReadSpec(r, s);
  return s;
}

// --- Mutations ----------------------------------------------------------------------------------

export function encodeMutation(w: ByteWriter, m: Mutation): void {
  if (m.kind === 'put') encodePut(w, m);
  else if (m.kind === 'delete') encodeDelete(w, m);
  else throw new InvalidError('mutation kind must be put or delete', { details: { kind: String((m as { kind: unknown }).kind) } });
}

function encodePut(w: ByteWriter, p: Put): void {
  w.u8(F.MUTATION_PUT);
  w.bytes16(p.row, 'row');
  w.u8(p.skipWal === true ? F.MUTATION_SKIP_WAL : 0);
  if (p instanceof KeyValuePut) {
    w.u32(p.count);
    w.u32(p.end - p.start);
    w.rawRange(p.buf, p.start, p.end);
    return;
  }
  const cols = p.columns;
  let bytes = 0;
  for (let i = 0; i < cols.length; i++) {
    const c = cols[i]!;
    if (c.family.length > MAX_FAMILY_LENGTH) throw new InvalidError(`family is longer than ${MAX_FAMILY_LENGTH} bytes`, { details: { length: c.family.length } });
    const ts = c.timestamp;
    if (ts !== undefined && (typeof ts !== 'bigint' || ts < 0n || ts > LATEST_TIMESTAMP)) {
      throw new InvalidError('timestamp must be a non-negative 64-bit integer', { details: { timestamp: String(ts) } });
    }
    bytes += keyValueLength(p.row.length, c.family.length, c.qualifier.length, c.value.length);
  }
  w.u32(cols.length);
  w.u32(bytes);
  for (let i = 0; i < cols.length; i++) {
    const c = cols[i]!;
    w.putKeyValue(p.row, c.family, c.qualifier, c.timestamp ?? LATEST_TIMESTAMP, c.value);
  }
}

function encodeDelete(w: ByteWriter, d: Delete): void {
  w.u8(F.MUTATION_DELETE);
  w.bytes16(d.row, 'row');
  w.u8((d.skipWal === true ? F.MUTATION_SKIP_WAL : 0) | (d.timestamp !== undefined ? F.MUTATION_TIMESTAMP : 0));
  if (d.timestamp !== undefined) w.u64(d.timestamp);
  w.u32(d.columns.length);
  for (const c of d.columns) {
    w.u8((c.qualifier !== undefined ? F.DELETE_QUALIFIER : 0) | (c.timestamp !== undefined ? F.DELETE_TIMESTAMP : 0) | (c.allVersions ? F.DELETE_ALL_VERSIONS : 0));
    w.bytes8(c.family, 'family');
    if (c.qualifier !== undefined) w.bytes32(c.qualifier);
    if (c.timestamp !== undefined) w.u64(c.timestamp);
  }
}

export function decodeMutation(r: ByteReader, limits: DecodeLimits = NO_LIMITS): Mutation {
  const kind = r.u8('mutation.kind');
  if (kind === F.MUTATION_PUT) return decodePut(r, limits);
  if (kind === F.MUTATION_DELETE) return decodeDelete(r);
  throw badField('mutation.kind', kind);
}

function decodePut(r: ByteReader, limits: DecodeLimits): Put {
  const row = r.bytes16('put.row');
  const flags = r.u8('put.flags');
  if ((flags & ~F.MUTATION_SKIP_WAL) !== 0) throw badField('put.flags', flags);
  const n = r.u32('put.count');
  const len = r.u32('put.cells');
  if (n * (KV_LENGTHS_SIZE + KEY_INFRASTRUCTURE_SIZE) > len) throw badField('put.count', n);
  const start = r.skip(len, 'put.cells');
  return parseKeyValuePut(row, r.buf, start, start + len, n, (flags & F.MUTATION_SKIP_WAL) !== 0, limits.maxValueBytes);
}

function decodeDelete(r: ByteReader): Delete {
  const row = r.bytes16('delete.row');
  const flags = r.u8('delete.flags');
  if ((flags & ~(F.MUTATION_SKIP_WAL | F.MUTATION_TIMESTAMP)) !== 0) throw badField('delete.flags', flags);
  const timestamp = flags & F.MUTATION_TIMESTAMP ? r.u64('delete.timestamp') : undefined;
  const n = r.u32('delete.count');
  checkCount(r, n, 2, 'delete.count');
  const columns: DeleteColumn[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const cf = r.u8('delete.column.flags');
    if ((cf & ~0x07) !== 0) throw badField('delete.column.flags', cf);
    const family = r.bytes8('delete.family');
    const c: { -readonly [K in keyof DeleteColumn]: DeleteColumn[K] } = { family, allVersions: (cf & F.DELETE_ALL_VERSIONS) !== 0 };
    if (cf & F.DELETE_QUALIFIER) c.qualifier = r.bytes32('delete.qualifier');
    if (cf & F.DELETE_TIMESTAMP) c.timestamp = r.u64('delete.timestamp');
    columns[i] = c;
  }
  const d: { -readonly [K in keyof Delete]: Delete[K] } = { kind: 'delete', row, columns };
  if (timestamp !== undefined) d.timestamp = timestamp;
  if (flags & F.MUTATION_SKIP_WAL) d.skipWal = true;
  return d;
}

function value(r: ByteReader, limits: DecodeLimits, what: string): Buffer {
  const n = r.u32(what);
  const max = limits.maxValueBytes;
  if (max !== undefined && n > max) {
    throw new InvalidError('value is larger than the server accepts; split it or raise the limit', {
      code: ErrorCodes.VALUE_TOO_LARGE,
      details: { field: what, length: n, max },
    });
  }
  return r.bytes(n, what);
}

/** A count of items of at least `minBytes` each cannot exceed the bytes left: reject early. */
function checkCount(r: ByteReader, n: number, minBytes: number, what: string): void {
  if (n * minBytes > r.remaining) throw badField(what, n);
}

// --- Increment, Append, CheckAndMutate ---------------------------------------------------------

/** An operation and the nonce that came with it (absent: none). */
export interface WithNonce<T> {
  readonly op: T;
  readonly nonce?: OperationNonce;
}

function encodeNonce(w: ByteWriter, n: OperationNonce): void {
  checkNonce(n);
  w.u64(n.group);
  w.u64(n.nonce);
}

function decodeNonce(r: ByteReader): OperationNonce {
  const group = r.u64('nonceGroup');
  const nonce = r.u64('nonce');
  if (nonce === NO_NONCE) throw badField('nonce', 0);
  return { group, nonce };
}

function withNonce<T>(op: T, nonce: OperationNonce | undefined): WithNonce<T> {
  return nonce === undefined ? { op } : { op, nonce };
}

export function encodeIncrement(w: ByteWriter, inc: Increment, nonce?: OperationNonce): void {
  w.bytes16(inc.row, 'row');
  w.u8((inc.skipWal === true ? F.MUTATION_SKIP_WAL : 0) | (nonce !== undefined ? F.RMW_NONCE : 0));
  if (nonce !== undefined) encodeNonce(w, nonce);
  w.u32(inc.columns.length);
  for (const c of inc.columns) {
    w.bytes8(c.family, 'family');
    w.bytes32(c.qualifier);
    w.i64(c.amount);
  }
}

export function decodeIncrement(r: ByteReader): Increment {
  return decodeIncrementWithNonce(r).op;
}

export function decodeIncrementWithNonce(r: ByteReader): WithNonce<Increment> {
  const row = r.bytes16('increment.row');
  const flags = r.u8('increment.flags');
  if ((flags & ~(F.MUTATION_SKIP_WAL | F.RMW_NONCE)) !== 0) throw badField('increment.flags', flags);
  const nonce = flags & F.RMW_NONCE ? decodeNonce(r) : undefined;
  const n = r.u32('increment.count');
  checkCount(r, n, 13, 'increment.count');
  const columns: { family: Buffer; qualifier: Buffer; amount: bigint }[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const family = r.bytes8('increment.family');
    const qualifier = r.bytes32('increment.qualifier');
    columns[i] = { family, qualifier, amount: r.i64('increment.amount') };
  }
  return withNonce(flags & F.MUTATION_SKIP_WAL ? { row, columns, skipWal: true } : { row, columns }, nonce);
}

export function encodeAppend(w: ByteWriter, a: Append, nonce?: OperationNonce): void {
  w.bytes16(a.row, 'row');
  w.u8((a.skipWal === true ? F.MUTATION_SKIP_WAL : 0) | (nonce !== undefined ? F.RMW_NONCE : 0));
  if (nonce !== undefined) encodeNonce(w, nonce);
  w.u32(a.columns.length);
  for (const c of a.columns) {
    w.bytes8(c.family, 'family');
    w.bytes32(c.qualifier);
    w.bytes32(c.value);
  }
}

export function decodeAppend(r: ByteReader, limits: DecodeLimits = NO_LIMITS): Append {
  return decodeAppendWithNonce(r, limits).op;
}

export function decodeAppendWithNonce(r: ByteReader, limits: DecodeLimits = NO_LIMITS): WithNonce<Append> {
  const row = r.bytes16('append.row');
  const flags = r.u8('append.flags');
  if ((flags & ~(F.MUTATION_SKIP_WAL | F.RMW_NONCE)) !== 0) throw badField('append.flags', flags);
  const nonce = flags & F.RMW_NONCE ? decodeNonce(r) : undefined;
  const n = r.u32('append.count');
  checkCount(r, n, 9, 'append.count');
  const columns: { family: Buffer; qualifier: Buffer; value: Buffer }[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const family = r.bytes8('append.family');
    const qualifier = r.bytes32('append.qualifier');
    columns[i] = { family, qualifier, value: value(r, limits, 'append.value') };
  }
  return withNonce(flags & F.MUTATION_SKIP_WAL ? { row, columns, skipWal: true } : { row, columns }, nonce);
}

export function encodeCheckAndMutate(w: ByteWriter, c: CheckAndMutate, nonce?: OperationNonce): void {
  w.bytes16(c.row, 'row');
  w.bytes8(c.family, 'family');
  w.bytes32(c.qualifier);
  const op = F.COMPARE_OPS.indexOf(c.op);
  if (op < 0) throw new InvalidError('unknown compare op', { details: { op: String(c.op) } });
  w.u8(op);
  w.u8((c.value !== undefined ? F.CAM_VALUE : 0) | (c.timeRange !== undefined ? F.CAM_TIME_RANGE : 0) | (nonce !== undefined ? F.CAM_NONCE : 0));
  if (c.value !== undefined) w.bytes32(c.value);
  if (c.timeRange !== undefined) encodeTimeRange(w, c.timeRange);
  if (nonce !== undefined) encodeNonce(w, nonce);
  w.u32(c.mutations.length);
  for (const m of c.mutations) encodeMutation(w, m);
}

export function decodeCheckAndMutate(r: ByteReader, limits: DecodeLimits = NO_LIMITS): CheckAndMutate {
  return decodeCheckAndMutateWithNonce(r, limits).op;
}

export function decodeCheckAndMutateWithNonce(r: ByteReader, limits: DecodeLimits = NO_LIMITS): WithNonce<CheckAndMutate> {
  const row = r.bytes16('checkAndMutate.row');
  const family = r.bytes8('checkAndMutate.family');
  const qualifier = r.bytes32('checkAndMutate.qualifier');
  const opCode = r.u8('checkAndMutate.op');
  const op: CompareOp | undefined = F.COMPARE_OPS[opCode];
  if (op === undefined) throw badField('checkAndMutate.op', opCode);
  const flags = r.u8('checkAndMutate.flags');
  if ((flags & ~(F.CAM_VALUE | F.CAM_TIME_RANGE | F.CAM_NONCE)) !== 0) throw badField('checkAndMutate.flags', flags);
  const c: { -readonly [K in keyof CheckAndMutate]: CheckAndMutate[K] } = { row, family, qualifier, op, mutations: [] };
  if (flags & F.CAM_VALUE) c.value = value(r, limits, 'checkAndMutate.value');
  if (flags & F.CAM_TIME_RANGE) c.timeRange = decodeTimeRange(r);
  const nonce = flags & F.CAM_NONCE ? decodeNonce(r) : undefined;
  const n = r.u32('checkAndMutate.count');
  checkCount(r, n, 8, 'checkAndMutate.count');
  const mutations: Mutation[] = new Array(n);
  for (let i = 0; i < n; i++) mutations[i] = decodeMutation(r, limits);
  c.mutations = mutations;
  return withNonce(c, nonce);
}
