// Runs one background encode (a compaction or a flush) in a worker thread of its own
// (encode-worker.ts) and hands its output batches back as they come.
//
// One Worker per job: a job is tens of milliseconds to minutes of work, so the ~30 ms start is
// noise, and a worker that dies takes only its own job with it. The worker pulls: it produces
// the next batch only after the parent asked for it, so at most one batch is in flight and the
// parent's (throttled) upload paces the worker. Ending the iteration early (return/throw)
// terminates the worker.

import { Worker } from 'node:worker_threads';
import { CorruptionError, ErrorCodes, InternalError } from '../../common/errors.js';
import type { CompactionBatch } from '../compaction/compaction-core.js';
import type { EncodeTask, FromWorker, ToWorker } from './encode-worker.js';

const WORKER_URL = new URL('./encode-worker.js', import.meta.url);

/**
 * Runs `task` in a new worker, moving the `transfer` buffers to it. `onThread` is told the
 * worker's thread id with the first batch. Throws CorruptionError (a damaged compaction input)
 * or InternalError (any other failure, or the worker died) naming `label`.
 */
export async function* runInWorker(task: EncodeTask, transfer: readonly ArrayBuffer[], label: string, onThread?: (threadId: number) => void): AsyncGenerator<CompactionBatch> {
  const worker = new Worker(WORKER_URL);
  const inbox: Array<FromWorker | Error> = [];
  let wake: (() => void) | undefined;
  const push = (m: FromWorker | Error): void => {
    inbox.push(m);
    wake?.();
  };
  worker.on('message', (m: FromWorker) => push(m));
  worker.on('error', (e) => push(e));
  worker.on('exit', (c) => push(new InternalError(`${task.kind} worker exited`, { details: { exitCode: c, job: label } })));
  const next = async (): Promise<FromWorker | Error> => {
    while (inbox.length === 0) await new Promise<void>((r) => (wake = r));
    wake = undefined;
    return inbox.shift()!;
  };
  try {
    worker.postMessage({ type: 'start', task } satisfies ToWorker, [...transfer]);
    let first = true;
    for (;;) {
      const m = await next();
      if (m instanceof Error) throw m;
      if (m.type === 'error') {
        if (m.code === ErrorCodes.CORRUPTION) throw new CorruptionError(m.message, { details: { job: label } });
        throw new InternalError(`${task.kind} worker failed: ${m.message}`, { details: { job: label, name: m.name } });
      }
      if (first) onThread?.(m.threadId);
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
