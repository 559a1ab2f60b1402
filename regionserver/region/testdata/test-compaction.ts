// A minimal compaction for tests (not the compaction engine): merges every live file of a
// store into one, dropping nothing but same-key duplicates (the newest file's cell wins, as
// reads resolve them), publishes it with a `compaction` manifest change and swaps the store's
// readers with Store.replaceFiles. It keeps the randomized tests' file counts bounded and
// exercises the compaction hook: CAS, retired inputs, readers swapped under running reads.
import { compareKeyBuffers } from '../../../common/cells/encoded-key.js';
import type { Clock } from '../../../common/clock.js';
import type { ObjectStore } from '../../../common/objectstore/object-store.js';
import { parseStoreFileName } from '../../../common/paths.js';
import type { Random } from '../../../common/random.js';
import { HFileWriter } from '../../hfile/hfile-writer.js';
import { newStoreFileName } from '../../store/manifest.js';
import type { StoreFileEntry } from '../../store/manifest.js';
import type { Store } from '../store.js';
import { openHFile } from '../store-file.js';

/** Compacts every live file of `store` into one. Returns the inputs' count (0: nothing to do). Throws the object store's and the manifest's errors. */
export async function compactAllFiles(objectStore: ObjectStore, store: Store, clock: Clock, random: Random): Promise<number> {
  const inputs = store.files.filter((f) => f.reference === undefined);
  if (inputs.length < 2) return 0;
  // store.files is newest first: the first cell seen for a key is the one reads return.
  const cells: Array<{ key: Buffer; value: Buffer; rank: number }> = [];
  for (let rank = 0; rank < inputs.length; rank++) {
    const s = inputs[rank]!.reader.scanner();
    for (let ok = await s.seekToFirst(); ok; ok = await s.next()) cells.push({ key: s.key(), value: s.value(), rank });
  }
  cells.sort((a, b) => compareKeyBuffers(a.key, b.key) || a.rank - b.rank);
  let maxSeqId = 0n;
  for (const f of inputs) if (f.entry.maxSeqId > maxSeqId) maxSeqId = f.entry.maxSeqId;
  const fam = store.family;
  const w = new HFileWriter({ blockSize: fam.blockSize, encoding: fam.dataBlockEncoding, compression: fam.compression, bloomType: fam.bloomFilter, maxSeqId });
  const parts: Buffer[] = [];
  let prev: Buffer | undefined;
  for (const c of cells) {
    if (prev !== undefined && compareKeyBuffers(prev, c.key) === 0) continue;
    prev = c.key;
    w.appendEncoded(c.key, 0, c.key.length, c.value, 0, c.value.length);
    parts.push(...w.takeOutput());
  }
  parts.push(...w.finish());
  const name = newStoreFileName(clock, random);
  const key = store.manifest.fileKey(name);
  await objectStore.put(key, Buffer.concat(parts));
  const reader = await openHFile(objectStore, key);
  const entry: StoreFileEntry = {
    name,
    size: reader.fileSize,
    entries: Number(reader.fileInfo.entries),
    maxSeqId,
    minTs: reader.fileInfo.timeRange.min,
    maxTs: reader.fileInfo.timeRange.max,
    firstKey: reader.firstKey!,
    lastKey: reader.fileInfo.lastKey!,
    bloomType: fam.bloomFilter,
    createdMs: parseStoreFileName(name)!.createdMs,
    majorCompaction: false, // delete markers are kept
  };
  const names = inputs.map((f) => f.name);
  await store.manifest.commit({ kind: 'compaction', inputFiles: names, inputReferences: [], outputs: [entry] });
  store.replaceFiles(names, [{ name, key, entry, reader }]);
  return inputs.length;
}
