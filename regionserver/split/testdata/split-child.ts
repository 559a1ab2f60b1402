// A region writer that splits its region, for the kill -9 split crash test (run as compiled JS
// from dist/):
//
//   node dist/regionserver/split/testdata/split-child.js '<json SplitChildConfig>'
//
// Opens the crash test's region (local WAL, replaying nothing: every round uses a fresh store),
// writes `rows` puts from 8 workers while flushing a few times, then splits the region at
// SPLIT_ROW (splitRegion: flush and close the parent, record the daughters in the parent's
// manifests, write the daughters' manifests). Reports on stdout, one line each:
//   p <row>        a put of <row> was acknowledged (batched once per event-loop turn)
//   split          the split starts (written before it starts)
//   split-done     the split finished
//   error <msg>    anything unexpected; then exit 2
// With `killAtWrite` = n it kills itself (SIGKILL) right after the n-th object-store write
// (put or upload) of the split completed — n = 0: as the split starts.

import type { Clock } from '../../../common/clock.js';
import { systemClock } from '../../../common/clock.js';
import { flushReports, report, reportNow } from '../../../testing/child-report.js';
import type { ObjectStore, PutOptions, UploadOptions, UploadSource } from '../../../common/objectstore/object-store.js';
import { openObjectStore } from '../../../common/objectstore/open-store.js';
import { CRASH_SERVER, openCrashRegion, putValue } from '../../region/testdata/crash-workload.js';
import { LocalWalBackend } from '../../wal/local-wal-backend.js';
import { SequenceAccounting } from '../../wal/sequence-accounting.js';
import { WalWriter } from '../../wal/wal-writer.js';
import { splitRegion } from '../split-region.js';
import type { SplitChildConfig } from './split-workload.js';
import { SPLIT_NOW_MS, SPLIT_ROW } from './split-workload.js';

const cfg = JSON.parse(process.argv[2] ?? '{}') as SplitChildConfig;
let splitting = false;
let writes = 0;

function kill(): void {
  flushReports();
  process.kill(process.pid, 'SIGKILL');
}

/** Counts the split's writes and kills the process after the chosen one. */
function withSelfKill(store: ObjectStore): ObjectStore {
  const at = cfg.killAtWrite;
  if (at === undefined) return store;
  const after = (): void => {
    if (splitting && ++writes === at) kill();
  };
  return Object.assign(Object.create(store) as ObjectStore, {
    upload: async (key: string, source: UploadSource, opts?: UploadOptions) => {
      const r = await store.upload(key, source, opts);
      after();
      return r;
    },
    put: async (key: string, body: Buffer | Uint8Array, opts?: PutOptions) => {
      const r = await store.put(key, body, opts);
      after();
      return r;
    },
  });
}

async function main(): Promise<void> {
  const store = withSelfKill(await openObjectStore(cfg.store));
  const accounting = new SequenceAccounting();
  const wal = new WalWriter(await LocalWalBackend.open(cfg.walDir, { rollBytes: 256 * 1024 }), { accounting });
  const region = await openCrashRegion(store, wal, accounting, 1 << 30);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < cfg.rows) {
      const row = `k${next++}`;
      await region.put({ kind: 'put', row: Buffer.from(row), columns: [{ family: Buffer.from('f'), qualifier: Buffer.from('q'), value: putValue(row) }] });
      report(`p ${row}`);
      if (next % Math.ceil(cfg.rows / 3) === 0) await region.flush();
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
  reportNow('split');
  splitting = true;
  if (cfg.killAtWrite === 0) kill();
  const clock: Clock = { ...systemClock, nowMs: () => SPLIT_NOW_MS };
  await splitRegion(region, { objectStore: store, server: CRASH_SERVER, clock, splitRow: SPLIT_ROW });
  reportNow('split-done');
  process.exit(0);
}

main().catch((e: unknown) => {
  reportNow(`error ${String(e).replace(/\n/g, ' ')}`);
  process.exit(2);
});

