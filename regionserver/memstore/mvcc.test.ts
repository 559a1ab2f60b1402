import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Mvcc } from './mvcc.js';

test('write numbers increase and the read point follows completed writes', () => {
  const m = new Mvcc();
  const a = m.begin();
  const b = m.begin();
  assert.equal(a.writeNumber, 1);
  assert.equal(b.writeNumber, 2);
  assert.equal(m.readPoint, 0);
  assert.equal(m.writePoint, 2);
  assert.equal(m.complete(a), true);
  assert.equal(m.readPoint, 1);
  assert.equal(m.complete(b), true);
  assert.equal(m.readPoint, 2);
  assert.equal(m.inFlight, 0);
});

test('the read point waits for an earlier write that is still in flight', () => {
  const m = new Mvcc();
  const a = m.begin();
  const b = m.begin();
  const c = m.begin();
  assert.equal(m.complete(c), false);
  assert.equal(m.complete(b), false);
  assert.equal(m.readPoint, 0, 'b and c are done but a is not');
  assert.equal(m.complete(a), true);
  assert.equal(m.readPoint, 3, 'the read point jumps over the whole completed run');
});

test('whenReadable resolves once the read point covers the write', async () => {
  const m = new Mvcc();
  const a = m.begin();
  const b = m.begin();
  let resolved = false;
  const p = m.whenReadable(b).then(() => (resolved = true));
  m.complete(b);
  await Promise.resolve();
  assert.equal(resolved, false);
  m.complete(a);
  await p;
  assert.equal(resolved, true);
  await m.whenReadable(a); // already readable: resolves at once
});

test('completing twice is a bug', () => {
  const m = new Mvcc();
  const a = m.begin();
  m.complete(a);
  assert.throws(() => m.complete(a), { code: 'TSB_INTERNAL' });
});

test('advanceTo moves both points when nothing is in flight', () => {
  const m = new Mvcc(5);
  assert.equal(m.readPoint, 5);
  m.advanceTo(100);
  assert.equal(m.readPoint, 100);
  assert.equal(m.begin().writeNumber, 101);
  assert.throws(() => m.advanceTo(200), { code: 'TSB_INTERNAL' });
});

test('a long run of writes keeps the queue small', () => {
  const m = new Mvcc();
  const first = m.begin();
  const rest = [];
  for (let i = 0; i < 5000; i++) rest.push(m.begin());
  for (const e of rest) m.complete(e);
  assert.equal(m.readPoint, 0);
  m.complete(first);
  assert.equal(m.readPoint, 5001);
  assert.equal(m.inFlight, 0);
});
