import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bufferView } from './buffer-view.js';

test('bufferView is a Buffer over the same bytes, as subarray', () => {
  const pool = Buffer.from('..hello, world..');
  const buf = pool.subarray(2, 14); // not at offset 0 of its ArrayBuffer
  for (const [s, e] of [
    [0, 12],
    [0, 0],
    [7, 12],
    [3, 5],
    [12, 12],
  ] as const) {
    const v = bufferView(buf, s, e);
    const w = buf.subarray(s, e);
    assert.ok(Buffer.isBuffer(v));
    assert.equal(Object.getPrototypeOf(v), Buffer.prototype);
    assert.equal(v.constructor, Buffer);
    assert.deepEqual(v, w);
    assert.equal(v.byteOffset, w.byteOffset);
    assert.equal(v.buffer, buf.buffer);
    assert.equal(v.toString(), w.toString());
  }
  const v = bufferView(buf, 0, 5);
  v[0] = 0x48; // shares memory
  assert.equal(buf.toString(), 'Hello, world');
  // A view of a view, and Buffer methods on it.
  const vv = bufferView(bufferView(buf, 7, 12), 1, 4);
  assert.equal(vv.toString(), 'orl');
  assert.equal(vv.readUInt8(0), 0x6f);
  assert.equal(Buffer.compare(vv, Buffer.from('orl')), 0);
});

test('bufferView refuses ranges past the underlying memory', () => {
  const ab = Buffer.alloc(8);
  assert.throws(() => bufferView(ab, 4, 12), RangeError);
});
