// Collects an HFile writer's finished blocks into output batches of about BATCH_BYTES: the unit
// a background encode (compaction or flush) hands to its caller's upload, so the upload runs
// while the next batch is encoded and memory stays at about one batch.

import type { CompactionBatch } from '../compaction/compaction-core.js';

/** A batch is handed out once at least this many bytes are pending. */
export const BATCH_BYTES = 1 << 20;

export class OutputBatches {
  private pending: Buffer[] = [];
  private bytes = 0;

  /** Adds finished blocks (HFileWriter.takeOutput); returns a batch once BATCH_BYTES are pending. */
  add(blocks: readonly Buffer[]): CompactionBatch | undefined {
    for (const b of blocks) {
      this.pending.push(b);
      this.bytes += b.length;
    }
    if (this.bytes < BATCH_BYTES) return undefined;
    const batch = { chunks: this.pending };
    this.pending = [];
    this.bytes = 0;
    return batch;
  }

  /** The last batch: what is pending, then `tail` (HFileWriter.finish), with the entry count. */
  last(tail: readonly Buffer[], entries: number): CompactionBatch {
    return { chunks: [...this.pending, ...tail], entries };
  }
}
