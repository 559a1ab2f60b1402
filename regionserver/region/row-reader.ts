// A simple, allocation-heavy reader of ONE row of one store: gathers every cell of the row
// from the MemStore (at a read point) and from each file, then applies HBase's delete,
// version, TTL and time-range rules in one pass over the sorted cells.
//
// It serves the region's read-modify-write operations (increment, append, checkAndMutate, the
// "delete latest version" lookup) and Region.get until the read path (regionserver/scan/)
// is wired in; it is also a second, independent implementation tests can compare with.
// Not for scans or hot paths: it decodes every cell of the row into objects.
//
// Rules (HBase 2 defaults, non-raw reads):
//  - of several cells with the same key, the newest write wins (MemStore by write number,
//    then files newest first: a file's cells are older than the MemStore's);
//  - DeleteFamily@T hides the family's cells with ts <= T; DeleteFamilyVersion@T those with
//    ts == T; DeleteColumn@T the column's cells with ts <= T; Delete@T the column's cell at T.
//    Markers hide cells whatever the order they were written in (no "new version behavior");
//  - cells outside the time range [min, max) are skipped and not counted;
//  - cells older than the family's TTL are expired, except the newest MIN_VERSIONS;
//  - at most min(requested, MAX_VERSIONS) versions per column, newest first.
// KEEP_DELETED_CELLS only matters for raw and time-travel reads, which this reader does not do.

import { compareCells } from '../../common/cells/keyvalue.js';
import type { Cell } from '../../common/cells/keyvalue.js';
import { firstOnRowKey } from '../../common/cells/encoded-key.js';
import { CellType } from '../../common/cells/keyvalue-format.js';
import type { TimeRange } from '../../common/ops/operations.js';
import { ttlMs } from './column-family.js';
import type { Store } from './store.js';

export interface RowReadOptions {
  /** MVCC read point: MemStore cells with a larger write number are invisible. */
  readonly readPoint: number;
  /** Wall-clock now (TTL). */
  readonly nowMs: number;
  /** Only these qualifiers (undefined: every column of the family). */
  readonly qualifiers?: readonly Buffer[];
  /** Versions per column (default 1); capped by the family's MAX_VERSIONS. */
  readonly maxVersions?: number;
  readonly timeRange?: TimeRange;
}

/**
 * The visible cells of `row` in `store`, in KeyValue order. Throws the file readers' errors
 * (UnavailableError, CorruptionError). May run concurrently with writes and flushes: it reads
 * the MemStore at the read point and the files open when it starts.
 */
export async function readStoreRow(store: Store, row: Buffer, opts: RowReadOptions): Promise<Cell[]> {
  // Newest source first: the MemStore, then files by MAX_SEQ_ID descending.
  const files = store.files;
  const sources: Cell[][] = [];
  const mem: Cell[] = [];
  const s = store.memstore.scanner(opts.readPoint);
  s.seek(firstOnRowKey(row));
  for (let c = s.next(); c !== undefined; c = s.next()) {
    const cell = c.toCell();
    if (!cell.row.equals(row)) break;
    mem.push(copyCell(cell));
  }
  sources.push(mem);
  const fromFiles = await Promise.all(
    files.map(async (f) => {
      if (f.reference !== undefined && !inReferenceHalf(row, f.reference)) return [];
      if (f.reader.bloom !== undefined && !(await f.reader.mayContainRow(row))) return [];
      return (await f.reader.getRow(row)).map(copyCell);
    }),
  );
  sources.push(...fromFiles);
  return resolveCells(sources, store.family.maxVersions, store.family.minVersions, ttlMs(store.family), opts);
}

function inReferenceHalf(row: Buffer, ref: { readonly half: 'top' | 'bottom'; readonly splitRow: Buffer }): boolean {
  const c = Buffer.compare(row, ref.splitRow);
  return ref.half === 'bottom' ? c < 0 : c >= 0;
}

/**
 * Applies the rules of the file comment to the cells of one row and one family, given per
 * source (newest source first; within a source in KeyValue order, newest write first among
 * equal keys). Returns the visible Put cells in KeyValue order. Exported for tests.
 */
export function resolveCells(sources: readonly (readonly Cell[])[], familyMaxVersions: number, minVersions: number, ttl: number, opts: Omit<RowReadOptions, 'readPoint'>): Cell[] {
  // Dedupe equal keys, keeping the newest source's (first seen) cell.
  const seen = new Set<string>();
  const cells: Cell[] = [];
  for (const src of sources) {
    for (const c of src) {
      const k = keyString(c);
      if (seen.has(k)) continue;
      seen.add(k);
      cells.push(c);
    }
  }
  cells.sort(compareCells);
  let familyDeleteTs = -1n;
  const familyVersionDeletes = new Set<bigint>();
  for (const c of cells) {
    if (c.type === CellType.DeleteFamily && c.timestamp > familyDeleteTs) familyDeleteTs = c.timestamp;
    if (c.type === CellType.DeleteFamilyVersion) familyVersionDeletes.add(c.timestamp);
  }
  const wanted = opts.qualifiers === undefined ? undefined : new Set(opts.qualifiers.map((q) => q.toString('latin1')));
  const versions = Math.min(opts.maxVersions ?? 1, familyMaxVersions);
  const expiredBefore = ttl === Infinity ? -1n : BigInt(opts.nowMs) - BigInt(ttl);
  const out: Cell[] = [];
  let i = 0;
  while (i < cells.length) {
    // One column: cells[i..j) share the qualifier (sorted ts desc, markers before puts at a ts).
    let j = i;
    const q = cells[i]!.qualifier;
    while (j < cells.length && cells[j]!.qualifier.equals(q)) j++;
    if (wanted === undefined || wanted.has(q.toString('latin1'))) {
      let columnDeleteTs = -1n;
      const versionDeletes = new Set<bigint>();
      for (let k = i; k < j; k++) {
        const c = cells[k]!;
        if (c.type === CellType.DeleteColumn && c.timestamp > columnDeleteTs) columnDeleteTs = c.timestamp;
        if (c.type === CellType.Delete) versionDeletes.add(c.timestamp);
      }
      let kept = 0;
      let live = 0; // visible versions seen, for MIN_VERSIONS
      for (let k = i; k < j && kept < versions; k++) {
        const c = cells[k]!;
        if (c.type !== CellType.Put) continue;
        const t = c.timestamp;
        if (t <= familyDeleteTs || t <= columnDeleteTs || familyVersionDeletes.has(t) || versionDeletes.has(t)) continue;
        live++;
        if (t < expiredBefore && live > minVersions) continue;
        if (opts.timeRange !== undefined && (t < opts.timeRange.min || t >= opts.timeRange.max)) continue;
        out.push(c);
        kept++;
      }
    }
    i = j;
  }
  return out;
}

function keyString(c: Cell): string {
  return `${c.family.toString('latin1')}\u0000${c.qualifier.toString('latin1')}\u0000${c.timestamp}\u0000${c.type}\u0000${c.row.toString('latin1')}`;
}

/** A cell that owns its bytes (MemStore and block views may be reused or released). */
function copyCell(c: Cell): Cell {
  const b = Buffer.concat([c.row, c.family, c.qualifier, c.value]);
  let o = 0;
  const take = (n: number): Buffer => b.subarray(o, (o += n));
  return { row: take(c.row.length), family: take(c.family.length), qualifier: take(c.qualifier.length), timestamp: c.timestamp, type: c.type, value: take(c.value.length) };
}
