// Region merge (docs/rfcs/0004-compaction-and-split.md, "Merge"): one region made of two or
// more adjacent ones, whose store manifests hold reference entries to the parents' files,
// copying no data — a split in reverse, as HBase's MergeTableRegionsProcedure does it.
//
// REQUIRES: the parents are closed (the master closed them with a flush) and hosted nowhere.
//
//   1. check: the parents are adjacent regions of one table, in row order, and `merged`
//      spans exactly their rows;
//   2. per parent store: claim it (fencing any owner left), refuse if it holds references
//      (from an earlier split or merge: references are one level deep) or if the parent has
//      recovered edits above what its files hold (a close that did not flush — those edits
//      would be lost), and record `merged` as its daughter (the store is then frozen);
//   3. per family: create the merged region's manifest with one reference to every parent
//      file — 'top' from the parent's start row (the whole file: a region's files hold only
//      its rows; the first region, whose start row is empty, uses 'bottom' below its end
//      row) — and flushedSeqId the largest of the parents' (the merged region's sequence
//      continues above every parent's).
// The caller (the master) then records the merge in META and opens the merged region. Until
// META records it, re-opening a parent rolls the merge back (abandon-daughters.ts).
//
// Idempotent: a merge that failed part-way runs again from the start (a parent store that
// already names `merged` as its daughter, and a merged store that already holds the same
// references, are accepted).

import type { Clock } from '../../common/clock.js';
import { systemClock } from '../../common/clock.js';
import { ErrorCodes, errorCode, InvalidError } from '../../common/errors.js';
import type { ObjectStore } from '../../common/objectstore/object-store.js';
import type { StoreId } from '../../common/paths.js';
import type { RegionInfo } from '../region/region-info.js';
import { listRecoveredEdits } from '../wal/recovered-edits.js';
import type { ReferenceEntry } from '../store/manifest.js';
import { referenceName } from '../store/manifest.js';
import { createDaughterManifest, loadManifest, ManifestStore } from '../store/store-manifest.js';

export interface MergeOptions {
  readonly objectStore: ObjectStore;
  /** This server (the manifests' writer). */
  readonly server: string;
  readonly clock?: Clock;
}

/**
 * Throws InvalidError unless `parents` are two or more adjacent regions of one table in row
 * order and `merged` (of the same table) spans exactly their rows.
 */
export function checkMergePlan(parents: readonly RegionInfo[], merged: RegionInfo): void {
  if (parents.length < 2) throw new InvalidError('a merge needs at least two regions', { details: { regions: parents.length } });
  const first = parents[0]!;
  const last = parents[parents.length - 1]!;
  for (let i = 0; i < parents.length; i++) {
    const p = parents[i]!;
    if (p.namespace !== merged.namespace || p.table !== merged.table) {
      throw new InvalidError('regions of different tables cannot be merged', { details: { region: p.encodedName, table: `${p.namespace}:${p.table}`, mergedTable: `${merged.namespace}:${merged.table}` } });
    }
    if (p.encodedName === merged.encodedName) throw new InvalidError('the merged region must be a new region', { details: { region: p.encodedName } });
    const next = parents[i + 1];
    if (next !== undefined && (p.endKey.length === 0 || !p.endKey.equals(next.startKey))) {
      throw new InvalidError('regions are not adjacent: each must end where the next starts', {
        details: { region: p.encodedName, endKey: p.endKey.toString('hex'), next: next.encodedName, nextStartKey: next.startKey.toString('hex') },
      });
    }
  }
  if (!merged.startKey.equals(first.startKey) || !merged.endKey.equals(last.endKey)) {
    throw new InvalidError('the merged region must span exactly the merged regions', {
      details: { merged: merged.encodedName, startKey: merged.startKey.toString('hex'), endKey: merged.endKey.toString('hex') },
    });
  }
}

/** The reference that covers all of `file`'s rows of `parent` (see the file comment). */
function wholeFileReference(parent: RegionInfo, family: string, file: ReferenceEntry['parentFile'], nowMs: number): ReferenceEntry {
  const top = parent.startKey.length > 0;
  return { parentRegion: parent.encodedName, parentFamily: family, parentFile: file, half: top ? 'top' : 'bottom', splitRow: top ? parent.startKey : parent.endKey, createdMs: nowMs };
}

/**
 * Merges the closed `parents` into `merged` in each of `families` (see the file comment).
 * Throws InvalidError (TSB_INVALID_ARGUMENT) for a bad plan, a parent holding references or
 * unflushed recovered edits — nothing is changed then but the parents' claims, and they can
 * be re-opened as they were; after that the object store's and the manifests' errors
 * (UnavailableError, FencedError, CorruptionError): run the merge again, or re-open the
 * parents to roll it back.
 */
export async function mergeRegions(parents: readonly RegionInfo[], merged: RegionInfo, families: readonly string[], opts: MergeOptions): Promise<void> {
  checkMergePlan(parents, merged);
  const clock = opts.clock ?? systemClock;
  const nowMs = clock.nowMs();
  const storeOf = (r: RegionInfo, family: string): StoreId => ({ namespace: r.namespace, table: r.table, region: r.encodedName, family });

  // 2. Claim every parent store and check it before freezing any.
  const trackers: { parent: RegionInfo; family: string; tracker: ManifestStore }[] = [];
  try {
    for (const parent of parents) {
      let minFlushed: bigint | undefined;
      for (const family of families) {
        const tracker = await ManifestStore.open(opts.objectStore, storeOf(parent, family), { server: opts.server }, { clock });
        trackers.push({ parent, family, tracker });
        const m = tracker.current.manifest;
        if (m.references.length > 0) {
          throw new InvalidError('region still holds references from an earlier split or merge; major_compact it first', {
            details: { region: parent.encodedName, family, references: m.references.length },
          });
        }
        if (m.daughters.length > 0 && !(m.daughters.length === 1 && m.daughters[0] === merged.encodedName)) {
          throw new InvalidError('region was already split or merged into other regions', { details: { region: parent.encodedName, family, daughters: m.daughters.join(',') } });
        }
        if (minFlushed === undefined || m.flushedSeqId < minFlushed) minFlushed = m.flushedSeqId;
      }
      const edits = (await listRecoveredEdits(opts.objectStore, parent.encodedName)).filter((o) => o.maxSeqId > (minFlushed ?? 0n));
      if (edits.length > 0) {
        throw new InvalidError('region has recovered edits that are not in its files yet; open it (which replays and flushes them) before merging', {
          details: { region: parent.encodedName, objects: edits.length },
        });
      }
    }
    for (const t of trackers) {
      if (t.tracker.current.manifest.daughters.length === 0) await t.tracker.commit({ kind: 'record-daughters', daughters: [merged.encodedName] });
    }
  } finally {
    await Promise.all(trackers.map((t) => t.tracker.close().catch(() => {})));
  }

  // 3. The merged region's stores.
  for (const family of families) {
    const refs: ReferenceEntry[] = [];
    let flushedSeqId = 0n;
    for (const t of trackers) {
      if (t.family !== family) continue;
      const m = t.tracker.current.manifest;
      if (m.flushedSeqId > flushedSeqId) flushedSeqId = m.flushedSeqId;
      for (const f of m.files) refs.push(wholeFileReference(t.parent, family, f, nowMs));
    }
    const store = storeOf(merged, family);
    try {
      await createDaughterManifest(opts.objectStore, store, opts.server, refs, flushedSeqId, { clock });
    } catch (e) {
      if (errorCode(e) !== ErrorCodes.ALREADY_EXISTS) throw e;
      // An earlier attempt of this merge created it: accept it if it names the same references.
      const existing = (await loadManifest(opts.objectStore, store)).manifest;
      const want = refs.map(referenceName).sort().join(',');
      const have = existing.references.map(referenceName).sort().join(',');
      if (existing.writer.epoch !== 0 || existing.files.length > 0 || want !== have) throw e;
    }
  }
}
