// Test helper (not used by production code): a mutation as a region server receives it —
// encoded as the client sends it and decoded as the RPC server does (a Put then arrives as a
// KeyValuePut, its cells as KeyValues in the request's bytes).

import { ByteReader } from '../../rpc/byte-reader.js';
import { ByteWriter } from '../../rpc/byte-writer.js';
import type { DecodeLimits } from '../../rpc/op-codec.js';
import { decodeMutation, encodeMutation } from '../../rpc/op-codec.js';
import type { Mutation } from '../operations.js';

/** The bytes the client sends for `m`. */
export function mutationBytes(m: Mutation): Buffer {
  const w = new ByteWriter();
  encodeMutation(w, m);
  return Buffer.concat(w.take());
}

/** `bytes` decoded as the RPC server decodes a mutation (every byte must be used). */
export function decodeWhole(bytes: Buffer, limits: DecodeLimits = {}): Mutation {
  const r = new ByteReader(bytes, 0, bytes.length);
  const m = decodeMutation(r, limits);
  r.done('test');
  return m;
}

/** `m` as a region server receives it. */
export function overTheWire(m: Mutation, limits: DecodeLimits = {}): Mutation {
  return decodeWhole(mutationBytes(m), limits);
}
