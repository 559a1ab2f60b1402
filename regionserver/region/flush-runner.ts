// Where a flush's encode runs (flush-encode.ts): inline on the event loop, or in a worker
// thread (regionserver/worker/run-in-worker.ts) so that a large flush does not hold up the
// requests the event loop serves — on a region server pod with more than one core, the encode
// then runs beside them. The snapshot's chunks are shared with the worker, not copied (the
// flush puts them in shared memory first: snapshotCells' `shared`); only the list of positions
// moves (transferred).
//
// Small snapshots are encoded inline even by the worker runner: below `minWorkerBytes` the
// worker's start (~30 ms of a core) costs more than the encode.

import type { CompactionBatch } from '../compaction/compaction-core.js';
import { runInWorker } from '../worker/run-in-worker.js';
import type { FlushJob } from './flush-encode.js';
import { encodeFlush } from './flush-encode.js';

/** Default smallest snapshot (KeyValue bytes) the worker runner hands to a worker. */
const DEFAULT_MIN_WORKER_BYTES = 4 << 20;

export interface FlushRunner {
  readonly kind: 'inline' | 'worker';
  /**
   * Encodes `job` (a snapshot of `dataSize` KeyValue bytes), yielding the file's bytes in
   * batches; the last carries `entries`. A worker runner transfers (detaches) job.positions.
   * Throws InternalError if the encode or the worker fails.
   */
  run(job: FlushJob, dataSize: number): AsyncIterable<CompactionBatch>;
  /**
   * Whether run() hands a snapshot of `dataSize` KeyValue bytes to another thread: its chunks
   * must then be SharedArrayBuffer views, or postMessage copies them.
   */
  sharesChunks(dataSize: number): boolean;
}

/** Encodes on the calling thread, giving the event loop a turn after every batch (~1 MiB). */
async function* encodeInline(job: FlushJob): AsyncGenerator<CompactionBatch> {
  for await (const batch of encodeFlush(job)) {
    yield batch;
    if (batch.entries === undefined) await new Promise<void>((resolve) => setImmediate(resolve));
  }
}

export const inlineFlushRunner: FlushRunner = { kind: 'inline', run: encodeInline, sharesChunks: () => false };

export class WorkerFlushRunner implements FlushRunner {
  readonly kind = 'worker' as const;
  /** Thread ids of the workers that ran flushes (tests check the worker path is used). */
  readonly threadIds: number[] = [];

  constructor(readonly minWorkerBytes: number = DEFAULT_MIN_WORKER_BYTES) {}

  sharesChunks(dataSize: number): boolean {
    return dataSize >= this.minWorkerBytes;
  }

  run(job: FlushJob, dataSize: number): AsyncGenerator<CompactionBatch> {
    if (!this.sharesChunks(dataSize)) return encodeInline(job);
    return runInWorker({ kind: 'flush', job }, [job.positions.buffer as ArrayBuffer], job.outputName, (id) => this.threadIds.push(id));
  }
}
