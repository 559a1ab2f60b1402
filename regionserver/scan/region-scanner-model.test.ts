// Model check: random cells in MemStores and HFiles (overlapping keys, equal timestamps, every
// marker type, MVCC read points, TTL, MIN_VERSIONS, KEEP_DELETED_CELLS, half-file references)
// read by RegionScanner and by the reference model (scan-model.ts) must give the same Results,
// for random scans (versions, time ranges, columns, reversed, start/stop, limit, batch, raw,
// filters) and gets — through the async path with no block cache (every block a NEEDS_IO) and
// through the synchronous path with every block cached. Prints the seed; TSB_SEED replays one.

import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { test } from 'node:test';
import type { Cell } from '../../common/cells/keyvalue.js';
import { CellType } from '../../common/cells/keyvalue-format.js';
import type { ColumnSpec, Get, Result, Scan } from '../../common/ops/operations.js';
import { SeededRandom, testSeed } from '../../common/random.js';
import type { FilterJson } from '../filter/filter-json.js';
import { regionGet } from './region-scanner.js';
import type { ModelStore } from './scan-model.js';
import { modelScan } from './scan-model.js';
import type { FileSpec, StoreSpec } from './scan-test-util.js';
import { buildStore, context, MapBlockCache, scanAll, scanAllSync, show } from './scan-test-util.js';
import type { FamilyReadOptions, KeepDeletedCells } from './store-read-view.js';
import { DEFAULT_FAMILY_READ_OPTIONS } from './store-read-view.js';

const ROWS = ['r0', 'r1', 'r2', 'r3', 'r4', 'r5', 'r6', 'r7', 'r8', 'r9'];
const QUALS = ['', 'a', 'b', 'c'];
const NOW = 100;

function b64(s: string): string {
  return Buffer.from(s).toString('base64');
}

function randomCell(r: SeededRandom, family: string): Cell {
  const row = Buffer.from(ROWS[r.int(ROWS.length)]!);
  const ts = BigInt(80 + r.int(20));
  const k = r.int(10);
  const fam = Buffer.from(family);
  if (k < 6) {
    const q = Buffer.from(QUALS[r.int(QUALS.length)]!);
    return { row, family: fam, qualifier: q, timestamp: ts, type: CellType.Put, value: Buffer.from(`v${r.int(1000)}`) };
  }
  if (k === 6) return { row, family: fam, qualifier: Buffer.alloc(0), timestamp: ts, type: CellType.DeleteFamily, value: Buffer.alloc(0) };
  if (k === 7) return { row, family: fam, qualifier: Buffer.alloc(0), timestamp: ts, type: CellType.DeleteFamilyVersion, value: Buffer.alloc(0) };
  const q = Buffer.from(QUALS[r.int(QUALS.length)]!);
  return { row, family: fam, qualifier: q, timestamp: ts, type: k === 8 ? CellType.Delete : CellType.DeleteColumn, value: Buffer.alloc(0) };
}

function randomOptions(r: SeededRandom): FamilyReadOptions {
  const maxVersions = 1 + r.int(4);
  const kdc: KeepDeletedCells[] = ['FALSE', 'FALSE', 'TRUE', 'TTL'];
  return {
    maxVersions,
    minVersions: r.int(3) === 0 ? Math.min(maxVersions, 1 + r.int(2)) : 0,
    ttlMs: r.int(3) === 0 ? 5 + r.int(15) : Infinity,
    keepDeletedCells: kdc[r.int(kdc.length)]!,
  };
}

interface World {
  specs: StoreSpec[];
  model: ModelStore[];
  readPoint: number;
}

function randomWorld(r: SeededRandom): World {
  const nFam = 1 + r.int(2);
  const specs: StoreSpec[] = [];
  const model: ModelStore[] = [];
  for (let f = 0; f < nFam; f++) {
    const family = f === 0 ? 'f' : 'g';
    const options = randomOptions(r);
    const mem: { cell: Cell; seq: number }[] = [];
    const nMem = r.int(30);
    for (let i = 0; i < nMem; i++) mem.push({ cell: randomCell(r, family), seq: 1 + r.int(40) });
    const files: FileSpec[] = [];
    const modelFiles: Cell[][] = [];
    const nFiles = r.int(4);
    for (let i = 0; i < nFiles; i++) {
      const cells: Cell[] = [];
      const n = r.int(40);
      for (let j = 0; j < n; j++) cells.push(randomCell(r, family));
      const half = r.int(5) === 0 ? { half: (r.int(2) === 0 ? 'top' : 'bottom') as 'top' | 'bottom', splitRow: Buffer.from(ROWS[1 + r.int(ROWS.length - 1)]!) } : undefined;
      files.push({ cells, half, blockSize: 64 + r.int(400), bloomType: (['NONE', 'ROW', 'ROWCOL'] as const)[r.int(3)], encoding: r.int(2) === 0 ? 'NONE' : 'PREFIX' });
      modelFiles.push(half === undefined ? cells : cells.filter((c) => (Buffer.compare(c.row, half.splitRow) < 0) === (half.half === 'bottom')));
    }
    specs.push({ family, options, mem, files });
    model.push({ family: Buffer.from(family), options, mem, files: modelFiles });
  }
  return { specs, model, readPoint: 20 + r.int(25) };
}

function randomFilter(r: SeededRandom): FilterJson | undefined {
  switch (r.int(10)) {
    case 0:
      return { type: 'ValueFilter', op: r.int(2) === 0 ? 'LESS' : 'GREATER_OR_EQUAL', comparator: { type: 'BinaryComparator', value: b64(`v${r.int(1000)}`) } };
    case 1:
      return { type: 'QualifierFilter', op: 'NOT_EQUAL', comparator: { type: 'BinaryComparator', value: b64(QUALS[r.int(QUALS.length)]!) } };
    case 2:
      return { type: 'ColumnPrefixFilter', value: b64(QUALS[1 + r.int(3)]!) };
    case 3:
      return { type: 'ColumnRangeFilter', minColumn: b64('a'), minColumnInclusive: r.int(2) === 0, maxColumn: b64('b'), maxColumnInclusive: r.int(2) === 0 };
    case 4:
      return { type: 'TimestampsFilter', timestamps: [80 + r.int(20), 80 + r.int(20), 80 + r.int(20)] };
    case 5:
      return { type: 'KeyOnlyFilter' };
    case 6:
      return { type: 'FirstKeyOnlyFilter' };
    case 7:
      return { type: 'RowFilter', op: 'NOT_EQUAL', comparator: { type: 'BinaryComparator', value: b64(ROWS[r.int(ROWS.length)]!) } };
    case 8:
      return {
        type: 'FilterList',
        op: r.int(2) === 0 ? 'MUST_PASS_ALL' : 'MUST_PASS_ONE',
        filters: [
          { type: 'ValueFilter', op: 'GREATER', comparator: { type: 'BinaryComparator', value: b64(`v${r.int(1000)}`) } },
          { type: 'ColumnPrefixFilter', value: b64(QUALS[1 + r.int(3)]!) },
        ],
      };
    default:
      return { type: 'PrefixFilter', value: b64(`r${r.int(10)}`) };
  }
}

function randomScan(r: SeededRandom, world: World): Scan {
  const raw = r.int(8) === 0;
  let columns: ColumnSpec[] | undefined;
  if (r.int(3) === 0) {
    columns = [];
    for (const s of world.specs) {
      const k = r.int(3);
      if (k === 0) columns.push({ family: Buffer.from(s.family) });
      else if (k === 1 && !raw) for (let i = 0; i < 1 + r.int(2); i++) columns.push({ family: Buffer.from(s.family), qualifier: Buffer.from(QUALS[r.int(QUALS.length)]!) });
    }
    if (columns.length === 0) columns = undefined;
  }
  const min = 80 + r.int(15);
  const filter = r.int(3) === 0 ? randomFilter(r) : undefined;
  // With a filter the request asks for at least the family's versions: the model cuts versions
  // after the filter, which only equals HBase's in-matcher cut for stateless filters.
  const maxVersions = filter !== undefined ? 5 : 1 + r.int(5);
  return {
    raw,
    columns,
    maxVersions,
    timeRange: r.int(3) === 0 ? { min: BigInt(min), max: BigInt(min + r.int(12)) } : undefined,
    reversed: r.int(3) === 0,
    startRow: r.int(3) === 0 ? Buffer.from(ROWS[r.int(ROWS.length)]!) : undefined,
    stopRow: r.int(3) === 0 ? Buffer.from(ROWS[r.int(ROWS.length)]!) : undefined,
    limit: r.int(4) === 0 ? 1 + r.int(4) : undefined,
    batch: r.int(4) === 0 && filter === undefined ? 1 + r.int(3) : undefined,
    filter,
  };
}

function describe(scan: Scan): string {
  return JSON.stringify(scan, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v instanceof Buffer || (v as { type?: string })?.type === 'Buffer' ? Buffer.from(v as Buffer).toString('latin1') : v));
}

test('RegionScanner matches the reference model on random stores and scans', async () => {
  const seed = testSeed();
  process.stderr.write(`seed=${seed} (TSB_SEED=${seed} to replay)\n`);
  const r = new SeededRandom(seed);
  for (let iter = 0; iter < 150; iter++) {
    const world = randomWorld(r);
    const cold = await Promise.all(world.specs.map((s) => buildStore(s)));
    const cache = new MapBlockCache();
    const warm = await Promise.all(world.specs.map((s) => buildStore(s, cache)));
    const bounds = r.int(5) === 0 ? { regionStartRow: Buffer.from('r2'), regionEndRow: Buffer.from('r8') } : {};
    const mctx = { stores: world.model, readPoint: world.readPoint, nowMs: NOW, ...bounds };
    const coldCtx = context(cold, { readPoint: world.readPoint, nowMs: NOW, ...bounds });
    const warmCtx = context(warm, { readPoint: world.readPoint, nowMs: NOW, ...bounds });
    // Warm the cache with full scans both ways (outside the region bounds too: gets may go there).
    const warmAll = context(warm, { readPoint: world.readPoint, nowMs: NOW });
    await scanAll(warmAll, { maxVersions: 10, raw: true });
    await scanAll(warmAll, { maxVersions: 10, raw: true, reversed: true });
    for (let q = 0; q < 8; q++) {
      const scan = randomScan(r, world);
      const where = `seed=${seed} iter=${iter} q=${q} scan=${describe(scan)}`;
      if (process.env['TSB_TRACE'] !== undefined) process.stderr.write(`${where}\n`);
      if (process.env['TSB_DUMP'] === `${iter}:${q}`) dumpCase(world, scan, bounds);
      const want = show(modelScan(mctx, scan));
      const got = await scanAll(coldCtx, scan);
      assert.deepEqual(show(got.results), want, where);
      let sync: Result[];
      try {
        sync = scanAllSync(warmCtx, scan);
      } catch (err) {
        throw new Error(`${where} (sync, cached): ${(err as Error).message}`, { cause: err });
      }
      assert.deepEqual(show(sync), want, `${where} (sync, cached)`);
    }
    for (let q = 0; q < 4; q++) {
      const scan = randomScan(r, world);
      const get: Get = { row: Buffer.from(ROWS[r.int(ROWS.length)]!), columns: scan.columns, maxVersions: scan.maxVersions, timeRange: scan.timeRange, raw: scan.raw, filter: scan.filter };
      const where = `seed=${seed} iter=${iter} get=${describe(get)}`;
      if (process.env['TSB_DUMP'] === `${iter}:g${q}`) dumpCase(world, { ...get, get: true } as Scan, bounds);
      const want = show(modelScan(mctx, get, get.row));
      const res = await regionGet(coldCtx, get);
      assert.deepEqual(show(res.cells.length === 0 ? [] : [res]), want, where);
      const sync = regionGet(warmCtx, get);
      assert.ok(!(sync instanceof Promise), `${where}: a cached get must not await`);
      assert.deepEqual(show((sync as Result).cells.length === 0 ? [] : [sync as Result]), want, `${where} (sync)`);
    }
  }
});

void DEFAULT_FAMILY_READ_OPTIONS;

// Writes the case to /tmp/scan-case.json (TSB_DUMP=iter:q) for a debugging script.
function dumpCase(world: World, scan: Scan, bounds: object): void {
  const json = JSON.stringify({ world, scan, bounds }, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v === Infinity ? 'Infinity' : v));
  writeFileSync('/tmp/scan-case.json', json);
}
