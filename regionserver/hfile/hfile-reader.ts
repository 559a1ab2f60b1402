// HFileReader: opens an HFile (docs/formats/hfile.md) through ranged reads and serves its
// blocks, bloom filter, FileInfo and mid key. Scanners (hfile-scanner.ts) walk the cells.
//
// Opening reads the file's tail with ONE ranged read of `openReadBytes` (default 256 KiB):
// trailer, root index, FileInfo, bloom meta and — when they fit — the bloom chunks, which sit
// right before the load-on-open section. Only if the section is longer than the tail read does
// a second read fetch the rest. Data and non-root index blocks come later, one ranged read per
// block, through the block cache; a point get on a 2-level index costs at most 2 reads cold
// (leaf index block, data block), 1 with the index cached, 0 with both cached.
//
// Every block read from storage is checked (magic, sizes, CRC32C, decompression) and its
// payload validated completely before it is used or cached; scanners then decode cached
// payloads without bounds checks. Any damage is a CorruptionError naming the file and offset.
//
// Thread safety: a reader is shared by any number of scanners and callers, across awaits. Its
// state is immutable after open except lazily loaded bloom chunks and in-flight reads, which
// are idempotent.

import { CorruptionError, InternalError } from '../../common/errors.js';
import { compareKeyColumns, compareKeyRowTo, keyRowLength } from '../../common/cells/encoded-key.js';
import type { Cell } from '../../common/cells/keyvalue.js';
import { KEY_TRAILER_SIZE } from '../../common/cells/keyvalue-format.js';
import type { BlockCacheLike } from './block-cache-like.js';
import { CachePriority } from './block-cache-like.js';
import { blockSizeAt, decodeBlock } from './block.js';
import type { BloomKeyHashes } from './bloom.js';
import { BloomFilter } from './bloom.js';
import { validateDataBlock } from './data-block-reader.js';
import type { FileInfo } from './file-info.js';
import { decodeFileInfo } from './file-info.js';
import type { BlockType } from './hfile-format.js';
import { BloomType, blockKey, TRAILER_SIZE } from './hfile-format.js';
import type { HFileSource } from './hfile-source.js';
import type { ChildBounds } from './index-block.js';
import { indexCount, indexKey, validateIndexBlock } from './index-block.js';
import { HFileScanner } from './hfile-scanner.js';
import type { Trailer } from './trailer.js';
import { decodeTrailer } from './trailer.js';

export interface HFileReaderOptions {
  /** Block cache key of this file (default: the source's name). Must be unique per file. */
  readonly fileId?: string;
  /** Where data and index blocks are cached (default: none). */
  readonly cache?: BlockCacheLike;
  /** Cache with in-memory priority (IN_MEMORY families). */
  readonly inMemory?: boolean;
  /** Bytes of the first, tail read (default 256 KiB, at least the trailer). */
  readonly openReadBytes?: number;
  /** Load all bloom chunks at open if they take at most this many bytes (default 16 MiB). */
  readonly bloomPreloadMaxBytes?: number;
  /** Put data blocks read by scanners into the cache (default true; compactions say false). */
  readonly cacheDataOnRead?: boolean;
}

export const DEFAULT_OPEN_READ_BYTES = 256 * 1024;
export const DEFAULT_BLOOM_PRELOAD_MAX_BYTES = 16 * 1024 * 1024;

/** Result of a synchronous bloom probe: maybe present. */
export const BLOOM_MAYBE = 1;
/** Result of a synchronous bloom probe: definitely absent. */
export const BLOOM_ABSENT = 0;
// A negative result -1 - c means "load bloom chunk c first" (loadBloomChunk(c)).

export class HFileReader {
  readonly name: string;
  readonly fileId: string;
  readonly fileSize: number;
  readonly trailer: Trailer;
  readonly fileInfo: FileInfo;
  /** Root index payload (validated). */
  readonly root: Buffer;
  /** The bloom filter, if the file has one. */
  readonly bloom: BloomFilter | undefined;
  /** Key of the first cell, undefined in an empty file. */
  readonly firstKey: Buffer | undefined;
  readonly cache: BlockCacheLike | undefined;
  private readonly priority: CachePriority;
  private readonly cacheData: boolean;
  private readonly source: HFileSource;
  private readonly inflight = new Map<number, Promise<Buffer>>();
  private readonly inflightBloom = new Map<number, Promise<void>>();

  private constructor(source: HFileSource, opts: HFileReaderOptions, fileSize: number, trailer: Trailer, root: Buffer, fileInfo: FileInfo, bloom: BloomFilter | undefined) {
    this.source = source;
    this.name = source.name;
    this.fileId = opts.fileId ?? source.name;
    this.fileSize = fileSize;
    this.trailer = trailer;
    this.root = root;
    this.fileInfo = fileInfo;
    this.bloom = bloom;
    this.cache = opts.cache;
    this.priority = opts.inMemory === true ? CachePriority.Memory : CachePriority.Single;
    this.cacheData = opts.cacheDataOnRead ?? true;
    this.firstKey = indexCount(root) > 0 ? indexKey(root, 0) : undefined;
  }

  /**
   * Opens the file: one ranged read of its tail, a second only if the load-on-open section
   * (plus bloom chunks, when preloaded) is longer. Throws CorruptionError if the file is not
   * a well-formed HFile; source errors (UnavailableError, NotFoundError) pass through.
   */
  static async open(source: HFileSource, opts: HFileReaderOptions = {}): Promise<HFileReader> {
    const file = source.name;
    const tailLen = Math.max(TRAILER_SIZE, opts.openReadBytes ?? DEFAULT_OPEN_READ_BYTES);
    const { bytes: tail, fileSize } = await source.readTail(tailLen);
    if (fileSize < TRAILER_SIZE || tail.length < TRAILER_SIZE || tail.length > fileSize) {
      throw new CorruptionError('hfile is too short', { details: { file, fileSize } });
    }
    const tailStart = fileSize - tail.length;
    const t = decodeTrailer(tail, tail.length - TRAILER_SIZE, fileSize, file);
    const sectionEnd = fileSize - TRAILER_SIZE;
    const preloadBloom = t.bloomType !== BloomType.None && t.loadOnOpenOffset - t.bloomChunksOffset <= (opts.bloomPreloadMaxBytes ?? DEFAULT_BLOOM_PRELOAD_MAX_BYTES);
    const want = preloadBloom ? t.bloomChunksOffset : t.loadOnOpenOffset;
    let buf = tail;
    let bufStart = tailStart;
    if (want < tailStart) {
      const more = await source.read(want, tailStart - want);
      if (more.length !== tailStart - want) throw new CorruptionError('hfile is truncated', { details: { file, offset: want } });
      buf = Buffer.concat([more, tail]);
      bufStart = want;
    }
    // Load-on-open section: root index | FileInfo | bloom meta, back to back up to the trailer.
    const block = (offset: number, end: number, type: BlockType): Buffer => {
      const ctx = { file, offset };
      const size = blockSizeAt(buf, offset - bufStart, type, ctx);
      if (offset + size !== end) throw new CorruptionError('hfile load-on-open blocks do not line up', { details: { file, offset, type, size, expectedEnd: end } });
      return decodeBlock(buf, offset - bufStart, size, type, ctx).payload;
    };
    const hasBloom = t.bloomType !== BloomType.None;
    const root = block(t.loadOnOpenOffset, t.fileInfoOffset, 'RootIndex');
    const infoPayload = block(t.fileInfoOffset, hasBloom ? t.bloomMetaOffset : sectionEnd, 'FileInfo');
    const ctxRoot = { file, offset: t.loadOnOpenOffset };
    validateIndexBlock(root, childBounds(t, 0), ctxRoot, t.entryCount === 0);
    if ((indexCount(root) === 0) !== (t.entryCount === 0) || (t.indexLevels === 1 && indexCount(root) !== t.dataBlockCount)) {
      throw new CorruptionError('hfile root index does not match the trailer', { details: { file, offset: t.loadOnOpenOffset, entries: t.entryCount, rootEntries: indexCount(root) } });
    }
    if (t.indexLevels === 1 && t.entryCount > 0 && t.midKeyIndex >= indexCount(root)) throw new CorruptionError('hfile mid key index is out of range', { details: { file } });
    const info = decodeFileInfo(infoPayload, { file, offset: t.fileInfoOffset });
    if (info.entries !== BigInt(t.entryCount) || info.bloomType !== t.bloomType || info.dataBlockEncoding !== t.encoding || (info.lastKey === undefined) !== (t.entryCount === 0)) {
      throw new CorruptionError('hfile file info does not match the trailer', { details: { file, offset: t.fileInfoOffset } });
    }
    let bloom: BloomFilter | undefined;
    if (hasBloom) {
      const meta = block(t.bloomMetaOffset, sectionEnd, 'BloomMeta');
      bloom = BloomFilter.parse(meta, { start: t.bloomChunksOffset, end: t.loadOnOpenOffset }, { file, offset: t.bloomMetaOffset });
      if (bloom.type !== t.bloomType) throw new CorruptionError('hfile bloom type does not match the trailer', { details: { file } });
      if (preloadBloom) {
        for (let i = 0; i < bloom.chunkCount; i++) {
          const off = bloom.chunkOffset(i);
          bloom.chunks[i] = decodeBlock(buf, off - bufStart, bloom.chunkSize(i), 'BloomChunk', { file, offset: off }).payload;
        }
      }
    }
    return new HFileReader(source, opts, fileSize, t, root, info, bloom);
  }

  /** Cells in the file. */
  get entryCount(): number {
    return this.trailer.entryCount;
  }

  /** Key of the last cell, undefined in an empty file. */
  get lastKey(): Buffer | undefined {
    return this.fileInfo.lastKey;
  }

  /** Number of index levels (1: the root points at data blocks). */
  get indexLevels(): number {
    return this.trailer.indexLevels;
  }

  /**
   * A scanner that point gets reuse (regionserver/scan/single-source-get.ts): a get takes it
   * (sets undefined) while it reads and puts it back when done.
   */
  idleGetScanner: HFileScanner | undefined = undefined;

  /** A new scanner over this file. Scanners are cheap; one per concurrent reader. */
  scanner(): HFileScanner {
    return new HFileScanner(this);
  }

  /**
   * The cached payload of the block at `offset`, or undefined. No I/O.
   */
  cachedBlock(offset: number, depth: number): Buffer | undefined {
    return this.cache?.get(this.fileId, blockKey(offset, depth));
  }

  /**
   * The payload of the block at `offset` (`size` bytes on disk) at index depth `depth`
   * (1..indexLevels-1: index blocks below the root; indexLevels: data blocks): from the
   * cache, else the cache's slower tier, else one ranged read (checked, validated, cached).
   * Concurrent loads of one block share one read. Throws CorruptionError on damage.
   */
  loadBlock(offset: number, size: number, depth: number): Promise<Buffer> {
    const key = blockKey(offset, depth);
    const cached = this.cache?.get(this.fileId, key);
    if (cached !== undefined) return Promise.resolve(cached);
    let p = this.inflight.get(key);
    if (p === undefined) {
      p = this.fetchBlock(offset, size, depth).finally(() => this.inflight.delete(key));
      this.inflight.set(key, p);
    }
    return p;
  }

  private async fetchBlock(offset: number, size: number, depth: number): Promise<Buffer> {
    const isData = depth === this.trailer.indexLevels;
    if (depth < 1 || depth > this.trailer.indexLevels) throw new InternalError('hfile block depth out of range', { details: { file: this.name, depth } });
    const ctx = { file: this.name, offset };
    const tier = this.cache?.load === undefined ? undefined : await this.cache.load(this.fileId, blockKey(offset, depth));
    if (tier !== undefined) {
      this.validatePayload(tier, depth, ctx);
      return tier;
    }
    const raw = await this.source.read(offset, size);
    if (raw.length !== size) throw new CorruptionError('hfile block is truncated', { details: { file: this.name, offset, size, got: raw.length } });
    const { payload, header } = decodeBlock(raw, 0, size, blockTypeAt(depth, this.trailer.indexLevels), ctx);
    if (isData && header.encoding !== this.trailer.encoding) throw new CorruptionError('hfile data block encoding differs from the file', { details: { ...ctx, encoding: header.encoding } });
    this.validatePayload(payload, depth, ctx);
    if (this.cache !== undefined && (!isData || this.cacheData)) this.cache.put(this.fileId, blockKey(offset, depth), payload, this.priority);
    return payload;
  }

  private validatePayload(payload: Buffer, depth: number, ctx: { file: string; offset: number }): void {
    if (depth === this.trailer.indexLevels) validateDataBlock(payload, this.trailer.encoding, ctx);
    else validateIndexBlock(payload, childBounds(this.trailer, depth), ctx);
  }

  /** Loads bloom chunk `c` (when not preloaded at open). Throws CorruptionError on damage. */
  loadBloomChunk(c: number): Promise<void> {
    const bloom = this.bloom;
    if (bloom === undefined || c < 0 || c >= bloom.chunkCount) return Promise.reject(new InternalError('no such bloom chunk', { details: { file: this.name, chunk: c } }));
    if (bloom.chunks[c] !== undefined) return Promise.resolve();
    let p = this.inflightBloom.get(c);
    if (p === undefined) {
      const offset = bloom.chunkOffset(c);
      const size = bloom.chunkSize(c);
      p = this.source
        .read(offset, size)
        .then((raw) => {
          if (raw.length !== size) throw new CorruptionError('hfile bloom chunk is truncated', { details: { file: this.name, offset } });
          bloom.chunks[c] = decodeBlock(raw, 0, size, 'BloomChunk', { file: this.name, offset }).payload;
        })
        .finally(() => this.inflightBloom.delete(c));
      this.inflightBloom.set(c, p);
    }
    return p;
  }

  /**
   * Whether the file may hold cells of row[off, off+len): BLOOM_MAYBE, BLOOM_ABSENT, or
   * -1 - c when bloom chunk c must be loaded first (loadBloomChunk). No I/O. Checks the file's
   * key range, then a ROW bloom (a ROWCOL bloom cannot answer for a whole row). `hashed`: the
   * row's bloom hashes, when the caller tests it against several files.
   */
  mayContainRowSync(row: Buffer, off: number, len: number, hashed?: BloomKeyHashes): number {
    if (!this.rowInKeyRange(row, off, len)) return BLOOM_ABSENT;
    const bloom = this.bloom;
    if (bloom === undefined || bloom.type !== BloomType.Row) return BLOOM_MAYBE;
    const c = bloom.chunkForRow(row, off, len);
    if (c < 0) return BLOOM_ABSENT;
    if (bloom.chunks[c] === undefined) return -1 - c;
    const maybe = hashed === undefined ? bloom.test(c, row, off, len) : bloom.testHashed(c, hashed);
    return maybe ? BLOOM_MAYBE : BLOOM_ABSENT;
  }

  /** Whether row[off, off+len) is within the rows of the file's first and last keys (no bloom). */
  rowInKeyRange(row: Buffer, off: number, len: number): boolean {
    const first = this.firstKey;
    if (first === undefined) return false;
    return compareKeyRowTo(first, 0, row, off, len) <= 0 && compareKeyRowTo(this.fileInfo.lastKey!, 0, row, off, len) >= 0;
  }

  /**
   * Whether the file may hold cells of the column (row, family, qualifier) of the encoded key
   * key[off, off+len) (e.g. a firstOnColumnKey): same results as mayContainRowSync. Uses a
   * ROWCOL bloom, or the row of the key with a ROW bloom.
   */
  mayContainColumnSync(key: Buffer, off: number, len: number): number {
    const first = this.firstKey;
    if (first === undefined) return BLOOM_ABSENT;
    const last = this.fileInfo.lastKey!;
    if (compareKeyColumns(first, 0, first.length, key, off, len) > 0 || compareKeyColumns(last, 0, last.length, key, off, len) < 0) return BLOOM_ABSENT;
    const bloom = this.bloom;
    if (bloom === undefined) return BLOOM_MAYBE;
    let c: number;
    let hs: number;
    let hl: number;
    if (bloom.type === BloomType.Row) {
      hs = off + 2;
      hl = keyRowLength(key, off);
      c = bloom.chunkForRow(key, hs, hl);
    } else {
      hs = off;
      hl = len - KEY_TRAILER_SIZE;
      c = bloom.chunkForColumn(key, off, len);
    }
    if (c < 0) return BLOOM_ABSENT;
    if (bloom.chunks[c] === undefined) return -1 - c;
    return bloom.test(c, key, hs, hl) ? BLOOM_MAYBE : BLOOM_ABSENT;
  }

  /** Async form of mayContainRowSync: loads the bloom chunk if needed. */
  async mayContainRow(row: Buffer): Promise<boolean> {
    for (;;) {
      const r = this.mayContainRowSync(row, 0, row.length);
      if (r >= 0) return r === BLOOM_MAYBE;
      await this.loadBloomChunk(-1 - r);
    }
  }

  /** Async form of mayContainColumnSync. */
  async mayContainColumn(key: Buffer): Promise<boolean> {
    for (;;) {
      const r = this.mayContainColumnSync(key, 0, key.length);
      if (r >= 0) return r === BLOOM_MAYBE;
      await this.loadBloomChunk(-1 - r);
    }
  }

  /**
   * The first key of the middle data block (for splits), or undefined in an empty file.
   * Reads at most one leaf index block.
   */
  async midKey(): Promise<Buffer | undefined> {
    const t = this.trailer;
    if (t.entryCount === 0) return undefined;
    const block = t.indexLevels === 1 ? this.root : await this.loadBlock(t.midLeafOffset, t.midLeafSize, t.indexLevels - 1);
    if (t.midKeyIndex >= indexCount(block)) throw new CorruptionError('hfile mid key index is out of range', { details: { file: this.name, midKeyIndex: t.midKeyIndex } });
    return indexKey(block, t.midKeyIndex);
  }

  /** Every cell of `row` in this file (for tools and tests; the read path uses scanners). */
  async getRow(row: Buffer): Promise<Cell[]> {
    const s = this.scanner();
    const out: Cell[] = [];
    if (!(await s.seekRow(row))) return out;
    do {
      if (compareKeyRowTo(s.keyBuf, s.keyOff, row, 0, row.length) !== 0) break;
      out.push(s.cell());
    } while (await s.next());
    return out;
  }
}

/** Type of the blocks at index depth `depth` (root = 0) of a file with `levels` levels. */
export function blockTypeAt(depth: number, levels: number): BlockType {
  if (depth === levels) return 'Data';
  if (depth === levels - 1) return 'LeafIndex';
  return depth === 0 ? 'RootIndex' : 'IntermediateIndex';
}

/** Where the children of an index block at `depth` may lie. */
function childBounds(t: Trailer, depth: number): ChildBounds {
  // Children at depth+1: data and leaf index blocks are in the data section; intermediate
  // index blocks between it and the bloom chunks.
  const childDepth = depth + 1;
  if (childDepth >= t.indexLevels - 1) return { start: 0, end: t.dataSectionEnd };
  return { start: t.dataSectionEnd, end: t.bloomChunksOffset };
}
