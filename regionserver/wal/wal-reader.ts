// WAL chunk reader (docs/formats/wal.md): parses the chunks of one object or segment forward.
//
//   chunk   = entry* trailer
//   entry   = bodyLen:u32 | crc32c(body):u32 | body
//   body    = flags:u8 regionLen:u8 region:utf8 | seqId:u64 | writeTimeMs:u64
//             | [nonceGroup:u64 nonce:u64] | cellCount:u32 | KeyValue*      (flag 0x01: nonce)
//   trailer = marker:u32=0xFFFFFFFF | magic:u32 | version:u8 | type:u8 | reserved:u16=0
//             | entryCount:u32 | chunkLen:u32 | lowWater:u64 | crc32c(trailer[0..28)):u32
//
// Damage (bad CRC, impossible length, bad trailer, truncation) is classified:
//  - torn tail: the damaged chunk is the last one of the last object being read, i.e. no valid
//    chunk starts after it. A writer acknowledges a chunk only once it is durable and writes at
//    most one chunk at a time, so a crash can only damage the last chunk, which was never
//    acknowledged. When the caller allows it (`tornTailAllowed`), the tail is ignored and
//    reported in the result.
//  - corruption: anything else. CorruptionError (TSB_CORRUPTION) naming the object and the
//    byte offset of the damage.
// A chunk with a valid CRC but an unknown version is never a torn tail: CorruptionError.
// Versions 1 and 2 are read; entry flags (a nonce) are only valid in version-2 chunks.
// A FENCE chunk ends the log: nothing after it is read.

import { crc32c } from '@node-rs/crc32';
import type { Cell } from '../../common/cells/keyvalue.js';
import { readKeyValue } from '../../common/cells/keyvalue.js';
import { CorruptionError, TsbaseError } from '../../common/errors.js';
import type { OperationNonce } from '../../common/ops/operation-nonce.js';
import {
  BODY_FIXED_SIZE,
  ChunkType,
  ENTRY_FLAGS_MASK,
  ENTRY_HEADER_SIZE,
  ENTRY_NONCE,
  MAX_ENTRY_BODY,
  MAX_REGION_NAME_BYTES,
  NONCE_SIZE,
  T_CHUNK_LEN,
  T_CRC,
  T_ENTRY_COUNT,
  T_LOW_WATER,
  T_MAGIC,
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

/** One entry, parsed but with its cells still encoded. `buf[start, end)` is the whole entry. */
export interface RawEntry {
  readonly region: string;
  readonly seqId: bigint;
  readonly writeTimeMs: number;
  /** The operation nonce the edit was written with (increment, append, checkAndMutate), if any. */
  readonly nonce: OperationNonce | undefined;
  readonly cellCount: number;
  readonly buf: Buffer;
  /** Offset of the entry header (bodyLen) in buf. */
  readonly start: number;
  /** Offset of the first KeyValue. */
  readonly cellsStart: number;
  /** Offset just past the entry. */
  readonly end: number;
}

export interface ParsedChunk {
  readonly type: ChunkType;
  /** Offset of the chunk's first byte in the object. */
  readonly offset: number;
  readonly length: number;
  /** Lowest WAL unit (chunk / segment) still needed when this chunk was written. */
  readonly lowWater: number;
  readonly entries: RawEntry[];
}

export interface TornTail {
  /** Object or segment name. */
  readonly name: string;
  /** Start of the damaged last chunk: everything before it is intact. */
  readonly offset: number;
  /** Where the damage was found. */
  readonly damageOffset: number;
  readonly reason: string;
}

export interface ParseResult {
  readonly chunks: ParsedChunk[];
  /** Offset just past the last intact chunk. */
  readonly validEnd: number;
  readonly tornTail?: TornTail;
  /** A FENCE chunk was read (and ended the log). */
  readonly fenced: boolean;
}

export interface ParseOptions {
  /** True when `buf` is the last object/segment of the log, so its last chunk may be torn. */
  readonly tornTailAllowed: boolean;
}

/** A decoded edit. `cells` are views into the chunk's buffer. */
export interface WalEntry {
  readonly region: string;
  readonly seqId: bigint;
  readonly writeTimeMs: number;
  readonly cells: Cell[];
  /** Present only for edits written with a nonce. */
  readonly nonce?: OperationNonce;
}

class Damage {
  constructor(
    readonly offset: number,
    readonly reason: string,
  ) {}
}

/**
 * Parses every chunk of `buf` (the bytes of object/segment `name`).
 * Throws CorruptionError (TSB_CORRUPTION, details object and offset) for damage that is not
 * a torn tail (see the file comment), or for an unsupported version.
 */
export function parseChunks(buf: Buffer, name: string, opts: ParseOptions): ParseResult {
  const chunks: ParsedChunk[] = [];
  let off = 0;
  while (off < buf.length) {
    const r = parseChunk(buf, off, name);
    if (r instanceof Damage) {
      if (opts.tornTailAllowed && !intactChunkAfter(buf, off)) {
        return { chunks, validEnd: off, tornTail: { name, offset: off, damageOffset: r.offset, reason: r.reason }, fenced: false };
      }
      throw new CorruptionError(`wal chunk is damaged before the end of the log: ${r.reason}; restore the object or split it by hand`, {
        details: { object: name, offset: r.offset, chunkOffset: off },
      });
    }
    chunks.push(r);
    off += r.length;
    if (r.type === ChunkType.Fence) return { chunks, validEnd: off, fenced: true };
  }
  return { chunks, validEnd: off, fenced: false };
}

function parseChunk(buf: Buffer, start: number, name: string): ParsedChunk | Damage {
  const end = buf.length;
  const entries: RawEntry[] = [];
  let flagged = -1; // offset of the first entry with flags (only valid in version 2)
  let off = start;
  for (;;) {
    if (off + 4 > end) return new Damage(off, 'truncated before the trailer');
    const bodyLen = buf.readUInt32BE(off);
    if (bodyLen === TRAILER_MARKER) break;
    if (bodyLen < BODY_FIXED_SIZE + 1 || bodyLen > MAX_ENTRY_BODY) return new Damage(off, `impossible entry length ${bodyLen}`);
    const bodyStart = off + ENTRY_HEADER_SIZE;
    const bodyEnd = bodyStart + bodyLen;
    if (bodyEnd > end) return new Damage(off, 'truncated entry');
    if (crc32c(buf.subarray(bodyStart, bodyEnd)) !== buf.readUInt32BE(off + 4)) return new Damage(off, 'entry checksum mismatch');
    const e = parseBody(buf, off, bodyStart, bodyEnd);
    if (e instanceof Damage) {
      // The CRC matched, so the writer produced these bytes: a bug, never a torn write.
      throw new CorruptionError(`wal entry is malformed: ${e.reason}`, { details: { object: name, offset: e.offset } });
    }
    if (flagged < 0 && buf[bodyStart] !== 0) flagged = off;
    entries.push(e);
    off = bodyEnd;
  }
  // Trailer.
  if (off + TRAILER_SIZE > end) return new Damage(off, 'truncated trailer');
  if (buf.readUInt32BE(off + T_MAGIC) !== WAL_MAGIC) return new Damage(off, 'bad trailer magic');
  if (crc32c(buf.subarray(off, off + TRAILER_CRC_COVERED)) !== buf.readUInt32BE(off + T_CRC)) return new Damage(off, 'trailer checksum mismatch');
  const version = buf.readUInt8(off + T_VERSION);
  if (version !== WAL_VERSION && version !== WAL_VERSION_1) {
    throw new CorruptionError('wal chunk has an unsupported version; upgrade tsbase to read it', {
      details: { object: name, offset: off, version, supported: WAL_VERSION },
    });
  }
  if (version === WAL_VERSION_1 && flagged >= 0) {
    // CRCs matched: a writer produced a version-1 chunk with flagged entries (a bug).
    throw new CorruptionError('wal entry has flags in a version-1 chunk', { details: { object: name, offset: flagged, version } });
  }
  const type = buf.readUInt8(off + T_TYPE);
  if (type !== ChunkType.Data && type !== ChunkType.Fence) return new Damage(off, `unknown chunk type ${type}`);
  if (buf.readUInt16BE(off + T_RESERVED) !== 0) return new Damage(off, 'reserved trailer bits set');
  const entryCount = buf.readUInt32BE(off + T_ENTRY_COUNT);
  const chunkLen = buf.readUInt32BE(off + T_CHUNK_LEN);
  const length = off + TRAILER_SIZE - start;
  if (entryCount !== entries.length) return new Damage(off, `trailer counts ${entryCount} entries, found ${entries.length}`);
  if (chunkLen !== length) return new Damage(off, `trailer says ${chunkLen} bytes, found ${length}`);
  if (type === ChunkType.Fence && entryCount !== 0) return new Damage(off, 'fence chunk with entries');
  const lowWater = readU64Number(buf, off + T_LOW_WATER);
  return { type: type as ChunkType, offset: start, length, lowWater, entries };
}

function parseBody(buf: Buffer, start: number, bodyStart: number, bodyEnd: number): RawEntry | Damage {
  const flags = buf[bodyStart]!;
  const regionLen = buf[bodyStart + 1]!;
  if ((flags & ~ENTRY_FLAGS_MASK) !== 0) return new Damage(bodyStart, `unknown entry flags ${flags}`);
  const hasNonce = (flags & ENTRY_NONCE) !== 0;
  if (regionLen === 0 || regionLen > MAX_REGION_NAME_BYTES || bodyStart + BODY_FIXED_SIZE + regionLen + (hasNonce ? NONCE_SIZE : 0) > bodyEnd) {
    return new Damage(bodyStart, `bad region length ${regionLen}`);
  }
  let p = bodyStart + 2;
  const region = buf.toString('utf8', p, p + regionLen);
  p += regionLen;
  const seqId = buf.readBigUInt64BE(p);
  const writeTimeMs = readU64Number(buf, p + 8);
  p += 16;
  let nonce: OperationNonce | undefined;
  if (hasNonce) {
    nonce = { group: buf.readBigUInt64BE(p), nonce: buf.readBigUInt64BE(p + 8) };
    p += NONCE_SIZE;
  }
  const cellCount = buf.readUInt32BE(p);
  p += 4;
  const cellsStart = p;
  // Walk the KeyValue lengths so a replay cannot run off the entry.
  for (let i = 0; i < cellCount; i++) {
    if (p + 8 > bodyEnd) return new Damage(p, `cell ${i} of ${cellCount} runs past the entry`);
    p += 8 + buf.readUInt32BE(p) + buf.readUInt32BE(p + 4);
    if (p > bodyEnd) return new Damage(p, `cell ${i} of ${cellCount} runs past the entry`);
  }
  if (p !== bodyEnd) return new Damage(p, 'bytes left after the last cell');
  return { region, seqId, writeTimeMs, nonce, cellCount, buf, start, cellsStart, end: bodyEnd };
}

const TRAILER_PREFIX = (() => {
  const b = Buffer.alloc(8);
  b.writeUInt32BE(TRAILER_MARKER, 0);
  b.writeUInt32BE(WAL_MAGIC, 4);
  return b;
})();

/**
 * True if an intact trailer of a chunk starting after `damagedChunkStart` exists in buf: the
 * damaged chunk is then not the last one, so the damage is corruption, not a torn tail.
 * A trailer whose chunk starts exactly at damagedChunkStart is the damaged chunk's own.
 */
function intactChunkAfter(buf: Buffer, damagedChunkStart: number): boolean {
  let t = buf.indexOf(TRAILER_PREFIX, damagedChunkStart);
  while (t >= 0) {
    if (t + TRAILER_SIZE <= buf.length && crc32c(buf.subarray(t, t + TRAILER_CRC_COVERED)) === buf.readUInt32BE(t + T_CRC)) {
      const chunkStart = t + TRAILER_SIZE - buf.readUInt32BE(t + T_CHUNK_LEN);
      if (chunkStart > damagedChunkStart) return true;
    }
    t = buf.indexOf(TRAILER_PREFIX, t + 1);
  }
  return false;
}

/** Decodes the cells of `e`. Throws CorruptionError naming `name` if a KeyValue is invalid. */
export function decodeEntry(e: RawEntry, name: string): WalEntry {
  const cells: Cell[] = new Array<Cell>(e.cellCount);
  let p = e.cellsStart;
  try {
    for (let i = 0; i < e.cellCount; i++) {
      const r = readKeyValue(e.buf, p, e.end);
      cells[i] = r.cell;
      p = r.next;
    }
  } catch (err) {
    if (err instanceof TsbaseError) {
      throw new CorruptionError('wal entry holds an invalid keyvalue', { details: { object: name, offset: p, region: e.region }, cause: err });
    }
    throw err;
  }
  return e.nonce === undefined
    ? { region: e.region, seqId: e.seqId, writeTimeMs: e.writeTimeMs, cells }
    : { region: e.region, seqId: e.seqId, writeTimeMs: e.writeTimeMs, cells, nonce: e.nonce };
}

/** The encoded entry (`bodyLen | crc | body`) as a view into its chunk. */
export function rawEntryBytes(e: RawEntry): Buffer {
  return e.buf.subarray(e.start, e.end);
}

function readU64Number(buf: Buffer, off: number): number {
  return buf.readUInt32BE(off) * 0x100000000 + buf.readUInt32BE(off + 4);
}
