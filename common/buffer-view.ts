// bufferView(buf, start, end): what buf.subarray(start, end) answers — a Buffer over the same
// memory — for a third of the cost. On Node 20 `subarray` finds the result's constructor
// through Buffer's Symbol.species on every call and costs ~210 ns on the reference machine
// (docs/benchmarks.md, session 9); constructing that constructor (Node's internal FastBuffer,
// the class of every Buffer, which Buffer[Symbol.species] is) directly costs ~72 ns. Same
// class, same prototype, same memory: nothing downstream can tell the two apart.
//
// REQUIRES: 0 <= start <= end <= buf.length (unlike subarray, nothing is clamped; out of range
// throws RangeError).

type BufferCtor = new (ab: ArrayBufferLike, byteOffset: number, length: number) => Buffer;

const species = (Buffer as unknown as { [Symbol.species]?: unknown })[Symbol.species];
/** The class of Buffer instances; undefined where the runtime does not expose it as Node 20 does. */
const FastBuffer: BufferCtor | undefined =
  typeof species === 'function' && species !== Buffer && (species as { prototype: unknown }).prototype === Buffer.prototype ? (species as BufferCtor) : undefined;

export function bufferView(buf: Buffer, start: number, end: number): Buffer {
  if (FastBuffer === undefined) return buf.subarray(start, end);
  return new FastBuffer(buf.buffer, buf.byteOffset + start, end - start);
}
