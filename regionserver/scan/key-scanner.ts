// KeyValueScanner: one sorted source of cells (a MemStore, an HFile, half of an HFile) as the
// read path's heap sees it — HBase's KeyValueScanner, made synchronous-first.
//
// The current cell is exposed as CellView fields (views into the source's buffers, valid until
// the scanner's next operation). The value's buffer (a MemStore chunk, an HFile block) is never
// written again; so is the key's when keyBuf === valueBuf (a key rebuilt in a scratch buffer,
// as a PREFIX-encoded block's, is in another buffer): readers may keep such cells by
// reference. Every positioning operation returns
//   FOUND    (1)  positioned on a cell,
//   END      (0)  no such cell (the scanner is exhausted),
//   NEEDS_IO (-1) a block or bloom chunk must be loaded first: `await fetchPending()` and call
//                 the SAME operation again with the same arguments. Nothing observable changed.
// Operations are absolute (their result depends only on their arguments, not on the current
// position), so repeating one after NEEDS_IO is always correct.
//
// Reversed scans (HBase's ReversedKeyValueScanner) visit rows in descending order, each row's
// cells in ascending order: seekToPreviousRow / seekToLastRow / backwardSeek position at the
// FIRST cell of a row, and next() then walks forward through it.
//
// Thread safety: one caller at a time.

import type { CellView } from '../../common/cells/cell-view.js';

export { END, FOUND, NEEDS_IO } from '../hfile/hfile-scanner.js';
export type { ScanStatus } from '../hfile/hfile-scanner.js';
import type { ScanStatus } from '../hfile/hfile-scanner.js';

/** Order of MemStore scanners: newer than every file. */
export const MEMSTORE_ORDER = Number.MAX_SAFE_INTEGER;

export interface KeyValueScanner extends CellView {
  /**
   * Which source wins between cells with equal keys: larger is newer. MemStores use
   * MEMSTORE_ORDER; files their MAX_SEQ_ID (made unique by the caller).
   */
  readonly order: number;
  /** First cell with key >= key[off, off+len). */
  seek(key: Buffer, off: number, len: number): ScanStatus;
  /** Like seek, cheaper when the target is at or after the current position. */
  reseek(key: Buffer, off: number, len: number): ScanStatus;
  /** The cell after the current one. REQUIRES: positioned (last result FOUND). */
  next(): ScanStatus;
  /** First cell of the last row whose row is < the row of key[off, off+len). */
  seekToPreviousRow(key: Buffer, off: number, len: number): ScanStatus;
  /** First cell of the last row. */
  seekToLastRow(): ScanStatus;
  /**
   * First cell >= key[off, off+len) if it has the key's row; otherwise seekToPreviousRow(key).
   */
  backwardSeek(key: Buffer, off: number, len: number): ScanStatus;
  /** Loads what the last NEEDS_IO asked for. Throws CorruptionError / source errors. */
  fetchPending(): Promise<void>;
  /** The scanner will not be used again (it may be recycled). */
  close(): void;
}
