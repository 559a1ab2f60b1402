// Where a compaction's merge + encode runs: inline on the event loop, or in a worker thread
// (regionserver/worker/run-in-worker.ts: one Worker per job, input bytes transferred in,
// output batches transferred back, pulled one at a time so the throttled upload paces it).

import type { CompactionBatch, CompactionJob } from './compaction-core.js';
import { runCompaction } from './compaction-core.js';
import { runInWorker } from '../worker/run-in-worker.js';

export interface CompactionRunner {
  readonly kind: 'inline' | 'worker';
  /**
   * Runs `job`, yielding output batches (the last carries `entries`). The job's input buffers
   * may be transferred (detached) by a worker runner. Throws CorruptionError for a damaged
   * input, InternalError if the worker fails.
   */
  run(job: CompactionJob): AsyncIterable<CompactionBatch>;
}

/** Runs jobs on the calling thread (tests, tools, tiny stores). */
export const inlineRunner: CompactionRunner = { kind: 'inline', run: runCompaction };

export class WorkerRunner implements CompactionRunner {
  readonly kind = 'worker' as const;
  /** Jobs run and the thread ids that ran them (tests check the worker path is used). */
  readonly threadIds: number[] = [];

  run(job: CompactionJob): AsyncGenerator<CompactionBatch> {
    const transfer = job.inputs.map((i) => i.bytes.buffer).filter((b): b is ArrayBuffer => b instanceof ArrayBuffer);
    return runInWorker({ kind: 'compaction', job }, transfer, job.outputName, (id) => this.threadIds.push(id));
  }
}
