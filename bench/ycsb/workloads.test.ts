import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SeededRandom } from '../../common/random.js';
import { FIELD_LENGTH, fieldValue } from './workloads.js';

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
