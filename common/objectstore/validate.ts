// Checks shared by the ObjectStore implementations: key syntax and byte-range resolution.

import { ErrorCodes, InvalidError } from '../errors.js';
import type { ByteRange } from './object-store.js';

const MAX_KEY_BYTES = 1024;

/**
 * Throws InvalidError(TSB_INVALID_ARGUMENT) unless `key` is a usable object key: 1..1024 UTF-8
 * bytes, no NUL, no leading `/`, no empty, `.` or `..` path segment.
 */
export function validateKey(key: string): void {
  const bytes = Buffer.byteLength(key, 'utf8');
  let problem: string | undefined;
  if (bytes === 0) problem = 'is empty';
  else if (bytes > MAX_KEY_BYTES) problem = `is longer than ${MAX_KEY_BYTES} bytes`;
  else if (key.includes('\0')) problem = 'contains a NUL character';
  else if (key.startsWith('/')) problem = 'starts with /';
  else if (key.split('/').some((s, i, all) => s === '.' || s === '..' || (s === '' && i < all.length - 1)))
    problem = 'has an empty, "." or ".." path segment';
  if (problem !== undefined) {
    throw new InvalidError(`invalid object key: it ${problem}; use a relative path of non-empty segments`, {
      details: { key: key.slice(0, 200) },
    });
  }
}

/** Throws InvalidError unless `prefix` is empty or a valid key prefix (no NUL, no leading `/`). */
export function validatePrefix(prefix: string): void {
  if (prefix.includes('\0') || prefix.startsWith('/')) {
    throw new InvalidError('invalid list prefix: it must not start with / or contain NUL', { details: { prefix } });
  }
}

/**
 * Resolves `range` against an object of `size` bytes to [start, endExclusive).
 * Throws InvalidError(TSB_INVALID_RANGE) when the range is empty or starts at/after the end
 * (HTTP 416 semantics); a range running past the end is cut at the end.
 */
export function resolveRange(key: string, range: ByteRange, size: number): { start: number; end: number } {
  if ('suffix' in range) {
    if (!Number.isSafeInteger(range.suffix) || range.suffix <= 0 || size === 0) {
      throw new InvalidError('invalid byte range: a suffix range needs a positive length and a non-empty object', {
        code: ErrorCodes.INVALID_RANGE,
        details: { key, suffix: range.suffix, size },
      });
    }
    return { start: Math.max(0, size - range.suffix), end: size };
  }
  const { offset, length } = range;
  if (!Number.isSafeInteger(offset) || offset < 0 || (length !== undefined && (!Number.isSafeInteger(length) || length <= 0))) {
    throw new InvalidError('invalid byte range: offset must be >= 0 and length > 0', {
      code: ErrorCodes.INVALID_RANGE,
      details: { key, offset, length },
    });
  }
  if (offset >= size) {
    throw new InvalidError('invalid byte range: it starts at or past the end of the object', {
      code: ErrorCodes.INVALID_RANGE,
      details: { key, offset, size },
    });
  }
  return { start: offset, end: length === undefined ? size : Math.min(size, offset + length) };
}

/** Compares keys by their UTF-8 bytes (the order S3 lists in). */
export function compareKeys(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}
