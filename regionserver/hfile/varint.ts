// Unsigned LEB128 varints of at most 32 bits (1..5 bytes), as used by PREFIX data blocks.

/** Bytes the varint encoding of `v` takes. REQUIRES: 0 <= v < 2^32. */
export function varintLength(v: number): number {
  return v < 0x80 ? 1 : v < 0x4000 ? 2 : v < 0x200000 ? 3 : v < 0x10000000 ? 4 : 5;
}

/** Writes `v` at `off` and returns the offset after it. REQUIRES: 0 <= v < 2^32, room for it. */
export function writeVarint(buf: Buffer, off: number, v: number): number {
  while (v >= 0x80) {
    buf[off++] = (v & 0x7f) | 0x80;
    v = Math.floor(v / 128);
  }
  buf[off++] = v;
  return off;
}

/**
 * Decodes a varint at `pos` that must end at or before `end`. Writes the value to out[0] and
 * returns the offset after it, or -1 if it is truncated, longer than 5 bytes or above 2^32 - 1.
 */
export function readVarintChecked(buf: Buffer, pos: number, end: number, out: Float64Array): number {
  let result = 0;
  let mul = 1;
  for (let i = 0; i < 5; i++) {
    if (pos >= end) return -1;
    const b = buf[pos++]!;
    result += (b & 0x7f) * mul;
    if (b < 0x80) {
      if (result > 0xffffffff) return -1;
      out[0] = result;
      return pos;
    }
    mul *= 128;
  }
  return -1;
}
