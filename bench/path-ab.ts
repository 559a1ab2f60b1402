// A/B of the engine's hot paths between two builds, in ONE process (a developer tool, not a
// goal benchmark): the same operations on the same data, alternating rounds, CPU time of the
// process — robust to this machine's speed drifting between runs, which wall-clock
// comparisons of separate runs are not.
//
//   npx tsc -p . && node --expose-gc dist/bench/path-ab.js --base <other build's dist dir> [--rounds N] [--rows N] [--gets N] [--only path,…]
//
// Build the baseline into its own directory first, e.g.
//   git worktree add /tmp/base <rev> && (cd /tmp/base && ln -s $PWD/node_modules . && npx tsc -p . --outDir /work/abdist/base)
// (the baseline's dist must resolve node_modules: put it under a directory that has them).
//
// Paths measured, each printed as `<path> base <ops/s> new <ops/s> ratio <new/base> per-round …`:
//   get-memstore / get-hfile    the RPC GET handler's path (Region.getWith + the row encoder)
//                               on YCSB-shaped rows (10 columns × 100 bytes)
//   region-get                  Region.get (a Result), one-column rows, data in an HFile
//                               (--files N: in N HFiles)
//   batch-put                   Region.batchMutate, 100 one-column rows per call
//   batch-put-rows              Region.batchMutate, 100 YCSB-shaped rows per call (the load phase)

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Dataset } from './engine/dataset.js';
import { median } from './stats.js';

const args = process.argv.slice(2);
const flag = (name: string, dflt: number): number => {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] !== undefined ? Number(args[i + 1]) : dflt;
};
const baseArg = args.includes('--base') ? args[args.indexOf('--base') + 1] : undefined;
if (baseArg === undefined) {
  console.error('usage: node --expose-gc dist/bench/path-ab.js --base <dist dir of the other build>');
  process.exit(2);
}
const BASE = resolve(baseArg);
const NEW = resolve(new URL('..', import.meta.url).pathname);
const ROUNDS = flag('--rounds', 8);
const ROWS = flag('--rows', 30_000);
const GETS = flag('--gets', 20_000);
const FILES = flag('--files', 1);
const gc = (globalThis as { gc?: () => void }).gc ?? ((): void => {});

type Side = (idx: Uint32Array) => Promise<number>;
interface RegionLike {
  batchMutate(ms: unknown[]): Promise<unknown>;
  flush(): Promise<unknown>;
  get(g: unknown): Promise<{ cells: unknown[] }>;
  getWith(g: unknown, use: (out: unknown) => unknown): unknown;
}

const ds = new Dataset(ROWS, 7);
const FAMILY = Buffer.from('f');
const QUALIFIERS = Array.from({ length: 10 }, (_, i) => Buffer.from(`field${i}`));

async function openRegionOf(dist: string): Promise<{ region: RegionLike; close(): Promise<void>; dir: string }> {
  const T = (await import(join(dist, 'bench/engine/tsbase-side.js'))) as { openBenchRegion(o: unknown): Promise<{ region: RegionLike; close(): Promise<void> }> };
  const { FsObjectStore } = (await import(join(dist, 'common/objectstore/fs-store.js'))) as { FsObjectStore: { open(dir: string): Promise<unknown> } };
  const dir = mkdtempSync(join(tmpdir(), 'path-ab-'));
  const r = await T.openBenchRegion({ objectStore: await FsObjectStore.open(join(dir, 'store')), walPath: join(dir, 'wal.log'), walSync: false, cacheBytes: 1 << 30, regionId: 1 });
  return { ...r, dir };
}

async function load(region: RegionLike, columns: readonly Buffer[], from = 0, to = ROWS): Promise<void> {
  for (let i = from; i < to; i += 100) {
    const ms = [];
    for (let j = i; j < Math.min(i + 100, to); j++) ms.push({ kind: 'put', row: ds.keys[j], columns: columns.map((q) => ({ family: FAMILY, qualifier: q, value: ds.value(j) })) });
    await region.batchMutate(ms);
  }
}

async function getPathSide(dist: string, flush: boolean): Promise<Side> {
  const { region } = await openRegionOf(dist);
  const { RowResultEncoder } = (await import(join(dist, 'regionserver/server/row-result-encoder.js'))) as { RowResultEncoder: new () => { encode(out: unknown): unknown } };
  await load(region, QUALIFIERS);
  if (flush) await region.flush();
  const enc = new RowResultEncoder();
  const use = (out: unknown): unknown => enc.encode(out);
  const columns = [{ family: FAMILY }];
  return async (idx) => {
    for (let i = 0; i < idx.length; i++) {
      let r = region.getWith({ row: ds.keys[idx[i]!]!, columns }, use);
      if (r instanceof Promise) r = await r;
      if (r === undefined) throw new Error('row not found');
    }
    return idx.length;
  };
}

async function regionGetSide(dist: string): Promise<Side> {
  const { region } = await openRegionOf(dist);
  // --files N: the rows spread over N files (one flush per N-th of them), as the engine
  // benchmark's full run leaves them (2 files).
  for (let f = 0; f < FILES; f++) {
    await load(region, [Buffer.from('q')], Math.floor((f * ROWS) / FILES), Math.floor(((f + 1) * ROWS) / FILES));
    await region.flush();
  }
  return async (idx) => {
    for (let i = 0; i < idx.length; i++) if ((await region.get({ row: ds.keys[idx[i]!]! })).cells.length !== 1) throw new Error('row not found');
    return idx.length;
  };
}

function putSide(dist: string, columns: readonly Buffer[]): Side {
  return async () => {
    const r = await openRegionOf(dist);
    await load(r.region, columns);
    await r.close();
    rmSync(r.dir, { recursive: true, force: true });
    return ROWS;
  };
}

async function ab(name: string, base: Side, next: Side): Promise<void> {
  await base(ds.randomIndices(Math.min(GETS, 2000), 1)); // warm up both
  await next(ds.randomIndices(Math.min(GETS, 2000), 1));
  const a: number[] = [];
  const b: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const idx = ds.randomIndices(GETS, 100 + r);
    const order: Array<[Side, number[]]> = r % 2 === 0 ? [[next, b], [base, a]] : [[base, a], [next, b]];
    for (const [side, out] of order) {
      gc();
      const c0 = process.cpuUsage();
      const ops = await side(idx);
      const c = process.cpuUsage(c0);
      out.push((ops / (c.user + c.system)) * 1e6);
    }
  }
  const ratios = a.map((x, i) => (b[i]! / x).toFixed(2)).join(' ');
  console.log(`${name.padEnd(13)} base ${median(a).toFixed(0)} new ${median(b).toFixed(0)} ratio ${(median(b) / median(a)).toFixed(3)} per-round ${ratios}`);
}

console.log(`# path-ab: base ${BASE} new ${NEW} rows=${ROWS} gets=${GETS} rounds=${ROUNDS} files=${FILES}`);
const only = args.includes('--only') ? new Set((args[args.indexOf('--only') + 1] ?? '').split(',')) : undefined;
const want = (name: string): boolean => only === undefined || only.has(name);
if (want('get-memstore')) await ab('get-memstore', await getPathSide(BASE, false), await getPathSide(NEW, false));
if (want('get-hfile')) await ab('get-hfile', await getPathSide(BASE, true), await getPathSide(NEW, true));
if (want('region-get')) await ab('region-get', await regionGetSide(BASE), await regionGetSide(NEW));
const one = [Buffer.from('q')];
if (want('batch-put')) await ab('batch-put', putSide(BASE, one), putSide(NEW, one));
if (want('batch-put-rows')) await ab('batch-put-rows', putSide(BASE, QUALIFIERS), putSide(NEW, QUALIFIERS));
process.exit(0);
