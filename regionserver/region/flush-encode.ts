// The CPU-heavy half of a flush: encode a MemStore snapshot's cells, listed in order by
// snapshotCells (regionserver/memstore/snapshot-cells.ts), as one HFile with the family's
// options. Pure computation over the snapshot's chunks, so it runs the same on the event loop
// (inlineFlushRunner) and in a worker thread (flush-runner.ts): the job is structured-clone
// serializable, and its chunks are shared memory, read in place.
//
// An HFile holds each key once, so of several cells with the same key (two puts of one column
// at one explicit timestamp) only the first — the newest write — is written, which is the one
// every read would return. Nothing else is dropped: versions beyond MAX_VERSIONS, expired
// cells and delete markers stay for compactions to remove (HBase drops excess versions already
// at flush; here reads apply the limits, so the result is the same).
//
// Output comes in batches of about 1 MiB (OutputBatches, as a compaction's), so the caller uploads
// while the next batch is encoded; the last batch carries the entry count.

import { compareKeys } from '../../common/cells/encoded-key.js';
import { KV_LENGTHS_SIZE } from '../../common/cells/keyvalue-format.js';
import { InternalError } from '../../common/errors.js';
import type { CompactionBatch } from '../compaction/compaction-core.js';
import type { OutputFileSpec } from '../worker/output-batches.js';
import { OutputBatches, outputWriter } from '../worker/output-batches.js';

/** Everything the encoder needs; structured-clone serializable. */
export interface FlushJob extends OutputFileSpec {
  /** The snapshot's chunks (SharedArrayBuffer views: shared with a worker, not copied). */
  readonly chunks: readonly Uint8Array[];
  /** Pairs (chunk index, KeyValue offset) in cell order; transferred to a worker. */
  readonly positions: Uint32Array;
}

const asBuffer = (u: Uint8Array): Buffer => (Buffer.isBuffer(u) ? u : Buffer.from(u.buffer, u.byteOffset, u.byteLength));

/**
 * Encodes `job`, yielding the file's bytes in batches; the last batch carries `entries`.
 * REQUIRES: at least one cell. Throws InternalError if a position does not point at a
 * KeyValue inside its chunk (a bookkeeping bug).
 */
export async function* encodeFlush(job: FlushJob): AsyncGenerator<CompactionBatch> {
  const chunks = job.chunks.map(asBuffer);
  const pos = job.positions;
  const writer = outputWriter(job);
  const out = new OutputBatches();
  let prevBuf: Buffer | undefined;
  let prevKeyOff = 0;
  let prevKeyLen = 0;
  for (let i = 0; i < pos.length; i += 2) {
    const buf = chunks[pos[i]!];
    const off = pos[i + 1]!;
    if (buf === undefined || off + KV_LENGTHS_SIZE > buf.length) throw badPosition(job, i);
    const keyLen = buf.readUInt32BE(off);
    const valueLen = buf.readUInt32BE(off + 4);
    const keyOff = off + KV_LENGTHS_SIZE;
    if (keyOff + keyLen + valueLen > buf.length) throw badPosition(job, i);
    if (prevBuf !== undefined && compareKeys(prevBuf, prevKeyOff, prevKeyLen, buf, keyOff, keyLen) === 0) continue;
    prevBuf = buf;
    prevKeyOff = keyOff;
    prevKeyLen = keyLen;
    writer.appendEncoded(buf, keyOff, keyLen, buf, keyOff + keyLen, valueLen);
    const batch = out.add(writer.takeOutput());
    if (batch !== undefined) yield batch;
  }
  yield out.last(writer.finish(), writer.entryCount);
}

function badPosition(job: FlushJob, i: number): InternalError {
  return new InternalError('flush cell position is outside its memstore chunk', {
    details: { file: job.outputName, cell: i / 2, chunk: job.positions[i], offset: job.positions[i + 1] },
  });
}
