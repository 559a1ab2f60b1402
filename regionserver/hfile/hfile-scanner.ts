// HFileScanner: a cursor over the cells of one HFile, with a synchronous fast path.
//
// Every operation exists twice:
//   - xxxSync(...) returns FOUND (1: positioned on a cell), END (0: no such cell) or NEEDS_IO
//     (-1: a block it needs is neither cached nor pinned; nothing observable changed). After
//     NEEDS_IO, `await fetchPending()` and call the same operation again.
//   - xxx(...) (async) does exactly that loop and resolves to true (FOUND) or false (END).
// So a point get whose blocks are cached completes without an await, and the async path is
// the same code. Blocks fetched for a pending operation are pinned in the scanner until the
// operation completes, so it progresses even without a cache (or when the cache evicts them).
//
// The current cell is exposed as views, not objects: key = keyBuf[keyOff, keyOff+keyLen),
// value = valueBuf[valueOff, valueOff+valueLen). They stay valid until the next operation on
// the scanner (PREFIX keys live in a scratch buffer the scanner reuses); copy to keep them.
//
// Thread safety: one scanner is used by one caller at a time (no concurrent operations on it).
// Many scanners may share one reader.

import { InternalError } from '../../common/errors.js';
import { compareKeyRowTo, compareKeys, decodeKey, firstOnRowKey, keyLength } from '../../common/cells/encoded-key.js';
import type { Cell } from '../../common/cells/keyvalue.js';
import type { CellType } from '../../common/cells/keyvalue-format.js';
import { DataBlockCursor } from './data-block-reader.js';
import { blockKey, MAX_INDEX_LEVELS } from './hfile-format.js';
import type { HFileReader } from './hfile-reader.js';
import { indexChildOffset, indexChildSize, indexCount, indexKeyLength, indexKeyOffset, indexSearch } from './index-block.js';

export const FOUND = 1;
export const END = 0;
export const NEEDS_IO = -1;
export type ScanStatus = typeof FOUND | typeof END | typeof NEEDS_IO;

/** What follows the row in firstOnRowKey(row): famlen 0, timestamp LATEST, type Maximum. */
const FIRST_ON_ROW_TAIL = firstOnRowKey(Buffer.from('x')).subarray(3);
const PENDING_NONE = 0;
const PENDING_BLOCK = 1;
const PENDING_BLOOM = 2;

export class HFileScanner {
  private readonly r: HFileReader;
  private readonly levels: number;
  private readonly encoding: number;
  /** pathBlocks[d]: the index block at depth d (0 = root) on the way to the current block. */
  private readonly pathBlocks: Buffer[];
  private readonly pathIdx: Int32Array;
  private readonly tmpBlocks: Buffer[];
  private readonly tmpIdx: Int32Array;
  private readonly cursor = new DataBlockCursor();
  private positioned = false;
  private pins = new Map<number, Buffer>();
  private pendingKind = PENDING_NONE;
  private pendingOffset = 0;
  private pendingSize = 0;
  private pendingDepth = 0;
  private seekKey: Buffer = Buffer.allocUnsafe(64);

  constructor(reader: HFileReader) {
    this.r = reader;
    this.levels = reader.trailer.indexLevels;
    this.encoding = reader.trailer.encoding;
    this.pathBlocks = new Array<Buffer>(this.levels).fill(reader.root);
    this.pathIdx = new Int32Array(this.levels);
    this.tmpBlocks = new Array<Buffer>(this.levels).fill(reader.root);
    this.tmpIdx = new Int32Array(this.levels);
  }

  /** True when positioned on a cell. */
  get valid(): boolean {
    return this.positioned;
  }
  get keyBuf(): Buffer {
    return this.cursor.keyBuf;
  }
  get keyOff(): number {
    return this.cursor.keyOff;
  }
  get keyLen(): number {
    return this.cursor.keyLen;
  }
  get valueBuf(): Buffer {
    return this.cursor.block;
  }
  get valueOff(): number {
    return this.cursor.valueOff;
  }
  get valueLen(): number {
    return this.cursor.valueLen;
  }

  /** A copy of the current key. REQUIRES: valid. */
  key(): Buffer {
    const c = this.cursor;
    return Buffer.from(c.keyBuf.subarray(c.keyOff, c.keyOff + c.keyLen));
  }

  /** A copy of the current value. REQUIRES: valid. */
  value(): Buffer {
    const c = this.cursor;
    return Buffer.from(c.block.subarray(c.valueOff, c.valueOff + c.valueLen));
  }

  /** The current cell, decoded into new buffers. REQUIRES: valid. */
  cell(): Cell {
    const k = decodeKey(this.key(), 0, this.cursor.keyLen);
    return { row: k.row, family: k.family, qualifier: k.qualifier, timestamp: k.timestamp, type: k.type as CellType, value: this.value() };
  }

  // ---- synchronous operations ------------------------------------------------------------

  /** Positions at the first cell whose key is >= key[off, off+len). */
  seekSync(key: Buffer, off = 0, len = key.length - off): ScanStatus {
    if (this.r.entryCount === 0) return this.end();
    return this.descend(key, off, len);
  }

  /**
   * Like seekSync, for targets at or after the current position (skipping forward in a scan):
   * when the target lies before the next block's first key, only the current block is searched
   * (no index descent, no cache lookup). Any target is allowed; others cost a normal seek.
   */
  reseekSync(key: Buffer, off = 0, len = key.length - off): ScanStatus {
    if (this.positioned) {
      const L = this.levels;
      const leaf = this.pathBlocks[L - 1]!;
      const li = this.pathIdx[L - 1]!;
      if (
        li + 1 < indexCount(leaf) &&
        compareKeys(leaf, indexKeyOffset(leaf, li + 1), indexKeyLength(leaf, li + 1), key, off, len) > 0 &&
        compareKeys(leaf, indexKeyOffset(leaf, li), indexKeyLength(leaf, li), key, off, len) <= 0
      ) {
        if (this.cursor.seek(key, off, len)) return this.found();
        return this.nextBlockSync();
      }
    }
    return this.seekSync(key, off, len);
  }

  private descend(key: Buffer, off: number, len: number): ScanStatus {
    const L = this.levels;
    let blk = this.r.root;
    for (let d = 0; d < L; d++) {
      let i = indexSearch(blk, key, off, len);
      if (i < 0) i = 0;
      this.tmpBlocks[d] = blk;
      this.tmpIdx[d] = i;
      const child = this.block(indexChildOffset(blk, i), indexChildSize(blk, i), d + 1);
      if (child === undefined) return NEEDS_IO;
      blk = child;
    }
    this.commit(0, blk);
    if (this.cursor.seek(key, off, len)) return this.found();
    // Every key of the block is smaller: the answer is the next block's first cell.
    return this.nextBlockSync();
  }

  /** Positions at the first cell of the file. */
  seekToFirstSync(): ScanStatus {
    if (this.r.entryCount === 0) return this.end();
    let blk = this.r.root;
    for (let d = 0; d < this.levels; d++) {
      this.tmpBlocks[d] = blk;
      this.tmpIdx[d] = 0;
      const child = this.block(indexChildOffset(blk, 0), indexChildSize(blk, 0), d + 1);
      if (child === undefined) return NEEDS_IO;
      blk = child;
    }
    this.commit(0, blk);
    this.cursor.first();
    return this.found();
  }

  /** Moves to the next cell. END past the last cell (and if not positioned). */
  nextSync(): ScanStatus {
    if (!this.positioned) return END;
    if (this.cursor.advance()) return FOUND;
    return this.nextBlockSync();
  }

  /**
   * Positions at the first cell of `row[off, off+len)`: FOUND, END if the file has no cell of
   * the row (decided by key range and ROW bloom without I/O when possible), or NEEDS_IO.
   * `bloom` false skips the key range and bloom test (a caller that already made it, or that
   * gives up on NEEDS_IO: a block in memory answers faster than the bloom).
   */
  seekRowSync(row: Buffer, off = 0, len = row.length - off, bloom = true): ScanStatus {
    if (bloom) {
      const b = this.r.mayContainRowSync(row, off, len);
      if (b === 0) return this.end();
      if (b < 0) {
        this.pendingKind = PENDING_BLOOM;
        this.pendingOffset = -1 - b;
        return NEEDS_IO;
      }
    }
    // firstOnRowKey(row), built in a reused buffer without allocating.
    const klen = keyLength(len, 0, 0);
    if (this.seekKey.length < klen) this.seekKey = Buffer.allocUnsafe(Math.max(klen, 2 * this.seekKey.length));
    const sk = this.seekKey;
    sk[0] = len >>> 8;
    sk[1] = len & 0xff;
    if (len <= 32) for (let i = 0; i < len; i++) sk[2 + i] = row[off + i]!;
    else row.copy(sk, 2, off, off + len);
    for (let i = 0; i < FIRST_ON_ROW_TAIL.length; i++) sk[2 + len + i] = FIRST_ON_ROW_TAIL[i]!;
    const s = this.seekSync(sk, 0, klen);
    if (s !== FOUND) return s;
    if (compareKeyRowTo(this.cursor.keyBuf, this.cursor.keyOff, row, off, len) !== 0) return this.end();
    return FOUND;
  }

  // ---- asynchronous forms ----------------------------------------------------------------

  /** Loads what the last NEEDS_IO asked for. Throws CorruptionError / source errors. */
  async fetchPending(): Promise<void> {
    const kind = this.pendingKind;
    this.pendingKind = PENDING_NONE;
    if (kind === PENDING_BLOCK) {
      const offset = this.pendingOffset;
      this.pins.set(blockKey(offset, this.pendingDepth), await this.r.loadBlock(offset, this.pendingSize, this.pendingDepth));
    } else if (kind === PENDING_BLOOM) {
      await this.r.loadBloomChunk(this.pendingOffset);
    }
  }

  seek(key: Buffer, off = 0, len = key.length - off): Promise<boolean> {
    return this.drive(() => this.seekSync(key, off, len));
  }

  reseek(key: Buffer, off = 0, len = key.length - off): Promise<boolean> {
    return this.drive(() => this.reseekSync(key, off, len));
  }

  seekToFirst(): Promise<boolean> {
    return this.drive(() => this.seekToFirstSync());
  }

  next(): Promise<boolean> {
    return this.drive(() => this.nextSync());
  }

  seekRow(row: Buffer, off = 0, len = row.length - off): Promise<boolean> {
    return this.drive(() => this.seekRowSync(row, off, len));
  }

  private async drive(op: () => ScanStatus): Promise<boolean> {
    // Each retry finds at least one more block pinned, so a few rounds always suffice; the
    // bound turns a logic error into an error instead of a hang.
    for (let round = 0; round < 2 * MAX_INDEX_LEVELS + 4; round++) {
      const s = op();
      if (s !== NEEDS_IO) return s === FOUND;
      await this.fetchPending();
    }
    throw new InternalError('hfile scanner made no progress', { details: { file: this.r.name } });
  }

  // ---- internals ---------------------------------------------------------------------------

  /** A block's payload from the pins or the cache; undefined (and pending set) if neither. */
  private block(offset: number, size: number, depth: number): Buffer | undefined {
    let b = this.pins.size > 0 ? this.pins.get(blockKey(offset, depth)) : undefined;
    if (b === undefined) b = this.r.cachedBlock(offset, depth);
    if (b === undefined) {
      this.pendingKind = PENDING_BLOCK;
      this.pendingOffset = offset;
      this.pendingSize = size;
      this.pendingDepth = depth;
    }
    return b;
  }

  /** Moves to the first cell of the data block after the current one. */
  private nextBlockSync(): ScanStatus {
    const L = this.levels;
    let d = L - 1;
    while (d >= 0 && this.pathIdx[d]! + 1 >= indexCount(this.pathBlocks[d]!)) d--;
    if (d < 0) return this.end();
    let blk = this.pathBlocks[d]!;
    let i = this.pathIdx[d]! + 1;
    this.tmpBlocks[d] = blk;
    this.tmpIdx[d] = i;
    for (let dd = d; dd < L; dd++) {
      const child = this.block(indexChildOffset(blk, i), indexChildSize(blk, i), dd + 1);
      if (child === undefined) return NEEDS_IO;
      blk = child;
      i = 0;
      if (dd + 1 < L) {
        this.tmpBlocks[dd + 1] = blk;
        this.tmpIdx[dd + 1] = 0;
      }
    }
    this.commit(d, blk);
    this.cursor.first();
    return this.found();
  }

  private commit(fromDepth: number, data: Buffer): void {
    for (let d = fromDepth; d < this.levels; d++) {
      this.pathBlocks[d] = this.tmpBlocks[d]!;
      this.pathIdx[d] = this.tmpIdx[d]!;
    }
    this.cursor.reset(data, this.encoding);
  }

  private found(): ScanStatus {
    this.positioned = true;
    if (this.pins.size > 0) this.pins.clear();
    return FOUND;
  }

  private end(): ScanStatus {
    this.positioned = false;
    if (this.pins.size > 0) this.pins.clear();
    return END;
  }
}
