// FileInfo: the HFile's metadata map (docs/formats/hfile.md, "FileInfo").
//
//   n:u32 | (keyLen:u16 key valueLen:u32 value) × n        keys are ASCII, unique
//
// Well-known keys (FileInfoKey in hfile-format.ts) have fixed value layouts; others are opaque
// bytes added by the caller (e.g. compaction markers).

import { CorruptionError, InvalidError } from '../../common/errors.js';
import { keyStructureError } from '../../common/cells/encoded-key.js';
import type { PayloadContext } from './data-block-reader.js';
import { BloomType, DataBlockEncoding, FileInfoKey } from './hfile-format.js';

/** The typed view of a file's FileInfo. */
export interface FileInfo {
  readonly avgKeyLen: number;
  readonly avgValueLen: number;
  /** Key of the last cell; undefined in an empty file. */
  readonly lastKey: Buffer | undefined;
  readonly maxSeqId: bigint;
  /** Smallest and largest cell timestamps; min > max in an empty file. */
  readonly timeRange: { readonly min: bigint; readonly max: bigint };
  readonly entries: bigint;
  readonly bloomType: BloomType;
  readonly dataBlockEncoding: DataBlockEncoding;
  /** Every entry, well-known ones included, as raw bytes. */
  readonly raw: ReadonlyMap<string, Buffer>;
}

export function encodeFileInfo(entries: ReadonlyMap<string, Buffer>): Buffer {
  let size = 4;
  for (const [k, v] of entries) size += 2 + Buffer.byteLength(k, 'latin1') + 4 + v.length;
  const out = Buffer.allocUnsafe(size);
  let p = out.writeUInt32BE(entries.size, 0);
  for (const [k, v] of entries) {
    if (!/^[\x20-\x7e]{1,256}$/.test(k)) throw new InvalidError('file info keys must be 1..256 printable ASCII characters', { details: { key: k } });
    p = out.writeUInt16BE(k.length, p);
    p += out.write(k, p, 'latin1');
    p = out.writeUInt32BE(v.length, p);
    p += v.copy(out, p);
  }
  return out;
}

function u64(v: bigint): Buffer {
  const b = Buffer.allocUnsafe(8);
  b.writeBigUInt64BE(v);
  return b;
}

function u32(v: number): Buffer {
  const b = Buffer.allocUnsafe(4);
  b.writeUInt32BE(v);
  return b;
}

/** The well-known entries, in the order they are written. */
export function wellKnownFileInfo(f: Omit<FileInfo, 'raw'>): Map<string, Buffer> {
  const m = new Map<string, Buffer>();
  m.set(FileInfoKey.AvgKeyLen, u32(f.avgKeyLen));
  m.set(FileInfoKey.AvgValueLen, u32(f.avgValueLen));
  if (f.lastKey !== undefined) m.set(FileInfoKey.LastKey, f.lastKey);
  m.set(FileInfoKey.MaxSeqId, u64(f.maxSeqId));
  m.set(FileInfoKey.TimeRange, Buffer.concat([u64(f.timeRange.min), u64(f.timeRange.max)]));
  m.set(FileInfoKey.Entries, u64(f.entries));
  m.set(FileInfoKey.BloomType, Buffer.from([f.bloomType]));
  m.set(FileInfoKey.DataBlockEncoding, Buffer.from([f.dataBlockEncoding]));
  return m;
}

/** Parses and checks a FileInfo payload. Throws CorruptionError if malformed or incomplete. */
export function decodeFileInfo(p: Buffer, ctx: PayloadContext): FileInfo {
  const fail = (msg: string, d: Record<string, string | number> = {}) => new CorruptionError(msg, { details: { file: ctx.file, offset: ctx.offset, ...d } });
  if (p.length < 4) throw fail('file info is too short');
  const n = p.readUInt32BE(0);
  const raw = new Map<string, Buffer>();
  let pos = 4;
  for (let i = 0; i < n; i++) {
    if (pos + 2 > p.length) throw fail('file info entry is truncated', { entry: i });
    const kl = p.readUInt16BE(pos);
    pos += 2;
    if (pos + kl + 4 > p.length) throw fail('file info entry is truncated', { entry: i });
    const k = p.toString('latin1', pos, pos + kl);
    pos += kl;
    const vl = p.readUInt32BE(pos);
    pos += 4;
    if (pos + vl > p.length) throw fail('file info entry is truncated', { entry: i });
    if (raw.has(k)) throw fail('file info has a duplicate key', { key: k });
    raw.set(k, p.subarray(pos, pos + vl));
    pos += vl;
  }
  if (pos !== p.length) throw fail('file info has trailing bytes', { at: pos });
  const need = (k: string, len: number): Buffer => {
    const v = raw.get(k);
    if (v === undefined || v.length !== len) throw fail('file info entry is missing or has the wrong size', { key: k });
    return v;
  };
  const lastKey = raw.get(FileInfoKey.LastKey);
  if (lastKey !== undefined && keyStructureError(lastKey, 0, lastKey.length, true) !== undefined) throw fail('file info LAST_KEY is not a valid key');
  const tr = need(FileInfoKey.TimeRange, 16);
  const bloomType = need(FileInfoKey.BloomType, 1)[0]!;
  const encoding = need(FileInfoKey.DataBlockEncoding, 1)[0]!;
  if (bloomType !== BloomType.None && bloomType !== BloomType.Row && bloomType !== BloomType.RowCol) throw fail('file info BLOOM_TYPE is unknown', { bloomType });
  if (encoding !== DataBlockEncoding.None && encoding !== DataBlockEncoding.Prefix) throw fail('file info DATA_BLOCK_ENCODING is unknown', { encoding });
  return {
    avgKeyLen: need(FileInfoKey.AvgKeyLen, 4).readUInt32BE(0),
    avgValueLen: need(FileInfoKey.AvgValueLen, 4).readUInt32BE(0),
    lastKey,
    maxSeqId: need(FileInfoKey.MaxSeqId, 8).readBigUInt64BE(0),
    timeRange: { min: tr.readBigUInt64BE(0), max: tr.readBigUInt64BE(8) },
    entries: need(FileInfoKey.Entries, 8).readBigUInt64BE(0),
    bloomType: bloomType as BloomType,
    dataBlockEncoding: encoding as DataBlockEncoding,
    raw,
  };
}
