// FrameDecoder: cuts the bytes received on one connection into the peer's preamble and then
// frames (docs/formats/rpc.md, "Connection" and "Frames"):
//
//   preamble = magic:u32 "TSBR" | version:u16 | reserved:u16 = 0
//   frame    = length:u32 | callId:u32 | method:u8 | flags:u8 | body     (length counts the bytes after itself)
//
// A frame that lies whole inside a received chunk is handed on as a view of that chunk (no
// copy); only a frame that spans chunks is assembled, with one copy, into a buffer of its
// exact size. `onFrame(buf, start, end)` receives the frame from callId (at `start`) to the
// end of its body; the views stay valid as long as the receiver keeps them.
//
// push() throws InvalidError (TSB_PROTOCOL) for a bad preamble, an unsupported version, or a
// length under the header size or over `maxFrameBytes`; errors thrown by onFrame propagate.
// After a throw the decoder must not be used again (the connection is closed).

import { ErrorCodes, InvalidError } from '../errors.js';
import { HEADER_REST_SIZE, LENGTH_SIZE, PREAMBLE_MAGIC, PREAMBLE_SIZE, PROTOCOL_VERSION } from './rpc-format.js';

export type FrameHandler = (buf: Buffer, start: number, end: number) => void;

export class FrameDecoder {
  private preambleSeen: boolean;
  /** Bytes of an incomplete length field or preamble, carried to the next chunk. */
  private head: Buffer | null = null;
  /** A frame being assembled across chunks (length field included) and how much of it is filled. */
  private frame: Buffer | null = null;
  private filled = 0;
  private suspended = false;
  /** Call id and method of an oversized frame, when its header was readable (for the error answer). */
  rejected: { readonly callId: number; readonly method: number } | undefined;

  constructor(
    private readonly maxFrameBytes: number,
    private readonly onFrame: FrameHandler,
    opts: { readonly expectPreamble?: boolean } = {},
  ) {
    this.preambleSeen = opts.expectPreamble === false;
  }

  /** True until the peer's preamble has been read. */
  get awaitingPreamble(): boolean {
    return !this.preambleSeen;
  }

  /**
   * Stops handing on frames (backpressure): the rest of the current chunk and later chunks are
   * kept until resume(). May be called from onFrame.
   */
  suspend(): void {
    this.suspended = true;
  }

  /** Hands on the frames kept while suspended, then continues normally. */
  resume(): void {
    if (!this.suspended) return;
    this.suspended = false;
    const kept = this.head;
    this.head = null;
    if (kept !== null) this.push(kept);
  }

  push(chunk: Buffer): void {
    let off = 0;
    if (this.suspended) {
      this.head = this.head === null ? chunk : Buffer.concat([this.head, chunk]);
      return;
    }
    if (this.frame !== null) {
      const frame = this.frame;
      const n = Math.min(frame.length - this.filled, chunk.length);
      chunk.copy(frame, this.filled, 0, n);
      this.filled += n;
      off = n;
      if (this.filled < frame.length) return;
      this.frame = null;
      this.onFrame(frame, LENGTH_SIZE, frame.length);
      if (this.suspended) {
        if (off < chunk.length) this.head = chunk.subarray(off);
        return;
      }
    }
    if (this.head !== null) {
      chunk = Buffer.concat([this.head, chunk.subarray(off)]);
      this.head = null;
      off = 0;
    }
    if (!this.preambleSeen) {
      if (chunk.length - off < PREAMBLE_SIZE) {
        this.head = Buffer.from(chunk.subarray(off));
        return;
      }
      checkPreamble(chunk, off);
      this.preambleSeen = true;
      off += PREAMBLE_SIZE;
    }
    const len = chunk.length;
    while (len - off >= LENGTH_SIZE) {
      const length = chunk.readUInt32BE(off);
      if (length < HEADER_REST_SIZE || length + LENGTH_SIZE > this.maxFrameBytes) {
        if (length >= HEADER_REST_SIZE && len - off >= LENGTH_SIZE + HEADER_REST_SIZE) {
          this.rejected = { callId: chunk.readUInt32BE(off + LENGTH_SIZE), method: chunk[off + LENGTH_SIZE + 4]! };
        }
        throw badLength(length, this.maxFrameBytes);
      }
      const end = off + LENGTH_SIZE + length;
      if (end > len) {
        // The frame continues in later chunks: assemble it.
        const frame = Buffer.allocUnsafe(LENGTH_SIZE + length);
        chunk.copy(frame, 0, off, len);
        this.frame = frame;
        this.filled = len - off;
        return;
      }
      this.onFrame(chunk, off + LENGTH_SIZE, end);
      off = end;
      if (this.suspended) {
        if (off < len) this.head = chunk.subarray(off);
        return;
      }
    }
    if (off < len) this.head = Buffer.from(chunk.subarray(off));
  }
}

function checkPreamble(b: Buffer, off: number): void {
  const magic = b.readUInt32BE(off);
  if (magic !== PREAMBLE_MAGIC) {
    throw new InvalidError('connection preamble is not tsbase rpc; connect a tsbase rpc client to a region server rpc port', {
      code: ErrorCodes.PROTOCOL,
      details: { magic: b.toString('hex', off, off + 4) },
    });
  }
  const version = b.readUInt16BE(off + 4);
  if (version !== PROTOCOL_VERSION) {
    throw new InvalidError('unsupported rpc protocol version; use a client and server of compatible releases', {
      code: ErrorCodes.PROTOCOL,
      details: { version, supported: PROTOCOL_VERSION },
    });
  }
  const reserved = b.readUInt16BE(off + 6);
  if (reserved !== 0) {
    throw new InvalidError('connection preamble has reserved bits set', { code: ErrorCodes.PROTOCOL, details: { reserved } });
  }
}

function badLength(length: number, max: number): InvalidError {
  if (length < HEADER_REST_SIZE) {
    return new InvalidError('rpc frame is shorter than its header', { code: ErrorCodes.PROTOCOL, details: { length, min: HEADER_REST_SIZE } });
  }
  return new InvalidError('rpc frame is larger than the limit; send smaller batches or raise the limit (hbase.ipc.max.request.size)', {
    code: ErrorCodes.PROTOCOL,
    details: { frameBytes: length + LENGTH_SIZE, max },
  });
}

/** Reads the header fields of a frame handed to a FrameHandler. */
export function frameCallId(buf: Buffer, start: number): number {
  return buf.readUInt32BE(start);
}
export function frameMethod(buf: Buffer, start: number): number {
  return buf[start + 4]!;
}
export function frameFlags(buf: Buffer, start: number): number {
  return buf[start + 5]!;
}
/** First body byte of a frame handed to a FrameHandler. */
export function frameBodyStart(start: number): number {
  return start + HEADER_REST_SIZE;
}
