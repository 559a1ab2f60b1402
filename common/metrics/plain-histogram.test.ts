import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PlainHistogram } from './plain-histogram.js';

test('PlainHistogram counts each observation in the first bucket whose bound it does not exceed', () => {
  const h = new PlainHistogram([0.001, 0.01, 0.1]);
  for (const s of [0.0005, 0.001, 0.002, 0.1, 0.5]) h.observe(s);
  assert.deepEqual([...h.buckets], [2, 1, 1], 'a bound is inclusive; 0.5 s is above every bound');
  assert.equal(h.count, 5);
  assert.ok(Math.abs(h.sumSeconds - 0.6035) < 1e-12);
});

test('samples are the Prometheus exposition: cumulative buckets, +Inf, sum and count, with the labels', () => {
  const h = new PlainHistogram([0.001, 0.01]);
  h.observe(0.0001);
  h.observe(0.005);
  h.observe(3);
  assert.deepEqual(h.samples('x_seconds', { method: 'GET' }), [
    { value: 1, labels: { le: 0.001, method: 'GET' }, metricName: 'x_seconds_bucket' },
    { value: 2, labels: { le: 0.01, method: 'GET' }, metricName: 'x_seconds_bucket' },
    { value: 3, labels: { le: '+Inf', method: 'GET' }, metricName: 'x_seconds_bucket' },
    { value: 3.0051, labels: { method: 'GET' }, metricName: 'x_seconds_sum' },
    { value: 3, labels: { method: 'GET' }, metricName: 'x_seconds_count' },
  ]);
  assert.deepEqual(new PlainHistogram([1]).samples('y').map((s) => s.value), [0, 0, 0, 0], 'empty: zeros, no labels but le');
});
