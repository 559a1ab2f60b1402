// Version pruning in a MemStore's active segment: what HBase's EAGER in-memory compaction
// (column family IN_MEMORY_COMPACTION => 'EAGER') does for versions. A hot row updated many
// times between flushes otherwise keeps every version in the MemStore, and every read of it
// walks (and seeks through) them all; a flush then drops all but MAX_VERSIONS anyway
// (flush-cell-filter.ts). HBase compacts whole in-memory segments in the background; tsbase
// removes a column's excess versions when a new version is inserted, so the work is a few steps
// per update and none for a new row.
//
// The rule. After a Put X is inserted as the first cell of its column, the walk goes through
// the column's next cells (newest first) and removes a Put that no reader can return:
//  - once MAX_VERSIONS distinct timestamps each have a Put that every reader sees (write number
//    <= the region's smallest read point: every open reader's and every future reader's), any
//    further Put of the column: every read returns at most MAX_VERSIONS versions per column,
//    and those settled ones come first for every reader;
//  - a Put with the same timestamp as a settled Put before it: readers see the newer write of
//    equal keys only.
// The walk stops at the first cell of another column, at a delete marker of the column (a
// masked Put is no version, as in the flush filter), and after WALK_MAX kept cells (so a family
// with many VERSIONS costs a bounded walk, and is then not pruned). A segment that holds a
// DeleteFamily or DeleteFamilyVersion marker is not pruned at all (the MemStore checks).
//
// What it changes, as HBase's EAGER policy and tsbase's flush (and HBase's compactions): reads
// that look past MAX_VERSIONS — raw scans, a time range that skips the newest versions — and a
// later Delete of one version (or a DeleteFamilyVersion, or such a marker in an older file) see
// the versions pruned as gone. Reads within the family's versions see no difference.

import { CellType } from '../../common/cells/keyvalue-format.js';
import type { CellSet } from './cell-set.js';
import { sameColumn, sameTimestamp } from './mem-cell.js';

/** Kept cells one walk looks at, at most. */
export const WALK_MAX = 16;

/** What pruning needs from the region. */
export interface VersionPruning {
  /** The family's MAX_VERSIONS. */
  readonly maxVersions: number;
  /**
   * The smallest MVCC read point any reader may still use: no open reader has a smaller one
   * and later readers start at the read point or above (ReadPoints.smallest).
   */
  smallestReadPoint(): number;
}

const pos = { leaf: 0, index: 0 };

/**
 * Removes the excess versions of the column of the cell last inserted into `set` (see above)
 * and returns how many it removed. Removes nothing if that cell is not a Put or not the first
 * cell of its column, or if its position is unknown (CellSet.lastInserted).
 */
export function pruneAfterInsert(set: CellSet, p: VersionPruning): number {
  if (!set.lastInserted(pos)) return 0;
  // (leaf, index): the last cell kept, from the inserted one on; the candidate comes after it.
  let leaf = pos.leaf;
  let index = pos.index;
  const x = set.at(leaf, index)!;
  if (x.type !== CellType.Put) return 0;
  let settledUpTo = -1; // read at the first candidate: most inserts (a new row) have none
  let versions = 0;
  let tsCell = x; // the last kept cell with a new timestamp
  let tsSettled = false; // a settled Put has tsCell's timestamp
  let kept = 1;
  let removed = 0;
  for (;;) {
    let nl = leaf;
    let ni = index + 1;
    if (ni >= set.leafLength(nl)) {
      nl++;
      ni = 0;
    }
    const c = set.at(nl, ni);
    if (c === undefined || c.type !== CellType.Put || !sameColumn(x, c)) return removed;
    if (settledUpTo < 0) {
      const prev = index > 0 ? set.at(leaf, index - 1) : leaf > 0 ? set.at(leaf - 1, set.leafLength(leaf - 1) - 1) : undefined;
      if (prev !== undefined && sameColumn(prev, x)) return 0; // not the column's first cell
      settledUpTo = p.smallestReadPoint();
      tsSettled = x.seq <= settledUpTo;
      if (tsSettled) versions = 1;
    }
    const settled = c.seq <= settledUpTo;
    let remove: boolean;
    if (sameTimestamp(c, tsCell)) {
      remove = tsSettled;
      if (!remove && settled) {
        tsSettled = true;
        versions++;
      }
    } else {
      remove = versions >= p.maxVersions;
      if (!remove) {
        tsCell = c;
        tsSettled = settled;
        if (settled) versions++;
      }
    }
    if (remove) {
      set.removeAt(nl, ni); // the next cell is now at (nl, ni) or, past a leaf's end, after it
      removed++;
      continue;
    }
    if (++kept > WALK_MAX) return removed;
    leaf = nl;
    index = ni;
  }
}
