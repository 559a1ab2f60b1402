// Helpers for the store tests: store ids, file entries and uploaded stand-in files (the
// manifest layer never reads a file's bytes, so a file here is `size` opaque bytes).

import { buildKey } from '../../common/cells/encoded-key.js';
import { CellType } from '../../common/cells/keyvalue-format.js';
import type { Clock } from '../../common/clock.js';
import type { ObjectStore } from '../../common/objectstore/object-store.js';
import type { StoreId } from '../../common/paths.js';
import { encodeRegionName, parseStoreFileName, storeFileKey } from '../../common/paths.js';
import type { Random } from '../../common/random.js';
import type { ReferenceEntry, StoreFileEntry } from './manifest.js';
import { newStoreFileName } from './manifest.js';

export function regionOf(label: string): string {
  return encodeRegionName(`t1,${label},1700000000000.`);
}

export function storeOf(label: string, family = 'cf'): StoreId {
  return { namespace: 'default', table: 't1', region: regionOf(label), family };
}

export interface EntryOpts {
  readonly size?: number;
  readonly maxSeqId?: bigint;
  readonly entries?: number;
  readonly minTs?: bigint;
  readonly maxTs?: bigint;
  readonly majorCompaction?: boolean;
}

/** The encoded key of a Put of `row`, family cf, qualifier q, at time 1000. */
export function keyAt(row: string): Buffer {
  return buildKey(Buffer.from(row), Buffer.from('cf'), Buffer.from('q'), 1000n, CellType.Put);
}

/** A well-formed entry for the file `name` (made by newStoreFileName). */
export function entryFor(name: string, o: EntryOpts = {}): StoreFileEntry {
  const parsed = parseStoreFileName(name);
  if (parsed === undefined) throw new Error(`not a store file name: ${name}`);
  return {
    name,
    size: o.size ?? 100,
    entries: o.entries ?? 10,
    maxSeqId: o.maxSeqId ?? 1n,
    minTs: o.minTs ?? 1000n,
    maxTs: o.maxTs ?? 2000n,
    firstKey: keyAt('row-a'),
    lastKey: keyAt('row-z'),
    bloomType: 'ROW',
    createdMs: parsed.createdMs,
    majorCompaction: o.majorCompaction ?? false,
  };
}

/** Uploads `size` bytes under a fresh name of `store` and returns its entry. */
export async function uploadFile(objectStore: ObjectStore, store: StoreId, clock: Clock, random: Random, o: EntryOpts = {}): Promise<StoreFileEntry> {
  const name = newStoreFileName(clock, random);
  const size = o.size ?? 100;
  await objectStore.put(storeFileKey(store, name), Buffer.alloc(size, 7));
  return entryFor(name, { ...o, size });
}

/** A reference of a daughter to `half` of a parent file. */
export function referenceTo(parentRegion: string, family: string, parentFile: StoreFileEntry, half: 'top' | 'bottom', createdMs: number): ReferenceEntry {
  return { parentRegion, parentFamily: family, parentFile, half, splitRow: Buffer.from('row-m'), createdMs };
}
