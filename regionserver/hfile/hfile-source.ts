// Where an HFileReader gets its bytes: ranged reads of one immutable file.
//
// objectStoreSource reads through an ObjectStore with ranged GETs (the tail with a suffix
// range, so opening needs no HEAD); bufferSource serves an in-memory file (tests, tools) and
// counts reads.

import { CorruptionError, ErrorCodes, errorCode } from '../../common/errors.js';
import type { ObjectStore } from '../../common/objectstore/object-store.js';

export interface HFileSource {
  /** The file's name, for error messages. */
  readonly name: string;
  /**
   * The last `length` bytes of the file (the whole file if it is shorter) and the file's size.
   * Throws CorruptionError for an empty file.
   */
  readTail(length: number): Promise<{ bytes: Buffer; fileSize: number }>;
  /**
   * Bytes [offset, offset + length). Returns fewer bytes only if the file ends first (the
   * reader treats that as corruption). May be called concurrently.
   */
  read(offset: number, length: number): Promise<Buffer>;
}

/** An HFile stored as one object. Each read is one ranged GET. */
export function objectStoreSource(store: ObjectStore, key: string): HFileSource {
  return {
    name: key,
    async readTail(length: number) {
      try {
        const r = await store.get(key, { suffix: length });
        return { bytes: r.body, fileSize: r.size };
      } catch (err) {
        if (errorCode(err) === ErrorCodes.INVALID_RANGE) throw new CorruptionError('hfile is empty', { cause: err, details: { file: key } });
        throw err;
      }
    },
    async read(offset: number, length: number) {
      try {
        return (await store.get(key, { offset, length })).body;
      } catch (err) {
        if (errorCode(err) === ErrorCodes.INVALID_RANGE) throw new CorruptionError('hfile block lies past the end of the file', { cause: err, details: { file: key, offset, length } });
        throw err;
      }
    },
  };
}

/** An in-memory file; `reads` counts the ranged reads served (tail reads included). */
export class BufferSource implements HFileSource {
  reads = 0;
  bytesRead = 0;

  constructor(
    private readonly data: Buffer,
    readonly name = 'memory-hfile',
  ) {}

  async readTail(length: number): Promise<{ bytes: Buffer; fileSize: number }> {
    this.reads++;
    if (this.data.length === 0) throw new CorruptionError('hfile is empty', { details: { file: this.name } });
    const bytes = this.data.subarray(Math.max(0, this.data.length - length));
    this.bytesRead += bytes.length;
    return { bytes, fileSize: this.data.length };
  }

  async read(offset: number, length: number): Promise<Buffer> {
    this.reads++;
    const bytes = this.data.subarray(offset, offset + length);
    this.bytesRead += bytes.length;
    return bytes;
  }
}
