// Values of the block cache file tier's byte layout (docs/formats/block-cache-tier.md).
// Written to disk and must never change. Retired values stay as comments.

export const SEGMENT_MAGIC = 0x54534253; // "TSBS"
export const RECORD_MAGIC = 0x54534252; // "TSBR"
export const INDEX_MAGIC = 0x54534249; // "TSBI"
// 1: blockOffset held the block's offset in its HFile. Retired (session 5, 2026-11-21): the
//    key now includes the block's index depth, and version-1 segments are ignored on open.
/** 2: blockOffset holds the block key, offset · 16 + index depth (hfile-format.ts blockKey). */
export const FORMAT_VERSION = 2;

/** magic:u32 version:u32 */
export const SEGMENT_HEADER_SIZE = 8;

/** magic:u32 crc:u32 dataLen:u32 blockOffset:u64 flags:u8 fileIdLen:u16 (then fileId, data) */
export const RECORD_HEADER_SIZE = 23;
/** The record CRC covers the bytes from here to the end of the record. */
export const RECORD_CRC_START = 8;

/** magic:u32 version:u32 segmentLength:u64 count:u32 */
export const INDEX_HEADER_SIZE = 20;
/** recordPos:u32 dataLen:u32 crc:u32 blockOffset:u64 flags:u8 fileIdLen:u16 (then fileId) */
export const INDEX_ENTRY_FIXED_SIZE = 23;
/** crc:u32 over the index bytes before it. */
export const INDEX_TRAILER_SIZE = 4;

/** Record flag: the block belongs to an IN_MEMORY family. */
export const FLAG_IN_MEMORY = 1;

export const SEGMENT_SUFFIX = '.seg';
export const INDEX_SUFFIX = '.idx';
export const TMP_SUFFIX = '.tmp';
/** Segment ids are written as this many decimal digits. */
export const SEGMENT_ID_DIGITS = 20;

/** Largest fileId in bytes (fileIdLen is a u16). */
export const MAX_FILE_ID_BYTES = 0xffff;
