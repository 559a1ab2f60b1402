import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SeededRandom } from '../../common/random.js';
import { FIELD_LENGTH, fieldValue, openLoop } from './workloads.js';

const ALPHABET = Buffer.from('abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789');

test('fieldValue is the stride-7 alphabet window starting at a random letter', () => {
  const a = new SeededRandom(5);
  const b = new SeededRandom(5);
  const starts = new Set<number>();
  for (let n = 0; n < 2000; n++) {
    const s = b.int(ALPHABET.length);
    starts.add(s);
    const want = Buffer.alloc(FIELD_LENGTH);
    for (let i = 0; i < FIELD_LENGTH; i++) want[i] = ALPHABET[(s + i * 7) % ALPHABET.length]!;
    assert.deepEqual(fieldValue(a), want);
  }
  assert.equal(starts.size, ALPHABET.length);
});

test('openLoop runs every scheduled operation, never more than maxInFlight at once, and counts failures apart', async () => {
  let inFlight = 0;
  let most = 0;
  let started = 0;
  // 2,000 operations per second for 100 ms, each taking ~20 ms: about 40 would be in flight
  // at once, but at most 8 may be.
  const r = await openLoop(2000, 100, 8, async () => {
    const n = ++started;
    inFlight++;
    most = Math.max(most, inFlight);
    await new Promise((res) => setTimeout(res, 20));
    inFlight--;
    if (n % 10 === 0) throw new Error('failed');
  });
  assert.equal(inFlight, 0, 'every operation finished before openLoop returned');
  assert.equal(most, 8);
  assert.ok(started >= 190 && started <= 201, `${started} operations started`);
  assert.equal(r.errors, Math.floor(started / 10));
  assert.equal(r.ops, started - r.errors);
  // Latency counts from the scheduled start: with the cap, later operations waited.
  assert.ok(r.p99Ms > 100, `p99 ${r.p99Ms} ms`);
});

test('openLoop runs the warm-up operations but measures only those scheduled after it', async () => {
  let started = 0;
  const r = await openLoop(1000, 100, 64, async () => {
    started++;
    await new Promise((res) => setTimeout(res, 1));
  }, 50);
  assert.ok(started >= 145 && started <= 151, `${started} operations started`);
  assert.ok(r.ops >= 95 && r.ops <= 101, `${r.ops} measured`);
  assert.equal(r.errors, 0);
});
