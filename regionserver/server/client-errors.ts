// What a client is told when a region operation fails: the engine's errors translated into
// the codes the data RPC promises (common/rpc/rpc-messages.ts):
//
//   engine                                   client
//   UnavailableError TSB_THROTTLED           UnavailableError TSB_REGION_TOO_BUSY (backpressure)
//   FencedError (WAL fenced or closed,       NotServingRegionError TSB_NOT_SERVING_REGION
//     region's manifest taken over)            (the region is no longer served here)
//   anything else                            unchanged
//
// Value sizes are checked before a mutation reaches a region (checkValueSizes).

import { ErrorCodes, FencedError, InvalidError, NotServingRegionError, UnavailableError } from '../../common/errors.js';
import { KeyValuePut } from '../../common/ops/keyvalue-put.js';
import type { Mutation } from '../../common/ops/operations.js';

/** The error to send the client for `err`, raised by an operation on region `region`. */
export function clientError(err: unknown, region: string): unknown {
  if (err instanceof UnavailableError && err.code === ErrorCodes.THROTTLED) {
    return new UnavailableError('region is too busy (memstore over its limit or too many store files); retry with backoff', {
      code: ErrorCodes.REGION_TOO_BUSY,
      details: { region },
      cause: err,
    });
  }
  if (err instanceof FencedError) {
    return new NotServingRegionError('region is no longer served here; look it up again', { details: { region }, cause: err });
  }
  return err;
}

/**
 * Throws InvalidError TSB_VALUE_TOO_LARGE if a value of `m` is larger than `maxValueBytes`
 * (HBase hbase.client.keyvalue.maxsize). Nothing is written for a refused mutation.
 */
export function checkValueSizes(m: Mutation, maxValueBytes: number): void {
  if (m.kind !== 'put') return;
  if (m instanceof KeyValuePut) {
    if (m.maxValueBytes > maxValueBytes) {
      throw new InvalidError('value is larger than the server allows', { code: ErrorCodes.VALUE_TOO_LARGE, details: { bytes: m.maxValueBytes, maxValueBytes } });
    }
    return;
  }
  for (const c of m.columns) checkValueSize(c.value, maxValueBytes);
}

/** Throws InvalidError TSB_VALUE_TOO_LARGE if `value` is over the limit. */
export function checkValueSize(value: Buffer, maxValueBytes: number): void {
  if (Buffer.isBuffer(value) && value.length > maxValueBytes) {
    throw new InvalidError('value is larger than the server allows', { code: ErrorCodes.VALUE_TOO_LARGE, details: { bytes: value.length, maxValueBytes } });
  }
}
