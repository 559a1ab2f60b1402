// A reference implementation of what a read returns, written from the rules rather than from
// the scanner's streaming code: every visible cell of the region is collected, deduplicated,
// and each column decided on its own. Tests compare RegionScanner with it. Slow (objects per
// cell); for tests only.
//
// Rules (HBase 2.x, default version behaviour):
//  - Sources: MemStore cells with write number <= the read point, and files. For equal keys the
//    newest source wins (MemStore by write number, then files by MAX_SEQ_ID).
//  - A delete marker is considered unless expired by the TTL (with MIN_VERSIONS 0) and, with a
//    time range, unless older than the range (KEEP_DELETED_CELLS != FALSE: also unless newer).
//  - A Put is deleted by a considered DeleteFamily with ts >= its ts, DeleteFamilyVersion with
//    equal ts, DeleteColumn of its column with ts >= its ts, or Delete of its column with equal ts.
//  - Per column, newest first, skipping deleted Puts and Puts newer than the time range: keep
//    up to maxVersions; an expired Put ends the column unless it is within the first MIN_VERSIONS.
//  - Raw reads return markers too and apply no deletes; markers count no versions.
//  - With a filter, the column keeps the family's MAX_VERSIONS, the filter runs as
//    filter/apply-filter.ts does, and then each column is cut to the requested versions.

import { decodeKey } from '../../common/cells/encoded-key.js';
import type { Cell } from '../../common/cells/keyvalue.js';
import { compareCells, encodeKeyValue } from '../../common/cells/keyvalue.js';
import { CellType, KV_LENGTHS_SIZE } from '../../common/cells/keyvalue-format.js';
import type { CellView } from '../../common/cells/cell-view.js';
import type { Result, ResultCell, Scan } from '../../common/ops/operations.js';
import { applyFilterToRow, FilterScanState } from '../filter/apply-filter.js';
import { filterFromJson } from '../filter/filter-json.js';
import type { FamilyReadOptions } from './store-read-view.js';

export interface ModelStore {
  readonly family: Buffer;
  readonly options: FamilyReadOptions;
  /** MemStore cells with their write numbers. */
  readonly mem: readonly { readonly cell: Cell; readonly seq: number }[];
  /** Files, oldest first (index = MAX_SEQ_ID order). Cells already limited to a half if any. */
  readonly files: readonly (readonly Cell[])[];
}

export interface ModelContext {
  readonly stores: readonly ModelStore[];
  readonly readPoint: number;
  readonly nowMs: number;
  readonly regionStartRow?: Buffer;
  readonly regionEndRow?: Buffer;
}

interface Ranked {
  readonly cell: Cell;
  readonly prio: number;
}

/** The Results a scan (or a get: startRow = stopRow-less single row via `getRow`) returns. */
export function modelScan(ctx: ModelContext, scan: Scan, getRow?: Buffer): Result[] {
  const reversed = getRow === undefined && scan.reversed === true;
  const filter = scan.filter === undefined ? undefined : filterFromJson(scan.filter);
  filter?.setReversed(reversed);
  const reqVersions = scan.maxVersions ?? 1;
  const raw = scan.raw === true;
  const stores = [...ctx.stores].sort((a, b) => Buffer.compare(a.family, b.family));
  // Family -> wanted qualifiers (undefined = all); absent = not read.
  const wanted = new Map<string, Set<string> | undefined>();
  if (scan.columns === undefined || scan.columns.length === 0) for (const s of stores) wanted.set(s.family.toString('hex'), undefined);
  else {
    for (const c of scan.columns) {
      const k = c.family.toString('hex');
      if (c.qualifier === undefined) wanted.set(k, undefined);
      else if (!wanted.has(k) || wanted.get(k) !== undefined) {
        const set = wanted.get(k) ?? new Set<string>();
        set.add(c.qualifier.toString('hex'));
        wanted.set(k, set);
      }
    }
  }
  // Rows -> per store cells.
  const perStore: Map<string, Cell[]>[] = [];
  const rowSet = new Map<string, Buffer>();
  for (const s of stores) {
    const m = new Map<string, Cell[]>();
    perStore.push(m);
    if (!wanted.has(s.family.toString('hex'))) continue;
    const all: Ranked[] = [];
    // MemStore: larger write number first; the same key and write number again replaces the cell.
    s.mem.forEach(({ cell, seq }, i) => {
      if (seq <= ctx.readPoint) all.push({ cell, prio: 1e12 + seq * 1e5 + i });
    });
    s.files.forEach((f, i) => {
      for (const cell of f) all.push({ cell, prio: i });
    });
    all.sort((a, b) => compareCells(a.cell, b.cell) || b.prio - a.prio);
    let prev: Cell | undefined;
    for (const { cell } of all) {
      if (prev !== undefined && compareCells(prev, cell) === 0) continue;
      prev = cell;
      const k = cell.row.toString('hex');
      let list = m.get(k);
      if (list === undefined) m.set(k, (list = []));
      list.push(cell);
      rowSet.set(k, cell.row);
    }
  }
  let rows = [...rowSet.values()].sort(Buffer.compare);
  if (reversed) rows.reverse();
  const inRange = (r: Buffer): boolean => {
    if (getRow !== undefined) return r.equals(getRow);
    const nz = (b: Buffer | undefined) => (b !== undefined && b.length > 0 ? b : undefined);
    const rs = nz(ctx.regionStartRow);
    const re = nz(ctx.regionEndRow);
    if (rs !== undefined && Buffer.compare(r, rs) < 0) return false;
    if (re !== undefined && Buffer.compare(r, re) >= 0) return false;
    const start = nz(scan.startRow);
    const stop = nz(scan.stopRow);
    if (!reversed) {
      if (start !== undefined && Buffer.compare(r, start) < 0) return false;
      if (stop !== undefined && Buffer.compare(r, stop) >= 0) return false;
    } else {
      if (start !== undefined && Buffer.compare(r, start) > 0) return false;
      if (stop !== undefined && Buffer.compare(r, stop) <= 0) return false;
    }
    return true;
  };
  rows = rows.filter(inRange);
  const out: Result[] = [];
  const state = new FilterScanState();
  let returned = 0;
  for (const row of rows) {
    if (scan.limit !== undefined && scan.limit > 0 && returned >= scan.limit) break;
    const cells: Cell[] = [];
    stores.forEach((s, i) => {
      const fam = s.family.toString('hex');
      if (!wanted.has(fam)) return;
      const rowCells = perStore[i]!.get(row.toString('hex')) ?? [];
      const o = s.options;
      const result = raw ? reqVersions : Math.min(reqVersions, o.maxVersions);
      const trackerMax = filter !== undefined ? (raw ? Number.MAX_SAFE_INTEGER : o.maxVersions) : result;
      cells.push(...visibleOfFamily(rowCells, o, trackerMax, wanted.get(fam), scan, ctx.nowMs, raw));
    });
    let kept: Cell[] = cells;
    if (filter !== undefined) {
      if (filter.filterAllRemaining()) break;
      const r = applyFilterToRow(filter, cells.map(toView), state);
      kept = capVersions(r.cells.map(fromView), stores, reqVersions, raw);
      if (kept.length > 0) {
        out.push(...batches(row, kept, scan.batch));
        returned++;
      }
      if (r.done) break;
      continue;
    }
    if (kept.length > 0) {
      out.push(...batches(row, kept, scan.batch));
      returned++;
    }
  }
  return out;
}

function batches(row: Buffer, cells: Cell[], batch: number | undefined): Result[] {
  const rc = cells.map(toResultCell);
  if (batch === undefined || batch <= 0) return [{ row, cells: rc }];
  const out: Result[] = [];
  for (let i = 0; i < rc.length; i += batch) out.push({ row, cells: rc.slice(i, i + batch) });
  return out;
}

function capVersions(cells: Cell[], stores: readonly ModelStore[], req: number, raw: boolean): Cell[] {
  const out: Cell[] = [];
  let key = '';
  let n = 0;
  for (const c of cells) {
    const k = `${c.family.toString('hex')}/${c.qualifier.toString('hex')}`;
    if (k !== key) {
      key = k;
      n = 0;
    }
    const fam = stores.find((s) => s.family.equals(c.family))!;
    const cap = raw ? req : Math.min(req, fam.options.maxVersions);
    if (++n <= cap) out.push(c);
  }
  return out;
}

function visibleOfFamily(cells: readonly Cell[], o: FamilyReadOptions, maxV: number, quals: Set<string> | undefined, scan: Scan, nowMs: number, raw: boolean): Cell[] {
  const oldest = o.ttlMs === Infinity ? 0 : nowMs - o.ttlMs;
  const expired = (ts: bigint) => oldest > 0 && ts < BigInt(Math.floor(oldest));
  const tr = scan.timeRange;
  const within = (ts: bigint) => tr === undefined || (ts >= tr.min && ts < tr.max);
  const withinOrAfter = (ts: bigint) => tr === undefined || ts >= tr.min;
  const considered = (m: Cell) => !(o.minVersions === 0 && expired(m.timestamp)) && (o.keepDeletedCells !== 'FALSE' ? within(m.timestamp) : withinOrAfter(m.timestamp));
  const markers = raw ? [] : cells.filter((c) => c.type !== CellType.Put && considered(c));
  const df = markers.filter((m) => m.type === CellType.DeleteFamily).map((m) => m.timestamp);
  const dfv = markers.filter((m) => m.type === CellType.DeleteFamilyVersion).map((m) => m.timestamp);
  const out: Cell[] = [];
  let i = 0;
  while (i < cells.length) {
    let j = i;
    while (j < cells.length && cells[j]!.qualifier.equals(cells[i]!.qualifier)) j++;
    const col = cells.slice(i, j);
    i = j;
    if (quals !== undefined && !quals.has(col[0]!.qualifier.toString('hex'))) continue;
    const colMarkers = markers.filter((m) => m.qualifier.equals(col[0]!.qualifier));
    const dc = colMarkers.filter((m) => m.type === CellType.DeleteColumn).map((m) => m.timestamp);
    const d = colMarkers.filter((m) => m.type === CellType.Delete).map((m) => m.timestamp);
    const deleted = (ts: bigint) => df.some((x) => x >= ts) || dfv.some((x) => x === ts) || dc.some((x) => x >= ts) || d.some((x) => x === ts);
    let count = 0;
    for (const c of col) {
      if (!raw && c.type !== CellType.Put) continue;
      if (o.minVersions === 0 && expired(c.timestamp)) break;
      if (!raw && deleted(c.timestamp)) continue;
      if (tr !== undefined && c.timestamp >= tr.max) continue;
      if (tr !== undefined && c.timestamp < tr.min) break;
      if (c.type === CellType.Put) count++;
      if (count > maxV) break;
      if (count <= o.minVersions || !expired(c.timestamp)) out.push(c);
      else break;
    }
  }
  return out;
}

function toView(c: Cell): CellView {
  const kv = encodeKeyValue(c);
  const keyLen = kv.readUInt32BE(0);
  return { keyBuf: kv, keyOff: KV_LENGTHS_SIZE, keyLen, valueBuf: kv, valueOff: KV_LENGTHS_SIZE + keyLen, valueLen: kv.length - KV_LENGTHS_SIZE - keyLen };
}

function fromView(v: CellView): Cell {
  const k = decodeKey(v.keyBuf, v.keyOff, v.keyLen);
  return { row: k.row, family: k.family, qualifier: k.qualifier, timestamp: k.timestamp, type: k.type as CellType, value: v.valueBuf.subarray(v.valueOff, v.valueOff + v.valueLen) };
}

function toResultCell(c: Cell): ResultCell {
  return { row: c.row, family: c.family, qualifier: c.qualifier, timestamp: c.timestamp, type: c.type, value: c.value };
}
