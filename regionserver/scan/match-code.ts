// What the query matcher tells the store scanner to do with a cell (HBase's
// ScanQueryMatcher.MatchCode), and timestamp helpers shared by the matcher and its trackers.
//
// Timestamps are unsigned 64-bit big-endian in keys (non-negative, < 2^63). The read path keeps
// them as two uint32 halves (hi, lo) so comparisons are exact without BigInt.

export const MatchCode = {
  /** Include the cell; go on with the next cell. */
  INCLUDE: 0,
  /** Include the cell; skip the rest of its column. */
  INCLUDE_AND_SEEK_NEXT_COL: 1,
  /** Include the cell; skip the rest of the row (of this family). */
  INCLUDE_AND_SEEK_NEXT_ROW: 2,
  /** Leave the cell out; go on with the next cell. */
  SKIP: 3,
  /** Leave the cell out; skip the rest of its column. */
  SEEK_NEXT_COL: 4,
  /** Leave the cell out; skip the rest of the row. */
  SEEK_NEXT_ROW: 5,
  /** Leave the cell out; seek to the filter's hint. */
  SEEK_NEXT_USING_HINT: 6,
  /** The cell belongs to another row: the current row is complete (the cell is not consumed). */
  DONE: 7,
  /** The filter ends the scan (for this family). */
  DONE_SCAN: 8,
} as const;
export type MatchCode = (typeof MatchCode)[keyof typeof MatchCode];

const NAMES = ['INCLUDE', 'INCLUDE_AND_SEEK_NEXT_COL', 'INCLUDE_AND_SEEK_NEXT_ROW', 'SKIP', 'SEEK_NEXT_COL', 'SEEK_NEXT_ROW', 'SEEK_NEXT_USING_HINT', 'DONE', 'DONE_SCAN'];

export function matchCodeName(c: MatchCode): string {
  return NAMES[c] ?? `MatchCode(${c})`;
}

/** High 32 bits of the big-endian u64 at b[t]. */
export function u64Hi(b: Buffer, t: number): number {
  return ((b[t]! << 24) | (b[t + 1]! << 16) | (b[t + 2]! << 8) | b[t + 3]!) >>> 0;
}

/** Low 32 bits of the big-endian u64 at b[t]. */
export function u64Lo(b: Buffer, t: number): number {
  return ((b[t + 4]! << 24) | (b[t + 5]! << 16) | (b[t + 6]! << 8) | b[t + 7]!) >>> 0;
}

/** Sign of (ah, al) - (bh, bl). */
export function cmpTs(ah: number, al: number, bh: number, bl: number): number {
  if (ah !== bh) return ah < bh ? -1 : 1;
  return al < bl ? -1 : al > bl ? 1 : 0;
}

const TWO_32 = 4294967296;

/** (hi, lo) of a non-negative bigint < 2^64. */
export function splitTs(v: bigint): { hi: number; lo: number } {
  return { hi: Number(v >> 32n), lo: Number(v & 0xffffffffn) };
}

/** (hi, lo) of a non-negative integer number < 2^53. */
export function splitTsNumber(v: number): { hi: number; lo: number } {
  return { hi: Math.floor(v / TWO_32), lo: v % TWO_32 };
}

export function isDeleteType(type: number): boolean {
  return type !== 4; // CellType.Put; every other stored type is a delete marker
}
