import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SeededRandom, testSeed } from '../../common/random.js';
import { BlockPriority, ENTRY_OVERHEAD_BYTES, LruBlockCache } from './lru-block-cache.js';

// Blocks whose accounted size is exactly 1000 bytes make the arithmetic readable.
const DATA = 1000 - ENTRY_OVERHEAD_BYTES;
const block = (tag: number): Buffer => Buffer.alloc(DATA, tag & 0xff);

function cache10(): { c: LruBlockCache; evicted: string[] } {
  const c = new LruBlockCache({ capacityBytes: 10_000 });
  const evicted: string[] = [];
  c.onEvict = (fileId, offset) => evicted.push(`${fileId}@${offset}`);
  return { c, evicted };
}

test('get returns what put stored and counts hits and misses', () => {
  const { c } = cache10();
  assert.equal(c.get('f', 0), undefined);
  assert.ok(c.put('f', 0, block(1)));
  assert.ok(c.put('g', 0, block(2)));
  assert.deepEqual(c.get('f', 0), block(1));
  assert.deepEqual(c.get('g', 0), block(2));
  assert.equal(c.get('f', 4096), undefined);
  assert.equal(c.hits, 2);
  assert.equal(c.misses, 2);
  assert.equal(c.count, 2);
  assert.equal(c.size, 2000);
  assert.equal(c.evictions, 0);
});

test('putting a key that is cached changes nothing', () => {
  const { c } = cache10();
  c.put('f', 0, block(1));
  assert.ok(c.put('f', 0, block(9)));
  assert.deepEqual(c.get('f', 0), block(1));
  assert.equal(c.count, 1);
  assert.equal(c.size, 1000);
});

test('a second access promotes a block from single to multi', () => {
  const { c } = cache10();
  c.put('f', 0, block(1));
  assert.deepEqual(c.bucketSizes(), { single: 1000, multi: 0, memory: 0 });
  c.get('f', 0);
  assert.deepEqual(c.bucketSizes(), { single: 0, multi: 1000, memory: 0 });
  c.get('f', 0);
  assert.deepEqual(c.bucketSizes(), { single: 0, multi: 1000, memory: 0 });
  c.put('m', 0, block(2), BlockPriority.Memory);
  c.get('m', 0);
  assert.deepEqual(c.bucketSizes(), { single: 0, multi: 1000, memory: 1000 }, 'in-memory blocks stay in-memory');
});

test('the size never exceeds the capacity and counts data plus overhead', () => {
  const { c } = cache10();
  for (let i = 0; i < 100; i++) {
    c.put('f', i * DATA, block(i));
    assert.ok(c.size <= 10_000);
  }
  assert.equal(c.size, 10_000);
  assert.equal(c.count, 10);
  assert.equal(c.evictions, 90);
  assert.equal(c.evictedBytes, 90_000);
});

test('within a bucket the least recently used block goes first', () => {
  const { c, evicted } = cache10();
  for (let i = 0; i < 10; i++) c.put('f', i, block(i));
  // Touch 0 and 1 twice: they move to multi. Of the singles, 2 is now the oldest.
  c.get('f', 0);
  c.get('f', 1);
  c.put('f', 10, block(10));
  c.put('f', 11, block(11));
  assert.deepEqual(evicted, ['f@2', 'f@3']);
  assert.ok(c.contains('f', 0) && c.contains('f', 1));
});

test('eviction takes from the bucket most over its share', () => {
  // Shares of 10 000: single 2 500, multi 5 000, memory 2 500.
  const { c, evicted } = cache10();
  for (let i = 0; i < 4; i++) c.put('mem', i, block(i), BlockPriority.Memory); // 4 000: +1 500
  for (let i = 0; i < 3; i++) {
    c.put('multi', i, block(i));
    c.get('multi', i); // 3 000: -2 000
  }
  for (let i = 0; i < 3; i++) c.put('single', i, block(i)); // 3 000: +500
  assert.equal(c.size, 10_000);
  assert.deepEqual(evicted, []);
  // Over by 1 000 after the next put: single is +1 500 = memory's +1 500 -> ties go to single.
  c.put('single', 3, block(3));
  assert.deepEqual(evicted, ['single@0']);
  // Now single +500, memory +1 500, and one more in-memory block: memory is most over.
  c.put('mem', 4, block(4), BlockPriority.Memory);
  assert.deepEqual(evicted, ['single@0', 'mem@0']);
  assert.deepEqual(c.bucketSizes(), { single: 3000, multi: 3000, memory: 4000 });
  // Multi is under its share, so it never loses a block here.
  assert.ok(c.contains('multi', 0) && c.contains('multi', 1) && c.contains('multi', 2));
});

test('a bucket may borrow what the others leave unused', () => {
  const { c, evicted } = cache10();
  for (let i = 0; i < 10; i++) c.put('mem', i, block(i), BlockPriority.Memory);
  assert.deepEqual(c.bucketSizes(), { single: 0, multi: 0, memory: 10_000 });
  c.put('single', 0, block(0));
  assert.deepEqual(evicted, ['mem@0'], 'memory is 7 500 over its share, single is under');
  assert.ok(c.contains('single', 0));
});

test('blocks larger than maxBlockBytes are not cached', () => {
  const c = new LruBlockCache({ capacityBytes: 10_000, maxBlockBytes: 2000 });
  assert.equal(c.put('f', 0, Buffer.alloc(2001)), false);
  assert.equal(c.put('f', 0, Buffer.alloc(2000)), true);
  assert.equal(c.count, 1);
});

test('evictFile drops only that file and does not count evictions', () => {
  const { c, evicted } = cache10();
  for (let i = 0; i < 3; i++) c.put('a', i, block(i));
  for (let i = 0; i < 2; i++) c.put('b', i, block(i));
  c.get('a', 1);
  assert.equal(c.evictFile('a'), 3);
  assert.equal(c.count, 2);
  assert.equal(c.size, 2000);
  assert.equal(c.evictions, 0);
  assert.deepEqual(evicted, []);
  assert.equal(c.get('a', 1), undefined);
  assert.ok(c.contains('b', 1));
  assert.deepEqual(c.bucketSizes(), { single: 2000, multi: 0, memory: 0 });
});

test('bad options are rejected', () => {
  assert.throws(() => new LruBlockCache({ capacityBytes: 0 }), { code: 'TSB_INVALID_CONFIG' });
  assert.throws(() => new LruBlockCache({ capacityBytes: 100, singleFactor: 0.5, multiFactor: 0.5, memoryFactor: 0.5 }), { code: 'TSB_INVALID_CONFIG' });
});

test('randomized: the cache agrees with a model of sizes and contents', () => {
  const seed = testSeed();
  const rnd = new SeededRandom(seed);
  const capacity = 50_000;
  const c = new LruBlockCache({ capacityBytes: capacity, maxBlockBytes: 8000 });
  const model = new Map<string, Buffer>(); // what the cache may hold: key -> bytes
  const evictedKeys: string[] = [];
  c.onEvict = (f, o, b) => {
    evictedKeys.push(`${f}@${o}`);
    assert.deepEqual(b, model.get(`${f}@${o}`), `seed=${seed}`);
  };
  let expectedSize = 0;
  for (let i = 0; i < 5000; i++) {
    const f = `file${rnd.int(5)}`;
    const off = rnd.int(40) * 8192;
    const key = `${f}@${off}`;
    const op = rnd.int(10);
    if (op < 5) {
      const got = c.get(f, off);
      if (got !== undefined) assert.deepEqual(got, model.get(key), `seed=${seed}`);
    } else if (op < 9) {
      const had = c.contains(f, off);
      const b = Buffer.alloc(1 + rnd.int(8000), i & 0xff);
      const prio = rnd.int(4) === 0 ? BlockPriority.Memory : BlockPriority.Single;
      evictedKeys.length = 0;
      assert.ok(c.put(f, off, b, prio));
      if (!had) {
        model.set(key, b);
        expectedSize += b.length + ENTRY_OVERHEAD_BYTES;
      }
      for (const k of evictedKeys) {
        expectedSize -= model.get(k)!.length + ENTRY_OVERHEAD_BYTES;
        model.delete(k);
      }
    } else if (rnd.int(20) === 0) {
      c.evictFile(f);
      for (const k of [...model.keys()]) {
        if (k.startsWith(`${f}@`)) {
          expectedSize -= model.get(k)!.length + ENTRY_OVERHEAD_BYTES;
          model.delete(k);
        }
      }
    }
    assert.ok(c.size <= capacity, `seed=${seed} size=${c.size}`);
    assert.equal(c.size, expectedSize, `seed=${seed}`);
    assert.equal(c.count, model.size, `seed=${seed}`);
    const s = c.bucketSizes();
    assert.equal(s.single + s.multi + s.memory, c.size, `seed=${seed}`);
  }
  for (const [k, b] of model) {
    const [f, off] = k.split('@') as [string, string];
    assert.deepEqual(c.get(f, Number(off)), b, `seed=${seed}`);
  }
});
