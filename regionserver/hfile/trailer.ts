// The fixed-size trailer at the end of every HFile (docs/formats/hfile.md, "Trailer").
// Field offsets are the TR_* constants of hfile-format.ts; CRC32C covers bytes [4, 128).

import { crc32c } from '@node-rs/crc32';
import { CorruptionError } from '../../common/errors.js';
import { isKnownCodec } from './compression.js';
import type { BloomType, Codec, DataBlockEncoding } from './hfile-format.js';
import {
  BloomType as Bloom,
  DataBlockEncoding as Enc,
  HFILE_MAGIC,
  HFILE_MAJOR_VERSION,
  MAX_INDEX_LEVELS,
  TR_BLOOM_CHUNKS_OFFSET,
  TR_BLOOM_META_OFFSET,
  TR_BLOOM_TYPE,
  TR_COMPRESSION,
  TR_CRC,
  TR_DATA_BLOCK_COUNT,
  TR_DATA_SECTION_END,
  TR_ENCODING,
  TR_ENTRY_COUNT,
  TR_FILE_INFO_OFFSET,
  TR_INDEX_LEVELS,
  TR_LOAD_ON_OPEN_OFFSET,
  TR_MAGIC,
  TR_MAJOR_VERSION,
  TR_MID_KEY_INDEX,
  TR_MID_LEAF_OFFSET,
  TR_MID_LEAF_SIZE,
  TR_MINOR_VERSION,
  TR_UNCOMPRESSED_DATA_BYTES,
  TRAILER_SIZE,
} from './hfile-format.js';
import { HFILE_MINOR_VERSION } from './hfile-format.js';

export interface Trailer {
  readonly indexLevels: number;
  readonly loadOnOpenOffset: number;
  readonly fileInfoOffset: number;
  /** 0 when the file has no bloom. */
  readonly bloomMetaOffset: number;
  readonly bloomChunksOffset: number;
  readonly dataSectionEnd: number;
  readonly entryCount: number;
  readonly dataBlockCount: number;
  readonly uncompressedDataBytes: number;
  readonly midLeafOffset: number;
  readonly midLeafSize: number;
  readonly midKeyIndex: number;
  readonly compression: Codec;
  readonly encoding: DataBlockEncoding;
  readonly bloomType: BloomType;
  readonly majorVersion: number;
  readonly minorVersion: number;
}

export function encodeTrailer(t: Omit<Trailer, 'majorVersion' | 'minorVersion'>): Buffer {
  const b = Buffer.alloc(TRAILER_SIZE);
  b.writeUInt32BE(t.indexLevels, TR_INDEX_LEVELS);
  const u64 = (v: number, at: number) => b.writeBigUInt64BE(BigInt(v), at);
  u64(t.loadOnOpenOffset, TR_LOAD_ON_OPEN_OFFSET);
  u64(t.fileInfoOffset, TR_FILE_INFO_OFFSET);
  u64(t.bloomMetaOffset, TR_BLOOM_META_OFFSET);
  u64(t.bloomChunksOffset, TR_BLOOM_CHUNKS_OFFSET);
  u64(t.dataSectionEnd, TR_DATA_SECTION_END);
  u64(t.entryCount, TR_ENTRY_COUNT);
  u64(t.dataBlockCount, TR_DATA_BLOCK_COUNT);
  u64(t.uncompressedDataBytes, TR_UNCOMPRESSED_DATA_BYTES);
  u64(t.midLeafOffset, TR_MID_LEAF_OFFSET);
  b.writeUInt32BE(t.midLeafSize, TR_MID_LEAF_SIZE);
  b.writeUInt32BE(t.midKeyIndex, TR_MID_KEY_INDEX);
  b[TR_COMPRESSION] = t.compression;
  b[TR_ENCODING] = t.encoding;
  b[TR_BLOOM_TYPE] = t.bloomType;
  b.writeUInt16BE(HFILE_MAJOR_VERSION, TR_MAJOR_VERSION);
  b.writeUInt16BE(HFILE_MINOR_VERSION, TR_MINOR_VERSION);
  HFILE_MAGIC.copy(b, TR_MAGIC);
  b.writeUInt32BE(crc32c(b.subarray(4)) >>> 0, TR_CRC);
  return b;
}

/**
 * Parses the trailer of a file of `fileSize` bytes from `buf[start, start + TRAILER_SIZE)` and
 * checks that its offsets describe a possible layout. Throws CorruptionError otherwise.
 */
export function decodeTrailer(buf: Buffer, start: number, fileSize: number, file: string): Trailer {
  const fail = (msg: string, d: Record<string, string | number> = {}) => new CorruptionError(msg, { details: { file, offset: fileSize - TRAILER_SIZE, ...d } });
  if (fileSize < TRAILER_SIZE || start < 0 || start + TRAILER_SIZE > buf.length) throw fail('hfile is too short for a trailer', { fileSize });
  const b = buf.subarray(start, start + TRAILER_SIZE);
  if (b.compare(HFILE_MAGIC, 0, HFILE_MAGIC.length, TR_MAGIC, TR_MAGIC + HFILE_MAGIC.length) !== 0) {
    throw fail('not an hfile: trailer magic is missing (truncated or damaged file)', { magic: b.subarray(TR_MAGIC).toString('hex') });
  }
  const major = b.readUInt16BE(TR_MAJOR_VERSION);
  if (major !== HFILE_MAJOR_VERSION) throw fail('unsupported hfile major version', { major });
  if ((crc32c(b.subarray(4)) >>> 0) !== b.readUInt32BE(TR_CRC)) throw fail('hfile trailer checksum mismatch');
  const u64 = (at: number, name: string): number => {
    const v = b.readBigUInt64BE(at);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw fail('hfile trailer field is too large', { field: name });
    return Number(v);
  };
  const t: Trailer = {
    indexLevels: b.readUInt32BE(TR_INDEX_LEVELS),
    loadOnOpenOffset: u64(TR_LOAD_ON_OPEN_OFFSET, 'loadOnOpenOffset'),
    fileInfoOffset: u64(TR_FILE_INFO_OFFSET, 'fileInfoOffset'),
    bloomMetaOffset: u64(TR_BLOOM_META_OFFSET, 'bloomMetaOffset'),
    bloomChunksOffset: u64(TR_BLOOM_CHUNKS_OFFSET, 'bloomChunksOffset'),
    dataSectionEnd: u64(TR_DATA_SECTION_END, 'dataSectionEnd'),
    entryCount: u64(TR_ENTRY_COUNT, 'entryCount'),
    dataBlockCount: u64(TR_DATA_BLOCK_COUNT, 'dataBlockCount'),
    uncompressedDataBytes: u64(TR_UNCOMPRESSED_DATA_BYTES, 'uncompressedDataBytes'),
    midLeafOffset: u64(TR_MID_LEAF_OFFSET, 'midLeafOffset'),
    midLeafSize: b.readUInt32BE(TR_MID_LEAF_SIZE),
    midKeyIndex: b.readUInt32BE(TR_MID_KEY_INDEX),
    compression: b[TR_COMPRESSION]! as Codec,
    encoding: b[TR_ENCODING]! as DataBlockEncoding,
    bloomType: b[TR_BLOOM_TYPE]! as BloomType,
    majorVersion: major,
    minorVersion: b.readUInt16BE(TR_MINOR_VERSION),
  };
  const end = fileSize - TRAILER_SIZE;
  // Sections in file order: data (+ leaf index) | intermediate index | bloom chunks | load-on-open | trailer.
  if (!(t.dataSectionEnd <= t.bloomChunksOffset && t.bloomChunksOffset <= t.loadOnOpenOffset && t.loadOnOpenOffset < t.fileInfoOffset && t.fileInfoOffset < end)) {
    throw fail('hfile trailer section offsets are out of order', { dataSectionEnd: t.dataSectionEnd, bloomChunksOffset: t.bloomChunksOffset, loadOnOpenOffset: t.loadOnOpenOffset, fileInfoOffset: t.fileInfoOffset, end });
  }
  if (t.indexLevels < 1 || t.indexLevels > MAX_INDEX_LEVELS) throw fail('hfile trailer index levels are invalid', { indexLevels: t.indexLevels });
  if (!isKnownCodec(t.compression) || (t.encoding !== Enc.None && t.encoding !== Enc.Prefix)) throw fail('hfile trailer codec or encoding is unknown');
  if (t.bloomType === Bloom.None) {
    if (t.bloomMetaOffset !== 0 || t.bloomChunksOffset !== t.loadOnOpenOffset) throw fail('hfile trailer has bloom offsets but no bloom');
  } else if (t.bloomType === Bloom.Row || t.bloomType === Bloom.RowCol) {
    if (!(t.fileInfoOffset < t.bloomMetaOffset && t.bloomMetaOffset < end)) throw fail('hfile trailer bloom meta offset is out of bounds', { bloomMetaOffset: t.bloomMetaOffset });
  } else {
    throw fail('hfile trailer bloom type is unknown', { bloomType: t.bloomType });
  }
  if ((t.dataBlockCount === 0) !== (t.entryCount === 0) || t.dataBlockCount > t.entryCount) throw fail('hfile trailer counts are inconsistent', { entries: t.entryCount, blocks: t.dataBlockCount });
  if (t.midKeyIndex > Math.max(0, t.dataBlockCount - 1)) throw fail('hfile trailer mid key index is out of range', { midKeyIndex: t.midKeyIndex });
  if (t.indexLevels > 1 && (t.midLeafOffset + t.midLeafSize > t.dataSectionEnd || t.midLeafSize === 0)) throw fail('hfile trailer mid leaf is out of bounds');
  return t;
}
