// Values of the WAL chunk byte layout (docs/formats/wal.md). Written to disk and to object
// storage: they must never change, and retired values are never reused (keep them as comments).
//
//   chunk   = entry* trailer
//   entry   = bodyLen:u32 | crc32c(body):u32 | body
//   body    = flags:u8 regionLen:u8 region:utf8 | seqId:u64 | writeTimeMs:u64
//             | [nonceGroup:u64 nonce:u64] | cellCount:u32 | KeyValue*      (flag 0x01: nonce)
//   trailer = marker:u32=0xFFFFFFFF | magic:u32 | version:u8 | type:u8 | reserved:u16=0
//             | entryCount:u32 | chunkLen:u32 | lowWater:u64 | crc32c(trailer[0..28)):u32
//
// All integers big-endian.

/** bodyLen:u32 + crc:u32 in front of every entry body. */
export const ENTRY_HEADER_SIZE = 8;
/** flags:u8 + regionLen:u8 + seqId:u64 + writeTimeMs:u64 + cellCount:u32, excluding the region bytes. */
export const BODY_FIXED_SIZE = 2 + 8 + 8 + 4;

/**
 * Entry flags (first body byte). Version 1 had `regionLen:u16` there; names are at most 255
 * bytes, so its high byte was always 0 and a version-1 entry reads as flags 0.
 */
export const ENTRY_NONCE = 0x01; // nonceGroup:u64 nonce:u64 follow writeTimeMs
/** Flags a reader understands; any other bit set is a malformed entry. */
export const ENTRY_FLAGS_MASK = ENTRY_NONCE;
/** nonceGroup:u64 + nonce:u64. */
export const NONCE_SIZE = 16;

/** First u32 of the trailer. Never a valid bodyLen (bodies are capped far below it). */
export const TRAILER_MARKER = 0xffffffff;
/** "TSBW" */
export const WAL_MAGIC = 0x54534257;
/**
 * Chunk versions. 1: entries have no flags. 2: entries may carry flags (a nonce). A writer
 * writes 2 only for chunks holding an entry with a flag set, so a WAL written without nonces
 * stays readable by version-1 readers.
 */
export const WAL_VERSION_1 = 1;
export const WAL_VERSION = 2;
/** Fixed size of the trailer. */
export const TRAILER_SIZE = 32;
/** Bytes of the trailer covered by its own CRC (everything before the CRC). */
export const TRAILER_CRC_COVERED = TRAILER_SIZE - 4;

// Offsets inside the trailer.
export const T_MARKER = 0;
export const T_MAGIC = 4;
export const T_VERSION = 8;
export const T_TYPE = 9;
export const T_RESERVED = 10;
export const T_ENTRY_COUNT = 12;
export const T_CHUNK_LEN = 16;
export const T_LOW_WATER = 20;
export const T_CRC = 28;

/** Chunk types (trailer byte `type`). */
export const ChunkType = {
  /** A group commit: zero or more entries. */
  Data: 1,
  /** The master fenced this WAL: no chunk may follow; the log ends here. Has no entries. */
  Fence: 2,
} as const;
export type ChunkType = (typeof ChunkType)[keyof typeof ChunkType];

/**
 * Largest entry body accepted (64 MiB). Far below TRAILER_MARKER so a bodyLen can never be
 * mistaken for a trailer, and small enough for one buffer.
 */
export const MAX_ENTRY_BODY = 64 * 1024 * 1024;
/** Largest region name in bytes (regionLen is u16; names are path segments of ≤ 255 bytes). */
export const MAX_REGION_NAME_BYTES = 255;
/** Largest chunk (chunkLen is u32). */
export const MAX_CHUNK_LEN = 0xffffffff;
