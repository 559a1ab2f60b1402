// Encoded KeyValue keys: field accessors, builders and a fast, allocation-free comparator.
// Layout (docs/formats/keyvalue.md), all integers big-endian:
//
//   rowlen:u16 | row | famlen:u8 | family | qualifier | timestamp:u64 | type:u8
//
// The qualifier's length is implied: keylen - 2 - rowlen - 1 - famlen - 9.
// Order: row asc, family asc, qualifier asc, timestamp desc, type desc — the same order as
// compareCells in keyvalue.ts. Timestamps are non-negative, so the big-endian bytes of
// (timestamp, type) compared as unsigned bytes give the reverse of the wanted order: one
// 9-byte comparison, negated, orders both fields at once.
//
// Every function taking (buf, off, len) REQUIRES that the range holds a structurally valid key
// (see keyStructureError); they do not check bounds, so they stay fast on hot paths. Decoders
// of stored data validate keys once when a block is loaded.

import {
  CellType,
  FAMILY_LENGTH_SIZE,
  KEY_INFRASTRUCTURE_SIZE,
  KEY_TRAILER_SIZE,
  LATEST_TIMESTAMP,
  MAX_FAMILY_LENGTH,
  MAX_ROW_LENGTH,
  ROW_LENGTH_SIZE,
} from './keyvalue-format.js';
import type { Cell } from './keyvalue.js';
import { isValidCellType } from './keyvalue-format.js';

const EMPTY = Buffer.alloc(0);

/** Length of the row of the key at `off`. */
export function keyRowLength(buf: Buffer, off: number): number {
  return (buf[off]! << 8) | buf[off + 1]!;
}

/** Offset of the row bytes of the key at `off`. */
export function keyRowOffset(off: number): number {
  return off + ROW_LENGTH_SIZE;
}

/** Offset of the family length byte of the key at `off`. */
export function keyFamilyLengthOffset(buf: Buffer, off: number): number {
  return off + ROW_LENGTH_SIZE + keyRowLength(buf, off);
}

/**
 * True if the key of `len` bytes at `off` has an empty qualifier: the column where HBase keeps
 * a family's delete markers, so readers must step through it rather than seek past it.
 */
export function keyHasEmptyQualifier(buf: Buffer, off: number, len: number): boolean {
  const fl = keyFamilyLengthOffset(buf, off);
  return fl + FAMILY_LENGTH_SIZE + buf[fl]! === off + len - KEY_TRAILER_SIZE;
}

/** Offset of the timestamp of a key of `len` bytes at `off`; the type byte follows it. */
export function keyTimestampOffset(off: number, len: number): number {
  return off + len - KEY_TRAILER_SIZE;
}

/** The timestamp of the key. */
export function keyTimestamp(buf: Buffer, off: number, len: number): bigint {
  return buf.readBigUInt64BE(off + len - KEY_TRAILER_SIZE);
}

/** The type byte of the key. */
export function keyType(buf: Buffer, off: number, len: number): number {
  return buf[off + len - 1]!;
}

/** Bytes a key of these fields takes. */
export function keyLength(rowLen: number, familyLen: number, qualifierLen: number): number {
  return KEY_INFRASTRUCTURE_SIZE + rowLen + familyLen + qualifierLen;
}

/**
 * Writes a key at `off` of `buf` and returns the offset after it.
 * REQUIRES: row 1..MAX_ROW_LENGTH bytes (0 only for seek helpers), family ≤ MAX_FAMILY_LENGTH,
 * 0 ≤ timestamp < 2^63, room for keyLength(...) bytes at off.
 */
export function writeKey(buf: Buffer, off: number, row: Buffer, family: Buffer, qualifier: Buffer, timestamp: bigint, type: number): number {
  buf[off] = row.length >>> 8;
  buf[off + 1] = row.length & 0xff;
  off += ROW_LENGTH_SIZE;
  off += row.copy(buf, off);
  buf[off] = family.length;
  off += FAMILY_LENGTH_SIZE;
  off += family.copy(buf, off);
  off += qualifier.copy(buf, off);
  buf.writeBigUInt64BE(timestamp, off);
  buf[off + 8] = type;
  return off + KEY_TRAILER_SIZE;
}

/** A new buffer holding the key of these fields. Same requirements as writeKey. */
export function buildKey(row: Buffer, family: Buffer, qualifier: Buffer, timestamp: bigint, type: number): Buffer {
  const buf = Buffer.allocUnsafe(keyLength(row.length, family.length, qualifier.length));
  writeKey(buf, 0, row, family, qualifier, timestamp, type);
  return buf;
}

/** The key of a cell. REQUIRES: validateCell(cell) passed. */
export function keyOfCell(cell: Cell): Buffer {
  return buildKey(cell.row, cell.family, cell.qualifier, cell.timestamp, cell.type);
}

/** The smallest key of `row`: sorts before every cell of the row (seek helper). */
export function firstOnRowKey(row: Buffer): Buffer {
  return buildKey(row, EMPTY, EMPTY, LATEST_TIMESTAMP, CellType.Maximum);
}

/** The smallest key of a column: sorts before every version of (row, family, qualifier). */
export function firstOnColumnKey(row: Buffer, family: Buffer, qualifier: Buffer): Buffer {
  return buildKey(row, family, qualifier, LATEST_TIMESTAMP, CellType.Maximum);
}

/**
 * Why the `len` bytes at `off` are not a well-formed key, or undefined if they are.
 * `stored`: also require a stored cell type and a non-empty row (keys read from files).
 */
export function keyStructureError(buf: Buffer, off: number, len: number, stored: boolean): string | undefined {
  if (len < KEY_INFRASTRUCTURE_SIZE || off < 0 || off + len > buf.length) return 'key length out of bounds';
  const rowLen = keyRowLength(buf, off);
  if (rowLen > MAX_ROW_LENGTH || (stored && rowLen === 0)) return 'key row length invalid';
  const famLenOff = off + ROW_LENGTH_SIZE + rowLen;
  if (famLenOff + FAMILY_LENGTH_SIZE > off + len - KEY_TRAILER_SIZE) return 'key row length out of bounds';
  const famLen = buf[famLenOff]!;
  if (famLen > MAX_FAMILY_LENGTH || famLenOff + FAMILY_LENGTH_SIZE + famLen > off + len - KEY_TRAILER_SIZE) return 'key family length out of bounds';
  if (buf[off + len - KEY_TRAILER_SIZE]! >= 0x80) return 'key timestamp is negative';
  if (stored && !isValidCellType(buf[off + len - 1]!)) return 'key has an unknown cell type';
  return undefined;
}

/**
 * Full key order: row asc, family asc, qualifier asc, timestamp desc, type desc.
 * Returns <0, 0, >0. No allocation.
 */
export function compareKeys(a: Buffer, aOff: number, aLen: number, b: Buffer, bOff: number, bLen: number): number {
  const c = compareKeyColumns(a, aOff, aLen, b, bOff, bLen);
  if (c !== 0) return c;
  const ta = aOff + aLen - KEY_TRAILER_SIZE;
  const tb = bOff + bLen - KEY_TRAILER_SIZE;
  for (let i = 0; i < KEY_TRAILER_SIZE; i++) {
    const x = a[ta + i]!;
    const y = b[tb + i]!;
    if (x !== y) return x > y ? -1 : 1;
  }
  return 0;
}

/** Whole-buffer form of compareKeys. */
export function compareKeyBuffers(a: Buffer, b: Buffer): number {
  return compareKeys(a, 0, a.length, b, 0, b.length);
}

/**
 * Compares a[as, ae) with b[bs, be) as unsigned bytes. Short ranges are compared in a JS loop:
 * Buffer#compare with offsets costs ~150–250 ns per call on Node 20 (argument validation
 * before the native call), several times a loop over a dozen bytes; long ranges go native.
 * "Short" covers typical rows (YCSB's are 23 bytes): with 16, every row comparison of a point
 * get went native (a third of a cached HFile get's CPU time, regionserver/scan/scan-bench.ts).
 */
export function compareRanges(a: Buffer, as: number, ae: number, b: Buffer, bs: number, be: number): number {
  const la = ae - as;
  const lb = be - bs;
  const n = la < lb ? la : lb;
  if (n > SHORT_RANGE) return a.compare(b, bs, be, as, ae);
  for (let i = 0; i < n; i++) {
    const x = a[as + i]!;
    const y = b[bs + i]!;
    if (x !== y) return x < y ? -1 : 1;
  }
  return la - lb;
}

const SHORT_RANGE = 64;

/** Compares the rows of two keys only. */
export function compareKeyRows(a: Buffer, aOff: number, b: Buffer, bOff: number): number {
  const ra = (a[aOff]! << 8) | a[aOff + 1]!;
  const rb = (b[bOff]! << 8) | b[bOff + 1]!;
  return compareRanges(a, aOff + 2, aOff + 2 + ra, b, bOff + 2, bOff + 2 + rb);
}

/** Compares the row of the key at `off` with the bytes `row[rowOff, rowOff+rowLen)`. */
export function compareKeyRowTo(key: Buffer, off: number, row: Buffer, rowOff: number, rowLen: number): number {
  const r = (key[off]! << 8) | key[off + 1]!;
  return compareRanges(key, off + 2, off + 2 + r, row, rowOff, rowOff + rowLen);
}

/** Compares row, family and qualifier of two keys (ignores timestamp and type). */
export function compareKeyColumns(a: Buffer, aOff: number, aLen: number, b: Buffer, bOff: number, bLen: number): number {
  const ra = (a[aOff]! << 8) | a[aOff + 1]!;
  const rb = (b[bOff]! << 8) | b[bOff + 1]!;
  const c = compareRanges(a, aOff + 2, aOff + 2 + ra, b, bOff + 2, bOff + 2 + rb);
  if (c !== 0) return c;
  const fa = a[aOff + 2 + ra]!;
  const fb = b[bOff + 2 + rb]!;
  const sa = aOff + 3 + ra;
  const sb = bOff + 3 + rb;
  // Equal family lengths: family then qualifier is one contiguous comparison. Different
  // lengths: the families differ, so comparing them decides.
  if (fa === fb) return compareRanges(a, sa, aOff + aLen - KEY_TRAILER_SIZE, b, sb, bOff + bLen - KEY_TRAILER_SIZE);
  return compareRanges(a, sa, sa + fa, b, sb, sb + fb);
}

/** True if the two keys have the same row. */
export function sameKeyRow(a: Buffer, aOff: number, b: Buffer, bOff: number): boolean {
  return compareKeyRows(a, aOff, b, bOff) === 0;
}

/** Decodes a key into its fields (views into `buf`); for tests, tools and error messages. */
export function decodeKey(buf: Buffer, off: number, len: number): { row: Buffer; family: Buffer; qualifier: Buffer; timestamp: bigint; type: number } {
  const rowLen = keyRowLength(buf, off);
  const famLenOff = off + ROW_LENGTH_SIZE + rowLen;
  const famLen = buf[famLenOff]!;
  const qualStart = famLenOff + FAMILY_LENGTH_SIZE + famLen;
  const tsOff = off + len - KEY_TRAILER_SIZE;
  return {
    row: buf.subarray(off + ROW_LENGTH_SIZE, famLenOff),
    family: buf.subarray(famLenOff + FAMILY_LENGTH_SIZE, qualStart),
    qualifier: buf.subarray(qualStart, tsOff),
    timestamp: buf.readBigUInt64BE(tsOff),
    type: buf[tsOff + 8]!,
  };
}

/** A readable form of a key for error messages and test output: `row/family:qualifier/ts/type`. */
export function formatKey(buf: Buffer, off = 0, len = buf.length - off): string {
  if (keyStructureError(buf, off, len, false) !== undefined) return `<malformed key 0x${buf.subarray(off, Math.min(off + len, off + 32)).toString('hex')}>`;
  const k = decodeKey(buf, off, len);
  return `${printable(k.row)}/${printable(k.family)}:${printable(k.qualifier)}/${k.timestamp}/${typeName(k.type)}`;
}

function printable(b: Buffer): string {
  let s = '';
  for (const x of b) s += x >= 0x21 && x <= 0x7e && x !== 0x5c && x !== 0x2f && x !== 0x3a ? String.fromCharCode(x) : `\\x${x.toString(16).padStart(2, '0')}`;
  return s;
}

function typeName(t: number): string {
  for (const [name, code] of Object.entries(CellType)) if (code === t) return name;
  return `type${t}`;
}
