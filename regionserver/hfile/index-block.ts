// Index block payloads (leaf, intermediate and root index blocks; also the chunk index inside
// the bloom meta block). Layout (docs/formats/hfile.md, "Index blocks"):
//
//   n:u32 | entryOffset:u32 × (n+1) | entries
//   entry = childOffset:u64 | childSize:u32 | key
//
// entryOffset[i] is where entry i starts, relative to the entries area; entryOffset[n] is the
// size of the area, so entry i's key is the rest of [entryOffset[i], entryOffset[i+1]).
// childSize is the whole child block on disk, header included: one ranged GET fetches it.
// key is the first key of the child (for index blocks: of its first data block).
//
// validateIndexBlock checks a payload completely when it is loaded; the accessors below trust
// it (REQUIRES: a validated payload).

import { CorruptionError } from '../../common/errors.js';
import { compareKeys, keyStructureError } from '../../common/cells/encoded-key.js';
import { BLOCK_HEADER_SIZE, INDEX_ENTRY_FIXED_SIZE } from './hfile-format.js';
import type { PayloadContext } from './data-block-reader.js';
import { get32 as u32 } from '../../common/u32-bytes.js';
import { buildKeySamples, cachedKeySamples, keyRange, MIN_SAMPLED_KEYS, narrowKeys } from './key-samples.js';

const TWO_32 = 4294967296;

/** Builds one index block payload. Thread safety: none. */
export class IndexBlockBuilder {
  private buf: Buffer = Buffer.allocUnsafe(1024);
  private len = 0;
  private offsets: number[] = [];
  private first: Buffer | undefined;

  get count(): number {
    return this.offsets.length;
  }

  /** Payload bytes if finished now. */
  get size(): number {
    return 4 + 4 * (this.offsets.length + 1) + this.len;
  }

  /** Bytes one more entry with a key of `keyLen` would add. */
  static entrySize(keyLen: number): number {
    return 4 + INDEX_ENTRY_FIXED_SIZE + keyLen;
  }

  /** A copy of the first entry's key. REQUIRES: count >= 1. */
  get firstKey(): Buffer {
    return this.first!;
  }

  /** Appends an entry. REQUIRES: keys increasing, childOffset < 2^53. */
  add(key: Buffer, keyOff: number, keyLen: number, childOffset: number, childSize: number): void {
    const need = this.len + INDEX_ENTRY_FIXED_SIZE + keyLen;
    if (need > this.buf.length) {
      const grown = Buffer.allocUnsafe(Math.max(need, this.buf.length * 2));
      this.buf.copy(grown, 0, 0, this.len);
      this.buf = grown;
    }
    if (this.offsets.length === 0) this.first = Buffer.from(key.subarray(keyOff, keyOff + keyLen));
    this.offsets.push(this.len);
    const b = this.buf;
    b.writeUInt32BE(Math.floor(childOffset / TWO_32), this.len);
    b.writeUInt32BE(childOffset % TWO_32, this.len + 4);
    b.writeUInt32BE(childSize, this.len + 8);
    key.copy(b, this.len + INDEX_ENTRY_FIXED_SIZE, keyOff, keyOff + keyLen);
    this.len = need;
  }

  /** Returns the payload (a new buffer) and resets the builder. */
  finish(): Buffer {
    const n = this.offsets.length;
    const out = Buffer.allocUnsafe(this.size);
    let p = out.writeUInt32BE(n, 0);
    for (const o of this.offsets) p = out.writeUInt32BE(o, p);
    p = out.writeUInt32BE(this.len, p);
    this.buf.copy(out, p, 0, this.len);
    this.len = 0;
    this.offsets = [];
    this.first = undefined;
    return out;
  }
}

/** Number of entries. */
export function indexCount(p: Buffer): number {
  return u32(p, 0);
}

function entryStart(p: Buffer, i: number): number {
  const n = u32(p, 0);
  return 8 + 4 * n + u32(p, 4 + 4 * i);
}

/** Offset in the file of entry i's child block. */
export function indexChildOffset(p: Buffer, i: number): number {
  const s = entryStart(p, i);
  return u32(p, s) * TWO_32 + u32(p, s + 4);
}

/** On-disk size (header included) of entry i's child block. */
export function indexChildSize(p: Buffer, i: number): number {
  return u32(p, entryStart(p, i) + 8);
}

/** Offset in `p` of entry i's key. */
export function indexKeyOffset(p: Buffer, i: number): number {
  return entryStart(p, i) + INDEX_ENTRY_FIXED_SIZE;
}

/** Length of entry i's key. */
export function indexKeyLength(p: Buffer, i: number): number {
  return u32(p, 8 + 4 * i) - u32(p, 4 + 4 * i) - INDEX_ENTRY_FIXED_SIZE;
}

/** A copy of entry i's key. */
export function indexKey(p: Buffer, i: number): Buffer {
  const o = indexKeyOffset(p, i);
  return Buffer.from(p.subarray(o, o + indexKeyLength(p, i)));
}

/**
 * The last entry whose key is <= key[off, off+len), or -1 if the target sorts before entry 0.
 * Row samples (key-samples.ts) narrow it, then a binary search over the remaining entries; no
 * allocation after the block's first search.
 */
export function indexSearch(p: Buffer, key: Buffer, off: number, len: number): number {
  const n = u32(p, 0);
  const area = 8 + 4 * n;
  let lo = 0;
  let hi = n - 1;
  let found = -1;
  if (n >= MIN_SAMPLED_KEYS) {
    // Only the entries whose row samples tie with the target's are compared (key-samples.ts).
    const s = cachedKeySamples(p) ?? buildKeySamples(p, n, (i) => area + u32(p, 4 + 4 * i) + INDEX_ENTRY_FIXED_SIZE);
    narrowKeys(s, p, key, off);
    found = keyRange[0]!;
    lo = found + 1;
    hi = keyRange[1]!;
  }
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const s = u32(p, 4 + 4 * mid);
    const e = u32(p, 8 + 4 * mid);
    const kOff = area + s + INDEX_ENTRY_FIXED_SIZE;
    if (compareKeys(p, kOff, area + e - kOff, key, off, len) <= 0) {
      found = mid;
      lo = mid + 1;
    } else {
      hi = mid - 1;
    }
  }
  return found;
}

/** Bounds every child of an index block must lie within. */
export interface ChildBounds {
  /** Smallest allowed child offset. */
  readonly start: number;
  /** Children must end at or before this offset. */
  readonly end: number;
}

/**
 * Throws CorruptionError unless `p` is a well-formed index block payload whose entries have
 * valid, strictly increasing keys and non-overlapping children inside `bounds`.
 * `allowEmpty`: zero entries are allowed (the root index of an empty file).
 */
export function validateIndexBlock(p: Buffer, bounds: ChildBounds, ctx: PayloadContext, allowEmpty = false): void {
  const fail = (msg: string, details: Record<string, number> = {}) => new CorruptionError(msg, { details: { file: ctx.file, offset: ctx.offset, ...details } });
  if (p.length < 8) throw fail('index block is too short', { length: p.length });
  const n = p.readUInt32BE(0);
  if ((n === 0 && !allowEmpty) || n > (p.length - 8) / 4) throw fail('index block entry count is invalid', { n });
  const area = 8 + 4 * n;
  if (p.readUInt32BE(4) !== 0 || p.readUInt32BE(4 + 4 * n) !== p.length - area) throw fail('index block entry offsets do not span the block', { n });
  let prevEnd = bounds.start;
  for (let i = 0; i < n; i++) {
    const s = p.readUInt32BE(4 + 4 * i);
    const e = p.readUInt32BE(8 + 4 * i);
    if (e < s + INDEX_ENTRY_FIXED_SIZE || area + e > p.length) throw fail('index block entry is out of bounds', { entry: i });
    const hi = p.readUInt32BE(area + s);
    const childOffset = hi * TWO_32 + p.readUInt32BE(area + s + 4);
    const childSize = p.readUInt32BE(area + s + 8);
    if (hi >= 1 << 21 || childOffset < prevEnd || childSize <= BLOCK_HEADER_SIZE || childOffset + childSize > bounds.end) {
      throw fail('index block child is out of bounds', { entry: i, childOffset, childSize, start: bounds.start, end: bounds.end });
    }
    prevEnd = childOffset + childSize;
    const kOff = area + s + INDEX_ENTRY_FIXED_SIZE;
    const kLen = e - s - INDEX_ENTRY_FIXED_SIZE;
    const bad = keyStructureError(p, kOff, kLen, true);
    if (bad !== undefined) throw fail(`index block ${bad}`, { entry: i });
    if (i > 0) {
      const pk = indexKeyOffset(p, i - 1);
      if (compareKeys(p, pk, indexKeyLength(p, i - 1), p, kOff, kLen) >= 0) throw fail('index block keys are not increasing', { entry: i });
    }
  }
}
