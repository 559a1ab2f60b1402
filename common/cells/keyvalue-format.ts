// Values of the KeyValue byte layout that are written to disk (WAL, HFiles).
// Written to disk and must never change. Retired values stay as comments.
// Layout: docs/formats/keyvalue.md

/** Cell types. Sort order at equal (row, family, qualifier, timestamp): higher code first. */
export const CellType = {
  Minimum: 0, // never stored: sorts after every real type (seek helper)
  Put: 4,
  Delete: 8, // one version of a column, at exactly the timestamp
  DeleteFamilyVersion: 10, // every column of the family, at exactly the timestamp
  DeleteColumn: 12, // every version of a column with timestamp <= ts
  DeleteFamily: 14, // every column of the family with timestamp <= ts
  Maximum: 255, // never stored: sorts before every real type (seek helper)
} as const;
export type CellType = (typeof CellType)[keyof typeof CellType];

/** keylen:u32 + valuelen:u32 */
export const KV_LENGTHS_SIZE = 8;
/** rowlen:u16 */
export const ROW_LENGTH_SIZE = 2;
/** famlen:u8 */
export const FAMILY_LENGTH_SIZE = 1;
/** timestamp:u64 + type:u8 */
export const KEY_TRAILER_SIZE = 9;
/** Smallest possible key: rowlen + famlen + timestamp + type. */
export const KEY_INFRASTRUCTURE_SIZE = ROW_LENGTH_SIZE + FAMILY_LENGTH_SIZE + KEY_TRAILER_SIZE;

export const MAX_ROW_LENGTH = 0x7fff; // 32767, as HBase
export const MAX_FAMILY_LENGTH = 0x7f; // 127, as HBase
/** Timestamps are non-negative signed 64-bit (HBase's Long.MAX_VALUE is "latest"). */
export const LATEST_TIMESTAMP = 0x7fffffffffffffffn;

export function isValidCellType(t: number): t is CellType {
  return t === CellType.Put || t === CellType.Delete || t === CellType.DeleteFamilyVersion || t === CellType.DeleteColumn || t === CellType.DeleteFamily;
}
