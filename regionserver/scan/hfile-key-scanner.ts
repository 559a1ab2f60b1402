// KeyValueScanner over one HFile, or over half of it (a split daughter's reference: 'bottom'
// = rows < splitRow, 'top' = rows >= splitRow — HBase's HalfStoreFileReader). Forward moves go
// to hfile/HFileScanner; backward moves find the previous row with HFileRowFinder and then seek
// forward to its first cell.
//
// NEEDS_IO: either part may ask for a block; `pendingFrom` remembers which, so fetchPending
// loads the right one. Backward operations take two or three steps (seek, find the previous
// row, seek to it); one suspended by NEEDS_IO resumes at the step it stopped at when it is
// retried with the same arguments, so the blocks pinned for earlier steps are not needed again
// (without this, a file with no block cache could fetch the same blocks forever).

import { compareKeyRowTo, compareRanges } from '../../common/cells/encoded-key.js';
import type { HFileReader } from '../hfile/hfile-reader.js';
import type { HFileScanner } from '../hfile/hfile-scanner.js';
import type { KeyValueScanner, ScanStatus } from './key-scanner.js';
import { END, FOUND, NEEDS_IO } from './key-scanner.js';
import { HFileRowFinder } from './hfile-row-finder.js';
import { SeekKey } from './seek-keys.js';

const EMPTY = Buffer.alloc(0);
/** Recycled scanners per reader (dropped with the reader). */
const pools = new WeakMap<HFileReader, HFileKeyScanner[]>();
const MAX_POOLED = 8;
const FROM_SCANNER = 0;
const FROM_FINDER = 1;
const STAGE_NONE = 0;
const STAGE_FIND = 1;
const STAGE_SEEK = 2;
const OP_PREV_ROW = 1;
const OP_LAST_ROW = 2;
const OP_BACKWARD_SEEK = 3;

export interface HFileKeyScannerOptions {
  /** Tie-break order (MAX_SEQ_ID, made unique by the caller). */
  readonly order: number;
  /** Only rows >= lowerRow (a 'top' half). */
  readonly lowerRow?: Buffer;
  /** Only rows < upperRow (a 'bottom' half). */
  readonly upperRow?: Buffer;
}

export class HFileKeyScanner implements KeyValueScanner {
  keyBuf: Buffer = EMPTY;
  keyOff = 0;
  keyLen = 0;
  valueBuf: Buffer = EMPTY;
  valueOff = 0;
  valueLen = 0;
  order: number;
  private readonly s: HFileScanner;
  private finderOrUndefined: HFileRowFinder | undefined = undefined;
  private lower: Buffer | undefined;
  private upper: Buffer | undefined;
  private readonly tmp = new SeekKey();
  private pendingFrom = FROM_SCANNER;
  /** A backward operation suspended by NEEDS_IO part way: which, where, and for which key. */
  private stage = STAGE_NONE;
  private stageOp = 0;
  private readonly stageKey = new SeekKey();

  constructor(
    readonly reader: HFileReader,
    opts: HFileKeyScannerOptions,
  ) {
    this.order = opts.order;
    this.s = reader.scanner();
    this.lower = opts.lowerRow;
    this.upper = opts.upperRow;
  }

  /**
   * A scanner over `reader`: a recycled one (see close) or a new one. Making an HFileScanner is
   * a good part of a cached point get's cost, and gets make one per file.
   */
  static acquire(reader: HFileReader, opts: HFileKeyScannerOptions): HFileKeyScanner {
    const pool = pools.get(reader);
    const s = pool?.pop();
    if (s === undefined) return new HFileKeyScanner(reader, opts);
    s.order = opts.order;
    s.lower = opts.lowerRow;
    s.upper = opts.upperRow;
    s.stage = STAGE_NONE;
    s.pendingFrom = FROM_SCANNER;
    return s;
  }

  /** Hands the scanner back for reuse by acquire. REQUIRES: not used again by the caller. */
  close(): void {
    this.finderOrUndefined?.clearPins();
    let pool = pools.get(this.reader);
    if (pool === undefined) pools.set(this.reader, (pool = []));
    if (pool.length < MAX_POOLED) pool.push(this);
  }

  seek(key: Buffer, off: number, len: number): ScanStatus {
    const up = this.upper;
    if (up !== undefined && compareKeyRowTo(key, off, up, 0, up.length) >= 0) return END;
    const lo = this.lower;
    if (lo !== undefined && compareKeyRowTo(key, off, lo, 0, lo.length) < 0) {
      const k = this.tmp.firstOnRow(lo, 0, lo.length);
      return this.land(this.s.seekSync(k.buf, 0, k.len));
    }
    return this.land(this.s.seekSync(key, off, len));
  }

  reseek(key: Buffer, off: number, len: number): ScanStatus {
    const up = this.upper;
    if (up !== undefined && compareKeyRowTo(key, off, up, 0, up.length) >= 0) return END;
    const lo = this.lower;
    if (lo !== undefined && compareKeyRowTo(key, off, lo, 0, lo.length) < 0) return this.seek(key, off, len);
    return this.land(this.s.reseekSync(key, off, len));
  }

  next(): ScanStatus {
    return this.land(this.s.nextSync());
  }

  seekToPreviousRow(key: Buffer, off: number, len: number): ScanStatus {
    if (this.stage !== STAGE_NONE && !this.resuming(OP_PREV_ROW, key, off, len)) this.stage = STAGE_NONE;
    return this.previousRow(OP_PREV_ROW, key, off, len);
  }

  seekToLastRow(): ScanStatus {
    if (this.stage !== STAGE_NONE && this.stageOp !== OP_LAST_ROW) this.stage = STAGE_NONE;
    return this.previousRow(OP_LAST_ROW, undefined, 0, 0);
  }

  backwardSeek(key: Buffer, off: number, len: number): ScanStatus {
    if (this.stage !== STAGE_NONE && !this.resuming(OP_BACKWARD_SEEK, key, off, len)) this.stage = STAGE_NONE;
    if (this.stage === STAGE_NONE) {
      const st = this.seek(key, off, len);
      if (st === NEEDS_IO) return st;
      if (st === FOUND) {
        const rl = (key[off]! << 8) | key[off + 1]!;
        if (compareKeyRowTo(this.keyBuf, this.keyOff, key, off + 2, rl) === 0) return FOUND;
      }
    }
    return this.previousRow(OP_BACKWARD_SEEK, key, off, len);
  }

  // Stage FIND: the finder looks for the previous row (of the key, or the last row); stage SEEK:
  // the scanner seeks to that row's first cell. A NEEDS_IO in either keeps the stage, so the
  // retry resumes there and the blocks pinned so far stay useful (no cache needed to progress).
  private previousRow(op: number, key: Buffer | undefined, off: number, len: number): ScanStatus {
    const f = this.finder;
    const lo = this.lower;
    // A top half has no row before its lower bound.
    if (lo !== undefined && key !== undefined && compareKeyRowTo(key, off, lo, 0, lo.length) <= 0) {
      this.stage = STAGE_NONE;
      return END;
    }
    if (this.stage !== STAGE_SEEK) {
      let st: ScanStatus;
      const up = this.upper;
      if (up !== undefined && (key === undefined || compareKeyRowTo(key, off, up, 0, up.length) > 0)) {
        const k = this.tmp.firstOnRow(up, 0, up.length);
        st = f.rowBeforeSync(k.buf, 0, k.len);
      } else if (key !== undefined) {
        // Rows before the key's row: search below the first key of that row.
        const k = this.tmp.firstOnRow(key, off + 2, (key[off]! << 8) | key[off + 1]!);
        st = f.rowBeforeSync(k.buf, 0, k.len);
      } else {
        st = f.rowBeforeSync(undefined);
      }
      if (st === NEEDS_IO) return this.suspend(op, STAGE_FIND, key, off, len, FROM_FINDER);
      if (st === END || (lo !== undefined && compareRanges(f.row, 0, f.rowLen, lo, 0, lo.length) < 0)) {
        f.clearPins();
        this.stage = STAGE_NONE;
        return END;
      }
    }
    const k = this.tmp.firstOnRow(f.row, 0, f.rowLen);
    const st = this.land(this.s.seekSync(k.buf, 0, k.len));
    if (st === NEEDS_IO) return this.suspend(op, STAGE_SEEK, key, off, len, FROM_SCANNER);
    f.clearPins();
    this.stage = STAGE_NONE;
    return st;
  }

  private suspend(op: number, stage: number, key: Buffer | undefined, off: number, len: number, from: number): ScanStatus {
    if (this.stage === STAGE_NONE || this.stageOp !== op) {
      this.stageOp = op;
      if (key !== undefined) this.stageKey.copyOf(key, off, len);
      else this.stageKey.len = 0;
    }
    this.stage = stage;
    this.pendingFrom = from;
    return NEEDS_IO;
  }

  private resuming(op: number, key: Buffer, off: number, len: number): boolean {
    const k = this.stageKey;
    return this.stageOp === op && k.len === len && compareRanges(k.buf, 0, len, key, off, off + len) === 0;
  }

  /** Made on first use: forward reads never need it. */
  private get finder(): HFileRowFinder {
    return (this.finderOrUndefined ??= new HFileRowFinder(this.reader));
  }

  async fetchPending(): Promise<void> {
    if (this.pendingFrom === FROM_FINDER) await this.finder.fetchPending();
    else await this.s.fetchPending();
  }

  private land(st: ScanStatus): ScanStatus {
    if (st === NEEDS_IO) {
      this.pendingFrom = FROM_SCANNER;
      return NEEDS_IO;
    }
    if (st === END) return END;
    const s = this.s;
    const kb = s.keyBuf;
    const ko = s.keyOff;
    const up = this.upper;
    if (up !== undefined && compareKeyRowTo(kb, ko, up, 0, up.length) >= 0) return END;
    this.keyBuf = kb;
    this.keyOff = ko;
    this.keyLen = s.keyLen;
    this.valueBuf = s.valueBuf;
    this.valueOff = s.valueOff;
    this.valueLen = s.valueLen;
    return FOUND;
  }
}
