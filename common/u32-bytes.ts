// Big-endian u32 fields read and written byte by byte: on hot paths (KeyValue lengths, RPC
// fields, HFile block offsets) cheaper than Buffer#readUInt32BE / writeUInt32BE, whose range
// and argument checks cost more than the four loads or stores.

/** The u32 at `p`. REQUIRES: p + 4 <= b.length. */
export function get32(b: Uint8Array, p: number): number {
  return b[p]! * 0x1000000 + ((b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!);
}

/** Writes `v` (0..2^32-1) at `p`. REQUIRES: p + 4 <= b.length. */
export function put32(b: Uint8Array, p: number, v: number): void {
  b[p] = v >>> 24;
  b[p + 1] = v >>> 16;
  b[p + 2] = v >>> 8;
  b[p + 3] = v;
}
