// Binary codec of Results (common/ops/operations.ts) and of scan batches in RPC bodies.
// Layout: docs/formats/rpc.md, "Results". Big-endian; bytesN = len:uN + bytes.
//
//   result = row:bytes16 runs:u32 run*
//   run    = family:bytes8 cells:u32 cell*            consecutive cells of one family
//   cell   = qualifier:bytes32 timestamp:u64 type:u8 value:bytes32
//   batch  = moreInRegion:u8 count:u32 result*
//
// Every cell of a Result belongs to Result.row, so the row is sent once; cells are grouped in
// runs of one family (a Result in KeyValue order has one run per family), so the family is
// sent once per run. Decoded cells share one row view, one family view per run, and one
// timestamp bigint while consecutive timestamps are equal: a 10-cell row decodes into
// 10 cell objects, 20 value/qualifier views, and usually one bigint.
//
// encodeResult throws InvalidError (TSB_INVALID_ARGUMENT) for a cell whose row differs from
// the Result's or a field too long for its length; decoders throw InvalidError (TSB_PROTOCOL).

import { InvalidError } from '../errors.js';
import type { Result, ResultCell } from '../ops/operations.js';
import type { ScanBatch } from './rpc-messages.js';
import type { ByteWriter } from './byte-writer.js';
import { badField, ByteReader, get32, truncated } from './byte-reader.js';

/** Smallest encoded cell: qualifier len + timestamp + type + value len. */
const MIN_CELL = 17;
/** Smallest encoded run: family len + cell count. */
const MIN_RUN = 5;
/** Smallest encoded result: row len + run count. */
const MIN_RESULT = 6;

/**
 * A Result whose wire encoding (the `result` layout above) was produced already, e.g. by a
 * server straight from its row buffer without building cell objects. encodeResult copies
 * its bytes as they are. `row` and `cells` are made from them on first use (for in-process
 * readers). REQUIRES: buf[start, end) is a valid `result` encoding, never modified after.
 */
export class PreEncodedResult implements Result {
  private decoded: readonly ResultCell[] | undefined = undefined;
  private rowView: Buffer | undefined = undefined;

  /** The encoding is buf[start, end). */
  constructor(
    readonly buf: Buffer,
    readonly start: number,
    readonly end: number,
  ) {}

  /** The encoded bytes (a view). */
  get encoded(): Buffer {
    return this.buf.subarray(this.start, this.end);
  }

  get row(): Buffer {
    if (this.rowView === undefined) {
      const b = this.buf;
      const p = this.start;
      this.rowView = b.subarray(p + 2, p + 2 + ((b[p]! << 8) | b[p + 1]!));
    }
    return this.rowView;
  }

  get cells(): readonly ResultCell[] {
    if (this.decoded === undefined) {
      const r = new ByteReader(this.buf, this.start, this.end);
      this.decoded = decodeResult(r).cells;
      r.done('result');
    }
    return this.decoded;
  }
}

export function encodeResult(w: ByteWriter, res: Result): void {
  if (res instanceof PreEncodedResult) {
    w.rawRange(res.buf, res.start, res.end);
    return;
  }
  const row = res.row;
  w.bytes16(row, 'row');
  const cells = res.cells;
  const n = cells.length;
  // Count the runs first (one per change of family; identity check first, it is the usual case).
  let runs = 0;
  let fam: Buffer | undefined;
  for (let i = 0; i < n; i++) {
    const c = cells[i]!;
    if (c.row !== row && !c.row.equals(row)) {
      throw new InvalidError('a result cell belongs to another row', { details: { row: row.toString('hex').slice(0, 64), cellRow: c.row.toString('hex').slice(0, 64) } });
    }
    if (fam === undefined || (c.family !== fam && !c.family.equals(fam))) {
      runs++;
      fam = c.family;
    }
  }
  w.u32(runs);
  let i = 0;
  while (i < n) {
    const family = cells[i]!.family;
    let j = i + 1;
    while (j < n && (cells[j]!.family === family || cells[j]!.family.equals(family))) j++;
    w.bytes8(family, 'family');
    w.u32(j - i);
    for (; i < j; i++) {
      const c = cells[i]!;
      w.bytes32(c.qualifier);
      w.u64(c.timestamp);
      w.u8(c.type);
      w.bytes32(c.value);
    }
  }
}

export function decodeResult(r: ByteReader): Result {
  const row = r.bytes16('result.row');
  const runs = r.u32('result.runs');
  if (runs * MIN_RUN > r.remaining) throw badField('result.runs', runs);
  if (runs === 0) return { row, cells: [] };
  const cells: ResultCell[] = [];
  const buf = r.buf;
  const end = r.end;
  let lastHi = -1;
  let lastLo = -1;
  let lastTs = 0n;
  let n = 0; // cell index in the result
  for (let k = 0; k < runs; k++) {
    const family = r.bytes8('result.family');
    const count = r.u32('result.cells');
    if (count * MIN_CELL > r.remaining) throw badField('result.cells', count);
    // The cell loop reads fields inline (one bounds check per variable-length part).
    let p = r.pos;
    for (let i = 0; i < count; i++) {
      if (p + 4 > end) throw truncated('cell.qualifier', 4, end - p);
      const ql = get32(buf, p);
      p += 4;
      if (p + ql + 13 > end) throw truncated('cell', ql + 13, end - p);
      const qualifier = ql <= MAX_INTERNED_QUALIFIER && n < INTERNED_SLOTS ? internedQualifier(buf, p, ql, n) : buf.subarray(p, p + ql);
      n++;
      p += ql;
      const hi = get32(buf, p);
      const lo = get32(buf, p + 4);
      if (hi !== lastHi || lo !== lastLo) {
        lastTs = hi < 0x200000 ? BigInt(hi * 0x100000000 + lo) : buf.readBigUInt64BE(p);
        lastHi = hi;
        lastLo = lo;
      }
      const type = buf[p + 8]!;
      const vl = get32(buf, p + 9);
      p += 13;
      if (p + vl > end) throw truncated('cell.value', vl, end - p);
      const value = buf.subarray(p, p + vl);
      p += vl;
      cells.push({ row, family, qualifier, timestamp: lastTs, type, value });
    }
    r.pos = p;
  }
  return { row, cells };
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
