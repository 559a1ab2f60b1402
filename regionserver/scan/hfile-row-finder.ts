// HFileRowFinder: the row just before a key in one HFile — what a reversed scan needs and
// HFileScanner (forward only) does not offer. Synchronous with a NEEDS_IO fallback, like
// HFileScanner: blocks come from the finder's pins or the reader's cache; a miss records the
// block and returns NEEDS_IO; `await fetchPending()` loads and pins it, and the same call then
// succeeds (or asks for the next level's block). clearPins() drops the pins once the caller's
// operation is complete.
//
// How: index keys are the first keys of their blocks, so descending by "last entry <= target"
// (indexSearch) reaches the data block holding the greatest key < target (a target of
// firstOnRow form never equals a stored key); the answer is that block's last row below the
// target's row. The finder lists a block's distinct rows the first time it lands there (one
// walk of the block) and binary-searches the list afterwards, so a reversed scan decodes each
// block about once instead of walking it again for every row (as HBase's seekBefore does).

import { compareRanges } from '../../common/cells/encoded-key.js';
import { DataBlockCursor } from '../hfile/data-block-reader.js';
import type { HFileReader } from '../hfile/hfile-reader.js';
import { blockKey } from '../hfile/hfile-format.js';
import type { ScanStatus } from '../hfile/hfile-scanner.js';
import { END, FOUND, NEEDS_IO } from '../hfile/hfile-scanner.js';
import { indexChildOffset, indexChildSize, indexCount, indexSearch } from '../hfile/index-block.js';

const EMPTY = Buffer.alloc(0);

export class HFileRowFinder {
  /** After FOUND: the row found is row[0, rowLen). Valid until the next call. */
  row: Buffer = EMPTY;
  rowLen = 0;
  private cursor: DataBlockCursor | undefined = undefined;
  /** The distinct rows of rowsBlock, in order (copies). */
  private rows: Buffer[] = [];
  private rowCount = 0;
  private rowsBlock: Buffer | undefined = undefined;
  private pins = new Map<number, Buffer>();
  private pendingOffset = -1;
  private pendingSize = 0;
  private pendingDepth = 0;

  constructor(private readonly r: HFileReader) {}

  /**
   * Finds the last row < the row of key[off, off+len), or the last row of the file when `key`
   * is undefined. FOUND (row set), END (no such row), NEEDS_IO.
   * REQUIRES: key is a first-on-row key (seek-keys.ts firstOnRow), so no stored key equals it.
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
      let child = this.pins.size > 0 ? this.pins.get(blockKey(offset, d + 1)) : undefined;
      if (child === undefined) child = r.cachedBlock(offset, d + 1);
      if (child === undefined) {
        this.pendingOffset = offset;
        this.pendingSize = indexChildSize(blk, i);
        this.pendingDepth = d + 1;
        return NEEDS_IO;
      }
      blk = child;
    }
    if (blk !== this.rowsBlock) this.indexRows(blk);
    // The block's first key is < the target (a first-on-row target never equals a stored key),
    // so its first row qualifies: find the last row < the target's row.
    const rows = this.rows;
    let lo = 0;
    let hi = this.rowCount - 1;
    if (key !== undefined) {
      const tr = (key[off]! << 8) | key[off + 1]!;
      while (lo < hi) {
        const mid = (lo + hi + 1) >>> 1;
        const rb = rows[mid]!;
        if (compareRanges(rb, 0, rb.length, key, off + 2, off + 2 + tr) < 0) lo = mid;
        else hi = mid - 1;
      }
      const first = rows[lo]!;
      if (compareRanges(first, 0, first.length, key, off + 2, off + 2 + tr) >= 0) return END;
    } else {
      lo = hi;
    }
    const row = rows[lo]!;
    this.row = row;
    this.rowLen = row.length;
    return FOUND;
  }

  // Reversed scans ask for row after row of the same block: list its distinct rows once.
  private indexRows(blk: Buffer): void {
    const c = (this.cursor ??= new DataBlockCursor());
    c.reset(blk, this.r.trailer.encoding);
    c.first();
    const rows = this.rows;
    let n = 0;
    do {
      const kb = c.keyBuf;
      const ko = c.keyOff;
      const rl = (kb[ko]! << 8) | kb[ko + 1]!;
      const prev = n > 0 ? rows[n - 1]! : undefined;
      if (prev === undefined || compareRanges(prev, 0, prev.length, kb, ko + 2, ko + 2 + rl) !== 0) {
        rows[n++] = Buffer.from(kb.subarray(ko + 2, ko + 2 + rl));
      }
    } while (c.advance());
    rows.length = n;
    this.rowCount = n;
    this.rowsBlock = blk;
  }

  /** Loads the block the last NEEDS_IO asked for. Throws CorruptionError / source errors. */
  async fetchPending(): Promise<void> {
    const offset = this.pendingOffset;
    if (offset < 0) return;
    this.pendingOffset = -1;
    this.pins.set(blockKey(offset, this.pendingDepth), await this.r.loadBlock(offset, this.pendingSize, this.pendingDepth));
  }

  /** True if a NEEDS_IO is waiting for fetchPending. */
  get hasPending(): boolean {
    return this.pendingOffset >= 0;
  }

  clearPins(): void {
    if (this.pins.size > 0) this.pins.clear();
  }
}
