// Test helper (not used by production code): a mutation as a region server receives it —
// encoded as the client sends it and decoded as the RPC server does (a Put then arrives as a
// KeyValuePut, its cells as KeyValues in the request's bytes).

import { ByteReader } from '../../rpc/byte-reader.js';
import { ByteWriter } from '../../rpc/byte-writer.js';
import type { DecodeLimits } from '../../rpc/op-codec.js';
import { decodeMutation, encodeMutation } from '../../rpc/op-codec.js';
import { KeyValuePut } from '../keyvalue-put.js';
import type { Mutation, PutColumn } from '../operations.js';

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

/**
 * `v` with every KeyValuePut in it (at any depth of arrays and plain objects) replaced by a
 * plain Put of the same content: what tests compare decoded operations with.
 */
export function plainOps(v: unknown): unknown {
  if (v instanceof KeyValuePut) {
    const p: { kind: 'put'; row: Buffer; columns: PutColumn[]; skipWal?: boolean } = { kind: 'put', row: v.row, columns: [...v.columns] };
    if (v.skipWal === true) p.skipWal = true;
    return p;
  }
  if (Array.isArray(v)) return v.map(plainOps);
  if (v !== null && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plainOps(x)]));
  }
  return v;
}
