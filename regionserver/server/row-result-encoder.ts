// Encodes the row held in a RowBuffer (regionserver/scan/row-buffer.ts) straight into the RPC
// `result` layout (common/rpc/result-codec.ts, docs/formats/rpc.md "Results"), without the
// Result / cell objects of RowBuffer.toResult:
//
//   result = row:bytes16 count:u32 cells:bytes32      the cells as KeyValues, back to back
//
// A cell that lies in its source as a whole KeyValue — keylen:u32 valuelen:u32 key value, as
// in a MemStore chunk or a NONE-encoded HFile block, which the RowBuffer references in place —
// is copied as it is, and adjacent such cells (a row written by one Put lies in one piece in
// the MemStore) in one copy. Any other cell (a key rebuilt from a PREFIX-encoded block, a
// cell a filter transformed) is written field by field. Whether a cell lies whole is read from
// its bytes: key and value adjacent in one buffer, preceded by their two lengths — exactly the
// bytes this encoder would write.
//
// Encoded rows are written into 64 KiB slabs. A slab is reused once the encoder has moved on
// from it and every Result encoded into it was written into an answer (encodeResult gives the
// bytes back: PreEncodedResult's owner). Fresh slabs for every ~60 rows were most of a
// region server's ArrayBuffer allocation under a read load, and V8 answers a growing total of
// those with full garbage collections (in one traced read run, seven mark-compacts of 8-23 ms
// in 5.5 s; docs/benchmarks.md, session 19). A Result dropped unencoded keeps its slab
// out of reuse; the slab is then collected as any other object. One owner; not thread-safe.

import { KV_LENGTHS_SIZE } from '../../common/cells/keyvalue-format.js';
import { copyBytes } from '../../common/copy-bytes.js';
import { get32, put32 } from '../../common/u32-bytes.js';
import type { EncodedBytesOwner } from '../../common/rpc/result-codec.js';
import { PreEncodedResult } from '../../common/rpc/result-codec.js';
import type { RowBuffer } from '../scan/row-buffer.js';

const SLAB_BYTES = 64 * 1024;
/** Most free slabs kept per encoder (beyond them, a freed slab is left to the collector). */
const FREE_SLABS_MAX = 16;

/** A slab and how many of the Results encoded into it are not given back yet. */
class Slab implements EncodedBytesOwner {
  /** Results not released yet. */
  live = 0;
  /** The encoder has moved to another slab. */
  retired = false;

  constructor(
    readonly buf: Buffer,
    private readonly free: Slab[],
  ) {}

  release(): void {
    if (--this.live === 0 && this.retired) this.recycle();
  }

  /** Puts the slab on the free list (if it is a regular one and the list has room). REQUIRES: live === 0. */
  recycle(): void {
    if (this.buf.length === SLAB_BYTES && this.free.length < FREE_SLABS_MAX) {
      this.retired = false;
      this.free.push(this);
    }
  }
}

export class RowResultEncoder {
  private readonly free: Slab[] = [];
  private slab = new Slab(Buffer.allocUnsafe(0), this.free);
  private pos = 0;

  /** Slabs ready for reuse (tests). */
  get freeSlabs(): number {
    return this.free.length;
  }

  /** Moves to a slab with room for `size` bytes. */
  private nextSlab(size: number): void {
    const old = this.slab;
    old.retired = true;
    // Nothing of the old slab is out: it can be reused at once (the next call may take it).
    if (old.live === 0) old.recycle();
    const reuse = size <= SLAB_BYTES ? this.free.pop() : undefined;
    this.slab = reuse ?? new Slab(Buffer.allocUnsafe(Math.max(SLAB_BYTES, size)), this.free);
    this.pos = 0;
  }

  /** The row in `out` as a PreEncodedResult. REQUIRES: out.count > 0 (cells of one row). */
  encode(out: RowBuffer): PreEncodedResult {
    const n = out.count;
    const a0 = out.keyBuf(0);
    const k0 = out.keyOff(0);
    const rowLen = (a0[k0]! << 8) | a0[k0 + 1]!;
    let cellBytes = 0;
    for (let i = 0; i < n; i++) cellBytes += KV_LENGTHS_SIZE + out.keyLen(i) + out.valueLen(i);
    const size = 2 + rowLen + 8 + cellBytes;
    if (this.pos + size > this.slab.buf.length) this.nextSlab(size);
    const slab = this.slab;
    const b = slab.buf;
    const start = this.pos;
    let p = start;
    b[p] = rowLen >>> 8;
    b[p + 1] = rowLen;
    p = copyBytes(a0, k0 + 2, rowLen, b, p + 2);
    put32(b, p, n);
    put32(b, p + 4, cellBytes);
    p += 8;
    // The pending run of whole KeyValues: runBuf[runStart, runEnd).
    let runBuf: Buffer | undefined;
    let runStart = 0;
    let runEnd = 0;
    for (let i = 0; i < n; i++) {
      const kb = out.keyBuf(i);
      const ko = out.keyOff(i);
      const kl = out.keyLen(i);
      const vb = out.valueBuf(i);
      const vo = out.valueOff(i);
      const vl = out.valueLen(i);
      // Whole: the cell lies in its buffer as a KeyValue (its two lengths, key, value).
      const isWhole = kb === vb && vo === ko + kl && ko >= KV_LENGTHS_SIZE && get32(kb, ko - 8) === kl && get32(kb, ko - 4) === vl;
      if (isWhole && kb === runBuf && ko - KV_LENGTHS_SIZE === runEnd) {
        runEnd = ko + kl + vl;
        continue;
      }
      if (runBuf !== undefined) p = copyBytes(runBuf, runStart, runEnd - runStart, b, p);
      runBuf = undefined;
      if (isWhole) {
        runBuf = kb;
        runStart = ko - KV_LENGTHS_SIZE;
        runEnd = ko + kl + vl;
        continue;
      }
      put32(b, p, kl);
      put32(b, p + 4, vl);
      p = copyBytes(kb, ko, kl, b, p + KV_LENGTHS_SIZE);
      p = copyBytes(vb, vo, vl, b, p);
    }
    if (runBuf !== undefined) p = copyBytes(runBuf, runStart, runEnd - runStart, b, p);
    this.pos = p;
    slab.live++;
    return new PreEncodedResult(b, start, p, slab);
  }
}
