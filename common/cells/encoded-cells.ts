// Cells already encoded as KeyValues (docs/formats/keyvalue.md), held as ranges of buffers
// that contain whole KeyValues back to back. The write path encodes a mutation's cells once,
// into the MemStore's chunk; the WAL entry then copies those bytes (one copy per range: the
// cells of a row are usually adjacent in one chunk) instead of encoding each cell again.
//
// The ranges are views, not copies: the holder must not change those bytes while the cells are
// in use (MemStore chunks are never rewritten).

export class EncodedCells {
  /** Number of KeyValues in all ranges. */
  count = 0;
  /** Total bytes of all ranges. */
  bytes = 0;
  readonly bufs: Buffer[] = [];
  readonly offsets: number[] = [];
  readonly lengths: number[] = [];

  /**
   * Adds the `count` KeyValues at buf[off, off + len) after the ones added before (a range that
   * continues the last one extends it).
   * REQUIRES: the bytes are `count` structurally valid KeyValues.
   */
  add(buf: Buffer, off: number, len: number, count = 1): void {
    const last = this.bufs.length - 1;
    if (last >= 0 && this.bufs[last] === buf && this.offsets[last]! + this.lengths[last]! === off) {
      this.lengths[last]! += len;
    } else {
      this.bufs.push(buf);
      this.offsets.push(off);
      this.lengths.push(len);
    }
    this.count += count;
    this.bytes += len;
  }

  /** Copies every range, in order, into `dst` at `at`; returns the offset after them. */
  copyTo(dst: Buffer, at: number): number {
    for (let i = 0; i < this.bufs.length; i++) {
      const off = this.offsets[i]!;
      const len = this.lengths[i]!;
      this.bufs[i]!.copy(dst, at, off, off + len);
      at += len;
    }
    return at;
  }
}
