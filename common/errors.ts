// Public error classes and stable error codes of tsbase.
//
// Every error tsbase raises to a caller is one of the classes below. Each carries:
//   - `code`: a stable `TSB_*` string (listed in docs/errors.md; a test keeps the two in step),
//   - `retryable`: whether the same call may succeed if tried again unchanged,
//   - `cause`: the underlying error, if any.
// Messages are lowercase, say what was wrong and what to do, and end with key=`value` details.
//
// Codes are part of the public contract: never rename or reuse one. Retired codes stay listed
// in docs/errors.md as retired.

/** Every stable error code. Add new codes here and in docs/errors.md. */
export const ErrorCodes = {
  // Unavailable: a dependency (object store, coordination, a server) could not be reached.
  UNAVAILABLE: 'TSB_UNAVAILABLE',
  TIMEOUT: 'TSB_TIMEOUT',
  THROTTLED: 'TSB_THROTTLED',
  // Fenced / closed: this process may no longer act as the owner of a resource.
  FENCED: 'TSB_FENCED',
  CLOSED: 'TSB_CLOSED',
  // Invalid input from a caller.
  INVALID_ARGUMENT: 'TSB_INVALID_ARGUMENT',
  VALUE_TOO_LARGE: 'TSB_VALUE_TOO_LARGE',
  INVALID_RANGE: 'TSB_INVALID_RANGE',
  INVALID_CONFIG: 'TSB_INVALID_CONFIG',
  // Missing things.
  NOT_FOUND: 'TSB_NOT_FOUND',
  // Conditional writes and races.
  ALREADY_EXISTS: 'TSB_ALREADY_EXISTS',
  PRECONDITION_FAILED: 'TSB_PRECONDITION_FAILED',
  /** An admin operation was accepted by a master that stopped before answering; its outcome is not known. */
  OUTCOME_UNKNOWN: 'TSB_OUTCOME_UNKNOWN',
  // Data damage.
  CORRUPTION: 'TSB_CORRUPTION',
  // Region routing (data path).
  NOT_SERVING_REGION: 'TSB_NOT_SERVING_REGION',
  REGION_MOVED: 'TSB_REGION_MOVED',
  REGION_OPENING: 'TSB_REGION_OPENING',
  REGION_TOO_BUSY: 'TSB_REGION_TOO_BUSY',
  SCANNER_EXPIRED: 'TSB_SCANNER_EXPIRED',
  // Cluster and protocol.
  NOT_LEADER: 'TSB_NOT_LEADER',
  TABLE_DISABLED: 'TSB_TABLE_DISABLED',
  PROTOCOL: 'TSB_PROTOCOL',
  // Bugs and the unexpected.
  INTERNAL: 'TSB_INTERNAL',
  INJECTED_FAULT: 'TSB_INJECTED_FAULT',
} as const;

export type ErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes];

export interface ErrorDetails {
  /** Extra `key=value` details appended to the message. */
  readonly details?: Record<string, string | number | bigint | boolean | undefined>;
  readonly cause?: unknown;
  readonly retryable?: boolean;
}

function formatDetails(details: ErrorDetails['details']): string {
  if (details === undefined) return '';
  const parts: string[] = [];
  for (const [k, v] of Object.entries(details)) {
    if (v !== undefined) parts.push(`${k}=\`${String(v)}\``);
  }
  return parts.length === 0 ? '' : ' ' + parts.join(' ');
}

/** Base class of every tsbase error. Use one of the subclasses. */
export abstract class TsbaseError extends Error {
  readonly code: ErrorCode;
  readonly retryable: boolean;
  readonly details: Readonly<Record<string, string | number | bigint | boolean | undefined>>;

  protected constructor(code: ErrorCode, message: string, retryable: boolean, opts: ErrorDetails = {}) {
    super(message + formatDetails(opts.details), opts.cause === undefined ? undefined : { cause: opts.cause });
    this.code = code;
    this.retryable = opts.retryable ?? retryable;
    this.details = opts.details ?? {};
    this.name = new.target.name;
  }
}

/** A dependency could not be reached or answered with a transient failure. Retryable. */
export class UnavailableError extends TsbaseError {
  constructor(
    message: string,
    opts: ErrorDetails & {
      code?:
        | typeof ErrorCodes.UNAVAILABLE
        | typeof ErrorCodes.TIMEOUT
        | typeof ErrorCodes.THROTTLED
        | typeof ErrorCodes.REGION_TOO_BUSY
        | typeof ErrorCodes.NOT_LEADER;
    } = {},
  ) {
    super(opts.code ?? ErrorCodes.UNAVAILABLE, message, true, opts);
  }
}

/**
 * This process lost ownership of a resource (its WAL was fenced by the master, its lease
 * expired) or the resource was closed. Not retryable: the caller must stop using it.
 */
export class FencedError extends TsbaseError {
  constructor(message: string, opts: ErrorDetails & { code?: typeof ErrorCodes.FENCED | typeof ErrorCodes.CLOSED } = {}) {
    super(opts.code ?? ErrorCodes.FENCED, message, false, opts);
  }
}

/** The caller passed something invalid. Not retryable: fix the input. */
export class InvalidError extends TsbaseError {
  constructor(
    message: string,
    opts: ErrorDetails & {
      code?:
        | typeof ErrorCodes.INVALID_ARGUMENT
        | typeof ErrorCodes.VALUE_TOO_LARGE
        | typeof ErrorCodes.INVALID_RANGE
        | typeof ErrorCodes.INVALID_CONFIG
        | typeof ErrorCodes.PROTOCOL
        | typeof ErrorCodes.TABLE_DISABLED;
    } = {},
  ) {
    super(opts.code ?? ErrorCodes.INVALID_ARGUMENT, message, false, opts);
  }
}

/** The named thing does not exist. */
export class NotFoundError extends TsbaseError {
  constructor(message: string, opts: ErrorDetails & { code?: typeof ErrorCodes.NOT_FOUND | typeof ErrorCodes.SCANNER_EXPIRED } = {}) {
    super(opts.code ?? ErrorCodes.NOT_FOUND, message, false, opts);
  }
}

/**
 * A conditional write lost: the object already exists (create-if-absent) or changed since it
 * was read (compare-and-swap). Re-read and decide again.
 */
export class ConflictError extends TsbaseError {
  constructor(
    message: string,
    opts: ErrorDetails & { code?: typeof ErrorCodes.ALREADY_EXISTS | typeof ErrorCodes.PRECONDITION_FAILED | typeof ErrorCodes.OUTCOME_UNKNOWN } = {},
  ) {
    super(opts.code ?? ErrorCodes.PRECONDITION_FAILED, message, false, opts);
  }
}

/** Stored data failed a checksum or structural check. Not retryable. */
export class CorruptionError extends TsbaseError {
  constructor(message: string, opts: ErrorDetails = {}) {
    super(ErrorCodes.CORRUPTION, message, false, opts);
  }
}

/** The region is not (or no longer) served here; look its location up again. */
export class NotServingRegionError extends TsbaseError {
  /**
   * NOT_SERVING_REGION: look the region up again. REGION_MOVED: it moved; `details.location`
   * (`host:port`) and `details.server` name the new host. REGION_OPENING: it is opening here;
   * retry shortly.
   */
  constructor(
    message: string,
    opts: ErrorDetails & { code?: typeof ErrorCodes.NOT_SERVING_REGION | typeof ErrorCodes.REGION_MOVED | typeof ErrorCodes.REGION_OPENING } = {},
  ) {
    super(opts.code ?? ErrorCodes.NOT_SERVING_REGION, message, true, opts);
  }
}

/** A bug or an unexpected state. */
export class InternalError extends TsbaseError {
  constructor(message: string, opts: ErrorDetails & { code?: typeof ErrorCodes.INTERNAL | typeof ErrorCodes.INJECTED_FAULT } = {}) {
    super(opts.code ?? ErrorCodes.INTERNAL, message, false, opts);
  }
}

/** True if `err` is a tsbase error the caller may retry unchanged. */
export function isRetryable(err: unknown): boolean {
  return err instanceof TsbaseError && err.retryable;
}

/** The `TSB_*` code of `err`, or undefined if it is not a tsbase error. */
export function errorCode(err: unknown): ErrorCode | undefined {
  return err instanceof TsbaseError ? err.code : undefined;
}
