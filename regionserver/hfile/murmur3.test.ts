import assert from 'node:assert/strict';
import { test } from 'node:test';
import { murmur3 } from './murmur3.js';

// Published MurmurHash3_x86_32 vectors (SMHasher / the reference implementation's users).
const VECTORS: [string, number, number][] = [
  ['', 0, 0x00000000],
  ['', 1, 0x514e28b7],
  ['', 0xffffffff, 0x81f16f39],
  ['\x00\x00\x00\x00', 0, 0x2362f9de],
  ['\x21\x43\x65\x87', 0, 0xf55b516b],
  ['\x21\x43\x65\x87', 0x5082edee, 0x2362f9de],
  ['\x21\x43\x65', 0, 0x7e4a8634],
  ['\x21\x43', 0, 0xa0f7b07a],
  ['\x21', 0, 0x72661cf4],
  ['\xff\xff\xff\xff', 0, 0x76293b50],
  ['aaaa', 0x9747b28c, 0x5a97808a],
  ['abc', 0, 0xb3dd93fa],
  ['Hello, world!', 0x9747b28c, 0x24884cba],
  ['The quick brown fox jumps over the lazy dog', 0x9747b28c, 0x2fa826cd],
];

test('murmur3 matches the published test vectors', () => {
  for (const [s, seed, want] of VECTORS) {
    const b = Buffer.from(s, 'latin1');
    assert.equal(murmur3(b, 0, b.length, seed), want, `input=${JSON.stringify(s)} seed=${seed}`);
  }
});

test('murmur3 hashes a range, not the whole buffer', () => {
  const b = Buffer.from('xxThe quick brown fox jumps over the lazy dogyy', 'latin1');
  assert.equal(murmur3(b, 2, b.length - 4, 0x9747b28c), 0x2fa826cd);
});
