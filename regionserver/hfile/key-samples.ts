// Row samples of a block's sorted keys: an in-memory aid for searches, never stored. Used for
// a data block's restart points (data-block-reader.ts) and an index block's entries
// (index-block.ts).
//
// Both searches look for the last key <= a target. By whole-key comparisons that costs
// ~log2(n) of them (n: ~113 restart points in a 64 KiB data block of 150-byte cells with the
// NONE encoding's interval of 4; a root index has one entry per data block), each touching
// another part of the block. The samples answer most of it from one small array instead:
//  - `prefixLen` = the length of the longest common prefix of the rows of the first and the
//    last key. Every key's row starts with those bytes (the keys are sorted).
//  - `samples[i]` = the SAMPLE_BYTES row bytes of key i after that prefix, zero-padded, as one
//    number. Row order implies sample order (non-strict: ties where the rows agree on those
//    bytes or differ only after them).
// For a target whose row has the same prefix, a key with a smaller sample has a smaller row (so
// it is < the target) and one with a larger sample a larger row (> the target): only keys whose
// sample equals the target's need whole-key comparisons. Rows of random or hashed keys (YCSB's)
// rarely tie, so a search compares one or two keys instead of ~7.
//
// Samples are built on a block's first search and kept for as long as the block object lives
// (a WeakMap: a cached block's samples go with it): 8 bytes per key (~1.4 % of a
// 64 KiB NONE data block). REQUIRES: the block was validated (data-block-reader.ts,
// index-block.ts).

/** Row bytes per sample: 6 bytes fit a double exactly (2^48 < 2^53). */
const SAMPLE_BYTES = 6;
/** Blocks with fewer keys are searched by keys alone (a few comparisons anyway). */
export const MIN_SAMPLED_KEYS = 8;

export class KeySamples {
  constructor(
    /** Bytes every key's row shares with the first key's row. */
    readonly prefixLen: number,
    /** Offset of the first key's row in the block (its prefix bytes are there). */
    readonly prefixOff: number,
    readonly samples: Float64Array,
  ) {}
}

/** The sample of row bytes b[rowOff+prefixLen, rowOff+rowLen): SAMPLE_BYTES of them, zero-padded. */
export function rowSample(b: Buffer, rowOff: number, rowLen: number, prefixLen: number): number {
  let v = 0;
  for (let i = prefixLen; i < prefixLen + SAMPLE_BYTES; i++) v = v * 256 + (i < rowLen ? b[rowOff + i]! : 0);
  return v;
}

const byBlock = new WeakMap<Buffer, KeySamples>();

/** The samples buildKeySamples made for block `b`, if it did. */
export function cachedKeySamples(b: Buffer): KeySamples | undefined {
  return byBlock.get(b);
}

/**
 * Samples of the `count` encoded keys of block `b` whose offsets `keyOffset` gives (in key
 * order), kept for `b` (cachedKeySamples) for as long as the block object lives.
 */
export function buildKeySamples(b: Buffer, count: number, keyOffset: (i: number) => number): KeySamples {
  const k0 = keyOffset(0);
  const kL = keyOffset(count - 1);
  const max = Math.min(b.readUInt16BE(k0), b.readUInt16BE(kL));
  let p = 0;
  while (p < max && b[k0 + 2 + p] === b[kL + 2 + p]) p++;
  const samples = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    const k = i === 0 ? k0 : keyOffset(i);
    samples[i] = rowSample(b, k + 2, b.readUInt16BE(k), p);
  }
  const s = new KeySamples(p, k0 + 2, samples);
  byBlock.set(b, s);
  return s;
}

/** Where narrowKeys puts its answer: [lo, hi]. */
export const keyRange = new Int32Array(2);

/**
 * Narrows the search of block `b` (whose samples are `s`) for the last key <= the encoded key
 * key[off, ...) to the keys [lo, hi], written to keyRange: that last key is among them (key lo,
 * or none when lo = -1: -1 stands for "before key 0"), and each key after lo in the range has a
 * row that agrees with the target's row on the prefix and the sample bytes (only whole keys
 * tell them apart).
 */
export function narrowKeys(s: KeySamples, b: Buffer, key: Buffer, off: number): void {
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
  if (c === 0 && rowLen < P) c = -1; // a proper prefix of every key's row
  if (c < 0) {
    // The row sorts before every key's row.
    keyRange[0] = -1;
    keyRange[1] = -1;
    return;
  }
  if (c > 0) {
    // ... after every key's row.
    keyRange[0] = sm.length - 1;
    keyRange[1] = sm.length - 1;
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
  // Keys before a have smaller rows, those from e on larger ones.
  keyRange[0] = a - 1;
  keyRange[1] = e - 1;
}
