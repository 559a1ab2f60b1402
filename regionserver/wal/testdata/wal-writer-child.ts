// A WAL writer process for the fencing-race and kill -9 tests (run as compiled JS from dist/).
//
//   node dist/regionserver/wal/testdata/wal-writer-child.js '<json ChildConfig>'
//
// Appends continuously from `concurrency` workers and reports on stdout, one line each:
//   ready                    the WAL is open
//   a <region> <seq>         that append was acknowledged (durable). Only a complete line counts.
//   fenced <code>            the first append that failed with a FencedError; then exit 3
//   error <message>          anything else; then exit 2
// Lines go through testing/child-report.ts: written synchronously, batched once per event-loop
// turn, so an acknowledgement is printed no earlier than it happened and in the order acks
// happened. (stdout turns non-blocking once anything touches process.stdout: the AWS SDK does,
// through Readable.pipe; a full pipe is retried, not fatal.)
// The process exits when its stdin closes (the parent died) or after maxRunMs.

import { errorCode, FencedError } from '../../../common/errors.js';
import { flushReports, report } from '../../../testing/child-report.js';
import { LocalWalBackend } from '../local-wal-backend.js';
import { S3WalBackend } from '../s3-wal-backend.js';
import type { WalBackend } from '../wal-backend.js';
import { WalWriter } from '../wal-writer.js';
import { editCells } from './wal-test-util.js';

export type ChildConfig = {
  readonly regions: number;
  readonly concurrency: number;
  readonly valueBytes: number;
  /** Seq ids start above this (decimal), so rounds on one WAL keep increasing. */
  readonly seqBase: string;
  readonly maxRunMs?: number;
} & (
  | { readonly backend: 'local'; readonly dir: string; readonly rollBytes?: number }
  | {
      readonly backend: 's3';
      readonly s3: { endpoint: string; accessKeyId: string; secretAccessKey: string; region: string; bucket: string };
      readonly prefix: string;
      readonly server: string;
      readonly epoch: number;
    }
);

const cfg = JSON.parse(process.argv[2] ?? '{}') as ChildConfig;
function exit(code: number): void {
  flushReports();
  process.exit(code);
}

process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
setTimeout(() => exit(0), cfg.maxRunMs ?? 120_000).unref();

let backend: WalBackend;
if (cfg.backend === 'local') {
  backend = await LocalWalBackend.open(cfg.dir, cfg.rollBytes !== undefined ? { rollBytes: cfg.rollBytes } : {});
} else {
  // Imported here so the local rounds do not pay for loading the AWS SDK.
  const { openObjectStore } = await import('../../../common/objectstore/open-store.js');
  const store = await openObjectStore({ kind: 's3', ...cfg.s3, prefix: cfg.prefix });
  backend = new S3WalBackend(store, cfg.server, cfg.epoch);
}
const wal = new WalWriter(backend);
report('ready');

const next = new Map<string, bigint>();
let stopped = false;

async function worker(id: number): Promise<void> {
  const region = `r${id % cfg.regions}`;
  while (!stopped) {
    // Seq id assigned and appended in one synchronous step (call order = seq order).
    const seq = (next.get(region) ?? BigInt(cfg.seqBase)) + 1n;
    next.set(region, seq);
    try {
      await wal.append(region, seq, editCells(region, seq, cfg.valueBytes));
    } catch (e) {
      if (stopped) return;
      stopped = true;
      if (e instanceof FencedError) {
        report(`fenced ${errorCode(e)}`);
        exit(3);
      }
      report(`error ${String(e).replace(/\n/g, ' ')}`);
      exit(2);
      return;
    }
    report(`a ${region} ${seq}`);
  }
}

await Promise.all(Array.from({ length: cfg.concurrency }, (_, i) => worker(i)));
