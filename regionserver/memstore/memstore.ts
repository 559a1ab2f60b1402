// The MemStore of one store (region × column family): the cells written since the last flush,
// sorted in KeyValue order, each with the MVCC write number of its mutation.
//
// Writes go to the active segment. A flush calls snapshot(), which sets the active segment
// aside as the snapshot and starts an empty one; readers see active + snapshot until the
// flushed file is published and clearSnapshot() drops the snapshot. If a flush fails, the next
// snapshot() returns the same snapshot again (nothing is lost or flushed twice).
//
// Visibility: readers pass an MVCC read point (mvcc.ts) to scanner(); cells with a larger write
// number are skipped, so all cells of one mutation appear together.
//
// Accounting: dataSize is the KeyValue bytes; heapSize adds CELL_HEAP_OVERHEAD per cell (its
// slot in the sorted set), the figure flush thresholds use.
//
// Version pruning (option `pruning`, a family with IN_MEMORY_COMPACTION EAGER): inserting a new
// version of a column removes the versions no reader can return any more from the active
// segment (version-pruner.ts). A removed cell's KeyValue bytes stay in its chunk until the
// segment is flushed, so they stay in dataSize and heapSize; its CELL_HEAP_OVERHEAD goes.
//
// Not thread-safe (one event loop): every method is synchronous and runs to completion.
// Callers order concurrent mutations with row locks and MVCC.

import type { EncodedCells } from '../../common/cells/encoded-cells.js';
import { encodedLength, validateCell, writeKeyValue } from '../../common/cells/keyvalue.js';
import type { Cell } from '../../common/cells/keyvalue.js';
import { keyStructureError } from '../../common/cells/encoded-key.js';
import { CellType, KEY_TRAILER_SIZE, KV_LENGTHS_SIZE } from '../../common/cells/keyvalue-format.js';
import { InternalError, InvalidError } from '../../common/errors.js';
import { get32, put32 } from '../../common/u32-bytes.js';
import { CellSet } from './cell-set.js';
import type { MemCell } from './mem-cell.js';
import { memCellAt, SEEK_SEQ } from './mem-cell.js';
import { MemStoreScanner } from './memstore-scanner.js';
import { DEFAULT_CHUNK_BYTES, Mslab } from './mslab.js';
import type { VersionPruning } from './version-pruner.js';
import { pruneAfterInsert } from './version-pruner.js';

/**
 * Estimated bytes per cell beyond its KeyValue bytes: its slot in the sorted set (34 bytes of
 * typed arrays in a full leaf, cell-set.ts; leaves are a half to fully full) and the set's
 * share of the rest. Kept at the figure used while each cell was an object as well, so flush
 * sizes did not change with the set's layout (session 20): an over-estimate now.
 */
export const CELL_HEAP_OVERHEAD = 64;

export interface MemStoreOptions {
  /** MSLAB chunk size. Default 2 MiB. */
  readonly chunkBytes?: number;
  /** Prune excess versions on insert (see above). Default: no pruning. */
  readonly pruning?: VersionPruning;
}

/** Sizes of a MemStore or a part of it. */
export interface MemStoreSize {
  readonly dataSize: number;
  readonly heapSize: number;
  readonly cellCount: number;
}

class Segment implements MemStoreSize {
  readonly set = new CellSet();
  readonly slab: Mslab;
  dataSize = 0;
  heapSize = 0;
  maxSeq = 0;
  /** Cells version pruning removed from this segment. */
  prunedCells = 0;
  /** Version pruning, while the segment holds no DeleteFamily or DeleteFamilyVersion marker. */
  private pruning: VersionPruning | undefined;

  constructor(chunkBytes: number, pruning: VersionPruning | undefined) {
    this.slab = new Mslab(chunkBytes);
    this.pruning = pruning;
  }

  /** Prunes after an insert (see version-pruner.ts); a removed cell's bytes stay in its chunk. */
  private prune(pruning: VersionPruning): void {
    const n = pruneAfterInsert(this.set, pruning);
    this.prunedCells += n;
    this.heapSize -= n * CELL_HEAP_OVERHEAD;
  }

  /** Stops pruning at the first family marker (it may mask a version counted as kept). */
  private notePruningCell(cell: MemCell): void {
    const t = cell.type;
    if (t === CellType.DeleteFamily || t === CellType.DeleteFamilyVersion) this.pruning = undefined;
  }

  get cellCount(): number {
    return this.set.size;
  }

  insert(buf: Buffer, off: number, keyLen: number, valueLen: number, seq: number): void {
    this.insertCell(memCellAt(buf, off, seq, keyLen, valueLen));
  }

  insertCell(cell: MemCell): void {
    const old = this.set.add(cell);
    if (old !== undefined) {
      this.dataSize -= old.length;
      this.heapSize -= old.length + CELL_HEAP_OVERHEAD;
    }
    const len = cell.length;
    this.dataSize += len;
    this.heapSize += len + CELL_HEAP_OVERHEAD;
    if (cell.seq > this.maxSeq) this.maxSeq = cell.seq;
    if (this.pruning !== undefined) {
      this.notePruningCell(cell);
      if (this.pruning !== undefined) this.prune(this.pruning);
    }
  }

  /** Inserts the cells of one mutation of one row (see CellSet.addRun). */
  insertRow(cells: readonly MemCell[]): void {
    if (!this.set.addRun(cells)) {
      for (const c of cells) this.insertCell(c);
      return;
    }
    let len = 0;
    for (const c of cells) len += c.length;
    this.dataSize += len;
    this.heapSize += len + cells.length * CELL_HEAP_OVERHEAD;
    const seq = cells[0]!.seq;
    if (seq > this.maxSeq) this.maxSeq = seq;
    if (this.pruning !== undefined) {
      for (const c of cells) this.notePruningCell(c);
      // The run's cells are adjacent (addRun), so only its last cell's column can have older
      // versions right after it.
      if (this.pruning !== undefined) this.prune(this.pruning);
    }
  }
}

/** A MemStore's snapshot, handed to the flusher. */
export class MemStoreSnapshot implements MemStoreSize {
  /** @internal */
  constructor(
    readonly id: number,
    private readonly segment: Segment,
  ) {}

  get dataSize(): number {
    return this.segment.dataSize;
  }
  get heapSize(): number {
    return this.segment.heapSize;
  }
  get cellCount(): number {
    return this.segment.cellCount;
  }
  /** Cells version pruning removed from the snapshot's segment while it was active. */
  get prunedCells(): number {
    return this.segment.prunedCells;
  }
  /** Largest write number in the snapshot (0 if empty). */
  get maxSeq(): number {
    return this.segment.maxSeq;
  }
  /** A scanner over the snapshot only; by default every cell (read point Infinity). */
  scanner(readPoint = Infinity): MemStoreScanner {
    return new MemStoreScanner(this.segment.set, undefined, readPoint);
  }
  /** @internal */
  get cellSet(): CellSet {
    return this.segment.set;
  }
}

export class MemStore {
  private active: Segment;
  private snap: MemStoreSnapshot | undefined = undefined;
  private nextSnapshotId = 1;
  private readonly chunkBytes: number;
  private readonly pruning: VersionPruning | undefined;
  private viewBuf: Buffer | undefined = undefined;
  private view: DataView | undefined = undefined;

  constructor(opts: MemStoreOptions = {}) {
    this.chunkBytes = opts.chunkBytes ?? DEFAULT_CHUNK_BYTES;
    this.pruning = opts.pruning;
    this.active = new Segment(this.chunkBytes, this.pruning);
  }

  /**
   * Adds the KeyValue kv[off, off+len) written by the mutation with write number `seq`; the
   * bytes are copied. A cell with the same key and write number is replaced.
   * Throws InvalidError (TSB_INVALID_ARGUMENT) if the bytes are not a well-formed KeyValue of
   * a stored type or seq is not a non-negative integer below 2^53 - 1.
   */
  add(kv: Buffer, off: number, len: number, seq: number): void {
    checkSeq(seq);
    const keyLen = len >= KV_LENGTHS_SIZE && off >= 0 && off + len <= kv.length ? kv.readUInt32BE(off) : -1;
    const valueLen = keyLen >= 0 ? kv.readUInt32BE(off + 4) : -1;
    if (keyLen < 0 || KV_LENGTHS_SIZE + keyLen + valueLen !== len) {
      throw new InvalidError('memstore add needs one whole keyvalue', { details: { offset: off, length: len, keyLen, valueLen } });
    }
    const err = keyStructureError(kv, off + KV_LENGTHS_SIZE, keyLen, true);
    if (err !== undefined) throw new InvalidError(`memstore add needs a valid keyvalue: ${err}`, { details: { offset: off } });
    const seg = this.active;
    const buf = seg.slab.copy(kv, off, len);
    seg.insert(buf, seg.slab.lastOffset, keyLen, valueLen, seq);
  }

  /** Adds a decoded cell (encoded straight into the MemStore's chunk). Throws as add and validateCell. */
  addCell(cell: Cell, seq: number): void {
    checkSeq(seq);
    validateCell(cell);
    const seg = this.active;
    seg.insertCell(this.encode(seg, cell, seq));
  }

  /**
   * Adds cells[from, to), the cells of ONE mutation of one row (same row, any order), written
   * with write number `seq`. Same result as addCell of each in turn, in one step of the sorted
   * set when it can (CellSet.addRun). If `encoded` is given, the KeyValues the MemStore wrote
   * are added to it, in the order of `cells` (the WAL entry copies them). Throws as addCell, or
   * InvalidError if the rows differ; nothing is added then.
   */
  addRow(cells: readonly Cell[], from: number, to: number, seq: number, encoded?: EncodedCells): void {
    checkSeq(seq);
    const row = cells[from]!.row;
    for (let i = from; i < to; i++) {
      const c = cells[i]!;
      validateCell(c);
      if (c.row !== row && !c.row.equals(row)) throw new InvalidError('memstore addRow needs the cells of one row');
    }
    const seg = this.active;
    if (to - from === 1) {
      seg.insertCell(this.encode(seg, cells[from]!, seq, encoded));
      return;
    }
    const run = new Array<MemCell>(to - from);
    for (let i = from; i < to; i++) run[i - from] = this.encode(seg, cells[i]!, seq, encoded);
    seg.insertRow(run);
  }

  /**
   * Adds the `count` KeyValues at kv[start, end), the cells of ONE mutation of one row, written
   * with write number `seq`: one copy into the segment's chunk, then as addRow. Cells with
   * timestamp LATEST_TIMESTAMP are stored with `latestTime` (ms) instead, in the copy (the
   * source is not changed). If `encoded` is given, the stored KeyValues are added to it (one
   * range).
   * REQUIRES: the bytes are `count` whole KeyValues of one row and of stored types, with
   * timestamps below 2^63 (common/ops/keyvalue-put.ts's parseKeyValuePut and the region's
   * keyValuePutCells checked them): they are not parsed again. 0 <= latestTime < 2^53.
   */
  addKeyValues(kv: Buffer, start: number, end: number, count: number, seq: number, latestTime: number, encoded?: EncodedCells): void {
    checkSeq(seq);
    const seg = this.active;
    const buf = seg.slab.copy(kv, start, end - start);
    const base = seg.slab.lastOffset;
    const timeHi = Math.floor(latestTime / 0x100000000);
    const timeLo = latestTime >>> 0;
    const run = new Array<MemCell>(count);
    let p = base;
    for (let i = 0; i < count; i++) {
      const keyLen = get32(buf, p);
      const valueLen = get32(buf, p + 4);
      const ts = p + KV_LENGTHS_SIZE + keyLen - KEY_TRAILER_SIZE;
      if (get32(buf, ts) === 0x7fffffff && get32(buf, ts + 4) === 0xffffffff) {
        put32(buf, ts, timeHi);
        put32(buf, ts + 4, timeLo);
      }
      run[i] = memCellAt(buf, p, seq, keyLen, valueLen);
      p += KV_LENGTHS_SIZE + keyLen + valueLen;
    }
    encoded?.add(buf, base, end - start, count);
    if (count === 1) seg.insertCell(run[0]!);
    else seg.insertRow(run);
  }

  /** Writes `cell` into the segment's chunk (and notes it in `encoded`); its MemCell. REQUIRES: validateCell passed. */
  private encode(seg: Segment, cell: Cell, seq: number, encoded?: EncodedCells): MemCell {
    const len = encodedLength(cell);
    const buf = seg.slab.reserve(len);
    const off = seg.slab.lastOffset;
    // A DataView per chunk (chunks change rarely): setBigUint64 instead of writeBigUInt64BE.
    if (buf !== this.viewBuf) {
      this.viewBuf = buf;
      this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    }
    writeKeyValue(buf, off, cell, this.view);
    encoded?.add(buf, off, len);
    return memCellAt(buf, off, seq, len - KV_LENGTHS_SIZE - cell.value.length, cell.value.length);
  }

  /** A scanner over active + snapshot at `readPoint` (Infinity: every cell). */
  scanner(readPoint: number): MemStoreScanner {
    return new MemStoreScanner(this.active.set, this.snap?.cellSet, readPoint);
  }

  /**
   * Sets the active cells aside for a flush and returns them; new writes go to a new active
   * segment. If the previous snapshot was not cleared (its flush failed), returns it again.
   */
  snapshot(): MemStoreSnapshot {
    if (this.snap !== undefined) return this.snap;
    this.snap = new MemStoreSnapshot(this.nextSnapshotId++, this.active);
    this.active = new Segment(this.chunkBytes, this.pruning);
    return this.snap;
  }

  /** The snapshot not yet cleared, if any. */
  currentSnapshot(): MemStoreSnapshot | undefined {
    return this.snap;
  }

  /**
   * Drops the snapshot once its flushed file is published. Throws InternalError if `id` is not
   * the current snapshot's (a flush bookkeeping bug).
   */
  clearSnapshot(id: number): void {
    if (this.snap === undefined || this.snap.id !== id) {
      throw new InternalError('memstore snapshot to clear is not the current one', { details: { id, current: this.snap?.id } });
    }
    this.snap = undefined;
  }

  /** Sizes of active + snapshot. */
  get dataSize(): number {
    return this.active.dataSize + (this.snap?.dataSize ?? 0);
  }
  get heapSize(): number {
    return this.active.heapSize + (this.snap?.heapSize ?? 0);
  }
  get cellCount(): number {
    return this.active.cellCount + (this.snap?.cellCount ?? 0);
  }
  /** Sizes of the active segment only (what the next flush would take). */
  activeSize(): MemStoreSize {
    return { dataSize: this.active.dataSize, heapSize: this.active.heapSize, cellCount: this.active.cellCount };
  }
  /** Cells version pruning removed from active + snapshot (since the last clearSnapshot). */
  get prunedCells(): number {
    return this.active.prunedCells + (this.snap?.prunedCells ?? 0);
  }
  /** Largest write number in the active segment (0 if empty). */
  get activeMaxSeq(): number {
    return this.active.maxSeq;
  }
}

function checkSeq(seq: number): void {
  if (!(seq >= 0 && seq < SEEK_SEQ && Math.floor(seq) === seq)) {
    throw new InvalidError('memstore write number must be a non-negative integer below 2^53 - 1', { details: { seq } });
  }
}
