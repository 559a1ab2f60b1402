// CompactionScanner: what minor and major compactions (and flushes) keep, and the property that
// matters most: user reads (no time range, not raw) return the same before and after a
// compaction, for random inputs with every marker type, TTL, MIN_VERSIONS and KEEP_DELETED_CELLS.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeKey } from '../../common/cells/encoded-key.js';
import type { Cell } from '../../common/cells/keyvalue.js';
import { CellType } from '../../common/cells/keyvalue-format.js';
import { SeededRandom, testSeed } from '../../common/random.js';
import { MemStore } from '../memstore/memstore.js';
import type { CompactionScanOptions } from './compaction-scanner.js';
import { CompactionScanner } from './compaction-scanner.js';
import { NEEDS_IO } from './key-scanner.js';
import { RowBuffer } from './row-buffer.js';
import { buildStore, context, marker, put, scanAll, show } from './scan-test-util.js';
import type { FamilyReadOptions, StoreReadView } from './store-read-view.js';
import { DEFAULT_FAMILY_READ_OPTIONS } from './store-read-view.js';

async function compact(view: StoreReadView, kind: 'minor' | 'major', nowMs: number, extra: Partial<CompactionScanOptions> = {}, maxCells = 3): Promise<Cell[]> {
  const sc = new CompactionScanner({ family: view.family, options: view.options, kind, files: view.files, nowMs, ...extra });
  const out = new RowBuffer();
  const cells: Cell[] = [];
  for (;;) {
    let more: boolean;
    const st = sc.next(out, maxCells);
    if (st === NEEDS_IO) more = await sc.nextAsync(out, maxCells);
    else more = st === 1;
    if (!more) break;
    assert.ok(out.count <= maxCells);
    for (let i = 0; i < out.count; i++) {
      const k = decodeKey(out.keyBuf(i), out.keyOff(i), out.keyLen(i));
      const v = out.valueBuf(i).subarray(out.valueOff(i), out.valueOff(i) + out.valueLen(i));
      cells.push({ row: Buffer.from(k.row), family: Buffer.from(k.family), qualifier: Buffer.from(k.qualifier), timestamp: k.timestamp, type: k.type as CellType, value: Buffer.from(v) });
    }
  }
  return cells;
}

const text = (cells: Cell[]) => show([{ row: Buffer.alloc(0), cells }])[0]!.split(' ').filter((s) => s !== '');

test('minor keeps markers and drops what they mask, excess versions and duplicates', async () => {
  const view = await buildStore({
    family: 'f',
    options: { maxVersions: 2 },
    files: [
      { cells: [put('r', 'f', 'a', 1), put('r', 'f', 'a', 2), put('r', 'f', 'a', 3, 'old'), marker('r', 'f', 'b', 5, CellType.DeleteColumn), put('r', 'f', 'b', 4)] },
      { cells: [put('r', 'f', 'a', 3, 'new'), put('r', 'f', 'c', 9)] },
    ],
  });
  assert.deepEqual(text(await compact(view, 'minor', 100)), ['r/f:a@3=new', 'r/f:a@2=r-a-2', 'r/f:b@5(DeleteColumn)=', 'r/f:c@9=r-c-9']);
  assert.deepEqual(text(await compact(view, 'major', 100)), ['r/f:a@3=new', 'r/f:a@2=r-a-2', 'r/f:c@9=r-c-9']);
});

test('major with KEEP_DELETED_CELLS keeps deleted cells and markers; TTL drops expired ones', async () => {
  const cells = [put('r', 'f', 'q', 30), put('r', 'f', 'q', 40), marker('r', 'f', 'q', 50, CellType.DeleteColumn), put('r', 'f', 'q', 60)];
  const keep = await buildStore({ family: 'f', options: { maxVersions: 5, keepDeletedCells: 'TRUE' }, files: [{ cells }] });
  assert.deepEqual(text(await compact(keep, 'major', 100)), ['r/f:q@60=r-q-60', 'r/f:q@50(DeleteColumn)=', 'r/f:q@40=r-q-40', 'r/f:q@30=r-q-30']);
  // Markers older than every Put can go.
  const old = await buildStore({ family: 'f', options: { maxVersions: 5, keepDeletedCells: 'TRUE' }, files: [{ cells: [put('r', 'f', 'q', 60), marker('r', 'f', 'q', 20, CellType.DeleteColumn)] }] });
  assert.deepEqual(text(await compact(old, 'major', 100, { earliestPutTs: 60n })), ['r/f:q@60=r-q-60']);
  // TTL 45 at now 100: cells before 55 are expired; KEEP_DELETED_CELLS=TTL drops the expired marker.
  const ttl = await buildStore({ family: 'f', options: { maxVersions: 5, keepDeletedCells: 'TTL', ttlMs: 45 }, files: [{ cells }] });
  assert.deepEqual(text(await compact(ttl, 'major', 100)), ['r/f:q@60=r-q-60']);
  const minv = await buildStore({ family: 'f', options: { maxVersions: 5, minVersions: 2, ttlMs: 45 }, files: [{ cells: [put('r', 'f', 'q', 10), put('r', 'f', 'q', 20), put('r', 'f', 'q', 30)] }] });
  assert.deepEqual(text(await compact(minv, 'major', 100)), ['r/f:q@30=r-q-30', 'r/f:q@20=r-q-20']);
});

test('a flush of a MemStore snapshot keeps the newest write of each key and MAX_VERSIONS', async () => {
  const ms = new MemStore();
  ms.addCell(put('r', 'f', 'q', 5, 'first'), 1);
  ms.addCell(put('r', 'f', 'q', 5, 'second'), 2);
  ms.addCell(put('r', 'f', 'q', 4), 3);
  ms.addCell(put('r', 'f', 'q', 3), 4);
  const snap = ms.snapshot();
  const sc = new CompactionScanner({ family: Buffer.from('f'), options: { ...DEFAULT_FAMILY_READ_OPTIONS, maxVersions: 2 }, kind: 'minor', snapshot: snap, nowMs: 100 });
  const out = new RowBuffer();
  assert.equal(sc.next(out, 100), 1);
  assert.deepEqual(
    out.cellViews().map((c) => c.valueBuf.toString('latin1', c.valueOff, c.valueOff + c.valueLen)),
    ['second', 'r-q-4'],
  );
  assert.equal(sc.next(out, 100), 0);
});

// With KEEP_DELETED_CELLS, deleted cells stay and count as versions in a compaction (as in
// HBase), so a later read can see fewer versions than before; the property holds without it.
test('user reads are the same before and after minor and major compactions (random)', async () => {
  const seed = testSeed();
  process.stderr.write(`seed=${seed} (TSB_SEED=${seed} to replay)\n`);
  const r = new SeededRandom(seed);
  const rows = ['a', 'b', 'c', 'd', 'e'];
  const quals = ['', 'x', 'y'];
  const types = [CellType.Put, CellType.Put, CellType.Put, CellType.Delete, CellType.DeleteColumn, CellType.DeleteFamily, CellType.DeleteFamilyVersion];
  for (let iter = 0; iter < 60; iter++) {
    const maxVersions = 1 + r.int(3);
    const options: FamilyReadOptions = {
      maxVersions,
      minVersions: r.int(3) === 0 ? 1 : 0,
      ttlMs: r.int(2) === 0 ? 10 + r.int(20) : Infinity,
      keepDeletedCells: 'FALSE',
    };
    const files = [];
    for (let f = 0; f < 1 + r.int(3); f++) {
      const cells: Cell[] = [];
      for (let i = 0; i < 25; i++) {
        const t = types[r.int(types.length)]!;
        const fam = t === CellType.DeleteFamily || t === CellType.DeleteFamilyVersion;
        const row = rows[r.int(rows.length)]!;
        const q = fam ? '' : quals[r.int(quals.length)]!;
        const ts = 70 + r.int(30);
        cells.push(t === CellType.Put ? put(row, 'f', q, ts, `v${r.int(100)}`) : marker(row, 'f', q, ts, t));
      }
      files.push({ cells, blockSize: 96 });
    }
    const nowMs = 100;
    const before = await buildStore({ family: 'f', options, files });
    for (const kind of ['minor', 'major'] as const) {
      const out = await compact(before, kind, nowMs, {}, 1 + r.int(7));
      const after = await buildStore({ family: 'f', options, files: [{ cells: out }] });
      if (kind === 'major') assert.ok(out.every((c) => c.type === CellType.Put), `seed=${seed} iter=${iter}: major compaction left a marker`);
      for (let q = 0; q < 6; q++) {
        const scan = { maxVersions: 1 + r.int(maxVersions), reversed: r.int(2) === 0, columns: r.int(3) === 0 ? [{ family: Buffer.from('f'), qualifier: Buffer.from(quals[r.int(3)]!) }] : undefined };
        const want = show((await scanAll(context([before], { nowMs }), scan)).results);
        const got = show((await scanAll(context([after], { nowMs }), scan)).results);
        assert.deepEqual(got, want, `seed=${seed} iter=${iter} kind=${kind} options=${JSON.stringify(options)} scan=${JSON.stringify({ ...scan, columns: scan.columns?.map((c) => c.qualifier.toString()) })}`);
      }
    }
  }
});
