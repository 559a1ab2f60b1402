// Deleting a store's garbage (docs/rfcs/0002-store-manifest.md, "Cleaning").
//
// S3 has no rename and the ObjectStore no copy, so nothing is "moved to an archive": a file a
// compaction replaced stays at its key, listed in the manifest's `retired` list with the time
// (written by the same CAS that removed it from the live set, so no crash can lose track of
// it). Two kinds of garbage:
//   - retired files: deleted once `retiredTtlMs` has passed (readers that opened the file
//     before the compaction may still read it) and the engine says no reader holds it; then a
//     `drop-retired` commit forgets them. Retired references only need forgetting.
//   - orphans: objects under the store's files/ that no manifest names — uploads whose CAS
//     never happened (a crash, a fenced owner). Deleted once older than `orphanGraceMs`,
//     measured from the time in the file's name (a publisher refuses files older than
//     maxPublishAgeMs <= orphanGraceMs / 2, so a file being published is never an old orphan).
//
// Never deleted: a file the current stored manifest lists as live, a retired file within its
// TTL, and any file a daughter's manifest refers to. Daughters are found without listing: the
// parent's manifest names them (`daughters`, recorded before they are created), and each
// daughter's manifest is one GET under the same table and family. References are one level
// deep (a store holding references cannot be split), so no other manifest can refer to a
// store's files.
//
// Run by the store's owner, one pass at a time (run() calls are serialized). purgeSplitParentStore
// is the catalog janitor's step that removes a whole split parent store once no daughter
// refers to it.

import type { Clock } from '../../common/clock.js';
import { systemClock } from '../../common/clock.js';
import { ErrorCodes, FencedError, InvalidError } from '../../common/errors.js';
import { KeyedMutex } from '../../common/objectstore/key-lock.js';
import type { ObjectStore } from '../../common/objectstore/object-store.js';
import { listAllKeys } from '../../common/objectstore/object-store.js';
import type { StoreId } from '../../common/paths.js';
import { parseStoreFileName, storeFileKey, storeFilesPrefix, storeManifestKey } from '../../common/paths.js';
import type { StoreManifest } from './manifest.js';
import type { ManifestStore } from './store-manifest.js';
import { loadManifest } from './store-manifest.js';

/** Default time a retired file is kept for readers that opened it before it was replaced: 10 min. */
export const DEFAULT_RETIRED_TTL_MS = 10 * 60 * 1000;
/** Default age after which an unpublished file is garbage: 6 h (twice the default max publish age). */
export const DEFAULT_ORPHAN_GRACE_MS = 6 * 60 * 60 * 1000;

export interface StoreCleanerOptions {
  readonly clock?: Clock;
  readonly retiredTtlMs?: number;
  /** Must be at least twice the tracker's maxPublishAgeMs. */
  readonly orphanGraceMs?: number;
  /** The engine's answer to "does an open reader still hold this file?"; such files are kept. */
  readonly isInUse?: (name: string) => boolean;
}

export interface CleanReport {
  /** Retired files deleted (and forgotten). */
  readonly deletedRetired: readonly string[];
  /** Retired references forgotten. */
  readonly droppedReferences: readonly string[];
  /** Unpublished files deleted. */
  readonly deletedOrphans: readonly string[];
  /** Files kept only because a daughter's manifest refers to them. */
  readonly keptForDaughters: readonly string[];
  /** Keys under files/ that are not store file names: never touched. */
  readonly foreign: readonly string[];
}

/**
 * Parent file names that `parent`'s daughters refer to (live or retired references), each
 * with the daughters referring to it. One GET per daughter. A daughter whose store does not
 * exist refers to nothing. Throws CorruptionError if a daughter's manifest is damaged (then
 * nothing can be proven unreferenced), UnavailableError if the object store fails.
 */
export async function daughterReferences(objectStore: ObjectStore, parent: StoreManifest): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  const add = (file: string, daughter: string): void => {
    const list = out.get(file);
    if (list === undefined) out.set(file, [daughter]);
    else if (!list.includes(daughter)) list.push(daughter);
  };
  const loaded = await Promise.all(parent.daughters.map((d) => loadManifest(objectStore, { ...parent.store, region: d })));
  for (const { manifest: m } of loaded) {
    for (const r of m.references) if (r.parentRegion === parent.store.region) add(r.parentFile.name, m.store.region);
    for (const r of m.retired) if (r.reference?.parentRegion === parent.store.region) add(r.reference.parentFile, m.store.region);
  }
  return out;
}

export class StoreCleaner {
  private readonly clock: Clock;
  private readonly retiredTtlMs: number;
  private readonly orphanGraceMs: number;
  private readonly isInUse: (name: string) => boolean;
  private readonly mutex = new KeyedMutex();

  /** Throws InvalidError (TSB_INVALID_CONFIG) if the orphan grace is shorter than twice the tracker's maxPublishAgeMs. */
  constructor(
    private readonly objectStore: ObjectStore,
    private readonly tracker: ManifestStore,
    opts: StoreCleanerOptions = {},
  ) {
    this.clock = opts.clock ?? systemClock;
    this.retiredTtlMs = opts.retiredTtlMs ?? DEFAULT_RETIRED_TTL_MS;
    this.orphanGraceMs = opts.orphanGraceMs ?? DEFAULT_ORPHAN_GRACE_MS;
    this.isInUse = opts.isInUse ?? (() => false);
    if (!(this.orphanGraceMs >= 2 * tracker.maxPublishAgeMs) || !(this.retiredTtlMs >= 0)) {
      throw new InvalidError('orphan grace must be at least twice the max publish age (clock skew and slow uploads), and the retired ttl non-negative', {
        code: ErrorCodes.INVALID_CONFIG,
        details: { orphanGraceMs: this.orphanGraceMs, maxPublishAgeMs: tracker.maxPublishAgeMs, retiredTtlMs: this.retiredTtlMs },
      });
    }
  }

  /**
   * One cleaning pass. Lists the store's files FIRST and reads the stored manifest AFTER, so a
   * file published during the listing is seen as live. Runs one pass at a time; safe to call
   * while the owner flushes and compacts. Throws FencedError if another writer owns the
   * store (nothing deleted) or the drop-retired commit is fenced (objects already deleted were
   * garbage either way), CorruptionError if a manifest is damaged, UnavailableError.
   */
  async run(): Promise<CleanReport> {
    return this.mutex.run('run', () => this.pass());
  }

  private async pass(): Promise<CleanReport> {
    const store = this.tracker.store;
    const listed = await listAllKeys(this.objectStore, storeFilesPrefix(store));
    const { manifest } = await loadManifest(this.objectStore, store);
    const w = this.tracker.writer;
    if (manifest.writer.server !== w.server || manifest.writer.epoch !== w.epoch) {
      throw new FencedError('store is owned by another writer: not cleaning it', {
        details: { key: storeManifestKey(store), server: w.server, epoch: w.epoch, owner: manifest.writer.server, ownerEpoch: manifest.writer.epoch },
      });
    }
    const now = this.clock.nowMs();
    const byDaughters = await daughterReferences(this.objectStore, manifest);
    const live = new Set(manifest.files.map((f) => f.name));
    const retiredNames = new Set(manifest.retired.map((r) => r.name));

    const deletedRetired: string[] = [];
    const droppedReferences: string[] = [];
    const keptForDaughters = new Set<string>();
    for (const r of manifest.retired) {
      if (now - r.retiredMs < this.retiredTtlMs || this.isInUse(r.name)) continue;
      if (r.reference !== undefined) {
        droppedReferences.push(r.name);
      } else if (byDaughters.has(r.name)) {
        keptForDaughters.add(r.name);
      } else {
        deletedRetired.push(r.name);
      }
    }
    const deletedOrphans: string[] = [];
    const foreign: string[] = [];
    const prefix = storeFilesPrefix(store);
    for (const o of listed) {
      const name = o.key.slice(prefix.length);
      const parsed = parseStoreFileName(name);
      if (parsed === undefined) {
        foreign.push(o.key);
        continue;
      }
      if (live.has(name) || retiredNames.has(name) || now - parsed.createdMs < this.orphanGraceMs) continue;
      if (byDaughters.has(name)) {
        keptForDaughters.add(name);
        continue;
      }
      deletedOrphans.push(name);
    }

    const keys = [...deletedRetired, ...deletedOrphans].map((n) => storeFileKey(store, n));
    if (keys.length > 0) await this.objectStore.deleteMany(keys);
    // Objects first, then the manifest: a crash in between leaves retired entries whose objects
    // are gone, which the next pass deletes again (a no-op) and forgets.
    const forget = [...deletedRetired, ...droppedReferences];
    if (forget.length > 0) await this.tracker.commit({ kind: 'drop-retired', names: forget });
    return { deletedRetired, droppedReferences, deletedOrphans, keptForDaughters: [...keptForDaughters], foreign };
  }
}

export interface PurgeResult {
  /** True once the store's files and manifest are gone. */
  readonly purged: boolean;
  /** Files deleted by this call. */
  readonly deleted: number;
  /** Daughters still referring to the store's files (when not purged). */
  readonly referencedBy: readonly string[];
}

/**
 * Deletes a split (or merged) parent's store — every object under its files/, then its
 * manifest — once no daughter's manifest refers to any of its files (live references, or
 * retired ones whose TTL the daughter's cleaner has not yet passed). Idempotent: a store whose
 * manifest is gone is reported purged.
 *
 * REQUIRES: the split or merge that recorded the daughters has finished (every daughter store
 * was created), so a daughter store that does not exist never will (it was itself purged).
 * The parent region is offline. Throws InvalidError if the store has no daughters (it is not a
 * split parent), CorruptionError if a manifest is damaged, UnavailableError.
 */
export async function purgeSplitParentStore(objectStore: ObjectStore, store: StoreId): Promise<PurgeResult> {
  const { manifest, etag } = await loadManifest(objectStore, store);
  if (etag === undefined) return { purged: true, deleted: 0, referencedBy: [] };
  if (manifest.daughters.length === 0) {
    throw new InvalidError('store has no daughters: only a split or merge parent can be purged', { details: { key: storeManifestKey(store) } });
  }
  const refs = await daughterReferences(objectStore, manifest);
  if (refs.size > 0) return { purged: false, deleted: 0, referencedBy: [...new Set([...refs.values()].flat())].sort() };
  const keys = (await listAllKeys(objectStore, storeFilesPrefix(store))).map((o) => o.key);
  if (keys.length > 0) await objectStore.deleteMany(keys);
  // The manifest goes last: a crash before this leaves a manifest naming deleted files of an
  // offline region, and the next call finishes the job.
  await objectStore.delete(storeManifestKey(store));
  return { purged: true, deleted: keys.length, referencedBy: [] };
}
