// The point get of a row that only one source of its store holds: read straight from that
// source (the MemStore, or one HFile), without the region scanner, the store scanner, the heap
// and the matcher. This is the common case of point reads — a row at rest in one file after a
// compaction, or a row written since the last flush and held only by the MemStore (HBase's
// "recently written" reads) — and YCSB's.
//
// Taken only when that machinery could not change the answer:
//  - the get asks for the newest version (maxVersions 1) of every column of the family, with
//    no filter, time range, raw mode or existence-only flag;
//  - the region has one family and it has no TTL (nothing expires);
//  - at most one source may hold the row: the MemStore (active + snapshot, seen at the read
//    point, as the general path sees it), and every file not excluded by its key range or ROW
//    bloom (the general path's own file selection, open-store-scanner.ts). A file that is a
//    reference half makes the fast path give up, as does a row found in the MemStore while a
//    file may hold it too (versions from two sources need merging). A store whose only source
//    is one file (empty MemStore) is sought without testing the bloom (onlyFile);
//  - the row holds only Put cells: at the first delete marker the fast path gives up and the
//    general path answers (markers need the delete tracker, KEEP_DELETED_CELLS, ...).
// It also gives up (the general path then answers, from scratch) when a block or bloom chunk is
// not in memory. Within a column a source holds versions newest first (an HFile by timestamp;
// the MemStore by timestamp, then newest write first), so the first visible cell of each column
// is the answer. Older versions are stepped over; after MAX_SKIP_STEPS of them the read seeks
// past the column (a hot column updated often has thousands of versions in the MemStore until
// a flush), as the store scanner does. Skipping cannot hide a marker that matters: a column's
// markers that delete its newest Put sort before it (same or newer timestamp, then type), and
// family markers live in the empty qualifier, which sorts first and is never skipped.
// Equivalence with the general path is tested on random rows (single-source-get.test.ts).

import { MutableCellView } from '../../common/cells/cell-view.js';
import { compareKeyRowTo, keyHasEmptyQualifier } from '../../common/cells/encoded-key.js';
import { CellType, KV_LENGTHS_SIZE } from '../../common/cells/keyvalue-format.js';
import type { Get } from '../../common/ops/operations.js';
import type { HFileReader } from '../hfile/hfile-reader.js';
import { BloomKeyHashes } from '../hfile/bloom.js';
import { BLOOM_ABSENT, BLOOM_MAYBE } from '../hfile/hfile-reader.js';
import { END, FOUND } from '../hfile/hfile-scanner.js';
import type { MemStore } from '../memstore/memstore.js';
import type { MemStoreScanner } from '../memstore/memstore-scanner.js';
import { seekCell } from '../memstore/mem-cell.js';
import type { RowBuffer } from './row-buffer.js';
import { SeekKey } from './seek-keys.js';
import { MAX_SKIP_STEPS } from './store-scanner.js';
import type { RegionReadContext, StoreReadView } from './store-read-view.js';

/** The only store of the get, when the request and the family are in the fast path's case. */
export function fastGetStore(ctx: RegionReadContext, get: Get): StoreReadView | undefined {
  if (ctx.stores.length !== 1) return undefined;
  if (get.filter !== undefined || get.timeRange !== undefined || get.raw === true || get.existenceOnly === true) return undefined;
  if (get.maxVersions !== undefined && get.maxVersions !== 1) return undefined;
  const view: StoreReadView = ctx.stores[0]!;
  const cols = get.columns;
  if (cols !== undefined && cols.length > 0) {
    if (cols.length !== 1) return undefined;
    const c = cols[0]!;
    if (c.qualifier !== undefined || !c.family.equals(view.family)) return undefined;
  }
  if (view.options.ttlMs !== Infinity) return undefined;
  return view;
}

const rowHash = new BloomKeyHashes();

/** candidateFile's answers besides a file's index: the fast path must give up; no file may hold the row. */
const GIVE_UP = -1;
const NO_FILE = -2;

/**
 * Index in view.files of the one file that may hold `row` (the others excluded by key range or
 * ROW bloom), NO_FILE if none may, or GIVE_UP (two may, a reference half may, or a bloom chunk
 * is not loaded).
 */
function candidateFile(view: StoreReadView, row: Buffer): number {
  const files = view.files;
  let found = NO_FILE;
  // The row's bloom hashes, computed once for every file's bloom.
  const hashed = files.length > 1 ? rowHash.of(row, 0, row.length) : undefined;
  for (let i = 0; i < files.length; i++) {
    const f = files[i]!;
    if ('kind' in f) return GIVE_UP;
    const b = f.mayContainRowSync(row, 0, row.length, hashed);
    if (b === BLOOM_ABSENT) continue;
    if (b !== BLOOM_MAYBE || found !== NO_FILE) return GIVE_UP;
    found = i;
  }
  return found;
}

/**
 * candidateFile for a store whose only source is one file: its key range decides, not its
 * bloom. A bloom only saves loading a block: when the row's block is in memory, seeking it
 * costs less than testing the bloom; when it is not, the fast path gives up and the general
 * path tests the bloom before any I/O.
 */
function onlyFile(f: StoreReadView['files'][number], row: Buffer): number {
  if ('kind' in f) return GIVE_UP;
  return f.rowInKeyRange(row, 0, row.length) ? 0 : NO_FILE;
}

/**
 * The get through the fast path when it applies: FOUND (`out` holds the row), END (no such
 * row), or undefined when the general path must answer (out of the fast path's case, a delete
 * marker, two sources, or something to load).
 */
export function trySingleSourceGet(ctx: RegionReadContext, get: Get, out: RowBuffer): typeof FOUND | typeof END | undefined {
  const row = get.row;
  if (row.length === 0) return undefined; // the general path reports the error
  const view = fastGetStore(ctx, get);
  if (view === undefined) return undefined;
  const fi = view.files.length === 1 && view.memstore.cellCount === 0 ? onlyFile(view.files[0]!, row) : candidateFile(view, row);
  if (fi === GIVE_UP) return undefined;
  if (view.memstore.cellCount !== 0) {
    if (fi === NO_FILE) return memStoreRowGet(view.memstore, ctx.readPoint, row, out);
    if (memStoreHasRow(view.memstore, ctx.readPoint, row)) return undefined; // two sources
  }
  if (fi === NO_FILE) return END;
  return singleFileGet(view.files[fi] as HFileReader, row, out);
}

/** True if the MemStore has a cell of `row` visible at `readPoint`. */
function memStoreHasRow(memstore: MemStore, readPoint: number, row: Buffer): boolean {
  const c = memStoreAtRow(memstore, readPoint, row).peek();
  return c !== undefined && compareKeyRowTo(c.buf, c.off + KV_LENGTHS_SIZE, row, 0, row.length) === 0;
}

const rowSeek = new SeekKey();
const skipKey = new SeekKey();
const skipView = new MutableCellView();

/** A MemStore scanner at `readPoint`, positioned at the first visible cell >= the start of `row`. */
function memStoreAtRow(memstore: MemStore, readPoint: number, row: Buffer): MemStoreScanner {
  const k = rowSeek.firstOnRow(row, 0, row.length);
  const s = memstore.scanner(readPoint);
  s.seekTo(seekCell(k.buf, 0, k.len));
  return s;
}

// What a walk does with a source's next cell (classify): the two walks below share this rule
// and differ only in how they move.
/** The cell is past the row: the walk ends. */
const ROW_END = 0;
/** The first (newest visible) cell of its column: keep it, step on. */
const TAKE = 1;
/** An older version of a kept column: step on. */
const OLDER = 2;
/** Another older version, MAX_SKIP_STEPS in a row: seek past the column. */
const PAST_COLUMN = 3;
/** A delete marker: the general path must answer. */
const MARKER = 4;

/**
 * The fate of the cell with key kb[ko, ko+kl), after `skipped` older versions of its column.
 * The empty qualifier (family markers) is never sought past, as in the store scanner.
 */
function classify(out: RowBuffer, row: Buffer, kb: Buffer, ko: number, kl: number, skipped: number): number {
  if (compareKeyRowTo(kb, ko, row, 0, row.length) !== 0) return ROW_END;
  if (kb[ko + kl - 1] !== CellType.Put) return MARKER;
  if (out.count === 0 || !sameColumn(out, kb, ko, kl)) return TAKE;
  return skipped + 1 >= MAX_SKIP_STEPS && !keyHasEmptyQualifier(kb, ko, kl) ? PAST_COLUMN : OLDER;
}

/** skipKey set past every version of the column of the key kb[ko, ko+kl). */
function pastColumn(kb: Buffer, ko: number, kl: number): SeekKey {
  return skipKey.lastOnColumn(skipView.set(kb, ko, kl, kb, 0, 0));
}

/**
 * Reads `row` from the MemStore at `readPoint` into `out` (cleared first): FOUND (the row's
 * newest visible version of each column), END (no visible cell of the row), or undefined at a
 * delete marker (the general path must answer).
 */
export function memStoreRowGet(memstore: MemStore, readPoint: number, row: Buffer, out: RowBuffer): typeof FOUND | typeof END | undefined {
  out.clear();
  const s = memStoreAtRow(memstore, readPoint, row);
  let skipped = 0;
  for (let c = s.peek(); c !== undefined; ) {
    const kb = c.buf;
    const ko = c.off + KV_LENGTHS_SIZE;
    const kl = c.keyLen;
    const what = classify(out, row, kb, ko, kl, skipped);
    if (what === ROW_END) break;
    if (what === MARKER) {
      out.clear();
      return undefined;
    }
    if (what === PAST_COLUMN) {
      skipped = 0;
      const past = pastColumn(kb, ko, kl);
      c = s.seekTo(seekCell(past.buf, 0, past.len));
      continue;
    }
    if (what === TAKE) {
      // Key and value stay in the MemStore chunk, which nothing writes again.
      out.addRefKeyValue(kb, ko, kl, ko + kl, c.valueLen);
      skipped = 0;
    } else {
      skipped++;
    }
    s.next();
    c = s.peek();
  }
  return out.count > 0 ? FOUND : END;
}

/**
 * Reads `row` from `file` into `out` (cleared first): FOUND (the row's newest version of each
 * column), END (no such row), or undefined when the general path must answer (a delete marker,
 * or something to load).
 */
export function singleFileGet(file: HFileReader, row: Buffer, out: RowBuffer): typeof FOUND | typeof END | undefined {
  out.clear();
  // The file's idle scanner for point gets (taken while in use; dropped after I/O).
  let s = file.idleGetScanner;
  if (s === undefined) s = file.scanner();
  else file.idleGetScanner = undefined;
  // The file was chosen by its key range and bloom (candidateFile) or is the only source (onlyFile).
  let st = s.seekRowSync(row, 0, row.length, false);
  if (st === END) {
    file.idleGetScanner = s;
    return END;
  }
  if (st !== FOUND) return undefined; // needs I/O: this scanner is dropped
  let skipped = 0;
  for (;;) {
    const kb = s.keyBuf;
    const ko = s.keyOff;
    const kl = s.keyLen;
    const what = classify(out, row, kb, ko, kl, skipped);
    if (what === ROW_END) break;
    if (what === MARKER) {
      out.clear();
      file.idleGetScanner = s;
      return undefined;
    }
    if (what === PAST_COLUMN) {
      skipped = 0;
      const past = pastColumn(kb, ko, kl);
      st = s.reseekSync(past.buf, 0, past.len);
    } else {
      if (what === TAKE) {
        // The scanner is a CellView of its current cell. Key and value stay in the (immutable)
        // block, except a PREFIX-encoded block's key, which is rebuilt in a scratch buffer and
        // must be copied.
        if (kb === s.valueBuf) out.addRefKeyValue(kb, ko, kl, s.valueOff, s.valueLen);
        else out.addRef(s);
        skipped = 0;
      } else {
        skipped++;
      }
      st = s.nextSync();
    }
    if (st === END) break;
    if (st !== FOUND) {
      out.clear();
      return undefined; // the row continues in a block not in memory
    }
  }
  file.idleGetScanner = s;
  return out.count > 0 ? FOUND : END;
}

/**
 * True if the key at kb[ko, ko+kl) has the same family and qualifier as the last cell of `out`
 * (same row by construction). Keys: rowlen:u16 row famlen:u8 family qualifier ts:u64 type:u8.
 */
function sameColumn(out: RowBuffer, kb: Buffer, ko: number, kl: number): boolean {
  const i = out.count - 1;
  const a = out.keyBuf(i);
  const ao = out.keyOff(i);
  if (out.keyLen(i) !== kl) return false;
  // From the family length to the 9-byte timestamp and type trailer (the rows are equal).
  const from = 2 + ((kb[ko]! << 8) | kb[ko + 1]!);
  const to = kl - 9;
  for (let j = from; j < to; j++) if (a[ao + j] !== kb[ko + j]) return false;
  return true;
}
