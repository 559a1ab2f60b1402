// Encodes the row held in a RowBuffer (regionserver/scan/row-buffer.ts) straight into the RPC
// `result` layout (common/rpc/result-codec.ts, docs/formats/rpc.md "Results"), without the
// Result / cell objects of RowBuffer.toResult: a scan batch answer then costs one copy of each
// cell's bytes here and one into the socket writer.
//
//   result = row:bytes16 runs:u32 run*
//   run    = family:bytes8 cells:u32 cell*
//   cell   = qualifier:bytes32 timestamp:u64 type:u8 value:bytes32
//
// A cell's key (in the RowBuffer's arena, or referenced in a MemStore chunk) is rowlen:u16 row
// famlen:u8 family qualifier timestamp:u64 type:u8 (docs/formats/keyvalue.md): the timestamp
// and type bytes are copied as they are.
//
// Encoded rows are written into slabs; a slab is never reused (the Results keep views of it
// until the answer is written). One owner; not thread-safe.

import { PreEncodedResult } from '../../common/rpc/result-codec.js';
import type { RowBuffer } from '../scan/row-buffer.js';

const SLAB_BYTES = 64 * 1024;
const JS_COPY_MAX = 64;

function copyBytes(src: Buffer, from: number, len: number, dst: Buffer, to: number): void {
  if (len <= JS_COPY_MAX) for (let i = 0; i < len; i++) dst[to + i] = src[from + i]!;
  else src.copy(dst, to, from, from + len);
}

function put32(b: Buffer, p: number, v: number): void {
  b[p] = v >>> 24;
  b[p + 1] = v >>> 16;
  b[p + 2] = v >>> 8;
  b[p + 3] = v;
}

export class RowResultEncoder {
  private slab: Buffer = Buffer.allocUnsafe(0);
  private pos = 0;

  /** The row in `out` as a PreEncodedResult. REQUIRES: out.count > 0 (cells of one row). */
  encode(out: RowBuffer): PreEncodedResult {
    const n = out.count;
    const a0 = out.keyBuf(0);
    const k0 = out.keyOff(0);
    const rowLen = (a0[k0]! << 8) | a0[k0 + 1]!;
    // Size: row header + per run (family header + count) + per cell fields.
    let size = 2 + rowLen + 4;
    let famBuf = a0;
    let famOff = -1;
    let famLen = -1;
    for (let i = 0; i < n; i++) {
      const a = out.keyBuf(i);
      const ko = out.keyOff(i);
      const fo = ko + 2 + rowLen + 1;
      const fl = a[fo - 1]!;
      if (fl !== famLen || !same(a, fo, famBuf, famOff, fl)) {
        size += 1 + fl + 4;
        famBuf = a;
        famOff = fo;
        famLen = fl;
      }
      const ql = out.keyLen(i) - 2 - rowLen - 1 - fl - 9;
      size += 4 + ql + 8 + 1 + 4 + out.valueLen(i);
    }
    if (this.pos + size > this.slab.length) {
      this.slab = Buffer.allocUnsafe(Math.max(SLAB_BYTES, size));
      this.pos = 0;
    }
    const b = this.slab;
    const start = this.pos;
    let p = start;
    b[p] = rowLen >>> 8;
    b[p + 1] = rowLen;
    copyBytes(a0, k0 + 2, rowLen, b, p + 2);
    p += 2 + rowLen;
    const runsAt = p;
    p += 4;
    let runs = 0;
    let countAt = -1;
    let inRun = 0;
    famOff = -1;
    famLen = -1;
    for (let i = 0; i < n; i++) {
      const a = out.keyBuf(i);
      const ko = out.keyOff(i);
      const fo = ko + 2 + rowLen + 1;
      const fl = a[fo - 1]!;
      if (fl !== famLen || !same(a, fo, famBuf, famOff, fl)) {
        if (countAt >= 0) put32(b, countAt, inRun);
        runs++;
        inRun = 0;
        b[p] = fl;
        copyBytes(a, fo, fl, b, p + 1);
        p += 1 + fl;
        countAt = p;
        p += 4;
        famBuf = a;
        famOff = fo;
        famLen = fl;
      }
      inRun++;
      const qo = fo + fl;
      const tsAt = ko + out.keyLen(i) - 9;
      const ql = tsAt - qo;
      put32(b, p, ql);
      // qualifier, timestamp:u64 and type:u8 are adjacent in the key and in the answer.
      copyBytes(a, qo, ql + 9, b, p + 4);
      p += 4 + ql + 9;
      const vl = out.valueLen(i);
      put32(b, p, vl);
      copyBytes(out.valueBuf(i), out.valueOff(i), vl, b, p + 4);
      p += 4 + vl;
    }
    if (countAt >= 0) put32(b, countAt, inRun);
    put32(b, runsAt, runs);
    this.pos = p;
    return new PreEncodedResult(b, start, p);
  }
}

/** True if x[xo, xo+len) equals y[yo, yo+len); false when yo < 0 (no previous family). */
function same(x: Buffer, xo: number, y: Buffer, yo: number, len: number): boolean {
  if (yo < 0) return false;
  for (let i = 0; i < len; i++) if (x[xo + i] !== y[yo + i]) return false;
  return true;
}
