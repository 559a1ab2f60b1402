// Worker-thread entry of the region server's background encodes (run-in-worker.ts): a
// compaction's merge + encode, or a flush's encode. Protocol, one job per worker:
//   parent → worker  { type: 'start', task }          compaction inputs transferred in; a flush's
//                                                      chunks shared, its positions transferred
//   worker → parent  { type: 'batch', chunks, entries?, threadId }   output bytes transferred out
//   parent → worker  { type: 'more' }                 after each batch (pull: one batch in flight)
//   worker → parent  { type: 'error', name, code, message }
// The worker never touches the object store: the parent fetches inputs and uploads outputs,
// so any ObjectStore (memory, filesystem, S3, fault-injecting wrappers) works unchanged.

import { parentPort, threadId } from 'node:worker_threads';
import { errorCode } from '../../common/errors.js';
import type { CompactionBatch, CompactionJob } from '../compaction/compaction-core.js';
import { runCompaction } from '../compaction/compaction-core.js';
import type { FlushJob } from '../region/flush-encode.js';
import { encodeFlush } from '../region/flush-encode.js';

/** A job for a worker. */
export type EncodeTask = { readonly kind: 'compaction'; readonly job: CompactionJob } | { readonly kind: 'flush'; readonly job: FlushJob };

export type ToWorker = { readonly type: 'start'; readonly task: EncodeTask } | { readonly type: 'more' };
export type FromWorker =
  | { readonly type: 'batch'; readonly chunks: Uint8Array[]; readonly entries?: number; readonly threadId: number }
  | { readonly type: 'error'; readonly name: string; readonly code: string | undefined; readonly message: string };

const port = parentPort;
if (port !== null) {
  let gen: AsyncGenerator<CompactionBatch> | undefined;
  const step = async (): Promise<void> => {
    try {
      const r = await gen!.next();
      if (r.done === true) return;
      const chunks = r.value.chunks.map((c) => detachable(c));
      const msg: FromWorker = { type: 'batch', chunks, entries: r.value.entries, threadId };
      port.postMessage(msg, chunks.map((c) => c.buffer as ArrayBuffer));
    } catch (e) {
      const err = e instanceof Error ? e : new Error(String(e));
      const msg: FromWorker = { type: 'error', name: err.name, code: errorCode(e), message: err.message };
      port.postMessage(msg);
    }
  };
  port.on('message', (m: ToWorker) => {
    if (m.type === 'start') gen = m.task.kind === 'flush' ? encodeFlush(m.task.job) : runCompaction(m.task.job);
    void step();
  });
}

/** A Uint8Array owning its whole ArrayBuffer (transferable without detaching a shared pool). */
function detachable(b: Buffer): Uint8Array {
  if (b.byteOffset === 0 && b.byteLength === b.buffer.byteLength && !(b.buffer instanceof SharedArrayBuffer)) return new Uint8Array(b.buffer, 0, b.byteLength);
  const u = new Uint8Array(b.byteLength);
  u.set(b);
  return u;
}
