// ByteWriter: the output side of one RPC connection. Frames are encoded back to back into a
// large chunk; `take()` hands the bytes written since the last take to the socket as views
// (no copy), so many frames written in one event-loop tick leave in one socket write. Bytes
// already taken are never written again (the socket may still hold them), so a chunk is
// filled front to back and replaced when full.
//
// Frames are written as: beginFrame() → body writes → endFrame() (which backpatches the
// length), or abortFrame() to drop a frame whose body failed to encode.
//
// All integers are big-endian. Writers of fixed-width fields throw InvalidError
// (TSB_INVALID_ARGUMENT) when a value does not fit its field.
//
// Thread safety: single-threaded, one writer per connection; not re-entrant.

import { CellType } from '../cells/keyvalue-format.js';
import { keyValueLength, writeKeyValueFields } from '../cells/keyvalue.js';
import { InvalidError } from '../errors.js';
import { put32 } from '../u32-bytes.js';
import { FRAME_HEADER_SIZE, LENGTH_SIZE, PREAMBLE_MAGIC, PREAMBLE_SIZE, PROTOCOL_VERSION } from './rpc-format.js';

/**
 * Frames written in one event-loop turn are sent together at the end of the turn; once this
 * many are waiting they leave at once. With many calls in flight on one connection, client and
 * server would otherwise take turns (one side works while the other waits for the whole
 * batch); sending early lets the other side start on the first frames while this side
 * encodes the rest (measured: YCSB C on 2 cores, +24-80% ops/s and a lower p99 at 16; docs/benchmarks.md).
 */
export const FLUSH_EVERY_FRAMES = 16;

/** Size of a fresh output chunk. */
const CHUNK_SIZE = 64 * 1024;
/** A chunk with less room than this left is replaced on the next write. */
const MIN_TAIL = 512;

const U64_MAX = 0xffffffffffffffffn;
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const I64_MIN = -0x8000000000000000n;
const I64_MAX = 0x7fffffffffffffffn;

/**
 * A chunk of output memory. Chunks written to a socket with flushTo() come back to a small
 * free list once every write of theirs completed and the writer has moved on, so a busy
 * connection reuses a few chunks instead of allocating (and collecting) one per turn.
 */
class Chunk {
  /** Socket writes of this chunk's bytes not yet completed. */
  out = 0;
  /** The writer has moved to another chunk. */
  retired = false;
  /** Views were handed out by take(): the caller may keep them, so never reuse. */
  leaked = false;
  readonly written = (): void => {
    if (--this.out === 0 && this.retired) recycle(this);
  };

  constructor(readonly buf: Buffer) {}
}

const FREE_CHUNKS_MAX = 16;
const freeChunks: Chunk[] = [];
/**
 * Larger chunks (a frame bigger than CHUNK_SIZE, e.g. a client's batch of mutations of up to
 * 8 MiB) are kept too, at most FREE_LARGE_MAX of at most LARGE_CHUNK_MAX bytes: otherwise
 * every such frame grew a chunk of its own by doubling (about four times the frame's size
 * allocated and twice its size copied), and V8 answered that stream of fresh ArrayBuffers with a
 * young collection about every 40 ms of a load (docs/benchmarks.md, session 19).
 */
const FREE_LARGE_MAX = 2;
const LARGE_CHUNK_MAX = 16 * 1024 * 1024;
const freeLarge: Chunk[] = [];

function recycle(c: Chunk): void {
  if (c.leaked) return;
  const size = c.buf.length;
  if (size === CHUNK_SIZE) {
    if (freeChunks.length >= FREE_CHUNKS_MAX) return;
    c.retired = false;
    freeChunks.push(c);
  } else if (size > CHUNK_SIZE && size <= LARGE_CHUNK_MAX) {
    if (freeLarge.length >= FREE_LARGE_MAX) {
      // Keep the larger ones: they serve every smaller frame as well.
      let smallest = 0;
      for (let i = 1; i < freeLarge.length; i++) if (freeLarge[i]!.buf.length < freeLarge[smallest]!.buf.length) smallest = i;
      if (freeLarge[smallest]!.buf.length >= size) return;
      freeLarge.splice(smallest, 1);
    }
    c.retired = false;
    freeLarge.push(c);
  }
}

function newChunk(size: number): Chunk {
  if (size === CHUNK_SIZE) {
    const c = freeChunks.pop();
    if (c !== undefined) return c;
  } else if (size > CHUNK_SIZE) {
    for (let i = 0; i < freeLarge.length; i++) {
      if (freeLarge[i]!.buf.length >= size) return freeLarge.splice(i, 1)[0]!;
    }
  }
  return new Chunk(Buffer.allocUnsafe(size));
}

export class ByteWriter {
  private chunk: Chunk;
  private buf: Buffer;
  /** Next byte to write. */
  private pos = 0;
  /** First byte not yet taken. */
  private start = 0;
  /** Start of the frame being written, or -1. */
  private frameStart = -1;
  /** The last u64 written and where (in the current chunk), to copy repeated timestamps. */
  private lastU64 = 0n;
  /** -1 when there is none to copy (after a chunk switch or an aborted frame). */
  private lastU64At = -1;
  /** Bytes of earlier chunks waiting to be taken, and their chunks. */
  private ready: Buffer[] = [];
  private readyChunks: Chunk[] = [];
  private readyBytes = 0;

  constructor(initialSize = CHUNK_SIZE) {
    this.chunk = newChunk(initialSize);
    this.buf = this.chunk.buf;
  }

  /** Bytes written and not yet taken. */
  get pending(): number {
    return this.readyBytes + this.pos - this.start;
  }

  /**
   * The bytes written since the last take, as views (usually one; more when a chunk filled
   * up); the writer never touches them again. REQUIRES: no frame in progress.
   */
  take(): Buffer[] {
    const out = this.ready;
    for (const c of this.readyChunks) c.leaked = true;
    if (this.pos > this.start) {
      out.push(this.buf.subarray(this.start, this.pos));
      this.chunk.leaked = true;
    }
    this.ready = [];
    this.readyChunks = [];
    this.readyBytes = 0;
    this.start = this.pos;
    return out;
  }

  /**
   * Writes the bytes written since the last take to `socket` (corked when they span chunks)
   * and recycles their memory once the socket is done with it. Returns socket.write's answer
   * (false: the socket buffers more than its high-water mark). REQUIRES: no frame in progress.
   */
  flushTo(socket: { write(b: Buffer, cb: () => void): boolean; cork(): void; uncork(): void }): boolean {
    const tail = this.pos > this.start;
    const n = this.ready.length + (tail ? 1 : 0);
    if (n === 0) return true;
    let ok = true;
    if (n > 1) socket.cork();
    for (let i = 0; i < this.ready.length; i++) {
      // Counted as outstanding when it was queued (ensure()); the write's completion uncounts it.
      ok = socket.write(this.ready[i]!, this.readyChunks[i]!.written);
    }
    if (tail) {
      const c = this.chunk;
      c.out++;
      ok = socket.write(this.buf.subarray(this.start, this.pos), c.written);
      this.start = this.pos;
    }
    if (n > 1) socket.uncork();
    if (this.ready.length > 0) {
      this.ready = [];
      this.readyChunks = [];
      this.readyBytes = 0;
    }
    return ok;
  }

  /** Makes room for `n` more bytes. */
  ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    // Completed frames stay where they are (queued for the next take); only the frame in
    // progress moves to the new chunk.
    const from = this.frameStart >= 0 ? this.frameStart : this.pos;
    if (from > this.start) {
      this.ready.push(this.buf.subarray(this.start, from));
      // The queued view counts as an outstanding write from now on: an earlier write of this
      // chunk completing must not recycle it while this view still waits for flushTo().
      this.chunk.out++;
      this.readyChunks.push(this.chunk);
      this.readyBytes += from - this.start;
    }
    const carry = this.pos - from;
    const size = Math.max(CHUNK_SIZE, carry + n + (carry > CHUNK_SIZE ? carry : 0));
    const next = newChunk(size);
    if (carry > 0) this.buf.copy(next.buf, 0, from, this.pos);
    this.switchTo(next);
    if (this.frameStart >= 0) this.frameStart = 0;
    this.pos = carry;
  }

  private switchTo(next: Chunk): void {
    const old = this.chunk;
    old.retired = true;
    if (old.out === 0 && !this.readyChunks.includes(old)) recycle(old);
    this.chunk = next;
    this.buf = next.buf;
    this.lastU64At = -1;
    this.pos = 0;
    this.start = 0;
  }

  // --- frames -----------------------------------------------------------------------------

  /** The 8-byte connection preamble. */
  preamble(version = PROTOCOL_VERSION): void {
    this.ensure(PREAMBLE_SIZE);
    this.buf.writeUInt32BE(PREAMBLE_MAGIC, this.pos);
    this.buf.writeUInt16BE(version, this.pos + 4);
    this.buf.writeUInt16BE(0, this.pos + 6);
    this.pos += PREAMBLE_SIZE;
  }

  /** Starts a frame; the body follows. REQUIRES: no frame in progress. */
  beginFrame(callId: number, method: number, flags: number): void {
    if (this.buf.length - this.pos < MIN_TAIL && this.start === this.pos) this.renew();
    this.ensure(FRAME_HEADER_SIZE);
    this.frameStart = this.pos;
    const b = this.buf;
    const p = this.pos;
    b.writeUInt32BE(callId >>> 0, p + LENGTH_SIZE);
    b[p + 8] = method;
    b[p + 9] = flags;
    this.pos = p + FRAME_HEADER_SIZE;
  }

  /** Completes the frame: writes its length. Returns the frame's total size in bytes. */
  endFrame(): number {
    const size = this.pos - this.frameStart;
    this.buf.writeUInt32BE(size - LENGTH_SIZE, this.frameStart);
    this.frameStart = -1;
    return size;
  }

  /** Drops the frame in progress. */
  abortFrame(): void {
    this.lastU64At = -1;
    if (this.frameStart >= 0) this.pos = this.frameStart;
    this.frameStart = -1;
  }

  private renew(): void {
    this.switchTo(newChunk(CHUNK_SIZE));
  }

  // --- fields -----------------------------------------------------------------------------

  u8(v: number): void {
    this.ensure(1);
    this.buf[this.pos++] = v;
  }

  u16(v: number): void {
    this.ensure(2);
    const b = this.buf;
    const p = this.pos;
    b[p] = v >>> 8;
    b[p + 1] = v;
    this.pos = p + 2;
  }

  u32(v: number): void {
    if (!(v >= 0 && v <= 0xffffffff && Number.isInteger(v))) throw new InvalidError('number does not fit an unsigned 32-bit field', { details: { value: String(v) } });
    this.ensure(4);
    put32(this.buf, this.pos, v);
    this.pos += 4;
  }

  /** Unsigned 64-bit (timestamps, scanner ids). */
  u64(v: bigint): void {
    this.ensure(8);
    const b = this.buf;
    const p = this.pos;
    if (this.lastU64At >= 0 && v === this.lastU64) {
      // Cells of one row usually share a timestamp: copy its bytes.
      b.copyWithin(p, this.lastU64At, this.lastU64At + 8);
    } else if (typeof v === 'bigint' && v >= 0n && v <= MAX_SAFE) {
      // Number arithmetic is exact below 2^53 and cheaper than bigint shifts.
      const n = Number(v);
      const hi = Math.floor(n / 0x100000000);
      put32(b, p, hi);
      put32(b, p + 4, n - hi * 0x100000000);
    } else {
      if (typeof v !== 'bigint' || v < 0n || v > U64_MAX) throw new InvalidError('value does not fit an unsigned 64-bit field', { details: { value: String(v) } });
      b.writeBigUInt64BE(v, p);
    }
    this.lastU64 = v;
    this.lastU64At = p;
    this.pos = p + 8;
  }

  /** Signed 64-bit (increment amounts). */
  i64(v: bigint): void {
    if (typeof v !== 'bigint' || v < I64_MIN || v > I64_MAX) throw new InvalidError('value does not fit a signed 64-bit field', { details: { value: String(v) } });
    this.ensure(8);
    this.buf.writeBigInt64BE(v, this.pos);
    this.pos += 8;
  }

  /** Raw bytes, no length. */
  raw(b: Uint8Array): void {
    this.ensure(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }

  /** Raw bytes b[start, end), no length (no view created). */
  rawRange(b: Buffer, start: number, end: number): void {
    const n = end - start;
    this.ensure(n);
    b.copy(this.buf, this.pos, start, end);
    this.pos += n;
  }

  /**
   * One KeyValue (docs/formats/keyvalue.md), of type Put unless `type` says otherwise, written
   * in place (writeKeyValueFields). REQUIRES: row ≤ 65535 bytes, family ≤ 255 bytes,
   * 0 ≤ timestamp < 2^64, a cell type code (the caller checks its own, tighter limits).
   */
  putKeyValue(row: Buffer, family: Buffer, qualifier: Buffer, timestamp: bigint, value: Buffer, type: CellType = CellType.Put): void {
    this.ensure(keyValueLength(row.length, family.length, qualifier.length, value.length));
    this.pos = writeKeyValueFields(this.buf, this.pos, row, family, qualifier, timestamp, type, value);
  }

  /** len:u8 + bytes. */
  bytes8(b: Buffer, what: string): void {
    if (b.length > 0xff) throw tooLong(what, b.length, 0xff);
    this.ensure(1 + b.length);
    this.buf[this.pos] = b.length;
    this.buf.set(b, this.pos + 1);
    this.pos += 1 + b.length;
  }

  /** len:u16 + bytes. */
  bytes16(b: Buffer, what: string): void {
    if (b.length > 0xffff) throw tooLong(what, b.length, 0xffff);
    this.ensure(2 + b.length);
    const p = this.pos;
    this.buf[p] = b.length >>> 8;
    this.buf[p + 1] = b.length;
    this.buf.set(b, p + 2);
    this.pos = p + 2 + b.length;
  }

  /** len:u32 + bytes. */
  bytes32(b: Buffer): void {
    const n = b.length;
    this.ensure(4 + n);
    const p = this.pos;
    put32(this.buf, p, n);
    if (n > 0) this.buf.set(b, p + 4);
    this.pos = p + 4 + n;
  }

  /** len:u16 + UTF-8. */
  str16(s: string, what: string): void {
    const n = Buffer.byteLength(s, 'utf8');
    if (n > 0xffff) throw tooLong(what, n, 0xffff);
    this.ensure(2 + n);
    this.buf.writeUInt16BE(n, this.pos);
    this.buf.write(s, this.pos + 2, n, 'utf8');
    this.pos += 2 + n;
  }

  /** len:u32 + UTF-8. */
  str32(s: string): void {
    const n = Buffer.byteLength(s, 'utf8');
    this.ensure(4 + n);
    this.buf.writeUInt32BE(n, this.pos);
    this.buf.write(s, this.pos + 4, n, 'utf8');
    this.pos += 4 + n;
  }

  /** UTF-8 without a length (a body that is all text, e.g. admin JSON). */
  text(s: string): void {
    const n = Buffer.byteLength(s, 'utf8');
    this.ensure(n);
    this.buf.write(s, this.pos, n, 'utf8');
    this.pos += n;
  }
}

function tooLong(what: string, length: number, max: number): InvalidError {
  return new InvalidError(`${what} is too long for the rpc encoding`, { details: { length, max } });
}
