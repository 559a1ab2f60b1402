// Argument checks and errors shared by the Coordination implementations, so the in-process and
// etcd implementations reject the same inputs with the same codes.

import { ErrorCodes, FencedError, InvalidError } from '../errors.js';

/** Longest key accepted (etcd's default request limit is 1.5 MiB; keys are short paths). */
export const MAX_COORD_KEY_LENGTH = 4096;

/** Throws InvalidError TSB_INVALID_ARGUMENT unless `key` is a non-empty string without NUL. */
export function checkKey(key: string, what = 'key'): void {
  if (typeof key !== 'string' || key.length === 0 || key.length > MAX_COORD_KEY_LENGTH || key.includes('\0')) {
    throw new InvalidError(`invalid coordination ${what}: must be 1..${MAX_COORD_KEY_LENGTH} characters without NUL`, {
      details: { [what]: typeof key === 'string' ? key.slice(0, 100) : String(key) },
    });
  }
}

/**
 * Throws InvalidError unless `prefix` is a string without NUL; `allowEmpty` admits "" (the
 * whole keyspace) for reads and watches, never for deletes.
 */
export function checkPrefix(prefix: string, allowEmpty: boolean): void {
  if (typeof prefix !== 'string' || prefix.includes('\0') || prefix.length > MAX_COORD_KEY_LENGTH || (!allowEmpty && prefix.length === 0)) {
    throw new InvalidError('invalid coordination prefix: must be a string without NUL' + (allowEmpty ? '' : ' and not empty'), {
      details: { prefix: typeof prefix === 'string' ? prefix.slice(0, 100) : String(prefix) },
    });
  }
}

/** Throws InvalidError unless `ttlMs` is a finite number > 0; returns the TTL in whole seconds (rounded up). */
export function ttlSeconds(ttlMs: number): number {
  if (typeof ttlMs !== 'number' || !Number.isFinite(ttlMs) || ttlMs <= 0 || ttlMs > 10 * 365 * 86_400_000) {
    throw new InvalidError('invalid lease ttl: must be a positive number of milliseconds', { details: { ttlMs } });
  }
  return Math.ceil(ttlMs / 1000);
}

/** Throws InvalidError unless `v` is a Buffer. */
export function checkValue(v: unknown): void {
  if (!Buffer.isBuffer(v)) throw new InvalidError('invalid coordination value: must be a Buffer', { details: { type: typeof v } });
}

/** The error every call after close() rejects with. */
export function closedError(impl: string): FencedError {
  return new FencedError('coordination client is closed', { code: ErrorCodes.CLOSED, details: { impl } });
}

/** The error a write with a lease that is no longer alive rejects with. */
export function leaseLostError(leaseId: string): FencedError {
  return new FencedError('lease is lost: keys can no longer be attached to it', { code: ErrorCodes.FENCED, details: { lease: leaseId } });
}

/** Byte order of UTF-8 strings (etcd's key order), not UTF-16 code-unit order. */
export function compareKeys(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}
