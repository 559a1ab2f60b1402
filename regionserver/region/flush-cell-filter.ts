// Which of a MemStore snapshot's cells a flush writes (flush-encode.ts), fed the cells in
// MemStore order (KeyValue order; among equal keys the newest write first):
//
//  - Of several cells with the same key (two puts of one column at one explicit timestamp),
//    only the first: the newest write, the one every read returns. An HFile holds a key once.
//  - Of a column's Puts, only the newest MAX_VERSIONS, as HBase's flush (its StoreScanner with
//    the family's version limit): the others are invisible to every read (non-raw reads return
//    at most MAX_VERSIONS of a column), so writing them only costs space and read time. A
//    workload that overwrites hot columns (YCSB's updates) leaves many such versions.
//
// A delete marker sorts before the Puts it masks (its timestamp is >= theirs, and at equal
// timestamps marker types sort first), and a masked Put must not count as a version. So a
// column stops being trimmed at its first Delete or DeleteColumn marker, and a row's columns
// are not trimmed at all after a DeleteFamily or DeleteFamilyVersion marker of the row (those
// have the empty qualifier: they come before the row's other columns). What the snapshot keeps
// from then on, compactions trim later. Markers themselves are always kept (they may mask cells
// in older files).
//
// As in HBase, a trimmed version is gone for the reads that could still have seen it: a read
// whose time range excludes the newer versions, a raw read, and a read after a Delete of one
// version (in an older file, or written later) unmasks it. Trimming in a compaction does the
// same; the HBase book documents it ("Major compactions change query results").
//
// Expired cells (TTL) are kept: reads skip them and major compactions drop them.
//
// MVCC: a flush writes only cells at or below its bound and waits until every write up to it
// completed (store-flush.ts). A store scanner keeps the MemStore sets and the files it opened
// on (MemStore.scanner, open-store-scanner.ts), so a read that started before the flush goes
// on reading the snapshot in memory. Every reader of the file therefore sees every cell in it,
// and trimming by the version count cannot hide a version a reader should see.

import { compareRanges } from '../../common/cells/encoded-key.js';
import { CellType, KEY_TRAILER_SIZE } from '../../common/cells/keyvalue-format.js';

export class FlushCellFilter {
  private prevBuf: Buffer | undefined = undefined;
  private prevOff = 0;
  private prevLen = 0;
  /** Puts of the current column kept so far. */
  private puts = 0;
  /** The current column had a Delete / DeleteColumn marker: keep the rest of it. */
  private columnMarked = false;
  /** The current row had a family marker: keep the rest of the row. */
  private rowMarked = false;

  /** REQUIRES: maxVersions >= 1 (the family's MAX_VERSIONS). */
  constructor(private readonly maxVersions: number) {}

  /**
   * Whether the flush writes the cell with key buf[off, off+len). REQUIRES: called for every
   * cell of the snapshot, in order; `buf` is not written to while the filter is in use.
   */
  keep(buf: Buffer, off: number, len: number): boolean {
    // The cells come sorted: only equality with the previous key matters, per part of the key.
    const prev = this.prevBuf;
    const rowEnd = off + 2 + ((buf[off]! << 8) | buf[off + 1]!);
    const columnEnd = off + len - KEY_TRAILER_SIZE;
    if (prev === undefined) {
      this.newColumn();
    } else {
      const po = this.prevOff;
      const pRowEnd = po + 2 + ((prev[po]! << 8) | prev[po + 1]!);
      const pColumnEnd = po + this.prevLen - KEY_TRAILER_SIZE;
      if (compareRanges(prev, po + 2, pRowEnd, buf, off + 2, rowEnd) !== 0) {
        this.rowMarked = false;
        this.newColumn();
      } else if (compareRanges(prev, pRowEnd, pColumnEnd, buf, rowEnd, columnEnd) !== 0) {
        // Family length, family and qualifier differ.
        this.newColumn();
      } else if (compareRanges(prev, pColumnEnd, pColumnEnd + KEY_TRAILER_SIZE, buf, columnEnd, columnEnd + KEY_TRAILER_SIZE) === 0) {
        // Timestamp and type too: the same key.
        return false;
      }
    }
    this.prevBuf = buf;
    this.prevOff = off;
    this.prevLen = len;
    const type = buf[off + len - 1]!;
    if (type === CellType.Put) {
      if (this.puts >= this.maxVersions && !this.columnMarked && !this.rowMarked) return false;
      this.puts++;
    } else if (type === CellType.DeleteFamily || type === CellType.DeleteFamilyVersion) {
      this.rowMarked = true;
    } else {
      this.columnMarked = true;
    }
    return true;
  }

  private newColumn(): void {
    this.puts = 0;
    this.columnMarked = false;
  }
}
