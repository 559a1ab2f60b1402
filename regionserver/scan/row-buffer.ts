// RowBuffer: the cells of one returned row (or one batch of a wide row), copied into one
// reusable byte arena: no object per cell. Scanners fill it; callers read the cells in place
// (CellView accessors below, e.g. to encode an RPC response) or build a Result.
//
// Layout: arena holds, per cell, its encoded key (docs/formats/keyvalue.md, rowlen..type)
// followed by its value (add), or only its key when the value stays where it is (addRef:
// values in buffers nobody changes — MemStore chunks, HFile blocks — are referenced, not
// copied; the value is copied once, by whoever consumes the row), or nothing when key and
// value both stay where they are (addRefKeyValue: a MemStore cell, whose key and value are
// adjacent in its chunk, or a cell of a NONE-encoded HFile block, adjacent in the block).
// meta[4i..4i+3] = keyOff, keyLen, valueOff, valueLen of cell i; the key is in keyBuf(i), the
// value in valueBuf(i).
//
// Thread safety: one owner. The contents stay valid until the next clear() (the next
// nextRow call on the scanner that fills it).

import type { CellView } from '../../common/cells/cell-view.js';
import { MutableCellView } from '../../common/cells/cell-view.js';
import { bufferView } from '../../common/buffer-view.js';
import { rangesEqual } from '../../common/bytes-equal.js';
import { copyBytes } from '../../common/copy-bytes.js';
import type { Result, ResultCell } from '../../common/ops/operations.js';

export class RowBuffer {
  private arena: Buffer;
  private used = 0;
  private meta: Int32Array;
  /** Per cell: the buffer holding its value, undefined when it is in the arena. */
  private readonly vbufs: (Buffer | undefined)[] = [];
  /** Per cell: the buffer holding its key, undefined when it is in the arena. */
  private readonly kbufs: (Buffer | undefined)[] = [];
  private n = 0;
  /** Bytes of the referenced keys and values (byteSize counts them too). */
  private refBytes = 0;
  private readonly view = new MutableCellView();

  constructor(initialBytes = 4096, initialCells = 64) {
    this.arena = Buffer.allocUnsafe(initialBytes);
    this.meta = new Int32Array(4 * initialCells);
  }

  /** Number of cells. */
  get count(): number {
    return this.n;
  }

  /** Bytes of keys and values held. */
  get byteSize(): number {
    return this.used + this.refBytes;
  }

  clear(): void {
    this.used = 0;
    this.n = 0;
    this.refBytes = 0;
  }

  /** Drops cells from index `count` on. */
  truncate(count: number): void {
    if (count >= this.n) return;
    const m = this.meta;
    for (let i = count; i < this.n; i++) {
      if (this.vbufs[i] !== undefined) this.refBytes -= m[4 * i + 3]!;
      if (this.kbufs[i] !== undefined) this.refBytes -= m[4 * i + 1]!;
    }
    this.n = count;
    // The arena ends after the last kept cell that has bytes in it.
    this.used = 0;
    for (let i = count - 1; i >= 0; i--) {
      const j = 4 * i;
      if (this.vbufs[i] === undefined) this.used = m[j + 2]! + m[j + 3]!;
      else if (this.kbufs[i] === undefined) this.used = m[j]! + m[j + 1]!;
      else continue;
      return;
    }
  }

  /** Copies a cell in. */
  add(c: CellView): void {
    this.addParts(c.keyBuf, c.keyOff, c.keyLen, c.valueBuf, c.valueOff, c.valueLen);
  }

  /**
   * Copies a cell's key in and references its value where it is. REQUIRES: the value's bytes
   * stay unchanged while the row is used (MemStore chunks and HFile blocks are never written
   * again; a filter's transformed cell is not such a buffer: use add).
   */
  addRef(c: CellView): void {
    const keyLen = c.keyLen;
    const need = this.used + keyLen;
    if (need > this.arena.length) this.grow(need);
    const at = this.used;
    this.used = copyBytes(c.keyBuf, c.keyOff, keyLen, this.arena, at);
    this.pushMeta(at, keyLen, c.valueOff, c.valueLen, c.valueBuf, undefined);
    this.refBytes += c.valueLen;
  }

  /**
   * References a cell's key and value where they are: nothing is copied. REQUIRES: as addRef,
   * for the key's bytes too.
   */
  addRefKeyValue(buf: Buffer, keyOff: number, keyLen: number, valueOff: number, valueLen: number): void {
    this.pushMeta(keyOff, keyLen, valueOff, valueLen, buf, buf);
    this.refBytes += keyLen + valueLen;
  }

  /** Copies a cell given as (key range, value range). */
  addParts(keyBuf: Buffer, keyOff: number, keyLen: number, valueBuf: Buffer, valueOff: number, valueLen: number): void {
    const need = this.used + keyLen + valueLen;
    if (need > this.arena.length) this.grow(need);
    const at = this.used;
    const vo = copyBytes(keyBuf, keyOff, keyLen, this.arena, at);
    this.used = copyBytes(valueBuf, valueOff, valueLen, this.arena, vo);
    this.pushMeta(at, keyLen, vo, valueLen, undefined, undefined);
  }

  private pushMeta(keyOff: number, keyLen: number, valueOff: number, valueLen: number, valueBuf: Buffer | undefined, keyBuf: Buffer | undefined): void {
    if (4 * this.n + 4 > this.meta.length) this.growMeta();
    const m = this.meta;
    const j = 4 * this.n;
    m[j] = keyOff;
    m[j + 1] = keyLen;
    m[j + 2] = valueOff;
    m[j + 3] = valueLen;
    this.vbufs[this.n] = valueBuf;
    this.kbufs[this.n] = keyBuf;
    this.n++;
  }

  private growMeta(): void {
    const m = new Int32Array(this.meta.length * 2);
    m.set(this.meta);
    this.meta = m;
  }

  private grow(need: number): void {
    const a = Buffer.allocUnsafe(Math.max(need, 2 * this.arena.length));
    this.arena.copy(a, 0, 0, this.used);
    this.arena = a;
  }

  /** The buffer holding cell i's key, at keyOff(i) (the arena — valid until the next add: it may grow — or where addRefKeyValue found it). */
  keyBuf(i: number): Buffer {
    return this.kbufs[i] ?? this.arena;
  }
  keyOff(i: number): number {
    return this.meta[4 * i]!;
  }
  keyLen(i: number): number {
    return this.meta[4 * i + 1]!;
  }
  /** The buffer holding cell i's value (the arena, or where addRef found it). */
  valueBuf(i: number): Buffer {
    return this.vbufs[i] ?? this.arena;
  }
  valueOff(i: number): number {
    return this.meta[4 * i + 2]!;
  }
  valueLen(i: number): number {
    return this.meta[4 * i + 3]!;
  }

  /** A view of cell i (one reused object: valid until the next cellAt call). */
  cellAt(i: number): CellView {
    const m = this.meta;
    const j = 4 * i;
    return this.view.set(this.kbufs[i] ?? this.arena, m[j]!, m[j + 1]!, this.vbufs[i] ?? this.arena, m[j + 2]!, m[j + 3]!);
  }

  /** Views of every cell (new objects; for filterRowCells and tests). */
  cellViews(): CellView[] {
    const out: CellView[] = [];
    for (let i = 0; i < this.n; i++) {
      const m = this.meta;
      const j = 4 * i;
      out.push({ keyBuf: this.kbufs[i] ?? this.arena, keyOff: m[j]!, keyLen: m[j + 1]!, valueBuf: this.vbufs[i] ?? this.arena, valueOff: m[j + 2]!, valueLen: m[j + 3]! });
    }
    return out;
  }

  /** Makes this a copy of `other`. */
  copyFrom(other: RowBuffer): void {
    this.clear();
    if (this.arena.length < other.used) this.arena = Buffer.allocUnsafe(other.used);
    other.arena.copy(this.arena, 0, 0, other.used);
    if (this.meta.length < 4 * other.n) this.meta = new Int32Array(4 * other.n);
    this.meta.set(other.meta.subarray(0, 4 * other.n));
    for (let i = 0; i < other.n; i++) {
      this.vbufs[i] = other.vbufs[i];
      this.kbufs[i] = other.kbufs[i];
    }
    this.used = other.used;
    this.refBytes = other.refBytes;
    this.n = other.n;
  }

  /** Replaces the contents with `cells` (copied first: they may point into this buffer). */
  replaceWith(cells: readonly CellView[]): void {
    const copies = cells.map((c) => ({
      k: Buffer.from(c.keyBuf.subarray(c.keyOff, c.keyOff + c.keyLen)),
      v: Buffer.from(c.valueBuf.subarray(c.valueOff, c.valueOff + c.valueLen)),
    }));
    this.clear();
    for (const { k, v } of copies) this.addParts(k, 0, k.length, v, 0, v.length);
  }

  /**
   * The cells as a Result (new buffers, owned by the caller). `row` is taken from the first
   * cell; REQUIRES count > 0, or pass `emptyRow` for an empty Result.
   */
  toResult(emptyRow?: Buffer): Result {
    const n = this.n;
    if (n === 0) return { row: emptyRow ?? Buffer.alloc(0), cells: [] };
    const cells: ResultCell[] = new Array<ResultCell>(n);
    // One copy of the whole arena, referenced keys and values after it; every field is a view
    // into it.
    // The cells of a Result share their row, and usually their family and timestamp: one
    // Buffer / bigint serves them all.
    const copy = Buffer.allocUnsafe(this.used + this.refBytes);
    if (this.used > 0) this.arena.copy(copy, 0, 0, this.used);
    let tail = this.used;
    const m = this.meta;
    // Where each key and value is in the copy: referenced ones are copied to the tail first,
    // a referenced key with its value right after it (a MemStore cell, a NONE-encoded HFile
    // cell) in one copy.
    const kos = new Array<number>(n);
    const vos = new Array<number>(n);
    for (let i = 0; i < n; i++) {
      const j = 4 * i;
      const kb = this.kbufs[i];
      const vb = this.vbufs[i];
      const ko = m[j]!;
      const kl = m[j + 1]!;
      const vo = m[j + 2]!;
      const vl = m[j + 3]!;
      if (kb === undefined) kos[i] = ko;
      else if (vb === kb && vo === ko + kl) {
        kb.copy(copy, tail, ko, vo + vl);
        kos[i] = tail;
        vos[i] = tail + kl;
        tail += kl + vl;
        continue;
      } else {
        kb.copy(copy, tail, ko, ko + kl);
        kos[i] = tail;
        tail += kl;
      }
      if (vb === undefined) vos[i] = vo;
      else {
        vb.copy(copy, tail, vo, vo + vl);
        vos[i] = tail;
        tail += vl;
      }
    }
    const k0 = kos[0]!;
    const row = bufferView(copy, k0 + 2, k0 + 2 + ((copy[k0]! << 8) | copy[k0 + 1]!));
    let family = row;
    let famOff = -1;
    let famLen = -1;
    let ts = 0n;
    let tsOff = -1;
    for (let i = 0; i < n; i++) {
      const j = 4 * i;
      const ko = kos[i]!;
      const t = ko + m[j + 1]! - 9;
      const rowEnd = ko + 2 + ((copy[ko]! << 8) | copy[ko + 1]!);
      const fl = copy[rowEnd]!;
      const fo = rowEnd + 1;
      if (fl !== famLen || !rangesEqual(copy, fo, copy, famOff, fl)) {
        family = bufferView(copy, fo, fo + fl);
        famOff = fo;
        famLen = fl;
      }
      if (tsOff < 0 || !rangesEqual(copy, t, copy, tsOff, 8)) {
        ts = copy.readBigUInt64BE(t);
        tsOff = t;
      }
      const vo = vos[i]!;
      cells[i] = {
        row,
        family,
        qualifier: bufferView(copy, fo + fl, t),
        timestamp: ts,
        type: copy[t + 8]!,
        value: bufferView(copy, vo, vo + m[j + 3]!),
      };
    }
    return { row, cells };
  }
}

