// Operation nonces on the client (HBase's PerClientRandomNonceGenerator): one random 64-bit
// nonce group per Connection, one random non-zero 64-bit nonce per increment, append and
// checkAndMutate, kept across that operation's retries. docs/rfcs/0006-operation-nonces.md.
//
// The bits come from node:crypto, not from the connection's injected Random: a seeded Random
// would give two connections of one test (or two processes started with the same seed) the
// same group and the same nonce sequence, and a server would then take one client's
// increments for retries of the other's. Tests that need fixed nonces pass their own
// generator (ConnectionDeps.nonces).

import { randomFillSync } from 'node:crypto';
import type { OperationNonce } from '../common/ops/operation-nonce.js';
import { NO_NONCE } from '../common/ops/operation-nonce.js';

export interface NonceGenerator {
  /** The connection's nonce group. */
  readonly group: bigint;
  /** A fresh nonce (never NO_NONCE) for one operation. */
  newNonce(): OperationNonce;
}

/** Random bytes are drawn this many nonces at a time (one crypto call per 256 operations). */
const POOL_NONCES = 256;

/** A generator with a random group and random nonces (node:crypto). */
export function randomNonceGenerator(): NonceGenerator {
  const pool = Buffer.allocUnsafe(8 * POOL_NONCES);
  let next = POOL_NONCES;
  const draw = (): bigint => {
    if (next === POOL_NONCES) {
      randomFillSync(pool);
      next = 0;
    }
    return pool.readBigUInt64BE(8 * next++);
  };
  const group = draw();
  return {
    group,
    newNonce(): OperationNonce {
      let nonce = draw();
      while (nonce === NO_NONCE) nonce = draw();
      return { group, nonce };
    },
  };
}
