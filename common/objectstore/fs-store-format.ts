// On-disk layout of the filesystem ObjectStore (fs-store.ts), documented in
// docs/formats/fs-object-store.md. Everything in this file is written to disk: these names and
// the key encoding must never change (a root written by one version is read by every later one).
//
//   <root>/objects/   one file per object; key segments become nested directories
//   <root>/tmp/       temp files being written (<pid>-<random>.tmp); never listed or read
//
// Key → path: the key is split at `/`. Each segment is encoded byte by byte (UTF-8): bytes in
// SAFE_BYTES stay as they are, every other byte becomes `%XX` (upper-case hex). The last
// segment names the object file; every earlier segment names a directory and gets DIR_SUFFIX,
// so an object `a` and the objects under `a/` can coexist (`objects/a` and `objects/a%/…`).
// A file name never ends in a bare `%` (every `%` starts a `%XX` escape), so the two kinds of
// name cannot collide. A key ending in `/` (an empty last segment, like S3's folder markers)
// is stored as a file named EMPTY_SEGMENT_FILE (`%`), which no other segment can produce.

import { InvalidError } from '../errors.js';

/** Directory under the root holding the objects. Never change. */
export const OBJECTS_DIR = 'objects';
/** Directory under the root holding temp files. Never change. */
export const TMP_DIR = 'tmp';
/** Suffix of temp file names. Never change. */
export const TMP_SUFFIX = '.tmp';
/** Suffix of a directory name holding the objects under `<segment>/`. Never change. */
export const DIR_SUFFIX = '%';
/** File name of an empty last segment (a key ending in `/`). Never change. */
export const EMPTY_SEGMENT_FILE = '%';
/** The longest encoded segment: NAME_MAX (255) minus DIR_SUFFIX. */
export const MAX_ENCODED_SEGMENT = 254;

// Bytes kept as they are: A-Z a-z 0-9 and - . _ , = + @ ~ :   (never change)
const SAFE = new Uint8Array(256);
for (const c of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._,=+@~:') SAFE[c.charCodeAt(0)] = 1;
const HEX = '0123456789ABCDEF';

/** Encodes one key segment (no `/`) as a file name. Throws InvalidError if it is too long. */
export function encodeSegment(segment: string, key: string): string {
  const bytes = Buffer.from(segment, 'utf8');
  let plain = true;
  for (const b of bytes) {
    if (SAFE[b] !== 1) {
      plain = false;
      break;
    }
  }
  let out: string;
  if (plain) {
    out = segment;
  } else {
    out = '';
    for (const b of bytes) out += SAFE[b] === 1 ? String.fromCharCode(b) : '%' + HEX[b >> 4]! + HEX[b & 15]!;
  }
  if (out.length > MAX_ENCODED_SEGMENT) {
    throw new InvalidError(
      `invalid object key for the filesystem store: a path segment encodes to more than ${MAX_ENCODED_SEGMENT} bytes; use shorter segments`,
      { details: { key: key.slice(0, 200), encodedLength: out.length } },
    );
  }
  return out;
}

/**
 * Decodes a file name back to the segment's UTF-8 bytes, or undefined if the name is not one
 * encodeSegment can produce (a foreign file, which the store ignores).
 */
export function decodeSegment(name: string): Buffer | undefined {
  if (name.length === 0) return undefined;
  if (!name.includes('%')) {
    for (let i = 0; i < name.length; i++) if (SAFE[name.charCodeAt(i)] !== 1) return undefined;
    return Buffer.from(name, 'latin1');
  }
  const out = Buffer.allocUnsafe(name.length);
  let n = 0;
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c === 0x25) {
      const hi = hexValue(name.charCodeAt(i + 1));
      const lo = hexValue(name.charCodeAt(i + 2));
      if (hi < 0 || lo < 0) return undefined;
      out[n++] = (hi << 4) | lo;
      i += 2;
    } else if (SAFE[c] === 1) {
      out[n++] = c;
    } else {
      return undefined;
    }
  }
  return out.subarray(0, n);
}

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x41 && c <= 0x46) return c - 0x41 + 10;
  return -1;
}

/**
 * The path of a validated key relative to OBJECTS_DIR, as [directory segments..., file name].
 * REQUIRES: validateKey(key) passed. Throws InvalidError for a segment that is too long.
 */
export function keyToRelativePath(key: string): string[] {
  const segs = key.split('/');
  const out = new Array<string>(segs.length);
  for (let i = 0; i < segs.length; i++) {
    const seg = segs[i]!;
    if (i === segs.length - 1) out[i] = seg === '' ? EMPTY_SEGMENT_FILE : encodeSegment(seg, key);
    else out[i] = encodeSegment(seg, key) + DIR_SUFFIX;
  }
  return out;
}
