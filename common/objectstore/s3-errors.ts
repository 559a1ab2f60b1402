// Maps errors of @aws-sdk/client-s3 (and the network under it) to tsbase errors.
//
//   404 / NoSuchKey / NotFound          → NotFoundError
//   NoSuchBucket                        → InvalidError TSB_INVALID_CONFIG
//   412 PreconditionFailed              → ConflictError (TSB_ALREADY_EXISTS for If-None-Match,
//                                         TSB_PRECONDITION_FAILED for If-Match)
//   416 / InvalidRange                  → InvalidError TSB_INVALID_RANGE
//   503 SlowDown, throttling            → UnavailableError TSB_THROTTLED (retryable)
//   other 5xx, 409, network errors      → UnavailableError TSB_UNAVAILABLE (retryable)
//   timeouts                            → UnavailableError TSB_TIMEOUT (retryable)
//   403 / bad credentials               → UnavailableError, not retryable (fix the credentials)
//   other 4xx                           → InvalidError TSB_INVALID_ARGUMENT
// A 409/500 answer to a *conditional* put is ambiguous; s3-store.ts resolves it by re-reading
// before it ever reaches this mapping (see isAmbiguousConditionalFailure).

import { ConflictError, ErrorCodes, InternalError, InvalidError, NotFoundError, TsbaseError, UnavailableError } from '../errors.js';

/** What the SDK error looks like: S3ServiceException, TimeoutError, or a Node network error. */
interface SdkLikeError {
  readonly name?: string;
  readonly code?: string;
  readonly message?: string;
  readonly $fault?: 'client' | 'server';
  readonly $retryable?: unknown;
  readonly $metadata?: { readonly httpStatusCode?: number };
}

const NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'ERR_STREAM_PREMATURE_CLOSE',
]);
const THROTTLING = new Set(['SlowDown', 'Throttling', 'ThrottlingException', 'RequestThrottled', 'TooManyRequestsException']);
const TIMEOUTS = new Set(['TimeoutError', 'RequestTimeout', 'RequestTimeoutException']);
const AUTH = new Set(['AccessDenied', 'InvalidAccessKeyId', 'SignatureDoesNotMatch', 'ExpiredToken', 'InvalidToken']);

/** The HTTP status of an SDK error, or undefined for a client-side / network failure. */
export function httpStatusOf(err: unknown): number | undefined {
  return (err as SdkLikeError | undefined)?.$metadata?.httpStatusCode;
}

/** S3's answer name (`NoSuchKey`, `SlowDown`, …) or the Node error code. */
function nameOf(err: unknown): string {
  const e = err as SdkLikeError | undefined;
  return String(e?.code ?? e?.name ?? 'unknown');
}

/** True for a 404 answer (missing key; not a missing bucket). */
export function isNotFound(err: unknown): boolean {
  const name = (err as SdkLikeError | undefined)?.name;
  if (name === 'NoSuchBucket') return false;
  return httpStatusOf(err) === 404 || name === 'NoSuchKey' || name === 'NotFound';
}

/**
 * True when a conditional put's answer does not say whether the write happened: radosgw may
 * answer a losing concurrent conditional writer with 409 or 500 instead of 412.
 */
export function isAmbiguousConditionalFailure(err: unknown): boolean {
  const status = httpStatusOf(err);
  return status === 409 || status === 500;
}

export interface ErrorContext {
  readonly op: string;
  readonly key: string;
  /** Which condition the put carried, to pick the ConflictError code for a 412. */
  readonly condition?: 'ifNoneMatch' | 'ifMatch';
  readonly bucket?: string;
}

/** Maps any error thrown by an S3 call to a tsbase error; tsbase errors pass through. */
export function mapS3Error(err: unknown, ctx: ErrorContext): TsbaseError {
  if (err instanceof TsbaseError) return err;
  const status = httpStatusOf(err);
  const name = nameOf(err);
  const details = { key: ctx.key, op: ctx.op, s3: name, status };
  if (name === 'NoSuchBucket') {
    return new InvalidError('the object store bucket does not exist; create it or fix the bucket setting', {
      code: ErrorCodes.INVALID_CONFIG,
      cause: err,
      details: { ...details, bucket: ctx.bucket },
    });
  }
  if (isNotFound(err)) return new NotFoundError('object not found', { cause: err, details: { key: ctx.key } });
  if (status === 412 || name === 'PreconditionFailed') {
    return ctx.condition === 'ifNoneMatch'
      ? new ConflictError('object already exists', { code: ErrorCodes.ALREADY_EXISTS, cause: err, details: { key: ctx.key } })
      : new ConflictError('object changed since it was read (etag mismatch)', {
          code: ErrorCodes.PRECONDITION_FAILED,
          cause: err,
          details: { key: ctx.key },
        });
  }
  if (status === 416 || name === 'InvalidRange') {
    return new InvalidError('invalid byte range: it starts at or past the end of the object', {
      code: ErrorCodes.INVALID_RANGE,
      cause: err,
      details: { key: ctx.key },
    });
  }
  if (THROTTLING.has(name) || status === 429 || (status === 503 && name !== 'ServiceUnavailable')) {
    return new UnavailableError('the object store asked us to slow down', { code: ErrorCodes.THROTTLED, cause: err, details });
  }
  if (TIMEOUTS.has(name) || status === 408 || status === 504) {
    return new UnavailableError('the object store did not answer in time', { code: ErrorCodes.TIMEOUT, cause: err, details });
  }
  if (AUTH.has(name) || status === 403 || status === 401) {
    return new UnavailableError('the object store refused our credentials; check the access key, secret and permissions', {
      retryable: false,
      cause: err,
      details,
    });
  }
  if (status !== undefined && (status >= 500 || status === 409)) {
    return new UnavailableError('the object store failed the request', { cause: err, details });
  }
  if (status !== undefined && status >= 400) {
    return new InvalidError(`the object store rejected the request: ${name}`, { cause: err, details });
  }
  const e = err as SdkLikeError | undefined;
  if (NETWORK_CODES.has(name) || e?.$retryable !== undefined || e?.$fault === 'server' || /socket hang up|network|EPIPE|ECONNRESET/i.test(String(e?.message))) {
    return new UnavailableError('the object store could not be reached', { cause: err, details: { ...details, error: String(e?.message).slice(0, 200) } });
  }
  return new InternalError('unexpected error from the object store client', {
    cause: err,
    details: { ...details, error: String(e?.message ?? err).slice(0, 200) },
  });
}
