// Removing a split parent's objects once its daughters no longer need them: the object-store
// half of the master's catalog janitor (master/catalog-janitor.ts, HBase's CatalogJanitor).
//
// A daughter needs the parent while its store manifest holds a reference to a parent file:
//   - a live reference (the daughter has not compacted it away yet), or
//   - a retired reference (a compaction replaced it) retired less than `retainMs` ago: a
//     reader of the daughter that opened the reference before that compaction may still read
//     the parent's file. This is the StoreCleaner's rule for retired files (retiredTtlMs,
//     default 10 min); the janitor applies it itself because the daughter's owner may not have
//     forgotten the retired entry yet (purgeSplitParentStore waits for that).
// Daughters are found from the parent's META row (splitA/splitB), and each daughter store is
// one GET (same table and family). A daughter store that does not exist refers to nothing.
//
// REQUIRES: the parent is offline (META state SPLIT) and its split finished (both daughters'
// manifests were written: the master records SPLIT only after SPLIT_REGION succeeded).
// Idempotent: a parent whose objects are gone is reported purged. One call per parent at a time.

import type { Clock } from '../../common/clock.js';
import type { ObjectStore } from '../../common/objectstore/object-store.js';
import { listAllKeys } from '../../common/objectstore/object-store.js';
import type { StoreId } from '../../common/paths.js';
import { regionDataPrefix, storeManifestKey } from '../../common/paths.js';
import type { RegionInfo } from '../region/region-info.js';
import { loadManifest } from '../store/store-manifest.js';

export interface ParentPurgeResult {
  /** True once no object of the parent's stores is left. */
  readonly purged: boolean;
  /** Objects deleted by this call. */
  readonly deleted: number;
  /** Daughters (encoded names) still referring to the parent, when not purged. */
  readonly referencedBy: readonly string[];
}

/**
 * The daughters among `daughters` whose stores still need `parent`'s files (see the file
 * comment), given the parent's families. Throws CorruptionError (a damaged manifest: nothing
 * can be proven unreferenced), UnavailableError.
 */
export async function daughtersReferringTo(objectStore: ObjectStore, parent: RegionInfo, families: readonly string[], daughters: readonly RegionInfo[], nowMs: number, retainMs: number): Promise<string[]> {
  const out = new Set<string>();
  const loads: Promise<void>[] = [];
  for (const d of daughters) {
    for (const family of families) {
      const store: StoreId = { namespace: d.namespace, table: d.table, region: d.encodedName, family };
      loads.push(
        loadManifest(objectStore, store).then(({ manifest: m }) => {
          if (m.references.some((r) => r.parentRegion === parent.encodedName)) out.add(d.encodedName);
          if (m.retired.some((r) => r.reference?.parentRegion === parent.encodedName && nowMs - r.retiredMs < retainMs)) out.add(d.encodedName);
        }),
      );
    }
  }
  await Promise.all(loads);
  return [...out].sort();
}

/**
 * Deletes every object of split parent `parent` (its stores' files, then their manifests)
 * once no daughter needs them; otherwise deletes nothing and names the daughters that do.
 * Throws CorruptionError, UnavailableError (nothing is deleted before every daughter was read).
 */
export async function purgeSplitParent(objectStore: ObjectStore, parent: RegionInfo, daughters: readonly RegionInfo[], opts: { readonly clock: Clock; readonly retainMs: number }): Promise<ParentPurgeResult> {
  const prefix = regionDataPrefix(parent.namespace, parent.table, parent.encodedName);
  const keys = (await listAllKeys(objectStore, prefix)).map((o) => o.key);
  if (keys.length === 0) return { purged: true, deleted: 0, referencedBy: [] };
  const families = [...new Set(keys.map((k) => k.slice(prefix.length).split('/')[0]!))].filter((f) => f.length > 0 && !f.startsWith('.'));
  const referencedBy = await daughtersReferringTo(objectStore, parent, families, daughters, opts.clock.nowMs(), opts.retainMs);
  if (referencedBy.length > 0) return { purged: false, deleted: 0, referencedBy };
  // Files first, manifests last: a crash in between leaves manifests of an offline region
  // naming deleted files, and the next call finishes the job.
  const manifests = new Set(families.map((family) => storeManifestKey({ namespace: parent.namespace, table: parent.table, region: parent.encodedName, family })));
  const files = keys.filter((k) => !manifests.has(k));
  if (files.length > 0) await objectStore.deleteMany(files);
  const present = keys.filter((k) => manifests.has(k));
  if (present.length > 0) await objectStore.deleteMany(present);
  return { purged: true, deleted: keys.length, referencedBy: [] };
}
