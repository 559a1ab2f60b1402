// Cells as text for filter tests: `row/family:qualifier/timestamp=value`, one per line. Bytes
// that are not printable ASCII, and `/ : = \` inside row, family and qualifier, are written
// `\xNN`. Views are built at a non-zero offset of a larger buffer, as scanners hand them out.

import type { CellView } from '../../../common/cells/cell-view.js';
import { decodeKey, writeKey, keyLength } from '../../../common/cells/encoded-key.js';
import { CellType } from '../../../common/cells/keyvalue-format.js';

export function unescapeBytes(s: string): Buffer {
  const out: number[] = [];
  for (let i = 0; i < s.length; i++) {
    if (s[i] === '\\' && s[i + 1] === 'x') {
      out.push(parseInt(s.slice(i + 2, i + 4), 16));
      i += 3;
    } else {
      for (const b of Buffer.from(s[i]!, 'utf8')) out.push(b);
    }
  }
  return Buffer.from(out);
}

function escapeBytes(b: Buffer, special: string): string {
  let s = '';
  for (const x of b) {
    const ch = String.fromCharCode(x);
    s += x >= 0x20 && x <= 0x7e && !special.includes(ch) ? ch : `\\x${x.toString(16).padStart(2, '0')}`;
  }
  return s;
}

/** Builds a cell view; `pad` bytes precede the key and the value in their buffers. */
export function makeCell(row: Buffer, family: Buffer, qualifier: Buffer, ts: bigint, value: Buffer, pad = 3): CellView {
  const keyLen = keyLength(row.length, family.length, qualifier.length);
  const keyBuf = Buffer.alloc(pad + keyLen + pad, 0xee);
  writeKey(keyBuf, pad, row, family, qualifier, ts, CellType.Put);
  const valueBuf = Buffer.alloc(pad + value.length + pad, 0xee);
  value.copy(valueBuf, pad);
  return { keyBuf, keyOff: pad, keyLen, valueBuf, valueOff: pad, valueLen: value.length };
}

/** Parses `row/family:qualifier/ts=value`. */
export function parseCell(line: string): CellView {
  const m = /^([^/]*)\/([^:]*):([^/]*)\/(\d+)=(.*)$/.exec(line.trim());
  if (m === null) throw new Error(`bad cell line: ${line}`);
  return makeCell(unescapeBytes(m[1]!), unescapeBytes(m[2]!), unescapeBytes(m[3]!), BigInt(m[4]!), unescapeBytes(m[5]!));
}

export function formatCell(c: CellView): string {
  const k = decodeKey(c.keyBuf, c.keyOff, c.keyLen);
  const value = c.valueBuf.subarray(c.valueOff, c.valueOff + c.valueLen);
  return `${escapeBytes(k.row, '/:=\\')}/${escapeBytes(k.family, '/:=\\')}:${escapeBytes(k.qualifier, '/:=\\')}/${k.timestamp}=${escapeBytes(value, '\\')}`;
}

/** Groups cells (in the given order) into rows by row key. */
export function groupRows(cells: readonly CellView[]): CellView[][] {
  const rows: CellView[][] = [];
  let lastRow: Buffer | undefined;
  for (const c of cells) {
    const row = decodeKey(c.keyBuf, c.keyOff, c.keyLen).row;
    if (lastRow === undefined || !row.equals(lastRow)) rows.push([]);
    rows[rows.length - 1]!.push(c);
    lastRow = row;
  }
  return rows;
}
