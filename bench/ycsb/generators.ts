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
  if (!(Number.isSafeInteger(v) && v >= 0)) return fnvhash64Big(v);
  const h = fnvhash64Limbs(v);
  return (BigInt(h[3]! * 0x10000 + h[2]!) << 32n) | BigInt(h[1]! * 0x10000 + h[0]!);
}

function fnvhash64Big(v: number): bigint {
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

const limbs = new Array<number>(4).fill(0);

/**
 * fnvhash64 of a non-negative safe integer in Number arithmetic: the hash as four 16-bit limbs,
 * low first (a shared array, valid until the next call). The BigInt loop cost the benchmark's
 * client more CPU per operation than tsbase's client library spent on a get.
 * FNV prime = 2^40 + 0x1b3: h × prime = (h << 40) + h × 0x1b3 (mod 2^64).
 */
function fnvhash64Limbs(v: number): number[] {
  // FNV offset basis 0xcbf29ce484222325.
  let h0 = 0x2325;
  let h1 = 0x8422;
  let h2 = 0x9ce4;
  let h3 = 0xcbf2;
  let lo = v % 0x100000000;
  let hi = Math.floor(v / 0x100000000);
  for (let i = 0; i < 8; i++) {
    const octet = i < 4 ? lo & 0xff : hi & 0xff;
    if (i < 4) lo >>>= 8;
    else hi >>>= 8;
    h0 ^= octet;
    // t = h × 0x1b3 (limb products < 2^25, sums with carries stay exact)
    let t0 = h0 * 0x1b3;
    let t1 = h1 * 0x1b3 + Math.floor(t0 / 0x10000);
    let t2 = h2 * 0x1b3 + Math.floor(t1 / 0x10000);
    let t3 = h3 * 0x1b3 + Math.floor(t2 / 0x10000);
    t0 &= 0xffff;
    t1 &= 0xffff;
    t2 &= 0xffff;
    t3 &= 0xffff;
    // + h << 40: limb 2 gets h0 << 8, limb 3 gets (h1 << 8) + (h0 >>> 8).
    t2 += (h0 << 8) & 0xffff;
    t3 += ((h1 << 8) & 0xffff) + (h0 >>> 8) + Math.floor(t2 / 0x10000);
    h0 = t0;
    h1 = t1;
    h2 = t2 & 0xffff;
    h3 = t3 & 0xffff;
  }
  limbs[0] = h0;
  limbs[1] = h1;
  limbs[2] = h2;
  limbs[3] = h3;
  return limbs;
}

/** fnvhash64(v) mod m without BigInt. REQUIRES: v a non-negative safe integer, 1 <= m <= 2^26. */
export function fnvhash64Mod(v: number, m: number): number {
  const h = fnvhash64Limbs(v);
  // ((h3·2^16 + h2)·2^32 + (h1·2^16 + h0)) mod m, every product below 2^53.
  const hi = (h[3]! * 0x10000 + h[2]!) % m;
  const lo = (h[1]! * 0x10000 + h[0]!) % m;
  return (hi * (0x100000000 % m) + lo) % m;
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
    const v = this.gen.next();
    return this.items <= 1 << 26 ? fnvhash64Mod(v, this.items) : Number(fnvhash64(v) % BigInt(this.items));
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
