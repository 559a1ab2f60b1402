// Encoding and checking of the block cache file tier's records and index files
// (docs/formats/block-cache-tier.md):
//
//   segment := magic:u32 "TSBS" | version:u32 | record*
//   record  := magic:u32 "TSBR" | crc:u32 | dataLen:u32 | blockOffset:u64 | flags:u8
//              | fileIdLen:u16 | fileId | data            (crc: CRC32C of bytes after crc)
//   index   := magic:u32 "TSBI" | version:u32 | segmentLength:u64 | count:u32 | entry*
//              | crc:u32                                  (crc: CRC32C of bytes before it)
//   entry   := recordPos:u32 | dataLen:u32 | crc:u32 | blockOffset:u64 | flags:u8
//              | fileIdLen:u16 | fileId
//
// Pure functions; no I/O. Functions that parse untrusted bytes return undefined on anything
// malformed instead of throwing: in a cache, damage means "not cached".

import { crc32c } from '@node-rs/crc32';
import {
  FORMAT_VERSION,
  INDEX_ENTRY_FIXED_SIZE,
  INDEX_HEADER_SIZE,
  INDEX_MAGIC,
  INDEX_TRAILER_SIZE,
  RECORD_CRC_START,
  RECORD_HEADER_SIZE,
  RECORD_MAGIC,
  SEGMENT_HEADER_SIZE,
  SEGMENT_MAGIC,
} from './file-tier-format.js';

/** Where a record lives in its segment and what it holds. */
export interface RecordInfo {
  readonly pos: number;
  readonly dataLen: number;
  readonly crc: number;
  readonly blockOffset: number;
  readonly flags: number;
  readonly fileId: string;
}

/** Bytes of a record's header for a fileId of `fileIdLen` bytes. */
export function recordHeaderLength(fileIdLen: number): number {
  return RECORD_HEADER_SIZE + fileIdLen;
}

export function encodeSegmentHeader(): Buffer {
  const b = Buffer.allocUnsafe(SEGMENT_HEADER_SIZE);
  b.writeUInt32BE(SEGMENT_MAGIC, 0);
  b.writeUInt32BE(FORMAT_VERSION, 4);
  return b;
}

/** True if `buf` starts with a segment header of this format version. */
export function checkSegmentHeader(buf: Buffer): boolean {
  return buf.length >= SEGMENT_HEADER_SIZE && buf.readUInt32BE(0) === SEGMENT_MAGIC && buf.readUInt32BE(4) === FORMAT_VERSION;
}

/**
 * The header (with fileId) of a record holding `data`; the record is header ++ data.
 * Also returns the record CRC. REQUIRES: fileIdBytes.length <= MAX_FILE_ID_BYTES,
 * blockOffset a safe non-negative integer.
 */
export function encodeRecordHeader(fileIdBytes: Buffer, blockOffset: number, flags: number, data: Buffer): { header: Buffer; crc: number } {
  const header = Buffer.allocUnsafe(RECORD_HEADER_SIZE + fileIdBytes.length);
  header.writeUInt32BE(RECORD_MAGIC, 0);
  header.writeUInt32BE(data.length, 8);
  writeU64(header, 12, blockOffset);
  header.writeUInt8(flags, 20);
  header.writeUInt16BE(fileIdBytes.length, 21);
  fileIdBytes.copy(header, RECORD_HEADER_SIZE);
  const crc = crc32c(data, crc32c(header.subarray(RECORD_CRC_START)));
  header.writeUInt32BE(crc, 4);
  return { header, crc };
}

/**
 * Parses and checks the record at `pos` of `buf` (a whole segment or a prefix of one).
 * Returns undefined if the bytes there are not a complete record with a valid CRC.
 */
export function parseRecord(buf: Buffer, pos: number): RecordInfo | undefined {
  if (pos + RECORD_HEADER_SIZE > buf.length || buf.readUInt32BE(pos) !== RECORD_MAGIC) return undefined;
  const crc = buf.readUInt32BE(pos + 4);
  const dataLen = buf.readUInt32BE(pos + 8);
  const blockOffset = readU64(buf, pos + 12);
  const flags = buf.readUInt8(pos + 20);
  const fileIdLen = buf.readUInt16BE(pos + 21);
  const end = pos + RECORD_HEADER_SIZE + fileIdLen + dataLen;
  if (blockOffset === undefined || end > buf.length) return undefined;
  if (crc32c(buf.subarray(pos + RECORD_CRC_START, end)) !== crc) return undefined;
  const fileId = buf.toString('utf8', pos + RECORD_HEADER_SIZE, pos + RECORD_HEADER_SIZE + fileIdLen);
  return { pos, dataLen, crc, blockOffset, flags, fileId };
}

/**
 * Checks that `rec` (the bytes read for a whole record) is the record `expected` describes.
 * Returns the block (a view into rec) or undefined if anything differs or the CRC fails.
 */
export function verifyRecord(rec: Buffer, expected: RecordInfo): Buffer | undefined {
  const hdr = RECORD_HEADER_SIZE;
  if (rec.length < hdr || rec.readUInt32BE(0) !== RECORD_MAGIC) return undefined;
  if (rec.readUInt32BE(4) !== expected.crc || rec.readUInt32BE(8) !== expected.dataLen) return undefined;
  if (readU64(rec, 12) !== expected.blockOffset || rec.readUInt8(20) !== expected.flags) return undefined;
  const fileIdLen = rec.readUInt16BE(21);
  if (rec.length !== hdr + fileIdLen + expected.dataLen) return undefined;
  if (rec.toString('utf8', hdr, hdr + fileIdLen) !== expected.fileId) return undefined;
  if (crc32c(rec.subarray(RECORD_CRC_START)) !== expected.crc) return undefined;
  return rec.subarray(hdr + fileIdLen);
}

/** Encodes the index of a segment of `segmentLength` bytes holding `entries`. */
export function encodeIndex(segmentLength: number, entries: readonly RecordInfo[]): Buffer {
  const ids = entries.map((e) => Buffer.from(e.fileId, 'utf8'));
  let len = INDEX_HEADER_SIZE + INDEX_TRAILER_SIZE;
  for (const id of ids) len += INDEX_ENTRY_FIXED_SIZE + id.length;
  const b = Buffer.allocUnsafe(len);
  b.writeUInt32BE(INDEX_MAGIC, 0);
  b.writeUInt32BE(FORMAT_VERSION, 4);
  writeU64(b, 8, segmentLength);
  b.writeUInt32BE(entries.length, 16);
  let off = INDEX_HEADER_SIZE;
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i]!;
    const id = ids[i]!;
    b.writeUInt32BE(e.pos, off);
    b.writeUInt32BE(e.dataLen, off + 4);
    b.writeUInt32BE(e.crc, off + 8);
    writeU64(b, off + 12, e.blockOffset);
    b.writeUInt8(e.flags, off + 20);
    b.writeUInt16BE(id.length, off + 21);
    id.copy(b, off + INDEX_ENTRY_FIXED_SIZE);
    off += INDEX_ENTRY_FIXED_SIZE + id.length;
  }
  b.writeUInt32BE(crc32c(b.subarray(0, off)), off);
  return b;
}

/** Decodes an index file; undefined if it is malformed or its CRC fails. */
export function decodeIndex(b: Buffer): { segmentLength: number; entries: RecordInfo[] } | undefined {
  if (b.length < INDEX_HEADER_SIZE + INDEX_TRAILER_SIZE) return undefined;
  if (b.readUInt32BE(0) !== INDEX_MAGIC || b.readUInt32BE(4) !== FORMAT_VERSION) return undefined;
  const body = b.length - INDEX_TRAILER_SIZE;
  if (crc32c(b.subarray(0, body)) !== b.readUInt32BE(body)) return undefined;
  const segmentLength = readU64(b, 8);
  if (segmentLength === undefined) return undefined;
  const count = b.readUInt32BE(16);
  const entries: RecordInfo[] = [];
  let off = INDEX_HEADER_SIZE;
  for (let i = 0; i < count; i++) {
    if (off + INDEX_ENTRY_FIXED_SIZE > body) return undefined;
    const fileIdLen = b.readUInt16BE(off + 21);
    const idStart = off + INDEX_ENTRY_FIXED_SIZE;
    if (idStart + fileIdLen > body) return undefined;
    const blockOffset = readU64(b, off + 12);
    if (blockOffset === undefined) return undefined;
    entries.push({
      pos: b.readUInt32BE(off),
      dataLen: b.readUInt32BE(off + 4),
      crc: b.readUInt32BE(off + 8),
      blockOffset,
      flags: b.readUInt8(off + 20),
      fileId: b.toString('utf8', idStart, idStart + fileIdLen),
    });
    off = idStart + fileIdLen;
  }
  if (off !== body) return undefined;
  return { segmentLength, entries };
}

function writeU64(b: Buffer, off: number, v: number): void {
  b.writeUInt32BE(Math.floor(v / 0x1_0000_0000), off);
  b.writeUInt32BE(v % 0x1_0000_0000, off + 4);
}

/** A u64 that is a safe integer, or undefined. */
function readU64(b: Buffer, off: number): number | undefined {
  const hi = b.readUInt32BE(off);
  if (hi > 0x1fffff) return undefined;
  return hi * 0x1_0000_0000 + b.readUInt32BE(off + 4);
}
