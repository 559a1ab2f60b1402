// Errors across process boundaries: the data RPC and the admin HTTP API carry an error as
// { code, message, retryable, details }. errorToWire turns any thrown value into that shape
// (non-tsbase errors become TSB_INTERNAL); errorFromWire rebuilds the matching public class on
// the client, so callers branch on `code` exactly as they would in-process.

import {
  ConflictError,
  CorruptionError,
  ErrorCodes,
  FencedError,
  InternalError,
  InvalidError,
  NotFoundError,
  NotServingRegionError,
  TsbaseError,
  UnavailableError,
} from './errors.js';
import type { ErrorCode } from './errors.js';

export interface WireError {
  readonly code: string;
  /** The message as raised (details already appended). */
  readonly message: string;
  readonly retryable: boolean;
  readonly details?: Readonly<Record<string, string | number | boolean>>;
}

/** The wire form of `err`. */
export function errorToWire(err: unknown): WireError {
  if (err instanceof TsbaseError) {
    const details: Record<string, string | number | boolean> = {};
    for (const [k, v] of Object.entries(err.details)) {
      if (v !== undefined) details[k] = typeof v === 'bigint' ? v.toString() : v;
    }
    return { code: err.code, message: err.message, retryable: err.retryable, details };
  }
  const message = err instanceof Error ? err.message : String(err);
  return { code: ErrorCodes.INTERNAL, message: `unexpected error: ${message}`, retryable: false };
}

const KNOWN = new Set<string>(Object.values(ErrorCodes));

/**
 * The public error class for a wire error. The message is kept as sent (details are not
 * appended twice); `details` and `retryable` are restored. An unknown code becomes
 * InternalError with `remoteCode` in its details.
 */
export function errorFromWire(w: WireError): TsbaseError {
  const code = (KNOWN.has(w.code) ? w.code : ErrorCodes.INTERNAL) as ErrorCode;
  const e = make(code, w.message);
  // The constructors append details to the message; restore the remote message and details.
  Object.defineProperty(e, 'message', { value: w.message, writable: true, configurable: true });
  Object.defineProperty(e, 'details', { value: Object.freeze({ ...(w.details ?? {}), ...(code !== w.code ? { remoteCode: w.code } : {}) }) });
  Object.defineProperty(e, 'retryable', { value: w.retryable });
  return e;
}

function make(code: ErrorCode, message: string): TsbaseError {
  switch (code) {
    case ErrorCodes.UNAVAILABLE:
    case ErrorCodes.TIMEOUT:
    case ErrorCodes.THROTTLED:
    case ErrorCodes.REGION_TOO_BUSY:
    case ErrorCodes.NOT_LEADER:
      return new UnavailableError(message, { code });
    case ErrorCodes.FENCED:
    case ErrorCodes.CLOSED:
      return new FencedError(message, { code });
    case ErrorCodes.INVALID_ARGUMENT:
    case ErrorCodes.VALUE_TOO_LARGE:
    case ErrorCodes.INVALID_RANGE:
    case ErrorCodes.INVALID_CONFIG:
    case ErrorCodes.PROTOCOL:
    case ErrorCodes.TABLE_DISABLED:
      return new InvalidError(message, { code });
    case ErrorCodes.NOT_FOUND:
    case ErrorCodes.SCANNER_EXPIRED:
      return new NotFoundError(message, { code });
    case ErrorCodes.ALREADY_EXISTS:
    case ErrorCodes.PRECONDITION_FAILED:
    case ErrorCodes.OUTCOME_UNKNOWN:
      return new ConflictError(message, { code });
    case ErrorCodes.CORRUPTION:
      return new CorruptionError(message);
    case ErrorCodes.NOT_SERVING_REGION:
    case ErrorCodes.REGION_MOVED:
    case ErrorCodes.REGION_OPENING:
      return new NotServingRegionError(message, { code });
    case ErrorCodes.INTERNAL:
    case ErrorCodes.INJECTED_FAULT:
      return new InternalError(message, { code });
  }
}
