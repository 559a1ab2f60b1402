// Rolling back a split or merge that did not finish, when its parent region opens again
// (docs/rfcs/0004-compaction-and-split.md, "Roll back").
//
// A split (split-region.ts) or merge (merge-regions.ts) first records the new regions in the
// parent's store manifests (`daughters`: the store is then frozen, no flush or compaction may
// change it), then creates their manifests. The master commits it by writing META (the split
// parent SPLIT, the merged region's row); until then it may instead re-open the parent, e.g.
// after the region server died mid-split or the call failed. A frozen parent could not flush,
// so opening it first undoes the unfinished operation, per store:
//   1. each daughter store that exists and was never opened (writer epoch 0: created by
//      createDaughterManifest and not claimed since) is deleted — no region reads it, and the
//      master never opens a daughter before recording the operation in META;
//   2. the parent claims its store and clears `daughters` (record-daughters []).
// A daughter store that was opened means the operation was committed: the parent must not open
// (ConflictError TSB_PRECONDITION_FAILED), and nothing is changed.
//
// Idempotent: a crash between the steps leaves daughters to delete or a list to clear, which
// the next open finishes.

import type { Clock } from '../../common/clock.js';
import { ConflictError, NotFoundError } from '../../common/errors.js';
import type { ObjectStore } from '../../common/objectstore/object-store.js';
import type { StoreId } from '../../common/paths.js';
import { storeManifestKey } from '../../common/paths.js';
import type { RegionInfo } from '../region/region-info.js';
import { loadManifest, ManifestStore } from '../store/store-manifest.js';

export interface AbandonResult {
  /** Stores whose daughters list was cleared. */
  readonly stores: number;
  /** Daughter store manifests deleted. */
  readonly deleted: number;
}

/**
 * Undoes an unfinished split or merge of `region` (see the file comment) in each of
 * `families`. A no-op (no write) for stores without daughters. Throws ConflictError
 * (TSB_PRECONDITION_FAILED) if a daughter was already opened, and the object store's and the
 * manifests' errors (FencedError: a newer owner holds the parent's store).
 */
export async function abandonUnfinishedDaughters(
  objectStore: ObjectStore,
  region: RegionInfo,
  families: readonly string[],
  server: string,
  opts: { readonly clock?: Clock; readonly epoch?: number } = {},
): Promise<AbandonResult> {
  let stores = 0;
  let deleted = 0;
  for (const family of families) {
    const store: StoreId = { namespace: region.namespace, table: region.table, region: region.encodedName, family };
    const { manifest } = await loadManifest(objectStore, store);
    if (manifest.daughters.length === 0) continue;
    // Check every daughter before deleting any: an opened one means the parent is done.
    const toDelete: string[] = [];
    for (const d of manifest.daughters) {
      const dStore: StoreId = { ...store, region: d };
      const loaded = await loadManifest(objectStore, dStore);
      if (loaded.etag === undefined) continue;
      if (loaded.manifest.writer.epoch !== 0) {
        throw new ConflictError('region was split or merged and a region made from it has been opened; the region itself cannot be opened again', {
          details: { region: region.encodedName, family, daughter: d },
        });
      }
      toDelete.push(storeManifestKey(dStore));
    }
    for (const key of toDelete) {
      await objectStore.delete(key).catch((e: unknown) => {
        if (!(e instanceof NotFoundError)) throw e;
      });
      deleted++;
    }
    // The open that follows claims again, with the same epoch if one was given.
    const tracker = await ManifestStore.open(objectStore, store, { server, ...(opts.epoch !== undefined ? { epoch: opts.epoch } : {}) }, opts.clock !== undefined ? { clock: opts.clock } : {});
    try {
      await tracker.commit({ kind: 'record-daughters', daughters: [] });
    } finally {
      await tracker.close();
    }
    stores++;
  }
  return { stores, deleted };
}
