// Conflicts whose outcome is uncertain, shared by the S3 store and the retry wrapper.

import { ConflictError, ErrorCodes } from '../errors.js';

/**
 * A compare-and-swap conflict found after an ambiguous failure of the same put: our write may
 * have been applied and then replaced. Same code as `err`, plus the detail `maybeApplied: true`.
 */
export function maybeAppliedConflict(err: ConflictError): ConflictError {
  return new ConflictError('object changed since it was read (etag mismatch); an earlier attempt of this put may have been applied and then replaced', {
    code: err.code === ErrorCodes.ALREADY_EXISTS ? ErrorCodes.ALREADY_EXISTS : ErrorCodes.PRECONDITION_FAILED,
    cause: err,
    details: { ...err.details, maybeApplied: true },
  });
}
