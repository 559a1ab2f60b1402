import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatBytes, formatDuration, parseBytes, parseDuration } from './units.js';

describe('units', () => {
  it('parses sizes with binary units', () => {
    assert.equal(parseBytes(123), 123);
    assert.equal(parseBytes('123'), 123);
    assert.equal(parseBytes('64k'), 64 * 1024);
    assert.equal(parseBytes('64K'), 64 * 1024);
    assert.equal(parseBytes('64KiB'), 64 * 1024);
    assert.equal(parseBytes('128m'), 128 * 1024 * 1024);
    assert.equal(parseBytes('128MB'), 128 * 1024 * 1024);
    assert.equal(parseBytes('10g'), 10 * 1024 ** 3);
    assert.equal(parseBytes('1.5g'), 1.5 * 1024 ** 3);
    assert.equal(parseBytes('2t'), 2 * 1024 ** 4);
    assert.equal(parseBytes(' 8 m '), 8 * 1024 * 1024);
  });

  it('refuses what is not a whole number of bytes', () => {
    for (const bad of ['', 'm', '12x', '-1', '1.5', '1e3', '0.1k', 'lots', 1.5, Number.NaN, null, {}]) {
      assert.equal(parseBytes(bad), undefined, `parseBytes(${JSON.stringify(bad)})`);
    }
  });

  it('parses durations; a plain number is milliseconds', () => {
    assert.equal(parseDuration(250), 250);
    assert.equal(parseDuration('250'), 250);
    assert.equal(parseDuration('250ms'), 250);
    assert.equal(parseDuration('60s'), 60_000);
    assert.equal(parseDuration('1.5s'), 1500);
    assert.equal(parseDuration('5m'), 300_000);
    assert.equal(parseDuration('2h'), 7_200_000);
    assert.equal(parseDuration('1d'), 86_400_000);
    for (const bad of ['', 's', '5 minutes', '-5s', 'soon', Number.POSITIVE_INFINITY, null]) {
      assert.equal(parseDuration(bad), undefined, `parseDuration(${JSON.stringify(bad)})`);
    }
  });

  it('formats back to the shortest unit', () => {
    assert.equal(formatBytes(128 * 1024 * 1024), '128m');
    assert.equal(formatBytes(10 * 1024 ** 3), '10g');
    assert.equal(formatBytes(1000), '1000');
    assert.equal(formatDuration(60_000), '1m');
    assert.equal(formatDuration(90_000), '90s');
    assert.equal(formatDuration(100), '100ms');
    for (const n of [64 * 1024, 3 * 1024 ** 4, 12345]) assert.equal(parseBytes(formatBytes(n)), n);
    for (const n of [1, 1500, 3_600_000]) assert.equal(parseDuration(formatDuration(n)), n);
  });
});
