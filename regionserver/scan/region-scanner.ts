// RegionScanner: the rows of one region for a Scan — every requested family joined by row
// (HBase's RegionScannerImpl) — and regionGet, a scan of one row.
//
// Per row: the next row is the smallest (reversed: largest) row any family is positioned on;
// rows past the stop row or the region's end finish the scan. The filter sees the row as
// HBase's does (regionserver/filter/apply-filter.ts is the reference): filterRowKey on the
// row's first cell (a rejected row still runs through the matchers and filterCell, keeping
// nothing), filterCell per surviving cell inside each family's matcher, then filterRowCells /
// filterRow, reset() between rows, and filterAllRemaining() ending the scan. A family whose
// matcher sees filterAllRemaining() stops for good, and so do the later families of that row.
//
// Scan.batch splits a row into Results of at most `batch` cells; Scan.limit counts rows.
// Rows with no returned cell are not returned.
//
// Synchronous first: nextRow() returns FOUND / END, or NEEDS_IO when a block must be loaded;
// nextRowAsync(out) then loads it and finishes the same row. A get or scan served from the
// MemStore and cached blocks never awaits.
//
// Thread safety: one caller at a time; the scanner may be used across awaits while writes go
// on (they are invisible past the read point).

import { compareRanges } from '../../common/cells/encoded-key.js';
import { InternalError, InvalidError } from '../../common/errors.js';
import type { Get, Result, Scan } from '../../common/ops/operations.js';
import type { Filter } from '../filter/filter.js';
import type { ScanStatus } from '../hfile/hfile-scanner.js';
import { END, FOUND, NEEDS_IO } from '../hfile/hfile-scanner.js';
import type { ReadPoints } from '../memstore/read-points.js';
import { openStoreScanner } from './open-store-scanner.js';
import { checkTimeRange, planFamilies, requestFilter, requestedVersions } from './read-plan.js';
import { RowBuffer } from './row-buffer.js';
import { SeekKey } from './seek-keys.js';
import { trySingleSourceGet } from './single-source-get.js';
import type { StoreScanner } from './store-scanner.js';
import { LIMIT_REACHED, SCAN_DONE } from './store-scanner.js';
import type { RegionReadContext } from './store-read-view.js';

export { FOUND, END, NEEDS_IO } from '../hfile/hfile-scanner.js';
export type { ScanStatus } from '../hfile/hfile-scanner.js';

/** Scratch for the initial seek (synchronous use only: scanners copy what they keep). */
const seekScratch = new SeekKey();
const PHASE_START = 0;
const PHASE_ROW = 1;
const EMPTY = Buffer.alloc(0);

export class RegionScanner {
  private readonly stores: StoreScanner[];
  private readonly inRow: number[] = [];
  private readonly filter: Filter | undefined;
  private readonly reversed: boolean;
  /** Forward: rows must be < upper. Reversed: rows must be >= lower and > stopAfter. */
  private readonly upper: Buffer | undefined;
  private readonly lower: Buffer | undefined;
  private readonly stopAfter: Buffer | undefined;
  private readonly getRow: Buffer | undefined;
  private readonly limit: number;
  private readonly batch: number;
  private rows = 0;
  private done = false;
  private phase = PHASE_START;
  private storeIdx = 0;
  private skipping = false;
  private ending = false;
  private rowCounted = false;
  private resumeOut: RowBuffer | undefined = undefined;
  private ioPending = false;
  private pending: StoreScanner[] = [];
  /** The current row: row[0, rowLen) (ownRow, or a get's row). */
  private row: Buffer = EMPTY;
  private ownRow: Buffer = EMPTY;
  private rowLen = 0;

  private constructor(ctx: RegionReadContext, spec: Scan, getRow: Buffer | undefined) {
    const reversed = getRow === undefined && spec.reversed === true;
    const limit = spec.limit ?? 0;
    const batch = spec.batch ?? 0;
    if (!Number.isInteger(limit) || limit < 0) throw new InvalidError('scan limit must be a non-negative integer', { details: { limit } });
    if (!Number.isInteger(batch) || batch < 0) throw new InvalidError('scan batch must be a non-negative integer', { details: { batch } });
    checkTimeRange(spec);
    const versions = requestedVersions(spec);
    const filter = requestFilter(spec, reversed);
    if (batch > 0 && filter !== undefined && filter.hasFilterRow()) {
      throw new InvalidError('scan batch cannot be used with a filter that needs whole rows', { details: { batch } });
    }
    this.filter = filter;
    this.reversed = reversed;
    this.getRow = getRow;
    this.limit = limit;
    this.batch = batch;
    const regionStart = nonEmpty(ctx.regionStartRow);
    const regionEnd = nonEmpty(ctx.regionEndRow);
    const start = nonEmpty(spec.startRow);
    const stop = nonEmpty(spec.stopRow);
    if (!reversed) {
      this.upper = minRow(stop, regionEnd);
      this.lower = undefined;
      this.stopAfter = undefined;
    } else {
      this.upper = regionEnd;
      this.lower = regionStart;
      this.stopAfter = stop;
    }
    const plans = planFamilies(ctx.stores, spec.columns);
    this.stores = plans.map((p) =>
      openStoreScanner(p.view, {
        readPoint: ctx.readPoint,
        nowMs: ctx.nowMs,
        reversed,
        getRow,
        raw: spec.raw === true,
        timeRange: spec.timeRange,
        columns: p.columns,
        maxVersions: versions,
        filter,
      }),
    );
    for (let i = 0; i < this.stores.length; i++) this.inRow.push(0);
    const k = seekScratch;
    if (!reversed) {
      const from = getRow ?? maxRow(start, regionStart) ?? EMPTY;
      k.firstOnRow(from, 0, from.length);
      for (const s of this.stores) s.seek(k.buf, 0, k.len);
    } else if (regionEnd !== undefined && (start === undefined || Buffer.compare(start, regionEnd) >= 0)) {
      k.firstOnRow(regionEnd, 0, regionEnd.length);
      for (const s of this.stores) s.seekReversed(k.buf, 0, k.len, true);
    } else if (start !== undefined) {
      k.firstOnRow(start, 0, start.length);
      for (const s of this.stores) s.seekReversed(k.buf, 0, k.len);
    } else {
      for (const s of this.stores) s.seekReversed(undefined);
    }
    // Last: nothing above threw, so close() will release it.
    this.readers = ctx.readers;
    this.readPoint = ctx.readPoint;
    this.readers?.acquire(this.readPoint);
  }

  /** Where this scanner's read point is registered until close (RegionReadContext.readers). */
  private readonly readers: ReadPoints | undefined;
  private readonly readPoint: number;

  /**
   * Opens a scanner over the region (synchronous, no I/O). Throws InvalidError
   * (TSB_INVALID_ARGUMENT) for a malformed scan: bad filter JSON, limit/batch not a
   * non-negative integer, maxVersions < 1, a bad time range, batch with a whole-row filter, or
   * a column of a family the region does not have.
   */
  static open(ctx: RegionReadContext, scan: Scan): RegionScanner {
    return new RegionScanner(ctx, scan, undefined);
  }

  /** A scanner for one row (bloom filters skip files); same errors as open. */
  static openGet(ctx: RegionReadContext, get: Get): RegionScanner {
    if (get.row.length === 0) throw new InvalidError('get needs a row');
    return new RegionScanner(ctx, get, get.row);
  }

  /**
   * Fills `out` (cleared first) with the next row — or the next part of a row when Scan.batch
   * is set — and returns FOUND; END when the scan is over; NEEDS_IO when a block or bloom
   * chunk must be loaded: then call nextRowAsync with the SAME `out`, which finishes the row.
   */
  nextRow(out: RowBuffer): ScanStatus {
    if (this.resumeOut !== undefined) {
      if (out !== this.resumeOut) throw new InternalError('region scanner resumed with another row buffer');
      this.resumeOut = undefined;
    } else {
      out.clear();
    }
    const st = this.step(out);
    if (st === NEEDS_IO) {
      this.resumeOut = out;
      this.ioPending = true;
    }
    return st;
  }

  /** nextRow, loading what is missing. Resolves true (FOUND: a row in out) or false (END). */
  async nextRowAsync(out: RowBuffer): Promise<boolean> {
    for (;;) {
      if (this.ioPending) await this.fetchPending();
      const st = this.nextRow(out);
      if (st !== NEEDS_IO) return st === FOUND;
    }
  }

  /**
   * After NEEDS_IO: continue the row in `to` instead (the cells gathered so far are copied), so
   * the buffer given to nextRow can be reused meanwhile.
   */
  moveResumeBuffer(to: RowBuffer): void {
    const from = this.resumeOut;
    if (from === undefined) throw new InternalError('region scanner has no row to move');
    to.copyFrom(from);
    this.resumeOut = to;
  }

  /** Loads what the last NEEDS_IO asked for (every pending family in parallel). */
  async fetchPending(): Promise<void> {
    const p = this.pending;
    this.pending = [];
    this.ioPending = false;
    if (p.length === 1) await p[0]!.fetchPending();
    else await Promise.all(p.map((s) => s.fetchPending()));
  }

  /**
   * Releases the scanner: nextRow returns END from now on. Call it when done with a scan (its
   * file scanners are recycled); not while a nextRowAsync is running.
   */
  close(): void {
    if (this.closedAll) return;
    this.closedAll = true;
    this.done = true;
    this.resumeOut = undefined;
    this.ioPending = false;
    this.pending = [];
    for (const s of this.stores) s.close();
    this.readers?.release(this.readPoint);
  }

  private closedAll = false;

  /**
   * True when nextRow would answer END without reading: the scan's row limit was reached at
   * the end of a row (or the scanner is done). Lets a server end a batch that filled the
   * limit without an extra round trip. False when unsure (mid-row of a batched scan).
   */
  get exhausted(): boolean {
    return this.done || (this.limit > 0 && this.rows >= this.limit && this.phase === PHASE_START);
  }

  private step(out: RowBuffer): ScanStatus {
    const f = this.filter;
    for (;;) {
      if (this.done) return END;
      if (this.phase === PHASE_START) {
        const st = this.startRow();
        if (st !== FOUND) return st;
      }
      // Collect the row, family by family.
      const stores = this.stores;
      const limit = this.batch > 0 && !this.skipping ? this.batch : Infinity;
      while (this.storeIdx < stores.length) {
        const s = stores[this.storeIdx]!;
        if (this.inRow[this.storeIdx] === 0 || s.closed) {
          this.storeIdx++;
          continue;
        }
        if (this.ending) {
          s.closed = true;
          this.storeIdx++;
          continue;
        }
        const r = s.collect(this.skipping ? undefined : out, limit);
        if (r === NEEDS_IO) {
          this.pending.push(s);
          return NEEDS_IO;
        }
        if (r === LIMIT_REACHED) return this.found();
        if (r === SCAN_DONE) this.ending = true;
        this.storeIdx++;
      }
      this.phase = PHASE_START;
      if (f !== undefined) {
        if (this.skipping) {
          this.skipping = false;
          f.reset();
          if (f.filterAllRemaining()) this.done = true;
          continue;
        }
        this.filterRow(f, out);
      }
      if (this.getRow !== undefined) this.done = true;
      if (out.count > 0) return this.found();
    }
  }

  private found(): ScanStatus {
    if (!this.rowCounted) {
      this.rowCounted = true;
      this.rows++;
    }
    return FOUND;
  }

  // HBase's filterRowCellsWithRet / filterRow, then reset; ends the scan if the filter is done.
  private filterRow(f: Filter, out: RowBuffer): void {
    const isEmpty = out.count === 0;
    let excluded = false;
    if (f.hasFilterRow()) {
      const cells = out.cellViews();
      const before = cells.slice();
      f.filterRowCells(cells);
      if (cells.length !== before.length || cells.some((c, i) => c !== before[i])) out.replaceWith(cells);
      if (out.count > 0 && f.filterRow()) excluded = true;
    }
    if (isEmpty || excluded || (!f.hasFilterRow() && f.filterRow())) out.clear();
    f.reset();
    if (f.filterAllRemaining()) this.done = true;
  }

  // Picks the next row and starts every family positioned on it.
  private startRow(): ScanStatus {
    if (this.limit > 0 && this.rows >= this.limit) {
      this.done = true;
      return END;
    }
    const stores = this.stores;
    for (const s of stores) {
      if (s.closed) continue;
      if (s.prepare() === NEEDS_IO) this.pending.push(s);
    }
    if (this.pending.length > 0) return NEEDS_IO;
    const f = this.filter;
    if (f !== undefined && f.filterAllRemaining()) {
      this.done = true;
      return END;
    }
    // The next row: smallest (reversed: largest) row a family is on.
    let best: StoreScanner | undefined;
    for (const s of stores) {
      if (s.closed) continue;
      const c = s.peek();
      if (c === undefined) continue;
      if (best === undefined) {
        best = s;
        continue;
      }
      const b = best.peek()!;
      const cmp = compareRanges(c.keyBuf, c.keyOff + 2, c.keyOff + 2 + rowLenOf(c.keyBuf, c.keyOff), b.keyBuf, b.keyOff + 2, b.keyOff + 2 + rowLenOf(b.keyBuf, b.keyOff));
      if (this.reversed ? cmp > 0 : cmp < 0) best = s;
    }
    if (best === undefined) {
      this.done = true;
      return END;
    }
    const first = best.peek()!;
    const rl = rowLenOf(first.keyBuf, first.keyOff);
    const g = this.getRow;
    if (g !== undefined) {
      if (compareRanges(first.keyBuf, first.keyOff + 2, first.keyOff + 2 + rl, g, 0, g.length) !== 0) {
        this.done = true;
        return END;
      }
      this.row = g; // stable: the caller's Get
    } else {
      if (this.ownRow.length < rl) this.ownRow = Buffer.allocUnsafe(Math.max(rl, 64, 2 * this.ownRow.length));
      const row = this.ownRow;
      const kb = first.keyBuf;
      const ko = first.keyOff + 2;
      if (rl <= 64) for (let i = 0; i < rl; i++) row[i] = kb[ko + i]!;
      else kb.copy(row, 0, ko, ko + rl);
      this.row = row;
    }
    this.rowLen = rl;
    if (this.pastEnd()) {
      this.done = true;
      return END;
    }
    let firstIdx = -1;
    for (let i = 0; i < stores.length; i++) {
      const s = stores[i]!;
      const c = s.closed ? undefined : s.peek();
      const on = c !== undefined && compareRanges(c.keyBuf, c.keyOff + 2, c.keyOff + 2 + rowLenOf(c.keyBuf, c.keyOff), this.row, 0, rl) === 0;
      this.inRow[i] = on ? 1 : 0;
      if (on) {
        s.startRow(this.row, rl);
        if (firstIdx < 0) firstIdx = i;
      }
    }
    this.storeIdx = 0;
    this.skipping = false;
    this.ending = false;
    this.rowCounted = false;
    this.phase = PHASE_ROW;
    if (f !== undefined && f.filterRowKey(stores[firstIdx]!.peek()!)) {
      // HBASE-16296: end the scan before skipping the row if the filter is done.
      if (f.filterAllRemaining()) {
        this.done = true;
        return END;
      }
      this.skipping = true;
    }
    return FOUND;
  }

  private pastEnd(): boolean {
    const row = this.row;
    const rl = this.rowLen;
    if (this.getRow !== undefined) return false; // checked in startRow
    const up = this.upper;
    if (up !== undefined && compareRanges(row, 0, rl, up, 0, up.length) >= 0) return true;
    const lo = this.lower;
    if (lo !== undefined && compareRanges(row, 0, rl, lo, 0, lo.length) < 0) return true;
    const sa = this.stopAfter;
    return sa !== undefined && compareRanges(row, 0, rl, sa, 0, sa.length) <= 0;
  }
}

function nonEmpty(b: Buffer | undefined): Buffer | undefined {
  return b !== undefined && b.length > 0 ? b : undefined;
}

function rowLenOf(b: Buffer, off: number): number {
  return (b[off]! << 8) | b[off + 1]!;
}

function minRow(a: Buffer | undefined, b: Buffer | undefined): Buffer | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return Buffer.compare(a, b) <= 0 ? a : b;
}

function maxRow(a: Buffer | undefined, b: Buffer | undefined): Buffer | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return Buffer.compare(a, b) >= 0 ? a : b;
}

/**
 * A get: the row's Result — synchronously when nothing needs I/O, else a promise. No such row
 * (or nothing visible) = a Result with no cells. Throws as RegionScanner.open.
 */
export function regionGet(ctx: RegionReadContext, get: Get): Result | Promise<Result> {
  const fast = trySingleSourceGet(ctx, get, sharedGetBuffer);
  if (fast === FOUND) return sharedGetBuffer.toResult();
  if (fast === END) return { row: get.row, cells: [] };
  const sc = RegionScanner.openGet(ctx, get);
  // The synchronous path borrows one shared buffer (Results copy out of it); a get that must
  // wait for I/O moves to a buffer of its own.
  const shared = sharedGetBuffer;
  const st = sc.nextRow(shared);
  if (st !== NEEDS_IO) {
    sc.close();
    return st === FOUND ? shared.toResult() : { row: get.row, cells: [] };
  }
  const own = new RowBuffer(256, 16);
  sc.moveResumeBuffer(own);
  return sc.nextRowAsync(own).then(
    (found) => {
      sc.close();
      return found ? own.toResult() : { row: get.row, cells: [] };
    },
    (err: unknown) => {
      sc.close();
      throw err;
    },
  );
}

const sharedGetBuffer = new RowBuffer(4096, 64);

/**
 * As regionGet, but hands the row's cells to `use` while they are in the scanner's buffer (no
 * Result built; `use` must copy what it keeps: the buffer is reused). Answers use's value, or
 * undefined when the row has nothing visible; synchronously when nothing needs I/O.
 */
export function regionGetWith<T>(ctx: RegionReadContext, get: Get, use: (out: RowBuffer) => T): T | undefined | Promise<T | undefined> {
  const fast = trySingleSourceGet(ctx, get, sharedGetBuffer);
  if (fast === FOUND) return use(sharedGetBuffer);
  if (fast === END) return undefined;
  const sc = RegionScanner.openGet(ctx, get);
  const shared = sharedGetBuffer;
  const st = sc.nextRow(shared);
  if (st !== NEEDS_IO) {
    sc.close();
    return st === FOUND ? use(shared) : undefined;
  }
  const own = new RowBuffer(256, 16);
  sc.moveResumeBuffer(own);
  return sc.nextRowAsync(own).then(
    (found) => {
      sc.close();
      return found ? use(own) : undefined;
    },
    (err: unknown) => {
      sc.close();
      throw err;
    },
  );
}

/**
 * A get into a caller's reusable RowBuffer: FOUND (out holds the row's cells), END (nothing
 * visible) or NEEDS_IO — then `await scanner.nextRowAsync(out)` on the returned scanner.
 */
export function regionGetInto(ctx: RegionReadContext, get: Get, out: RowBuffer): { status: ScanStatus; scanner: RegionScanner } {
  const scanner = RegionScanner.openGet(ctx, get);
  return { status: scanner.nextRow(out), scanner };
}
