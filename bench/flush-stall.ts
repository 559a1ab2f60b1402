// npm run bench:flush [-- --quick] [--rows N] [--rounds R]
//
// How long a region flush holds up the event loop that serves requests, with the encode
// inline (on the event loop, in ~1 MiB slices) and in a worker thread (regionserver.flushWorkers,
// the default), side by side in one run, alternating. Each round loads the same YCSB-shaped rows
// (10 × 100-byte columns, hashed keys) into a fresh region, then flushes while a 1 ms timer
// and a stream of point gets measure the event loop:
//   max_delay_ms   longest the loop was held (monitorEventLoopDelay max)
//   get_p99_ms     p99 latency of gets due every millisecond during the flush (open loop:
//                  counted from when each was due, so time held up counts)
//   flush_ms       wall time of the flush
//   loop_ms        event-loop busy time during the flush (eventLoopUtilization: this thread only)
// Last line: RESULT bench=flush_stall rows=<n> inline_max_delay_ms=… worker_max_delay_ms=…
//   inline_get_p99_ms=… worker_get_p99_ms=… inline_flush_ms=… worker_flush_ms=…
//   inline_loop_ms=… worker_loop_ms=…  (medians)

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { FsObjectStore } from '../common/objectstore/fs-store.js';
import type { Mutation } from '../common/ops/operations.js';
import { LruBlockCache } from '../regionserver/blockcache/lru-block-cache.js';
import { columnFamily } from '../regionserver/region/column-family.js';
import type { FlushRunner } from '../regionserver/region/flush-runner.js';
import { inlineFlushRunner, WorkerFlushRunner } from '../regionserver/region/flush-runner.js';
import { regionInfo } from '../regionserver/region/region-info.js';
import { openRegion } from '../regionserver/region/region-open.js';
import { WalWriter } from '../regionserver/wal/wal-writer.js';
import { Dataset } from './engine/dataset.js';
import { UnsyncedFileWalBackend } from './engine/unsynced-wal-backend.js';
import { fmt, median } from './stats.js';

const args = process.argv.slice(2);
const flag = (name: string, dflt: number): number => {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] !== undefined ? Number(args[i + 1]) : dflt;
};
const quick = args.includes('--quick');
const ROWS = flag('--rows', quick ? 20_000 : 40_000);
const ROUNDS = flag('--rounds', quick ? 2 : 4);
const FAMILY = Buffer.from('f');
const QUALIFIERS = Array.from({ length: 10 }, (_, i) => Buffer.from(`field${i}`));

interface Round {
  readonly maxDelayMs: number;
  readonly getP99Ms: number;
  readonly flushMs: number;
  readonly loopMs: number;
}

async function round(ds: Dataset, runner: FlushRunner, id: number): Promise<Round> {
  const dir = mkdtempSync(join(tmpdir(), 'tsbase-flush-stall-'));
  try {
    const wal = new WalWriter(await UnsyncedFileWalBackend.open(join(dir, 'wal.log')));
    const region = await openRegion({
      objectStore: await FsObjectStore.open(join(dir, 'store')),
      info: regionInfo('default', 'bench', Buffer.alloc(0), Buffer.alloc(0), id),
      families: [columnFamily({ name: 'f' })],
      server: 'bench-rs',
      wal,
      cache: new LruBlockCache({ capacityBytes: 1 << 30 }),
      flushRunner: runner,
      config: { flushSizeBytes: 2 ** 40 },
    });
    for (let i = 0; i < ROWS; i += 100) {
      const batch: Mutation[] = [];
      for (let j = i; j < Math.min(i + 100, ROWS); j++) batch.push({ kind: 'put', row: ds.keys[j]!, columns: QUALIFIERS.map((q) => ({ family: FAMILY, qualifier: q, value: ds.value(j) })) });
      await region.batchMutate(batch);
    }
    const h = monitorEventLoopDelay({ resolution: 1 });
    // Open loop: one get due every millisecond, its latency counted from when it was due.
    const latencies: number[] = [];
    const gets: Array<Promise<void>> = [];
    const start = performance.now();
    let k = 0;
    const timer = setInterval(() => {
      const now = performance.now();
      for (; start + k <= now; k++) {
        const due = start + k;
        gets.push(region.get({ row: ds.keys[(k * 7919) % ROWS]! }).then(() => void latencies.push(performance.now() - due)));
      }
    }, 1);
    h.enable();
    const elu0 = performance.eventLoopUtilization();
    const t0 = performance.now();
    await region.flush();
    const flushMs = performance.now() - t0;
    const loopMs = performance.eventLoopUtilization(elu0).active;
    h.disable();
    clearInterval(timer);
    await Promise.all(gets);
    await region.close({ flush: false });
    await wal.close();
    latencies.sort((a, b) => a - b);
    return { maxDelayMs: h.max / 1e6, getP99Ms: latencies[Math.floor(latencies.length * 0.99)] ?? 0, flushMs, loopMs };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const ds = new Dataset(ROWS, 7);
  const worker = new WorkerFlushRunner();
  const res = { inline: [] as Round[], worker: [] as Round[] };
  console.log(`# flush stall: rows=${ROWS} (${ROWS * 10} cells) rounds=${ROUNDS}`);
  for (let r = 0; r < ROUNDS; r++) {
    const both: Array<['inline' | 'worker', FlushRunner]> = [
      ['inline', inlineFlushRunner],
      ['worker', worker],
    ];
    if (r % 2 === 1) both.reverse();
    for (const [name, runner] of both) {
      const x = await round(ds, runner, 100 + r);
      res[name].push(x);
      console.log(`${name.padEnd(6)} max_delay_ms=${fmt(x.maxDelayMs, 1)} get_p99_ms=${fmt(x.getP99Ms, 2)} flush_ms=${fmt(x.flushMs, 0)} loop_ms=${fmt(x.loopMs, 0)}`);
    }
  }
  if (worker.threadIds.length !== ROUNDS) throw new Error(`expected ${ROUNDS} worker flushes, saw ${worker.threadIds.length}`);
  const m = (xs: Round[], f: (x: Round) => number): string => fmt(median(xs.map(f)), 2);
  console.log(
    `RESULT bench=flush_stall rows=${ROWS} inline_max_delay_ms=${m(res.inline, (x) => x.maxDelayMs)} worker_max_delay_ms=${m(res.worker, (x) => x.maxDelayMs)} ` +
      `inline_get_p99_ms=${m(res.inline, (x) => x.getP99Ms)} worker_get_p99_ms=${m(res.worker, (x) => x.getP99Ms)} ` +
      `inline_flush_ms=${m(res.inline, (x) => x.flushMs)} worker_flush_ms=${m(res.worker, (x) => x.flushMs)} ` +
      `inline_loop_ms=${m(res.inline, (x) => x.loopMs)} worker_loop_ms=${m(res.worker, (x) => x.loopMs)}`,
  );
}

await main();
