// The synchronous-first contract: with every block cached, gets and scans never return
// NEEDS_IO (and regionGet returns a Result, not a promise); with nothing cached, they return
// NEEDS_IO and the async path gives the same answer, loading each block once per use; pending
// blocks of several files and families load in parallel.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Cell } from '../../common/cells/keyvalue.js';
import { HFileReader } from '../hfile/hfile-reader.js';
import { BufferSource } from '../hfile/hfile-source.js';
import { writeHFile } from '../hfile/hfile-writer.js';
import { MemStore } from '../memstore/memstore.js';
import { FOUND, NEEDS_IO } from './key-scanner.js';
import { RegionScanner, regionGet } from './region-scanner.js';
import { RowBuffer } from './row-buffer.js';
import { context, MapBlockCache, put, scanAll, scanAllSync, show } from './scan-test-util.js';
import type { StoreReadView } from './store-read-view.js';
import { DEFAULT_FAMILY_READ_OPTIONS } from './store-read-view.js';

function rowName(i: number): string {
  return `row${String(i).padStart(5, '0')}`;
}

function fileCells(n: number, step: number, offset: number, ts: number): Cell[] {
  const out: Cell[] = [];
  for (let i = offset; i < n; i += step) for (const q of ['a', 'b']) out.push(put(rowName(i), 'f', q, ts, `v${i}-${q}-${ts}`));
  return out;
}

/** A BufferSource that can hold reads until released, to see them in flight together. */
const flight = { now: 0, max: 0 };

class GatedSource extends BufferSource {
  override async read(offset: number, length: number): Promise<Buffer> {
    flight.now++;
    flight.max = Math.max(flight.max, flight.now);
    await new Promise((r) => setImmediate(r));
    flight.now--;
    return super.read(offset, length);
  }
}

async function store(cache: MapBlockCache | undefined, sources: BufferSource[] = []): Promise<StoreReadView> {
  const files = [];
  for (let k = 0; k < 3; k++) {
    const bytes = writeHFile(fileCells(300, 3, k, 10 + k), { blockSize: 512, indexBlockSize: 512, maxSeqId: BigInt(k + 1) });
    const src = new GatedSource(bytes, `io-${k}-${Math.random()}`);
    sources.push(src);
    files.push(await HFileReader.open(src, { cache, fileId: src.name }));
  }
  const memstore = new MemStore();
  memstore.addCell(put(rowName(7), 'f', 'a', 99, 'newest'), 1);
  return { family: Buffer.from('f'), options: DEFAULT_FAMILY_READ_OPTIONS, memstore, files };
}

test('uncached: NEEDS_IO, then the async path gives the cached answer', async () => {
  const cache = new MapBlockCache();
  const warm = context([await store(cache)]);
  const sources: BufferSource[] = [];
  const cold = context([await store(undefined, sources)]);
  for (const scan of [{}, { reversed: true }, { startRow: Buffer.from(rowName(100)), limit: 7 }, { reversed: true, startRow: Buffer.from(rowName(200)), batch: 1, limit: 3 }]) {
    const want = show((await scanAll(warm, scan)).results);
    const got = await scanAll(cold, scan);
    assert.ok(got.ioWaits > 0, 'an uncached scan needs I/O');
    assert.deepEqual(show(got.results), want);
    assert.deepEqual(show(scanAllSync(warm, scan)), want, 'cached: no I/O at all');
  }
  assert.equal(show(scanAllSync(warm, {}))[0], `${rowName(0)}/f:a@10=v0-a-10 ${rowName(0)}/f:b@10=v0-b-10`);
  assert.equal(show(scanAllSync(warm, {}))[7], `${rowName(7)}/f:a@99=newest ${rowName(7)}/f:b@11=v7-b-11`);
});

test('regionGet is synchronous when the blocks are cached and a promise when not', async () => {
  const cache = new MapBlockCache();
  const ctx = context([await store(cache)]);
  const g = { row: Buffer.from(rowName(42)) };
  const first = regionGet(ctx, g);
  assert.ok(first instanceof Promise, 'cold get goes async');
  const r1 = await first;
  const second = regionGet(ctx, g);
  assert.ok(!(second instanceof Promise), 'warm get stays synchronous');
  assert.deepEqual(show([second]), show([r1]));
  assert.deepEqual(show([r1]), [`${rowName(42)}/f:a@10=v42-a-10 ${rowName(42)}/f:b@10=v42-b-10`]);
  // The MemStore-only row: bloom filters skip files without the row, no I/O needed.
  const missing = regionGet(context([await store(new MapBlockCache())]), { row: Buffer.from('zzz') });
  assert.ok(!(missing instanceof Promise), 'a row no file can hold is answered without I/O');
  assert.equal(missing.cells.length, 0);
});

test('a get reads only the files its row may be in (ROW bloom, key range)', async () => {
  const sources: BufferSource[] = [];
  const ctx = context([await store(undefined, sources)]);
  const before = sources.map((s) => s.reads);
  // Row 42 is only in file 0 (42 % 3 == 0).
  const r = await regionGet(ctx, { row: Buffer.from(rowName(42)) });
  assert.equal(r.cells.length, 2);
  const reads = sources.map((s, i) => s.reads - before[i]!);
  assert.ok(reads[0]! > 0, 'file 0 read');
  assert.deepEqual(reads.slice(1), [0, 0], `files 1 and 2 skipped by bloom: reads=${reads}`);
});

test('pending blocks of several files load in parallel', async () => {
  const ctx = context([await store(undefined)]);
  const sc = RegionScanner.open(ctx, {});
  const out = new RowBuffer();
  flight.max = 0;
  assert.equal(sc.nextRow(out), NEEDS_IO);
  assert.equal(await sc.nextRowAsync(out), true);
  assert.ok(flight.max >= 3, `the first blocks of the 3 files were read at once: max in flight ${flight.max}`);
  // The same out again: next row, synchronously if its block is now pinned or cached.
  const st = sc.nextRow(out);
  assert.ok(st === FOUND || st === NEEDS_IO);
});
