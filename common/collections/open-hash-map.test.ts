import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SeededRandom } from '../random.js';
import { OpenHashMap, hashU32, hashU64 } from './open-hash-map.js';

test('OpenHashMap agrees with a Map under random sets and deletes (ids growing, wrapping, colliding)', () => {
  for (const seed of [1, 2, 3, 4]) {
    const rnd = new SeededRandom(seed);
    const t = new OpenHashMap<number, string>(hashU32);
    const m = new Map<number, string>();
    let next = seed === 4 ? 0xffffff00 : 1; // seed 4: ids wrap past 2^32
    for (let step = 0; step < 20_000; step++) {
      const r = rnd.next();
      if (r < 0.45 || m.size === 0) {
        const id = next;
        next = (next + 1 + (rnd.next() < 0.1 ? Math.floor(rnd.next() * 100_000) : 0)) >>> 0;
        t.set(id, `v${id}`);
        m.set(id, `v${id}`);
      } else if (r < 0.9) {
        const keys = [...m.keys()];
        const id = keys[Math.floor(rnd.next() * keys.length)]!;
        assert.equal(t.delete(id), m.get(id));
        m.delete(id);
      } else {
        const id = Math.floor(rnd.next() * 0x100000000);
        assert.equal(t.delete(id), m.get(id), `delete of a random id ${id}`);
        m.delete(id);
      }
      assert.equal(t.size, m.size);
      if (step % 97 === 0) {
        for (const [k, v] of m) assert.equal(t.get(k), v, `seed ${seed} step ${step} id ${k}`);
        assert.deepEqual(t.values().sort(), [...m.values()].sort());
      }
    }
    t.clear();
    assert.equal(t.size, 0);
    assert.equal(t.get(next - 1), undefined);
  }
});

test('OpenHashMap grows past thousands of entries and shrinks back', () => {
  const t = new OpenHashMap<number, number>(hashU32);
  for (let i = 1; i <= 10_000; i++) t.set(i, i);
  assert.equal(t.size, 10_000);
  for (let i = 1; i <= 10_000; i++) assert.equal(t.get(i), i);
  for (let i = 1; i <= 9_990; i++) assert.equal(t.delete(i), i);
  assert.equal(t.size, 10);
  for (let i = 9_991; i <= 10_000; i++) assert.equal(t.get(i), i);
  assert.equal(t.has(5), false);
});

test('OpenHashMap with bigint and string keys (random 64-bit ids, a hash that collides on purpose)', () => {
  const rnd = new SeededRandom(5);
  const big = new OpenHashMap<bigint, number>(hashU64);
  const model = new Map<bigint, number>();
  for (let i = 0; i < 3000; i++) {
    const id = (BigInt(Math.floor(rnd.next() * 0x100000000)) << 32n) | BigInt(Math.floor(rnd.next() * 0x100000000));
    big.set(id, i);
    model.set(id, i);
    if (i % 3 === 0) {
      const victim = [...model.keys()][Math.floor(rnd.next() * model.size)]!;
      assert.equal(big.delete(victim), model.get(victim));
      model.delete(victim);
    }
  }
  for (const [k, v] of model) assert.equal(big.get(k), v);
  assert.equal(big.size, model.size);
  // Every key in one probe run: deletions must keep the others reachable.
  const same = new OpenHashMap<string, string>(() => 7);
  for (let i = 0; i < 20; i++) same.set(`k${i}`, `v${i}`);
  for (let i = 0; i < 20; i += 2) assert.equal(same.delete(`k${i}`), `v${i}`);
  for (let i = 0; i < 20; i++) assert.equal(same.get(`k${i}`), i % 2 === 0 ? undefined : `v${i}`);
});
