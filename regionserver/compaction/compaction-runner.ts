// Where a compaction's merge + encode runs: inline on the event loop, or in a worker thread.
//
// WorkerRunner starts one Worker per job (a job is seconds to minutes of work, so the ~30 ms
// start is noise, and a worker that dies takes only its own job with it). Input bytes are
// transferred in, output batches transferred back; the worker pulls: it produces the next
// batch only after the parent asked for it, so at most one batch is in flight and the
// parent's throttled upload paces the worker.

import { Worker } from 'node:worker_threads';
import { CorruptionError, ErrorCodes, InternalError } from '../../common/errors.js';
import type { CompactionBatch, CompactionJob } from './compaction-core.js';
import { runCompaction } from './compaction-core.js';
import type { FromWorker, ToWorker } from './compaction-worker.js';

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

const WORKER_URL = new URL('./compaction-worker.js', import.meta.url);

export class WorkerRunner implements CompactionRunner {
  readonly kind = 'worker' as const;
  /** Jobs run and the thread ids that ran them (tests check the worker path is used). */
  readonly threadIds: number[] = [];

  async *run(job: CompactionJob): AsyncGenerator<CompactionBatch> {
    const worker = new Worker(WORKER_URL);
    const inbox: Array<FromWorker | Error> = [];
    let wake: (() => void) | undefined;
    const push = (m: FromWorker | Error): void => {
      inbox.push(m);
      wake?.();
    };
    worker.on('message', (m: FromWorker) => push(m));
    worker.on('error', (e) => push(e));
    worker.on('exit', (c) => push(new InternalError('compaction worker exited', { details: { exitCode: c } })));
    const next = async (): Promise<FromWorker | Error> => {
      while (inbox.length === 0) await new Promise<void>((r) => (wake = r));
      wake = undefined;
      return inbox.shift()!;
    };
    try {
      const transfer = job.inputs.map((i) => i.bytes.buffer).filter((b): b is ArrayBuffer => b instanceof ArrayBuffer);
      worker.postMessage({ type: 'start', job } satisfies ToWorker, transfer);
      let first = true;
      for (;;) {
        const m = await next();
        if (m instanceof Error) throw m;
        if (m.type === 'error') {
          if (m.code === ErrorCodes.CORRUPTION) throw new CorruptionError(m.message, { details: { job: job.outputName } });
          throw new InternalError(`compaction worker failed: ${m.message}`, { details: { job: job.outputName, name: m.name } });
        }
        if (first) this.threadIds.push(m.threadId);
        first = false;
        yield { chunks: m.chunks.map((c) => Buffer.from(c.buffer, c.byteOffset, c.byteLength)), entries: m.entries };
        if (m.entries !== undefined) return;
        worker.postMessage({ type: 'more' } satisfies ToWorker);
      }
    } finally {
      worker.removeAllListeners('exit');
      await worker.terminate();
    }
  }
}
