// The CPU-heavy half of a flush: encode a MemStore snapshot's cells, listed in order by
// snapshotCells (regionserver/memstore/snapshot-cells.ts), as one HFile with the family's
// options. Pure computation over the snapshot's chunks, so it runs the same on the event loop
// (inlineFlushRunner) and in a worker thread (flush-runner.ts): the job is structured-clone
// serializable, and for a worker its chunks are shared memory, read in place.
//
// Which cells the file gets (the newest of equal keys, at most MAX_VERSIONS Puts of a column,
// every marker): flush-cell-filter.ts.
//
// Output comes in batches of about 1 MiB (OutputBatches, as a compaction's), so the caller uploads
// while the next batch is encoded; the last batch carries the entry count.

import { KV_LENGTHS_SIZE } from '../../common/cells/keyvalue-format.js';
import { InternalError } from '../../common/errors.js';
import type { CompactionBatch } from '../compaction/compaction-core.js';
import type { OutputFileSpec } from '../worker/output-batches.js';
import { OutputBatches, outputWriter } from '../worker/output-batches.js';
import { FlushCellFilter } from './flush-cell-filter.js';

/** Everything the encoder needs; structured-clone serializable. */
export interface FlushJob extends OutputFileSpec {
  /** The snapshot's chunks (for a worker, SharedArrayBuffer views: shared, not copied). */
  readonly chunks: readonly Uint8Array[];
  /** Pairs (chunk index, KeyValue offset) in cell order; transferred to a worker. */
  readonly positions: Uint32Array;
  /** The family's MAX_VERSIONS: Puts of a column beyond it are not written. */
  readonly maxVersions: number;
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
  const filter = new FlushCellFilter(job.maxVersions);
  for (let i = 0; i < pos.length; i += 2) {
    const buf = chunks[pos[i]!];
    const off = pos[i + 1]!;
    if (buf === undefined || off + KV_LENGTHS_SIZE > buf.length) throw badPosition(job, i);
    const keyLen = buf.readUInt32BE(off);
    const valueLen = buf.readUInt32BE(off + 4);
    const keyOff = off + KV_LENGTHS_SIZE;
    if (keyOff + keyLen + valueLen > buf.length) throw badPosition(job, i);
    if (!filter.keep(buf, keyOff, keyLen)) continue;
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
