// MemStore-local allocation buffer (HBase's MSLAB): KeyValues added to a MemStore are copied
// into large chunks owned by the MemStore segment, so the MemStore never keeps an RPC frame or
// WAL buffer alive through a small view of it, and the bytes a segment holds are known. The
// chunks are dropped together with the segment after its flush.
//
// Chunks live on SharedArrayBuffers: a flush hands a snapshot's chunks to a worker thread,
// which reads the cells in place while readers on the event loop go on reading them (nothing
// writes to a snapshot's chunks any more). Shared memory comes zeroed, unlike
// Buffer.allocUnsafeSlow's: one memset per 2 MiB chunk.
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
      const own = sharedBuffer(len);
      src.copy(own, 0, off, off + len);
      this.allocatedBytes += len;
      this.lastOffset = 0;
      return own;
    }
    if (this.pos + len > this.chunk.length) {
      this.chunk = sharedBuffer(this.chunkBytes);
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
      return sharedBuffer(len);
    }
    if (this.pos + len > this.chunk.length) {
      this.chunk = sharedBuffer(this.chunkBytes);
      this.pos = 0;
      this.allocatedBytes += this.chunkBytes;
    }
    this.lastOffset = this.pos;
    this.pos += len;
    return this.chunk;
  }
}

/** A Buffer over a SharedArrayBuffer of its own (offset 0, whole length). */
function sharedBuffer(len: number): Buffer {
  return Buffer.from(new SharedArrayBuffer(len));
}
