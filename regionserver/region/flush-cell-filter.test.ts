import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Cell } from '../../common/cells/keyvalue.js';
import { compareCells, encodeKeyValue } from '../../common/cells/keyvalue.js';
import { CellType, KV_LENGTHS_SIZE } from '../../common/cells/keyvalue-format.js';
import type { Scan } from '../../common/ops/operations.js';
import { SeededRandom, testSeed } from '../../common/random.js';
import { modelScan } from '../scan/scan-model.js';
import { show } from '../scan/scan-test-util.js';
import type { KeepDeletedCells } from '../scan/store-read-view.js';
import { FlushCellFilter } from './flush-cell-filter.js';

const F = Buffer.from('f');
const NOW = 9;
const T = { P: CellType.Put, D: CellType.Delete, DC: CellType.DeleteColumn, DF: CellType.DeleteFamily, DFV: CellType.DeleteFamilyVersion } as const;
const NAMES = new Map<number, string>(Object.entries(T).map(([k, v]) => [v, k]));

function cell(row: string, qualifier: string, ts: number, type: CellType = CellType.Put, value = `${row}${qualifier}${ts}`): Cell {
  return { row: Buffer.from(row), family: F, qualifier: Buffer.from(qualifier), timestamp: BigInt(ts), type, value: Buffer.from(type === CellType.Put ? value : '') };
}

/** The cells `maxVersions` keeps of `cells` (given in MemStore order), as row/qualifier@ts(type). */
function kept(maxVersions: number, cells: readonly Cell[]): string[] {
  const f = new FlushCellFilter(maxVersions);
  const out: string[] = [];
  for (const c of cells) {
    const kv = encodeKeyValue(c);
    if (f.keep(kv, KV_LENGTHS_SIZE, kv.readUInt32BE(0))) out.push(`${c.row}/${c.qualifier}@${c.timestamp}${c.type === CellType.Put ? '' : NAMES.get(c.type)}`);
  }
  return out;
}

test('a column keeps its newest MAX_VERSIONS puts; each column and row counts alone', () => {
  const cells = [cell('r1', 'a', 5), cell('r1', 'a', 4), cell('r1', 'a', 3), cell('r1', 'b', 2), cell('r1', 'b', 1), cell('r2', 'a', 9), cell('r2', 'a', 8)];
  assert.deepEqual(kept(1, cells), ['r1/a@5', 'r1/b@2', 'r2/a@9']);
  assert.deepEqual(kept(2, cells), ['r1/a@5', 'r1/a@4', 'r1/b@2', 'r1/b@1', 'r2/a@9', 'r2/a@8']);
  assert.deepEqual(kept(3, cells), ['r1/a@5', 'r1/a@4', 'r1/a@3', 'r1/b@2', 'r1/b@1', 'r2/a@9', 'r2/a@8']);
});

test('of equal keys only the first (the newest write) is kept, and it counts once', () => {
  const f = new FlushCellFilter(2);
  const cells = [cell('r', 'a', 5, CellType.Put, 'new'), cell('r', 'a', 5, CellType.Put, 'old'), cell('r', 'a', 4), cell('r', 'a', 3)];
  const keptValues = cells.filter((c) => {
    const kv = encodeKeyValue(c);
    return f.keep(kv, KV_LENGTHS_SIZE, kv.readUInt32BE(0));
  });
  assert.deepEqual(
    keptValues.map((c) => `${c.timestamp}=${c.value}`),
    ['5=new', '4=ra4'],
  );
});

test('a column marker stops the trimming of its column, a family marker of its row', () => {
  // Delete@5 masks Put@5: Put@4 is the visible version and must stay.
  assert.deepEqual(kept(1, [cell('r', 'a', 5, T.D), cell('r', 'a', 5), cell('r', 'a', 4), cell('r', 'b', 2), cell('r', 'b', 1)]), ['r/a@5D', 'r/a@5', 'r/a@4', 'r/b@2']);
  // Puts above a marker are counted; the marker and everything below it stay.
  assert.deepEqual(kept(1, [cell('r', 'a', 9), cell('r', 'a', 8), cell('r', 'a', 7, T.DC), cell('r', 'a', 6)]), ['r/a@9', 'r/a@7DC', 'r/a@6']);
  // A family marker (empty qualifier: first in the row) keeps the row's columns whole; the next row is trimmed again.
  const fam = [cell('r', '', 5, T.DF), cell('r', 'a', 6), cell('r', 'a', 4), cell('r', 'a', 3), cell('s', 'a', 2), cell('s', 'a', 1)];
  assert.deepEqual(kept(1, fam), ['r/@5DF', 'r/a@6', 'r/a@4', 'r/a@3', 's/a@2']);
  const famVersion = [cell('r', '', 4, T.DFV), cell('r', 'a', 6), cell('r', 'a', 4), cell('r', 'a', 3)];
  assert.deepEqual(kept(1, famVersion), ['r/@4DFV', 'r/a@6', 'r/a@4', 'r/a@3']);
  // The empty qualifier's puts before a family marker are trimmed, those after it are not.
  assert.deepEqual(kept(1, [cell('r', '', 9), cell('r', '', 8), cell('r', '', 7, T.DF), cell('r', '', 6)]), ['r/@9', 'r/@7DF', 'r/@6']);
});

/**
 * Reads of the snapshot in memory and of what the flush keeps, side by side: a random snapshot
 * (MemStore order, equal keys by write number), an older file of Puts and DeleteColumn /
 * DeleteFamily markers, random TTL, MIN_VERSIONS and KEEP_DELETED_CELLS, every non-raw read
 * without a time range. (A Delete of one version, or a DeleteFamilyVersion, in an OLDER file
 * can unmask a trimmed version: reads then differ, as in HBase after a flush or compaction;
 * see flush-cell-filter.ts.)
 */
test('reads of the flushed cells equal reads of the snapshot (random snapshots, the reference model)', () => {
  const seed = testSeed();
  process.stderr.write(`seed=${seed} (TSB_SEED=${seed} to replay)\n`);
  const r = new SeededRandom(seed);
  const rows = ['r0', 'r1', 'r2'];
  const quals = ['', 'a', 'b'];
  const snapTypes = [...Array<CellType>(12).fill(T.P), T.D, T.DC, T.DF, T.DFV];
  let trimmed = 0;
  for (let iter = 0; iter < 300; iter++) {
    const maxVersions = 1 + r.int(3);
    const keepDeleted: KeepDeletedCells[] = ['FALSE', 'TRUE', 'TTL'];
    // Timestamps are 1..8 and the clock reads NOW = 9 (ms): a TTL of 4 ms expires those below 5.
    const options = { maxVersions, minVersions: r.int(maxVersions + 1), ttlMs: r.int(2) === 0 ? Infinity : 4, keepDeletedCells: keepDeleted[r.int(3)]! };
    const mem: { cell: Cell; seq: number }[] = [];
    const n = 1 + r.int(30);
    for (let i = 0; i < n; i++) {
      const type = snapTypes[r.int(snapTypes.length)]!;
      const family = type === T.DF || type === T.DFV;
      mem.push({ cell: cell(rows[r.int(rows.length)]!, family ? '' : quals[r.int(quals.length)]!, 1 + r.int(8), type, `v${i}`), seq: 1 + i });
    }
    mem.sort((x, y) => compareCells(x.cell, y.cell) || y.seq - x.seq);
    const older: Cell[] = [];
    for (let i = 0; i < r.int(6); i++) {
      const type = [T.P, T.P, T.DC, T.DF][r.int(4)]!;
      older.push(cell(rows[r.int(rows.length)]!, type === T.DF ? '' : quals[r.int(quals.length)]!, 1 + r.int(8), type, `o${i}`));
    }
    older.sort(compareCells);
    const dedupedOlder = older.filter((c, i) => i === 0 || compareCells(older[i - 1]!, c) !== 0);
    const filter = new FlushCellFilter(maxVersions);
    const flushed = mem
      .map((m) => m.cell)
      .filter((c) => {
        const kv = encodeKeyValue(c);
        return filter.keep(kv, KV_LENGTHS_SIZE, kv.readUInt32BE(0));
      });
    const distinctKeys = mem.filter((m, i) => i === 0 || compareCells(mem[i - 1]!.cell, m.cell) !== 0).length;
    trimmed += distinctKeys - flushed.length;
    const before = { stores: [{ family: F, options, mem, files: [dedupedOlder] }], readPoint: n, nowMs: NOW };
    const after = { stores: [{ family: F, options, mem: [], files: [dedupedOlder, flushed] }], readPoint: n, nowMs: NOW };
    for (const scan of [{ maxVersions: 1 }, { maxVersions: 2 }, { maxVersions: 10 }, { maxVersions: 10, reversed: true }] as Scan[]) {
      assert.deepEqual(show(modelScan(after, scan)), show(modelScan(before, scan)), `seed=${seed} iter=${iter} maxVersions=${maxVersions} scan=${JSON.stringify(scan)}`);
    }
  }
  assert.ok(trimmed > 100, `the random snapshots exercised the trimming (${trimmed} cells trimmed)`);
});
