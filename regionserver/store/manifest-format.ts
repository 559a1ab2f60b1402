// Values of the store manifest's byte layout (docs/formats/manifest.md). Written to object
// storage: they must never change, and retired values are never reused (keep them as comments).
//
//   manifest = magic:8 "TSBSTMAN" | version:u16 | flags:u16 = 0 | bodyLen:u32 | crc32c(body):u32
//              | body: bodyLen bytes of UTF-8 JSON (the document of docs/formats/manifest.md)
//
// All integers big-endian. The object is exactly HEADER_SIZE + bodyLen bytes.

/** "TSBSTMAN": tsbase store manifest. */
export const MANIFEST_MAGIC = Buffer.from('TSBSTMAN', 'latin1');
/** The only format version so far. A reader refuses any other. */
export const MANIFEST_VERSION = 1;
/** magic:8 + version:u16 + flags:u16 + bodyLen:u32 + crc:u32. */
export const HEADER_SIZE = 20;

// Offsets inside the header.
export const H_MAGIC = 0;
export const H_VERSION = 8;
export const H_FLAGS = 10;
export const H_BODY_LEN = 12;
export const H_CRC = 16;

/** Largest body a reader accepts (a store lists tens of files; 64 MiB means damage). */
export const MAX_BODY_SIZE = 64 * 1024 * 1024;

/** Bloom filter kinds recorded per file (the names of HFile's BloomType). */
export const BLOOM_TYPE_NAMES = ['NONE', 'ROW', 'ROWCOL'] as const;

/** Halves of a parent file a reference can cover. */
export const REFERENCE_HALVES = ['top', 'bottom'] as const;
