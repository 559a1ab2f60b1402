// The tsbase side of the engine benchmark: a Region (regionserver/region/) opened as a server
// opens it — manifests and HFiles on an ObjectStore, a WalWriter, a block cache, flushes
// encoded in a worker thread (WorkerFlushRunner, a region server's default; LevelDB's
// compactions run on a background thread too) — and driven only through its public
// operations: batchMutate, get, getScanner.

import { rmSync } from 'node:fs';
import type { ObjectStore } from '../../common/objectstore/object-store.js';
import type { Put } from '../../common/ops/operations.js';
import { LruBlockCache } from '../../regionserver/blockcache/lru-block-cache.js';
import { columnFamily } from '../../regionserver/region/column-family.js';
import { WorkerFlushRunner } from '../../regionserver/region/flush-runner.js';
import type { Region } from '../../regionserver/region/region.js';
import { regionInfo } from '../../regionserver/region/region-info.js';
import { openRegion } from '../../regionserver/region/region-open.js';
import { END, NEEDS_IO } from '../../regionserver/scan/region-scanner.js';
import { RowBuffer } from '../../regionserver/scan/row-buffer.js';
import { LocalWalBackend } from '../../regionserver/wal/local-wal-backend.js';
import { WalWriter } from '../../regionserver/wal/wal-writer.js';
import type { Dataset } from './dataset.js';
import { UnsyncedFileWalBackend } from './unsynced-wal-backend.js';

export const FAMILY = Buffer.from('f');
export const QUALIFIER = Buffer.from('q');

export interface BenchRegion {
  readonly region: Region;
  readonly cache: LruBlockCache;
  close(): Promise<void>;
}

export interface BenchRegionOptions {
  readonly objectStore: ObjectStore;
  /** WAL: a file (unsynced) or a directory (LocalWalBackend, one O_DSYNC write per group commit). */
  readonly walPath: string;
  readonly walSync: boolean;
  readonly cacheBytes: number;
  /** Same value reopens the same region. */
  readonly regionId: number;
}

/** Opens (or reopens) the benchmark's one-family region. */
export async function openBenchRegion(o: BenchRegionOptions): Promise<BenchRegion> {
  const backend = o.walSync ? await LocalWalBackend.open(o.walPath) : await UnsyncedFileWalBackend.open(o.walPath);
  const wal = new WalWriter(backend);
  const cache = new LruBlockCache({ capacityBytes: o.cacheBytes });
  const region = await openRegion({
    objectStore: o.objectStore,
    info: regionInfo('default', 'bench', Buffer.alloc(0), Buffer.alloc(0), o.regionId),
    families: [columnFamily({ name: 'f' })],
    server: 'bench-rs',
    wal,
    cache,
    flushRunner: new WorkerFlushRunner(),
  });
  return {
    region,
    cache,
    async close() {
      await region.close({ flush: false });
      await wal.close();
      rmSync(o.walPath, { recursive: true, force: true });
    },
  };
}

/** Puts rows insertOrder[from..to) with batchMutate, `batch` rows per call, one call at a time. */
export async function tsbasePut(region: Region, ds: Dataset, from: number, to: number, batch: number): Promise<void> {
  for (let i = from; i < to; i += batch) {
    const end = Math.min(i + batch, to);
    const ms: Put[] = [];
    for (let j = i; j < end; j++) {
      const k = ds.insertOrder[j]!;
      ms.push({ kind: 'put', row: ds.keys[k]!, columns: [{ family: FAMILY, qualifier: QUALIFIER, value: ds.value(k) }] });
    }
    const out = await region.batchMutate(ms);
    for (const o of out) if (!o.ok) throw o.error;
  }
}

/** Region.get of each index, one at a time; checks every result. */
export async function tsbaseGets(region: Region, ds: Dataset, idx: Uint32Array): Promise<void> {
  for (let i = 0; i < idx.length; i++) {
    const r = await region.get({ row: ds.keys[idx[i]!]! });
    if (r.cells.length !== 1 || r.cells[0]!.value.length !== 100) throw new Error(`tsbase get: bad result for row ${idx[i]}`);
  }
}

/** A full scan through Region.getScanner; returns rows and key+value bytes seen. */
export async function tsbaseScan(region: Region): Promise<{ rows: number; bytes: number }> {
  const sc = region.getScanner({});
  const out = new RowBuffer(4096);
  let rows = 0;
  let bytes = 0;
  for (;;) {
    const st = sc.nextRow(out);
    if (st === END) break;
    if (st === NEEDS_IO && !(await sc.nextRowAsync(out))) break;
    rows++;
    bytes += out.byteSize;
  }
  sc.close();
  return { rows, bytes };
}
