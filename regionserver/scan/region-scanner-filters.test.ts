// Filters through the region scanner: every filter of regionserver/filter (stateful ones too:
// PageFilter, ColumnCountGetFilter, ColumnPaginationFilter, WhileMatchFilter, SkipFilter,
// SingleColumnValueFilter(Exclude), FirstKeyOnlyFilter, InclusiveStopFilter, FilterList) over
// two families in a MemStore and files, forward and reversed, compared with the reference
// driver (filter/apply-filter.ts, via scan-model.ts). Plus literal HBase answers for a few.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Cell } from '../../common/cells/keyvalue.js';
import { SeededRandom, testSeed } from '../../common/random.js';
import type { FilterJson } from '../filter/filter-json.js';
import { modelScan } from './scan-model.js';
import { buildStore, context, MapBlockCache, put, scanAll, scanAllSync, show } from './scan-test-util.js';
import { DEFAULT_FAMILY_READ_OPTIONS } from './store-read-view.js';

const b64 = (s: string) => Buffer.from(s).toString('base64');
const cmp = (value: string) => ({ type: 'BinaryComparator' as const, value: b64(value) });

const FILTERS: FilterJson[] = [
  { type: 'PageFilter', value: '3' },
  { type: 'ColumnCountGetFilter', limit: 2 },
  { type: 'ColumnPaginationFilter', limit: 2, offset: 1 },
  { type: 'ColumnPaginationFilter', limit: 1, columnOffset: b64('b') },
  { type: 'WhileMatchFilter', filters: [{ type: 'RowFilter', op: 'LESS', comparator: cmp('r5') }] },
  { type: 'WhileMatchFilter', filters: [{ type: 'ValueFilter', op: 'NOT_EQUAL', comparator: cmp('v7') }] },
  { type: 'SkipFilter', filters: [{ type: 'ValueFilter', op: 'NOT_EQUAL', comparator: cmp('v3') }] },
  { type: 'SingleColumnValueFilter', family: b64('f'), qualifier: b64('a'), op: 'GREATER', comparator: cmp('v4'), ifMissing: true, latestVersion: true },
  { type: 'SingleColumnValueFilter', family: b64('f'), qualifier: b64('a'), op: 'EQUAL', comparator: cmp('v2'), ifMissing: false, latestVersion: false },
  { type: 'SingleColumnValueExcludeFilter', family: b64('g'), qualifier: b64('b'), op: 'LESS_OR_EQUAL', comparator: cmp('v5'), ifMissing: false, latestVersion: true },
  { type: 'FirstKeyOnlyFilter' },
  { type: 'KeyOnlyFilter', lenAsVal: true },
  { type: 'InclusiveStopFilter', value: b64('r4') },
  { type: 'PrefixFilter', value: b64('r1') },
  { type: 'MultipleColumnPrefixFilter', prefixes: [b64('a'), b64('c')] },
  { type: 'ColumnRangeFilter', minColumn: b64('b'), minColumnInclusive: true, maxColumn: b64('c'), maxColumnInclusive: false },
  { type: 'TimestampsFilter', timestamps: [2, 4], canHint: true },
  { type: 'FamilyFilter', op: 'EQUAL', comparator: cmp('g') },
  { type: 'FilterList', op: 'MUST_PASS_ONE', filters: [{ type: 'PrefixFilter', value: b64('r2') }, { type: 'ColumnPrefixFilter', value: b64('c') }] },
  { type: 'FilterList', op: 'MUST_PASS_ALL', filters: [{ type: 'PageFilter', value: '2' }, { type: 'ValueFilter', op: 'GREATER', comparator: cmp('v3') }] },
];

function randomPuts(r: SeededRandom, family: string, n: number): Cell[] {
  const out: Cell[] = [];
  for (let i = 0; i < n; i++) out.push(put(`r${r.int(8)}`, family, ['a', 'b', 'c', 'd'][r.int(4)]!, 1 + r.int(5), `v${r.int(10)}`));
  return out;
}

test('stateful and stateless filters match the reference driver, both directions, cold and cached', async () => {
  const seed = testSeed();
  process.stderr.write(`seed=${seed} (TSB_SEED=${seed} to replay)\n`);
  const r = new SeededRandom(seed);
  for (let iter = 0; iter < 12; iter++) {
    const opts = { ...DEFAULT_FAMILY_READ_OPTIONS, maxVersions: 1 + r.int(3) };
    const stores = ['f', 'g'].map((family) => ({
      family,
      options: opts,
      mem: randomPuts(r, family, 15).map((cell, i) => ({ cell, seq: i + 1 })),
      files: [{ cells: randomPuts(r, family, 25), blockSize: 96 }, { cells: randomPuts(r, family, 25), blockSize: 128 }],
    }));
    const model = stores.map((s) => ({ family: Buffer.from(s.family), options: opts, mem: s.mem, files: s.files.map((f) => f.cells) }));
    const cold = context(await Promise.all(stores.map((s) => buildStore(s))));
    const cache = new MapBlockCache();
    const warm = context(await Promise.all(stores.map((s) => buildStore(s, cache))));
    await scanAll(warm, { raw: true, maxVersions: 9 });
    await scanAll(warm, { raw: true, maxVersions: 9, reversed: true });
    for (const filter of FILTERS) {
      for (const reversed of [false, true]) {
        const scan = { filter, reversed, maxVersions: 3 };
        const where = `seed=${seed} iter=${iter} filter=${JSON.stringify(filter)} reversed=${reversed}`;
        const want = show(modelScan({ stores: model, readPoint: Number.MAX_SAFE_INTEGER, nowMs: 1_000_000 }, scan));
        assert.deepEqual(show((await scanAll(cold, scan)).results), want, where);
        assert.deepEqual(show(scanAllSync(warm, scan)), want, `${where} (cached)`);
      }
    }
  }
});

test('literal answers: PageFilter, SingleColumnValueFilter, WhileMatchFilter', async () => {
  const cells = [put('r1', 'f', 'a', 1, 'x'), put('r1', 'f', 'b', 1, '1'), put('r2', 'f', 'a', 1, 'y'), put('r3', 'f', 'a', 1, 'x'), put('r3', 'f', 'b', 1, '3'), put('r4', 'f', 'b', 1, '4')];
  const ctx = context([await buildStore({ family: 'f', files: [{ cells }] })]);
  const rows = async (filter: FilterJson, reversed = false) => show((await scanAll(ctx, { filter, reversed })).results);
  assert.deepEqual(await rows({ type: 'PageFilter', value: '2' }), ['r1/f:a@1=x r1/f:b@1=1', 'r2/f:a@1=y']);
  assert.deepEqual(await rows({ type: 'PageFilter', value: '2' }, true), ['r4/f:b@1=4', 'r3/f:a@1=x r3/f:b@1=3']);
  // Rows whose a == 'x'; rows without a column a pass unless filterIfMissing.
  const scvf = (ifMissing: boolean): FilterJson => ({ type: 'SingleColumnValueFilter', family: b64('f'), qualifier: b64('a'), op: 'EQUAL', comparator: cmp('x'), ifMissing, latestVersion: true });
  assert.deepEqual(await rows(scvf(true)), ['r1/f:a@1=x r1/f:b@1=1', 'r3/f:a@1=x r3/f:b@1=3']);
  assert.deepEqual(await rows(scvf(false)), ['r1/f:a@1=x r1/f:b@1=1', 'r3/f:a@1=x r3/f:b@1=3', 'r4/f:b@1=4']);
  assert.deepEqual(await rows({ type: 'WhileMatchFilter', filters: [{ type: 'ValueFilter', op: 'NOT_EQUAL', comparator: cmp('y') }] }), ['r1/f:a@1=x r1/f:b@1=1']);
});
