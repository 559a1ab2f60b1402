// The region server's block cache, shared by every region: the memory LRU alone, or the memory
// LRU in front of a file tier on the pod's cache volume (TieredBlockCache). Readers see it as a
// BlockCacheLike: `get` is the synchronous memory lookup, `load` the file tier.

import type { Registry } from 'prom-client';
import { registerBlockCacheMetrics } from '../blockcache/block-cache-metrics.js';
import { FileTier } from '../blockcache/file-tier.js';
import { LruBlockCache } from '../blockcache/lru-block-cache.js';
import { TieredBlockCache } from '../blockcache/tiered-block-cache.js';
import type { BlockCacheLike } from '../hfile/block-cache-like.js';
import { CachePriority } from '../hfile/block-cache-like.js';

export interface ServerBlockCache {
  readonly cache: BlockCacheLike;
  /** Registers the cache's metrics on `registry` (once). */
  registerMetrics(registry: Registry): void;
  /** Closes the file tier, if any. */
  close(): Promise<void>;
}

/**
 * Creates the cache. Throws InvalidError (TSB_INVALID_CONFIG) for bad sizes, and the file
 * tier's errors if its directory cannot be used.
 */
export async function createServerBlockCache(memoryBytes: number, fileTier?: { readonly dir: string; readonly capacityBytes: number }): Promise<ServerBlockCache> {
  if (fileTier === undefined) {
    const lru = new LruBlockCache({ capacityBytes: memoryBytes });
    return { cache: lru, registerMetrics: (r) => registerBlockCacheMetrics(r, lru), close: () => Promise.resolve() };
  }
  const file = await FileTier.open({ dir: fileTier.dir, capacityBytes: fileTier.capacityBytes });
  let tiered: TieredBlockCache;
  try {
    tiered = new TieredBlockCache({ memory: { capacityBytes: memoryBytes }, file });
  } catch (e) {
    await file.close().catch(() => {});
    throw e;
  }
  const cache: BlockCacheLike = {
    get: (fileId, offset) => tiered.getSync(fileId, offset),
    put: (fileId, offset, block, priority) => tiered.put(fileId, offset, block, priority === CachePriority.Memory),
    load: (fileId, offset) => tiered.get(fileId, offset),
  };
  return { cache, registerMetrics: (r) => registerBlockCacheMetrics(r, tiered), close: () => tiered.close() };
}
