// MemStore-local allocation buffer (HBase's MSLAB): KeyValues added to a MemStore are copied
// into large chunks owned by the MemStore segment, so the MemStore never keeps an RPC frame or
// WAL buffer alive through a small view of it, and the bytes a segment holds are known. The
// chunks are dropped together with the segment after its flush.
//
// Chunks are plain memory (Buffer.allocUnsafeSlow: an ArrayBuffer of their own, not zeroed;
// only bytes written by copy() or reserve() are ever read). Not SharedArrayBuffers, although a
// flush worker reads a snapshot's cells in place: V8 copies into or out of shared memory with
// relaxed atomic loads and stores (base::Relaxed_Memcpy, src/base/atomicops.h), a byte at a
// time when source and target are not equally aligned, as a KeyValue at any offset is. Copying a 1,100-byte row that way took ~1,000 ns
// against ~220 ns between plain buffers (docs/benchmarks.md, session 22), and every row paid it
// on the way in, on the way out to its WAL entry, and in every read answer. A flush that runs
// in a worker copies the snapshot's chunks into shared memory first, whole chunks at a time
// (aligned: word by word; snapshot-cells.ts).
//
// Bytes once written are never rewritten, and a chunk is never reused for other cells (no
// chunk pool): the WAL entry of a mutation copies its KeyValues out of the chunk, possibly
// after waiting for room in the WAL's buffer (EncodedCells views; region.ts's commit).
//
// Not thread-safe (one event loop); copy() is synchronous.

/** Default chunk size: 2 MiB, as HBase. */
export const DEFAULT_CHUNK_BYTES = 2 << 20;

export class Mslab {
  /** Bytes of the chunks allocated so far (including unused tails). */
  allocatedBytes = 0;
  private chunk: Buffer = Buffer.alloc(0);
  private pos = 0;
  /** Offset in the chunk returned by the last copy(). */
  lastOffset = 0;
  /** KeyValues larger than this get a buffer of their own. */
  private readonly maxInChunk: number;

  constructor(readonly chunkBytes: number = DEFAULT_CHUNK_BYTES) {
    this.maxInChunk = chunkBytes >>> 3;
  }

  /**
   * Copies src[off, off+len) into the slab and returns the buffer it now lives in; the copy
   * starts at `lastOffset` of that buffer.
   */
  copy(src: Buffer, off: number, len: number): Buffer {
    if (len > this.maxInChunk) {
      const own = Buffer.allocUnsafeSlow(len);
      src.copy(own, 0, off, off + len);
      this.allocatedBytes += len;
      this.lastOffset = 0;
      return own;
    }
    if (this.pos + len > this.chunk.length) {
      this.chunk = Buffer.allocUnsafeSlow(this.chunkBytes);
      this.pos = 0;
      this.allocatedBytes += this.chunkBytes;
    }
    const at = this.pos;
    // TypedArray#set of a whole buffer skips Buffer#copy's argument handling (the common case:
    // the caller passes one encoded KeyValue).
    if (off === 0 && len === src.length) this.chunk.set(src, at);
    else src.copy(this.chunk, at, off, off + len);
    this.pos = at + len;
    this.lastOffset = at;
    return this.chunk;
  }

  /**
   * Room for `len` bytes written by the caller: returns the buffer and sets `lastOffset`.
   * The caller must fill exactly len bytes at lastOffset before anything else reads them.
   */
  reserve(len: number): Buffer {
    if (len > this.maxInChunk) {
      this.allocatedBytes += len;
      this.lastOffset = 0;
      return Buffer.allocUnsafeSlow(len);
    }
    if (this.pos + len > this.chunk.length) {
      this.chunk = Buffer.allocUnsafeSlow(this.chunkBytes);
      this.pos = 0;
      this.allocatedBytes += this.chunkBytes;
    }
    this.lastOffset = this.pos;
    this.pos += len;
    return this.chunk;
  }
}
