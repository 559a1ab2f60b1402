import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SeededRandom } from '../../common/random.js';
import { fnvhash64, ScrambledZipfianGenerator, SkewedLatestGenerator, ycsbKey, ZipfianGenerator } from './generators.js';

test('zipfian: item 0 is the most popular and frequencies fall with rank as 1/i^0.99', () => {
  const g = new ZipfianGenerator(1000, new SeededRandom(7));
  const counts = new Array<number>(1000).fill(0);
  const n = 200_000;
  for (let i = 0; i < n; i++) {
    const v = g.next();
    assert.ok(v >= 0 && v < 1000);
    counts[v]!++;
  }
  // P(0) = 1/zeta(1000) ≈ 0.1339; P(1) ≈ P(0)/2^0.99.
  assert.ok(Math.abs(counts[0]! / n - 0.1339) < 0.01, `p0=${counts[0]! / n}`);
  assert.ok(counts[0]! > counts[1]! && counts[1]! > counts[9]! && counts[9]! > counts[99]!);
});

test('fnvhash64 matches YCSB (FNV-1 64 over the long, low byte first)', () => {
  // Computed independently from the definition: offset basis, xor then multiply per octet.
  let h = 0xcbf29ce484222325n;
  for (let i = 0; i < 8; i++) h = ((h ^ (i === 0 ? 1n : 0n)) * 0x100000001b3n) & ((1n << 64n) - 1n);
  assert.equal(fnvhash64(1), h);
  assert.notEqual(fnvhash64(1), fnvhash64(2));
  assert.equal(ycsbKey(5).toString().length, 24);
});

test('scrambled zipfian stays in range and is skewed; latest favours recent items', () => {
  const s = new ScrambledZipfianGenerator(10_000, new SeededRandom(3));
  const seen = new Map<number, number>();
  for (let i = 0; i < 50_000; i++) {
    const v = s.next();
    assert.ok(v >= 0 && v < 10_000);
    seen.set(v, (seen.get(v) ?? 0) + 1);
  }
  const top = Math.max(...seen.values());
  assert.ok(top > 50_000 / 10_000 * 20, `hottest key seen ${top} times`);
  let max = 1000;
  const l = new SkewedLatestGenerator(() => max, new SeededRandom(4));
  let recent = 0;
  for (let i = 0; i < 10_000; i++) {
    const v = l.next();
    assert.ok(v >= 0 && v < max);
    if (v >= max - 10) recent++;
  }
  assert.ok(recent > 3000, `recent=${recent}`);
  max = 2000;
  assert.ok(l.next() < 2000);
});

test('fnvhash64 and fnvhash64Mod in Number arithmetic equal the BigInt definition', async () => {
  const { fnvhash64Mod } = await import('./generators.js');
  const FNV_OFFSET = 0xcbf29ce484222325n;
  const FNV_PRIME = 0x100000001b3n;
  const MASK64 = (1n << 64n) - 1n;
  const ref = (v: number): bigint => {
    let val = BigInt(v);
    let h = FNV_OFFSET;
    for (let i = 0; i < 8; i++) {
      h = (h ^ (val & 0xffn)) & MASK64;
      val >>= 8n;
      h = (h * FNV_PRIME) & MASK64;
    }
    return h;
  };
  const rnd = new SeededRandom(3);
  const values = [0, 1, 255, 256, 65535, 2 ** 32 - 1, 2 ** 32, 9_999_999_999, Number.MAX_SAFE_INTEGER];
  for (let i = 0; i < 3000; i++) values.push(rnd.int(2 ** 31) * (rnd.next() < 0.5 ? 1 : 4_000_000) + rnd.int(1000));
  for (const v of values) {
    assert.equal(fnvhash64(v), ref(v), `v=${v}`);
    for (const m of [1, 7, 20_000, 200_000, 1 << 26]) assert.equal(fnvhash64Mod(v, m), Number(ref(v) % BigInt(m)), `v=${v} m=${m}`);
  }
});
