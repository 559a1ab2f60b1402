// Prometheus metrics of the block cache. The caches keep plain number fields (free on the hot
// path); these metrics read them when the registry is scraped.
//
//   tsbase_blockcache_hits_total{tier}          counter
//   tsbase_blockcache_misses_total{tier}        counter
//   tsbase_blockcache_evictions_total{tier}     counter
//   tsbase_blockcache_size_bytes{tier}          gauge
//   tsbase_blockcache_blocks{tier}              gauge
//   tsbase_blockcache_capacity_bytes{tier}      gauge
//   tsbase_blockcache_corruptions_total{tier="file"}  counter (records that failed their check)
//   tsbase_blockcache_io_errors_total{tier="file"}    counter
//   tsbase_blockcache_dropped_total{tier="file"}      counter (puts dropped: write queue full)
//
// tier is "memory" or "file".

import type { Registry } from 'prom-client';
import { Counter, Gauge } from 'prom-client';
import type { FileTier } from './file-tier.js';
import type { BlockCacheStats, LruBlockCache } from './lru-block-cache.js';
import type { TieredBlockCache } from './tiered-block-cache.js';

type Tiers = Array<{ tier: 'memory' | 'file'; stats: BlockCacheStats }>;

/**
 * Registers the metrics above on `registry` for `cache`. Call once per registry (prom-client
 * throws if a metric name is registered twice).
 */
export function registerBlockCacheMetrics(registry: Registry, cache: TieredBlockCache | LruBlockCache): void {
  const memory: LruBlockCache = 'memory' in cache ? cache.memory : cache;
  const file: FileTier | undefined = 'memory' in cache ? cache.file : undefined;
  const tiers: Tiers = [{ tier: 'memory', stats: memory }];
  if (file !== undefined) tiers.push({ tier: 'file', stats: file });
  const registers = [registry];
  const labelNames = ['tier'] as const;

  const counter = (name: string, help: string, read: (s: BlockCacheStats) => number): void => {
    new Counter({
      name,
      help,
      labelNames,
      registers,
      collect() {
        this.reset();
        for (const t of tiers) this.inc({ tier: t.tier }, read(t.stats));
      },
    });
  };
  const gauge = (name: string, help: string, read: (s: BlockCacheStats) => number): void => {
    new Gauge({
      name,
      help,
      labelNames,
      registers,
      collect() {
        for (const t of tiers) this.set({ tier: t.tier }, read(t.stats));
      },
    });
  };
  counter('tsbase_blockcache_hits_total', 'Block cache lookups that found the block.', (s) => s.hits);
  counter('tsbase_blockcache_misses_total', 'Block cache lookups that did not find the block.', (s) => s.misses);
  counter('tsbase_blockcache_evictions_total', 'Blocks evicted from the block cache to make room.', (s) => s.evictions);
  gauge('tsbase_blockcache_size_bytes', 'Bytes the block cache holds (data and overhead; segment files for the file tier).', (s) => s.size);
  gauge('tsbase_blockcache_blocks', 'Blocks the block cache holds.', (s) => s.count);
  gauge('tsbase_blockcache_capacity_bytes', 'Capacity of the block cache in bytes.', (s) => s.capacity);

  if (file !== undefined) {
    const fileCounter = (name: string, help: string, read: (f: FileTier) => number): void => {
      new Counter({
        name,
        help,
        labelNames,
        registers,
        collect() {
          this.reset();
          this.inc({ tier: 'file' }, read(file));
        },
      });
    };
    fileCounter('tsbase_blockcache_corruptions_total', 'File-tier records that failed their checksum or structure check and were dropped.', (f) => f.corruptions);
    fileCounter('tsbase_blockcache_io_errors_total', 'File-tier reads and writes that failed.', (f) => f.ioErrors);
    fileCounter('tsbase_blockcache_dropped_total', 'Blocks not written to the file tier because its write queue was full.', (f) => f.dropped);
  }
}
