// Field offsets of a CellView's encoded key, and the comparisons filters make on them, without
// allocating. Key layout (docs/formats/keyvalue.md):
//
//   rowlen:u16 | row | famlen:u8 | family | qualifier | timestamp:u64 | type:u8
//
// REQUIRES everywhere: the cell's key is structurally valid (scanners validate keys on load).

import type { CellView } from '../../common/cells/cell-view.js';
import { compareRanges } from '../../common/cells/encoded-key.js';
import { CellType, KEY_TRAILER_SIZE, LATEST_TIMESTAMP } from '../../common/cells/keyvalue-format.js';

export function rowStart(c: CellView): number {
  return c.keyOff + 2;
}

export function rowEnd(c: CellView): number {
  const b = c.keyBuf;
  return c.keyOff + 2 + ((b[c.keyOff]! << 8) | b[c.keyOff + 1]!);
}

export function familyStart(c: CellView): number {
  return rowEnd(c) + 1;
}

export function familyEnd(c: CellView): number {
  const famLenOff = rowEnd(c);
  return famLenOff + 1 + c.keyBuf[famLenOff]!;
}

/** The qualifier starts where the family ends. */
export const qualifierStart = familyEnd;

export function qualifierEnd(c: CellView): number {
  return c.keyOff + c.keyLen - KEY_TRAILER_SIZE;
}

/** Offset of the 8-byte big-endian timestamp in keyBuf. */
export function timestampOffset(c: CellView): number {
  return c.keyOff + c.keyLen - KEY_TRAILER_SIZE;
}

/** Compares the cell's row with b[bs, be). */
export function compareRowTo(c: CellView, b: Buffer, bs: number, be: number): number {
  return compareRanges(c.keyBuf, rowStart(c), rowEnd(c), b, bs, be);
}

/** Compares the cell's qualifier with b[bs, be). */
export function compareQualifierTo(c: CellView, b: Buffer, bs: number, be: number): number {
  return compareRanges(c.keyBuf, familyEnd(c), qualifierEnd(c), b, bs, be);
}

/** True if the cell's family equals `family` and its qualifier equals `qualifier`. */
export function matchesColumn(c: CellView, family: Buffer, qualifier: Buffer): boolean {
  const fs = familyStart(c);
  const fe = fs + c.keyBuf[fs - 1]!;
  if (fe - fs !== family.length) return false;
  const qe = qualifierEnd(c);
  if (qe - fe !== qualifier.length) return false;
  return compareRanges(c.keyBuf, fs, fe, family, 0, family.length) === 0 && compareRanges(c.keyBuf, fe, qe, qualifier, 0, qualifier.length) === 0;
}

/** True if the two cells have the same row. */
export function sameRow(a: CellView, b: CellView): boolean {
  return compareRanges(a.keyBuf, rowStart(a), rowEnd(a), b.keyBuf, rowStart(b), rowEnd(b)) === 0;
}

/** True if the two cells have the same row and family (HBase: the same store's part of the row). */
export function sameRowFamily(a: CellView, b: CellView): boolean {
  return compareRanges(a.keyBuf, a.keyOff, familyEnd(a), b.keyBuf, b.keyOff, familyEnd(b)) === 0;
}

/** True if the two cells have the same family (rows not compared). */
export function sameFamily(a: CellView, b: CellView): boolean {
  return compareRanges(a.keyBuf, familyStart(a), familyEnd(a), b.keyBuf, familyStart(b), familyEnd(b)) === 0;
}

/** True if the two cells have the same row, family and qualifier. */
export function sameColumn(a: CellView, b: CellView): boolean {
  return compareRanges(a.keyBuf, a.keyOff, qualifierEnd(a), b.keyBuf, b.keyOff, qualifierEnd(b)) === 0 && sameRowFamily(a, b);
}

/** True if `key` (an encoded key at offset 0) has the cell's row and family. */
export function keyHasRowFamilyOf(key: Buffer, c: CellView): boolean {
  const head = familyEnd(c) - c.keyOff;
  return key.length >= head && compareRanges(key, 0, head, c.keyBuf, c.keyOff, c.keyOff + head) === 0;
}

/**
 * A new key that sorts before every version of (the cell's row and family, `qualifier`): HBase's
 * createFirstOnRowCol. `qualifier` undefined means the empty qualifier.
 */
export function firstOnRowFamilyColumn(c: CellView, qualifier: Buffer | undefined, qualifierLen = qualifier?.length ?? 0): Buffer {
  return keyAfterFamily(c, qualifier, qualifierLen, LATEST_TIMESTAMP, CellType.Maximum);
}

/** A new key that sorts before every cell of the cell's column at `timestamp` or older. */
export function firstOnColumnAtTimestamp(c: CellView, timestamp: bigint): Buffer {
  const fe = familyEnd(c);
  const qe = qualifierEnd(c);
  return keyAfterFamily(c, c.keyBuf.subarray(fe, qe), qe - fe, timestamp, CellType.Maximum);
}

/** A new key that sorts after every version of the cell's column: HBase's createLastOnRowCol. */
export function lastOnColumn(c: CellView): Buffer {
  const fe = familyEnd(c);
  const qe = qualifierEnd(c);
  return keyAfterFamily(c, c.keyBuf.subarray(fe, qe), qe - fe, 0n, CellType.Minimum);
}

// rowlen, row, famlen and family are the key's first bytes: copy them, then add the rest.
function keyAfterFamily(c: CellView, qualifier: Buffer | undefined, qualifierLen: number, timestamp: bigint, type: number): Buffer {
  const head = familyEnd(c) - c.keyOff;
  const key = Buffer.allocUnsafe(head + qualifierLen + KEY_TRAILER_SIZE);
  c.keyBuf.copy(key, 0, c.keyOff, c.keyOff + head);
  if (qualifier !== undefined) qualifier.copy(key, head, 0, qualifierLen);
  key.writeBigUInt64BE(timestamp, head + qualifierLen);
  key[head + qualifierLen + 8] = type;
  return key;
}
