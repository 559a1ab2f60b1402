// npm run bench:engine [-- --quick] [--keys hash|seq] [--rows N] [--rounds N] [--gets N] [--cold-gets N] [--only put,get,scan,sync,cold]
//
// The storage-engine benchmark of issue 3: tsbase's region engine (regionserver/region/ Region,
// through its public operations) beside classic-level (LevelDB, native) in the same process,
// same data (24-byte keys, 100-byte values, seeded random insert order), alternating rounds
// (tsbase, LevelDB, tsbase, …), medians compared and min–max printed:
//  put   rows/s of batched puts, 100 rows per call, one call at a time: Region.batchMutate vs
//        a LevelDB chained batch (its faster batch API). Same durability: LevelDB's default writes its log without sync, so the
//        region's WAL is a WalWriter over UnsyncedFileWalBackend (bench/engine/, write(2) without
//        fsync). HFiles go to a filesystem ObjectStore on the same disk as LevelDB.
//  get   random point gets/s with both caches warm, one at a time: Region.get (the region's
//        normal read path) after a flush (data in HFiles, block cache warmed by a scan) vs
//        db.getSync (LevelDB block cache warmed by a fillCache pass). Also measured before the
//        flush, with the rows in the MemStore (information).
//  scan  full-scan rows/s: Region.getScanner + nextRow vs LevelDB's iterator (nextv or
//        for-await, whichever is faster here).
//  sync  (information) durable puts: LocalWalBackend (one O_DSYNC write per group commit) vs
//        db.batch({ sync: true }).
//  cold  point gets with an empty block cache from S3 (radosgw of testing/test-services.ts,
//        or the one named by TSB_TEST_S3_*): p50 latency and object-store requests per get.
//        LevelDB has no equivalent: an absolute figure.
// Last line: RESULT bench=engine put_ratio=… get_ratio=… scan_ratio=… cold_get_p50_ms=…
// (ratios = tsbase / LevelDB; above 1 means tsbase is faster).

import { mkdirSync, rmSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { listAllKeys } from '../common/objectstore/object-store.js';
import { SeededRandom } from '../common/random.js';
import { FsObjectStore } from '../common/objectstore/fs-store.js';
import { S3ObjectStore } from '../common/objectstore/s3-store.js';
import { benchS3 } from './bench-s3.js';
import { CountingObjectStore } from './engine/counting-store.js';
import { Dataset } from './engine/dataset.js';
import type { KeyStyle } from './engine/dataset.js';
import type { Level } from './engine/leveldb-side.js';
import { levelGets, levelPut, levelScanForAwait, levelScanNextv, openLevel } from './engine/leveldb-side.js';
import type { BenchRegion } from './engine/tsbase-side.js';
import { openBenchRegion, tsbaseGets, tsbasePut, tsbaseScan } from './engine/tsbase-side.js';
import { alternate, fmt, median, percentile, summary } from './stats.js';
import { formatSteal, startStealMeter } from './steal-meter.js';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const flag = (name: string, dflt: number): number => {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] !== undefined ? Number(args[i + 1]) : dflt;
};
const onlyArg = args.includes('--only') ? (args[args.indexOf('--only') + 1] ?? '') : 'put,get,scan,sync,cold';
const only = new Set(onlyArg.split(','));
const ROWS = flag('--rows', quick ? 100_000 : 1_000_000);
const ROUNDS = flag('--rounds', quick ? 3 : 5);
const GETS = flag('--gets', quick ? 20_000 : 200_000);
const COLD_GETS = flag('--cold-gets', quick ? 50 : 300);
const COLD_ROWS = flag('--cold-rows', quick ? 50_000 : 1_000_000);
const SYNC_ROWS = flag('--sync-rows', quick ? 3_000 : 20_000);
const BATCH = 100;
const CACHE_BYTES = 1024 * 1024 * 1024;
const SEED = 20240303;
const KEYS: KeyStyle = args.includes('--keys') && args[args.indexOf('--keys') + 1] === 'seq' ? 'seq' : 'hash';
const tmpRoot = join(process.cwd(), '.bench-tmp', `engine-${process.pid}`);

const gc = (globalThis as { gc?: () => void }).gc;
/** Collects garbage between rounds when node runs with --expose-gc, so one side's garbage is not the other's pause. */
function collect(): void {
  gc?.();
}

const seconds = (t0: number): number => (performance.now() - t0) / 1000;
let dirSeq = 0;
const freshDir = (name: string): string => join(tmpRoot, `${name}-${dirSeq++}`);
const line = (label: string, text: string): void => console.log(`${label.padEnd(30)} ${text}`);

interface Loaded {
  tsbase: BenchRegion;
  level: Level;
}

// ---- put ----------------------------------------------------------------------------------

/** Alternating load rounds into fresh stores; keeps the last round's region and db. */
async function putPhase(ds: Dataset): Promise<{ ratio: number; loaded: Loaded }> {
  let keptT: BenchRegion | undefined;
  let keptL: Level | undefined;
  let tr = 0;
  let lr = 0;
  const r = await alternate(
    ROUNDS,
    async () => {
      const last = ++tr === ROUNDS;
      collect();
      const dir = freshDir('tsbase');
      const br = await openBenchRegion({ objectStore: await FsObjectStore.open(join(dir, 'store')), walPath: join(dir, 'wal.log'), walSync: false, cacheBytes: CACHE_BYTES, regionId: 1 });
      const t0 = performance.now();
      await tsbasePut(br.region, ds, 0, ds.rows, BATCH);
      const rate = ds.rows / seconds(t0);
      if (last) keptT = br;
      else {
        await br.close();
        rmSync(dir, { recursive: true, force: true });
      }
      return rate;
    },
    async () => {
      const last = ++lr === ROUNDS;
      collect();
      const dir = freshDir('level');
      const db = await openLevel(dir, CACHE_BYTES);
      const t0 = performance.now();
      await levelPut(db, ds, 0, ds.rows, BATCH, false);
      const rate = ds.rows / seconds(t0);
      if (last) keptL = db;
      else {
        await db.close();
        rmSync(dir, { recursive: true, force: true });
      }
      return rate;
    },
  );
  const ratio = median(r.a) / median(r.b);
  line('put rows/s tsbase', summary(r.a, 0));
  line('put rows/s leveldb', summary(r.b, 0));
  line('put_ratio', `${fmt(ratio, 3)}  (WAL and LevelDB log both written without sync)`);
  return { ratio, loaded: { tsbase: keptT!, level: keptL! } };
}

/** Loads a fresh region and db without timing (when the put phase is skipped). */
async function loadOnly(ds: Dataset): Promise<Loaded> {
  const dir = freshDir('tsbase');
  const tsbase = await openBenchRegion({ objectStore: await FsObjectStore.open(join(dir, 'store')), walPath: join(dir, 'wal.log'), walSync: false, cacheBytes: CACHE_BYTES, regionId: 1 });
  await tsbasePut(tsbase.region, ds, 0, ds.rows, BATCH);
  const level = await openLevel(freshDir('level'), CACHE_BYTES);
  await levelPut(level, ds, 0, ds.rows, BATCH, false);
  return { tsbase, level };
}

// ---- get ----------------------------------------------------------------------------------

/** Gets/s of each side, alternating; `sides` run in the order given each round. */
async function getRounds(ds: Dataset, gets: number, sides: ReadonlyArray<(idx: Uint32Array) => Promise<void> | void>, seedBase: number): Promise<number[][]> {
  const out = sides.map(() => [] as number[]);
  for (let r = 0; r < ROUNDS; r++) {
    const idx = ds.randomIndices(gets, seedBase + r);
    for (let s = 0; s < sides.length; s++) {
      collect();
      const t0 = performance.now();
      await sides[s]!(idx);
      out[s]!.push(gets / seconds(t0));
    }
  }
  return out;
}

async function getPhase(ds: Dataset, l: Loaded): Promise<number> {
  const region = l.tsbase.region;
  const store = region.storesList[0]!;
  // LevelDB's block cache: one pass that fills it. tsbase: a scan caches any flushed blocks.
  await levelScanNextv(l.level, 1000, true);
  await tsbaseScan(region);
  const warm = ds.randomIndices(Math.min(GETS, 20_000), 1);
  await tsbaseGets(region, ds, warm);
  levelGets(l.level, ds, warm);

  const memCells = store.memstore.activeSize().cellCount;
  const [tm, lm] = await getRounds(ds, Math.ceil(GETS / 2), [(i) => tsbaseGets(region, ds, i), (i) => levelGets(l.level, ds, i)], 100);
  line('get/s memstore tsbase', `${summary(tm!, 0)}  (${memCells} of ${ds.rows} rows in the MemStore, ${store.files.length} files)`);
  line('get/s leveldb', summary(lm!, 0));
  line('get ratio (memstore)', fmt(median(tm!) / median(lm!), 3));

  const t0 = performance.now();
  await region.flush();
  line('flush', `${fmt(seconds(t0), 2)} s  (${store.files.length} files now)`);
  const w0 = performance.now();
  const warmed = await tsbaseScan(region);
  line('block cache warm-up scan', `${fmt(seconds(w0), 2)} s, ${warmed.rows} rows, cache ${fmt(l.tsbase.cache.stats().size / 1048576, 1)} MiB`);
  await tsbaseGets(region, ds, warm);
  levelGets(l.level, ds, warm);

  const [tg, lg] = await getRounds(ds, GETS, [(i) => tsbaseGets(region, ds, i), (i) => levelGets(l.level, ds, i)], 200);
  const ratio = median(tg!) / median(lg!);
  line('get/s cached tsbase', `${summary(tg!, 0)}  (Region.get, data in HFiles, block cache warm)`);
  line('get/s cached leveldb', `${summary(lg!, 0)}  (getSync, cache warm)`);
  line('get_ratio', fmt(ratio, 3));
  const cs = l.tsbase.cache.stats();
  line('block cache', `hits ${cs.hits} misses ${cs.misses} size ${fmt(cs.size / 1048576, 1)} MiB`);
  return ratio;
}

// ---- scan ---------------------------------------------------------------------------------

async function scanPhase(ds: Dataset, l: Loaded): Promise<number> {
  const region = l.tsbase.region;
  // The faster LevelDB iteration style on this machine is the baseline.
  const t1 = performance.now();
  await levelScanNextv(l.level);
  const nextvS = seconds(t1);
  const t2 = performance.now();
  await levelScanForAwait(l.level);
  const forAwaitS = seconds(t2);
  const useNextv = nextvS <= forAwaitS;
  const levelScan = useNextv ? () => levelScanNextv(l.level) : () => levelScanForAwait(l.level);
  const check = (side: string, r: { rows: number }): void => {
    if (r.rows !== ds.rows) throw new Error(`${side} scan saw ${r.rows} rows, expected ${ds.rows}`);
  };
  const r = await alternate(
    ROUNDS,
    async () => {
      collect();
      const t0 = performance.now();
      const s = await tsbaseScan(region);
      const rate = s.rows / seconds(t0);
      check('tsbase', s);
      return rate;
    },
    async () => {
      collect();
      const t0 = performance.now();
      const s = await levelScan();
      const rate = s.rows / seconds(t0);
      check('leveldb', s);
      return rate;
    },
  );
  const ratio = median(r.a) / median(r.b);
  line('scan rows/s tsbase', `${summary(r.a, 0)}  (Region.getScanner, nextRow into a reused RowBuffer)`);
  line('scan rows/s leveldb', `${summary(r.b, 0)}  (iterator ${useNextv ? 'nextv(1000)' : 'for await'}; trial nextv ${fmt(nextvS, 2)} s, for-await ${fmt(forAwaitS, 2)} s)`);
  line('scan_ratio', fmt(ratio, 3));
  return ratio;
}

// ---- durable puts (information) -----------------------------------------------------------

async function syncPhase(ds: Dataset): Promise<void> {
  const rows = Math.min(SYNC_ROWS, ds.rows);
  const r = await alternate(
    ROUNDS,
    async () => {
      const dir = freshDir('tsbase-sync');
      const br = await openBenchRegion({ objectStore: await FsObjectStore.open(join(dir, 'store')), walPath: join(dir, 'wal'), walSync: true, cacheBytes: CACHE_BYTES, regionId: 1 });
      const t0 = performance.now();
      await tsbasePut(br.region, ds, 0, rows, BATCH);
      const rate = rows / seconds(t0);
      await br.close();
      rmSync(dir, { recursive: true, force: true });
      return rate;
    },
    async () => {
      const dir = freshDir('level-sync');
      const db = await openLevel(dir, CACHE_BYTES);
      const t0 = performance.now();
      await levelPut(db, ds, 0, rows, BATCH, true);
      const rate = rows / seconds(t0);
      await db.close();
      rmSync(dir, { recursive: true, force: true });
      return rate;
    },
  );
  line('durable put rows/s tsbase', `${summary(r.a, 0)}  (LocalWalBackend, one O_DSYNC write per group commit)`);
  line('durable put rows/s leveldb', `${summary(r.b, 0)}  (batch({ sync: true }))`);
  line('durable put ratio', `${fmt(median(r.a) / median(r.b), 3)}  (information; ${rows} rows per round)`);
}

// ---- cold gets from S3 --------------------------------------------------------------------

async function coldPhase(full: Dataset): Promise<number> {
  const ds = COLD_ROWS === full.rows ? full : new Dataset(COLD_ROWS, SEED + 1, KEYS);
  const { s3, stop: stopS3 } = await benchS3();
  const s3store = new S3ObjectStore({ ...s3, prefix: `bench/engine-${Date.now()}-${process.pid}/` });
  const store = new CountingObjectStore(s3store);
  try {
    const open = () => openBenchRegion({ objectStore: store, walPath: freshDir('cold-wal'), walSync: false, cacheBytes: CACHE_BYTES, regionId: 7 });
    const t0 = performance.now();
    const loader = await open();
    await tsbasePut(loader.region, ds, 0, ds.rows, BATCH);
    await loader.region.flush();
    const files = loader.region.storesList[0]!.files;
    await loader.close();
    line('cold: load + flush to s3', `${fmt(seconds(t0), 1)} s  (${ds.rows} rows, ${files.length} file(s), ${fmt(files.reduce((n, f) => n + f.entry.size, 0) / 1048576, 1)} MiB)`);

    // Baseline: a bare ranged GET of one block's size from the same file on the same server,
    // alternating with the cold gets (at a random offset, so the server has not just read it).
    const file = files[0]!;
    const blockLen = Math.min(file.entry.size, 65536 + 512);
    const rnd = new SeededRandom(SEED);
    const lat: number[] = [];
    const bare: number[] = [];
    const requests: number[] = [];
    const firstRequests: number[] = [];
    const roundP50: number[] = [];
    let multi: string[] | undefined;
    for (let r = 0; r < ROUNDS; r++) {
      const br = await open(); // a reopen: files' trailers and root indexes load here, the block cache is empty
      const idx = ds.randomIndices(COLD_GETS, 300 + r);
      const samples: number[] = [];
      for (let i = 0; i < idx.length; i++) {
        br.cache.clear();
        const before = store.reads;
        const t = performance.now();
        const res = await br.region.get({ row: ds.keys[idx[i]!]! });
        samples.push(performance.now() - t);
        if (res.cells.length !== 1) throw new Error(`cold get: no result for row ${idx[i]}`);
        const n = store.reads - before;
        requests.push(n);
        if (n > 1 && multi === undefined) multi = store.recent.slice(-n);
        if (i === 0) firstRequests.push(n);
        const tb = performance.now();
        await s3store.get(file.key, { offset: rnd.int(file.entry.size - blockLen + 1), length: blockLen });
        bare.push(performance.now() - tb);
      }
      await br.close();
      lat.push(...samples);
      roundP50.push(percentile(samples, 50));
    }
    const p50 = percentile(lat, 50);
    const hist = new Map<number, number>();
    for (const n of requests) hist.set(n, (hist.get(n) ?? 0) + 1);
    const histText = [...hist].sort((a, b) => a[0] - b[0]).map(([n, c]) => `${n}:${c}`).join(' ');
    line('cold get ms', `p50 ${fmt(p50)}  p99 ${fmt(percentile(lat, 99))}  round p50s ${summary(roundP50, 2)}  (${lat.length} Region.get, block cache emptied before each)`);
    line('bare ranged GET ms', `p50 ${fmt(percentile(bare, 50))}  p99 ${fmt(percentile(bare, 99))}  (${blockLen} bytes of the same file, alternating)`);
    line('cold get requests/get', `max ${Math.max(...requests)}  mean ${fmt(requests.reduce((a, b) => a + b, 0) / requests.length, 3)}  histogram ${histText}  first get after open ${summary(firstRequests, 0)}`);
    if (multi !== undefined) line('cold get with most requests', multi.join(' | '));
    line('cold get request kinds', `ranged GET ${store.counts.rangedGets} whole GET ${store.counts.fullGets} HEAD ${store.counts.heads} LIST ${store.counts.lists} (all phases, opens included)`);
    return p50;
  } finally {
    await s3store.deleteMany((await listAllKeys(s3store, '')).map((o) => o.key)).catch(() => {});
    await store.close();
    await stopS3();
  }
}

// ---- main ---------------------------------------------------------------------------------

const steal = startStealMeter();

async function main(): Promise<void> {
  const cpu = cpus();
  console.log(`# engine bench: rows=${ROWS} rounds=${ROUNDS} gets/round=${GETS} batch=${BATCH} quick=${quick} only=${onlyArg} node=${process.version} cpus=${cpu.length}x ${cpu[0]?.model ?? '?'} gc-between-rounds=${gc !== undefined}`);
  console.log(`# keys 24 B (${KEYS === 'hash' ? 'user<hash>, YCSB style' : 'user<zero-padded index>, long shared prefix'}), values 100 B (incompressible), seeded random insert order; caches 1 GiB each; LevelDB compression off`);
  mkdirSync(tmpRoot, { recursive: true });
  const t0 = performance.now();
  const ds = new Dataset(ROWS, SEED, KEYS);
  let putRatio = NaN;
  let getRatio = NaN;
  let scanRatio = NaN;
  let coldP50 = NaN;
  try {
    if (only.has('put') || only.has('get') || only.has('scan')) {
      let loaded: Loaded;
      if (only.has('put')) {
        const p = await putPhase(ds);
        putRatio = p.ratio;
        loaded = p.loaded;
      } else {
        loaded = await loadOnly(ds);
      }
      try {
        if (only.has('get')) getRatio = await getPhase(ds, loaded);
        else await loaded.tsbase.region.flush();
        if (only.has('scan')) scanRatio = await scanPhase(ds, loaded);
      } finally {
        await loaded.tsbase.close();
        await loaded.level.close();
      }
    }
    if (only.has('sync')) await syncPhase(ds);
    if (only.has('cold')) coldP50 = await coldPhase(ds);
  } finally {
    rmSync(tmpRoot, { recursive: true, force: true });
  }
  console.log(`# total ${fmt(seconds(t0), 1)} s`);
  console.log(`# cpu steal during the run: ${formatSteal(steal())} (steal-meter.ts)`);
  console.log(`RESULT bench=engine put_ratio=${fmt(putRatio, 3)} get_ratio=${fmt(getRatio, 3)} scan_ratio=${fmt(scanRatio, 3)} cold_get_p50_ms=${fmt(coldP50)}`);
}

await main();
