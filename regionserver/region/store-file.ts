// StoreFile: one HFile of a store as the engine holds it open — the manifest's entry plus an
// open HFileReader. A reference (a split daughter's view of half a parent file) is a StoreFile
// whose reader reads the parent's object and whose `reference` says which half to expose.
//
// Readers are opened from the manifest alone (docs/rfcs/0002-store-manifest.md): never by
// listing. Opening costs one ranged GET of the file's tail (hfile-reader.ts).

import type { ObjectStore } from '../../common/objectstore/object-store.js';
import type { StoreId } from '../../common/paths.js';
import { parseStoreFileName, storeFileKey } from '../../common/paths.js';
import type { BlockCacheLike } from '../hfile/block-cache-like.js';
import { HFileReader } from '../hfile/hfile-reader.js';
import { objectStoreSource } from '../hfile/hfile-source.js';
import type { ReferenceEntry, ReferenceHalf, StoreFileEntry } from '../store/manifest.js';
import { referencedFileKey, referenceName } from '../store/manifest.js';

export interface StoreFile {
  /** The name the store's manifest knows it by (a file name, or referenceName() for a reference). */
  readonly name: string;
  /** Object key the reader reads. */
  readonly key: string;
  /** The file's manifest entry (for a reference: the parent's entry of the file). */
  readonly entry: StoreFileEntry;
  readonly reader: HFileReader;
  /** Set for a reference: only rows below (`bottom`) or at/after (`top`) splitRow belong to this store. */
  readonly reference?: { readonly half: ReferenceHalf; readonly splitRow: Buffer; readonly parentRegion: string };
}

export interface OpenStoreFileOptions {
  readonly cache?: BlockCacheLike;
  /** IN_MEMORY family: cache blocks with in-memory priority. */
  readonly inMemory?: boolean;
}

/**
 * Opens the reader of a live file of `store`. Throws CorruptionError if the object is not a
 * well-formed HFile, NotFoundError if it is missing (a manifest naming a missing file is
 * damage the caller reports), UnavailableError if the object store fails.
 */
export async function openStoreFile(objectStore: ObjectStore, store: StoreId, entry: StoreFileEntry, opts: OpenStoreFileOptions = {}): Promise<StoreFile> {
  const key = storeFileKey(store, entry.name);
  return { name: entry.name, key, entry, reader: await openHFile(objectStore, key, opts) };
}

/** Opens the HFile at `key` (the block cache knows it by its key). Throws as openStoreFile. */
export function openHFile(objectStore: ObjectStore, key: string, opts: OpenStoreFileOptions = {}): Promise<HFileReader> {
  return HFileReader.open(objectStoreSource(objectStore, key), { fileId: key, cache: opts.cache, inMemory: opts.inMemory });
}

/** Opens the reader behind a reference of `store` (the parent region's object). Throws as openStoreFile. */
export async function openReference(objectStore: ObjectStore, store: StoreId, ref: ReferenceEntry, opts: OpenStoreFileOptions = {}): Promise<StoreFile> {
  const key = referencedFileKey(store, ref);
  const reader = await openHFile(objectStore, key, opts);
  return { name: referenceName(ref), key, entry: ref.parentFile, reader, reference: { half: ref.half, splitRow: ref.splitRow, parentRegion: ref.parentRegion } };
}

/** Orders files newest first: by MAX_SEQ_ID descending, then name (a stable tie-break). */
/**
 * The manifest entry describing the HFile `r` just written and read back under `name`
 * (flush and compaction publish their output with it).
 */
export function storeFileEntryOf(name: string, r: HFileReader, bloomType: StoreFileEntry['bloomType'], majorCompaction: boolean): StoreFileEntry {
  return {
    name,
    size: r.fileSize,
    entries: Number(r.fileInfo.entries),
    maxSeqId: r.fileInfo.maxSeqId,
    minTs: r.fileInfo.timeRange.min,
    maxTs: r.fileInfo.timeRange.max,
    firstKey: r.firstKey!,
    lastKey: r.fileInfo.lastKey!,
    bloomType,
    createdMs: parseStoreFileName(name)!.createdMs,
    majorCompaction,
  };
}

export function compareNewestFirst(a: StoreFile, b: StoreFile): number {
  if (a.entry.maxSeqId !== b.entry.maxSeqId) return a.entry.maxSeqId > b.entry.maxSeqId ? -1 : 1;
  return a.name < b.name ? 1 : a.name > b.name ? -1 : 0;
}
