// KeyValue: the serialized form of a cell, as in HBase (docs/formats/keyvalue.md).
//
//   keylen:u32 valuelen:u32 | rowlen:u16 row | famlen:u8 family | qualifier | timestamp:u64 | type:u8 | value
//
// All integers big-endian. The qualifier's length is implied: keylen - rowlen - famlen - 12.
// Sort order: row asc, family asc, qualifier asc, timestamp desc, type desc.

import { CorruptionError, InvalidError } from '../errors.js';
import { put32 } from '../u32-bytes.js';
import {
  CellType,
  FAMILY_LENGTH_SIZE,
  isValidCellType,
  KEY_INFRASTRUCTURE_SIZE,
  KEY_TRAILER_SIZE,
  KV_LENGTHS_SIZE,
  LATEST_TIMESTAMP,
  MAX_FAMILY_LENGTH,
  MAX_ROW_LENGTH,
  ROW_LENGTH_SIZE,
} from './keyvalue-format.js';

/** A decoded cell. Hot paths should use views into encoded buffers instead. */
export interface Cell {
  readonly row: Buffer;
  readonly family: Buffer;
  readonly qualifier: Buffer;
  /** Milliseconds; non-negative. */
  readonly timestamp: bigint;
  readonly type: CellType;
  readonly value: Buffer;
}

/** Bytes the KeyValue encoding of `c` takes. */
export function encodedLength(c: Cell): number {
  return keyValueLength(c.row.length, c.family.length, c.qualifier.length, c.value.length);
}

/** Bytes a KeyValue with fields of these lengths takes. */
export function keyValueLength(rowLen: number, famLen: number, qualLen: number, valueLen: number): number {
  return KV_LENGTHS_SIZE + KEY_INFRASTRUCTURE_SIZE + rowLen + famLen + qualLen + valueLen;
}

/** Throws InvalidError unless `c` can be encoded (row/family lengths, timestamp range, type). */
export function validateCell(c: Cell): void {
  if (c.row.length === 0 || c.row.length > MAX_ROW_LENGTH) {
    throw new InvalidError(`row length must be 1..${MAX_ROW_LENGTH} bytes`, { details: { rowLength: c.row.length } });
  }
  if (c.family.length > MAX_FAMILY_LENGTH) {
    throw new InvalidError(`family length must be at most ${MAX_FAMILY_LENGTH} bytes`, { details: { familyLength: c.family.length } });
  }
  if (c.timestamp < 0n || c.timestamp > 0x7fffffffffffffffn) {
    throw new InvalidError('timestamp must be a non-negative 64-bit integer', { details: { timestamp: c.timestamp } });
  }
  if (!isValidCellType(c.type)) throw new InvalidError('unknown cell type', { details: { type: c.type } });
}

/**
 * Writes the KeyValue of `c` into `buf` at `off` and returns the offset after it.
 * REQUIRES: validateCell(c) passed; buf has encodedLength(c) bytes free at off; `view`, if
 * given, is a DataView over exactly `buf` (an encoder writing many cells into one buffer
 * passes one: DataView.setBigUint64 is several times faster than Buffer.writeBigUInt64BE).
 */
export function writeKeyValue(buf: Buffer, off: number, c: Cell, view?: DataView): number {
  return writeKeyValueFields(buf, off, c.row, c.family, c.qualifier, c.timestamp, c.type, c.value, view);
}

/**
 * writeKeyValue of the cell with these fields (for writers that hold the fields, not a Cell).
 * REQUIRES: as writeKeyValue.
 */
export function writeKeyValueFields(buf: Buffer, off: number, row: Buffer, family: Buffer, qualifier: Buffer, timestamp: bigint, type: CellType, value: Buffer, view?: DataView): number {
  const rowLen = row.length;
  const famLen = family.length;
  const keyLen = KEY_INFRASTRUCTURE_SIZE + rowLen + famLen + qualifier.length;
  put32(buf, off, keyLen);
  put32(buf, off + 4, value.length);
  off += KV_LENGTHS_SIZE;
  buf[off] = rowLen >>> 8;
  buf[off + 1] = rowLen & 0xff;
  off += ROW_LENGTH_SIZE;
  off = put(buf, off, row);
  buf[off] = famLen;
  off = put(buf, off + FAMILY_LENGTH_SIZE, family);
  off = put(buf, off, qualifier);
  if (timestamp === LATEST_TIMESTAMP) {
    // A client's put that leaves the time to the server: its bytes, no bigint conversion.
    buf[off] = 0x7f;
    for (let i = 1; i < 8; i++) buf[off + i] = 0xff;
  } else if (view !== undefined) view.setBigUint64(off, timestamp);
  else buf.writeBigUInt64BE(timestamp, off);
  buf[off + 8] = type;
  off += KEY_TRAILER_SIZE;
  return put(buf, off, value);
}

/** Whole fields up to this many bytes are copied by a JS loop, longer ones by TypedArray#set. */
const LOOP_COPY_MAX = 16;

/**
 * Copies all of `src` into `buf` at `off`; returns the offset after it. TypedArray#set of a
 * whole Buffer (no view to make) took 40-85 ns on the development VM, a JS loop ~4 ns per
 * byte: the loop wins only for short fields (a family, most qualifiers). Ranges of a buffer
 * go by common/copy-bytes.ts, whose native path must make a view.
 */
function put(buf: Buffer, off: number, src: Buffer): number {
  const n = src.length;
  if (n > LOOP_COPY_MAX) buf.set(src, off);
  else for (let i = 0; i < n; i++) buf[off + i] = src[i]!;
  return off + n;
}

/** Encodes one cell into a new buffer. */
export function encodeKeyValue(c: Cell): Buffer {
  validateCell(c);
  const buf = Buffer.allocUnsafe(encodedLength(c));
  writeKeyValue(buf, 0, c);
  return buf;
}

/**
 * Decodes the KeyValue at `off` of `buf`. The returned buffers are views into `buf`.
 * Throws CorruptionError if the bytes do not form a valid KeyValue within `end`.
 */
export function readKeyValue(buf: Buffer, off: number, end: number = buf.length): { cell: Cell; next: number } {
  if (off + KV_LENGTHS_SIZE > end) throw new CorruptionError('truncated keyvalue lengths', { details: { offset: off } });
  const keyLen = buf.readUInt32BE(off);
  const valueLen = buf.readUInt32BE(off + 4);
  const keyStart = off + KV_LENGTHS_SIZE;
  const valueStart = keyStart + keyLen;
  const next = valueStart + valueLen;
  if (keyLen < KEY_INFRASTRUCTURE_SIZE || next > end) throw new CorruptionError('keyvalue length out of bounds', { details: { offset: off, keyLen, valueLen } });
  const rowLen = buf.readUInt16BE(keyStart);
  const famLenOff = keyStart + ROW_LENGTH_SIZE + rowLen;
  if (famLenOff >= valueStart - KEY_TRAILER_SIZE) throw new CorruptionError('keyvalue row length out of bounds', { details: { offset: off, rowLen } });
  const famLen = buf.readUInt8(famLenOff);
  const qualStart = famLenOff + FAMILY_LENGTH_SIZE + famLen;
  const tsOff = valueStart - KEY_TRAILER_SIZE;
  if (qualStart > tsOff) throw new CorruptionError('keyvalue family length out of bounds', { details: { offset: off, famLen } });
  const type = buf.readUInt8(tsOff + 8);
  if (!isValidCellType(type)) throw new CorruptionError('keyvalue has an unknown type', { details: { offset: off, type } });
  const cell: Cell = {
    row: buf.subarray(keyStart + ROW_LENGTH_SIZE, famLenOff),
    family: buf.subarray(famLenOff + FAMILY_LENGTH_SIZE, qualStart),
    qualifier: buf.subarray(qualStart, tsOff),
    timestamp: buf.readBigUInt64BE(tsOff),
    type,
    value: buf.subarray(valueStart, next),
  };
  return { cell, next };
}

/** Cell order: row asc, family asc, qualifier asc, timestamp desc, type desc. */
export function compareCells(a: Cell, b: Cell): number {
  let c = Buffer.compare(a.row, b.row);
  if (c !== 0) return c;
  c = Buffer.compare(a.family, b.family);
  if (c !== 0) return c;
  c = Buffer.compare(a.qualifier, b.qualifier);
  if (c !== 0) return c;
  if (a.timestamp !== b.timestamp) return a.timestamp > b.timestamp ? -1 : 1;
  return b.type - a.type;
}

/** A Put cell, for tests and callers building mutations. */
export function putCell(row: Buffer | string, family: Buffer | string, qualifier: Buffer | string, timestamp: bigint, value: Buffer | string): Cell {
  const b = (x: Buffer | string) => (typeof x === 'string' ? Buffer.from(x) : x);
  return { row: b(row), family: b(family), qualifier: b(qualifier), timestamp, type: CellType.Put, value: b(value) };
}
