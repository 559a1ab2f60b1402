// Values of the HFile byte layout (docs/formats/hfile.md).
// Written to disk and must never change. Retired values stay as comments.

/** Trailer magic, the last 8 bytes of every HFile. */
export const HFILE_MAGIC = Buffer.from('TSBHFILE', 'latin1');
export const HFILE_MAJOR_VERSION = 1;
export const HFILE_MINOR_VERSION = 0;

// ---- Blocks -----------------------------------------------------------------------------------

/** Every block starts with this 8-byte magic naming its type. */
export const BlockMagic = {
  Data: Buffer.from('TSB:DATA', 'latin1'),
  LeafIndex: Buffer.from('TSB:LEAF', 'latin1'),
  IntermediateIndex: Buffer.from('TSB:INTR', 'latin1'),
  RootIndex: Buffer.from('TSB:ROOT', 'latin1'),
  BloomChunk: Buffer.from('TSB:BLMC', 'latin1'),
  BloomMeta: Buffer.from('TSB:BLMM', 'latin1'),
  FileInfo: Buffer.from('TSB:INFO', 'latin1'),
} as const;
export type BlockType = keyof typeof BlockMagic;

/**
 * Block header: magic[8] | onDiskSize:u32 | uncompressedSize:u32 | codec:u8 | encoding:u8 |
 * reserved:u16 (0) | crc32c:u32. The CRC covers header bytes [0, 20) then the stored payload.
 */
export const BLOCK_HEADER_SIZE = 24;
export const BH_MAGIC = 0;
export const BH_ON_DISK_SIZE = 8;
export const BH_UNCOMPRESSED_SIZE = 12;
export const BH_CODEC = 16;
export const BH_ENCODING = 17;
export const BH_RESERVED = 18;
export const BH_CRC = 20;

/** Largest payload (stored or uncompressed) a reader accepts: 1 GiB. */
export const MAX_BLOCK_PAYLOAD = 1 << 30;

/** Compression codecs of block payloads. */
export const Codec = {
  None: 0,
  Snappy: 1, // snappy raw format (npm `snappy`, Google's snappy)
  Gzip: 2, // RFC 1952 gzip member (node:zlib)
} as const;
export type Codec = (typeof Codec)[keyof typeof Codec];

/** Data block encodings. */
export const DataBlockEncoding = {
  None: 0, // KeyValues back to back
  Prefix: 1, // keys share a prefix with the previous key (varint shared/unshared/value lengths)
} as const;
export type DataBlockEncoding = (typeof DataBlockEncoding)[keyof typeof DataBlockEncoding];

/** Data block tail: restartOffset:u32 × R | R:u32 | entryCount:u32. */
export const DATA_BLOCK_TAIL_SIZE = 8;

// ---- Index blocks -----------------------------------------------------------------------------

/**
 * Index block payload (leaf, intermediate, root): n:u32 | entryOffset:u32 × (n+1) | entries,
 * entry = childOffset:u64 | childSize:u32 | key. Offsets are relative to the entries area.
 */
export const INDEX_ENTRY_FIXED_SIZE = 12;

/** Deepest index a reader accepts (root = level 1). */
export const MAX_INDEX_LEVELS = 8;

/**
 * The key of the block at `offset` read at index depth `depth` (1..MAX_INDEX_LEVELS), in the
 * block cache, its disk tier and the scanners' pins. The depth is part of it because a payload
 * is validated for the kind of block its depth implies (data or index, and the index's child
 * bounds): in a damaged file an index entry may point at a block already cached as another
 * kind, and must not get that payload unvalidated (found by the corruption fuzz test).
 */
export function blockKey(offset: number, depth: number): number {
  return offset * 16 + depth;
}


// ---- Bloom filters ----------------------------------------------------------------------------

export const BloomType = {
  None: 0,
  Row: 1,
  RowCol: 2,
} as const;
export type BloomType = (typeof BloomType)[keyof typeof BloomType];

export const BloomHash = {
  Murmur3x86_32: 1, // MurmurHash3_x86_32, h1 = hash(key, 0), h2 = hash(key, h1)
} as const;

/**
 * Bloom meta payload: bloomType:u8 | hash:u8 | hashCount:u8 | reserved:u8 (0) | totalKeys:u64 |
 * chunkCount:u32 | keysInChunk:u32 × chunkCount | an index block payload locating the chunks
 * (entry key = key of the first cell whose bloom key the chunk holds).
 */
export const BLOOM_META_FIXED_SIZE = 16;
export const MAX_BLOOM_HASH_COUNT = 30;

// ---- FileInfo ---------------------------------------------------------------------------------

/** FileInfo payload: n:u32 | (keyLen:u16 key valueLen:u32 value) × n. */
export const FileInfoKey = {
  AvgKeyLen: 'AVG_KEY_LEN', // u32
  AvgValueLen: 'AVG_VALUE_LEN', // u32
  LastKey: 'LAST_KEY', // encoded key; absent in an empty file
  MaxSeqId: 'MAX_SEQ_ID', // u64
  TimeRange: 'TIMERANGE', // min:u64 max:u64 (min > max: no cells)
  Entries: 'ENTRIES', // u64
  BloomType: 'BLOOM_TYPE', // u8
  DataBlockEncoding: 'DATA_BLOCK_ENCODING', // u8
} as const;

// ---- Trailer ----------------------------------------------------------------------------------

/** The trailer: the last TRAILER_SIZE bytes of the file. Offsets of its fields: */
export const TRAILER_SIZE = 128;
export const TR_CRC = 0; // u32: CRC32C of trailer bytes [4, 128)
export const TR_INDEX_LEVELS = 4; // u32
export const TR_LOAD_ON_OPEN_OFFSET = 8; // u64: the root index block
export const TR_FILE_INFO_OFFSET = 16; // u64
export const TR_BLOOM_META_OFFSET = 24; // u64 (0: no bloom)
export const TR_BLOOM_CHUNKS_OFFSET = 32; // u64: first bloom chunk (= load-on-open offset if none)
export const TR_DATA_SECTION_END = 40; // u64: end of the last data / leaf index block
export const TR_ENTRY_COUNT = 48; // u64
export const TR_DATA_BLOCK_COUNT = 56; // u64
export const TR_UNCOMPRESSED_DATA_BYTES = 64; // u64: sum of data block payloads before compression
export const TR_MID_LEAF_OFFSET = 72; // u64 (index levels > 1)
export const TR_MID_LEAF_SIZE = 80; // u32
export const TR_MID_KEY_INDEX = 84; // u32
export const TR_COMPRESSION = 88; // u8: codec asked for by the writer
export const TR_ENCODING = 89; // u8
export const TR_BLOOM_TYPE = 90; // u8
// 91..115 reserved, zero
export const TR_MAJOR_VERSION = 116; // u16
export const TR_MINOR_VERSION = 118; // u16
export const TR_MAGIC = 120; // 8 bytes: HFILE_MAGIC
