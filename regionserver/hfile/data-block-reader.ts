// Reads data block payloads (layout: data-block-builder.ts, docs/formats/hfile.md).
//
// validateDataBlock checks a payload completely once, when it is loaded from storage: every
// length and offset within bounds, every key well-formed and strictly increasing, every restart
// point on an entry boundary (with shared = 0 in PREFIX blocks). DataBlockCursor then trusts
// the payload and decodes without bounds checks, so REQUIRES: only validated payloads.
//
// Thread safety: a cursor is used by one scanner at a time; payloads are immutable and shared.

import { CorruptionError } from '../../common/errors.js';
import { compareKeys, keyStructureError } from '../../common/cells/encoded-key.js';
import { DATA_BLOCK_TAIL_SIZE, DataBlockEncoding } from './hfile-format.js';
import { buildKeySamples, cachedKeySamples, keyRange, type KeySamples, MIN_SAMPLED_KEYS, narrowKeys } from './key-samples.js';
import { readVarintChecked } from './varint.js';
import { get32 as u32 } from '../../common/u32-bytes.js';


/** Where a payload came from, for error messages. */
export interface PayloadContext {
  readonly file: string;
  readonly offset: number;
}

function corrupt(msg: string, ctx: PayloadContext, details: Record<string, number> = {}): CorruptionError {
  return new CorruptionError(msg, { details: { file: ctx.file, offset: ctx.offset, ...details } });
}

/** Throws CorruptionError unless `p` is a well-formed data block payload of `encoding`. */
export function validateDataBlock(p: Buffer, encoding: number, ctx: PayloadContext): void {
  if (encoding !== DataBlockEncoding.None && encoding !== DataBlockEncoding.Prefix) throw corrupt('data block has an unknown encoding', ctx, { encoding });
  if (p.length < DATA_BLOCK_TAIL_SIZE) throw corrupt('data block is too short', ctx, { length: p.length });
  const numRestarts = p.readUInt32BE(p.length - 8);
  const numEntries = p.readUInt32BE(p.length - 4);
  if (numEntries === 0 || numRestarts === 0 || numRestarts > numEntries || numRestarts > (p.length - DATA_BLOCK_TAIL_SIZE) / 4) {
    throw corrupt('data block tail is invalid', ctx, { numEntries, numRestarts });
  }
  const entriesEnd = p.length - DATA_BLOCK_TAIL_SIZE - 4 * numRestarts;
  const prefix = encoding === DataBlockEncoding.Prefix;
  const tmp = new Float64Array(1);
  let scratch = Buffer.allocUnsafe(prefix ? 256 : 0);
  let prevKeyBuf: Buffer | undefined;
  let prevKeyOff = 0;
  let prevKeyLen = 0;
  let pos = 0;
  let count = 0;
  let r = 0;
  let nextRestart = p.readUInt32BE(entriesEnd);
  if (nextRestart !== 0) throw corrupt('data block first restart is not 0', ctx, { restart: nextRestart });
  while (pos < entriesEnd) {
    if (count >= numEntries) throw corrupt('data block has more entries than its tail says', ctx, { numEntries, at: pos });
    const isRestart = pos === nextRestart;
    if (isRestart) {
      r++;
      const prev = nextRestart;
      nextRestart = r < numRestarts ? p.readUInt32BE(entriesEnd + 4 * r) : -1;
      if (nextRestart !== -1 && nextRestart <= prev) throw corrupt('data block restarts are not increasing', ctx, { restart: nextRestart });
    } else if (nextRestart !== -1 && nextRestart < pos) {
      throw corrupt('data block restart is not on an entry boundary', ctx, { restart: nextRestart });
    }
    let keyBuf: Buffer;
    let keyOff: number;
    let keyLen: number;
    let valueEnd: number;
    if (!prefix) {
      if (pos + 8 > entriesEnd) throw corrupt('data block entry lengths are truncated', ctx, { at: pos });
      keyLen = p.readUInt32BE(pos);
      const valueLen = p.readUInt32BE(pos + 4);
      keyOff = pos + 8;
      valueEnd = keyOff + keyLen + valueLen;
      if (valueEnd > entriesEnd) throw corrupt('data block entry is out of bounds', ctx, { at: pos, keyLen, valueLen });
      keyBuf = p;
    } else {
      let q = readVarintChecked(p, pos, entriesEnd, tmp);
      const shared = tmp[0]!;
      if (q >= 0) q = readVarintChecked(p, q, entriesEnd, tmp);
      const unshared = tmp[0]!;
      if (q >= 0) q = readVarintChecked(p, q, entriesEnd, tmp);
      const valueLen = tmp[0]!;
      if (q < 0) throw corrupt('data block entry header is invalid', ctx, { at: pos });
      if (shared > prevKeyLen || (isRestart && shared !== 0)) throw corrupt('data block entry shares too many bytes', ctx, { at: pos, shared, prevKeyLen });
      valueEnd = q + unshared + valueLen;
      if (valueEnd > entriesEnd) throw corrupt('data block entry is out of bounds', ctx, { at: pos, unshared, valueLen });
      keyLen = shared + unshared;
      if (scratch.length < keyLen) {
        const grown = Buffer.allocUnsafe(Math.max(keyLen, scratch.length * 2));
        scratch.copy(grown, 0, 0, shared);
        scratch = grown;
      }
      p.copy(scratch, shared, q, q + unshared);
      keyBuf = scratch;
      keyOff = 0;
    }
    const bad = keyStructureError(keyBuf, keyOff, keyLen, true);
    if (bad !== undefined) throw corrupt(`data block ${bad}`, ctx, { at: pos });
    if (prevKeyBuf !== undefined && compareKeys(prevKeyBuf, prevKeyOff, prevKeyLen, keyBuf, keyOff, keyLen) >= 0) {
      throw corrupt('data block keys are not increasing', ctx, { at: pos });
    }
    if (prefix) {
      // The scratch holds this key; keep comparing against a copy of it.
      prevKeyBuf = Buffer.from(scratch.subarray(0, keyLen));
      prevKeyOff = 0;
    } else {
      prevKeyBuf = p;
      prevKeyOff = keyOff;
    }
    prevKeyLen = keyLen;
    pos = valueEnd;
    count++;
  }
  if (count !== numEntries || r !== numRestarts) throw corrupt('data block entry count does not match its tail', ctx, { numEntries, count, numRestarts, restarts: r });
}

/**
 * A position inside one validated data block. After a successful first/advance/seek, the
 * current cell is key = keyBuf[keyOff, keyOff+keyLen), value = block[valueOff, valueOff+valueLen).
 */
export class DataBlockCursor {
  block: Buffer = EMPTY;
  keyBuf: Buffer = EMPTY;
  keyOff = 0;
  keyLen = 0;
  valueOff = 0;
  valueLen = 0;
  private prefix = false;
  private entriesEnd = 0;
  private numRestarts = 0;
  private numEntries = 0;
  private next = 0;
  private scratch: Buffer = Buffer.allocUnsafe(256);
  /** The block's restart samples once a seek looked them up (key-samples.ts). */
  private samples: KeySamples | undefined = undefined;

  /** Switches to a validated payload; the cursor is unpositioned until first/seek. */
  reset(block: Buffer, encoding: number): void {
    this.block = block;
    this.prefix = encoding === DataBlockEncoding.Prefix;
    this.numRestarts = u32(block, block.length - 8);
    this.numEntries = u32(block, block.length - 4);
    this.entriesEnd = block.length - DATA_BLOCK_TAIL_SIZE - 4 * this.numRestarts;
    this.next = 0;
    this.samples = undefined;
  }

  get entryCount(): number {
    return this.numEntries;
  }

  /** Positions at the first entry. Blocks are never empty, so this always succeeds. */
  first(): void {
    this.decodeAt(0);
  }

  /** Moves to the next entry; false (position unchanged) past the last one. */
  advance(): boolean {
    if (this.next >= this.entriesEnd) return false;
    this.decodeAt(this.next);
    return true;
  }

  /**
   * Positions at the first entry whose key is >= key[off, off+len). Returns false (unpositioned)
   * if every key of the block is smaller.
   */
  seek(key: Buffer, off: number, len: number): boolean {
    const b = this.block;
    // Largest restart whose key is <= the target (restart 0 if none is).
    let lo = 0;
    let hi = this.numRestarts - 1;
    if (hi >= MIN_SAMPLED_KEYS - 1) {
      const s = (this.samples ??= restartSamples(b, this.entriesEnd, this.numRestarts, this.prefix));
      narrowKeys(s, b, key, off);
      // -1 (no restart key <= the target): restart 0, whose first entry is the answer.
      lo = keyRange[0]! < 0 ? 0 : keyRange[0]!;
      hi = keyRange[1]! < 0 ? 0 : keyRange[1]!;
    }
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      const rp = u32(b, this.entriesEnd + 4 * mid);
      let kOff: number;
      let kLen: number;
      if (this.prefix) {
        // Restart entries: shared = 0 (one byte), then unshared and value lengths.
        let q = rp + 1;
        kLen = 0;
        let mul = 1;
        for (;;) {
          const x = b[q++]!;
          kLen += (x & 0x7f) * mul;
          if (x < 0x80) break;
          mul *= 128;
        }
        while (b[q++]! >= 0x80);
        kOff = q;
      } else {
        kLen = u32(b, rp);
        kOff = rp + 8;
      }
      if (compareKeys(b, kOff, kLen, key, off, len) <= 0) lo = mid;
      else hi = mid - 1;
    }
    const start = u32(b, this.entriesEnd + 4 * lo);
    this.decodeAt(start);
    for (;;) {
      if (compareKeys(this.keyBuf, this.keyOff, this.keyLen, key, off, len) >= 0) return true;
      if (!this.advance()) return false;
    }
  }

  private decodeAt(pos: number): void {
    const b = this.block;
    if (!this.prefix) {
      const keyLen = u32(b, pos);
      const valueLen = u32(b, pos + 4);
      this.keyBuf = b;
      this.keyOff = pos + 8;
      this.keyLen = keyLen;
      this.valueOff = pos + 8 + keyLen;
      this.valueLen = valueLen;
      this.next = this.valueOff + valueLen;
      return;
    }
    let q = pos;
    let shared: number;
    let unshared: number;
    let valueLen: number;
    let x = b[q++]!;
    if (x < 0x80) shared = x;
    else {
      shared = x & 0x7f;
      let mul = 128;
      do {
        x = b[q++]!;
        shared += (x & 0x7f) * mul;
        mul *= 128;
      } while (x >= 0x80);
    }
    x = b[q++]!;
    if (x < 0x80) unshared = x;
    else {
      unshared = x & 0x7f;
      let mul = 128;
      do {
        x = b[q++]!;
        unshared += (x & 0x7f) * mul;
        mul *= 128;
      } while (x >= 0x80);
    }
    x = b[q++]!;
    if (x < 0x80) valueLen = x;
    else {
      valueLen = x & 0x7f;
      let mul = 128;
      do {
        x = b[q++]!;
        valueLen += (x & 0x7f) * mul;
        mul *= 128;
      } while (x >= 0x80);
    }
    const keyLen = shared + unshared;
    if (this.scratch.length < keyLen) {
      const grown = Buffer.allocUnsafe(Math.max(keyLen, this.scratch.length * 2));
      this.scratch.copy(grown, 0, 0, shared);
      this.scratch = grown;
    }
    // A JS loop beats Buffer#copy's native call for the few bytes a prefixed key usually has.
    const sc = this.scratch;
    if (unshared <= 32) for (let i = 0; i < unshared; i++) sc[shared + i] = b[q + i]!;
    else b.copy(sc, shared, q, q + unshared);
    this.keyBuf = sc;
    this.keyOff = 0;
    this.keyLen = keyLen;
    this.valueOff = q + unshared;
    this.valueLen = valueLen;
    this.next = this.valueOff + valueLen;
  }
}

const EMPTY = Buffer.alloc(0);

/** The samples of a data block's restart keys (key-samples.ts), built on first use. */
export function restartSamples(b: Buffer, entriesEnd: number, numRestarts: number, prefix: boolean): KeySamples {
  return cachedKeySamples(b) ?? buildKeySamples(b, numRestarts, (i) => restartKeyOffset(b, u32(b, entriesEnd + 4 * i), prefix));
}

/** Offset of the key of the restart entry at `rp` (a NONE entry, or a PREFIX entry with shared = 0). */
function restartKeyOffset(b: Buffer, rp: number, prefix: boolean): number {
  if (!prefix) return rp + 8;
  let q = rp + 1; // shared: 0, one byte
  while (b[q++]! >= 0x80); // unshared length
  while (b[q++]! >= 0x80); // value length
  return q;
}
