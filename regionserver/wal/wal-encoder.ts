// WAL chunk encoder (docs/formats/wal.md). A chunk is a whole group commit in ONE buffer.
//
//   chunk   = entry* trailer
//   entry   = bodyLen:u32 | crc32c(body):u32 | body
//   body    = flags:u8 regionLen:u8 region:utf8 | seqId:u64 | writeTimeMs:u64
//             | [nonceGroup:u64 nonce:u64] | cellCount:u32 | KeyValue*      (flag 0x01: nonce)
//   trailer = marker:u32=0xFFFFFFFF | magic:u32 | version:u8 | type:u8 | reserved:u16=0
//             | entryCount:u32 | chunkLen:u32 | lowWater:u64 | crc32c(trailer[0..28)):u32
//
// A chunk is written as version 2 only if one of its entries has a flag (a nonce), else as
// version 1, which older readers understand.
//
// Sizes are computed up front (entryBodySize, at append time), so encoding allocates only the
// output buffer: no per-entry or per-cell buffers.

import { crc32c } from '@node-rs/crc32';
import type { Cell } from '../../common/cells/keyvalue.js';
import { encodedLength, validateCell, writeKeyValue } from '../../common/cells/keyvalue.js';
import { ErrorCodes, InvalidError } from '../../common/errors.js';
import type { OperationNonce } from '../../common/ops/operation-nonce.js';
import { checkNonce } from '../../common/ops/operation-nonce.js';
import {
  BODY_FIXED_SIZE,
  ChunkType,
  ENTRY_HEADER_SIZE,
  ENTRY_NONCE,
  MAX_CHUNK_LEN,
  MAX_ENTRY_BODY,
  MAX_REGION_NAME_BYTES,
  NONCE_SIZE,
  T_CHUNK_LEN,
  T_CRC,
  T_ENTRY_COUNT,
  T_LOW_WATER,
  T_MAGIC,
  T_MARKER,
  T_RESERVED,
  T_TYPE,
  T_VERSION,
  TRAILER_CRC_COVERED,
  TRAILER_MARKER,
  TRAILER_SIZE,
  WAL_MAGIC,
  WAL_VERSION,
  WAL_VERSION_1,
} from './wal-format.js';

const U64_MAX = 0xffffffffffffffffn;

/**
 * UTF-8 bytes of region names: a server hosts a bounded set of regions, and encoding a name
 * for every entry cost more than the rest of the entry header. Cleared when it grows large.
 */
const regionNames = new Map<string, Buffer>();
const REGION_NAME_CACHE_MAX = 65_536;

function regionNameBytes(region: string): Buffer {
  let b = regionNames.get(region);
  if (b === undefined) {
    if (regionNames.size >= REGION_NAME_CACHE_MAX) regionNames.clear();
    b = Buffer.from(region, 'utf8');
    regionNames.set(region, b);
  }
  return b;
}

/**
 * Validates one edit and returns the size of its entry body (without the 8-byte entry header).
 * Throws InvalidError: TSB_INVALID_ARGUMENT for a bad region name, seq id or cell,
 * TSB_VALUE_TOO_LARGE when the body exceeds MAX_ENTRY_BODY.
 */
export function entryBodySize(region: string, seqId: bigint, cells: readonly Cell[], nonce?: OperationNonce): number {
  const regionBytes = regionNameBytes(region).length;
  if (regionBytes === 0 || regionBytes > MAX_REGION_NAME_BYTES) {
    throw new InvalidError(`wal entry region name must be 1..${MAX_REGION_NAME_BYTES} bytes`, { details: { region: region.slice(0, 100) } });
  }
  if (typeof seqId !== 'bigint' || seqId < 0n || seqId > U64_MAX) {
    throw new InvalidError('wal entry sequence id must be a u64 bigint', { details: { region, seqId: String(seqId) } });
  }
  let size = BODY_FIXED_SIZE + regionBytes;
  if (nonce !== undefined) {
    checkNonce(nonce);
    size += NONCE_SIZE;
  }
  for (let i = 0; i < cells.length; i++) {
    const c = cells[i]!;
    validateCell(c);
    size += encodedLength(c);
  }
  if (size > MAX_ENTRY_BODY) {
    throw new InvalidError('wal entry is too large; split the mutation', {
      code: ErrorCodes.VALUE_TOO_LARGE,
      details: { region, bytes: size, limit: MAX_ENTRY_BODY },
    });
  }
  return size;
}

/**
 * The edits of one group commit, as parallel arrays (no object per edit). Entry i is
 * (regions[i], seqIds[i], writeTimes[i], cells[i], nonces[i]) and its body is bodySizes[i]
 * bytes, as returned by entryBodySize.
 */
export interface EntryBatch {
  count: number;
  readonly regions: string[];
  readonly seqIds: bigint[];
  readonly writeTimes: number[];
  readonly cells: (readonly Cell[])[];
  /** undefined for edits without a nonce (most of them). */
  readonly nonces: (OperationNonce | undefined)[];
  /** Entries with a nonce: the chunk is version 2 when > 0. */
  withNonce: number;
  readonly bodySizes: number[];
  /** Sum of (ENTRY_HEADER_SIZE + bodySizes[i]). */
  entryBytes: number;
}

/** An empty batch. */
export function newEntryBatch(): EntryBatch {
  return { count: 0, regions: [], seqIds: [], writeTimes: [], cells: [], nonces: [], withNonce: 0, bodySizes: [], entryBytes: 0 };
}

/** Adds one validated edit (bodySize from entryBodySize, with the same nonce) to `b`. */
export function addToBatch(b: EntryBatch, region: string, seqId: bigint, writeTimeMs: number, cells: readonly Cell[], bodySize: number, nonce?: OperationNonce): void {
  const i = b.count++;
  b.regions[i] = region;
  b.seqIds[i] = seqId;
  b.writeTimes[i] = writeTimeMs;
  b.cells[i] = cells;
  b.nonces[i] = nonce;
  if (nonce !== undefined) b.withNonce++;
  b.bodySizes[i] = bodySize;
  b.entryBytes += ENTRY_HEADER_SIZE + bodySize;
}

/** Empties `b`, dropping references to cells so they can be collected. */
export function clearBatch(b: EntryBatch): void {
  b.count = 0;
  b.regions.length = 0;
  b.seqIds.length = 0;
  b.writeTimes.length = 0;
  b.cells.length = 0;
  b.nonces.length = 0;
  b.withNonce = 0;
  b.bodySizes.length = 0;
  b.entryBytes = 0;
}

/**
 * Encodes every entry of `b` plus a DATA trailer into one new buffer.
 * REQUIRES: every entry was sized by entryBodySize (so it is valid); lowWater ≥ 0.
 */
export function encodeDataChunk(b: EntryBatch, lowWater: number): Buffer {
  const chunkLen = b.entryBytes + TRAILER_SIZE;
  checkChunkLen(chunkLen);
  const buf = Buffer.allocUnsafe(chunkLen);
  // DataView.setBigUint64 is ~10x faster than Buffer.writeBigUInt64BE on Node 20.
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  let off = 0;
  for (let i = 0; i < b.count; i++) {
    const bodyStart = off + ENTRY_HEADER_SIZE;
    let p = bodyStart + 2;
    const region = b.regions[i]!;
    const name = regionNameBytes(region);
    const regionLen = name.length;
    const nonce = b.nonces[i];
    buf.set(name, p);
    buf[bodyStart] = nonce === undefined ? 0 : ENTRY_NONCE;
    buf[bodyStart + 1] = regionLen;
    p += regionLen;
    view.setBigUint64(p, b.seqIds[i]!);
    writeU64Number(buf, p + 8, b.writeTimes[i]!);
    p += 16;
    if (nonce !== undefined) {
      view.setBigUint64(p, nonce.group);
      view.setBigUint64(p + 8, nonce.nonce);
      p += NONCE_SIZE;
    }
    const cells = b.cells[i]!;
    buf.writeUInt32BE(cells.length, p);
    p += 4;
    for (let j = 0; j < cells.length; j++) p = writeKeyValue(buf, p, cells[j]!, view);
    const bodyLen = p - bodyStart;
    if (bodyLen !== b.bodySizes[i]) throw new InvalidError('wal entry changed size after it was appended (cells mutated?)', { details: { region } });
    buf.writeUInt32BE(bodyLen, off);
    buf.writeUInt32BE(crc32c(buf.subarray(bodyStart, p)), off + 4);
    off = p;
  }
  writeTrailer(buf, off, ChunkType.Data, b.count, chunkLen, lowWater, b.withNonce > 0 ? WAL_VERSION : WAL_VERSION_1);
  return buf;
}

/** A FENCE chunk: no entries, just the trailer. */
export function encodeFenceChunk(): Buffer {
  const buf = Buffer.allocUnsafe(TRAILER_SIZE);
  writeTrailer(buf, 0, ChunkType.Fence, 0, TRAILER_SIZE, 0, WAL_VERSION_1);
  return buf;
}

/**
 * A DATA chunk made of already encoded entries (each `bodyLen | crc | body`, e.g. slices read
 * from other chunks), in the given order. Used by the WAL split.
 */
export function encodeChunkFromEntries(entries: readonly Buffer[], lowWater: number): Buffer {
  let total = TRAILER_SIZE;
  for (const e of entries) total += e.length;
  checkChunkLen(total);
  const buf = Buffer.allocUnsafe(total);
  let off = 0;
  let flagged = false;
  for (const e of entries) {
    // The entry's flags byte: a copied entry with a nonce needs a version-2 chunk.
    if (e[ENTRY_HEADER_SIZE] !== 0) flagged = true;
    off += e.copy(buf, off);
  }
  writeTrailer(buf, off, ChunkType.Data, entries.length, total, lowWater, flagged ? WAL_VERSION : WAL_VERSION_1);
  return buf;
}

/** Edits as objects, for tests and tools (the writer uses EntryBatch directly). */
export interface WalEdit {
  readonly region: string;
  readonly seqId: bigint;
  readonly writeTimeMs: number;
  readonly cells: readonly Cell[];
  readonly nonce?: OperationNonce;
}

/** Encodes `edits` as one DATA chunk. */
export function encodeEdits(edits: readonly WalEdit[], lowWater = 0): Buffer {
  const b = newEntryBatch();
  for (const e of edits) addToBatch(b, e.region, e.seqId, e.writeTimeMs, e.cells, entryBodySize(e.region, e.seqId, e.cells, e.nonce), e.nonce);
  return encodeDataChunk(b, lowWater);
}

function writeTrailer(buf: Buffer, off: number, type: ChunkType, entryCount: number, chunkLen: number, lowWater: number, version: number): void {
  buf.writeUInt32BE(TRAILER_MARKER, off + T_MARKER);
  buf.writeUInt32BE(WAL_MAGIC, off + T_MAGIC);
  buf.writeUInt8(version, off + T_VERSION);
  buf.writeUInt8(type, off + T_TYPE);
  buf.writeUInt16BE(0, off + T_RESERVED);
  buf.writeUInt32BE(entryCount, off + T_ENTRY_COUNT);
  buf.writeUInt32BE(chunkLen, off + T_CHUNK_LEN);
  writeU64Number(buf, off + T_LOW_WATER, lowWater);
  buf.writeUInt32BE(crc32c(buf.subarray(off, off + TRAILER_CRC_COVERED)), off + T_CRC);
}

/** Writes a non-negative safe integer as u64 big-endian without a bigint. */
function writeU64Number(buf: Buffer, off: number, n: number): void {
  buf.writeUInt32BE(Math.floor(n / 0x100000000), off);
  buf.writeUInt32BE(n >>> 0, off + 4);
}

function checkChunkLen(len: number): void {
  if (len > MAX_CHUNK_LEN) {
    throw new InvalidError('wal chunk would exceed 4 GiB; lower the group commit buffer', {
      code: ErrorCodes.VALUE_TOO_LARGE,
      details: { bytes: len, limit: MAX_CHUNK_LEN },
    });
  }
}
