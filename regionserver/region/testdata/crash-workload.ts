// The region, families and values shared by the crash test and its writer child.
import type { ObjectStore } from '../../../common/objectstore/object-store.js';
import type { SequenceAccounting } from '../../wal/sequence-accounting.js';
import type { WalWriter } from '../../wal/wal-writer.js';
import { columnFamily } from '../column-family.js';
import type { Region } from '../region.js';
import { openRegion } from '../region-open.js';
import { regionInfo } from '../region-info.js';

export const CRASH_SERVER = 'rs-crash';
export const CRASH_REGION = regionInfo('default', 'crash', Buffer.alloc(0), Buffer.alloc(0), 1);
export const CRASH_FAMILIES = [columnFamily({ name: 'f' }), columnFamily({ name: 'c', compression: 'SNAPPY' })];

/** The value a child puts in `row` (checked byte for byte after recovery). */
export function putValue(row: string): Buffer {
  return Buffer.from(`v-${row}-${'x'.repeat(row.length * 7 % 97)}`);
}

export function counterRow(i: number): string {
  return `c${i}`;
}

/** Opens the crash test's region as its writer children do (replaying recovered edits). */
export function openCrashRegion(
  objectStore: ObjectStore,
  wal: WalWriter,
  accounting: SequenceAccounting,
  flushSizeBytes: number,
  onBackgroundError?: (e: unknown) => void,
): Promise<Region> {
  return openRegion({
    objectStore,
    info: CRASH_REGION,
    families: CRASH_FAMILIES,
    server: CRASH_SERVER,
    wal,
    accounting,
    config: { flushSizeBytes, blockingStoreFiles: 100_000 },
    ...(onBackgroundError !== undefined ? { onBackgroundError } : {}),
  });
}
