import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SeededRandom } from '../random.js';
import { DeadlineQueue } from './deadline-queue.js';

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
