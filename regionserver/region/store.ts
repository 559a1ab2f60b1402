// Store: one column family of one region — its MemStore, its open HFiles and its manifest
// (HBase's HStore). The region decides WHEN to flush and assigns sequence ids; the store does
// the flush itself:
//
//   1. prepareFlush(flushSeqId)   synchronous: the MemStore's active cells become the snapshot.
//                                 Every edit of this family with seq id <= flushSeqId is now in
//                                 the snapshot or in a file (the region inserts into the
//                                 MemStore in the same synchronous step that assigns the seq id).
//   2. flush(prepared)            upload the snapshot as an HFile under a fresh name (MAX_SEQ_ID
//                                 = highest seq id in it) → open and check it → manifest CAS
//                                 {add the file, flushedSeqId = flushSeqId} → install the
//                                 reader and drop the snapshot, in one synchronous step.
//
// A failure before the CAS leaves the manifest unchanged and the snapshot in place: the next
// prepareFlush returns the SAME snapshot with its ORIGINAL flushSeqId (the active segment may
// already hold later edits, which the retried flush must not claim), and the orphan upload is
// the cleaner's (docs/rfcs/0003-flush-and-recovery.md). A lost CAS (FencedError) means another
// owner opened the store: the region must stop.
//
// Thread safety: one event loop. One flush at a time (the region serializes them). Readers
// may take `files` and MemStore scanners at any time; `files` is replaced, never mutated.

import type { EncodedCells } from '../../common/cells/encoded-cells.js';
import type { Cell } from '../../common/cells/keyvalue.js';
import type { Clock } from '../../common/clock.js';
import { systemClock } from '../../common/clock.js';
import { InternalError } from '../../common/errors.js';
import type { ObjectStore } from '../../common/objectstore/object-store.js';
import type { StoreId } from '../../common/paths.js';
import type { Random } from '../../common/random.js';
import { systemRandom } from '../../common/random.js';
import type { BlockCacheLike } from '../hfile/block-cache-like.js';
import type { MemStoreOptions, MemStoreSnapshot } from '../memstore/memstore.js';
import { MemStore } from '../memstore/memstore.js';
import type { ReadPoints } from '../memstore/read-points.js';
import type { VersionPruning } from '../memstore/version-pruner.js';
import { DEFAULT_COMPACTION_CONFIG, isBlocked, storeFileCount } from '../store/compaction-policy.js';
import type { StoreFileEntry } from '../store/manifest.js';
import { maxStoreSeqId, newStoreFileName } from '../store/manifest.js';
import type { ManifestStore } from '../store/store-manifest.js';
import type { StoreReadView } from '../scan/store-read-view.js';
import { halfFileRef } from '../scan/store-read-view.js';
import type { ColumnFamilyDescriptor } from './column-family.js';
import { prunesVersionsInMemory, ttlMs } from './column-family.js';
import { writeSnapshotFile } from './snapshot-writer.js';
import type { FlushRunner } from './flush-runner.js';
import type { StoreFile } from './store-file.js';
import { compareNewestFirst, openHFile, openReference, openStoreFile, storeFileEntryOf } from './store-file.js';

/** The MemStore's version pruning for `family` (undefined: none). */
function versionPruning(family: ColumnFamilyDescriptor, readPoints: ReadPoints | undefined): VersionPruning | undefined {
  if (readPoints === undefined || !prunesVersionsInMemory(family)) return undefined;
  return { maxVersions: family.maxVersions, smallestReadPoint: () => readPoints.smallest() };
}

export interface StoreOptions {
  readonly objectStore: ObjectStore;
  /** The store's manifest tracker, already opened (claimed) by this owner. */
  readonly manifest: ManifestStore;
  readonly family: ColumnFamilyDescriptor;
  readonly clock?: Clock;
  /** Draws new file names. */
  readonly random?: Random;
  readonly cache?: BlockCacheLike;
  /** Where flushes encode (default inline on the event loop). */
  readonly flushRunner?: FlushRunner;
  /** More files than this block the region's writes (default 16, hbase.hstore.blockingStoreFiles). */
  readonly blockingStoreFiles?: number;
  readonly memstore?: MemStoreOptions;
  /**
   * The region's open readers. With it, a family with IN_MEMORY_COMPACTION EAGER or ADAPTIVE
   * prunes excess versions in its MemStore (memstore/version-pruner.ts); without, none does.
   */
  readonly readPoints?: ReadPoints;
  /** Files opened at once when the store opens (default 8). */
  readonly openConcurrency?: number;
}

/** A flush of one store under way: its snapshot and the seq id that bounds it. */
export interface StoreFlush {
  readonly snapshot: MemStoreSnapshot;
  /** Every edit of the family with seq id <= this is in the snapshot or an earlier file. */
  readonly flushSeqId: bigint;
}

export class Store {
  readonly id: StoreId;
  readonly family: ColumnFamilyDescriptor;
  /** The family name as bytes (what cells carry). */
  readonly familyBytes: Buffer;
  readonly memstore: MemStore;
  readonly manifest: ManifestStore;
  private readonly objectStore: ObjectStore;
  private readonly clock: Clock;
  private readonly random: Random;
  private readonly cache: BlockCacheLike | undefined;
  private readonly flushRunner: FlushRunner | undefined;
  private readonly blockingStoreFiles: number;
  private fileList: readonly StoreFile[] = [];
  /** The read path's view (rebuilt when fileList changes; one object shared by reads). */
  private view!: StoreReadView;
  private readonly readOptions: StoreReadView['options'];
  private pending: StoreFlush | undefined;
  private flushing = false;
  private flushCount = 0;

  private constructor(opts: StoreOptions, files: StoreFile[]) {
    this.manifest = opts.manifest;
    this.id = opts.manifest.store;
    this.family = opts.family;
    this.familyBytes = Buffer.from(opts.family.name, 'utf8');
    this.objectStore = opts.objectStore;
    this.clock = opts.clock ?? systemClock;
    this.random = opts.random ?? systemRandom;
    this.cache = opts.cache;
    this.flushRunner = opts.flushRunner;
    this.blockingStoreFiles = opts.blockingStoreFiles ?? DEFAULT_COMPACTION_CONFIG.blockingStoreFiles;
    this.memstore = new MemStore({ ...opts.memstore, pruning: opts.memstore?.pruning ?? versionPruning(opts.family, opts.readPoints) });
    this.readOptions = Object.freeze({
      maxVersions: opts.family.maxVersions,
      minVersions: opts.family.minVersions,
      ttlMs: ttlMs(opts.family),
      keepDeletedCells: opts.family.keepDeletedCells,
    });
    this.setFiles(files);
  }

  private setFiles(files: StoreFile[]): void {
    this.fileList = files.sort(compareNewestFirst);
    const readers = this.fileList.map((f) => (f.reference === undefined ? f.reader : halfFileRef(f.reader, f.reference.half, f.reference.splitRow)));
    this.view = { family: this.familyBytes, options: this.readOptions, memstore: this.memstore, files: readers };
  }

  /**
   * What a read needs (regionserver/scan/store-read-view.ts): the MemStore and the files open
   * now, newest first. No copies; the lists are replaced (never mutated) by flushes and
   * compactions, so a view stays consistent while a read uses it.
   */
  readView(): StoreReadView {
    return this.view;
  }

  /**
   * Opens every file and reference the (claimed) manifest names. Throws CorruptionError /
   * NotFoundError if a named file is damaged or missing, UnavailableError if the object store
   * fails (opening may be retried).
   */
  static async open(opts: StoreOptions): Promise<Store> {
    const m = opts.manifest.current.manifest;
    const fopts = { cache: opts.cache, inMemory: opts.family.inMemory };
    const tasks: Array<() => Promise<StoreFile>> = [
      ...m.files.map((f) => () => openStoreFile(opts.objectStore, m.store, f, fopts)),
      ...m.references.map((r) => () => openReference(opts.objectStore, m.store, r, fopts)),
    ];
    const files = await runLimited(tasks, opts.openConcurrency ?? 8);
    return new Store(opts, files);
  }

  /** Open files, newest (highest MAX_SEQ_ID) first. Replaced as a whole, never mutated. */
  get files(): readonly StoreFile[] {
    return this.fileList;
  }

  /** Edits with seq id <= this are in the store's files (the manifest's flushedSeqId). */
  get flushedSeqId(): bigint {
    return this.manifest.current.manifest.flushedSeqId;
  }

  /** Highest seq id known to be in the store's files (>= every file's MAX_SEQ_ID). */
  get maxFlushedSeqId(): bigint {
    const m = this.manifest.current.manifest;
    const files = maxStoreSeqId(m);
    return files > m.flushedSeqId ? files : m.flushedSeqId;
  }

  /** Files and references a read merges. */
  get fileCount(): number {
    return storeFileCount(this.manifest.current.manifest);
  }

  /** True when the store has more files than blockingStoreFiles (write backpressure). */
  isBlocked(): boolean {
    return isBlocked(this.manifest.current.manifest, { blockingStoreFiles: this.blockingStoreFiles });
  }

  /** Flushes completed by this store object. */
  get flushes(): number {
    return this.flushCount;
  }

  /** Adds a cell written by the mutation with write number / seq id `seq`. Throws InvalidError for a bad cell. */
  add(cell: Cell, seq: number): void {
    this.memstore.addCell(cell, seq);
  }

  /** Adds cells[from, to), of one mutation of one row, written with `seq` (MemStore.addRow). */
  addRow(cells: readonly Cell[], from: number, to: number, seq: number, encoded?: EncodedCells): void {
    this.memstore.addRow(cells, from, to, seq, encoded);
  }

  /**
   * Adds the `count` KeyValues at buf[start, end), of one mutation of one row, written with
   * `seq`, LATEST_TIMESTAMP cells at `latestTime` (MemStore.addKeyValues: REQUIRES as there).
   */
  addKeyValues(buf: Buffer, start: number, end: number, count: number, seq: number, latestTime: number, encoded?: EncodedCells): void {
    this.memstore.addKeyValues(buf, start, end, count, seq, latestTime, encoded);
  }

  /** True if a flush would have something to write (a pending snapshot or active cells). */
  hasUnflushed(): boolean {
    return this.pending !== undefined || this.memstore.activeSize().cellCount > 0;
  }

  /**
   * Step 1 of a flush (synchronous). REQUIRES: every edit with seq id <= flushSeqId was added
   * already, and none above it (the caller's seq id at this instant). Returns the flush to run:
   * a new snapshot bounded by `flushSeqId`, or the snapshot of an earlier failed flush with
   * ITS bound; undefined if there is nothing to flush.
   */
  prepareFlush(flushSeqId: bigint): StoreFlush | undefined {
    if (this.pending !== undefined) return this.pending;
    if (this.memstore.activeSize().cellCount === 0) return undefined;
    this.pending = { snapshot: this.memstore.snapshot(), flushSeqId };
    return this.pending;
  }

  /** The prepared flush not yet completed, if any. */
  get pendingFlush(): StoreFlush | undefined {
    return this.pending;
  }

  /**
   * Step 2 of a flush: writes `f`'s snapshot as a new file and publishes it. `beforeCommit`
   * runs right before the manifest CAS and may throw to abandon the flush (the region checks
   * it still owns the region). Resolves with the published entry.
   * REQUIRES: f is this store's pending flush; no other flush of this store runs.
   * Throws: UnavailableError (object store; nothing published, retry later), FencedError
   * (TSB_FENCED: another owner took the store; TSB_CLOSED: its state is unknown — reopen),
   * CorruptionError (the uploaded file did not read back), InvalidError (a manifest invariant,
   * i.e. a bug), InternalError if misused.
   */
  async flush(f: StoreFlush, beforeCommit?: () => void): Promise<StoreFileEntry> {
    if (this.pending !== f) throw new InternalError('store flush is not the pending one', { details: { family: this.family.name } });
    if (this.flushing) throw new InternalError('a flush of this store is already running', { details: { family: this.family.name } });
    this.flushing = true;
    try {
      const snapshot = f.snapshot;
      const maxSeqId = BigInt(snapshot.maxSeq);
      const name = newStoreFileName(this.clock, this.random);
      const key = this.manifest.fileKey(name);
      // Upload under a fresh name: invisible until the manifest names it.
      await writeSnapshotFile(this.objectStore, key, snapshot, this.family, maxSeqId, this.flushRunner);
      // Read it back (trailer, index, FileInfo): a damaged upload must not be published.
      const r = await openHFile(this.objectStore, key, { cache: this.cache, inMemory: this.family.inMemory });
      const entry = storeFileEntryOf(name, r, this.family.bloomFilter, false);
      beforeCommit?.();
      await this.manifest.commit({ kind: 'flush', files: [entry], flushedSeqId: f.flushSeqId });
      // Published. Swap the snapshot for the file in one synchronous step: a reader sees one
      // or the other (or, with an older scanner, both — the same cells, which merge away).
      this.setFiles([{ name, key, entry, reader: r }, ...this.fileList]);
      this.memstore.clearSnapshot(snapshot.id);
      this.pending = undefined;
      this.flushCount++;
      return entry;
    } finally {
      this.flushing = false;
    }
  }

  /**
   * Compaction hook: after a compaction's manifest CAS retired `removed` (names as the manifest
   * knows them) and published `added`, swaps the open files. Scanners already running keep
   * the readers they hold. Throws InternalError if a removed name is not open.
   */
  replaceFiles(removed: readonly string[], added: readonly StoreFile[]): void {
    const gone = new Set(removed);
    for (const n of gone) {
      if (!this.fileList.some((f) => f.name === n)) throw new InternalError('compacted file is not open in the store', { details: { family: this.family.name, file: n } });
    }
    this.setFiles([...this.fileList.filter((f) => !gone.has(f.name)), ...added]);
  }

  /** Stops the manifest tracker (later commits fail with TSB_CLOSED). The MemStore is dropped with the object. */
  async close(): Promise<void> {
    await this.manifest.close();
  }
}

async function runLimited<T>(tasks: ReadonlyArray<() => Promise<T>>, limit: number): Promise<T[]> {
  const out = new Array<T>(tasks.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < tasks.length) {
      const i = next++;
      out[i] = await tasks[i]!();
    }
  };
  await Promise.all(Array.from({ length: Math.min(Math.max(1, limit), tasks.length) }, worker));
  return out;
}
