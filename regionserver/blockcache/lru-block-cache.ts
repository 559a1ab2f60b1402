// The memory tier of the block cache: a bytes-bounded LRU with three priorities, after HBase's
// LruBlockCache.
//
// Key: (fileId, offset). `fileId` is the stable name of an HFile (the same string the file tier
// persists); `offset` is the block's byte offset in that file. Blocks are kept in a two-level
// map, fileId -> (offset -> entry), so a lookup allocates nothing (V8 caches a string's hash
// in the string, and HFile readers pass the same string object on every call) and all blocks
// of one file can be dropped at once when the file is deleted (`evictFile`).
//
// Priorities (shares of the capacity, as HBase's defaults):
//   - single (25%): blocks cached once and not read since;
//   - multi (50%): blocks read again after they were cached (a hit promotes single -> multi);
//   - memory (25%): blocks of families declared IN_MEMORY.
// A bucket may use more than its share while the others use less. When the cache is over
// capacity, eviction takes the least recently used block of the bucket that is most over its
// share, until the total fits again. The total (block bytes + ENTRY_OVERHEAD_BYTES per block)
// never exceeds the capacity after a put returns.
//
// Why not npm `lru-cache`: it keeps one recency list per instance with one size bound. The
// priorities need three recency lists that share one byte bound (a bucket borrows what the
// others leave unused) and an eviction choice across them; with three lru-cache instances we
// would still keep the total and the choice ourselves, pay a second key lookup to find which
// instance holds a key, and need a composite key (string concatenation per get). The
// intrusive doubly-linked lists below are ~60 lines.
//
// Thread safety: none needed (one event loop); every method is synchronous and runs to
// completion. REQUIRES of callers: a cached block is never mutated by anyone.

import { ErrorCodes, InternalError, InvalidError } from '../../common/errors.js';

/** Priority of a cached block. */
export const BlockPriority = { Single: 0, Multi: 1, Memory: 2 } as const;
export type BlockPriority = (typeof BlockPriority)[keyof typeof BlockPriority];

/** Estimated heap bytes a cached block costs beyond its data (entry, map slot, Buffer object). */
export const ENTRY_OVERHEAD_BYTES = 160;

/** Called for each block evicted to make room (not for evictFile/remove/clear). */
export type EvictionListener = (fileId: string, offset: number, block: Buffer, priority: BlockPriority) => void;

export interface LruBlockCacheOptions {
  /** Upper bound of the bytes accounted (data + ENTRY_OVERHEAD_BYTES per block). */
  readonly capacityBytes: number;
  /** Shares of the capacity; they must add up to 1. Defaults 0.25 / 0.5 / 0.25. */
  readonly singleFactor?: number;
  readonly multiFactor?: number;
  readonly memoryFactor?: number;
  /** Blocks larger than this are not cached. Default min(16 MiB, capacity / 4). */
  readonly maxBlockBytes?: number;
}

/** Counters and sizes of a cache tier; plain numbers. */
export interface BlockCacheStats {
  readonly hits: number;
  readonly misses: number;
  readonly evictions: number;
  readonly evictedBytes: number;
  /** Bytes accounted now. */
  readonly size: number;
  /** Blocks cached now. */
  readonly count: number;
  readonly capacity: number;
}

class Entry {
  prev: Entry;
  next: Entry;
  priority: BlockPriority;
  constructor(
    readonly fileId: string,
    readonly offset: number,
    readonly block: Buffer,
    readonly size: number,
    priority: BlockPriority,
  ) {
    this.prev = this;
    this.next = this;
    this.priority = priority;
  }
}

/** One recency list: head.next is the most recently used, head.prev the least. */
class Bucket {
  readonly head: Entry = new Entry('', -1, Buffer.alloc(0), 0, BlockPriority.Single);
  size = 0;
  count = 0;
  constructor(readonly share: number) {}

  pushFront(e: Entry): void {
    const h = this.head;
    e.prev = h;
    e.next = h.next;
    h.next.prev = e;
    h.next = e;
    this.size += e.size;
    this.count++;
  }

  unlink(e: Entry): void {
    e.prev.next = e.next;
    e.next.prev = e.prev;
    e.prev = e;
    e.next = e;
    this.size -= e.size;
    this.count--;
  }

  /** Least recently used entry, or undefined if empty. */
  last(): Entry | undefined {
    const e = this.head.prev;
    return e === this.head ? undefined : e;
  }
}

export class LruBlockCache implements BlockCacheStats {
  readonly capacity: number;
  readonly maxBlockBytes: number;
  hits = 0;
  misses = 0;
  evictions = 0;
  evictedBytes = 0;
  size = 0;
  count = 0;
  /** Called (synchronously) for every capacity eviction, e.g. to spill to the file tier. */
  onEvict: EvictionListener | undefined = undefined;

  private readonly files = new Map<string, Map<number, Entry>>();
  private readonly buckets: readonly [Bucket, Bucket, Bucket];

  /** Throws InvalidError (TSB_INVALID_CONFIG) on bad options. */
  constructor(opts: LruBlockCacheOptions) {
    const single = opts.singleFactor ?? 0.25;
    const multi = opts.multiFactor ?? 0.5;
    const memory = opts.memoryFactor ?? 0.25;
    if (!(opts.capacityBytes > 0) || !Number.isSafeInteger(opts.capacityBytes)) {
      throw new InvalidError('block cache capacity must be a positive integer', { code: ErrorCodes.INVALID_CONFIG, details: { capacityBytes: opts.capacityBytes } });
    }
    if (single < 0 || multi < 0 || memory < 0 || Math.abs(single + multi + memory - 1) > 1e-9) {
      throw new InvalidError('block cache priority factors must be non-negative and add up to 1', {
        code: ErrorCodes.INVALID_CONFIG,
        details: { single, multi, memory },
      });
    }
    this.capacity = opts.capacityBytes;
    this.maxBlockBytes = opts.maxBlockBytes ?? Math.min(16 << 20, Math.floor(opts.capacityBytes / 4));
    this.buckets = [new Bucket(single * this.capacity), new Bucket(multi * this.capacity), new Bucket(memory * this.capacity)];
  }

  /**
   * The cached block at (fileId, offset), or undefined. Counts a hit or a miss; a hit makes the
   * block most recently used and promotes a single-access block to multi-access.
   */
  get(fileId: string, offset: number): Buffer | undefined {
    const m = this.files.get(fileId);
    const e = m === undefined ? undefined : m.get(offset);
    if (e === undefined) {
      this.misses++;
      return undefined;
    }
    this.hits++;
    const from = this.buckets[e.priority];
    from.unlink(e);
    if (e.priority === BlockPriority.Single) e.priority = BlockPriority.Multi;
    this.buckets[e.priority].pushFront(e);
    return e.block;
  }

  /** True if the block is cached. Changes neither counters nor recency. */
  contains(fileId: string, offset: number): boolean {
    const m = this.files.get(fileId);
    return m !== undefined && m.has(offset);
  }

  /**
   * Caches `block` at (fileId, offset) with the given priority (Single for a block just read,
   * Memory for IN_MEMORY families, Multi for a block known to be re-read). Returns false if
   * the block is too large to cache. If the key is already cached, nothing changes (blocks
   * are immutable) and true is returned. May evict other blocks (calling onEvict) so the
   * total stays within capacity. REQUIRES: offset is a non-negative integer.
   */
  put(fileId: string, offset: number, block: Buffer, priority: BlockPriority = BlockPriority.Single): boolean {
    const size = block.length + ENTRY_OVERHEAD_BYTES;
    if (block.length > this.maxBlockBytes || size > this.capacity) return false;
    let m = this.files.get(fileId);
    if (m === undefined) {
      m = new Map();
      this.files.set(fileId, m);
    } else if (m.has(offset)) {
      return true;
    }
    const e = new Entry(fileId, offset, block, size, priority);
    m.set(offset, e);
    this.buckets[priority].pushFront(e);
    this.size += size;
    this.count++;
    if (this.size > this.capacity) this.evict();
    return true;
  }

  /** Drops one block without counting an eviction. Returns true if it was cached. */
  remove(fileId: string, offset: number): boolean {
    const m = this.files.get(fileId);
    const e = m === undefined ? undefined : m.get(offset);
    if (e === undefined) return false;
    this.drop(e);
    return true;
  }

  /** Drops every block of `fileId` (the file was deleted). Returns how many were dropped. */
  evictFile(fileId: string): number {
    const m = this.files.get(fileId);
    if (m === undefined) return 0;
    let n = 0;
    for (const e of m.values()) {
      this.buckets[e.priority].unlink(e);
      this.size -= e.size;
      this.count--;
      n++;
    }
    this.files.delete(fileId);
    return n;
  }

  /** Drops everything (counters are kept). */
  clear(): void {
    for (const fileId of [...this.files.keys()]) this.evictFile(fileId);
  }

  /** Bytes accounted in each priority bucket. */
  bucketSizes(): { single: number; multi: number; memory: number } {
    return { single: this.buckets[0].size, multi: this.buckets[1].size, memory: this.buckets[2].size };
  }

  stats(): BlockCacheStats {
    return {
      hits: this.hits,
      misses: this.misses,
      evictions: this.evictions,
      evictedBytes: this.evictedBytes,
      size: this.size,
      count: this.count,
      capacity: this.capacity,
    };
  }

  /** Evicts LRU blocks of the bucket most over its share until the total fits. */
  private evict(): void {
    const [b0, b1, b2] = this.buckets;
    while (this.size > this.capacity) {
      // Overflow of an empty bucket is never the largest while the total is over capacity:
      // the overflows add up to size - capacity > 0, so some non-empty bucket is over.
      const o0 = b0.size - b0.share;
      const o1 = b1.size - b1.share;
      const o2 = b2.size - b2.share;
      const b = o0 >= o1 ? (o0 >= o2 ? b0 : b2) : o1 >= o2 ? b1 : b2;
      const e = b.last();
      if (e === undefined) throw new InternalError('block cache accounting is inconsistent', { details: { size: this.size } });
      this.drop(e);
      this.evictions++;
      this.evictedBytes += e.size;
      const listener = this.onEvict;
      if (listener !== undefined) listener(e.fileId, e.offset, e.block, e.priority);
    }
  }

  private drop(e: Entry): void {
    this.buckets[e.priority].unlink(e);
    this.size -= e.size;
    this.count--;
    const m = this.files.get(e.fileId);
    if (m !== undefined) {
      m.delete(e.offset);
      if (m.size === 0) this.files.delete(e.fileId);
    }
  }
}
