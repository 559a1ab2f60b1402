import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { Registry } from 'prom-client';
import { SeededRandom } from '../../common/random.js';
import { registerBlockCacheMetrics } from './block-cache-metrics.js';
import { FileTier } from './file-tier.js';
import { ENTRY_OVERHEAD_BYTES } from './lru-block-cache.js';
import { TieredBlockCache } from './tiered-block-cache.js';

const dirs: string[] = [];
async function tempDir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'tsbase-tiered-'));
  dirs.push(d);
  return d;
}
after(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

const DATA = 1000 - ENTRY_OVERHEAD_BYTES;
const blockOf = (i: number): Buffer => new SeededRandom(i).bytes(DATA);

test('blocks evicted from memory go to the file tier and come back on get', async () => {
  const file = await FileTier.open({ dir: await tempDir(), capacityBytes: 1 << 20 });
  const c = new TieredBlockCache({ memory: { capacityBytes: 5000 }, file });
  for (let i = 0; i < 10; i++) c.put('hf', i, blockOf(i));
  assert.equal(c.memory.count, 5);
  assert.equal(c.memory.evictions, 5);
  await file.flush();
  assert.equal(file.count, 5, 'the five evicted blocks were written');

  assert.equal(c.getSync('hf', 0), undefined, 'getSync looks in memory only');
  assert.deepEqual(await c.get('hf', 0), blockOf(0));
  assert.equal(file.hits, 1);
  assert.deepEqual(c.getSync('hf', 0), blockOf(0), 'promoted into memory');
  assert.deepEqual(c.memory.bucketSizes().multi, 1000, 'promoted as multi-access (then read again)');
  assert.equal(await c.get('hf', 99), undefined);
  await c.close();
});

test('in-memory blocks keep their priority through the file tier', async () => {
  const file = await FileTier.open({ dir: await tempDir(), capacityBytes: 1 << 20 });
  const c = new TieredBlockCache({ memory: { capacityBytes: 5000 }, file });
  c.put('hf', 0, blockOf(0), true);
  for (let i = 1; i < 10; i++) c.put('hf', i, blockOf(i), true);
  await file.flush();
  assert.ok(!c.memory.contains('hf', 0));
  assert.deepEqual(await c.get('hf', 0), blockOf(0));
  assert.ok(c.memory.bucketSizes().memory >= 1000);
  await c.close();
});

test('write-through puts every block in the file tier, which survives a restart', async () => {
  const dir = await tempDir();
  const c = new TieredBlockCache({ memory: { capacityBytes: 1 << 20 }, file: await FileTier.open({ dir, capacityBytes: 1 << 20 }), writeThrough: true });
  for (let i = 0; i < 10; i++) c.put('hf', i * 4096, blockOf(i));
  assert.equal(c.memory.evictions, 0);
  await c.close();

  const c2 = new TieredBlockCache({ memory: { capacityBytes: 1 << 20 }, file: await FileTier.open({ dir, capacityBytes: 1 << 20 }) });
  for (let i = 0; i < 10; i++) {
    assert.equal(c2.getSync('hf', i * 4096), undefined);
    assert.deepEqual(await c2.get('hf', i * 4096), blockOf(i));
    assert.deepEqual(c2.getSync('hf', i * 4096), blockOf(i));
  }
  c2.evictFile('hf');
  assert.equal(await c2.get('hf', 0), undefined);
  await c2.close();
});

test('without a file tier, get is getSync', async () => {
  const c = new TieredBlockCache({ memory: { capacityBytes: 5000 } });
  c.put('hf', 0, blockOf(0));
  assert.deepEqual(await c.get('hf', 0), blockOf(0));
  assert.equal(await c.get('hf', 1), undefined);
  await c.close();
});

test('metrics report both tiers from the plain counters', async () => {
  const file = await FileTier.open({ dir: await tempDir(), capacityBytes: 1 << 20 });
  const c = new TieredBlockCache({ memory: { capacityBytes: 5000 }, file });
  const registry = new Registry();
  registerBlockCacheMetrics(registry, c);
  for (let i = 0; i < 7; i++) c.put('hf', i, blockOf(i));
  await file.flush();
  c.getSync('hf', 6);
  await c.get('hf', 0);
  await c.get('hf', 100);
  const text = await registry.metrics();
  assert.match(text, /tsbase_blockcache_hits_total\{tier="memory"\} 1\n/);
  assert.match(text, /tsbase_blockcache_misses_total\{tier="memory"\} 2\n/);
  assert.match(text, /tsbase_blockcache_hits_total\{tier="file"\} 1\n/);
  assert.match(text, /tsbase_blockcache_misses_total\{tier="file"\} 1\n/);
  assert.match(text, /tsbase_blockcache_evictions_total\{tier="memory"\} 3\n/);
  assert.match(text, /tsbase_blockcache_size_bytes\{tier="memory"\} 5000\n/);
  assert.match(text, /tsbase_blockcache_blocks\{tier="memory"\} 5\n/);
  assert.match(text, /tsbase_blockcache_capacity_bytes\{tier="file"\} 1048576\n/);
  assert.match(text, /tsbase_blockcache_corruptions_total\{tier="file"\} 0\n/);
  // Scraping twice reports the same totals (counters are set from the fields, not added).
  assert.match(await registry.metrics(), /tsbase_blockcache_hits_total\{tier="memory"\} 1\n/);
  await c.close();
});
