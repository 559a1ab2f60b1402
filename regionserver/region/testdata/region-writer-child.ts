// A region writer process for the kill -9 crash test (run as compiled JS from dist/):
//
//   node dist/regionserver/region/testdata/region-writer-child.js '<json RegionChildConfig>'
//
// Opens the test region (replaying recovered edits), then writes from `concurrency` workers
// while flushing often, and reports on stdout, one line each:
//   ready                 the region is open
//   p <row>               a put of <row> (family f, value "v-<row>") was acknowledged
//   D <row>               a delete of <row> is about to be sent (written before sending)
//   d <row>               that delete was acknowledged
//   s <counter>           an increment of <counter> is about to be sent (written before sending)
//   i <counter> <value>   that increment was acknowledged with the new value
//   f+ / f- / fx <code>   a flush started / finished / failed
//   error <message>       anything unexpected; then exit 2
// Acknowledgement lines are written in batches once per event-loop turn, after the
// acknowledgement (a line cut by the kill does not count); "about to send" lines are written
// synchronously before the request, so the parent never misses an attempt that took effect.
// The process exits when its stdin closes (the parent died) or after maxRunMs.

import { join } from 'node:path';
import { errorCode } from '../../../common/errors.js';
import type { ObjectStore, PutOptions, UploadOptions, UploadSource } from '../../../common/objectstore/object-store.js';
import { openObjectStore } from '../../../common/objectstore/open-store.js';
import type { ObjectStoreConfig } from '../../../common/objectstore/open-store.js';
import { SeededRandom } from '../../../common/random.js';
import { report, reportNow } from '../../../testing/child-report.js';
import { LocalWalBackend } from '../../wal/local-wal-backend.js';
import { S3WalBackend } from '../../wal/s3-wal-backend.js';
import { SequenceAccounting } from '../../wal/sequence-accounting.js';
import type { WalBackend } from '../../wal/wal-backend.js';
import { WalWriter } from '../../wal/wal-writer.js';
import { CRASH_SERVER, counterRow, openCrashRegion, putValue } from './crash-workload.js';

export interface RegionChildConfig {
  readonly store: ObjectStoreConfig;
  /** 'local': segment files under walRoot/<epoch>; 's3': chunks in the object store. */
  readonly wal: 'local' | 's3';
  readonly walRoot?: string;
  readonly epoch: number;
  /** Rows written by this child are `k<rowBase + n>`. */
  readonly rowBase: number;
  readonly concurrency: number;
  readonly counters: number;
  readonly flushSizeBytes: number;
  readonly seed: number;
  readonly maxRunMs: number;
  /**
   * Kill this process (SIGKILL, from inside) at an exact step of its `nth` flush after opening:
   * when a store file upload starts, right after one completed (before the manifest CAS), or
   * right after a manifest write completed (before the snapshot is dropped and the WAL told).
   */
  readonly selfKill?: { readonly at: 'upload-start' | 'upload-done' | 'manifest-done'; readonly nth: number };
}

const cfg = JSON.parse(process.argv[2] ?? '{}') as RegionChildConfig;
function die(e: unknown): never {
  reportNow(`error ${String(e).replace(/\n/g, ' ')}`);
  process.exit(2);
}

process.stdin.on('close', () => process.exit(0));
process.stdin.resume();
setTimeout(() => process.exit(0), cfg.maxRunMs).unref();

let opened = false;

/** Wraps the store so that the chosen flush step kills the process. */
function withSelfKill(store: ObjectStore): ObjectStore {
  const sk = cfg.selfKill;
  if (sk === undefined) return store;
  let uploads = 0;
  let manifests = 0;
  const kill = (): never => {
    process.kill(process.pid, 'SIGKILL');
    throw new Error('unreachable');
  };
  return Object.assign(Object.create(store) as ObjectStore, {
    upload: async (key: string, source: UploadSource, opts?: UploadOptions) => {
      // Stores flush concurrently: number each upload when it starts.
      const n = opened && key.includes('/files/') ? ++uploads : 0;
      if (sk.at === 'upload-start' && n === sk.nth) kill();
      const r = await store.upload(key, source, opts);
      if (sk.at === 'upload-done' && n === sk.nth) kill();
      return r;
    },
    put: async (key: string, body: Buffer | Uint8Array, opts?: PutOptions) => {
      const n = opened && key.endsWith('/manifest') ? ++manifests : 0;
      const r = await store.put(key, body, opts);
      if (sk.at === 'manifest-done' && n === sk.nth) kill();
      return r;
    },
  });
}

async function main(): Promise<void> {
  const rnd = new SeededRandom(cfg.seed);
  const store = withSelfKill(await openObjectStore(cfg.store));
  const backend: WalBackend = cfg.wal === 'local' ? await LocalWalBackend.open(join(cfg.walRoot!, String(cfg.epoch)), { rollBytes: 256 * 1024 }) : new S3WalBackend(store, CRASH_SERVER, cfg.epoch);
  const accounting = new SequenceAccounting();
  const wal = new WalWriter(backend, { accounting });
  const region = await openCrashRegion(store, wal, accounting, cfg.flushSizeBytes, (e) => report(`fx ${errorCode(e) ?? 'error'}`));
  opened = true;
  reportNow('ready');

  let next = 0;
  const acked: string[] = [];
  const worker = async (): Promise<void> => {
    for (;;) {
      const dice = rnd.int(10);
      if (dice < 6 || acked.length === 0) {
        const row = `k${cfg.rowBase + next++}`;
        await region.put({ kind: 'put', row: Buffer.from(row), columns: [{ family: Buffer.from('f'), qualifier: Buffer.from('q'), value: putValue(row) }] });
        acked.push(row);
        report(`p ${row}`);
      } else if (dice < 7) {
        const row = acked.splice(rnd.int(acked.length), 1)[0]!;
        reportNow(`D ${row}`);
        await region.delete({ kind: 'delete', row: Buffer.from(row), columns: [{ family: Buffer.from('f'), qualifier: Buffer.from('q'), allVersions: false }] });
        report(`d ${row}`);
      } else {
        const c = counterRow(rnd.int(cfg.counters));
        reportNow(`s ${c}`);
        const r = await region.increment({ row: Buffer.from(c), columns: [{ family: Buffer.from('c'), qualifier: Buffer.from('n'), amount: 1n }] });
        report(`i ${c} ${r.cells[0]!.value.readBigInt64BE(0)}`);
      }
    }
  };
  const flusher = async (): Promise<void> => {
    for (;;) {
      await new Promise((resolve) => setTimeout(resolve, 5 + rnd.int(40)));
      report('f+');
      try {
        await region.flush();
        report('f-');
      } catch (e) {
        report(`fx ${errorCode(e) ?? 'error'}`);
      }
    }
  };
  await Promise.all([...Array.from({ length: cfg.concurrency }, worker), flusher()]);
}

main().catch(die);
