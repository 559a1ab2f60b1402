// IN_MEMORY_COMPACTION EAGER through a Region: a hot column's MemStore keeps two versions, not
// its whole history, reads (gets, a scanner left open across the updates, concurrent batches)
// answer as a family without pruning does, and the flush writes the same file.
import assert from 'node:assert/strict';
import { afterEach, test } from 'node:test';
import { ManualClock } from '../../common/clock.js';
import { MemoryObjectStore } from '../../common/objectstore/memory-store.js';
import type { Put } from '../../common/ops/operations.js';
import { RowBuffer } from '../scan/row-buffer.js';
import { columnFamily } from './column-family.js';
import { b, RegionHarness } from './testdata/harness.js';

let harness: RegionHarness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

/** The same cell into family e (EAGER) and n (NONE). */
const put = (row: string, q: string, value: string): Put => ({
  kind: 'put',
  row: b(row),
  columns: ['e', 'n'].map((f) => ({ family: b(f), qualifier: b(q), value: b(value) })),
});

function cells(r: { cells: readonly { family: Buffer; qualifier: Buffer; value: Buffer }[] }, family: string): string[] {
  return r.cells.filter((c) => c.family.toString() === family).map((c) => `${c.qualifier}=${c.value}`);
}

test('a hot column keeps two versions in an EAGER family, all of them in a NONE family; reads agree', async () => {
  const clock = new ManualClock(10_000);
  const h = (harness = await RegionHarness.open({
    objectStore: new MemoryObjectStore(),
    clock,
    families: [columnFamily({ name: 'e', inMemoryCompaction: 'EAGER' }), columnFamily({ name: 'n' })],
  }));
  const r = h.region;
  await r.put(put('cold', 'q', 'c0'));
  await r.put(put('hot', 'q', 'v0'));
  // A scanner opened now must see v0 and c0 however many updates come before it reads on.
  const sc = r.getScanner({});
  for (let i = 1; i <= 200; i++) {
    clock.advance(1);
    await r.put(put('hot', 'q', `v${i}`));
  }
  const e = r.store('e')!.memstore;
  const n = r.store('n')!.memstore;
  assert.equal(n.cellCount, 202);
  // While the scanner is open, its read point keeps v0 and everything written after it: a
  // version can go only once a settled one before it hides it from every reader.
  assert.equal(e.prunedCells, 0);
  const out = new RowBuffer();
  const seen: string[] = [];
  while (sc.nextRow(out) !== 0) seen.push(...cells(out.toResult(), 'e'), ...cells(out.toResult(), 'n'));
  sc.close();
  assert.deepEqual(seen, ['q=c0', 'q=c0', 'q=v0', 'q=v0']);
  clock.advance(1);
  await r.put(put('hot', 'q', 'v201'));
  assert.equal(e.cellCount, 3, 'cold, v201 and v200');
  assert.equal(e.prunedCells, 200);
  const g = await r.get({ row: b('hot') });
  assert.deepEqual(cells(g, 'e'), ['q=v201']);
  assert.deepEqual(cells(g, 'n'), ['q=v201']);

  // Concurrent batches to the hot row (several writes in flight at once).
  await Promise.all(
    Array.from({ length: 20 }, (_, i) => {
      clock.advance(1);
      return r.batchMutate([put('hot', 'q', `w${i}`), put('cold', 'q', `c${i + 1}`)]);
    }),
  );
  assert.ok(e.cellCount <= 6, `EAGER family holds ${e.cellCount} cells`);
  const after = await r.get({ row: b('hot') });
  assert.deepEqual(cells(after, 'e'), cells(after, 'n'));
  assert.deepEqual((await r.scanAll({})).map((x) => cells(x, 'e')), (await r.scanAll({})).map((x) => cells(x, 'n')));

  // The flush writes what the NONE family's flush writes (it trims to MAX_VERSIONS as well).
  await r.flush();
  assert.equal(r.store('e')!.files[0]!.reader.fileInfo.entries, r.store('n')!.files[0]!.reader.fileInfo.entries);
  assert.deepEqual(cells(await r.get({ row: b('hot') }), 'e'), cells(await r.get({ row: b('hot') }), 'n'));
});
