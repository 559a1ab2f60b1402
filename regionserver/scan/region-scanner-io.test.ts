// The synchronous-first contract: with every block cached, gets and scans never return
// NEEDS_IO (and regionGet returns a Result, not a promise); with nothing cached, they return
// NEEDS_IO and the async path gives the same answer, loading each block once per use; pending
// blocks of several files and families load in parallel.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Cell } from '../../common/cells/keyvalue.js';
import { CellType } from '../../common/cells/keyvalue-format.js';
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

test('file selection: time range and TTL skip files without reading them, never files whose markers matter', async () => {
  const open = async (cells: Cell[], seq: bigint, bloomType: 'ROW' | 'ROWCOL' = 'ROW') => {
    const src = new BufferSource(writeHFile(cells, { blockSize: 256, maxSeqId: seq, bloomType }), `sel-${Math.random()}`);
    return { src, reader: await HFileReader.open(src) };
  };
  const old = await open([put('r', 'f', 'q', 10)], 1n);
  const mid = await open([put('r', 'f', 'q', 40)], 2n);
  const marker = await open([{ ...put('r', 'f', 'q', 100, ''), type: CellType.DeleteColumn }], 3n);
  const view = (kdc: 'FALSE' | 'TRUE', ttlMs = Infinity): StoreReadView => ({
    family: Buffer.from('f'),
    options: { ...DEFAULT_FAMILY_READ_OPTIONS, maxVersions: 5, keepDeletedCells: kdc, ttlMs },
    memstore: new MemStore(),
    files: [old.reader, mid.reader, marker.reader],
  });
  const reads = () => [old.src.reads, mid.src.reads, marker.src.reads];
  // [30, 50): the old file is below the range; the marker file above it still matters (FALSE).
  let before = reads();
  assert.deepEqual(show((await scanAll(context([view('FALSE')]), { maxVersions: 5, timeRange: { min: 30n, max: 50n } })).results), []);
  assert.deepEqual(reads().map((n, i) => n - before[i]!), [0, 1, 1]);
  // KEEP_DELETED_CELLS: markers newer than the range are ignored, so that file is skipped too.
  before = reads();
  assert.deepEqual(show((await scanAll(context([view('TRUE')]), { maxVersions: 5, timeRange: { min: 30n, max: 50n } })).results), ['r/f:q@40=r-q-40']);
  assert.deepEqual(reads().map((n, i) => n - before[i]!), [0, 1, 0]);
  // TTL 70 at now 100: files whose newest cell is older than 30 are expired as a whole.
  before = reads();
  const ttl = await regionGet(context([view('FALSE', 70)], { nowMs: 100 }), { row: Buffer.from('r'), maxVersions: 5 });
  assert.equal(ttl.cells.length, 0);
  assert.deepEqual(reads().map((n, i) => n - before[i]!), [0, 1, 1]);
});

test('ROWCOL blooms: an explicit-column get still reads a file holding only a DeleteFamily of the row', async () => {
  const df = writeHFile([{ ...put('r', 'f', '', 50, ''), type: CellType.DeleteFamily }], { maxSeqId: 2n, bloomType: 'ROWCOL' });
  const other = writeHFile([put('s', 'f', 'q', 1)], { maxSeqId: 3n, bloomType: 'ROWCOL' });
  const puts = writeHFile([put('r', 'f', 'q', 40), put('r', 'f', 'z', 60)], { maxSeqId: 1n, bloomType: 'ROWCOL' });
  const srcs = [new BufferSource(df, 'df'), new BufferSource(other, 'other'), new BufferSource(puts, 'puts')];
  const files = await Promise.all(srcs.map((s) => HFileReader.open(s)));
  const ctx = context([{ family: Buffer.from('f'), options: DEFAULT_FAMILY_READ_OPTIONS, memstore: new MemStore(), files }]);
  const before = srcs.map((s) => s.reads);
  const r = await regionGet(ctx, { row: Buffer.from('r'), columns: [{ family: Buffer.from('f'), qualifier: Buffer.from('q') }, { family: Buffer.from('f'), qualifier: Buffer.from('z') }] });
  assert.deepEqual(show([r]), ['r/f:z@60=r-z-60']);
  assert.deepEqual(
    srcs.map((s, i) => s.reads - before[i]! > 0),
    [true, false, true],
  );
});
