// The HTTP status of an admin API error answer (common/admin/admin-api.ts documents the
// mapping): the master's routes use it, and so do test servers that imitate the master.

import { ErrorCodes, TsbaseError } from '../errors.js';

/** HTTP status for an error (admin-api.ts). */
export function httpStatus(err: unknown): number {
  if (!(err instanceof TsbaseError)) return 500;
  switch (err.code) {
    case ErrorCodes.INVALID_ARGUMENT:
    case ErrorCodes.INVALID_CONFIG:
    case ErrorCodes.INVALID_RANGE:
    case ErrorCodes.VALUE_TOO_LARGE:
    case ErrorCodes.PROTOCOL:
      return 400;
    case ErrorCodes.NOT_FOUND:
      return 404;
    case ErrorCodes.ALREADY_EXISTS:
    case ErrorCodes.PRECONDITION_FAILED:
    case ErrorCodes.OUTCOME_UNKNOWN:
    case ErrorCodes.TABLE_DISABLED:
      return 409;
    case ErrorCodes.UNAVAILABLE:
    case ErrorCodes.TIMEOUT:
    case ErrorCodes.THROTTLED:
    case ErrorCodes.NOT_LEADER:
    case ErrorCodes.REGION_TOO_BUSY:
    case ErrorCodes.NOT_SERVING_REGION:
    case ErrorCodes.REGION_MOVED:
    case ErrorCodes.REGION_OPENING:
    case ErrorCodes.FENCED:
    case ErrorCodes.CLOSED:
      return 503;
    default:
      return 500;
  }
}
