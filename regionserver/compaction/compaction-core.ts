// The CPU-heavy half of a compaction: merge the input files through a CompactionScanner and
// encode the result with an HFileWriter (family options: block size, encoding, compression,
// bloom). Pure computation over in-memory file bytes, so it runs the same on the event loop
// (inlineRunner) and in a worker thread (regionserver/worker/encode-worker.ts): the job is structured-clone
// serializable and its buffers can be transferred.
//
// Output comes in batches of about 1 MiB (regionserver/worker/output-batches.ts) so the caller can upload (and throttle) while
// the next batch is produced: memory is the inputs plus one batch.

import { BufferSource } from '../hfile/hfile-source.js';
import { HFileReader } from '../hfile/hfile-reader.js';
import { CompactionScanner } from '../scan/compaction-scanner.js';
import { RowBuffer } from '../scan/row-buffer.js';
import type { OutputFileSpec } from '../worker/output-batches.js';
import { OutputBatches, outputWriter } from '../worker/output-batches.js';
import type { FamilyReadOptions, StoreFileReaderLike } from '../scan/store-read-view.js';
import { halfFileRef } from '../scan/store-read-view.js';

const CELLS_PER_STEP = 1024;

/** One input: a whole file's bytes, or half of a parent's file (a reference). */
export interface CompactionInput {
  readonly name: string;
  readonly bytes: Uint8Array;
  readonly half?: 'top' | 'bottom';
  readonly splitRow?: Uint8Array;
}

/** Everything the merge needs; structured-clone serializable (bigints, typed arrays, plain objects). */
export interface CompactionJob extends OutputFileSpec {
  readonly inputs: readonly CompactionInput[];
  readonly family: string;
  readonly readOptions: FamilyReadOptions;
  readonly kind: 'minor' | 'major';
  readonly nowMs: number;
  readonly earliestPutTs?: bigint;
}

export interface CompactionBatch {
  readonly chunks: Buffer[];
  /** Set on the last batch: cells written (0: every cell was dropped, nothing to upload). */
  readonly entries?: number;
}

const asBuffer = (u: Uint8Array): Buffer => Buffer.from(u.buffer, u.byteOffset, u.byteLength);

/**
 * Runs `job`, yielding the output file's bytes in batches; the last batch carries `entries`.
 * Throws CorruptionError if an input is not a well-formed HFile.
 */
export async function* runCompaction(job: CompactionJob): AsyncGenerator<CompactionBatch> {
  const files: StoreFileReaderLike[] = [];
  for (const i of job.inputs) {
    const r = await HFileReader.open(new BufferSource(asBuffer(i.bytes), i.name), { cacheDataOnRead: false });
    files.push(i.half === undefined || i.splitRow === undefined ? r : halfFileRef(r, i.half, asBuffer(i.splitRow)));
  }
  const scanner = new CompactionScanner({
    family: Buffer.from(job.family, 'utf8'),
    options: job.readOptions,
    kind: job.kind,
    files,
    nowMs: job.nowMs,
    earliestPutTs: job.earliestPutTs,
  });
  const writer = outputWriter(job);
  const out = new RowBuffer();
  const batches = new OutputBatches();
  while (await scanner.nextAsync(out, CELLS_PER_STEP)) {
    for (let i = 0; i < out.count; i++) writer.appendEncoded(out.keyBuf(i), out.keyOff(i), out.keyLen(i), out.valueBuf(i), out.valueOff(i), out.valueLen(i));
    const batch = batches.add(writer.takeOutput());
    if (batch !== undefined) yield batch;
  }
  if (writer.entryCount === 0) {
    yield { chunks: [], entries: 0 };
    return;
  }
  yield batches.last(writer.finish(), writer.entryCount);
}
