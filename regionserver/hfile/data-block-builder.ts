// Builds the payload of one data block (docs/formats/hfile.md, "Data blocks"):
//
//   entry × n | restartOffset:u32 × R | R:u32 | n:u32
//
// NONE:   entry = keylen:u32 valuelen:u32 key value            (a KeyValue)
// PREFIX: entry = shared:varint unshared:varint valuelen:varint key[shared..] value
//
// Every `restartInterval`-th entry (starting with the first) is a restart point: its offset is
// listed in the tail, and in PREFIX blocks it stores its whole key (shared = 0). A reader binary
// searches the restart points, then decodes at most restartInterval entries.
//
// Thread safety: none; one builder per writer.

import { DATA_BLOCK_TAIL_SIZE, DataBlockEncoding } from './hfile-format.js';
import { varintLength, writeVarint } from './varint.js';

export class DataBlockBuilder {
  private buf: Buffer;
  private len = 0;
  private restarts: number[] = [];
  private entries = 0;
  private lastKey: Buffer = Buffer.allocUnsafe(256);
  private lastKeyLen = 0;

  /** REQUIRES: restartInterval >= 1. */
  constructor(
    private readonly encoding: DataBlockEncoding,
    private readonly restartInterval: number,
    initialCapacity: number,
  ) {
    this.buf = Buffer.allocUnsafe(Math.max(1024, initialCapacity));
  }

  /** Entries added since the last finish. */
  get count(): number {
    return this.entries;
  }

  /** Payload bytes so far (entries only; the tail adds 8 + 4 per restart). */
  get size(): number {
    return this.len;
  }

  /** Bytes the payload would take if finished now. */
  get finishedSize(): number {
    return this.len + 4 * this.restarts.length + DATA_BLOCK_TAIL_SIZE;
  }

  /**
   * Appends one cell. REQUIRES: the key is a valid key greater than the previous one of this
   * block (the writer checks).
   */
  add(key: Buffer, keyOff: number, keyLen: number, value: Buffer, valueOff: number, valueLen: number): void {
    const restart = this.entries % this.restartInterval === 0;
    if (restart) this.restarts.push(this.len);
    if (this.encoding === DataBlockEncoding.None) {
      this.ensure(8 + keyLen + valueLen);
      const b = this.buf;
      b.writeUInt32BE(keyLen, this.len);
      b.writeUInt32BE(valueLen, this.len + 4);
      this.len += 8;
    } else {
      let shared = 0;
      if (!restart) {
        const max = Math.min(keyLen, this.lastKeyLen);
        const lk = this.lastKey;
        while (shared < max && lk[shared] === key[keyOff + shared]) shared++;
      }
      const unshared = keyLen - shared;
      this.ensure(varintLength(shared) + varintLength(unshared) + varintLength(valueLen) + unshared + valueLen);
      let p = writeVarint(this.buf, this.len, shared);
      p = writeVarint(this.buf, p, unshared);
      this.len = writeVarint(this.buf, p, valueLen);
      // Remember the whole key for the next entry's shared prefix, then store only the rest.
      this.rememberKey(key, keyOff, keyLen);
      keyOff += shared;
      keyLen = unshared;
    }
    key.copy(this.buf, this.len, keyOff, keyOff + keyLen);
    this.len += keyLen;
    value.copy(this.buf, this.len, valueOff, valueOff + valueLen);
    this.len += valueLen;
    this.entries++;
  }

  /**
   * Finishes the block and returns its payload: a view into the builder's buffer, valid until
   * the next add. REQUIRES: count >= 1.
   */
  finish(): Buffer {
    this.ensure(4 * this.restarts.length + DATA_BLOCK_TAIL_SIZE);
    let p = this.len;
    for (const r of this.restarts) p = this.buf.writeUInt32BE(r, p);
    p = this.buf.writeUInt32BE(this.restarts.length, p);
    p = this.buf.writeUInt32BE(this.entries, p);
    const out = this.buf.subarray(0, p);
    this.len = 0;
    this.entries = 0;
    this.restarts = [];
    this.lastKeyLen = 0;
    return out;
  }

  private rememberKey(key: Buffer, off: number, len: number): void {
    if (this.lastKey.length < len) this.lastKey = Buffer.allocUnsafe(Math.max(len, this.lastKey.length * 2));
    key.copy(this.lastKey, 0, off, off + len);
    this.lastKeyLen = len;
  }

  private ensure(extra: number): void {
    const need = this.len + extra;
    if (need <= this.buf.length) return;
    const grown = Buffer.allocUnsafe(Math.max(need, this.buf.length * 2));
    this.buf.copy(grown, 0, 0, this.len);
    this.buf = grown;
  }
}
