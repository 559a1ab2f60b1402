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
import { badField } from './byte-reader.js';
import type { ByteReader } from './byte-reader.js';

/** Smallest encoded cell: qualifier len + timestamp + type + value len. */
const MIN_CELL = 17;
/** Smallest encoded run: family len + cell count. */
const MIN_RUN = 5;
/** Smallest encoded result: row len + run count. */
const MIN_RESULT = 6;

export function encodeResult(w: ByteWriter, res: Result): void {
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
  let lastHi = -1;
  let lastLo = -1;
  let lastTs = 0n;
  for (let k = 0; k < runs; k++) {
    const family = r.bytes8('result.family');
    const count = r.u32('result.cells');
    if (count * MIN_CELL > r.remaining) throw badField('result.cells', count);
    for (let i = 0; i < count; i++) {
      const qualifier = r.bytes32('cell.qualifier');
      const p = r.pos;
      let timestamp: bigint;
      if (p + 8 <= r.end && buf.readUInt32BE(p) === lastHi && buf.readUInt32BE(p + 4) === lastLo) {
        timestamp = lastTs;
        r.pos = p + 8;
      } else {
        timestamp = r.u64('cell.timestamp');
        lastHi = buf.readUInt32BE(p);
        lastLo = buf.readUInt32BE(p + 4);
        lastTs = timestamp;
      }
      const type = r.u8('cell.type');
      const value = r.bytes32('cell.value');
      cells.push({ row, family, qualifier, timestamp, type, value });
    }
  }
  return { row, cells };
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
