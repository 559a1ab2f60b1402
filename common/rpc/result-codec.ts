// Binary codec of Results (common/ops/operations.ts) and of scan batches in RPC bodies.
// Layout: docs/formats/rpc.md, "Results". Big-endian; bytesN = len:uN + bytes.
//
//   result = row:bytes16 count:u32 cells:bytes32    `count` KeyValues of `row`, back to back
//   batch  = moreInRegion:u8 count:u32 result*
//
// The cells are KeyValues (docs/formats/keyvalue.md), as in HBase's cellblocks: a region server
// copies them as they lie in its MemStore chunks and NONE-encoded HFile blocks, one copy per
// run of adjacent cells (regionserver/server/row-result-encoder.ts), instead of a copy per
// field. Decoded cells share one row view, one family view per run of one family, one
// timestamp bigint while consecutive timestamps are equal, and short qualifiers are interned:
// a 10-cell row decodes into 10 cell objects, 10 value views, and usually one bigint.
//
// encodeResult throws InvalidError (TSB_INVALID_ARGUMENT) for a cell whose row differs from
// the Result's or a field too long for its length; decoders throw InvalidError (TSB_PROTOCOL)
// for a block that is not exactly `count` whole KeyValues of the row with known cell types.

import { rangesEqual } from '../bytes-equal.js';
import { type CellType, FAMILY_LENGTH_SIZE, isValidCellType, KEY_INFRASTRUCTURE_SIZE, KEY_TRAILER_SIZE, KV_LENGTHS_SIZE, ROW_LENGTH_SIZE } from '../cells/keyvalue-format.js';
import { keyValueLength } from '../cells/keyvalue.js';
import { ErrorCodes, InternalError, InvalidError } from '../errors.js';
import type { Result, ResultCell } from '../ops/operations.js';
import { get32 } from '../u32-bytes.js';
import type { ScanBatch } from './rpc-messages.js';
import type { ByteWriter } from './byte-writer.js';
import { badField, ByteReader } from './byte-reader.js';

/** Smallest encoded KeyValue, its row not counted: lengths + key infrastructure. */
const MIN_CELL = KV_LENGTHS_SIZE + KEY_INFRASTRUCTURE_SIZE;
/** Smallest encoded result: row len + cell count + block length. */
const MIN_RESULT = 10;

/** Told when the bytes of a PreEncodedResult are no longer needed (see release()). */
export interface EncodedBytesOwner {
  release(): void;
}

/**
 * A Result whose wire encoding (the `result` layout above) was produced already, e.g. by a
 * server straight from its row buffer without building cell objects. encodeResult copies
 * its bytes as they are. `row` and `cells` are made from them on first use (for in-process
 * readers). REQUIRES: buf[start, end) is a valid `result` encoding, never modified while the
 * result is in use.
 *
 * With an `owner`, the bytes are lent: encodeResult releases them once it has copied them
 * (the owner may then write other bytes there), and any later use of the result throws
 * InternalError. A result that is dropped unencoded is never released (its memory is then
 * simply collected).
 */
export class PreEncodedResult implements Result {
  private decoded: readonly ResultCell[] | undefined = undefined;
  private rowView: Buffer | undefined = undefined;
  private released = false;

  /** The encoding is buf[start, end). */
  constructor(
    private readonly buf: Buffer,
    private readonly start: number,
    private readonly end: number,
    private owner?: EncodedBytesOwner,
  ) {}

  /** The encoded bytes (a view). */
  get encoded(): Buffer {
    this.check();
    return this.buf.subarray(this.start, this.end);
  }

  get row(): Buffer {
    this.check();
    if (this.rowView === undefined) {
      const b = this.buf;
      const p = this.start;
      this.rowView = b.subarray(p + 2, p + 2 + ((b[p]! << 8) | b[p + 1]!));
    }
    return this.rowView;
  }

  get cells(): readonly ResultCell[] {
    this.check();
    if (this.decoded === undefined) {
      const r = new ByteReader(this.buf, this.start, this.end);
      this.decoded = decodeResult(r).cells;
      r.done('result');
    }
    return this.decoded;
  }

  /** Writes the encoding to `w` and gives lent bytes back to their owner. */
  writeTo(w: ByteWriter): void {
    this.check();
    w.rawRange(this.buf, this.start, this.end);
    const o = this.owner;
    if (o !== undefined) {
      this.released = true;
      this.owner = undefined;
      o.release();
    }
  }

  private check(): void {
    if (this.released) throw new InternalError('a pre-encoded result was used after encodeResult gave its bytes back');
  }
}

export function encodeResult(w: ByteWriter, res: Result): void {
  if (res instanceof PreEncodedResult) {
    res.writeTo(w);
    return;
  }
  const row = res.row;
  w.bytes16(row, 'row');
  const cells = res.cells;
  const n = cells.length;
  let bytes = 0;
  for (let i = 0; i < n; i++) {
    const c = cells[i]!;
    if (c.row !== row && !c.row.equals(row)) {
      throw new InvalidError('a result cell belongs to another row', { details: { row: row.toString('hex').slice(0, 64), cellRow: c.row.toString('hex').slice(0, 64) } });
    }
    if (c.family.length > 0xff) throw new InvalidError('family is too long for a KeyValue', { details: { length: c.family.length, max: 0xff } });
    if (!isValidCellType(c.type)) throw new InvalidError('unknown cell type', { details: { type: c.type } });
    bytes += keyValueLength(row.length, c.family.length, c.qualifier.length, c.value.length);
  }
  if (bytes > 0xffffffff) throw new InvalidError('result is too large to encode', { details: { bytes } });
  w.u32(n);
  w.u32(bytes);
  for (let i = 0; i < n; i++) {
    const c = cells[i]!;
    w.putKeyValue(row, c.family, c.qualifier, c.timestamp, c.value, c.type as CellType);
  }
}

export function decodeResult(r: ByteReader): Result {
  const row = r.bytes16('result.row');
  const count = r.u32('result.count');
  const blockLen = r.u32('result.cells');
  const rowLen = row.length;
  if (count * (MIN_CELL + rowLen) > blockLen) throw badField('result.count', count);
  const start = r.skip(blockLen, 'result.cells');
  const end = start + blockLen;
  const buf = r.buf;
  if (count === 0) {
    if (blockLen !== 0) throw badCell(0, 'the block has bytes after the last cell');
    return { row, cells: [] };
  }
  const cells: ResultCell[] = new Array(count);
  let lastHi = -1;
  let lastLo = -1;
  let lastTs = 0n;
  let family: Buffer | undefined;
  let p = start;
  for (let i = 0; i < count; i++) {
    if (p + MIN_CELL > end) throw badCell(i, 'the block ends inside it');
    const keyLen = get32(buf, p);
    const valueLen = get32(buf, p + 4);
    const k = p + KV_LENGTHS_SIZE;
    const next = k + keyLen + valueLen;
    if (keyLen < KEY_INFRASTRUCTURE_SIZE + rowLen || next > end) throw badCell(i, 'its lengths run past the block');
    if (((buf[k]! << 8) | buf[k + 1]!) !== rowLen || !rangesEqual(buf, k + ROW_LENGTH_SIZE, row, 0, rowLen)) throw badCell(i, 'its row is not the result row');
    const fo = k + ROW_LENGTH_SIZE + rowLen + FAMILY_LENGTH_SIZE;
    const fl = buf[fo - 1]!;
    const qo = fo + fl;
    const to = k + keyLen - KEY_TRAILER_SIZE;
    if (qo > to) throw badCell(i, 'its family runs past its key');
    const type = buf[to + 8]!;
    if (!isValidCellType(type)) throw badCell(i, `its type ${type} is unknown`);
    if (family === undefined || family.length !== fl || !rangesEqual(buf, fo, family, 0, fl)) family = buf.subarray(fo, qo);
    const ql = to - qo;
    const qualifier = ql <= MAX_INTERNED_QUALIFIER && i < INTERNED_SLOTS ? internedQualifier(buf, qo, ql, i) : buf.subarray(qo, to);
    const hi = get32(buf, to);
    const lo = get32(buf, to + 4);
    if (hi !== lastHi || lo !== lastLo) {
      lastTs = hi < 0x200000 ? BigInt(hi * 0x100000000 + lo) : buf.readBigUInt64BE(to);
      lastHi = hi;
      lastLo = lo;
    }
    cells[i] = { row, family, qualifier, timestamp: lastTs, type, value: buf.subarray(k + keyLen, next) };
    p = next;
  }
  if (p !== end) throw badCell(count, 'the block has bytes after the last cell');
  return { row, cells };
}

function badCell(index: number, problem: string): InvalidError {
  return new InvalidError(`result cell ${index} is malformed: ${problem}; the server speaks another encoding`, {
    code: ErrorCodes.PROTOCOL,
    details: { field: 'result.cells', cell: index, problem },
  });
}

// Qualifiers repeat from row to row (the same columns in every row), so short ones are interned
// by their position in the Result: the n-th cell's qualifier is reused when its bytes equal the
// last one seen at that position. This saves a view allocation per cell, and the interned
// copy holds no received chunk alive. Interned buffers are shared between Results: treat
// decoded qualifiers as read-only (as every decoded field).
const MAX_INTERNED_QUALIFIER = 32;
const INTERNED_SLOTS = 64;
const interned: Buffer[] = [];

function internedQualifier(buf: Buffer, p: number, len: number, slot: number): Buffer {
  const q = interned[slot];
  if (q !== undefined && q.length === len) {
    let i = 0;
    while (i < len && q[i] === buf[p + i]) i++;
    if (i === len) return q;
  }
  const copy = Buffer.allocUnsafe(len);
  buf.copy(copy, 0, p, p + len);
  interned[slot] = copy;
  return copy;
}

export function encodeResults(w: ByteWriter, results: readonly Result[]): void {
  w.u32(results.length);
  for (let i = 0; i < results.length; i++) encodeResult(w, results[i]!);
}

export function decodeResults(r: ByteReader): Result[] {
  const n = r.u32('results.count');
  if (n * MIN_RESULT > r.remaining) throw badField('results.count', n);
  const out: Result[] = new Array(n);
  for (let i = 0; i < n; i++) out[i] = decodeResult(r);
  return out;
}

export function encodeScanBatch(w: ByteWriter, b: ScanBatch): void {
  w.u8(b.moreInRegion ? 1 : 0);
  encodeResults(w, b.results);
}

export function decodeScanBatch(r: ByteReader): ScanBatch {
  const more = r.u8('batch.moreInRegion');
  if (more > 1) throw badField('batch.moreInRegion', more);
  return { results: decodeResults(r), moreInRegion: more === 1 };
}
