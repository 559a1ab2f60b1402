// CompactionScanner: the cells a compaction (or a flush) writes — every input merged in key
// order, run through the compaction matcher (scan-query-matcher.ts):
//   minor: keeps delete markers; drops the Puts they mask (unless KEEP_DELETED_CELLS), versions
//          beyond MAX_VERSIONS, expired cells beyond MIN_VERSIONS, and duplicates of one key
//          (the newest source wins);
//   major: also drops the markers (KEEP_DELETED_CELLS FALSE, or TTL once the marker expired);
//          with KEEP_DELETED_CELLS the deleted cells and their markers stay (markers older than
//          every Put, `earliestPutTs`, are dropped).
// Inputs: store files (whole or halves of a parent's file) and/or a MemStore snapshot.
//
// Synchronous first like every scanner here: next() returns NEEDS_IO when a block must be
// loaded; nextAsync() loads and goes on. Compactions should open their readers with
// cacheDataOnRead false (hfile-reader.ts) so they do not flush the block cache.
//
// Thread safety: one caller at a time.

import { firstOnRowKey } from '../../common/cells/encoded-key.js';
import type { MemStoreSnapshot } from '../memstore/memstore.js';
import type { ScanStatus } from './key-scanner.js';
import { END, FOUND, NEEDS_IO } from './key-scanner.js';
import type { KeyValueScanner } from './key-scanner.js';
import { KeyValueHeap } from './key-value-heap.js';
import { MemStoreKeyScanner } from './memstore-key-scanner.js';
import { fileScanners } from './open-store-scanner.js';
import type { RowBuffer } from './row-buffer.js';
import { ScanQueryMatcher } from './scan-query-matcher.js';
import { StoreScanner } from './store-scanner.js';
import type { FamilyReadOptions, StoreFileReaderLike } from './store-read-view.js';

export interface CompactionScanOptions {
  readonly family: Buffer;
  readonly options: FamilyReadOptions;
  /** 'minor' keeps delete markers; 'major' drops them (see above). Flushes use 'minor'. */
  readonly kind: 'minor' | 'major';
  readonly files?: readonly StoreFileReaderLike[];
  /** A MemStore snapshot being flushed (newer than every file). */
  readonly snapshot?: MemStoreSnapshot;
  /** Time for the TTL (Clock). */
  readonly nowMs: number;
  /**
   * Major compactions with KEEP_DELETED_CELLS: the oldest Put timestamp among the inputs;
   * markers older than it are dropped. Default 0 (keep them).
   */
  readonly earliestPutTs?: bigint;
}

export class CompactionScanner {
  private readonly store: StoreScanner;
  private started = false;
  private exhausted = false;
  private resuming = false;

  constructor(o: CompactionScanOptions) {
    const scanners: KeyValueScanner[] = [];
    if (o.snapshot !== undefined) scanners.push(new MemStoreKeyScanner(o.snapshot.scanner()));
    scanners.push(...fileScanners(o.files ?? []));
    const matcher = new ScanQueryMatcher({
      mode: o.kind === 'major' ? 'major-compaction' : 'minor-compaction',
      trackerMaxVersions: o.options.maxVersions,
      versionsAfterFilter: o.options.maxVersions,
      minVersions: o.options.minVersions,
      keepDeletedCells: o.options.keepDeletedCells,
      nowMs: o.nowMs,
      ttlMs: o.options.ttlMs,
      earliestPutTs: o.earliestPutTs,
    });
    this.store = new StoreScanner(o.family, new KeyValueHeap(scanners, false), matcher, undefined, false);
    this.store.seek(EMPTY_KEY, 0, EMPTY_KEY.length);
  }

  /**
   * Fills `out` (cleared first) with up to `maxCells` cells in key order: FOUND (out holds
   * cells), END (nothing left; out empty), or NEEDS_IO (await nextAsync(out, maxCells), which
   * continues where this stopped: do not clear or reuse `out` in between).
   */
  next(out: RowBuffer, maxCells: number): ScanStatus {
    if (this.exhausted) {
      out.clear();
      return END;
    }
    const st = this.fill(out, maxCells);
    if (st === NEEDS_IO) return NEEDS_IO;
    if (st === END) this.exhausted = true;
    return out.count > 0 ? FOUND : END;
  }

  /** next, loading blocks as needed. Resolves true if out holds cells, false at the end. */
  async nextAsync(out: RowBuffer, maxCells: number): Promise<boolean> {
    for (;;) {
      const st = this.next(out, maxCells);
      if (st !== NEEDS_IO) return st === FOUND;
      await this.store.fetchPending();
    }
  }

  private fill(out: RowBuffer, maxCells: number): ScanStatus {
    if (!this.resuming) out.clear();
    this.resuming = false;
    const s = this.store;
    if (!this.started) {
      const st = s.prepare();
      if (st === NEEDS_IO) return NEEDS_IO;
      this.started = true;
      if (st === END) return END;
      s.startRow();
    }
    const st = s.nextCells(out, maxCells);
    if (st === NEEDS_IO) this.resuming = true;
    return st;
  }
}

// The smallest key: the empty row's first key (sorts before every stored row).
const EMPTY_KEY = firstOnRowKey(Buffer.alloc(0));
