// Chunked bloom filters (docs/formats/hfile.md, "Bloom filters").
//
// A file's bloom is split into chunks, each an independent bloom filter over the bloom keys of
// a contiguous run of cells (like HBase's compound bloom filter), so a probe touches one chunk.
// Bloom key: ROW → the row; ROWCOL → the key without timestamp and type
// (rowlen row famlen family qualifier). Consecutive equal bloom keys are added once.
//
// Bits of a key in a chunk of m bits with k hashes (Kirsch–Mitzenmacher double hashing):
//   h1 = murmur3(bloomKey, 0), h2 = murmur3(bloomKey, h1)
//   bit_i = ((h1 + i·h2) mod 2^32) mod m, for i in [0, k)
// Bit b is byte b >>> 3, mask 1 << (b & 7).
//
// Sizing for a false-positive rate p: bitsPerKey = -ln p / (ln 2)^2, k = round(bitsPerKey·ln 2);
// a chunk closes after floor(chunkBytes·8 / bitsPerKey) keys and takes ceil(n·bitsPerKey / 8)
// bytes for its n keys.

import { CorruptionError, InvalidError } from '../../common/errors.js';
import { compareKeyColumns, compareKeyRowTo, compareRanges, keyRowLength } from '../../common/cells/encoded-key.js';
import { KEY_TRAILER_SIZE } from '../../common/cells/keyvalue-format.js';
import type { PayloadContext } from './data-block-reader.js';
import { BLOOM_META_FIXED_SIZE, BloomHash, BloomType, MAX_BLOOM_HASH_COUNT } from './hfile-format.js';
import type { ChildBounds } from './index-block.js';
import { IndexBlockBuilder, indexChildOffset, indexChildSize, indexCount, indexKeyLength, indexKeyOffset, validateIndexBlock } from './index-block.js';
import { murmur3 } from './murmur3.js';

export function bitsPerKey(errorRate: number): number {
  return -Math.log(errorRate) / (Math.LN2 * Math.LN2);
}

export function hashCountFor(errorRate: number): number {
  return Math.min(MAX_BLOOM_HASH_COUNT, Math.max(1, Math.round(bitsPerKey(errorRate) * Math.LN2)));
}

/** Sets (set = true) or tests the k bits of one key in `bits`. */
function probe(bits: Buffer, h1: number, h2: number, k: number, set: boolean): boolean {
  const m = bits.length * 8;
  for (let i = 0; i < k; i++) {
    const b = ((h1 + Math.imul(i, h2)) >>> 0) % m;
    const mask = 1 << (b & 7);
    if (set) bits[b >>> 3]! |= mask;
    else if ((bits[b >>> 3]! & mask) === 0) return false;
  }
  return true;
}

/** A finished chunk, before it is written. */
export interface BloomChunk {
  readonly bits: Buffer;
  readonly firstKey: Buffer;
  readonly keys: number;
}

/** Collects bloom keys and cuts them into chunks. Thread safety: none. */
export class BloomWriter {
  readonly chunks: BloomChunk[] = [];
  readonly hashCount: number;
  totalKeys = 0;
  private readonly bitsPerKey: number;
  private readonly capacity: number;
  private hashes = new Uint32Array(1024);
  private n = 0;
  private firstKey: Buffer | undefined;
  private prev: Buffer = Buffer.allocUnsafe(256);
  private prevLen = -1;

  /** REQUIRES: type is Row or RowCol; 0 < errorRate < 1; chunkBytes >= 1. */
  constructor(
    readonly type: BloomType,
    errorRate: number,
    chunkBytes: number,
  ) {
    if (!(errorRate > 0 && errorRate < 1)) throw new InvalidError('bloom error rate must be in (0, 1)', { details: { errorRate } });
    this.bitsPerKey = bitsPerKey(errorRate);
    this.hashCount = hashCountFor(errorRate);
    this.capacity = Math.max(1, Math.floor((chunkBytes * 8) / this.bitsPerKey));
  }

  /** Adds the bloom key of the cell key key[off, off+len). REQUIRES: cells in sorted order. */
  add(key: Buffer, off: number, len: number): void {
    let s: number;
    let l: number;
    if (this.type === BloomType.Row) {
      s = off + 2;
      l = keyRowLength(key, off);
    } else {
      s = off;
      l = len - KEY_TRAILER_SIZE;
    }
    if (l === this.prevLen && compareRanges(key, s, s + l, this.prev, 0, l) === 0) return;
    if (this.prev.length < l) this.prev = Buffer.allocUnsafe(Math.max(l, this.prev.length * 2));
    key.copy(this.prev, 0, s, s + l);
    this.prevLen = l;
    if (this.n === 0) this.firstKey = Buffer.from(key.subarray(off, off + len));
    if (2 * this.n + 2 > this.hashes.length) {
      const grown = new Uint32Array(this.hashes.length * 2);
      grown.set(this.hashes);
      this.hashes = grown;
    }
    const h1 = murmur3(key, s, l, 0);
    this.hashes[2 * this.n] = h1;
    this.hashes[2 * this.n + 1] = murmur3(key, s, l, h1);
    this.n++;
    this.totalKeys++;
    if (this.n >= this.capacity) this.closeChunk();
  }

  /** Closes the open chunk, if any. Call before writing the chunks. */
  finish(): void {
    if (this.n > 0) this.closeChunk();
  }

  private closeChunk(): void {
    const bytes = Math.max(1, Math.ceil((this.n * this.bitsPerKey) / 8));
    const bits = Buffer.alloc(bytes);
    for (let i = 0; i < this.n; i++) probe(bits, this.hashes[2 * i]!, this.hashes[2 * i + 1]!, this.hashCount, true);
    this.chunks.push({ bits, firstKey: this.firstKey!, keys: this.n });
    this.n = 0;
    this.firstKey = undefined;
  }
}

/** Builds the bloom meta payload once the chunks are written at `locations`. */
export function encodeBloomMeta(w: BloomWriter, locations: readonly { offset: number; size: number }[]): Buffer {
  const index = new IndexBlockBuilder();
  w.chunks.forEach((c, i) => index.add(c.firstKey, 0, c.firstKey.length, locations[i]!.offset, locations[i]!.size));
  const indexPayload = index.finish();
  const out = Buffer.alloc(BLOOM_META_FIXED_SIZE + 4 * w.chunks.length + indexPayload.length);
  out[0] = w.type;
  out[1] = BloomHash.Murmur3x86_32;
  out[2] = w.hashCount;
  out[3] = 0;
  out.writeBigUInt64BE(BigInt(w.totalKeys), 4);
  out.writeUInt32BE(w.chunks.length, 12);
  w.chunks.forEach((c, i) => out.writeUInt32BE(c.keys, BLOOM_META_FIXED_SIZE + 4 * i));
  indexPayload.copy(out, BLOOM_META_FIXED_SIZE + 4 * w.chunks.length);
  return out;
}

/** A file's bloom filter as the reader holds it: the meta, and chunks loaded so far. */
export class BloomFilter {
  /** Loaded chunk payloads (bit arrays), by chunk number. */
  readonly chunks: (Buffer | undefined)[];

  private constructor(
    readonly type: BloomType,
    readonly hashCount: number,
    readonly totalKeys: bigint,
    private readonly index: Buffer,
  ) {
    this.chunks = new Array<Buffer | undefined>(indexCount(index)).fill(undefined);
  }

  /**
   * Parses and validates a bloom meta payload; chunks must lie within `chunkBounds`.
   * Throws CorruptionError if it is malformed.
   */
  static parse(p: Buffer, chunkBounds: ChildBounds, ctx: PayloadContext): BloomFilter {
    const fail = (msg: string, d: Record<string, number> = {}) => new CorruptionError(msg, { details: { file: ctx.file, offset: ctx.offset, ...d } });
    if (p.length < BLOOM_META_FIXED_SIZE) throw fail('bloom meta is too short', { length: p.length });
    const type = p[0]!;
    const hash = p[1]!;
    const k = p[2]!;
    if ((type !== BloomType.Row && type !== BloomType.RowCol) || hash !== BloomHash.Murmur3x86_32 || k < 1 || k > MAX_BLOOM_HASH_COUNT || p[3] !== 0) {
      throw fail('bloom meta header is invalid', { type, hash, hashCount: k });
    }
    const chunkCount = p.readUInt32BE(12);
    if (chunkCount > (p.length - BLOOM_META_FIXED_SIZE) / 4) throw fail('bloom meta chunk count is invalid', { chunkCount });
    const index = p.subarray(BLOOM_META_FIXED_SIZE + 4 * chunkCount);
    validateIndexBlock(index, chunkBounds, ctx, true);
    if (indexCount(index) !== chunkCount) throw fail('bloom meta chunk count does not match its index', { chunkCount });
    for (let i = 0; i < chunkCount; i++) {
      if (p.readUInt32BE(BLOOM_META_FIXED_SIZE + 4 * i) === 0) throw fail('bloom chunk holds no keys', { chunk: i });
    }
    return new BloomFilter(type, k, p.readBigUInt64BE(4), index);
  }

  get chunkCount(): number {
    return this.chunks.length;
  }

  chunkOffset(i: number): number {
    return indexChildOffset(this.index, i);
  }

  chunkSize(i: number): number {
    return indexChildSize(this.index, i);
  }

  /**
   * The chunk that would hold `row`, or -1 if the row sorts before the file's first bloom key
   * (definitely absent). Only for ROW blooms.
   */
  chunkForRow(row: Buffer, rowOff: number, rowLen: number): number {
    let lo = 0;
    let hi = this.chunks.length - 1;
    let found = -1;
    const ix = this.index;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (compareKeyRowTo(ix, indexKeyOffset(ix, mid), row, rowOff, rowLen) <= 0) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found;
  }

  /** The chunk that would hold the column of key[off, off+len), or -1. Only for ROWCOL blooms. */
  chunkForColumn(key: Buffer, off: number, len: number): number {
    let lo = 0;
    let hi = this.chunks.length - 1;
    let found = -1;
    const ix = this.index;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (compareKeyColumns(ix, indexKeyOffset(ix, mid), indexKeyLength(ix, mid), key, off, len) <= 0) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found;
  }

  /** Tests bloom key buf[off, off+len) against loaded chunk `i`. REQUIRES: chunks[i] loaded. */
  test(i: number, buf: Buffer, off: number, len: number): boolean {
    const h1 = murmur3(buf, off, len, 0);
    return probe(this.chunks[i]!, h1, murmur3(buf, off, len, h1), this.hashCount, false);
  }

  /** As test, with the key's hashes computed already (BloomKeyHashes: the same in every file). */
  testHashed(i: number, h: BloomKeyHashes): boolean {
    return probe(this.chunks[i]!, h.h1, h.h2, this.hashCount, false);
  }
}

/**
 * A bloom key's two hashes, computed once for testing it against several files' blooms (the
 * hashes depend on the key only). Reused: one owner at a time.
 */
export class BloomKeyHashes {
  h1 = 0;
  h2 = 0;

  of(buf: Buffer, off: number, len: number): this {
    this.h1 = murmur3(buf, off, len, 0);
    this.h2 = murmur3(buf, off, len, this.h1);
    return this;
  }
}
