import assert from 'node:assert/strict';
import { test } from 'node:test';
import { copyBytes } from './copy-bytes.js';

test('copyBytes copies exactly the range, by loop and natively, from views at any offset', () => {
  const backing = Buffer.alloc(300);
  for (let i = 0; i < backing.length; i++) backing[i] = i & 0xff;
  const src = backing.subarray(7, 290); // a view: its byteOffset is 7
  for (const len of [0, 1, 23, 24, 25, 64, 200]) {
    const dst = Buffer.alloc(260, 0xee);
    assert.equal(copyBytes(src, 5, len, dst, 30), 30 + len);
    const want = Buffer.alloc(260, 0xee);
    backing.copy(want, 30, 12, 12 + len);
    assert.deepEqual(dst, want, `len ${len}`);
  }
  // All of a source that is itself a view.
  const dst = Buffer.alloc(300, 0xee);
  assert.equal(copyBytes(src, 0, src.length, dst, 3), 3 + src.length);
  assert.deepEqual(dst.subarray(3, 3 + src.length), backing.subarray(7, 290));
  assert.deepEqual(dst.subarray(0, 3), Buffer.alloc(3, 0xee));
});
