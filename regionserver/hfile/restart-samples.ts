// Row samples of a data block's restart points: an in-memory aid for seeks, never stored.
//
// A seek first finds the last restart point whose key is <= the target. Searching the restart
// points by comparing whole keys costs ~log2(R) key comparisons (R: restarts in the block; ~113
// in a 64 KiB block of 150-byte cells with the NONE encoding's interval of 4), each touching
// another part of the 64 KiB block. The samples answer most of that search from one small
// array instead:
//  - `prefixLen` = the length of the longest common prefix of the rows of the first and the
//    last restart key. Every restart key's row starts with those bytes (the rows are sorted).
//  - `samples[i]` = the SAMPLE_BYTES row bytes of restart i after that prefix, zero-padded, as
//    one number. Row order implies sample order (non-strict: ties where the rows agree on those
//    bytes or differ only after them).
// For a target whose row has the same prefix, a restart with a smaller sample holds a smaller
// row (so a key < the target) and one with a larger sample a larger row (a key > the target):
// only restarts whose sample equals the target's need whole-key comparisons. Rows of random or
// hashed keys (YCSB's) rarely tie, so a seek compares one or two keys instead of ~7.
//
// Samples are built on a block's first seek and kept for as long as the block object lives
// (a WeakMap: a cached block's samples go with it); ~8 bytes per restart point (~1.4 % of a
// 64 KiB NONE block). REQUIRES: the block was validated (data-block-reader.ts).

import { DATA_BLOCK_TAIL_SIZE } from './hfile-format.js';

/** Row bytes per sample: 6 bytes fit a double exactly (2^48 < 2^53). */
const SAMPLE_BYTES = 6;
/** Blocks with fewer restart points are searched by keys alone (a few comparisons anyway). */
export const MIN_SAMPLED_RESTARTS = 8;

export class RestartSamples {
  constructor(
    /** Bytes every restart key's row shares with the first restart key's row. */
    readonly prefixLen: number,
    /** Offset of the first restart key's row in the block (its prefix bytes are there). */
    readonly prefixOff: number,
    readonly samples: Float64Array,
  ) {}
}

const byBlock = new WeakMap<Buffer, RestartSamples>();

/** Offset of the key of the restart entry at `rp` (a NONE entry, or a PREFIX entry with shared = 0). */
export function restartKeyOffset(b: Buffer, rp: number, prefix: boolean): number {
  if (!prefix) return rp + 8;
  let q = rp + 1; // shared: 0, one byte
  while (b[q++]! >= 0x80); // unshared length
  while (b[q++]! >= 0x80); // value length
  return q;
}

/** The sample of row bytes b[off+prefixLen, off+rowLen): SAMPLE_BYTES of them, zero-padded. */
export function rowSample(b: Buffer, rowOff: number, rowLen: number, prefixLen: number): number {
  let v = 0;
  for (let i = prefixLen; i < prefixLen + SAMPLE_BYTES; i++) v = v * 256 + (i < rowLen ? b[rowOff + i]! : 0);
  return v;
}

/** The block's samples (built on first use), or undefined for blocks with few restart points. */
export function restartSamples(b: Buffer, prefix: boolean): RestartSamples | undefined {
  const have = byBlock.get(b);
  if (have !== undefined) return have;
  const numRestarts = ((b[b.length - 8]! << 24) | (b[b.length - 7]! << 16) | (b[b.length - 6]! << 8) | b[b.length - 5]!) >>> 0;
  if (numRestarts < MIN_SAMPLED_RESTARTS) return undefined;
  const table = b.length - DATA_BLOCK_TAIL_SIZE - 4 * numRestarts;
  const rowAt = (i: number): number => restartKeyOffset(b, b.readUInt32BE(table + 4 * i), prefix);
  const k0 = rowAt(0);
  const kL = rowAt(numRestarts - 1);
  const len0 = b.readUInt16BE(k0);
  const lenL = b.readUInt16BE(kL);
  let p = 0;
  const max = Math.min(len0, lenL);
  while (p < max && b[k0 + 2 + p] === b[kL + 2 + p]) p++;
  const samples = new Float64Array(numRestarts);
  for (let i = 0; i < numRestarts; i++) {
    const k = rowAt(i);
    samples[i] = rowSample(b, k + 2, b.readUInt16BE(k), p);
  }
  const s = new RestartSamples(p, k0 + 2, samples);
  byBlock.set(b, s);
  return s;
}

/** Where narrowRestarts puts its answer: [lo, hi]. */
export const restartRange = new Int32Array(2);

/**
 * Narrows a seek in block `b` (whose samples are `s`) for the encoded key key[off, ...) to the
 * restarts [lo, hi], written to restartRange: the last restart whose key is <= the target is
 * among them (restart lo when none is), and each restart after lo in the range has a row that
 * agrees with the target's row on the prefix and the sample bytes (only whole keys tell them
 * apart).
 */
export function narrowRestarts(s: RestartSamples, b: Buffer, key: Buffer, off: number): void {
  const sm = s.samples;
  const rowLen = (key[off]! << 8) | key[off + 1]!;
  const rowOff = off + 2;
  const P = s.prefixLen;
  const n = rowLen < P ? rowLen : P;
  let c = 0;
  for (let i = 0; i < n; i++) {
    const x = key[rowOff + i]!;
    const y = b[s.prefixOff + i]!;
    if (x !== y) {
      c = x < y ? -1 : 1;
      break;
    }
  }
  if (c === 0 && rowLen < P) c = -1; // a proper prefix of every restart's row
  if (c < 0) {
    // The row sorts before every restart's row.
    restartRange[0] = 0;
    restartRange[1] = 0;
    return;
  }
  if (c > 0) {
    // ... after every restart's row.
    restartRange[0] = sm.length - 1;
    restartRange[1] = sm.length - 1;
    return;
  }
  const t = rowSample(key, rowOff, rowLen, P);
  let a = 0;
  let z = sm.length;
  while (a < z) {
    const m = (a + z) >>> 1;
    if (sm[m]! < t) a = m + 1;
    else z = m;
  }
  let e = a;
  while (e < sm.length && sm[e] === t) e++;
  // Restarts before a hold smaller rows, those from e on larger ones.
  restartRange[0] = a > 0 ? a - 1 : 0;
  restartRange[1] = e > 0 ? e - 1 : 0;
}
