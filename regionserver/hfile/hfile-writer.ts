// HFileWriter: turns cells given in sorted order into the bytes of an HFile
// (docs/formats/hfile.md). File layout, in order:
//
//   data blocks, with leaf index blocks written inline as they fill    (data section)
//   intermediate index blocks, level by level (only for >= 3 index levels)
//   bloom chunk blocks
//   root index block | FileInfo block | bloom meta block                (load-on-open section)
//   trailer (TRAILER_SIZE bytes)
//
// The writer streams: completed blocks are handed out by takeOutput() as they close, so a
// caller can upload a large file with bounded memory. Bloom chunks are kept until finish()
// (about bitsPerKey/8 bytes per distinct bloom key: 1.2 bytes at 1%) so that they sit next to
// the load-on-open section and a reader can fetch them with the same ranged GET.
//
//   const w = new HFileWriter({ compression: 'SNAPPY', bloomType: 'ROW' });
//   async function* bytes() { for (const c of cells) { w.append(c); yield* w.takeOutput(); } yield* w.finish(); }
//   await store.upload(key, bytes());
//
// Thread safety: none; one writer per file, used by one caller.

import { InvalidError, ErrorCodes } from '../../common/errors.js';
import { compareKeys, compareRanges, formatKey, keyLength, keyStructureError, writeKey } from '../../common/cells/encoded-key.js';
import type { Cell } from '../../common/cells/keyvalue.js';
import { validateCell } from '../../common/cells/keyvalue.js';
import { KEY_TRAILER_SIZE } from '../../common/cells/keyvalue-format.js';
import { encodeBlock } from './block.js';
import { BloomWriter, encodeBloomMeta } from './bloom.js';
import type { CompressionName } from './compression.js';
import { codecByName } from './compression.js';
import { encodeFileInfo, wellKnownFileInfo } from './file-info.js';
import type { BloomType, Codec } from './hfile-format.js';
import { BloomType as Bloom, DataBlockEncoding, MAX_INDEX_LEVELS } from './hfile-format.js';
import { DataBlockBuilder } from './data-block-builder.js';
import { IndexBlockBuilder } from './index-block.js';
import { encodeTrailer } from './trailer.js';

export type EncodingName = 'NONE' | 'PREFIX';
export type BloomTypeName = 'NONE' | 'ROW' | 'ROWCOL';

export interface HFileWriterOptions {
  /** For error messages. */
  readonly name?: string;
  /** Target uncompressed data block size in bytes (default 64 KiB). A block holds >= 1 cell. */
  readonly blockSize?: number;
  /** Data block encoding (default NONE). */
  readonly encoding?: EncodingName;
  /** Block compression (default NONE). */
  readonly compression?: CompressionName;
  /** Bloom filter (default ROW, like HBase). */
  readonly bloomType?: BloomTypeName;
  /** Bloom false-positive rate, in (0, 1) (default 0.01). */
  readonly bloomErrorRate?: number;
  /** Bytes of one bloom chunk (default 128 KiB). */
  readonly bloomChunkSize?: number;
  /** Target index block size in bytes (default 128 KiB); >= 2 entries per index block. */
  readonly indexBlockSize?: number;
  /**
   * Cells between restart points in a data block (default 4 for NONE, 8 for PREFIX: a seek
   * binary-searches the restarts, then decodes up to this many cells; PREFIX stores whole keys
   * at restarts, so fewer restarts compress better).
   */
  readonly restartInterval?: number;
  /** MAX_SEQ_ID recorded in FileInfo (default 0). */
  readonly maxSeqId?: bigint;
  /** Extra FileInfo entries (printable ASCII keys, not the well-known ones). */
  readonly fileInfo?: ReadonlyMap<string, Buffer>;
}

export const DEFAULT_BLOCK_SIZE = 64 * 1024;
export const DEFAULT_INDEX_BLOCK_SIZE = 128 * 1024;
export const DEFAULT_BLOOM_CHUNK_SIZE = 128 * 1024;
export const DEFAULT_BLOOM_ERROR_RATE = 0.01;
export const DEFAULT_RESTART_INTERVAL_NONE = 4;
export const DEFAULT_RESTART_INTERVAL_PREFIX = 8;

interface LeafRef {
  readonly key: Buffer;
  readonly offset: number;
  readonly size: number;
  readonly count: number;
}

function positiveInt(name: string, v: number | undefined, dflt: number): number {
  const x = v ?? dflt;
  if (!Number.isSafeInteger(x) || x < 1) throw new InvalidError(`${name} must be a positive integer`, { code: ErrorCodes.INVALID_CONFIG, details: { [name]: x } });
  return x;
}

export function bloomTypeByName(name: BloomTypeName | string): BloomType {
  switch (name.toUpperCase()) {
    case 'NONE':
      return Bloom.None;
    case 'ROW':
      return Bloom.Row;
    case 'ROWCOL':
      return Bloom.RowCol;
    default:
      throw new InvalidError('unknown bloom filter type', { code: ErrorCodes.INVALID_CONFIG, details: { bloomType: name } });
  }
}

export function encodingByName(name: EncodingName | string): DataBlockEncoding {
  switch (name.toUpperCase()) {
    case 'NONE':
      return DataBlockEncoding.None;
    case 'PREFIX':
      return DataBlockEncoding.Prefix;
    default:
      throw new InvalidError('unknown data block encoding', { code: ErrorCodes.INVALID_CONFIG, details: { encoding: name } });
  }
}

export class HFileWriter {
  private readonly name: string;
  private readonly blockSize: number;
  private readonly indexBlockSize: number;
  private readonly encoding: DataBlockEncoding;
  private readonly codec: Codec;
  private readonly bloomType: BloomType;
  private readonly bloom: BloomWriter | undefined;
  private readonly maxSeqId: bigint;
  private readonly extraInfo: ReadonlyMap<string, Buffer>;
  private readonly block: DataBlockBuilder;
  private readonly leaf = new IndexBlockBuilder();
  private readonly leaves: LeafRef[] = [];
  private leafBlocks = 0; // data blocks indexed by the open leaf chunk
  private out: Buffer[] = [];
  private offset = 0;
  private blockFirstKey: Buffer | undefined;
  private lastKey: Buffer = Buffer.allocUnsafe(256);
  private lastKeyLen = 0;
  private scratch: Buffer = Buffer.allocUnsafe(256);
  private entries = 0;
  private totalKeyBytes = 0;
  private totalValueBytes = 0;
  private readonly minTs = Buffer.from('7fffffffffffffff', 'hex');
  private readonly maxTs = Buffer.alloc(8);
  private dataBlocks = 0;
  private uncompressedDataBytes = 0;
  private finished = false;

  /** Throws InvalidError(TSB_INVALID_CONFIG) for bad options. */
  constructor(opts: HFileWriterOptions = {}) {
    this.name = opts.name ?? 'hfile';
    this.blockSize = positiveInt('blockSize', opts.blockSize, DEFAULT_BLOCK_SIZE);
    this.indexBlockSize = positiveInt('indexBlockSize', opts.indexBlockSize, DEFAULT_INDEX_BLOCK_SIZE);
    const bloomChunkSize = positiveInt('bloomChunkSize', opts.bloomChunkSize, DEFAULT_BLOOM_CHUNK_SIZE);
    this.encoding = encodingByName(opts.encoding ?? 'NONE');
    const restartInterval = positiveInt(
      'restartInterval',
      opts.restartInterval,
      this.encoding === DataBlockEncoding.None ? DEFAULT_RESTART_INTERVAL_NONE : DEFAULT_RESTART_INTERVAL_PREFIX,
    );
    this.codec = codecByName(opts.compression ?? 'NONE');
    this.bloomType = bloomTypeByName(opts.bloomType ?? 'ROW');
    const errorRate = opts.bloomErrorRate ?? DEFAULT_BLOOM_ERROR_RATE;
    if (!(errorRate > 0 && errorRate < 1)) throw new InvalidError('bloomErrorRate must be in (0, 1)', { code: ErrorCodes.INVALID_CONFIG, details: { errorRate } });
    this.bloom = this.bloomType === Bloom.None ? undefined : new BloomWriter(this.bloomType, errorRate, bloomChunkSize);
    this.maxSeqId = opts.maxSeqId ?? 0n;
    if (this.maxSeqId < 0n || this.maxSeqId >= 1n << 64n) throw new InvalidError('maxSeqId must be an unsigned 64-bit integer', { code: ErrorCodes.INVALID_CONFIG });
    this.extraInfo = opts.fileInfo ?? new Map();
    const reserved = wellKnownFileInfo({ avgKeyLen: 0, avgValueLen: 0, lastKey: undefined, maxSeqId: 0n, timeRange: { min: 0n, max: 0n }, entries: 0n, bloomType: 0, dataBlockEncoding: 0 });
    for (const k of this.extraInfo.keys()) {
      if (reserved.has(k) || k === 'LAST_KEY') throw new InvalidError('fileInfo may not set a well-known key', { code: ErrorCodes.INVALID_CONFIG, details: { key: k } });
    }
    this.block = new DataBlockBuilder(this.encoding, restartInterval, Math.min(this.blockSize + this.blockSize / 4, 4 << 20));
  }

  /** Cells appended so far. */
  get entryCount(): number {
    return this.entries;
  }

  /** Bytes of the file produced so far (handed out or pending). */
  get bytesWritten(): number {
    return this.offset;
  }

  /**
   * Appends a cell. REQUIRES: its key is strictly greater than the previous cell's.
   * Throws InvalidError if the cell is invalid, out of order, or the writer is finished.
   */
  append(cell: Cell): void {
    validateCell(cell);
    const len = keyLength(cell.row.length, cell.family.length, cell.qualifier.length);
    if (this.scratch.length < len) this.scratch = Buffer.allocUnsafe(Math.max(len, this.scratch.length * 2));
    writeKey(this.scratch, 0, cell.row, cell.family, cell.qualifier, cell.timestamp, cell.type);
    this.appendEncoded(this.scratch, 0, len, cell.value, 0, cell.value.length);
  }

  /**
   * Appends the cell with key key[keyOff, keyOff+keyLen) and value value[valueOff, +valueLen)
   * (e.g. views into a MemStore or another file's block; both are copied).
   * REQUIRES: the key is strictly greater than the previous one. Throws InvalidError otherwise,
   * for a malformed key, or if the writer is finished.
   */
  appendEncoded(key: Buffer, keyOff: number, keyLen: number, value: Buffer, valueOff: number, valueLen: number): void {
    if (this.finished) throw new InvalidError('hfile writer is already finished', { details: { file: this.name } });
    const bad = keyStructureError(key, keyOff, keyLen, true);
    if (bad !== undefined) throw new InvalidError(`cannot append a malformed key: ${bad}`, { details: { file: this.name } });
    if (valueOff < 0 || valueLen < 0 || valueOff + valueLen > value.length) throw new InvalidError('value range out of bounds', { details: { file: this.name } });
    if (this.entries > 0 && compareKeys(this.lastKey, 0, this.lastKeyLen, key, keyOff, keyLen) >= 0) {
      throw new InvalidError('cells must be appended in strictly increasing key order', {
        details: { file: this.name, previous: formatKey(this.lastKey, 0, this.lastKeyLen), key: formatKey(key, keyOff, keyLen) },
      });
    }
    if (this.block.count === 0) this.blockFirstKey = Buffer.from(key.subarray(keyOff, keyOff + keyLen));
    this.block.add(key, keyOff, keyLen, value, valueOff, valueLen);
    this.bloom?.add(key, keyOff, keyLen);
    this.entries++;
    this.totalKeyBytes += keyLen;
    this.totalValueBytes += valueLen;
    const ts = keyOff + keyLen - KEY_TRAILER_SIZE;
    if (compareRanges(key, ts, ts + 8, this.minTs, 0, 8) < 0) key.copy(this.minTs, 0, ts, ts + 8);
    if (compareRanges(key, ts, ts + 8, this.maxTs, 0, 8) > 0) key.copy(this.maxTs, 0, ts, ts + 8);
    if (this.lastKey.length < keyLen) this.lastKey = Buffer.allocUnsafe(Math.max(keyLen, this.lastKey.length * 2));
    key.copy(this.lastKey, 0, keyOff, keyOff + keyLen);
    this.lastKeyLen = keyLen;
    if (this.block.size >= this.blockSize) this.closeDataBlock();
  }

  /** The file bytes completed since the last call, in order. */
  takeOutput(): Buffer[] {
    const o = this.out;
    this.out = [];
    return o;
  }

  /**
   * Writes the last data block, the index, bloom, FileInfo and trailer, and returns the rest of
   * the file's bytes (everything not yet taken with takeOutput). The writer is then finished.
   */
  finish(): Buffer[] {
    if (this.finished) throw new InvalidError('hfile writer is already finished', { details: { file: this.name } });
    if (this.block.count > 0) this.closeDataBlock();

    // Index: single level if no leaf block was written; otherwise leaves + intermediate levels.
    let levels = 1;
    let rootEntries: LeafRef[];
    let midLeafOffset = 0;
    let midLeafSize = 0;
    let midKeyIndex = this.dataBlocks > 0 ? (this.dataBlocks - 1) >>> 1 : 0;
    let rootPayload: Buffer;
    if (this.leaves.length === 0) {
      rootPayload = this.leaf.finish();
      rootEntries = [];
    } else {
      if (this.leaf.count > 0) this.writeLeaf();
      levels = 2;
      let seen = 0;
      for (const l of this.leaves) {
        if (midKeyIndex < seen + l.count) {
          midLeafOffset = l.offset;
          midLeafSize = l.size;
          midKeyIndex -= seen;
          break;
        }
        seen += l.count;
      }
      rootEntries = this.leaves;
      rootPayload = Buffer.alloc(0);
    }
    const dataSectionEnd = this.offset;
    if (levels > 1) {
      while (rootEntries.length > 1 && levels < MAX_INDEX_LEVELS && this.levelSize(rootEntries) > this.indexBlockSize) {
        const parents = this.writeIntermediateLevel(rootEntries);
        if (parents === undefined) break;
        rootEntries = parents;
        levels++;
      }
      const root = new IndexBlockBuilder();
      for (const e of rootEntries) root.add(e.key, 0, e.key.length, e.offset, e.size);
      rootPayload = root.finish();
    }

    // Bloom chunks, then the load-on-open section and the trailer.
    const bloomChunksOffset = this.offset;
    const chunkLocations: { offset: number; size: number }[] = [];
    if (this.bloom !== undefined) {
      this.bloom.finish();
      for (const c of this.bloom.chunks) {
        const b = encodeBlock('BloomChunk', c.bits, 0);
        chunkLocations.push({ offset: this.emit(b), size: b.length });
      }
    }
    const loadOnOpenOffset = this.emit(encodeBlock('RootIndex', rootPayload, this.codec));
    const info = wellKnownFileInfo({
      avgKeyLen: this.entries === 0 ? 0 : Math.floor(this.totalKeyBytes / this.entries),
      avgValueLen: this.entries === 0 ? 0 : Math.floor(this.totalValueBytes / this.entries),
      lastKey: this.entries === 0 ? undefined : Buffer.from(this.lastKey.subarray(0, this.lastKeyLen)),
      maxSeqId: this.maxSeqId,
      timeRange: { min: this.minTs.readBigUInt64BE(0), max: this.maxTs.readBigUInt64BE(0) },
      entries: BigInt(this.entries),
      bloomType: this.bloomType,
      dataBlockEncoding: this.encoding,
    });
    for (const [k, v] of this.extraInfo) info.set(k, v);
    const fileInfoOffset = this.emit(encodeBlock('FileInfo', encodeFileInfo(info), this.codec));
    let bloomMetaOffset = 0;
    if (this.bloom !== undefined) bloomMetaOffset = this.emit(encodeBlock('BloomMeta', encodeBloomMeta(this.bloom, chunkLocations), this.codec));
    this.emit(
      encodeTrailer({
        indexLevels: levels,
        loadOnOpenOffset,
        fileInfoOffset,
        bloomMetaOffset,
        bloomChunksOffset,
        dataSectionEnd,
        entryCount: this.entries,
        dataBlockCount: this.dataBlocks,
        uncompressedDataBytes: this.uncompressedDataBytes,
        midLeafOffset,
        midLeafSize,
        midKeyIndex,
        compression: this.codec,
        encoding: this.encoding,
        bloomType: this.bloomType,
      }),
    );
    this.finished = true;
    return this.takeOutput();
  }

  private emit(b: Buffer): number {
    const at = this.offset;
    this.out.push(b);
    this.offset += b.length;
    return at;
  }

  private closeDataBlock(): void {
    const payload = this.block.finish();
    const bytes = encodeBlock('Data', payload, this.codec, this.encoding);
    const at = this.emit(bytes);
    this.dataBlocks++;
    this.uncompressedDataBytes += payload.length;
    const k = this.blockFirstKey!;
    this.leaf.add(k, 0, k.length, at, bytes.length);
    this.leafBlocks++;
    if (this.leaf.size >= this.indexBlockSize && this.leaf.count >= 2) this.writeLeaf();
  }

  private writeLeaf(): void {
    const key = this.leaf.firstKey;
    const count = this.leafBlocks;
    const bytes = encodeBlock('LeafIndex', this.leaf.finish(), this.codec);
    this.leaves.push({ key, offset: this.emit(bytes), size: bytes.length, count });
    this.leafBlocks = 0;
  }

  private levelSize(entries: readonly LeafRef[]): number {
    let s = 8;
    for (const e of entries) s += IndexBlockBuilder.entrySize(e.key.length);
    return s;
  }

  /**
   * Writes one intermediate level over `entries` and returns the entries of the level above,
   * or undefined (writing nothing) if the level would be a single block: then `entries`
   * themselves make the root.
   */
  private writeIntermediateLevel(entries: readonly LeafRef[]): LeafRef[] | undefined {
    // Plan the blocks first: the same rule as leaf blocks (close at indexBlockSize, >= 2 entries).
    const ends: number[] = [];
    let size = 8;
    let count = 0;
    entries.forEach((e, i) => {
      size += IndexBlockBuilder.entrySize(e.key.length);
      count++;
      if (size >= this.indexBlockSize && count >= 2) {
        ends.push(i + 1);
        size = 8;
        count = 0;
      }
    });
    if (count > 0) ends.push(entries.length);
    if (ends.length < 2) return undefined;
    const parents: LeafRef[] = [];
    const b = new IndexBlockBuilder();
    let start = 0;
    for (const end of ends) {
      for (let i = start; i < end; i++) {
        const e = entries[i]!;
        b.add(e.key, 0, e.key.length, e.offset, e.size);
      }
      const key = b.firstKey;
      const n = b.count;
      const bytes = encodeBlock('IntermediateIndex', b.finish(), this.codec);
      parents.push({ key, offset: this.emit(bytes), size: bytes.length, count: n });
      start = end;
    }
    return parents;
  }
}

/** Writes `cells` (sorted) into one buffer: for tests and small files. */
export function writeHFile(cells: Iterable<Cell>, opts: HFileWriterOptions = {}): Buffer {
  const w = new HFileWriter(opts);
  const parts: Buffer[] = [];
  for (const c of cells) {
    w.append(c);
    for (const b of w.takeOutput()) parts.push(b);
  }
  for (const b of w.finish()) parts.push(b);
  return Buffer.concat(parts);
}
