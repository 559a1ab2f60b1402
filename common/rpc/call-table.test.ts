import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SeededRandom } from '../random.js';
import { CallTable } from './call-table.js';
import { DeadlineQueue } from './deadline-queue.js';

test('CallTable agrees with a Map under random sets and deletes (ids growing, wrapping, colliding)', () => {
  for (const seed of [1, 2, 3, 4]) {
    const rnd = new SeededRandom(seed);
    const t = new CallTable<string>();
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

test('CallTable grows past thousands of calls in flight and shrinks back', () => {
  const t = new CallTable<number>();
  for (let i = 1; i <= 10_000; i++) t.set(i, i);
  assert.equal(t.size, 10_000);
  for (let i = 1; i <= 10_000; i++) assert.equal(t.get(i), i);
  for (let i = 1; i <= 9_990; i++) assert.equal(t.delete(i), i);
  assert.equal(t.size, 10);
  for (let i = 9_991; i <= 10_000; i++) assert.equal(t.get(i), i);
  assert.equal(t.has(5), false);
});

test('DeadlineQueue keeps order through growth, retain and wrap-around', () => {
  const q = new DeadlineQueue();
  const model: Array<[number, number]> = [];
  const rnd = new SeededRandom(9);
  let id = 0;
  for (let step = 0; step < 5_000; step++) {
    const r = rnd.next();
    if (r < 0.55) {
      id++;
      q.push(id, id * 10);
      model.push([id, id * 10]);
    } else if (r < 0.95 && model.length > 0) {
      assert.equal(q.peekId(), model[0]![0]);
      assert.equal(q.peekDeadline(), model[0]![1]);
      assert.equal(q.shift(), model.shift()![0]);
    } else {
      q.retain((x) => x % 3 !== 0);
      for (let i = model.length - 1; i >= 0; i--) if (model[i]![0] % 3 === 0) model.splice(i, 1);
    }
    assert.equal(q.size, model.length);
  }
  const drained: number[] = [];
  while (q.size > 0) drained.push(q.shift());
  assert.deepEqual(drained, model.map((m) => m[0]));
});
