// MurmurHash3_x86_32 (Austin Appleby, public domain) over a byte range, for bloom filters.
//
// Written here rather than taken from npm: the packages we looked at hash whole strings or
// whole buffers (a subarray per call) or cross into native/WASM code per call, which costs more
// than hashing a 20-byte row in JS (~90 ns vs ~380 ns for a native CRC32C of a subarray,
// measured on this machine). The function is standard; murmur3.test.ts checks the published
// test vectors. Its output is written to disk (bloom bits): never change it.

/** MurmurHash3_x86_32 of buf[off, off+len) with `seed`, as an unsigned 32-bit integer. */
export function murmur3(buf: Buffer, off: number, len: number, seed: number): number {
  let h = seed | 0;
  const blocksEnd = off + (len & ~3);
  let i = off;
  for (; i < blocksEnd; i += 4) {
    let k = buf[i]! | (buf[i + 1]! << 8) | (buf[i + 2]! << 16) | (buf[i + 3]! << 24);
    k = Math.imul(k, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, 0x1b873593);
    h ^= k;
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  let k = 0;
  const rest = len & 3;
  if (rest === 3) k ^= buf[i + 2]! << 16;
  if (rest >= 2) k ^= buf[i + 1]! << 8;
  if (rest >= 1) {
    k ^= buf[i]!;
    k = Math.imul(k, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, 0x1b873593);
    h ^= k;
  }
  h ^= len;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
