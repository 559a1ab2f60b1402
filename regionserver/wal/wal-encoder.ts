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
// Sizes are computed up front (entryBodySize) and each edit is encoded into its batch's buffer
// when it is appended (addToBatch): no per-entry or per-cell buffers. The entries' CRCs are
// computed later, all of a batch's pending ones in one pass (checksumEntries): the writer runs
// it when it seals a batch and after the appends of an event-loop turn while a write is in
// flight, and encodeDataChunk for whatever is left, after which only the trailer is left to
// write. One CRC call per append, between the encodings, cost about 0.2 µs more per append
// than these passes (docs/benchmarks.md, session 27).

import { crc32c } from '@node-rs/crc32';
import { EncodedCells } from '../../common/cells/encoded-cells.js';
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
 * The cells of one edit: decoded cells, or cells the caller already encoded as KeyValues
 * (the region's write path: the MemStore's copies), which are copied as they are. Either way
 * the entry holds the same bytes.
 */
export type WalCells = readonly Cell[] | EncodedCells;

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
export function entryBodySize(region: string, seqId: bigint, cells: WalCells, nonce?: OperationNonce): number {
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
  if (cells instanceof EncodedCells) {
    size += cells.bytes;
  } else {
    for (let i = 0; i < cells.length; i++) {
      const c = cells[i]!;
      validateCell(c);
      size += encodedLength(c);
    }
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
 * The edits of one group commit, encoded as they are added: bytes [0, entryBytes) of `buf`
 * are the entries, in order, and room for the trailer is kept after them. Encoding at append
 * time, not at commit time, lets it overlap the write in flight instead of delaying the next
 * one, and copies the cells at once (the caller may reuse them after append returns).
 * Entry i's region and seq id are also kept in parallel arrays (no object per edit) for the
 * sequence accounting.
 */
export interface EntryBatch {
  count: number;
  readonly regions: string[];
  readonly seqIds: bigint[];
  /** Entries with a nonce: the chunk is version 2 when > 0. */
  withNonce: number;
  /**
   * Encoded entries: `entryBytes` bytes, then free space. Reused by the next batch once the
   * commit holding it resolved (resetBatch); given up when a backend may still hold it (clearBatch).
   */
  buf: Buffer;
  view: DataView;
  /** Sum of (ENTRY_HEADER_SIZE + body size) of the entries. */
  entryBytes: number;
  /** The entries in [0, summedBytes) have their CRC written; the later ones have 0 there. */
  summedBytes: number;
  /** Capacity to start the next buffer with: the size this batch's buffer last grew to. */
  sizeHint: number;
}

const EMPTY = Buffer.alloc(0);
const EMPTY_VIEW = new DataView(EMPTY.buffer, EMPTY.byteOffset, 0);
const MIN_BATCH_BYTES = 4096;
/** Buffers above this are not sized from (a burst of big commits should not pin memory). */
const MAX_HINT_BYTES = 4 * 1024 * 1024;

/** An empty batch. */
export function newEntryBatch(): EntryBatch {
  return { count: 0, regions: [], seqIds: [], withNonce: 0, buf: EMPTY, view: EMPTY_VIEW, entryBytes: 0, summedBytes: 0, sizeHint: MIN_BATCH_BYTES };
}

/** Makes room for `need` more bytes plus the trailer after the entries of `b`. */
function reserve(b: EntryBatch, need: number): void {
  const want = b.entryBytes + need + TRAILER_SIZE;
  if (want <= b.buf.length) return;
  checkChunkLen(want);
  let cap = Math.max(b.buf.length * 2, b.sizeHint, MIN_BATCH_BYTES);
  while (cap < want) cap *= 2;
  const next = Buffer.allocUnsafe(cap);
  if (b.entryBytes > 0) b.buf.copy(next, 0, 0, b.entryBytes);
  b.buf = next;
  b.view = new DataView(next.buffer, next.byteOffset, next.byteLength);
  if (cap <= MAX_HINT_BYTES) b.sizeHint = cap;
}

/**
 * Encodes one validated edit (bodySize from entryBodySize, with the same nonce) into `b`,
 * without its CRC (checksumEntries writes it).
 * Throws InvalidError if the cells do not encode to bodySize bytes (they changed since they
 * were sized); `b` is then unchanged.
 */
export function addToBatch(b: EntryBatch, region: string, seqId: bigint, writeTimeMs: number, cells: WalCells, bodySize: number, nonce?: OperationNonce): void {
  reserve(b, ENTRY_HEADER_SIZE + bodySize);
  const buf = b.buf;
  const view = b.view;
  const off = b.entryBytes;
  const bodyStart = off + ENTRY_HEADER_SIZE;
  const name = regionNameBytes(region);
  const regionLen = name.length;
  buf[bodyStart] = nonce === undefined ? 0 : ENTRY_NONCE;
  buf[bodyStart + 1] = regionLen;
  let p = bodyStart + 2;
  buf.set(name, p);
  p += regionLen;
  view.setBigUint64(p, seqId);
  view.setUint32(p + 8, Math.floor(writeTimeMs / 0x100000000));
  view.setUint32(p + 12, writeTimeMs >>> 0);
  p += 16;
  if (nonce !== undefined) {
    view.setBigUint64(p, nonce.group);
    view.setBigUint64(p + 8, nonce.nonce);
    p += NONCE_SIZE;
  }
  if (cells instanceof EncodedCells) {
    view.setUint32(p, cells.count);
    p = cells.copyTo(buf, p + 4);
  } else {
    view.setUint32(p, cells.length);
    p += 4;
    for (let j = 0; j < cells.length; j++) p = writeKeyValue(buf, p, cells[j]!, view);
  }
  const bodyLen = p - bodyStart;
  if (bodyLen !== bodySize) throw new InvalidError('wal entry changed size after it was sized (cells mutated?)', { details: { region } });
  view.setUint32(off, bodyLen);
  view.setUint32(off + 4, 0);
  const i = b.count++;
  b.regions[i] = region;
  b.seqIds[i] = seqId;
  if (nonce !== undefined) b.withNonce++;
  b.entryBytes = p;
}

/**
 * Writes the CRC of every entry of `b` added since the last call. The bytes are the batch's own
 * copies (addToBatch copied the cells), so computing it later covers what was appended.
 */
export function checksumEntries(b: EntryBatch): void {
  const buf = b.buf;
  const view = b.view;
  const end = b.entryBytes;
  let off = b.summedBytes;
  while (off < end) {
    const bodyStart = off + ENTRY_HEADER_SIZE;
    const bodyEnd = bodyStart + view.getUint32(off);
    view.setUint32(off + 4, crc32c(buf.subarray(bodyStart, bodyEnd)));
    off = bodyEnd;
  }
  b.summedBytes = end;
}

/**
 * Empties `b` and keeps its buffer for the next batch: for a batch whose commit resolved (the
 * backend no longer holds the chunk). A buffer over MAX_HINT_BYTES is given up. With a fresh
 * buffer per commit (megabytes each once a load had grown the batches), a region server ran a
 * young collection every ~20 ms for "external memory pressure" (docs/benchmarks.md, session 19).
 */
export function resetBatch(b: EntryBatch): void {
  const buf = b.buf;
  const view = b.view;
  clearBatch(b);
  if (buf.length <= MAX_HINT_BYTES) {
    b.buf = buf;
    b.view = view;
  }
}

/** Empties `b` and gives up its buffer (a backend may still hold it); the next one is sized like it. */
export function clearBatch(b: EntryBatch): void {
  b.count = 0;
  b.regions.length = 0;
  b.seqIds.length = 0;
  b.withNonce = 0;
  b.buf = EMPTY;
  b.view = EMPTY_VIEW;
  b.entryBytes = 0;
  b.summedBytes = 0;
}

/**
 * Appends a DATA trailer after the entries of `b` and returns the chunk (a view of b.buf:
 * the batch must not be added to afterwards, only cleared).
 * REQUIRES: lowWater ≥ 0.
 */
export function encodeDataChunk(b: EntryBatch, lowWater: number): Buffer {
  checksumEntries(b);
  reserve(b, 0);
  const chunkLen = b.entryBytes + TRAILER_SIZE;
  writeTrailer(b.buf, b.entryBytes, ChunkType.Data, b.count, chunkLen, lowWater, b.withNonce > 0 ? WAL_VERSION : WAL_VERSION_1);
  return b.buf.subarray(0, chunkLen);
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
