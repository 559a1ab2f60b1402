// Operation nonces (HBase's nonceGroup + nonce): the identity of one non-idempotent operation
// (increment, append, checkAndMutate) across its retries. A client picks a random 64-bit
// group once per Connection and a random 64-bit nonce per operation; the region server
// remembers the pairs it applied (regionserver/server/nonce-manager.ts) and writes them into
// the WAL entry of the mutation, so a retry after an ambiguous failure is answered instead of
// applied twice, even on the server that replayed the WAL after a crash.
// Protocol and guarantees: docs/rfcs/0006-operation-nonces.md.

import { InvalidError } from '../errors.js';

export interface OperationNonce {
  /** Per client connection (HBase's nonceGroup). An unsigned 64-bit integer. */
  readonly group: bigint;
  /** Per operation, kept across its retries. An unsigned 64-bit integer, never 0 (HBase's NO_NONCE). */
  readonly nonce: bigint;
}

/** HBase's HConstants.NO_NONCE: "no nonce". Generators never hand it out. */
export const NO_NONCE = 0n;

const U64_MAX = 0xffffffffffffffffn;

/** Throws InvalidError (TSB_INVALID_ARGUMENT) unless `n` is a valid nonce (two u64 bigints, nonce ≠ 0). */
export function checkNonce(n: OperationNonce): void {
  const ok = (v: unknown): v is bigint => typeof v === 'bigint' && v >= 0n && v <= U64_MAX;
  if (!ok(n.group) || !ok(n.nonce) || n.nonce === NO_NONCE) {
    throw new InvalidError('an operation nonce is two unsigned 64-bit integers with a non-zero nonce', {
      details: { group: String(n.group), nonce: String(n.nonce) },
    });
  }
}

/** The map key of a nonce (group and nonce in hex). */
export function nonceKey(group: bigint, nonce: bigint): string {
  return `${group.toString(16)}:${nonce.toString(16)}`;
}
