// The block cache a region server uses: the memory tier (LruBlockCache, synchronous) in front
// of an optional file tier (FileTier, asynchronous, on the pod's cache volume).
//
//   - getSync: memory only, never crosses an await (the hot path of a cached read);
//   - get: memory, then the file tier; a block found on disk is put back into memory
//     (as multi-access, or in-memory if it was cached so) — "promoted";
//   - put: into memory; blocks evicted from memory for room are written to the file tier
//     ("victim cache", like HBase's LRU + BucketCache), and with writeThrough every put is
//     also queued for the file tier at once.
//
// Concurrency: every method but `get` and `close` is synchronous. Two gets of the same missing
// block may both read it from disk; the second promotion is a no-op.

import type { FileTier } from './file-tier.js';
import type { LruBlockCacheOptions } from './lru-block-cache.js';
import { BlockPriority, LruBlockCache } from './lru-block-cache.js';

export interface TieredBlockCacheOptions {
  readonly memory: LruBlockCacheOptions;
  /** Opened by the caller (FileTier.open); closed by close(). */
  readonly file?: FileTier;
  /** Queue every put for the file tier too, not only memory evictions. Default false. */
  readonly writeThrough?: boolean;
}

export class TieredBlockCache {
  readonly memory: LruBlockCache;
  readonly file: FileTier | undefined;
  private readonly writeThrough: boolean;

  /** Throws InvalidError (TSB_INVALID_CONFIG) on bad memory options. */
  constructor(opts: TieredBlockCacheOptions) {
    this.memory = new LruBlockCache(opts.memory);
    this.file = opts.file;
    this.writeThrough = opts.writeThrough ?? false;
    const file = this.file;
    if (file !== undefined) {
      this.memory.onEvict = (fileId, offset, block, priority) => file.put(fileId, offset, block, priority === BlockPriority.Memory);
    }
  }

  /** The block if it is in memory (counts a memory hit or miss). Synchronous. */
  getSync(fileId: string, offset: number): Buffer | undefined {
    return this.memory.get(fileId, offset);
  }

  /** The block from memory or, failing that, from the file tier (promoted into memory). */
  async get(fileId: string, offset: number): Promise<Buffer | undefined> {
    const b = this.memory.get(fileId, offset);
    if (b !== undefined || this.file === undefined) return b;
    const t = await this.file.get(fileId, offset);
    if (t === undefined) return undefined;
    this.memory.put(fileId, offset, t.data, t.inMemory ? BlockPriority.Memory : BlockPriority.Multi);
    return t.data;
  }

  /**
   * Caches a block just read from object storage. `inMemory`: the block's family is
   * IN_MEMORY. REQUIRES: the block is never mutated afterwards; fileId is never reused for
   * other bytes.
   */
  put(fileId: string, offset: number, block: Buffer, inMemory = false): void {
    this.memory.put(fileId, offset, block, inMemory ? BlockPriority.Memory : BlockPriority.Single);
    if (this.writeThrough && this.file !== undefined) this.file.put(fileId, offset, block, inMemory);
  }

  /** Drops every block of a deleted file from both tiers. */
  evictFile(fileId: string): void {
    this.memory.evictFile(fileId);
    this.file?.evictFile(fileId);
  }

  /** Closes the file tier (writing what it has queued and its index). */
  async close(): Promise<void> {
    if (this.file !== undefined) await this.file.close();
  }
}
