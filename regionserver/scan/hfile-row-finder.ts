// HFileRowFinder: the row just before a key in one HFile — what a reversed scan needs and
// HFileScanner (forward only) does not offer. Synchronous with a NEEDS_IO fallback, like
// HFileScanner: blocks come from the finder's pins or the reader's cache; a miss records the
// block and returns NEEDS_IO; `await fetchPending()` loads and pins it, and the same call then
// succeeds (or asks for the next level's block). clearPins() drops the pins once the caller's
// operation is complete.
//
// How: index keys are the first keys of their blocks, so descending by "last entry <= target"
// (indexSearch) reaches the data block holding the greatest key < target (a target of
// firstOnRow form never equals a stored key). That block is walked from its first cell; the
// row of the last cell < target is the answer. Cost: one index descent and up to a block of
// cell decodes per call (HBase's seekBefore walks the block the same way).

import { compareKeys } from './key-compare.js';
import { DataBlockCursor } from '../hfile/data-block-reader.js';
import type { HFileReader } from '../hfile/hfile-reader.js';
import type { ScanStatus } from '../hfile/hfile-scanner.js';
import { END, FOUND, NEEDS_IO } from '../hfile/hfile-scanner.js';
import { indexChildOffset, indexChildSize, indexCount, indexSearch } from '../hfile/index-block.js';

export class HFileRowFinder {
  /** After FOUND: the row found is row[0, rowLen). Valid until the next call. */
  row: Buffer = Buffer.allocUnsafe(64);
  rowLen = 0;
  private readonly cursor = new DataBlockCursor();
  private pins = new Map<number, Buffer>();
  private pendingOffset = -1;
  private pendingSize = 0;
  private pendingDepth = 0;

  constructor(private readonly r: HFileReader) {}

  /**
   * Finds the row of the greatest key < key[off, off+len), or the last row of the file when
   * `key` is undefined. FOUND (row set), END (no such key), NEEDS_IO.
   */
  rowBeforeSync(key: Buffer | undefined, off = 0, len = 0): ScanStatus {
    const r = this.r;
    if (r.entryCount === 0) return END;
    const levels = r.trailer.indexLevels;
    let blk = r.root;
    for (let d = 0; d < levels; d++) {
      const i = key === undefined ? indexCount(blk) - 1 : indexSearch(blk, key, off, len);
      if (i < 0) return END;
      const offset = indexChildOffset(blk, i);
      let child = this.pins.size > 0 ? this.pins.get(offset) : undefined;
      if (child === undefined) child = r.cachedBlock(offset);
      if (child === undefined) {
        this.pendingOffset = offset;
        this.pendingSize = indexChildSize(blk, i);
        this.pendingDepth = d + 1;
        return NEEDS_IO;
      }
      blk = child;
    }
    const c = this.cursor;
    c.reset(blk, r.trailer.encoding);
    c.first();
    // The block's first key is <= the target; it is < unless the target equals a stored key.
    let have = false;
    do {
      if (key !== undefined && compareKeys(c.keyBuf, c.keyOff, c.keyLen, key, off, len) >= 0) break;
      this.remember(c.keyBuf, c.keyOff, have);
      have = true;
    } while (c.advance());
    return have ? FOUND : END;
  }

  // Copies the row of the key at kOff unless it equals the row already held.
  private remember(kb: Buffer, kOff: number, have: boolean): void {
    const rl = (kb[kOff]! << 8) | kb[kOff + 1]!;
    if (have && rl === this.rowLen) {
      let same = true;
      const row = this.row;
      for (let i = 0; i < rl; i++) {
        if (row[i] !== kb[kOff + 2 + i]) {
          same = false;
          break;
        }
      }
      if (same) return;
    }
    if (this.row.length < rl) this.row = Buffer.allocUnsafe(Math.max(rl, 2 * this.row.length));
    kb.copy(this.row, 0, kOff + 2, kOff + 2 + rl);
    this.rowLen = rl;
  }

  /** Loads the block the last NEEDS_IO asked for. Throws CorruptionError / source errors. */
  async fetchPending(): Promise<void> {
    const offset = this.pendingOffset;
    if (offset < 0) return;
    this.pendingOffset = -1;
    this.pins.set(offset, await this.r.loadBlock(offset, this.pendingSize, this.pendingDepth));
  }

  /** True if a NEEDS_IO is waiting for fetchPending. */
  get hasPending(): boolean {
    return this.pendingOffset >= 0;
  }

  clearPins(): void {
    if (this.pins.size > 0) this.pins.clear();
  }
}
