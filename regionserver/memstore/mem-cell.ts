// A cell in the MemStore: a view of one KeyValue (docs/formats/keyvalue.md) held in a MemStore
// chunk, plus the MVCC write number of the mutation that wrote it. A short-lived object: the
// sorted set keeps each cell as numbers (chunk, offset, write number; cell-set.ts) and makes a
// MemCell when one is asked for, so a large MemStore holds no object per cell (V8 would copy
// every one of them through the young generation and mark it in every full collection).
//
//   buf[off..]: keylen:u32 valuelen:u32 | rowlen:u16 row famlen:u8 family qualifier ts:u64 type:u8 | value
//
// Order (compareMemCells): the KeyValue order of common/cells — row asc, family asc,
// qualifier asc, timestamp desc, type desc — then write number desc, as HBase's memstore
// comparator: of two cells with the same key, the later write comes first, so a reader meets
// the newest visible one first.

import { keyFamilyLengthOffset, keyRowLength } from '../../common/cells/encoded-key.js';
import { readKeyValue } from '../../common/cells/keyvalue.js';
import type { Cell } from '../../common/cells/keyvalue.js';
import { FAMILY_LENGTH_SIZE, KEY_TRAILER_SIZE, KV_LENGTHS_SIZE, ROW_LENGTH_SIZE } from '../../common/cells/keyvalue-format.js';
import { get32 } from '../../common/u32-bytes.js';

/** Write number of seek keys: larger than any real one, so a seek key sorts first among equal keys. */
export const SEEK_SEQ = Number.MAX_SAFE_INTEGER;

export class MemCell {
  constructor(
    /** The chunk holding the KeyValue. Never mutated while the cell exists. */
    readonly buf: Buffer,
    /** Offset of the KeyValue (its keylen field) in buf. */
    readonly off: number,
    readonly keyLen: number,
    readonly valueLen: number,
    readonly rowLen: number,
    readonly famLen: number,
    /** MVCC write number of the mutation that wrote the cell. */
    readonly seq: number,
  ) {}

  /** Bytes of the whole KeyValue. */
  get length(): number {
    return KV_LENGTHS_SIZE + this.keyLen + this.valueLen;
  }
  /** Offset of the key (its rowlen field). */
  get keyOffset(): number {
    return this.off + KV_LENGTHS_SIZE;
  }
  get rowOffset(): number {
    return this.off + KV_LENGTHS_SIZE + ROW_LENGTH_SIZE;
  }
  get familyOffset(): number {
    return this.rowOffset + this.rowLen + FAMILY_LENGTH_SIZE;
  }
  get qualifierOffset(): number {
    return this.familyOffset + this.famLen;
  }
  get qualifierLength(): number {
    return this.timestampOffset - this.qualifierOffset;
  }
  get timestampOffset(): number {
    return this.off + KV_LENGTHS_SIZE + this.keyLen - KEY_TRAILER_SIZE;
  }
  get type(): number {
    return this.buf[this.timestampOffset + 8]!;
  }
  get timestamp(): bigint {
    return this.buf.readBigUInt64BE(this.timestampOffset);
  }
  get valueOffset(): number {
    return this.off + KV_LENGTHS_SIZE + this.keyLen;
  }
  /** The KeyValue bytes (a view, no copy). */
  keyValue(): Buffer {
    return this.buf.subarray(this.off, this.off + this.length);
  }
  /** The key bytes (a view, no copy). */
  key(): Buffer {
    return this.buf.subarray(this.keyOffset, this.keyOffset + this.keyLen);
  }
  /** Decoded fields (views into the chunk). Allocates: for tests and slow paths. */
  toCell(): Cell {
    return readKeyValue(this.buf, this.off).cell;
  }
}

/**
 * A MemCell standing for a seek key: the encoded key at `key[keyOff, keyOff+keyLen)` (as built
 * by common/cells/encoded-key.ts, e.g. firstOnRowKey). It sorts before every cell with an
 * equal key. Its `off` is keyOff - 8 (where a KeyValue's lengths would be); those bytes are
 * never read, and value accessors must not be used on it. REQUIRES: a structurally valid key
 * (keyStructureError(..., false) is undefined).
 */
export function seekCell(key: Buffer, keyOff = 0, keyLen = key.length - keyOff): MemCell {
  return new MemCell(key, keyOff - KV_LENGTHS_SIZE, keyLen, 0, keyRowLength(key, keyOff), key[keyFamilyLengthOffset(key, keyOff)]!, SEEK_SEQ);
}

/**
 * The MemCell of the KeyValue at buf[off..] with write number `seq`. Its key and value lengths
 * are read from the bytes unless the caller, which just wrote or parsed them, passes them.
 */
export function memCellAt(buf: Buffer, off: number, seq: number, keyLen = get32(buf, off), valueLen = get32(buf, off + 4)): MemCell {
  const key = off + KV_LENGTHS_SIZE;
  return new MemCell(buf, off, keyLen, valueLen, keyRowLength(buf, key), buf[keyFamilyLengthOffset(buf, key)]!, seq);
}

/** compareMemCells(memCellAt(buf, off, seq), b) without making the MemCell (cell-set.ts's searches). */
export function compareCellAt(buf: Buffer, off: number, seq: number, b: MemCell): number {
  const key = off + KV_LENGTHS_SIZE;
  return compareFields(buf, off, get32(buf, off), keyRowLength(buf, key), buf[keyFamilyLengthOffset(buf, key)]!, seq, b);
}

/** Ranges up to this many bytes are compared in a JS loop; longer ones natively. */
const JS_COMPARE_MAX = 64;

function compareBytes(a: Buffer, as: number, al: number, b: Buffer, bs: number, bl: number): number {
  const n = al < bl ? al : bl;
  if (n > JS_COMPARE_MAX) {
    const c = a.compare(b, bs, bs + n, as, as + n);
    return c !== 0 ? c : al - bl;
  }
  for (let i = 0; i < n; i++) {
    const x = a[as + i]!;
    const y = b[bs + i]!;
    if (x !== y) return x < y ? -1 : 1;
  }
  return al - bl;
}

/**
 * KeyValue order, then write number descending. Returns <0, 0, >0; 0 only for the same key
 * and the same write number. No allocation.
 */
export function compareMemCells(a: MemCell, b: MemCell): number {
  return compareFields(a.buf, a.off, a.keyLen, a.rowLen, a.famLen, a.seq, b);
}

/** compareMemCells(a, b) for the cell a given by its fields: the KeyValue at ab[aOff..], write number aSeq. */
function compareFields(ab: Buffer, aOff: number, aKeyLen: number, aRowLen: number, aFamLen: number, aSeq: number, b: MemCell): number {
  const c = compareBytes(ab, aOff + KV_LENGTHS_SIZE + ROW_LENGTH_SIZE, aRowLen, b.buf, b.off + KV_LENGTHS_SIZE + ROW_LENGTH_SIZE, b.rowLen);
  return c !== 0 ? c : afterRow(ab, aOff, aKeyLen, aRowLen, aFamLen, aSeq, b);
}

/**
 * compareMemCells of two cells known to have the same row (the cells of one mutation): the
 * rest of the key, then write number descending. No allocation.
 */
export function compareAfterRow(a: MemCell, b: MemCell): number {
  return afterRow(a.buf, a.off, a.keyLen, a.rowLen, a.famLen, a.seq, b);
}

function afterRow(ab: Buffer, aOff: number, aKeyLen: number, aRowLen: number, aFamLen: number, aSeq: number, b: MemCell): number {
  const bb = b.buf;
  const af = aOff + KV_LENGTHS_SIZE + ROW_LENGTH_SIZE + aRowLen + FAMILY_LENGTH_SIZE;
  const bf = b.off + KV_LENGTHS_SIZE + ROW_LENGTH_SIZE + b.rowLen + FAMILY_LENGTH_SIZE;
  const at = aOff + KV_LENGTHS_SIZE + aKeyLen - KEY_TRAILER_SIZE;
  const bt = b.off + KV_LENGTHS_SIZE + b.keyLen - KEY_TRAILER_SIZE;
  // Same family length: family and qualifier compare as one range; otherwise the families
  // differ and decide.
  const c = aFamLen === b.famLen ? compareBytes(ab, af, at - af, bb, bf, bt - bf) : compareBytes(ab, af, aFamLen, bb, bf, b.famLen);
  if (c !== 0) return c;
  // Timestamp (non-negative u64) and type, both descending: compare the 9 bytes reversed.
  for (let i = 0; i < KEY_TRAILER_SIZE; i++) {
    const x = ab[at + i]!;
    const y = bb[bt + i]!;
    if (x !== y) return x > y ? -1 : 1;
  }
  return b.seq - aSeq;
}

/**
 * Bytes [6·part, 6·part + 6) of the cell's row as a number (zero-padded past the row's end,
 * big-endian): an order-preserving summary of the row. For cells a, b: if the row of a sorts
 * before the row of b, then (rowPrefix(a, 0), rowPrefix(a, 1)) <= (rowPrefix(b, 0),
 * rowPrefix(b, 1)); so unequal prefixes decide compareMemCells without reading the cells.
 */
export function rowPrefix(c: MemCell, part: 0 | 1): number {
  const buf = c.buf;
  const rowOff = c.off + KV_LENGTHS_SIZE + ROW_LENGTH_SIZE;
  const rowLen = c.rowLen;
  let v = 0;
  const end = part * 6 + 6;
  for (let i = part * 6; i < end; i++) v = v * 256 + (i < rowLen ? buf[rowOff + i]! : 0);
  return v;
}

/** True if the two cells have the same row. */
export function sameRow(a: MemCell, b: MemCell): boolean {
  return a.rowLen === b.rowLen && compareBytes(a.buf, a.rowOffset, a.rowLen, b.buf, b.rowOffset, b.rowLen) === 0;
}

/**
 * True if the two cells have the same row, family and qualifier (any timestamp, type or write
 * number): equal key lengths, then one comparison from the row length to the timestamp.
 */
export function sameColumn(a: MemCell, b: MemCell): boolean {
  const n = a.keyLen - KEY_TRAILER_SIZE;
  return a.keyLen === b.keyLen && compareBytes(a.buf, a.off + KV_LENGTHS_SIZE, n, b.buf, b.off + KV_LENGTHS_SIZE, n) === 0;
}

/** True if the two cells have the same timestamp. */
export function sameTimestamp(a: MemCell, b: MemCell): boolean {
  return compareBytes(a.buf, a.off + KV_LENGTHS_SIZE + a.keyLen - KEY_TRAILER_SIZE, 8, b.buf, b.off + KV_LENGTHS_SIZE + b.keyLen - KEY_TRAILER_SIZE, 8) === 0;
}
