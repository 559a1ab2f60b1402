import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatSteal, startStealMeter } from './steal-meter.js';

test('the steal meter reads /proc/stat: a share between 0 and 1 after some CPU time has passed', { skip: process.platform !== 'linux' ? 'no /proc/stat' : false }, async () => {
  const steal = startStealMeter();
  const end = Date.now() + 50;
  while (Date.now() < end) {
    // busy: the cpu line's counters advance (10 ms ticks)
  }
  await new Promise((r) => setTimeout(r, 30));
  const share = steal();
  assert.ok(share !== undefined, 'the cpu line parsed and its total advanced');
  assert.ok(share >= 0 && share <= 1, String(share));
});

test('formatSteal: a percentage with one decimal, or n/a', () => {
  assert.equal(formatSteal(0.1234), '12.3%');
  assert.equal(formatSteal(0), '0.0%');
  assert.equal(formatSteal(undefined), 'n/a');
});
