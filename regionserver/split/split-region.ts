// Region split (docs/rfcs/0004-compaction-and-split.md): two daughter regions whose store
// manifests hold reference entries (parent file + half), copying no data.
//
//   1. choose the split row: the mid key of the largest store file's block index (or the
//      caller's row); it must lie strictly inside the region;
//   2. close the parent with a flush: every acknowledged write is in a file, no more writes;
//   3. per store: re-claim the parent's manifest and record the daughters (the store is then
//      frozen: no compaction may retire a file a daughter refers to);
//   4. per daughter and store: create the daughter's manifest with a 'bottom' (rows < split
//      row) or 'top' (rows >= split row) reference to every parent file holding such rows,
//      flushedSeqId = the parent's (the daughter's sequence continues above it);
//   5. the caller opens the daughters (openRegion): reads go through the references, and the
//      first compaction of each daughter store rewrites them into its own files.
// The parent's objects stay until purgeSplitParentStore finds no daughter referring to them.
//
// Every step is idempotent, so a split procedure that crashed re-runs from step 3 (a daughter
// manifest that already exists with the same references is accepted).

import { keyRowLength, keyRowOffset } from '../../common/cells/encoded-key.js';
import type { Clock } from '../../common/clock.js';
import { systemClock } from '../../common/clock.js';
import { ErrorCodes, errorCode, InvalidError } from '../../common/errors.js';
import type { ObjectStore } from '../../common/objectstore/object-store.js';
import type { StoreId } from '../../common/paths.js';
import type { HFileReader } from '../hfile/hfile-reader.js';
import type { Region } from '../region/region.js';
import type { RegionInfo } from '../region/region-info.js';
import type { StoreFile } from '../region/store-file.js';
import { regionInfo } from '../region/region-info.js';
import type { ReferenceEntry, StoreFileEntry } from '../store/manifest.js';
import { referenceName } from '../store/manifest.js';
import { createDaughterManifest, loadManifest, ManifestStore } from '../store/store-manifest.js';

export interface SplitOptions {
  readonly objectStore: ObjectStore;
  /** This server (the manifests' writer). */
  readonly server: string;
  readonly clock?: Clock;
  /** Split here instead of at the mid key. */
  readonly splitRow?: Buffer;
}

export interface SplitResult {
  readonly splitRow: Buffer;
  /** [rows < splitRow, rows >= splitRow] */
  readonly daughters: readonly [RegionInfo, RegionInfo];
}

/** Row of an encoded key. */
export function rowOfKey(key: Buffer): Buffer {
  return key.subarray(keyRowOffset(0), keyRowOffset(0) + keyRowLength(key, 0));
}

/**
 * The row to split `region` at: the mid key of its largest store file (HBase's default), or
 * undefined when the region cannot be split (no files, references left from an earlier split,
 * or every cell of the file in one row). When that mid key's row is the file's first row (the
 * data fits one or two blocks, or one row fills the first half), the row starting nearest the
 * file's middle cell is used instead (a scan of up to half the file), so neither daughter is
 * empty.
 */
export async function chooseSplitRow(region: Region): Promise<Buffer | undefined> {
  let largest: StoreFile | undefined;
  for (const s of region.storesList) {
    for (const f of s.files) {
      if (f.reference !== undefined) return undefined;
      if (largest === undefined || f.entry.size > largest.entry.size) largest = f;
    }
  }
  if (largest === undefined) return undefined;
  const mid = await largest.reader.midKey();
  if (mid === undefined) return undefined;
  let row: Buffer | undefined = Buffer.from(rowOfKey(mid));
  if (row.equals(rowOfKey(largest.entry.firstKey))) row = await middleRowByScan(largest.reader);
  return row !== undefined && insideRegion(region.info, row) ? row : undefined;
}

/**
 * The row whose first cell is nearest the file's middle cell (by count), not the file's first
 * row; undefined if the file holds one row. Reads the file from its start up to the first row
 * that starts at or after the middle.
 */
export async function middleRowByScan(reader: HFileReader): Promise<Buffer | undefined> {
  const half = reader.entryCount / 2;
  const s = reader.scanner();
  if (!(await s.seekToFirst())) return undefined;
  let current = Buffer.from(rowOfKey(s.key()));
  let before: { row: Buffer; at: number } | undefined; // last row start below the middle
  for (let i = 1; await s.next(); i++) {
    const key = s.key();
    if (rowOfKey(key).equals(current)) continue;
    current = Buffer.from(rowOfKey(key));
    if (i < half) {
      before = { row: current, at: i };
      continue;
    }
    return before !== undefined && half - before.at < i - half ? before.row : current;
  }
  return before?.row;
}

function insideRegion(info: RegionInfo, row: Buffer): boolean {
  return row.length > 0 && Buffer.compare(row, info.startKey) > 0 && (info.endKey.length === 0 || Buffer.compare(row, info.endKey) < 0);
}

/** The daughters of splitting `parent` at `splitRow`. */
export function daughterInfos(parent: RegionInfo, splitRow: Buffer, nowMs: number): readonly [RegionInfo, RegionInfo] {
  const id = Math.max(nowMs, parent.regionId + 1);
  return [regionInfo(parent.namespace, parent.table, parent.startKey, splitRow, id), regionInfo(parent.namespace, parent.table, splitRow, parent.endKey, id)];
}

/** The references a daughter ('bottom' or 'top' half) needs to `files` (files without rows in the half are left out). */
export function referencesFor(parentRegion: string, family: string, files: readonly StoreFileEntry[], half: 'bottom' | 'top', splitRow: Buffer, nowMs: number): ReferenceEntry[] {
  const out: ReferenceEntry[] = [];
  for (const f of files) {
    const has = half === 'bottom' ? Buffer.compare(rowOfKey(f.firstKey), splitRow) < 0 : Buffer.compare(rowOfKey(f.lastKey), splitRow) >= 0;
    if (has) out.push({ parentRegion, parentFamily: family, parentFile: f, half, splitRow, createdMs: nowMs });
  }
  return out;
}

/**
 * Splits `region` (open, owned by this server) into two daughters and closes it. Resolves
 * with the split row and the daughters' RegionInfos; the caller opens them (openRegion) and
 * updates META. Throws InvalidError (TSB_INVALID_ARGUMENT) if the region cannot be split
 * (nothing to split, references not yet compacted away, or a split row outside the region)
 * — the region then stays open; after step 2 errors are the object store's / manifests'
 * (UnavailableError, FencedError, CorruptionError) and the split must be re-run (idempotent)
 * or rolled back by the procedure that owns it.
 */
export async function splitRegion(region: Region, opts: SplitOptions): Promise<SplitResult> {
  const clock = opts.clock ?? systemClock;
  const info = region.info;
  if (region.storesList.some((s) => s.files.some((f) => f.reference !== undefined))) {
    throw new InvalidError('region still holds references from an earlier split; compact it first', { details: { region: info.encodedName } });
  }
  const splitRow = opts.splitRow ?? (await chooseSplitRow(region));
  if (splitRow === undefined || !insideRegion(info, splitRow)) {
    throw new InvalidError('region cannot be split here', { details: { region: info.encodedName, splitRow: splitRow?.toString('hex') ?? '' } });
  }
  const nowMs = clock.nowMs();
  const daughters = daughterInfos(info, splitRow, nowMs);
  const families = region.storesList.map((s) => s.family.name);

  // 2. Flush and close: every acknowledged write is now in a store file.
  await region.close({ flush: true });

  // 3. Freeze the parent's stores and read their final file lists.
  const parentFiles = new Map<string, { files: readonly StoreFileEntry[]; flushedSeqId: bigint }>();
  for (const family of families) {
    const store: StoreId = { namespace: info.namespace, table: info.table, region: info.encodedName, family };
    const tracker = await ManifestStore.open(opts.objectStore, store, { server: opts.server }, { clock });
    try {
      await tracker.commit({ kind: 'record-daughters', daughters: daughters.map((d) => d.encodedName) });
      const m = tracker.current.manifest;
      parentFiles.set(family, { files: m.files, flushedSeqId: m.flushedSeqId });
    } finally {
      await tracker.close();
    }
  }

  // 4. Daughter manifests holding references.
  for (const [d, half] of [
    [daughters[0], 'bottom'],
    [daughters[1], 'top'],
  ] as const) {
    for (const family of families) {
      const p = parentFiles.get(family)!;
      const refs = referencesFor(info.encodedName, family, p.files, half, splitRow, nowMs);
      const store: StoreId = { namespace: d.namespace, table: d.table, region: d.encodedName, family };
      try {
        await createDaughterManifest(opts.objectStore, store, opts.server, refs, p.flushedSeqId, { clock });
      } catch (e) {
        if (errorCode(e) !== ErrorCodes.ALREADY_EXISTS) throw e;
        // An earlier attempt of this split created it: accept it if it names the same references.
        const existing = (await loadManifest(opts.objectStore, store)).manifest;
        const want = refs.map(referenceName).sort().join(',');
        const have = existing.references.map(referenceName).sort().join(',');
        if (existing.files.length > 0 || (existing.references.length > 0 && want !== have)) throw e;
      }
    }
  }
  return { splitRow, daughters };
}
