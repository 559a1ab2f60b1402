// KeyValueScanner over a MemStore (active + snapshot) at an MVCC read point: an adapter around
// memstore/MemStoreScanner. Never needs I/O. Cells with equal keys come newest write first.

import { KV_LENGTHS_SIZE } from '../../common/cells/keyvalue-format.js';
import type { MemStore } from '../memstore/memstore.js';
import type { MemStoreScanner } from '../memstore/memstore-scanner.js';
import type { MemCell } from '../memstore/mem-cell.js';
import { seekCell } from '../memstore/mem-cell.js';
import type { KeyValueScanner, ScanStatus } from './key-scanner.js';
import { END, FOUND, MEMSTORE_ORDER } from './key-scanner.js';
import { SeekKey } from './seek-keys.js';

const EMPTY = Buffer.alloc(0);

export class MemStoreKeyScanner implements KeyValueScanner {
  keyBuf: Buffer = EMPTY;
  keyOff = 0;
  keyLen = 0;
  valueBuf: Buffer = EMPTY;
  valueOff = 0;
  valueLen = 0;
  readonly order = MEMSTORE_ORDER;
  private readonly s: MemStoreScanner;
  private readonly tmp = new SeekKey();

  /** Wraps a MemStoreScanner (of a MemStore, or of a snapshot being flushed). */
  constructor(scanner: MemStoreScanner) {
    this.s = scanner;
  }

  /** Over active + snapshot at `readPoint`. REQUIRES: readPoint >= 0 (Infinity: every cell). */
  static of(memstore: MemStore, readPoint: number): MemStoreKeyScanner {
    return new MemStoreKeyScanner(memstore.scanner(readPoint));
  }

  seek(key: Buffer, off: number, len: number): ScanStatus {
    return this.land(this.s.seek(key, off, len));
  }

  reseek(key: Buffer, off: number, len: number): ScanStatus {
    return this.land(this.s.seek(key, off, len));
  }

  next(): ScanStatus {
    this.s.next();
    return this.land(this.s.peek());
  }

  seekToPreviousRow(key: Buffer, off: number, _len: number): ScanStatus {
    const rowLen = (key[off]! << 8) | key[off + 1]!;
    const k = this.tmp.firstOnRow(key, off + 2, rowLen);
    return this.toRowOf(this.s.lastVisibleBefore(seekCell(k.buf, 0, k.len)));
  }

  seekToLastRow(): ScanStatus {
    return this.toRowOf(this.s.lastVisibleBefore(undefined));
  }

  backwardSeek(key: Buffer, off: number, len: number): ScanStatus {
    const c = this.s.seek(key, off, len);
    if (c !== undefined && c.rowLen === ((key[off]! << 8) | key[off + 1]!) && key.compare(c.buf, c.rowOffset, c.rowOffset + c.rowLen, off + 2, off + 2 + c.rowLen) === 0) return this.land(c);
    return this.seekToPreviousRow(key, off, len);
  }

  fetchPending(): Promise<void> {
    return Promise.resolve();
  }

  close(): void {}

  /** Positions at the first visible cell of the row of `c`. */
  private toRowOf(c: MemCell | undefined): ScanStatus {
    if (c === undefined) return this.land(undefined);
    const k = this.tmp.firstOnRow(c.buf, c.rowOffset, c.rowLen);
    return this.land(this.s.seek(k.buf, 0, k.len));
  }

  private land(c: MemCell | undefined): ScanStatus {
    if (c === undefined) return END;
    const b = c.buf;
    this.keyBuf = b;
    this.valueBuf = b;
    this.keyOff = c.off + KV_LENGTHS_SIZE;
    this.keyLen = c.keyLen;
    this.valueOff = c.off + KV_LENGTHS_SIZE + c.keyLen;
    this.valueLen = c.valueLen;
    return FOUND;
  }
}
