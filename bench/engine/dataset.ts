// The engine benchmark's data set, shared by both engines: N rows with 24-byte keys and
// 100-byte incompressible values, inserted in a seeded random order; point gets draw seeded
// random indices. Everything is generated once, before any timing, so neither side pays for
// making its inputs' bytes.
//
// Keys are `user` + 20 digits, as YCSB names records:
//  - 'hash' (default): hash digits of the index (like YCSB's `user<hash>`), so keys differ
//    from their 5th byte on;
//  - 'seq': the zero-padded index itself, so every key shares its first ~16 bytes (tables with
//    long common key prefixes: tenants, reversed domains).

import { SeededRandom } from '../../common/random.js';

export const KEY_BYTES = 24;
export const VALUE_BYTES = 100;
/** Distinct values (rows reuse them; both engines store values uncompressed). */
const VALUE_POOL = 4096;

export type KeyStyle = 'hash' | 'seq';

/** MurmurHash3's 32-bit finalizer: a bijection on 32-bit values. */
function fmix32(x: number): number {
  let h = x >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** 20 hash digits of index i: two 10-digit halves; the first is a bijection of i, so keys are distinct. */
function hashDigits(i: number): string {
  return String(fmix32(i)).padStart(10, '0') + String(fmix32(i ^ 0x5bd1e995)).padStart(10, '0');
}

export class Dataset {
  readonly rows: number;
  /** keys[i]: the 24-byte key of row i (views into one buffer). */
  readonly keys: Buffer[];
  /** Insertion order: a permutation of 0..rows-1. */
  readonly insertOrder: Uint32Array;
  private readonly values: Buffer[];

  constructor(rows: number, seed: number, keys: KeyStyle = 'hash') {
    this.rows = rows;
    const rnd = new SeededRandom(seed);
    const all = Buffer.allocUnsafe(rows * KEY_BYTES);
    this.keys = new Array<Buffer>(rows);
    for (let i = 0; i < rows; i++) {
      const digits = keys === 'hash' ? hashDigits(i) : String(i);
      all.write(`user${digits.padStart(KEY_BYTES - 4, '0')}`, i * KEY_BYTES, 'latin1');
      this.keys[i] = all.subarray(i * KEY_BYTES, (i + 1) * KEY_BYTES);
    }
    const pool = rnd.bytes(VALUE_POOL * VALUE_BYTES);
    this.values = Array.from({ length: VALUE_POOL }, (_, j) => pool.subarray(j * VALUE_BYTES, (j + 1) * VALUE_BYTES));
    this.insertOrder = new Uint32Array(rows);
    for (let i = 0; i < rows; i++) this.insertOrder[i] = i;
    for (let i = rows - 1; i > 0; i--) {
      const j = rnd.int(i + 1);
      const t = this.insertOrder[i]!;
      this.insertOrder[i] = this.insertOrder[j]!;
      this.insertOrder[j] = t;
    }
  }

  value(i: number): Buffer {
    return this.values[i % VALUE_POOL]!;
  }

  /** `count` seeded random row indices (with repeats), for point gets. */
  randomIndices(count: number, seed: number): Uint32Array {
    const rnd = new SeededRandom(seed);
    const out = new Uint32Array(count);
    for (let i = 0; i < count; i++) out[i] = rnd.int(this.rows);
    return out;
  }
}
