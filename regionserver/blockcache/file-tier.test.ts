import assert from 'node:assert/strict';
import { cp, mkdtemp, open, readdir, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { SeededRandom, testSeed } from '../../common/random.js';
import { recordHeaderLength } from './file-tier-codec.js';
import { SEGMENT_HEADER_SIZE } from './file-tier-format.js';
import { FileTier } from './file-tier.js';

const dirs: string[] = [];
async function tempDir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'tsbase-filetier-'));
  dirs.push(d);
  return d;
}
after(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

const blockOf = (seed: number, len = 3000): Buffer => new SeededRandom(seed).bytes(len);

async function listSuffix(dir: string, suffix: string): Promise<string[]> {
  return (await readdir(dir)).filter((n) => n.endsWith(suffix)).sort();
}

/** Position in the only/first segment of the record of the i-th block put, all of `len` bytes with fileId `f`. */
function recordPos(i: number, fileId: string, len: number): number {
  return SEGMENT_HEADER_SIZE + i * (recordHeaderLength(Buffer.byteLength(fileId)) + len);
}

test('a block is readable at once (queued) and after it is written', async () => {
  const t = await FileTier.open({ dir: await tempDir(), capacityBytes: 1 << 20 });
  t.put('hf1', 0, blockOf(1));
  assert.deepEqual((await t.get('hf1', 0))?.data, blockOf(1));
  await t.flush();
  assert.equal(t.pendingBytes, 0);
  assert.deepEqual((await t.get('hf1', 0))?.data, blockOf(1));
  assert.equal(await t.get('hf1', 4096), undefined);
  assert.equal(t.hits, 2);
  assert.equal(t.misses, 1);
  assert.equal(t.count, 1);
  await t.close();
});

test('blocks survive a clean restart, with their in-memory flag', async () => {
  const dir = await tempDir();
  const t = await FileTier.open({ dir, capacityBytes: 1 << 20, segmentBytes: 32 << 10 });
  for (let i = 0; i < 30; i++) t.put(`hf${i % 3}`, i * 3000, blockOf(i), i % 2 === 0);
  await t.close();
  assert.ok((await listSuffix(dir, '.seg')).length >= 3, 'several segments were used');

  const t2 = await FileTier.open({ dir, capacityBytes: 1 << 20, segmentBytes: 32 << 10 });
  assert.equal(t2.count, 30);
  for (let i = 0; i < 30; i++) {
    const got = await t2.get(`hf${i % 3}`, i * 3000);
    assert.deepEqual(got?.data, blockOf(i));
    assert.equal(got?.inMemory, i % 2 === 0);
  }
  assert.equal(t2.corruptions, 0);
  await t2.close();
});

test('blocks survive a crash: the segment without an index is scanned', async () => {
  const dir = await tempDir();
  const t = await FileTier.open({ dir, capacityBytes: 1 << 20 });
  for (let i = 0; i < 10; i++) t.put('hf', i, blockOf(i));
  await t.flush();
  // The disk as a crash would leave it: the active segment has no index yet.
  const crashed = await tempDir();
  await cp(dir, crashed, { recursive: true });
  assert.deepEqual(await listSuffix(crashed, '.idx'), []);
  await t.close();

  const t2 = await FileTier.open({ dir: crashed, capacityBytes: 1 << 20 });
  assert.equal(t2.count, 10);
  for (let i = 0; i < 10; i++) assert.deepEqual((await t2.get('hf', i))?.data, blockOf(i));
  assert.equal((await listSuffix(crashed, '.idx')).length, 1, 'the scanned segment got an index');
  await t2.close();
});

test('a damaged block in a tier file is detected and never served', async () => {
  const dir = await tempDir();
  const t = await FileTier.open({ dir, capacityBytes: 1 << 20 });
  for (let i = 0; i < 5; i++) t.put('hf', i, blockOf(i));
  await t.close();

  // Flip one byte in the middle of block 2's data.
  const [seg] = await listSuffix(dir, '.seg');
  const fh = await open(join(dir, seg!), 'r+');
  const at = recordPos(2, 'hf', 3000) + recordHeaderLength(2) + 1500;
  const one = Buffer.alloc(1);
  await fh.read(one, 0, 1, at);
  one[0] = one[0]! ^ 0x40;
  await fh.write(one, 0, 1, at);
  await fh.close();

  const t2 = await FileTier.open({ dir, capacityBytes: 1 << 20 });
  assert.equal(t2.count, 5, 'the index is intact, so the damage is found on read');
  assert.equal(await t2.get('hf', 2), undefined);
  assert.equal(t2.corruptions, 1);
  assert.equal(t2.count, 4, 'the damaged block was dropped from the index');
  assert.equal(await t2.get('hf', 2), undefined);
  assert.equal(t2.corruptions, 1, 'not read again');
  for (const i of [0, 1, 3, 4]) assert.deepEqual((await t2.get('hf', i))?.data, blockOf(i));
  await t2.close();
});

test('damage while running is detected on read', async () => {
  const dir = await tempDir();
  const t = await FileTier.open({ dir, capacityBytes: 1 << 20 });
  t.put('hf', 0, blockOf(0));
  t.put('hf', 1, blockOf(1));
  await t.flush();
  const [seg] = await listSuffix(dir, '.seg');
  const fh = await open(join(dir, seg!), 'r+');
  await fh.write(Buffer.from('garbage'), 0, 7, recordPos(0, 'hf', 3000) + 100);
  await fh.close();
  assert.equal(await t.get('hf', 0), undefined);
  assert.equal(t.corruptions, 1);
  assert.deepEqual((await t.get('hf', 1))?.data, blockOf(1));
  await t.close();
});

test('a partial segment file keeps the records before the tear', async () => {
  const dir = await tempDir();
  const t = await FileTier.open({ dir, capacityBytes: 1 << 20 });
  for (let i = 0; i < 6; i++) t.put('hf', i, blockOf(i));
  await t.close();
  const [seg] = await listSuffix(dir, '.seg');
  // Cut the file in the middle of record 4: the index now describes more than the file holds.
  await truncate(join(dir, seg!), recordPos(4, 'hf', 3000) + 1000);

  const t2 = await FileTier.open({ dir, capacityBytes: 1 << 20 });
  assert.equal(t2.count, 4);
  for (let i = 0; i < 4; i++) assert.deepEqual((await t2.get('hf', i))?.data, blockOf(i));
  assert.equal(await t2.get('hf', 4), undefined);
  assert.equal(await t2.get('hf', 5), undefined);
  await t2.close();
});

test('a damaged index is ignored and the segment rescanned', async () => {
  const dir = await tempDir();
  const t = await FileTier.open({ dir, capacityBytes: 1 << 20 });
  for (let i = 0; i < 4; i++) t.put('hf', i, blockOf(i));
  await t.close();
  const [idx] = await listSuffix(dir, '.idx');
  const fh = await open(join(dir, idx!), 'r+');
  await fh.write(Buffer.from([0xff, 0xff]), 0, 2, 30);
  await fh.close();

  const t2 = await FileTier.open({ dir, capacityBytes: 1 << 20 });
  assert.equal(t2.count, 4);
  for (let i = 0; i < 4; i++) assert.deepEqual((await t2.get('hf', i))?.data, blockOf(i));
  await t2.close();
});

test('stray files are ignored; leftover temporary and orphaned index files are removed', async () => {
  const dir = await tempDir();
  await writeFile(join(dir, 'README'), 'not ours');
  await writeFile(join(dir, '00000000000000000007.idx.tmp'), 'half');
  await writeFile(join(dir, '00000000000000000009.idx'), 'orphan');
  await writeFile(join(dir, '00000000000000000003.seg'), 'not a segment');
  const t = await FileTier.open({ dir, capacityBytes: 1 << 20 });
  assert.equal(t.count, 0);
  t.put('hf', 0, blockOf(0));
  await t.close();
  const names = (await readdir(dir)).sort();
  assert.ok(names.includes('README'));
  assert.ok(!names.includes('00000000000000000007.idx.tmp'));
  assert.ok(!names.includes('00000000000000000009.idx'));
  assert.ok(!names.includes('00000000000000000003.seg'), 'a segment without a valid header holds nothing');
  const t2 = await FileTier.open({ dir, capacityBytes: 1 << 20 });
  assert.deepEqual((await t2.get('hf', 0))?.data, blockOf(0));
  await t2.close();
});

test('the tier stays within its byte bound, dropping the oldest segments', async () => {
  const dir = await tempDir();
  const seed = testSeed();
  const rnd = new SeededRandom(seed);
  const capacity = 256 << 10;
  const t = await FileTier.open({ dir, capacityBytes: capacity, segmentBytes: 32 << 10 });
  const lens: number[] = [];
  for (let i = 0; i < 200; i++) {
    const len = 500 + rnd.int(6000);
    lens.push(len);
    t.put('hf', i, blockOf(i, len));
    if (i % 7 === 0) await t.flush();
    assert.ok(t.size <= capacity, `seed=${seed}`);
  }
  await t.flush();
  let onDisk = 0;
  for (const n of await listSuffix(dir, '.seg')) onDisk += (await stat(join(dir, n))).size;
  assert.ok(onDisk <= capacity, `seed=${seed} onDisk=${onDisk}`);
  assert.equal(onDisk, t.size, `seed=${seed}`);
  assert.ok(t.evictions > 0, `seed=${seed}`);
  // FIFO by segment: the newest blocks are all present, the oldest are gone.
  assert.equal(await t.get('hf', 0), undefined, `seed=${seed}`);
  for (let i = 190; i < 200; i++) assert.deepEqual((await t.get('hf', i))?.data, blockOf(i, lens[i]), `seed=${seed}`);
  let present = 0;
  for (let i = 0; i < 200; i++) if (t.contains('hf', i)) present++;
  assert.equal(present, t.count, `seed=${seed}`);
  assert.equal(t.evictions + t.count + t.dropped, 200, `seed=${seed}`);
  await t.close();

  const t2 = await FileTier.open({ dir, capacityBytes: capacity, segmentBytes: 32 << 10 });
  assert.equal(t2.count, present, `seed=${seed}`);
  await t2.close();
  // Reopening with a smaller capacity drops the oldest segments at once.
  const t3 = await FileTier.open({ dir, capacityBytes: 100 << 10, segmentBytes: 32 << 10 });
  assert.ok(t3.size <= 100 << 10);
  assert.ok(t3.count < present);
  await t3.close();
});

test('evictFile forgets queued and written blocks of that file', async () => {
  const t = await FileTier.open({ dir: await tempDir(), capacityBytes: 1 << 20 });
  t.put('a', 0, blockOf(0));
  await t.flush();
  t.put('a', 1, blockOf(1));
  t.put('b', 0, blockOf(2));
  assert.equal(t.evictFile('a'), 2);
  await t.flush();
  assert.equal(await t.get('a', 0), undefined);
  assert.equal(await t.get('a', 1), undefined);
  assert.deepEqual((await t.get('b', 0))?.data, blockOf(2));
  assert.equal(t.count, 1);
  await t.close();
});

test('puts beyond the queue limit are dropped, not blocked', async () => {
  const t = await FileTier.open({ dir: await tempDir(), capacityBytes: 1 << 20, maxPendingBytes: 10_000 });
  for (let i = 0; i < 10; i++) t.put('hf', i, blockOf(i));
  assert.equal(t.dropped, 7);
  await t.flush();
  assert.equal(t.count, 3);
  await t.close();
});

test('bad options are rejected', async () => {
  await assert.rejects(FileTier.open({ dir: await tempDir(), capacityBytes: 1 << 20, segmentBytes: 1 << 20 }), { code: 'TSB_INVALID_CONFIG' });
});
