// Microbenchmark of the block cache hot paths, run by hand (not a test):
//
//   npx tsc -p . && node dist/regionserver/blockcache/block-cache-bench.js [--quick]
//
// 20 000 blocks of 4 KiB in 40 files, all cached (no eviction), random gets: CPU ns/op of
//   - LruBlockCache.get (the memory tier; promotes on the first hit, then moves to MRU),
//   - TieredBlockCache.getSync (what a cached read calls),
// and, alternating in the same rounds, the baseline npm lru-cache (maxSize + sizeCalculation)
// with the string key `${fileId}:${offset}` a caller of lru-cache would build per get.
// Also put with eviction (a cache a quarter of the working set): ns/op.
// Last line: RESULT bench=blockcache get_ns=… getsync_ns=… lru_cache_get_ns=… put_evict_ns=…

import { LRUCache } from 'lru-cache';
import { SeededRandom } from '../../common/random.js';
import { fmt, median, summary } from '../../bench/stats.js';
import { LruBlockCache } from './lru-block-cache.js';
import { TieredBlockCache } from './tiered-block-cache.js';

const quick = process.argv.includes('--quick');
const ROUNDS = quick ? 3 : 7;
const OPS = quick ? 1_000_000 : 5_000_000;
const FILES = 40;
const BLOCKS = 20_000;
const BLOCK = 4096;

const rnd = new SeededRandom(7);
const fileIds = Array.from({ length: FILES }, (_, i) => `0f3a9c2e-${String(i).padStart(4, '0')}-4b1d-9e77-hfile`);
const blockData = Buffer.alloc(BLOCK, 1);
const keys: Array<{ f: string; o: number }> = [];
for (let i = 0; i < BLOCKS; i++) keys.push({ f: fileIds[i % FILES]!, o: Math.floor(i / FILES) * 65_536 });
// A fixed random access sequence, shared by all contenders.
const seqLen = 1 << 16;
const order = new Int32Array(seqLen);
for (let i = 0; i < seqLen; i++) order[i] = rnd.int(BLOCKS);

const capacity = BLOCKS * (BLOCK + 1024);
const lru = new LruBlockCache({ capacityBytes: capacity });
const tiered = new TieredBlockCache({ memory: { capacityBytes: capacity } });
const baseline = new LRUCache<string, Buffer>({ maxSize: capacity, sizeCalculation: (b) => b.length });
for (const k of keys) {
  lru.put(k.f, k.o, blockData);
  tiered.put(k.f, k.o, blockData);
  baseline.set(`${k.f}:${k.o}`, blockData);
}

/** CPU time (user + system) of the process in ns: on a shared, saturated machine wall time
 * mostly measures waiting for a core. */
function cpuNs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) * 1000;
}

function timeGets(get: (f: string, o: number) => Buffer | undefined): number {
  let found = 0;
  const t0 = cpuNs();
  for (let i = 0; i < OPS; i++) {
    const k = keys[order[i & (seqLen - 1)]!]!;
    if (get(k.f, k.o) !== undefined) found++;
  }
  const ns = (cpuNs() - t0) / OPS;
  if (found !== OPS) throw new Error(`missed ${OPS - found}`);
  return ns;
}

function timePutEvict(): number {
  const small = new LruBlockCache({ capacityBytes: Math.floor(capacity / 4) });
  const t0 = cpuNs();
  const n = OPS / 5;
  for (let i = 0; i < n; i++) {
    const k = keys[order[i & (seqLen - 1)]!]!;
    if (small.get(k.f, k.o) === undefined) small.put(k.f, k.o, blockData);
  }
  return (cpuNs() - t0) / n;
}

const r = { get: [] as number[], getSync: [] as number[], base: [] as number[], putEvict: [] as number[] };
for (let round = 0; round < ROUNDS; round++) {
  r.get.push(timeGets((f, o) => lru.get(f, o)));
  r.base.push(timeGets((f, o) => baseline.get(`${f}:${o}`)));
  r.getSync.push(timeGets((f, o) => tiered.getSync(f, o)));
  r.putEvict.push(timePutEvict());
}
console.log(`blocks=${BLOCKS} ops=${OPS} rounds=${ROUNDS}`);
console.log(`LruBlockCache.get          ${summary(r.get)} ns/op`);
console.log(`TieredBlockCache.getSync   ${summary(r.getSync)} ns/op`);
console.log(`baseline lru-cache get     ${summary(r.base)} ns/op   ratio tsbase/baseline ${fmt(median(r.get) / median(r.base))}`);
console.log(`get + put with eviction    ${summary(r.putEvict)} ns/op (hit ratio ~25%)`);
console.log(`RESULT bench=blockcache get_ns=${fmt(median(r.get), 1)} getsync_ns=${fmt(median(r.getSync), 1)} lru_cache_get_ns=${fmt(median(r.base), 1)} put_evict_ns=${fmt(median(r.putEvict), 1)}`);
