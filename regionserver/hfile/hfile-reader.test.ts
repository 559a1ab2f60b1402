// Reader I/O behaviour: how many ranged reads opening and point gets cost, the synchronous
// fast path, bloom-driven skipping, shared in-flight reads, the cache's slower tier.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { firstOnColumnKey } from '../../common/cells/encoded-key.js';
import type { Cell } from '../../common/cells/keyvalue.js';
import { putCell } from '../../common/cells/keyvalue.js';
import { MemoryObjectStore } from '../../common/objectstore/memory-store.js';
import type { ByteRange, GetResult } from '../../common/objectstore/object-store.js';
import { BLOOM_ABSENT, BLOOM_MAYBE, HFileReader } from './hfile-reader.js';
import { END, FOUND, NEEDS_IO } from './hfile-scanner.js';
import { BufferSource, objectStoreSource } from './hfile-source.js';
import { driveSync, MapBlockCache } from './hfile-test-util.js';
import type { HFileWriterOptions } from './hfile-writer.js';
import { HFileWriter, writeHFile } from './hfile-writer.js';

function rowName(i: number): string {
  return `user${String(i).padStart(8, '0')}`;
}

function cells(n: number): Cell[] {
  const out: Cell[] = [];
  for (let i = 0; i < n; i++) for (const q of ['a', 'b']) out.push(putCell(rowName(i), 'f', q, 1000n, `value-${i}-${q}-${'x'.repeat(40)}`));
  return out;
}

/** A MemoryObjectStore that counts GETs. */
class CountingStore extends MemoryObjectStore {
  gets = 0;
  override async get(key: string, range?: ByteRange): Promise<GetResult> {
    this.gets++;
    return super.get(key, range);
  }
}

test('cold point gets cost at most one ranged GET per index level below the root, plus the data block', async () => {
  for (const [opts, levels] of [
    [{ blockSize: 1024 }, 1],
    [{ blockSize: 1024, indexBlockSize: 2048 }, 2],
    [{ blockSize: 512, indexBlockSize: 256 }, 5],
  ] as [HFileWriterOptions, number][]) {
    const store = new CountingStore();
    await store.put('hf', writeHFile(cells(4000), { ...opts, compression: 'SNAPPY', bloomType: 'ROW' }));
    const reader = await HFileReader.open(objectStoreSource(store, 'hf'));
    assert.equal(store.gets, 1, 'open is one GET');
    assert.equal(reader.indexLevels, levels, JSON.stringify(opts));
    for (const i of [0, 1234, 3999]) {
      const before = store.gets;
      const got = await reader.getRow(Buffer.from(rowName(i)));
      assert.equal(got.length, 2);
      assert.equal(got[1]!.value.toString(), `value-${i}-b-${'x'.repeat(40)}`);
      // No cache: every get is cold. Reading the row's 2 cells may cross into the next block.
      assert.ok(store.gets - before <= levels + 1, `levels=${levels} gets=${store.gets - before}`);
    }
  }
});

test('with the default 2-level shape a cold get is <= 2 GETs and a cached get needs no I/O and no await', async () => {
  const store = new CountingStore();
  await store.put('hf', writeHFile(cells(4000), { blockSize: 1024, indexBlockSize: 2048, bloomType: 'ROW' }));
  const cache = new MapBlockCache();
  const reader = await HFileReader.open(objectStoreSource(store, 'hf'), { cache });
  assert.equal(reader.indexLevels, 2);
  const row = Buffer.from(rowName(2500));
  const s = reader.scanner();
  const before = store.gets;
  const { found, fetches } = await driveSync(s, () => s.seekRowSync(row));
  assert.ok(found);
  assert.equal(fetches, 2, 'leaf index block, then data block');
  assert.equal(store.gets - before, 2);
  // Now everything on the path is cached: the synchronous call completes at once.
  const s2 = reader.scanner();
  assert.equal(s2.seekRowSync(row), FOUND);
  assert.equal(s2.cell().qualifier.toString(), 'a');
  assert.equal(s2.nextSync(), FOUND);
  assert.equal(s2.cell().qualifier.toString(), 'b');
  assert.equal(store.gets - before, 2);
});

test('the ROW bloom answers most absent rows without I/O', async () => {
  const src = new BufferSource(writeHFile(cells(3000), { blockSize: 1024, bloomType: 'ROW' }));
  const reader = await HFileReader.open(src);
  const s = reader.scanner();
  let skipped = 0;
  for (let i = 0; i < 1000; i++) {
    const row = Buffer.from(`${rowName(i)}-absent`);
    const st = s.seekRowSync(row);
    if (st === END) skipped++;
    else {
      assert.equal(st, NEEDS_IO);
      assert.equal(await s.seekRow(row), false);
    }
  }
  assert.ok(skipped >= 950, `skipped=${skipped}`);
  // Rows outside the file's key range need neither bloom nor I/O.
  assert.equal(reader.mayContainRowSync(Buffer.from('a'), 0, 1), BLOOM_ABSENT);
  assert.equal(reader.mayContainRowSync(Buffer.from('zzz'), 0, 3), BLOOM_ABSENT);
});

test('a ROWCOL bloom rejects absent columns but cannot answer for whole rows', async () => {
  const reader = await HFileReader.open(new BufferSource(writeHFile(cells(2000), { bloomType: 'ROWCOL' })));
  const row = Buffer.from(rowName(10));
  assert.equal(reader.mayContainRowSync(row, 0, row.length), BLOOM_MAYBE);
  const present = firstOnColumnKey(row, Buffer.from('f'), Buffer.from('a'));
  assert.equal(reader.mayContainColumnSync(present, 0, present.length), BLOOM_MAYBE);
  let absent = 0;
  for (let i = 0; i < 500; i++) {
    const k = firstOnColumnKey(Buffer.from(rowName(i)), Buffer.from('f'), Buffer.from('c'));
    if (reader.mayContainColumnSync(k, 0, k.length) === BLOOM_ABSENT) absent++;
  }
  assert.ok(absent >= 475, `absent=${absent}`);
});

test('bloom chunks larger than the preload limit are loaded on first use', async () => {
  const src = new BufferSource(writeHFile(cells(3000), { bloomType: 'ROW', bloomChunkSize: 256 }));
  const reader = await HFileReader.open(src, { bloomPreloadMaxBytes: 0 });
  assert.ok(reader.bloom!.chunkCount > 3);
  assert.ok(reader.bloom!.chunks.every((c) => c === undefined));
  const row = Buffer.from(rowName(1500));
  const r = reader.mayContainRowSync(row, 0, row.length);
  assert.ok(r < 0, 'needs a chunk');
  const reads = src.reads;
  assert.equal(await reader.mayContainRow(row), true);
  assert.equal(src.reads, reads + 1);
  assert.equal(reader.mayContainRowSync(row, 0, row.length), BLOOM_MAYBE);
});

test('a short tail read takes exactly one more read at open', async () => {
  const bytes = writeHFile(cells(3000), { bloomType: 'ROW', blockSize: 1024 });
  const src = new BufferSource(bytes);
  await HFileReader.open(src, { openReadBytes: 200 });
  assert.equal(src.reads, 2);
  const src2 = new BufferSource(bytes);
  await HFileReader.open(src2);
  assert.equal(src2.reads, 1);
});

test('concurrent cold loads of one block share one read', async () => {
  const src = new BufferSource(writeHFile(cells(2000), { blockSize: 1024 }));
  const reader = await HFileReader.open(src);
  const before = src.reads;
  const rows = await Promise.all(Array.from({ length: 20 }, () => reader.getRow(Buffer.from(rowName(700)))));
  assert.ok(rows.every((r) => r.length === 2));
  assert.ok(src.reads - before <= 2, `reads=${src.reads - before}`);
});

test("the cache's slower tier is consulted before the object store, and validated", async () => {
  const bytes = writeHFile(cells(2000), { blockSize: 1024 });
  const warm = new MapBlockCache();
  const r1 = await HFileReader.open(new BufferSource(bytes, 'f'), { cache: warm });
  await r1.getRow(Buffer.from(rowName(5)));
  const tier = new Map(warm.blocks);
  const src = new BufferSource(bytes, 'f');
  let loads = 0;
  const r2 = await HFileReader.open(src, {
    cache: {
      get: () => undefined,
      put: () => undefined,
      load: async (fileId, offset) => {
        loads++;
        return tier.get(`${fileId}@${offset}`);
      },
    },
  });
  const reads = src.reads;
  assert.equal((await r2.getRow(Buffer.from(rowName(5)))).length, 2);
  assert.equal(src.reads, reads, 'served by the tier');
  assert.ok(loads >= 1);
  // A damaged payload from the tier is a CorruptionError, not a wrong answer or a crash.
  const bad = new Map([...tier].map(([k, v]) => [k, Buffer.alloc(v.length, 0xff)]));
  const r3 = await HFileReader.open(new BufferSource(bytes, 'f'), { cache: { get: () => undefined, put: () => undefined, load: async (f, o) => bad.get(`${f}@${o}`) } });
  await assert.rejects(r3.getRow(Buffer.from(rowName(5))), { code: 'TSB_CORRUPTION' });
});

test('cacheDataOnRead=false keeps data blocks out of the cache but caches index blocks', async () => {
  const cache = new MapBlockCache();
  const reader = await HFileReader.open(new BufferSource(writeHFile(cells(4000), { blockSize: 1024, indexBlockSize: 2048 })), { cache, cacheDataOnRead: false });
  assert.equal(reader.indexLevels, 2);
  const s = reader.scanner();
  let n = 0;
  for (let ok = await s.seekToFirst(); ok; ok = await s.next()) n++;
  assert.equal(n, 8000);
  assert.equal(cache.puts, reader.indexLevels === 2 ? cache.blocks.size : 0);
  assert.ok(cache.blocks.size > 0 && cache.blocks.size < 20, `only leaf index blocks cached: ${cache.blocks.size}`);
});

test('a file streamed through takeOutput and ObjectStore.upload reads back', async () => {
  const store = new MemoryObjectStore();
  const w = new HFileWriter({ compression: 'SNAPPY', encoding: 'PREFIX', blockSize: 2048 });
  const all = cells(3000);
  async function* chunks(): AsyncGenerator<Buffer> {
    for (const c of all) {
      w.append(c);
      yield* w.takeOutput();
    }
    yield* w.finish();
  }
  const { size } = await store.upload('streamed', chunks());
  assert.equal(size, w.bytesWritten);
  const reader = await HFileReader.open(objectStoreSource(store, 'streamed'));
  assert.equal(reader.entryCount, all.length);
  assert.equal((await reader.getRow(Buffer.from(rowName(2999)))).length, 2);
});

test('an empty or missing object fails clearly', async () => {
  const store = new MemoryObjectStore();
  await store.put('empty', Buffer.alloc(0));
  await assert.rejects(HFileReader.open(objectStoreSource(store, 'empty')), { code: 'TSB_CORRUPTION' });
  await assert.rejects(HFileReader.open(objectStoreSource(store, 'missing')), { code: 'TSB_NOT_FOUND' });
  await store.put('short', Buffer.from('not an hfile at all'));
  await assert.rejects(HFileReader.open(objectStoreSource(store, 'short')), { code: 'TSB_CORRUPTION' });
});
