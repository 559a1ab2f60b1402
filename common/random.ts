// Injected randomness. Code that needs random numbers (jitter, ids, test workloads) takes a
// Random, so a seed reproduces a run.

export interface Random {
  /** A float in [0, 1). */
  next(): number;
  /** An integer in [0, n). REQUIRES: n >= 1. */
  int(n: number): number;
}

/** Math.random-backed randomness for production paths (jitter). */
export const systemRandom: Random = {
  next: () => Math.random(),
  int: (n: number) => Math.floor(Math.random() * n),
};

/**
 * A seeded generator (mulberry32): the same seed gives the same sequence. For tests and
 * simulations; print the seed on failure.
 */
export class SeededRandom implements Random {
  private state: number;
  readonly seed: number;

  constructor(seed: number) {
    this.seed = seed >>> 0;
    this.state = this.seed;
  }

  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** `len` random bytes. */
  bytes(len: number): Buffer {
    const b = Buffer.allocUnsafe(len);
    for (let i = 0; i < len; i++) b[i] = this.int(256);
    return b;
  }
}

/** A seed from the environment (`TSB_SEED`) or a fresh one, for seeded tests. */
export function testSeed(): number {
  const env = process.env['TSB_SEED'];
  if (env !== undefined && env !== '') return Number(env) >>> 0;
  return (Math.random() * 2 ** 32) >>> 0;
}
