// What the read path needs from a Store (one column family of one region): the contract between
// regionserver/region/ (Store, Region, flush) and regionserver/scan/ (scanners, matcher).
//
// A StoreReadView is a consistent picture of the store taken by the Store when a read starts:
// its MemStore (active + snapshot) and the list of files published at that moment. Every cell
// the store holds is in the MemStore or in one of the files; a cell may be in both for a while
// (a flush publishes its file before it clears the snapshot): the read path drops the
// duplicate. Reads go on across awaits with the view they started with; the Store must keep
// the view's readers open until the scanner built from it is closed (ScannerLease below).
//
// MVCC: `readPoint` (memstore/mvcc.ts) hides MemStore cells of mutations that have not
// completed. Cells in files are always visible (a file holds only completed writes).
//
// Time: `nowMs` (from the injected Clock) decides which cells the family's TTL has expired. A
// scan takes it once when it starts, so one scan sees one consistent TTL cut.

import type { HFileReader } from '../hfile/hfile-reader.js';
import type { MemStore } from '../memstore/memstore.js';
import type { ReadPoints } from '../memstore/read-points.js';

/** HBase's KeepDeletedCells: keep deleted cells (and markers) for time-range reads and major compactions. */
export type KeepDeletedCells = 'FALSE' | 'TRUE' | 'TTL';

/** The column-family settings that change what a read returns. */
export interface FamilyReadOptions {
  /** MAX_VERSIONS: versions kept per column (>= 1). HBase default 1. */
  readonly maxVersions: number;
  /** MIN_VERSIONS: versions kept even past the TTL (0 <= minVersions <= maxVersions). Default 0. */
  readonly minVersions: number;
  /** TTL in milliseconds; Infinity = forever (HBase FOREVER). Cells with timestamp < now - ttlMs are expired. */
  readonly ttlMs: number;
  /** KEEP_DELETED_CELLS. Default 'FALSE'. */
  readonly keepDeletedCells: KeepDeletedCells;
}

export const DEFAULT_FAMILY_READ_OPTIONS: FamilyReadOptions = {
  maxVersions: 1,
  minVersions: 0,
  ttlMs: Infinity,
  keepDeletedCells: 'FALSE',
};

/**
 * A split daughter's reference to half of a parent region's file (store/manifest.ts
 * ReferenceEntry): 'bottom' covers rows < splitRow, 'top' rows >= splitRow. The reader is the
 * parent's file, opened by the daughter's Store.
 */
export interface HalfFileRef {
  readonly kind: 'half';
  readonly reader: HFileReader;
  readonly half: 'top' | 'bottom';
  /** The split row (row bytes, not a key). */
  readonly splitRow: Buffer;
}

/** One store file as the read path sees it: a whole HFile, or half of a parent's file. */
export type StoreFileReaderLike = HFileReader | HalfFileRef;

/** Builds a HalfFileRef. REQUIRES: splitRow non-empty. */
export function halfFileRef(reader: HFileReader, half: 'top' | 'bottom', splitRow: Buffer): HalfFileRef {
  return { kind: 'half', reader, half, splitRow };
}

/** The HFileReader behind a store file. */
export function readerOf(f: StoreFileReaderLike): HFileReader {
  return 'kind' in f ? f.reader : f;
}

/**
 * One store's data for a read. The Store builds it (cheaply: no copies) for every get and scan.
 *
 * REQUIRES:
 *  - `files` ordered oldest first is NOT required: the read path orders them itself by
 *    MAX_SEQ_ID (FileInfo), newest winning ties between equal keys; MemStore cells win over
 *    file cells with equal keys.
 *  - the readers stay open (their objects undeleted) until the scanner is closed.
 */
export interface StoreReadView {
  /** The family name (bytes), as in the cells' keys. */
  readonly family: Buffer;
  readonly options: FamilyReadOptions;
  readonly memstore: MemStore;
  readonly files: readonly StoreFileReaderLike[];
}

/**
 * Everything a region-level read takes besides the request: the stores (one per family the
 * request touches, or every family of the region), the MVCC read point and the time.
 */
export interface RegionReadContext {
  /** Stores of the region, in any order (the scanner sorts families by name). */
  readonly stores: readonly StoreReadView[];
  /** MVCC read point of the region (Mvcc.readPoint when the read starts). */
  readonly readPoint: number;
  /**
   * Current time in ms (Clock), for TTL only: a region whose stores have no TTL passes 0 (no
   * read looks at it then; reading the clock is a measurable part of a cached point get).
   */
  readonly nowMs: number;
  /** The region's key range [startRow, endRow) (empty = unbounded); scans are clipped to it. */
  readonly regionStartRow?: Buffer;
  readonly regionEndRow?: Buffer;
  /**
   * The region's open readers (memstore/read-points.ts): a RegionScanner holds its read point
   * there from open to close, so MemStore version pruning keeps what it may still return.
   */
  readonly readers?: ReadPoints;
}
