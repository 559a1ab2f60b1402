// HFile blocks: the header every block starts with, its checksum, and payload compression.
// Layout (docs/formats/hfile.md, "Blocks"):
//
//   magic[8] | onDiskSize:u32 | uncompressedSize:u32 | codec:u8 | encoding:u8 | reserved:u16 | crc32c:u32
//   payload[onDiskSize]
//
// crc32c is CRC32C (Castagnoli) of header bytes [0, 20) followed by the stored payload, so every
// byte of a block is covered. A block takes BLOCK_HEADER_SIZE + onDiskSize bytes of the file.

import { crc32c } from '@node-rs/crc32';
import { CorruptionError } from '../../common/errors.js';
import { compress, decompress, isKnownCodec } from './compression.js';
import type { BlockType, Codec } from './hfile-format.js';
import {
  BH_CODEC,
  BH_CRC,
  BH_ENCODING,
  BH_ON_DISK_SIZE,
  BH_RESERVED,
  BH_UNCOMPRESSED_SIZE,
  BLOCK_HEADER_SIZE,
  BlockMagic,
  Codec as Codecs,
  MAX_BLOCK_PAYLOAD,
} from './hfile-format.js';

/**
 * Builds the on-disk bytes of a block: header + payload compressed with `codec` (stored raw,
 * with codec NONE in the header, when compression does not make it smaller).
 */
export function encodeBlock(type: BlockType, payload: Buffer, codec: Codec, encoding = 0): Buffer {
  let stored = payload;
  let usedCodec: Codec = Codecs.None;
  if (codec !== Codecs.None && payload.length > 0) {
    const c = compress(codec, payload);
    if (c.length < payload.length) {
      stored = c;
      usedCodec = codec;
    }
  }
  const out = Buffer.allocUnsafe(BLOCK_HEADER_SIZE + stored.length);
  BlockMagic[type].copy(out, 0);
  out.writeUInt32BE(stored.length, BH_ON_DISK_SIZE);
  out.writeUInt32BE(payload.length, BH_UNCOMPRESSED_SIZE);
  out[BH_CODEC] = usedCodec;
  out[BH_ENCODING] = encoding;
  out.writeUInt16BE(0, BH_RESERVED);
  stored.copy(out, BLOCK_HEADER_SIZE);
  out.writeUInt32BE(blockChecksum(out, 0, out.length), BH_CRC);
  return out;
}

function blockChecksum(buf: Buffer, start: number, end: number): number {
  const head = crc32c(buf.subarray(start, start + BH_CRC));
  return crc32c(buf.subarray(start + BLOCK_HEADER_SIZE, end), head) >>> 0;
}

/** Where a block was read from, for error messages. */
export interface BlockContext {
  readonly file: string;
  readonly offset: number;
}

/** The header fields of a block. */
export interface BlockHeader {
  readonly onDiskSize: number;
  readonly uncompressedSize: number;
  readonly codec: Codec;
  readonly encoding: number;
}

/**
 * Parses and checks the header of the block of `type` at `start` of `buf` (without its CRC).
 * Throws CorruptionError if the magic, sizes or codec are wrong or the block does not fit.
 */
export function readBlockHeader(buf: Buffer, start: number, type: BlockType, ctx: BlockContext): BlockHeader {
  if (start < 0 || start + BLOCK_HEADER_SIZE > buf.length) {
    throw new CorruptionError('hfile block header is truncated', { details: { file: ctx.file, offset: ctx.offset, type } });
  }
  const magic = BlockMagic[type];
  if (buf.compare(magic, 0, magic.length, start, start + magic.length) !== 0) {
    throw new CorruptionError('hfile block has the wrong magic', {
      details: { file: ctx.file, offset: ctx.offset, expected: type, magic: buf.subarray(start, start + 8).toString('hex') },
    });
  }
  const onDiskSize = buf.readUInt32BE(start + BH_ON_DISK_SIZE);
  const uncompressedSize = buf.readUInt32BE(start + BH_UNCOMPRESSED_SIZE);
  const codec = buf[start + BH_CODEC]!;
  const encoding = buf[start + BH_ENCODING]!;
  if (onDiskSize > MAX_BLOCK_PAYLOAD || uncompressedSize > MAX_BLOCK_PAYLOAD || !isKnownCodec(codec) || buf.readUInt16BE(start + BH_RESERVED) !== 0) {
    throw new CorruptionError('hfile block header is invalid', { details: { file: ctx.file, offset: ctx.offset, type, onDiskSize, uncompressedSize, codec } });
  }
  if (codec === Codecs.None && onDiskSize !== uncompressedSize) {
    throw new CorruptionError('hfile block header sizes disagree', { details: { file: ctx.file, offset: ctx.offset, type, onDiskSize, uncompressedSize } });
  }
  return { onDiskSize, uncompressedSize, codec, encoding };
}

/**
 * Checks and decodes the block of `type` that must span exactly `buf[start, start + size)`:
 * header, CRC32C, decompression. Returns the uncompressed payload and the header.
 * Throws CorruptionError on any mismatch.
 */
export function decodeBlock(buf: Buffer, start: number, size: number, type: BlockType, ctx: BlockContext): { payload: Buffer; header: BlockHeader } {
  const header = readBlockHeader(buf, start, type, ctx);
  const end = start + BLOCK_HEADER_SIZE + header.onDiskSize;
  if (end !== start + size || end > buf.length) {
    throw new CorruptionError('hfile block size does not match its index entry', {
      details: { file: ctx.file, offset: ctx.offset, type, expectedSize: size, headerSize: BLOCK_HEADER_SIZE + header.onDiskSize, available: buf.length - start },
    });
  }
  const want = buf.readUInt32BE(start + BH_CRC);
  const got = blockChecksum(buf, start, end);
  if (want !== got) {
    throw new CorruptionError('hfile block checksum mismatch', { details: { file: ctx.file, offset: ctx.offset, type, expected: want, actual: got } });
  }
  const payload = decompress(header.codec, buf.subarray(start + BLOCK_HEADER_SIZE, end), header.uncompressedSize, {
    file: ctx.file,
    offset: ctx.offset,
    type,
  });
  return { payload, header };
}

/** Total bytes (header included) of the block at `start`, from its header. */
export function blockSizeAt(buf: Buffer, start: number, type: BlockType, ctx: BlockContext): number {
  return BLOCK_HEADER_SIZE + readBlockHeader(buf, start, type, ctx).onDiskSize;
}
