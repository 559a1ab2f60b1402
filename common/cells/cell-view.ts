// CellView: how read paths hand cells around without an object per cell. A scanner keeps one
// object whose fields point at the current cell's encoded key (docs/formats/keyvalue.md, the
// part from rowlen to type) and value; consumers read the fields with the accessors of
// encoded-key.ts and must copy whatever they keep past the scanner's next move.
//
// HFileScanner implements it directly; MemStore cells and merged scanners expose the same shape.

export interface CellView {
  /** Buffer holding the encoded key at keyOff..keyOff+keyLen. */
  readonly keyBuf: Buffer;
  readonly keyOff: number;
  readonly keyLen: number;
  /** Buffer holding the value at valueOff..valueOff+valueLen. */
  readonly valueBuf: Buffer;
  readonly valueOff: number;
  readonly valueLen: number;
}

/** A mutable CellView, for scanners that re-point one object at each cell. */
export class MutableCellView implements CellView {
  keyBuf: Buffer = EMPTY;
  keyOff = 0;
  keyLen = 0;
  valueBuf: Buffer = EMPTY;
  valueOff = 0;
  valueLen = 0;

  set(keyBuf: Buffer, keyOff: number, keyLen: number, valueBuf: Buffer, valueOff: number, valueLen: number): this {
    this.keyBuf = keyBuf;
    this.keyOff = keyOff;
    this.keyLen = keyLen;
    this.valueBuf = valueBuf;
    this.valueOff = valueOff;
    this.valueLen = valueLen;
    return this;
  }
}

const EMPTY = Buffer.alloc(0);
