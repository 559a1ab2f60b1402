// Round trips: cells written by HFileWriter come back from HFileReader, for every combination of
// encoding × compression × bloom × block size × index block size (tiny index blocks force
// 3+ index levels). Seeded; the seed is printed on failure (rerun with TSB_SEED=<seed>).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compareKeyBuffers, firstOnColumnKey, firstOnRowKey, formatKey } from '../../common/cells/encoded-key.js';
import type { Cell } from '../../common/cells/keyvalue.js';
import { SeededRandom, testSeed } from '../../common/random.js';
import type { CompressionName } from './compression.js';
import { HFileReader } from './hfile-reader.js';
import { END, FOUND } from './hfile-scanner.js';
import { BufferSource } from './hfile-source.js';
import { cellsEqual, keysOf, lowerBound, MapBlockCache, randomSortedCells } from './hfile-test-util.js';
import type { BloomTypeName, EncodingName } from './hfile-writer.js';
import { writeHFile } from './hfile-writer.js';

const ENCODINGS: EncodingName[] = ['NONE', 'PREFIX'];
const CODECS: CompressionName[] = ['NONE', 'SNAPPY', 'GZ'];
const BLOOMS: BloomTypeName[] = ['NONE', 'ROW', 'ROWCOL'];
const SHAPES = [
  { blockSize: 300, indexBlockSize: 120, label: 'tiny blocks, deep index' },
  { blockSize: 4096, indexBlockSize: 128 * 1024, label: 'small blocks, 1-level index' },
  { blockSize: 64 * 1024, indexBlockSize: 128 * 1024, label: 'defaults' },
];

async function check(cells: Cell[], opts: Parameters<typeof writeHFile>[1], seed: number, r: SeededRandom): Promise<void> {
  const msg = `seed=${seed} opts=${JSON.stringify(opts)}`;
  const bytes = writeHFile(cells, { ...opts, maxSeqId: 77n });
  const src = new BufferSource(bytes, 'rt');
  const cache = new MapBlockCache();
  const reader = await HFileReader.open(src, { cache });
  assert.equal(src.reads, 1, `open is one read ${msg}`);
  assert.equal(reader.entryCount, cells.length, msg);
  assert.equal(reader.fileInfo.maxSeqId, 77n);
  const keys = keysOf(cells);

  // Full scan, async.
  const s = reader.scanner();
  let i = 0;
  for (let ok = await s.seekToFirst(); ok; ok = await s.next()) {
    assert.ok(i < cells.length, msg);
    assert.ok(cellsEqual(s.cell(), cells[i]!), `cell ${i} ${msg}: got ${formatKey(s.key())} want ${formatKey(keys[i]!)}`);
    i++;
  }
  assert.equal(i, cells.length, msg);

  // Full scan again, synchronously: every block is cached now, so no NEEDS_IO.
  const s2 = reader.scanner();
  let n = 0;
  for (let st = s2.seekToFirstSync(); st === FOUND; st = s2.nextSync()) n++;
  assert.equal(n, cells.length, `sync scan ${msg}`);
  assert.equal(s2.nextSync(), END);

  // Seeks to existing keys, to keys between cells, and past the end; with a fresh scanner
  // (full descent) and a reused one (reseek: within the current block when possible).
  const reused = reader.scanner();
  for (let k = 0; k < 300; k++) {
    let target: Buffer;
    const pick = r.int(4);
    const c = cells[r.int(cells.length)]!;
    if (pick === 0) target = keys[r.int(keys.length)]!;
    else if (pick === 1) target = firstOnRowKey(c.row);
    else if (pick === 2) target = firstOnColumnKey(c.row, c.family, Buffer.concat([c.qualifier, Buffer.from([0])]));
    else target = firstOnRowKey(Buffer.concat([c.row, Buffer.from([r.int(256)])]));
    const want = lowerBound(keys, target);
    for (const sc of [reader.scanner(), reused]) {
      const found = sc === reused ? await sc.reseek(target) : await sc.seek(target);
      assert.equal(found, want < keys.length, `seek ${formatKey(target)} ${msg}`);
      if (found) assert.equal(compareKeyBuffers(sc.key(), keys[want]!), 0, `seek ${formatKey(target)} landed on ${formatKey(sc.key())} want ${formatKey(keys[want]!)} ${msg}`);
    }
  }
  assert.equal(await reader.scanner().seek(firstOnRowKey(Buffer.from([0xff, 0xff, 0xff, 0xff]))), false);
  assert.equal(await reader.scanner().seek(firstOnRowKey(Buffer.from([0]))), true);

  // Rows: present rows have no false negatives; getRow returns exactly the row's cells.
  const rows = new Map<string, Cell[]>();
  for (const c of cells) {
    const k = c.row.toString('latin1');
    const list = rows.get(k);
    if (list === undefined) rows.set(k, [c]);
    else list.push(c);
  }
  const rowList = [...rows.values()];
  for (let k = 0; k < 100; k++) {
    const want = rowList[r.int(rowList.length)]!;
    const row = want[0]!.row;
    assert.ok(await reader.mayContainRow(row), `bloom false negative ${msg}`);
    for (const c of want) assert.ok(await reader.mayContainColumn(firstOnColumnKey(c.row, c.family, c.qualifier)), `column bloom false negative ${msg}`);
    const got = await reader.getRow(row);
    assert.equal(got.length, want.length, msg);
    got.forEach((c, j) => assert.ok(cellsEqual(c, want[j]!), msg));
  }
  // Absent rows: getRow is empty; with a ROW bloom most are rejected without I/O.
  let rejected = 0;
  let absent = 0;
  for (let k = 0; k < 400; k++) {
    const row = Buffer.concat([rowList[r.int(rowList.length)]![0]!.row, Buffer.from('~absent'), Buffer.from(String(k))]);
    if (rows.has(row.toString('latin1'))) continue;
    absent++;
    if (!(await reader.mayContainRow(row))) rejected++;
    assert.equal((await reader.getRow(row)).length, 0, msg);
  }
  if (opts?.bloomType === 'ROW') assert.ok(rejected >= absent * 0.9, `bloom rejected only ${rejected}/${absent} ${msg}`);

  // FileInfo.
  const info = reader.fileInfo;
  assert.equal(info.entries, BigInt(cells.length));
  assert.equal(compareKeyBuffers(info.lastKey!, keys[keys.length - 1]!), 0);
  assert.equal(compareKeyBuffers(reader.firstKey!, keys[0]!), 0);
  let min = cells[0]!.timestamp;
  let max = min;
  for (const c of cells) {
    if (c.timestamp < min) min = c.timestamp;
    if (c.timestamp > max) max = c.timestamp;
  }
  assert.deepEqual(info.timeRange, { min, max });
  const mid = await reader.midKey();
  assert.ok(mid !== undefined && lowerBound(keys, mid) < keys.length && compareKeyBuffers(keys[lowerBound(keys, mid)]!, mid) === 0, `mid key is a key of the file ${msg}`);
}

for (const shape of SHAPES) {
  test(`round trip: ${shape.label}, every encoding × compression × bloom`, async () => {
    const seed = testSeed();
    const r = new SeededRandom(seed);
    const cells = randomSortedCells(r, { count: shape.blockSize < 1000 ? 800 : 3000, bigValue: shape.blockSize < 1000 ? 2000 : 70_000, families: 2 });
    for (const encoding of ENCODINGS) {
      for (const compression of CODECS) {
        for (const bloomType of BLOOMS) {
          await check(cells, { encoding, compression, bloomType, blockSize: shape.blockSize, indexBlockSize: shape.indexBlockSize, bloomChunkSize: 64 }, seed, r);
        }
      }
    }
  });
}

test('tiny index blocks produce at least 3 index levels', async () => {
  const seed = testSeed();
  const r = new SeededRandom(seed);
  const cells = randomSortedCells(r, { count: 2000 });
  const bytes = writeHFile(cells, { blockSize: 200, indexBlockSize: 100 });
  const reader = await HFileReader.open(new BufferSource(bytes));
  assert.ok(reader.indexLevels >= 3, `levels=${reader.indexLevels} seed=${seed}`);
  const s = reader.scanner();
  let n = 0;
  for (let ok = await s.seekToFirst(); ok; ok = await s.next()) n++;
  assert.equal(n, cells.length);
});

test('an empty file opens, scans nothing and has no mid key', async () => {
  const bytes = writeHFile([], { bloomType: 'ROW' });
  const reader = await HFileReader.open(new BufferSource(bytes));
  assert.equal(reader.entryCount, 0);
  assert.equal(reader.firstKey, undefined);
  assert.equal(reader.lastKey, undefined);
  assert.equal(await reader.midKey(), undefined);
  assert.equal(await reader.scanner().seekToFirst(), false);
  assert.equal(await reader.scanner().seek(firstOnRowKey(Buffer.from('a'))), false);
  assert.equal(await reader.mayContainRow(Buffer.from('a')), false);
  assert.ok(reader.fileInfo.timeRange.min > reader.fileInfo.timeRange.max);
});

test('a single cell larger than the block size gets a block of its own', async () => {
  const big = Buffer.alloc(200_000, 7);
  const cells: Cell[] = [
    { row: Buffer.from('a'), family: Buffer.from('f'), qualifier: Buffer.alloc(0), timestamp: 1n, type: 4, value: Buffer.from('x') },
    { row: Buffer.from('b'), family: Buffer.from('f'), qualifier: Buffer.alloc(0), timestamp: 1n, type: 4, value: big },
    { row: Buffer.from('c'), family: Buffer.from('f'), qualifier: Buffer.alloc(0), timestamp: 1n, type: 4, value: Buffer.from('y') },
  ];
  const reader = await HFileReader.open(new BufferSource(writeHFile(cells, { blockSize: 1024, compression: 'SNAPPY' })));
  const got = await reader.getRow(Buffer.from('b'));
  assert.equal(got.length, 1);
  assert.ok(got[0]!.value.equals(big));
  assert.equal(reader.trailer.dataBlockCount, 2);
});
