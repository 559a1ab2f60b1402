// Copies of byte ranges between Buffers on hot paths (keys, qualifiers, values, whole
// KeyValues). A native copy has a fixed cost: on the development VM Buffer#copy took ~130 ns
// for 8 to 100 bytes, TypedArray#set of a Uint8Array over the source range ~115 ns, while a JS
// byte loop took ~4 ns per byte (41 ns for 8 bytes, 147 ns for 32). Ranges up to
// LOOP_COPY_MAX bytes (families, most qualifiers) go by the loop, longer ones by
// TypedArray#set of a view over the range. (All of a Buffer copies cheaper, by TypedArray#set of
// the Buffer itself: common/cells/keyvalue.ts writes whole fields that way.)

const LOOP_COPY_MAX = 24;

/**
 * Copies src[from, from + len) to dst at `to`; returns to + len. REQUIRES: both ranges in
 * bounds, not overlapping in one memory.
 */
export function copyBytes(src: Uint8Array, from: number, len: number, dst: Uint8Array, to: number): number {
  if (len <= LOOP_COPY_MAX) for (let i = 0; i < len; i++) dst[to + i] = src[from + i]!;
  else dst.set(new Uint8Array(src.buffer, src.byteOffset + from, len), to);
  return to + len;
}
