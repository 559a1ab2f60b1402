// Seek keys built into reusable scratch buffers (no allocation per seek): the encoded-key forms
// (docs/formats/keyvalue.md, rowlen..type) of HBase's createFirstOnRow, createFirstOnRowCol,
// createLastOnRowCol and "first on the next row".
//
// A SeekKey owns one growable buffer; `buf[0, len)` holds the key after a build call and stays
// valid until the next build call on the same SeekKey.

import type { CellView } from '../../common/cells/cell-view.js';
import { CellType, KEY_TRAILER_SIZE } from '../../common/cells/keyvalue-format.js';

const EMPTY = Buffer.alloc(0);

export class SeekKey {
  buf: Buffer = EMPTY;
  len = 0;

  private ensure(n: number): Buffer {
    if (this.buf.length < n) this.buf = Buffer.allocUnsafe(Math.max(n, 64, 2 * this.buf.length));
    return this.buf;
  }

  /** The smallest key of row src[off, off+len) (famlen 0, LATEST, Maximum). */
  firstOnRow(src: Buffer, off: number, len: number): this {
    return this.rowKey(src, off, len, false);
  }

  /** The smallest key of the row right after src[off, off+len) (the row plus a 0x00 byte). */
  firstOnNextRow(src: Buffer, off: number, len: number): this {
    return this.rowKey(src, off, len, true);
  }

  private rowKey(src: Buffer, off: number, len: number, successor: boolean): this {
    const rl = successor ? len + 1 : len;
    const n = 2 + rl + 1 + KEY_TRAILER_SIZE;
    const b = this.ensure(n);
    b[0] = rl >>> 8;
    b[1] = rl & 0xff;
    if (len <= 32) for (let i = 0; i < len; i++) b[2 + i] = src[off + i]!;
    else src.copy(b, 2, off, off + len);
    let p = 2 + len;
    if (successor) b[p++] = 0;
    b[p++] = 0; // famlen
    writeLatestMaximum(b, p);
    this.len = n;
    return this;
  }

  /** The smallest key of the row of cell `c`. */
  firstOnRowOf(c: CellView): this {
    const b = c.keyBuf;
    const o = c.keyOff;
    return this.firstOnRow(b, o + 2, (b[o]! << 8) | b[o + 1]!);
  }

  /** The smallest key of (row and family of `c`, qualifier q[qOff, qOff+qLen)). */
  firstOnColumn(c: CellView, q: Buffer, qOff: number, qLen: number): this {
    const head = familyEnd(c) - c.keyOff;
    const n = head + qLen + KEY_TRAILER_SIZE;
    const b = this.ensure(n);
    c.keyBuf.copy(b, 0, c.keyOff, c.keyOff + head);
    q.copy(b, head, qOff, qOff + qLen);
    writeLatestMaximum(b, head + qLen);
    this.len = n;
    return this;
  }

  /** A key after every version of the column of `c` (timestamp 0, type Minimum). */
  lastOnColumn(c: CellView): this {
    const n = c.keyLen;
    const b = this.ensure(n);
    c.keyBuf.copy(b, 0, c.keyOff, c.keyOff + n - KEY_TRAILER_SIZE);
    b.fill(0, n - KEY_TRAILER_SIZE, n); // timestamp 0, type Minimum (0)
    this.len = n;
    return this;
  }

  /** A copy of key[off, off+len). */
  copyOf(key: Buffer, off: number, len: number): this {
    const b = this.ensure(len);
    key.copy(b, 0, off, off + len);
    this.len = len;
    return this;
  }
}

function writeLatestMaximum(b: Buffer, p: number): void {
  b[p] = 0x7f;
  for (let i = 1; i < 8; i++) b[p + i] = 0xff;
  b[p + 8] = CellType.Maximum;
}

/** Offset just past the family of the cell's key. */
export function familyEnd(c: CellView): number {
  const b = c.keyBuf;
  const famLenOff = c.keyOff + 2 + ((b[c.keyOff]! << 8) | b[c.keyOff + 1]!);
  return famLenOff + 1 + b[famLenOff]!;
}
