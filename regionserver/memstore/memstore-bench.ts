// Microbenchmark of the MemStore hot paths, run by hand (not a test):
//
//   npx tsc -p . && node dist/regionserver/memstore/memstore-bench.js [--quick] [--cells N]
//
// YCSB-shaped cells: row `user<19 digits>`, family `f`, qualifiers field0..field9, 100-byte
// values, pre-encoded as KeyValues (as they arrive from the WAL/RPC). Measures process CPU time
// over several rounds (median and min–max):
//   - insert (random order and key order) into an empty MemStore: cells/s;
//   - a full scan at a read point: cells/s;
//   - a seek to a random row's first cell: ns/op;
// and, as references in the same rounds, sorting the same cells with Array#sort and walking a
// plain array of them (lower bounds for "build a sorted set" and "iterate").
//   - insert by rows: rows in random order, each row's cells in key order (how puts of whole
//     rows arrive: YCSB's load), one add per cell;
//   - insert decoded rows: the same rows as decoded cells (as a region gets them), one
//     addCell per cell, and one addRow per row (what a region's write path does: one search
//     of the sorted set per row);
// Last line: RESULT bench=memstore insert_random_per_s=… insert_rows_per_s=… insert_cells_per_s=… insert_row_runs_per_s=… insert_seq_per_s=… scan_per_s=… seek_ns=…

import { firstOnRowKey } from '../../common/cells/encoded-key.js';
import { encodeKeyValue, putCell, readKeyValue } from '../../common/cells/keyvalue.js';
import { SeededRandom } from '../../common/random.js';
import { fmt, median, summary } from '../../bench/stats.js';
import { compareMemCells } from './mem-cell.js';
import type { MemCell } from './mem-cell.js';
import { MemStore } from './memstore.js';

/** CPU time (user + system) of the process in ms: on a shared, saturated machine wall time
 * mostly measures waiting for a core. */
function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const cellsArg = args.indexOf('--cells');
const N = cellsArg >= 0 ? Number(args[cellsArg + 1]) : quick ? 200_000 : 1_000_000;
const ROUNDS = quick ? 3 : 5;

const rnd = new SeededRandom(42);
const rows = Math.ceil(N / 10);
const kvs: Buffer[] = [];
const rowKeys: Buffer[] = [];
for (let r = 0; r < rows; r++) {
  const row = `user${String(rnd.int(1e9)).padStart(9, '0')}${String(rnd.int(1e9)).padStart(10, '0')}`;
  rowKeys.push(Buffer.from(row));
  for (let q = 0; q < 10 && kvs.length < N; q++) kvs.push(encodeKeyValue(putCell(row, 'f', `field${q}`, 1_700_000_000_000n, rnd.bytes(100))));
}
const shuffled = [...kvs];
for (let i = shuffled.length - 1; i > 0; i--) {
  const j = rnd.int(i + 1);
  [shuffled[i], shuffled[j]] = [shuffled[j]!, shuffled[i]!];
}

// Rows in random order, the cells of each row together and in key order.
const rowOrder = Array.from({ length: Math.ceil(kvs.length / 10) }, (_, i) => i);
for (let i = rowOrder.length - 1; i > 0; i--) {
  const j = rnd.int(i + 1);
  [rowOrder[i], rowOrder[j]] = [rowOrder[j]!, rowOrder[i]!];
}
const byRows = rowOrder.flatMap((r) => kvs.slice(10 * r, 10 * r + 10));

function insertAll(order: readonly Buffer[]): { ms: MemStore; perSec: number } {
  const ms = new MemStore();
  const t0 = cpuMs();
  let seq = 1;
  for (const kv of order) ms.add(kv, 0, kv.length, seq++);
  const ms_ = cpuMs() - t0;
  return { ms, perSec: (order.length / ms_) * 1000 };
}

// Decoded cells of one row share its row Buffer, as a decoded Put's cells do.
const rowCells = rowOrder.map((r) => {
  const cells = kvs.slice(10 * r, 10 * r + 10).map((kv) => readKeyValue(kv, 0).cell);
  return cells.map((c) => ({ ...c, row: cells[0]!.row }));
});

/** Decoded cells of rows in random order: one addCell per cell, or one addRow per row. */
function insertDecoded(byRow: boolean): number {
  const ms = new MemStore();
  const t0 = cpuMs();
  let seq = 1;
  for (const cells of rowCells) {
    if (byRow) ms.addRow(cells, 0, cells.length, seq++);
    else for (const c of cells) ms.addCell(c, seq++);
  }
  const ms_ = cpuMs() - t0;
  if (ms.activeSize().cellCount !== N) throw new Error('row runs lost cells');
  return (N / ms_) * 1000;
}

function scanAll(ms: MemStore): number {
  const t0 = cpuMs();
  const s = ms.scanner(Number.MAX_SAFE_INTEGER - 1);
  s.seekToFirst();
  let n = 0;
  let bytes = 0;
  for (let c = s.next(); c !== undefined; c = s.next()) {
    n++;
    bytes += c.valueLen;
  }
  const dt = cpuMs() - t0;
  if (n !== N || bytes !== N * 100) throw new Error(`scan saw ${n} cells`);
  return (n / dt) * 1000;
}

function seeks(ms: MemStore, count: number): number {
  const keys = Array.from({ length: 1024 }, () => firstOnRowKey(rowKeys[rnd.int(rowKeys.length)]!));
  const s = ms.scanner(Number.MAX_SAFE_INTEGER - 1);
  const t0 = cpuMs();
  let found = 0;
  for (let i = 0; i < count; i++) if (s.seek(keys[i & 1023]!) !== undefined) found++;
  const dt = cpuMs() - t0;
  if (found !== count) throw new Error('seek missed');
  return (dt * 1e6) / count;
}

function referenceSort(ms: MemStore): { sortPerSec: number; walkPerSec: number } {
  const cells: MemCell[] = [];
  const s = ms.scanner(Infinity);
  s.seekToFirst();
  for (let c = s.next(); c !== undefined; c = s.next()) cells.push(c);
  for (let i = cells.length - 1; i > 0; i--) {
    const j = rnd.int(i + 1);
    [cells[i], cells[j]] = [cells[j]!, cells[i]!];
  }
  let t0 = cpuMs();
  cells.sort(compareMemCells);
  const sortPerSec = (cells.length / (cpuMs() - t0)) * 1000;
  t0 = cpuMs();
  let bytes = 0;
  for (let i = 0; i < cells.length; i++) bytes += cells[i]!.valueLen;
  const walkPerSec = (cells.length / (cpuMs() - t0)) * 1000;
  if (bytes !== N * 100) throw new Error('walk');
  return { sortPerSec, walkPerSec };
}

const r = { insRows: [] as number[], insCells: [] as number[], insRuns: [] as number[], insRand: [] as number[], insSeq: [] as number[], scan: [] as number[], seek: [] as number[], sort: [] as number[], walk: [] as number[], heapMiB: [] as number[] };
for (let round = 0; round < ROUNDS; round++) {
  const rand = insertAll(shuffled);
  r.insRand.push(rand.perSec);
  r.heapMiB.push(rand.ms.heapSize / 2 ** 20);
  r.scan.push(scanAll(rand.ms));
  r.seek.push(seeks(rand.ms, quick ? 100_000 : 300_000));
  const ref = referenceSort(rand.ms);
  r.sort.push(ref.sortPerSec);
  r.walk.push(ref.walkPerSec);
  r.insSeq.push(insertAll(kvs).perSec);
  r.insRows.push(insertAll(byRows).perSec);
  r.insCells.push(insertDecoded(false));
  r.insRuns.push(insertDecoded(true));
}
const k = (v: number[]): string => summary(v.map((x) => x / 1000), 0) + ' k/s';
console.log(`cells=${N} rounds=${ROUNDS} heapSize=${fmt(median(r.heapMiB), 1)} MiB`);
console.log(`insert, random order   ${k(r.insRand)}`);
console.log(`insert, key order      ${k(r.insSeq)}`);
console.log(`insert, by rows        ${k(r.insRows)}`);
console.log(`insert decoded rows: addCell per cell ${k(r.insCells)}, addRow per row ${k(r.insRuns)}`);
console.log(`full scan              ${k(r.scan)}`);
console.log(`seek to a row          ${summary(r.seek, 0)} ns/op`);
console.log(`reference: Array#sort  ${k(r.sort)}   plain array walk ${k(r.walk)}`);
console.log(
  `RESULT bench=memstore insert_random_per_s=${fmt(median(r.insRand), 0)} insert_rows_per_s=${fmt(median(r.insRows), 0)} insert_cells_per_s=${fmt(median(r.insCells), 0)} insert_row_runs_per_s=${fmt(median(r.insRuns), 0)} insert_seq_per_s=${fmt(median(r.insSeq), 0)} scan_per_s=${fmt(median(r.scan), 0)} seek_ns=${fmt(median(r.seek), 0)} sort_ref_per_s=${fmt(median(r.sort), 0)}`,
);
