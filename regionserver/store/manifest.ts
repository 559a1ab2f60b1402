// The store manifest: the one object that says which files make up a store (one column family
// of one region). docs/formats/manifest.md describes its encoding, docs/rfcs/0002-store-manifest.md
// why it exists and how it is updated (compare-and-swap, never listing or renaming).
//
// This file holds the in-memory shape and the structural checks every manifest must pass,
// whether it was just decoded (a failure is damage) or is about to be written (a failure is a
// bug). Changes and their invariants are in manifest-changes.ts.

import { compareKeyBuffers, keyStructureError } from '../../common/cells/encoded-key.js';
import type { Clock } from '../../common/clock.js';
import type { StoreId } from '../../common/paths.js';
import { isEncodedRegionName, parseStoreFileName, storeFileKey, storeFileName } from '../../common/paths.js';
import type { Random } from '../../common/random.js';
import type { BLOOM_TYPE_NAMES, REFERENCE_HALVES } from './manifest-format.js';

export type BloomTypeName = (typeof BLOOM_TYPE_NAMES)[number];
export type ReferenceHalf = (typeof REFERENCE_HALVES)[number];

/** Largest value of a u64 field (sequence ids, timestamps). */
export const U64_MAX = 2n ** 64n - 1n;

/** One published HFile of the store. */
export interface StoreFileEntry {
  /** The file's name under the store's `files/` (paths.storeFileName). */
  readonly name: string;
  /** Object size in bytes (checked with HEAD before publishing). */
  readonly size: number;
  /** Number of cells. */
  readonly entries: number;
  /** MAX_SEQ_ID of the file: the highest WAL sequence id of any edit in it. */
  readonly maxSeqId: bigint;
  /** Smallest and largest cell timestamp (inclusive). */
  readonly minTs: bigint;
  readonly maxTs: bigint;
  /** Encoded KeyValue keys of the first and last cell. */
  readonly firstKey: Buffer;
  readonly lastKey: Buffer;
  readonly bloomType: BloomTypeName;
  /** When the file was created (from its name), ms since the epoch. */
  readonly createdMs: number;
  /** The file is the output of a major compaction (no delete markers, no excess versions). */
  readonly majorCompaction: boolean;
}

/**
 * A reference of a split (or merge) daughter to half of a parent region's file. Reads go
 * through it to the parent's object; compaction rewrites it into a file of the daughter.
 * `half` 'bottom' covers rows < splitRow, 'top' rows >= splitRow.
 */
export interface ReferenceEntry {
  readonly parentRegion: string;
  /** Always the store's own family (references never cross families). */
  readonly parentFamily: string;
  /** The parent's entry of the file, copied from the parent's manifest at split time. */
  readonly parentFile: StoreFileEntry;
  readonly half: ReferenceHalf;
  /** The split row (row bytes, not a full key). */
  readonly splitRow: Buffer;
  readonly createdMs: number;
}

/**
 * A file (or reference) that left the store: replaced by a compaction. Readers that opened it
 * before may still read it, so the cleaner deletes it only after a TTL.
 */
export interface RetiredEntry {
  /** The store file name, or referenceName() of a retired reference. */
  readonly name: string;
  readonly retiredMs: number;
  readonly size: number;
  /** Set for a retired reference: there is no object of this store to delete. */
  readonly reference?: { readonly parentRegion: string; readonly parentFamily: string; readonly parentFile: string };
}

/** Who wrote a manifest: the owning server and its ownership epoch (see store-manifest.ts, claim). */
export interface WriterIdentity {
  readonly server: string;
  /** Grows with every new owner of the region; 0 for a manifest a split created (no owner yet). */
  readonly epoch: number;
}

export interface StoreManifest {
  readonly store: StoreId;
  /** 1 for the first stored manifest, +1 per commit. 0 only for the empty manifest of a missing object. */
  readonly generation: number;
  readonly writer: WriterIdentity;
  /** Edits with sequence ids <= this are durably in the store's files: replay starts above it. */
  readonly flushedSeqId: bigint;
  readonly files: readonly StoreFileEntry[];
  readonly references: readonly ReferenceEntry[];
  readonly retired: readonly RetiredEntry[];
  /**
   * Regions created from this one by a split or merge, whose manifests may hold references to
   * this store's files. Recorded before they are created; while non-empty the store is frozen.
   */
  readonly daughters: readonly string[];
  /** Wall-clock time of the commit, ms. */
  readonly updatedMs: number;
}

/** The manifest of a store whose manifest object does not exist yet. */
export function emptyManifest(store: StoreId): StoreManifest {
  return {
    store,
    generation: 0,
    writer: { server: '', epoch: 0 },
    flushedSeqId: 0n,
    files: [],
    references: [],
    retired: [],
    daughters: [],
    updatedMs: 0,
  };
}

/** The name a reference goes by in its daughter's manifest: `<parentFile>.<parentRegion>` (as HBase names reference files). */
export function referenceName(ref: Pick<ReferenceEntry, 'parentRegion'> & { readonly parentFile: { readonly name: string } }): string {
  return `${ref.parentFile.name}.${ref.parentRegion}`;
}

/** Object key a reference of `store` reads: the parent region's file. */
export function referencedFileKey(store: StoreId, ref: Pick<ReferenceEntry, 'parentRegion' | 'parentFamily' | 'parentFile'>): string {
  return storeFileKey({ ...store, region: ref.parentRegion, family: ref.parentFamily }, ref.parentFile.name);
}

/**
 * A fresh store file name: the clock's time and 64 random bits (paths.storeFileName). Call it
 * when the upload starts: the name's time is the file's age for the orphan cleaner.
 */
export function newStoreFileName(clock: Clock, random: Random): string {
  const hex = (): string => random.int(0x1_0000_0000).toString(16).padStart(8, '0');
  return storeFileName(clock.nowMs(), hex() + hex());
}

function isU64(v: bigint): boolean {
  return v >= 0n && v <= U64_MAX;
}

function isCount(n: number): boolean {
  return Number.isSafeInteger(n) && n >= 0;
}

/** Problem with one file entry, or undefined. `what` prefixes the message. */
export function fileEntryProblem(f: StoreFileEntry, what = 'file'): string | undefined {
  const parsed = parseStoreFileName(f.name);
  if (parsed === undefined) return `${what} ${f.name}: name is not a store file name`;
  if (parsed.createdMs !== f.createdMs) return `${what} ${f.name}: createdMs ${f.createdMs} differs from the time in its name`;
  if (!isCount(f.size) || f.size === 0) return `${what} ${f.name}: size must be a positive integer`;
  if (!isCount(f.entries) || f.entries === 0) return `${what} ${f.name}: entries must be a positive integer (publish no file instead of an empty one)`;
  if (!isU64(f.maxSeqId) || !isU64(f.minTs) || !isU64(f.maxTs)) return `${what} ${f.name}: seq id and timestamps must be u64`;
  if (f.minTs > f.maxTs) return `${what} ${f.name}: minTs is after maxTs`;
  const keyError = keyStructureError(f.firstKey, 0, f.firstKey.length, true) ?? keyStructureError(f.lastKey, 0, f.lastKey.length, true);
  if (keyError !== undefined) return `${what} ${f.name}: first or last key is not a KeyValue key (${keyError})`;
  if (compareKeyBuffers(f.firstKey, f.lastKey) > 0) return `${what} ${f.name}: firstKey sorts after lastKey`;
  return undefined;
}

/**
 * Structural problems of a whole manifest (undefined if none): field ranges, unique names,
 * consistent references. Says nothing about how it relates to the previous generation.
 */
export function manifestProblem(m: StoreManifest): string | undefined {
  if (!isCount(m.generation)) return 'generation must be a non-negative integer';
  if (!isCount(m.writer.epoch)) return 'writer epoch must be a non-negative integer';
  if (!isU64(m.flushedSeqId)) return 'flushedSeqId must be u64';
  if (!isCount(m.updatedMs)) return 'updatedMs must be a non-negative integer';
  // Names are unique across live files, references and retired entries: the cleaner decides
  // what to delete by name, so one name must never mean two things.
  const names = new Set<string>();
  const claim = (name: string, what: string): string | undefined => {
    if (names.has(name)) return `${what} ${name} appears twice`;
    names.add(name);
    return undefined;
  };
  for (const f of m.files) {
    const p = fileEntryProblem(f) ?? claim(f.name, 'file');
    if (p !== undefined) return p;
  }
  for (const r of m.references) {
    if (!isEncodedRegionName(r.parentRegion)) return `reference to ${r.parentFile.name}: parentRegion is not an encoded region name`;
    if (r.parentRegion === m.store.region) return `reference to ${r.parentFile.name}: a store cannot refer to its own region`;
    if (r.parentFamily !== m.store.family) return `reference to ${r.parentFile.name}: parentFamily ${r.parentFamily} is not the store's family`;
    if (r.splitRow.length === 0) return `reference to ${r.parentFile.name}: splitRow must not be empty`;
    if (!isCount(r.createdMs)) return `reference to ${r.parentFile.name}: createdMs must be a non-negative integer`;
    const p = fileEntryProblem(r.parentFile, 'referenced file') ?? claim(referenceName(r), 'reference');
    if (p !== undefined) return p;
  }
  for (const r of m.retired) {
    if (!isCount(r.retiredMs) || !isCount(r.size)) return `retired ${r.name}: retiredMs and size must be non-negative integers`;
    if (r.reference === undefined && parseStoreFileName(r.name) === undefined) return `retired ${r.name}: name is not a store file name`;
    if (r.reference !== undefined && r.name !== `${r.reference.parentFile}.${r.reference.parentRegion}`) return `retired ${r.name}: name does not match its reference`;
    const p = claim(r.name, 'retired');
    if (p !== undefined) return p;
  }
  const daughters = new Set<string>();
  for (const d of m.daughters) {
    if (!isEncodedRegionName(d)) return `daughter ${d} is not an encoded region name`;
    if (d === m.store.region) return 'a region cannot be its own daughter';
    if (daughters.has(d)) return `daughter ${d} appears twice`;
    daughters.add(d);
  }
  // References are one level deep: a store with daughters must not hold references itself, or
  // the janitor would miss the grandparent's referrers (see manifest-changes.ts).
  if (m.daughters.length > 0 && m.references.length > 0) return 'a store with daughters must not hold references';
  // flushedSeqId says which edits are in files; a file holding a later edit means the writer
  // computed one of the two wrongly, and replay would start at the wrong place.
  if (maxStoreSeqId(m) > m.flushedSeqId) return `a file holds edits up to ${maxStoreSeqId(m)}, above flushedSeqId ${m.flushedSeqId}`;
  if (m.generation === 0 && (m.files.length > 0 || m.references.length > 0 || m.retired.length > 0)) return 'generation 0 is the empty manifest';
  return undefined;
}

/** Highest maxSeqId over the store's files and references (0 if none). */
export function maxStoreSeqId(m: StoreManifest): bigint {
  let max = 0n;
  for (const f of m.files) if (f.maxSeqId > max) max = f.maxSeqId;
  for (const r of m.references) if (r.parentFile.maxSeqId > max) max = r.parentFile.maxSeqId;
  return max;
}
