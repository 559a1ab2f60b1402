// Block payload compression: NONE, SNAPPY (npm `snappy`, napi-rs prebuilt binaries) and GZ
// (node:zlib). All synchronous: the reader decompresses right after a ranged GET, the writer
// compresses as blocks close (callers run big writes in worker threads).

import { gunzipSync, gzipSync } from 'node:zlib';
import { compressSync as snappyCompress, uncompressSync as snappyUncompress } from 'snappy';
import { CorruptionError, InvalidError } from '../../common/errors.js';
import { Codec } from './hfile-format.js';

/** Codec names as a column family's COMPRESSION attribute spells them. */
export type CompressionName = 'NONE' | 'SNAPPY' | 'GZ';

export function codecByName(name: CompressionName | string): Codec {
  switch (name.toUpperCase()) {
    case 'NONE':
      return Codec.None;
    case 'SNAPPY':
      return Codec.Snappy;
    case 'GZ':
      return Codec.Gzip;
    default:
      throw new InvalidError('unknown compression codec', { code: 'TSB_INVALID_CONFIG', details: { compression: name } });
  }
}

export function isKnownCodec(c: number): c is Codec {
  return c === Codec.None || c === Codec.Snappy || c === Codec.Gzip;
}

/** Compresses `raw` with `codec`. The result may be larger than `raw` (callers then store raw). */
export function compress(codec: Codec, raw: Buffer): Buffer {
  switch (codec) {
    case Codec.None:
      return raw;
    case Codec.Snappy:
      return snappyCompress(raw);
    case Codec.Gzip:
      return gzipSync(raw, { level: 6 });
  }
}

/**
 * Decompresses a stored payload that must expand to exactly `uncompressedSize` bytes.
 * Throws CorruptionError (with `details`) if the codec rejects the bytes or the size differs.
 */
export function decompress(codec: Codec, stored: Buffer, uncompressedSize: number, details: Record<string, string | number>): Buffer {
  if (codec === Codec.None) {
    if (stored.length !== uncompressedSize) throw new CorruptionError('hfile block size mismatch', { details: { ...details, stored: stored.length, uncompressedSize } });
    return stored;
  }
  let out: Buffer;
  try {
    if (codec === Codec.Snappy) {
      out = snappyUncompress(stored, { asBuffer: true }) as Buffer;
    } else {
      // maxOutputLength bounds the memory a damaged stream can make us allocate.
      out = gunzipSync(stored, { maxOutputLength: Math.max(1, uncompressedSize) });
    }
  } catch (err) {
    throw new CorruptionError('hfile block does not decompress', { cause: err, details: { ...details, codec } });
  }
  if (out.length !== uncompressedSize) {
    throw new CorruptionError('hfile block decompressed to the wrong size', { details: { ...details, codec, got: out.length, uncompressedSize } });
  }
  return out;
}
