// Writes a MemStore snapshot as one HFile object: the encoding half of a flush.
//
// Cells come out of the snapshot in MemStore order (KeyValue order, newest write first among
// equal keys). An HFile holds each key once, so of several cells with the same key (two puts
// of one column at one explicit timestamp) only the first — the newest write — is written,
// which is the one every read would return. Nothing else is dropped: versions beyond
// MAX_VERSIONS, expired cells and delete markers stay for compactions to remove (HBase drops
// excess versions already at flush; here reads apply the limits, so the result is the same).
//
// The file streams to the object store block by block (bounded memory). Encoding runs on the
// event loop, yielding to it after every ~1 MiB of output so requests keep being served;
// moving big encodes to a worker_thread is a later optimisation (the snapshot's cells would
// have to be handed over as chunk buffers).

import { compareKeys } from '../../common/cells/encoded-key.js';
import type { ObjectStore } from '../../common/objectstore/object-store.js';
import { HFileWriter } from '../hfile/hfile-writer.js';
import type { MemStoreSnapshot } from '../memstore/memstore.js';
import type { MemCell } from '../memstore/mem-cell.js';
import type { ColumnFamilyDescriptor } from './column-family.js';

const YIELD_EVERY_BYTES = 1 << 20;

export interface SnapshotFileResult {
  /** Bytes of the object. */
  readonly size: number;
  /** Cells written (after dropping same-key duplicates). */
  readonly entries: number;
}

/**
 * Writes every cell of `snapshot` into a new HFile at `key` with the family's options and
 * MAX_SEQ_ID = `maxSeqId`. REQUIRES: the snapshot is not empty and no longer written to;
 * `key` is a fresh name (the upload is unconditional). Throws the object store's errors
 * (the upload then left nothing visible, or an unpublished object for the cleaner).
 */
export async function writeSnapshotFile(objectStore: ObjectStore, key: string, snapshot: MemStoreSnapshot, family: ColumnFamilyDescriptor, maxSeqId: bigint): Promise<SnapshotFileResult> {
  const writer = new HFileWriter({
    name: key,
    blockSize: family.blockSize,
    encoding: family.dataBlockEncoding,
    compression: family.compression,
    bloomType: family.bloomFilter,
    maxSeqId,
  });
  async function* blocks(): AsyncGenerator<Buffer> {
    const s = snapshot.scanner();
    let prev: MemCell | undefined;
    let sinceYield = 0;
    s.seekToFirst();
    for (let c = s.next(); c !== undefined; c = s.next()) {
      if (prev !== undefined && compareKeys(prev.buf, prev.keyOffset, prev.keyLen, c.buf, c.keyOffset, c.keyLen) === 0) continue;
      prev = c;
      writer.appendEncoded(c.buf, c.keyOffset, c.keyLen, c.buf, c.valueOffset, c.valueLen);
      const out = writer.takeOutput();
      for (const b of out) {
        sinceYield += b.length;
        yield b;
      }
      if (sinceYield >= YIELD_EVERY_BYTES) {
        sinceYield = 0;
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
    }
    yield* writer.finish();
  }
  const r = await objectStore.upload(key, blocks());
  return { size: r.size, entries: writer.entryCount };
}
