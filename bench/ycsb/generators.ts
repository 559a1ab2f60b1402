// YCSB's key choosers (site.ycsb.generator), ported: ZipfianGenerator (Gray et al., "Quickly
// Generating Billion-Record Synthetic Databases"), ScrambledZipfianGenerator (zipfian over a
// huge item space, FNV-hashed onto the records so the hot keys are spread over the key
// space) and SkewedLatestGenerator (workload D: recently inserted keys are the hottest).

import type { Random } from '../../common/random.js';

export const ZIPFIAN_CONSTANT = 0.99;

function zeta(n: number, theta: number): number {
  let sum = 0;
  for (let i = 1; i <= n; i++) sum += 1 / Math.pow(i, theta);
  return sum;
}

/** Items 0..items-1, item 0 the most popular. */
export class ZipfianGenerator {
  private readonly alpha: number;
  private readonly zetan: number;
  private readonly eta: number;
  private readonly theta: number;

  constructor(
    private readonly items: number,
    private readonly random: Random,
    theta = ZIPFIAN_CONSTANT,
    zetanOverride?: number,
  ) {
    this.theta = theta;
    const zeta2 = zeta(2, theta);
    this.alpha = 1 / (1 - theta);
    this.zetan = zetanOverride ?? zeta(items, theta);
    this.eta = (1 - Math.pow(2 / items, 1 - theta)) / (1 - zeta2 / this.zetan);
  }

  next(): number {
    const u = this.random.next();
    const uz = u * this.zetan;
    if (uz < 1) return 0;
    if (uz < 1 + Math.pow(0.5, this.theta)) return 1;
    return Math.min(this.items - 1, Math.floor(this.items * Math.pow(this.eta * u - this.eta + 1, this.alpha)));
  }
}

const FNV_OFFSET = 0xcbf29ce484222325n;
const FNV_PRIME = 0x100000001b3n;
const MASK64 = (1n << 64n) - 1n;

/** YCSB's Utils.fnvhash64 (FNV-1 over the 8 bytes of a long, low byte first). */
export function fnvhash64(v: number): bigint {
  let val = BigInt(v);
  let h = FNV_OFFSET;
  for (let i = 0; i < 8; i++) {
    const octet = val & 0xffn;
    val >>= 8n;
    h = (h ^ octet) & MASK64;
    h = (h * FNV_PRIME) & MASK64;
  }
  return h;
}

/** YCSB ScrambledZipfianGenerator: zipfian popularity, hot items scattered over 0..items-1. */
export class ScrambledZipfianGenerator {
  private static readonly ITEM_COUNT = 10_000_000_000;
  /** zeta(10^10, 0.99), precomputed as YCSB does. */
  private static readonly ZETAN = 26.46902820178302;
  private readonly gen: ZipfianGenerator;

  constructor(
    private readonly items: number,
    random: Random,
  ) {
    this.gen = new ZipfianGenerator(ScrambledZipfianGenerator.ITEM_COUNT, random, ZIPFIAN_CONSTANT, ScrambledZipfianGenerator.ZETAN);
  }

  next(): number {
    return Number(fnvhash64(this.gen.next()) % BigInt(this.items));
  }
}

/** YCSB SkewedLatestGenerator: the most recently inserted item is the most popular. */
export class SkewedLatestGenerator {
  private zipf: ZipfianGenerator;
  private zipfItems: number;

  constructor(
    private readonly latest: () => number,
    private readonly random: Random,
  ) {
    this.zipfItems = Math.max(1, latest());
    this.zipf = new ZipfianGenerator(this.zipfItems, random);
  }

  next(): number {
    const max = this.latest();
    // Re-derive the distribution when the key space grew by more than 1% (zeta is O(n)).
    if (max > this.zipfItems * 1.01) {
      this.zipfItems = max;
      this.zipf = new ZipfianGenerator(max, this.random);
    }
    return Math.max(0, max - 1 - this.zipf.next());
  }
}

/** YCSB's key for record `n` ("user" + FNV hash, as with insertorder=hashed). */
export function ycsbKey(n: number): Buffer {
  return Buffer.from(`user${fnvhash64(n).toString().padStart(20, '0')}`);
}
