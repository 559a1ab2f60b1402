// Microbenchmark of the read path alone (no Region, no RPC), run by hand (not a test):
//
//   npx tsc -p . && node dist/regionserver/scan/scan-bench.js [--quick] [--rows N] [--cells-per-row K]
//
// Rows `user<19 digits>` with K cells of 100-byte values (default K=1, as bench/engine-bench.ts;
// K=10 is YCSB's record), in a MemStore, or in one HFile (64 KiB blocks, ROW bloom) with every
// block in an LruBlockCache. Measures process CPU time per round, rounds alternating with
// classic-level (LevelDB) holding the same cells (one key per cell, cache warm):
//   - point gets: regionGet (must stay synchronous) vs db.getSync of the row's K keys;
//   - full scans: RegionScanner.nextRow into a reused RowBuffer vs iterator().nextv(1000);
//     and, for information, a reversed scan of the file.
// Last line: RESULT bench=scan get_mem_ns=… get_file_ns=… get_leveldb_ns=… scan_file_ns_per_row=… scan_mem_ns_per_row=… scan_leveldb_ns_per_row=… scan_reversed_ns_per_row=…

import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { ClassicLevel } from 'classic-level';
import type { Cell } from '../../common/cells/keyvalue.js';
import { putCell } from '../../common/cells/keyvalue.js';
import { SeededRandom } from '../../common/random.js';
import { median, summary } from '../../bench/stats.js';
import { LruBlockCache } from '../blockcache/lru-block-cache.js';
import { HFileReader } from '../hfile/hfile-reader.js';
import { BufferSource } from '../hfile/hfile-source.js';
import { HFileWriter } from '../hfile/hfile-writer.js';
import { MemStore } from '../memstore/memstore.js';
import { END, FOUND, RegionScanner, regionGet } from './region-scanner.js';
import { RowBuffer } from './row-buffer.js';
import type { RegionReadContext, StoreReadView } from './store-read-view.js';
import { DEFAULT_FAMILY_READ_OPTIONS } from './store-read-view.js';

function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const flag = (name: string, dflt: number): number => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};
const ROWS = flag('--rows', quick ? 50_000 : 300_000);
const K = flag('--cells-per-row', 1);
const ROUNDS = quick ? 3 : 5;
const GETS = quick ? 30_000 : 100_000;

const rnd = new SeededRandom(7);
const rows: Buffer[] = [];
for (let i = 0; i < ROWS; i++) rows.push(Buffer.from(`user${String(rnd.int(1e9)).padStart(9, '0')}${String(rnd.int(1e10)).padStart(10, '0')}`));
rows.sort(Buffer.compare);
const family = Buffer.from('f');
const quals = Array.from({ length: K }, (_, q) => Buffer.from(K === 1 ? 'q' : `field${q}`));
const cellOf = (r: number, q: number): Cell => putCell(rows[r]!, family, quals[q]!, 1_700_000_000_000n, rnd.bytes(100));

const memstore = new MemStore();
const writer = new HFileWriter({ blockSize: 64 * 1024, bloomType: 'ROW' });
const parts: Buffer[] = [];
const level = new ClassicLevel<Buffer, Buffer>(join(process.cwd(), '.bench-tmp', `scan-${process.pid}`), { keyEncoding: 'buffer', valueEncoding: 'buffer', compression: false, cacheSize: 512 * 1024 * 1024 });
const levelKeys: Buffer[][] = [];
const emptyFile: StoreReadView['files'] = [];
const fileMem = new MemStore();

async function setup(): Promise<RegionReadContext[]> {
  mkdirSync(join(process.cwd(), '.bench-tmp'), { recursive: true });
  await level.open();
  let seq = 1;
  let batch: Array<{ type: 'put'; key: Buffer; value: Buffer }> = [];
  for (let r = 0; r < ROWS; r++) {
    const keys: Buffer[] = [];
    for (let q = 0; q < K; q++) {
      const c = cellOf(r, q);
      memstore.addCell(c, seq++);
      writer.append(c);
      for (const b of writer.takeOutput()) parts.push(b);
      const key = Buffer.concat([c.row, Buffer.from('/'), c.qualifier]);
      keys.push(key);
      batch.push({ type: 'put', key, value: c.value });
    }
    levelKeys.push(keys);
    if (batch.length >= 1000) {
      await level.batch(batch);
      batch = [];
    }
  }
  if (batch.length > 0) await level.batch(batch);
  for (const b of writer.finish()) parts.push(b);
  const cache = new LruBlockCache({ capacityBytes: 1024 * 1024 * 1024 });
  const reader = await HFileReader.open(new BufferSource(Buffer.concat(parts), 'bench-hfile'), { cache });
  const opts = { ...DEFAULT_FAMILY_READ_OPTIONS };
  const memCtx: RegionReadContext = { stores: [{ family, options: opts, memstore, files: emptyFile }], readPoint: Number.MAX_SAFE_INTEGER, nowMs: Date.now() };
  const fileCtx: RegionReadContext = { stores: [{ family, options: opts, memstore: fileMem, files: [reader] }], readPoint: Number.MAX_SAFE_INTEGER, nowMs: Date.now() };
  // Warm: one full scan caches every block; LevelDB: read everything once with fillCache.
  await scanRound(fileCtx);
  for await (const _ of level.iterator({ fillCache: true })) void _;
  return [memCtx, fileCtx];
}

function getRound(ctx: RegionReadContext, idx: Uint32Array): number {
  const t0 = cpuMs();
  for (let i = 0; i < idx.length; i++) {
    const r = regionGet(ctx, { row: rows[idx[i]!]! });
    if (r instanceof Promise) throw new Error('a cached get went async');
    if (r.cells.length !== K) throw new Error(`bad get result ${r.cells.length}`);
  }
  return ((cpuMs() - t0) * 1e6) / idx.length;
}

function levelGetRound(idx: Uint32Array): number {
  const t0 = cpuMs();
  for (let i = 0; i < idx.length; i++) {
    for (const k of levelKeys[idx[i]!]!) if (level.getSync(k)?.length !== 100) throw new Error('bad leveldb get');
  }
  return ((cpuMs() - t0) * 1e6) / idx.length;
}

async function scanRound(ctx: RegionReadContext, reversed = false): Promise<number> {
  const t0 = cpuMs();
  const sc = RegionScanner.open(ctx, { reversed });
  const out = new RowBuffer();
  let n = 0;
  for (;;) {
    const st = sc.nextRow(out);
    if (st === END) break;
    if (st !== FOUND && !(await sc.nextRowAsync(out))) break;
    n++;
  }
  if (n !== ROWS) throw new Error(`scan saw ${n} rows`);
  return ((cpuMs() - t0) * 1e6) / ROWS;
}

async function levelScanRound(): Promise<number> {
  const t0 = cpuMs();
  const it = level.iterator({ highWaterMarkBytes: 4 * 1024 * 1024 });
  let n = 0;
  for (;;) {
    const e = await it.nextv(1000);
    if (e.length === 0) break;
    n += e.length;
  }
  await it.close();
  if (n !== ROWS * K) throw new Error(`leveldb scan saw ${n}`);
  return ((cpuMs() - t0) * 1e6) / ROWS;
}

const [memCtx, fileCtx] = await setup();
const idx = new Uint32Array(GETS);
for (let i = 0; i < GETS; i++) idx[i] = rnd.int(ROWS);
const res = { gm: [] as number[], gf: [] as number[], gl: [] as number[], sf: [] as number[], sm: [] as number[], sl: [] as number[], sr: [] as number[] };
for (let round = 0; round < ROUNDS; round++) {
  res.gm.push(getRound(memCtx!, idx));
  res.gl.push(levelGetRound(idx));
  res.gf.push(getRound(fileCtx!, idx));
  res.sf.push(await scanRound(fileCtx!));
  res.sl.push(await levelScanRound());
  res.sm.push(await scanRound(memCtx!));
  res.sr.push(await scanRound(fileCtx!, true));
}
console.log(`# scan bench: rows=${ROWS} cells/row=${K} rounds=${ROUNDS} gets/round=${GETS} node=${process.version} (CPU ns per op, median (min–max))`);
console.log(`get  memstore          ${summary(res.gm, 0)} ns`);
console.log(`get  hfile (cached)    ${summary(res.gf, 0)} ns`);
console.log(`get  leveldb getSync   ${summary(res.gl, 0)} ns  (${K} key(s) per row)`);
console.log(`scan hfile (cached)    ${summary(res.sf, 0)} ns/row`);
console.log(`scan memstore          ${summary(res.sm, 0)} ns/row`);
console.log(`scan leveldb nextv     ${summary(res.sl, 0)} ns/row`);
console.log(`scan hfile reversed   ${summary(res.sr, 0)} ns/row  (information)`);
console.log(`RESULT bench=scan get_mem_ns=${median(res.gm).toFixed(0)} get_file_ns=${median(res.gf).toFixed(0)} get_leveldb_ns=${median(res.gl).toFixed(0)} scan_file_ns_per_row=${median(res.sf).toFixed(0)} scan_mem_ns_per_row=${median(res.sm).toFixed(0)} scan_leveldb_ns_per_row=${median(res.sl).toFixed(0)} scan_reversed_ns_per_row=${median(res.sr).toFixed(0)}`);
await level.close();
rmSync(join(process.cwd(), '.bench-tmp', `scan-${process.pid}`), { recursive: true, force: true });
