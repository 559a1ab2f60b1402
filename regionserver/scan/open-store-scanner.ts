// Builds the StoreScanner of one family for a read: picks the sources (MemStore, and the files
// that may hold cells the read can see), gives them tie-break orders (MemStore newest, then
// files by MAX_SEQ_ID), and sets up the matcher. No I/O: bloom probes whose chunk is not loaded
// count as "maybe" (blooms are normally loaded when a file opens).
//
// Files are skipped when (HBase's StoreFileScanner.shouldUseScanner):
//   - a get's row is outside the file's key range or its half, or a ROW bloom says absent; with
//     explicit columns, a ROWCOL bloom says absent for every wanted column AND for the empty
//     qualifier (where family delete markers live);
//   - every cell is older than the time range (markers there only delete older cells);
//   - every cell is newer than the time range, when no marker there could matter (raw reads,
//     or KEEP_DELETED_CELLS letting time-range reads see past deletes);
//   - every cell is expired by the TTL and MIN_VERSIONS is 0.

import { firstOnColumnKey } from '../../common/cells/encoded-key.js';
import type { Filter } from '../filter/filter.js';
import type { HFileReader } from '../hfile/hfile-reader.js';
import { BLOOM_ABSENT } from '../hfile/hfile-reader.js';
import { BloomType } from '../hfile/hfile-format.js';
import { HFileKeyScanner } from './hfile-key-scanner.js';
import type { KeyValueScanner } from './key-scanner.js';
import { KeyValueHeap } from './key-value-heap.js';
import { MemStoreKeyScanner } from './memstore-key-scanner.js';
import { ScanQueryMatcher } from './scan-query-matcher.js';
import type { MatcherMode } from './scan-query-matcher.js';
import { StoreScanner } from './store-scanner.js';
import type { StoreFileReaderLike, StoreReadView } from './store-read-view.js';
import { readerOf } from './store-read-view.js';

export interface StoreReadRequest {
  readonly readPoint: number;
  readonly nowMs: number;
  readonly reversed: boolean;
  /** A single-row read of this row (bloom filters apply). */
  readonly getRow?: Buffer;
  readonly raw: boolean;
  readonly timeRange?: { readonly min: bigint; readonly max: bigint };
  /** Sorted distinct qualifiers; undefined = every column of the family. */
  readonly columns?: readonly Buffer[];
  /** Versions asked for (>= 1). */
  readonly maxVersions: number;
  readonly filter?: Filter;
}

/** Versions the tracker keeps and versions returned after the filter (HBase's getTrackers). */
export function resolveVersions(familyMax: number, requested: number, raw: boolean, hasFilter: boolean): { tracker: number; afterFilter: number } {
  const result = raw ? requested : Math.min(requested, familyMax);
  const tracker = hasFilter ? (raw ? Number.MAX_SAFE_INTEGER : familyMax) : result;
  return { tracker, afterFilter: result };
}

// The common point get — one version, no filter, time range, column list or raw mode —
// reuses a StoreScanner (with its matcher, trackers and heap) per store view instead of
// building them for every get: the view's idle scanner is taken for the read and given back
// when the read closes it, so a get that waits for I/O meanwhile leaves the next get to build
// its own. A view is replaced when the store's files change, and its idle scanner goes with it.
const idleGetScanners = new WeakMap<StoreReadView, StoreScanner>();

function isPlainGet(req: StoreReadRequest): boolean {
  return req.getRow !== undefined && req.maxVersions === 1 && !req.raw && !req.reversed && req.filter === undefined && req.timeRange === undefined && req.columns === undefined;
}

/** A StoreScanner for a user read, not yet positioned (call seek / seekReversed). */
export function openStoreScanner(view: StoreReadView, req: StoreReadRequest): StoreScanner {
  const plain = isPlainGet(req);
  if (plain) {
    const idle = idleGetScanners.get(view);
    if (idle !== undefined) {
      idleGetScanners.delete(view);
      idle.matcher.reuseAt(req.nowMs);
      idle.reuse(storeSources(view, req));
      return idle;
    }
  }
  const o = view.options;
  const v = resolveVersions(o.maxVersions, req.maxVersions, req.raw, req.filter !== undefined);
  const mode: MatcherMode = req.raw ? 'raw' : 'user';
  const matcher = new ScanQueryMatcher({
    mode,
    trackerMaxVersions: v.tracker,
    versionsAfterFilter: v.afterFilter,
    minVersions: o.minVersions,
    keepDeletedCells: o.keepDeletedCells,
    nowMs: req.nowMs,
    ttlMs: o.ttlMs,
    timeRange: req.timeRange,
    columns: req.columns,
    filter: req.filter,
  });
  const scanners = storeSources(view, req);
  const s = new StoreScanner(view.family, new KeyValueHeap(scanners, req.reversed), matcher, req.filter, req.getRow !== undefined);
  if (plain) s.onClose = (closed) => idleGetScanners.set(view, closed);
  return s;
}

/** The MemStore scanner (if the MemStore holds cells) and a scanner per selected file. */
export function storeSources(view: StoreReadView, req: StoreReadRequest): KeyValueScanner[] {
  const out: KeyValueScanner[] = [];
  if (view.memstore.cellCount > 0) out.push(MemStoreKeyScanner.of(view.memstore, req.readPoint));
  const files = view.files;
  if (files.length === 0) return out;
  const picked: StoreFileReaderLike[] = [];
  for (const f of files) if (fileMayMatter(view, f, req)) picked.push(f);
  return out.concat(fileScanners(picked));
}

/** Scanners over `files`, ordered by MAX_SEQ_ID (ties by position): larger order = newer. */
export function fileScanners(files: readonly StoreFileReaderLike[]): KeyValueScanner[] {
  const idx = files.map((_, i) => i);
  idx.sort((a, b) => {
    const sa = readerOf(files[a]!).fileInfo.maxSeqId;
    const sb = readerOf(files[b]!).fileInfo.maxSeqId;
    return sa < sb ? -1 : sa > sb ? 1 : a - b;
  });
  const out: KeyValueScanner[] = [];
  for (let rank = 0; rank < idx.length; rank++) {
    const f = files[idx[rank]!]!;
    if ('kind' in f) {
      out.push(HFileKeyScanner.acquire(f.reader, f.half === 'top' ? { order: rank, lowerRow: f.splitRow } : { order: rank, upperRow: f.splitRow }));
    } else {
      out.push(HFileKeyScanner.acquire(f, { order: rank }));
    }
  }
  return out;
}

function fileMayMatter(view: StoreReadView, f: StoreFileReaderLike, req: StoreReadRequest): boolean {
  const r = readerOf(f);
  if (r.entryCount === 0) return false;
  const range = r.fileInfo.timeRange;
  const tr = req.timeRange;
  if (tr !== undefined) {
    if (range.max < tr.min) return false;
    if (range.min >= tr.max && (req.raw || view.options.keepDeletedCells !== 'FALSE')) return false;
  }
  const o = view.options;
  if (o.minVersions === 0 && o.ttlMs !== Infinity) {
    const oldest = req.nowMs - o.ttlMs;
    if (oldest > 0 && range.max < BigInt(Math.floor(oldest))) return false;
  }
  const row = req.getRow;
  if (row === undefined) return true;
  if ('kind' in f) {
    const below = Buffer.compare(row, f.splitRow) < 0;
    if (below !== (f.half === 'bottom')) return false;
  }
  if (r.mayContainRowSync(row, 0, row.length) === BLOOM_ABSENT) return false;
  const cols = req.columns;
  if (cols !== undefined && cols.length > 0 && r.bloom !== undefined && r.bloom.type === BloomType.RowCol) {
    return columnMayBeThere(r, row, view.family, EMPTY) || cols.some((q) => columnMayBeThere(r, row, view.family, q));
  }
  return true;
}

const EMPTY = Buffer.alloc(0);

function columnMayBeThere(r: HFileReader, row: Buffer, family: Buffer, q: Buffer): boolean {
  const k = firstOnColumnKey(row, family, q);
  return r.mayContainColumnSync(k, 0, k.length) !== BLOOM_ABSENT;
}
