// The region, families and values shared by the crash test and its writer child.
import { columnFamily } from '../column-family.js';
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
