// Rolling back a split or merge that did not finish, when its parent region opens again
// (docs/rfcs/0004-compaction-and-split.md, "Roll back").
//
// A split (split-region.ts) or merge (merge-regions.ts) first records the new regions in the
// parent's store manifests (`daughters`: the store is then frozen, no flush or compaction may
// change it), then creates their manifests. The master commits it by writing META (the split
// parent SPLIT, the merged region's row); until then it may instead re-open the parent, e.g.
// after the region server died mid-split or the call failed. A frozen parent could not flush,
// so the open (openRegion's `onUnfinishedSplit`) first undoes the unfinished operation, per
// store it has just claimed:
//   1. each daughter store that exists and was never opened (writer epoch 0: created by
//      createDaughterManifest and not claimed since) is deleted — no region reads it, and the
//      master never opens a daughter before recording the operation in META;
//   2. the parent's owner clears `daughters` (record-daughters []).
// A daughter store that was opened means the operation was committed: the parent must not open
// (ConflictError TSB_PRECONDITION_FAILED), and nothing is changed.
//
// Idempotent: a crash between the steps leaves daughters to delete or a list to clear, which
// the next open finishes.

import { ConflictError, NotFoundError } from '../../common/errors.js';
import type { ObjectStore } from '../../common/objectstore/object-store.js';
import type { StoreId } from '../../common/paths.js';
import { storeManifestKey } from '../../common/paths.js';
import type { ManifestStore } from '../store/store-manifest.js';
import { loadManifest } from '../store/store-manifest.js';

/**
 * Undoes an unfinished split or merge in the store `tracker` owns (see the file comment) and
 * returns the daughters it named ([] and no write if none). Throws ConflictError
 * (TSB_PRECONDITION_FAILED) if a daughter was already opened, and the object store's and the
 * manifest's errors.
 */
export async function abandonUnfinishedDaughters(objectStore: ObjectStore, tracker: ManifestStore): Promise<readonly string[]> {
  const { daughters } = tracker.current.manifest;
  if (daughters.length === 0) return [];
  // Check every daughter before deleting any: an opened one means the parent is done.
  const toDelete: string[] = [];
  for (const d of daughters) {
    const dStore: StoreId = { ...tracker.store, region: d };
    const loaded = await loadManifest(objectStore, dStore);
    if (loaded.etag === undefined) continue;
    if (loaded.manifest.writer.epoch !== 0) {
      throw new ConflictError('region was split or merged and a region made from it has been opened; the region itself cannot be opened again', {
        details: { region: tracker.store.region, family: tracker.store.family, daughter: d },
      });
    }
    toDelete.push(storeManifestKey(dStore));
  }
  for (const key of toDelete) {
    await objectStore.delete(key).catch((e: unknown) => {
      if (!(e instanceof NotFoundError)) throw e;
    });
  }
  await tracker.commit({ kind: 'record-daughters', daughters: [] });
  return daughters;
}
