// The output side of a background encode (compaction or flush): the file's writer, made from
// the job's output fields, and the collection of its finished blocks into batches of about
// BATCH_BYTES — the unit handed to the caller's upload, so the upload runs while the next
// batch is encoded and memory stays at about one batch.

import type { CompactionBatch } from '../compaction/compaction-core.js';
import type { CompressionName } from '../hfile/compression.js';
import type { BloomTypeName, EncodingName } from '../hfile/hfile-writer.js';
import { HFileWriter } from '../hfile/hfile-writer.js';

/** The output file of a job (part of CompactionJob and FlushJob). */
export interface OutputFileSpec {
  /** Object key of the file (names it in errors). */
  readonly outputName: string;
  readonly maxSeqId: bigint;
  readonly blockSize: number;
  readonly encoding: EncodingName;
  readonly compression: CompressionName;
  readonly bloomType: BloomTypeName;
}

/** A writer for the job's output file. */
export function outputWriter(spec: OutputFileSpec): HFileWriter {
  return new HFileWriter({
    name: spec.outputName,
    blockSize: spec.blockSize,
    encoding: spec.encoding,
    compression: spec.compression,
    bloomType: spec.bloomType,
    maxSeqId: spec.maxSeqId,
  });
}

/** A batch is handed out once at least this many bytes are pending. */
const BATCH_BYTES = 1 << 20;

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
