// What an HFileReader needs from a block cache. regionserver/blockcache/'s LruBlockCache fits
// as is; a tiered cache can also offer `load` for its slower (disk) tier.
//
// Cached values are uncompressed, validated block payloads keyed by (fileId, block offset).
// REQUIRES of callers: a fileId names one immutable file; never reuse it for other bytes.

/** Priorities, numbered like regionserver/blockcache's BlockPriority. */
export const CachePriority = {
  /** Blocks of ordinary families. */
  Single: 0,
  /** Blocks of IN_MEMORY families. */
  Memory: 2,
} as const;
export type CachePriority = (typeof CachePriority)[keyof typeof CachePriority];

export interface BlockCacheLike {
  /** The cached payload, or undefined. Synchronous: the hot path must not await. */
  get(fileId: string, offset: number): Buffer | undefined;
  /** Caches a payload (the cache may decline). */
  put(fileId: string, offset: number, block: Buffer, priority: CachePriority): unknown;
  /** Optional slower tier, consulted after a `get` miss and before the object store. */
  load?(fileId: string, offset: number): Promise<Buffer | undefined>;
}
