// Writes a MemStore snapshot as one HFile object: the encoding half of a flush.
//
// The snapshot's cells are listed in order (snapshotCells: the event loop copies the sorted set's
// positions, yielding now and then), then encoded by the flush runner — inline, or in a worker thread for
// a large snapshot (flush-runner.ts) — and uploaded batch by batch as they come (bounded
// memory: one batch of ~1 MiB in flight). What the file holds: flush-encode.ts.

import type { ObjectStore } from '../../common/objectstore/object-store.js';
import type { CompactionBatch } from '../compaction/compaction-core.js';
import { snapshotCells } from '../memstore/snapshot-cells.js';
import type { MemStoreSnapshot } from '../memstore/memstore.js';
import type { ColumnFamilyDescriptor } from './column-family.js';
import type { FlushJob } from './flush-encode.js';
import type { FlushRunner } from './flush-runner.js';
import { inlineFlushRunner } from './flush-runner.js';
import { InternalError } from '../../common/errors.js';

export interface SnapshotFileResult {
  /** Bytes of the object. */
  readonly size: number;
  /** Cells written (after dropping same-key duplicates and excess versions: flush-cell-filter.ts). */
  readonly entries: number;
}

/**
 * Writes every cell of `snapshot` into a new HFile at `key` with the family's options and
 * MAX_SEQ_ID = `maxSeqId`. REQUIRES: the snapshot is not empty and no longer written to;
 * `key` is a fresh name (the upload is unconditional). Throws the object store's errors
 * (the upload then left nothing visible, or an unpublished object for the cleaner), or the
 * runner's InternalError.
 */
export async function writeSnapshotFile(
  objectStore: ObjectStore,
  key: string,
  snapshot: MemStoreSnapshot,
  family: ColumnFamilyDescriptor,
  maxSeqId: bigint,
  runner: FlushRunner = inlineFlushRunner,
): Promise<SnapshotFileResult> {
  const cells = await snapshotCells(snapshot, runner.sharesChunks(snapshot.dataSize));
  const job: FlushJob = {
    chunks: cells.chunks,
    positions: cells.positions,
    outputName: key,
    maxSeqId,
    maxVersions: family.maxVersions,
    blockSize: family.blockSize,
    encoding: family.dataBlockEncoding,
    compression: family.compression,
    bloomType: family.bloomFilter,
  };
  const batches: AsyncIterator<CompactionBatch> = runner.run(job, snapshot.dataSize)[Symbol.asyncIterator]();
  let entries: number | undefined;
  async function* body(): AsyncGenerator<Buffer> {
    for (;;) {
      const n = await batches.next();
      if (n.done === true) return;
      yield* n.value.chunks;
      if (n.value.entries !== undefined) {
        entries = n.value.entries;
        return;
      }
    }
  }
  try {
    const r = await objectStore.upload(key, body());
    if (entries === undefined) throw new InternalError('flush encoder ended without a final batch', { details: { file: key } });
    return { size: r.size, entries };
  } finally {
    // Ends the runner (a worker is terminated) however the upload ended.
    await batches.return?.(undefined);
  }
}
