// npm run bench:wal [-- --quick] [--window N] [--writers N] [--chunk-bytes N]
//
// The WAL benchmark of issue 2. Every figure is measured beside its baseline in the same run,
// alternating rounds (tsbase, baseline, tsbase, baseline, …), and medians are compared:
//  (a) local: group-commit WalWriter on LocalWalBackend under 64 writers vs a raw loop of
//      durable appends of the same size on the same disk, by write + fdatasync and by O_DSYNC
//      write (commits/s ratio against the faster of the two);
//  (b) s3: durable append latency with one writer (one 100-byte row per append) vs a bare
//      PutObject of the same number of bytes on the same radosgw, through the same S3 client;
//  (c) s3: durable 100-byte rows/s with 64 writers.
// A "writer" is a producer that keeps `--window` appends outstanding (default 4), like a
// region-server handler serving pipelined requests; each append is one row edit (one cell),
// given as the region server gives it: KeyValue bytes already encoded (`--cells objects` hands
// the WAL Cell objects to encode instead). Each writer cycles through `--row-ring` rows (256).
// `--chunk-bytes N` sets the local backend's double-buffering size (its default: 32 KiB).
// Last line: RESULT bench=wal local_vs_fdatasync=… s3_durable_p50_ms=… s3_put_p50_ms=… s3_rows_per_s=…

import { closeSync, fdatasync, mkdirSync, openSync, rmSync, write, constants as fsc } from 'node:fs';
import { join } from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import type { Cell } from '../common/cells/keyvalue.js';
import { systemClock } from '../common/clock.js';
import { encodeKeyValue, putCell } from '../common/cells/keyvalue.js';
import { EncodedCells } from '../common/cells/encoded-cells.js';
import { listAllKeys } from '../common/objectstore/object-store.js';
import { S3ObjectStore } from '../common/objectstore/s3-store.js';
import { LocalWalBackend } from '../regionserver/wal/local-wal-backend.js';
import { S3WalBackend } from '../regionserver/wal/s3-wal-backend.js';
import { TimedWalBackend, WalSyncStats } from '../regionserver/wal/wal-sync-timer.js';
import { WalWriter } from '../regionserver/wal/wal-writer.js';
import { encodeEdits } from '../regionserver/wal/wal-encoder.js';
import type { WalCells } from '../regionserver/wal/wal-encoder.js';
import { benchS3 } from './bench-s3.js';
import { alternate, fmt, median, percentile, summary } from './stats.js';
import { formatSteal, startStealMeter } from './steal-meter.js';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const flag = (name: string, dflt: number): number => {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] !== undefined ? Number(args[i + 1]) : dflt;
};
const only = args.includes('--only') ? args[args.indexOf('--only') + 1] : undefined; // 'local' | 's3'
const WRITERS = flag('--writers', 64);
const WINDOW = flag('--window', 4);
const ROUNDS = flag('--rounds', quick ? 3 : 5);
const LOCAL_MS = flag('--local-ms', quick ? 1500 : 5000);
const S3_ONE_OPS = flag('--s3-ops', quick ? 150 : 1000);
const S3_MANY_MS = flag('--s3-ms', quick ? 2000 : 6000);
// How appends carry their cells: 'encoded' KeyValue bytes, as the region server's write path
// does (the default), or 'objects' (Cell objects the WAL encodes itself: other callers, tests).
const CELLS = args.includes('--cells') ? args[args.indexOf('--cells') + 1] : 'encoded';
if (CELLS !== 'encoded' && CELLS !== 'objects') throw new Error(`--cells must be encoded or objects, not ${CELLS}`);
const VALUE = Buffer.alloc(100, 0x61);
const FAMILY = Buffer.from('f');
const QUALIFIER = Buffer.from('q');
const tmpRoot = join(process.cwd(), '.bench-tmp', `wal-${process.pid}`);

function rowCell(writer: number, n: number): Cell[] {
  const row = Buffer.from(`row-${String(writer).padStart(4, '0')}-${String(n).padStart(15, '0')}`); // 24 bytes
  return [putCell(row, FAMILY, QUALIFIER, BigInt(Date.now()), VALUE)];
}

interface LoadResult {
  readonly seconds: number;
  readonly commits: number;
  readonly edits: number;
}

/**
 * Rows a writer cycles through: made before the clock starts, so the figure is the WAL's and
 * not the cost of building rows (the raw baseline builds nothing either). Cells are immutable,
 * so appending one again while an earlier append of it is outstanding is allowed.
 */
const ROW_RING = flag('--row-ring', 256);
/** The local backend's chunk size past which the writer double-buffers (`--chunk-bytes`; default: the backend's). */
const CHUNK_BYTES = args.includes('--chunk-bytes') ? flag('--chunk-bytes', 0) : undefined;
if (CHUNK_BYTES !== undefined && !(Number.isSafeInteger(CHUNK_BYTES) && CHUNK_BYTES > 0)) {
  console.error(`--chunk-bytes must be a positive integer (bytes), got ${args[args.indexOf('--chunk-bytes') + 1] ?? 'nothing'}`);
  process.exit(2);
}
function writerRows(w: number): WalCells[] {
  const rows: WalCells[] = [];
  for (let n = 0; n < ROW_RING; n++) rows.push(CELLS === 'encoded' ? encoded(rowCell(w, n)) : rowCell(w, n));
  return rows;
}

/**
 * The cells as the region server hands them to its WAL: KeyValues already encoded (into the
 * MemStore's chunk), which the entry copies as they are (region.ts, EncodedCells).
 */
function encoded(cells: readonly Cell[]): EncodedCells {
  const kvs = Buffer.concat(cells.map(encodeKeyValue));
  const e = new EncodedCells();
  e.add(kvs, 0, kvs.length, cells.length);
  return e;
}

/** `writers` producers, each keeping `window` appends outstanding, for `ms` milliseconds. */
async function runLoad(wal: WalWriter, writers: number, window: number, ms: number): Promise<LoadResult> {
  const rings = Array.from({ length: writers }, (_, w) => writerRows(w));
  const before = wal.stats();
  const t0 = performance.now();
  // A timer ends the run (not a clock read per append: that is the load generator's cost).
  let running = true;
  const timer = setTimeout(() => (running = false), ms);
  let edits = 0;
  const loops: Promise<void>[] = [];
  for (let w = 0; w < writers; w++) {
    const region = `bench-r${w}`;
    const ring = rings[w]!;
    let seq = 0n;
    let n = 0;
    for (let k = 0; k < window; k++) {
      loops.push(
        (async () => {
          while (running) {
            await wal.append(region, ++seq, ring[n++ % ROW_RING]!);
            edits++;
          }
        })(),
      );
    }
  }
  await Promise.all(loops);
  clearTimeout(timer);
  const seconds = (performance.now() - t0) / 1000;
  return { seconds, commits: wal.stats().commits - before.commits, edits };
}

// ---- (a) local ---------------------------------------------------------------------------

let localRound = 0;
let lastChunkBytes = 4096;

async function localWalRound(editsPerCommit: number[], busy: number[]): Promise<number> {
  const dir = join(tmpRoot, `local-${localRound++}`);
  const backend = await LocalWalBackend.open(dir, CHUNK_BYTES === undefined ? {} : { chunkBytes: CHUNK_BYTES });
  // The bytes of every chunk (the server's sync timer counts them), so the raw baseline
  // appends exactly the average chunk.
  const sync = new WalSyncStats();
  const counting = new TimedWalBackend(backend, systemClock, sync);
  const wal = new WalWriter(counting);
  // How busy the main thread was: near 1, it (not the disk) limits the commit rate.
  const elu0 = performance.eventLoopUtilization();
  const r = await runLoad(wal, WRITERS, WINDOW, LOCAL_MS);
  busy.push(performance.eventLoopUtilization(elu0).utilization);
  await wal.close();
  rmSync(dir, { recursive: true, force: true });
  editsPerCommit.push(r.edits / r.commits);
  lastChunkBytes = Math.round(sync.bytes / r.commits);
  return r.commits / r.seconds;
}

function writeAll(fd: number, buf: Buffer): Promise<void> {
  return new Promise((resolve, reject) => write(fd, buf, 0, buf.length, null, (e) => (e ? reject(e) : resolve())));
}
function sync(fd: number): Promise<void> {
  return new Promise((resolve, reject) => fdatasync(fd, (e) => (e ? reject(e) : resolve())));
}

/**
 * The raw disk: appends of the WAL's average chunk, each made durable before the next, either
 * by write + fdatasync or by one write on an O_DSYNC descriptor (what the WAL uses by
 * default). Both are measured; the baseline is the faster of the two.
 */
async function rawSyncRound(mode: 'fdatasync' | 'dsync'): Promise<number> {
  mkdirSync(tmpRoot, { recursive: true });
  const path = join(tmpRoot, `raw-${localRound++}`);
  const fd = openSync(path, fsc.O_WRONLY | fsc.O_CREAT | fsc.O_APPEND | (mode === 'dsync' ? fsc.O_DSYNC : 0));
  const buf = Buffer.alloc(lastChunkBytes, 0x62);
  const t0 = performance.now();
  let commits = 0;
  while (performance.now() - t0 < LOCAL_MS) {
    await writeAll(fd, buf);
    if (mode === 'fdatasync') await sync(fd);
    commits++;
  }
  const seconds = (performance.now() - t0) / 1000;
  closeSync(fd);
  rmSync(path, { force: true });
  return commits / seconds;
}

// ---- (b), (c) s3 -------------------------------------------------------------------------

let epoch = 0;

function s3Wal(store: S3ObjectStore): WalWriter {
  return new WalWriter(new S3WalBackend(store, `bench-${process.pid}`, ++epoch));
}

async function s3OneWriterRound(store: S3ObjectStore, lat: number[]): Promise<number> {
  const wal = s3Wal(store);
  const samples: number[] = [];
  for (let i = 0; i < S3_ONE_OPS; i++) {
    const t = performance.now();
    await wal.append('bench-r0', BigInt(i + 1), rowCell(0, i));
    samples.push(performance.now() - t);
  }
  await wal.close();
  lat.push(...samples);
  return median(samples);
}

async function barePutRound(store: S3ObjectStore, bucket: string, prefix: string, lat: number[]): Promise<number> {
  const size = encodeEdits([{ region: 'bench-r0', seqId: 1n, writeTimeMs: Date.now(), cells: rowCell(0, 0) }]).length;
  const body = Buffer.alloc(size, 0x63);
  const samples: number[] = [];
  const round = epoch++;
  for (let i = 0; i < S3_ONE_OPS; i++) {
    const t = performance.now();
    await store.client.send(new PutObjectCommand({ Bucket: bucket, Key: `${prefix}bare/${round}/${String(i).padStart(20, '0')}`, Body: body }));
    samples.push(performance.now() - t);
  }
  lat.push(...samples);
  return median(samples);
}

const steal = startStealMeter();

async function main(): Promise<void> {
  console.log(`# wal bench: writers=${WRITERS} window=${WINDOW} cells=${CELLS} rounds=${ROUNDS} quick=${quick} local_chunk_bytes=${CHUNK_BYTES ?? 'default'} cwd disk=${process.cwd()}`);
  mkdirSync(tmpRoot, { recursive: true });

  // (a)
  if (only === 's3') return mainS3(undefined);
  const epc: number[] = [];
  const busy: number[] = [];
  const rawDsync: number[] = [];
  const local = await alternate(
    ROUNDS,
    () => localWalRound(epc, busy),
    async () => {
      rawDsync.push(await rawSyncRound('dsync'));
      return rawSyncRound('fdatasync');
    },
  );
  const raw = Math.max(median(local.b), median(rawDsync));
  const localRatio = median(local.a) / raw;
  console.log(`local wal commits/s            ${summary(local.a)}  edits/commit ${summary(epc)}  edits/s ${fmt(median(local.a) * median(epc), 0)}`);
  console.log(`local wal main thread busy     ${summary(busy.map((u) => u * 100))} %  (event-loop utilization during its rounds)`);
  console.log(`raw write+fdatasync commits/s  ${summary(local.b)}  (append of ${lastChunkBytes} bytes)`);
  console.log(`raw O_DSYNC write commits/s    ${summary(rawDsync)}  (the same appends)`);
  console.log(`local_vs_fdatasync             ${fmt(localRatio, 3)}  (vs the faster raw method)`);
  if (only === 'local') {
    console.log(`# cpu steal during the run: ${formatSteal(steal())} (steal-meter.ts)`);
    rmSync(tmpRoot, { recursive: true, force: true });
    return;
  }
  return mainS3(localRatio);
}

async function mainS3(localRatio: number | undefined): Promise<void> {
  // S3: the test harness's radosgw (or the one named by TSB_TEST_S3_* variables).
  const { s3, stop: stopS3 } = await benchS3();
  const prefix = `bench/wal-${Date.now()}/`;
  const store = new S3ObjectStore({ ...s3, prefix });
  try {
    // (b)
    const walLat: number[] = [];
    const putLat: number[] = [];
    await alternate(ROUNDS, () => s3OneWriterRound(store, walLat), () => barePutRound(store, s3.bucket, prefix, putLat));
    const walP50 = percentile(walLat, 50);
    const putP50 = percentile(putLat, 50);
    console.log(`s3 durable append (1 writer)   p50 ${fmt(walP50)} ms  p99 ${fmt(percentile(walLat, 99))} ms  (${walLat.length} appends)`);
    console.log(`s3 bare PutObject              p50 ${fmt(putP50)} ms  p99 ${fmt(percentile(putLat, 99))} ms  (${putLat.length} puts)`);

    // (c)
    const rows: number[] = [];
    const perCommit: number[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      const wal = s3Wal(store);
      const r = await runLoad(wal, WRITERS, WINDOW, S3_MANY_MS);
      await wal.close();
      rows.push(r.edits / r.seconds);
      perCommit.push(r.edits / r.commits);
    }
    console.log(`s3 durable rows/s (${WRITERS} writers) ${summary(rows, 0)}  rows/commit ${summary(perCommit)}`);

    console.log(`# cpu steal during the run: ${formatSteal(steal())} (steal-meter.ts)`);
    console.log(
      `RESULT bench=wal local_vs_fdatasync=${localRatio === undefined ? 'n/a' : fmt(localRatio, 3)} s3_durable_p50_ms=${fmt(walP50)} s3_put_p50_ms=${fmt(putP50)} s3_rows_per_s=${fmt(median(rows), 0)}`,
    );
  } finally {
    await store.deleteMany((await listAllKeys(store, '')).map((o) => o.key)).catch(() => {});
    await store.close();
    await stopS3();
    rmSync(tmpRoot, { recursive: true, force: true });
  }
}

await main();
