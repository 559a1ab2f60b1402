// A Put as it arrives over the wire: its cells as KeyValues back to back (docs/formats/
// keyvalue.md, as HBase's cellblocks), held in the request's buffer. The region server's write
// path copies such a block into the MemStore in one piece per family, writing its time into
// the LATEST_TIMESTAMP cells of the copy, and the WAL copies that range: no Cell is built per
// column and encoded again. In a YCSB load (rows of ten columns) decoding the columns, building
// the cells and encoding them again took ~40 % of a region server's busy time; with blocks its
// CPU per row fell by 20-27 % (docs/benchmarks.md, session 14).
//
// parseKeyValuePut checks what the wire must get right (every KeyValue whole, of the Put's
// row, of type Put; values within the server's limit) and throws InvalidError TSB_PROTOCOL /
// TSB_VALUE_TOO_LARGE otherwise. What a region decides (the families exist, the timestamps are
// in range, the sizes are within its limits) it checks itself (regionserver/region/
// mutation-cells.ts), failing only that operation.
//
// Everything that reads `columns` sees a plain Put (decoded on first use, views into the
// block); a timestamp of LATEST_TIMESTAMP reads as absent.

import { KEY_INFRASTRUCTURE_SIZE, KEY_TRAILER_SIZE, KV_LENGTHS_SIZE, LATEST_TIMESTAMP, ROW_LENGTH_SIZE, FAMILY_LENGTH_SIZE, CellType } from '../cells/keyvalue-format.js';
import { rangesEqual } from '../bytes-equal.js';
import { ErrorCodes, InvalidError } from '../errors.js';
import { get32 } from '../u32-bytes.js';
import type { Put, PutColumn } from './operations.js';

/** Cells [start, end) of the block (byte offsets in `buf`) that share one family. */
export interface FamilyRun {
  readonly family: Buffer;
  readonly start: number;
  readonly end: number;
  readonly count: number;
}

export class KeyValuePut implements Put {
  readonly kind = 'put' as const;
  private decoded: PutColumn[] | undefined = undefined;

  /** @internal Built by parseKeyValuePut. */
  constructor(
    readonly row: Buffer,
    /** The buffer holding the block; the KeyValues are buf[start, end). */
    readonly buf: Buffer,
    readonly start: number,
    readonly end: number,
    /** Number of KeyValues. */
    readonly count: number,
    /** The block cut where the family changes (one run for a one-family put). */
    readonly runs: readonly FamilyRun[],
    /** Longest KeyValue and longest value of the block, in bytes. */
    readonly maxCellBytes: number,
    readonly maxValueBytes: number,
    /** Offset in `buf` of the first timestamp of 2^63 or more (a region refuses it), or -1. */
    readonly badTimestampAt: number,
    readonly skipWal: boolean | undefined,
  ) {}

  /** The cells as PutColumns (decoded once; views into the block). */
  get columns(): readonly PutColumn[] {
    this.decoded ??= this.decode();
    return this.decoded;
  }

  private decode(): PutColumn[] {
    const out: PutColumn[] = [];
    const b = this.buf;
    for (const run of this.runs) {
      let p = run.start;
      while (p < run.end) {
        const keyLen = get32(b, p);
        const valueLen = get32(b, p + 4);
        const rowLen = (b[p + KV_LENGTHS_SIZE]! << 8) | b[p + KV_LENGTHS_SIZE + 1]!;
        const qualStart = p + KV_LENGTHS_SIZE + ROW_LENGTH_SIZE + rowLen + FAMILY_LENGTH_SIZE + run.family.length;
        const tsOff = p + KV_LENGTHS_SIZE + keyLen - KEY_TRAILER_SIZE;
        const ts = b.readBigUInt64BE(tsOff);
        const value = b.subarray(tsOff + KEY_TRAILER_SIZE, tsOff + KEY_TRAILER_SIZE + valueLen);
        const qualifier = b.subarray(qualStart, tsOff);
        out.push(ts === LATEST_TIMESTAMP ? { family: run.family, qualifier, value } : { family: run.family, qualifier, timestamp: ts, value });
        p = tsOff + KEY_TRAILER_SIZE + valueLen;
      }
    }
    return out;
  }
}

/** InvalidError TSB_PROTOCOL naming the cell and what is wrong with it. */
function badCell(index: number, problem: string): InvalidError {
  return new InvalidError(`put cell ${index} is malformed: ${problem}; the client speaks another encoding`, {
    code: ErrorCodes.PROTOCOL,
    details: { field: 'put.cells', cell: index, problem },
  });
}

/**
 * Checks the `count` KeyValues at buf[start, end) as the cells of a Put of `row` and returns
 * the Put. Throws InvalidError TSB_PROTOCOL for a block that is not exactly `count` whole
 * KeyValues of type Put and row `row`, TSB_VALUE_TOO_LARGE for a value over `maxValueBytes`.
 */
export function parseKeyValuePut(row: Buffer, buf: Buffer, start: number, end: number, count: number, skipWal: boolean, maxValueBytes = Infinity): KeyValuePut {
  const runs: FamilyRun[] = [];
  const rowLen = row.length;
  let maxCell = 0;
  let maxValue = 0;
  let p = start;
  let runStart = start;
  let runCount = 0;
  let famOff = -1;
  let famLen = -1;
  let badTimestampAt = -1;
  for (let i = 0; i < count; i++) {
    if (p + KV_LENGTHS_SIZE + KEY_INFRASTRUCTURE_SIZE > end) throw badCell(i, 'the block ends inside it');
    const keyLen = get32(buf, p);
    const valueLen = get32(buf, p + 4);
    const next = p + KV_LENGTHS_SIZE + keyLen + valueLen;
    if (keyLen < KEY_INFRASTRUCTURE_SIZE + rowLen || next > end) throw badCell(i, 'its lengths run past the block');
    if (valueLen > maxValueBytes) {
      throw new InvalidError('value is larger than the server accepts; split it or raise the limit', {
        code: ErrorCodes.VALUE_TOO_LARGE,
        details: { field: 'put.value', length: valueLen, max: maxValueBytes },
      });
    }
    const k = p + KV_LENGTHS_SIZE;
    if (((buf[k]! << 8) | buf[k + 1]!) !== rowLen || !rangesEqual(buf, k + ROW_LENGTH_SIZE, row, 0, rowLen)) throw badCell(i, 'its row is not the put row');
    const fl = buf[k + ROW_LENGTH_SIZE + rowLen]!;
    const fo = k + ROW_LENGTH_SIZE + rowLen + FAMILY_LENGTH_SIZE;
    if (fl > keyLen - KEY_INFRASTRUCTURE_SIZE - rowLen) throw badCell(i, 'its family runs past its key');
    if (buf[k + keyLen - 1] !== CellType.Put) throw badCell(i, 'it is not of type Put');
    if (buf[k + keyLen - KEY_TRAILER_SIZE]! > 0x7f && badTimestampAt < 0) badTimestampAt = k + keyLen - KEY_TRAILER_SIZE;
    if (famLen >= 0 && (famLen !== fl || !rangesEqual(buf, famOff, buf, fo, fl))) {
      runs.push({ family: buf.subarray(famOff, famOff + famLen), start: runStart, end: p, count: runCount });
      runStart = p;
      runCount = 0;
    }
    famOff = fo;
    famLen = fl;
    runCount++;
    if (next - p > maxCell) maxCell = next - p;
    if (valueLen > maxValue) maxValue = valueLen;
    p = next;
  }
  if (p !== end) throw badCell(count, 'the block has bytes after the last cell');
  if (runCount > 0) runs.push({ family: buf.subarray(famOff, famOff + famLen), start: runStart, end: p, count: runCount });
  return new KeyValuePut(row, buf, start, end, count, runs, maxCell, maxValue, badTimestampAt, skipWal ? true : undefined);
}
