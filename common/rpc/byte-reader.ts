// ByteReader: bounds-checked reads of one frame body. Byte strings come back as views into
// the frame (no copy): they stay valid as long as the caller keeps them, and they keep the
// received chunk alive, so a receiver that stores them long-term copies them (the MemStore
// does: it writes cells into its own slabs).
//
// Every read past the end of the body throws InvalidError (TSB_PROTOCOL). All integers are
// big-endian.

import { ErrorCodes, InvalidError } from '../errors.js';
import { get32 } from '../u32-bytes.js';

export class ByteReader {
  pos: number;

  constructor(
    public buf: Buffer,
    start: number,
    public end: number,
  ) {
    this.pos = start;
  }

  /** Points the reader at another body (readers are reused per connection). */
  reset(buf: Buffer, start: number, end: number): this {
    this.buf = buf;
    this.pos = start;
    this.end = end;
    return this;
  }

  get remaining(): number {
    return this.end - this.pos;
  }

  private need(n: number, what: string): number {
    const p = this.pos;
    if (p + n > this.end) throw truncated(what, n, this.end - p);
    this.pos = p + n;
    return p;
  }

  u8(what = 'u8'): number {
    return this.buf[this.need(1, what)]!;
  }

  u16(what = 'u16'): number {
    const p = this.need(2, what);
    const b = this.buf;
    return (b[p]! << 8) | b[p + 1]!;
  }

  u32(what = 'u32'): number {
    const p = this.need(4, what);
    return get32(this.buf, p);
  }

  u64(what = 'u64'): bigint {
    const p = this.need(8, what);
    const b = this.buf;
    const hi = get32(b, p);
    // Below 2^53 one Number → BigInt conversion is exact and cheaper than bigint shifts.
    if (hi < 0x200000) return BigInt(hi * 0x100000000 + get32(b, p + 4));
    return b.readBigUInt64BE(p);
  }

  i64(what = 'i64'): bigint {
    return this.buf.readBigInt64BE(this.need(8, what));
  }

  /** Skips `n` bytes and returns where they start in `buf` (a range without a view). */
  skip(n: number, what: string): number {
    return this.need(n, what);
  }

  /** `n` bytes as a view. */
  bytes(n: number, what: string): Buffer {
    const p = this.need(n, what);
    return this.buf.subarray(p, p + n);
  }

  bytes8(what: string): Buffer {
    return this.bytes(this.u8(what), what);
  }

  bytes16(what: string): Buffer {
    return this.bytes(this.u16(what), what);
  }

  bytes32(what: string): Buffer {
    return this.bytes(this.u32(what), what);
  }

  str16(what: string): string {
    const n = this.u16(what);
    const p = this.need(n, what);
    return this.buf.toString('utf8', p, p + n);
  }

  str32(what: string): string {
    const n = this.u32(what);
    const p = this.need(n, what);
    return this.buf.toString('utf8', p, p + n);
  }

  /** The rest of the body as a view. */
  rest(): Buffer {
    const out = this.buf.subarray(this.pos, this.end);
    this.pos = this.end;
    return out;
  }

  /** Throws InvalidError (TSB_PROTOCOL) unless every byte of the body was read. */
  done(what: string): void {
    if (this.pos !== this.end) {
      throw new InvalidError('rpc body has trailing bytes; the peer speaks another encoding', {
        code: ErrorCodes.PROTOCOL,
        details: { body: what, trailing: this.end - this.pos },
      });
    }
  }
}

/** InvalidError (TSB_PROTOCOL) for a body that ends before a field. */
export function truncated(what: string, wanted: number, left: number): InvalidError {
  return new InvalidError('rpc body is truncated; the peer speaks another encoding', {
    code: ErrorCodes.PROTOCOL,
    details: { field: what, wanted, left },
  });
}

/** InvalidError (TSB_PROTOCOL) for a body field that holds an impossible value. */
export function badField(what: string, value: string | number): InvalidError {
  return new InvalidError('rpc body holds an invalid value', { code: ErrorCodes.PROTOCOL, details: { field: what, value } });
}
