// The sources and their merge, against sorted arrays: MemStore, HFile (NONE and PREFIX
// encoding, one- and multi-level indexes) and half-file scanners answer seek / reseek / next /
// seekToPreviousRow / seekToLastRow / backwardSeek like a naive model, through NEEDS_IO with no
// block cache; KeyValueHeap merges them forward and reversed (newest source first on equal
// keys), also when every move needs I/O.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compareKeys, firstOnRowKey, formatKey, keyOfCell } from '../../common/cells/encoded-key.js';
import type { Cell } from '../../common/cells/keyvalue.js';
import { compareCells } from '../../common/cells/keyvalue.js';
import { SeededRandom, testSeed } from '../../common/random.js';
import { MemStore } from '../memstore/memstore.js';
import { HFileKeyScanner } from './hfile-key-scanner.js';
import type { KeyValueScanner, ScanStatus } from './key-scanner.js';
import { END, FOUND, NEEDS_IO } from './key-scanner.js';
import { KeyValueHeap } from './key-value-heap.js';
import { MemStoreKeyScanner } from './memstore-key-scanner.js';
import { openHFile, put } from './scan-test-util.js';
import { SeekKey } from './seek-keys.js';

function randomCells(r: SeededRandom, n: number, tag: string): Cell[] {
  const out: Cell[] = [];
  for (let i = 0; i < n; i++) {
    const row = `row${String(r.int(60)).padStart(3, '0')}${r.int(4) === 0 ? 'x'.repeat(r.int(40)) : ''}`;
    out.push(put(row, 'f', ['', 'a', 'bb', 'c'][r.int(4)]!, 1 + r.int(5), `${tag}${i}`));
  }
  return out;
}

function keyText(s: KeyValueScanner): string {
  return `${formatKey(s.keyBuf, s.keyOff, s.keyLen)}=${s.valueBuf.toString('latin1', s.valueOff, s.valueOff + s.valueLen)}`;
}

function cellText(c: Cell): string {
  const k = keyOfCell(c);
  return `${formatKey(k)}=${c.value.toString('latin1')}`;
}

/** Runs a scanner operation to completion through NEEDS_IO. */
async function drive(s: { fetchPending(): Promise<void> }, op: () => ScanStatus): Promise<ScanStatus> {
  for (let i = 0; i < 50; i++) {
    const st = op();
    if (st !== NEEDS_IO) return st;
    await s.fetchPending();
  }
  throw new Error('no progress');
}

const rowOf = (c: Cell) => c.row;

test('file, half-file and MemStore scanners answer every move like a sorted array (no cache: NEEDS_IO)', async () => {
  const seed = testSeed();
  process.stderr.write(`seed=${seed} (TSB_SEED=${seed} to replay)\n`);
  const r = new SeededRandom(seed);
  for (let iter = 0; iter < 25; iter++) {
    const cells = randomCells(r, 20 + r.int(200), 'v');
    const sorted = [...cells].sort(compareCells).filter((c, i, a) => i === 0 || compareCells(a[i - 1]!, c) !== 0);
    const split = Buffer.from(`row${String(r.int(60)).padStart(3, '0')}`);
    const kind = r.int(4); // 0 whole file, 1 bottom half, 2 top half, 3 MemStore
    let scanner: KeyValueScanner;
    let model = sorted;
    if (kind === 3) {
      const ms = new MemStore();
      sorted.forEach((c, i) => ms.addCell(c, i + 1));
      scanner = MemStoreKeyScanner.of(ms, Infinity);
    } else {
      const reader = await openHFile(sorted, 1n, { blockSize: 64 + r.int(300), encoding: r.int(2) === 0 ? 'NONE' : 'PREFIX', indexBlockSize: r.int(2) === 0 ? 128 : undefined });
      if (kind === 1) model = sorted.filter((c) => Buffer.compare(c.row, split) < 0);
      if (kind === 2) model = sorted.filter((c) => Buffer.compare(c.row, split) >= 0);
      scanner = new HFileKeyScanner(reader, kind === 1 ? { order: 0, upperRow: split } : kind === 2 ? { order: 0, lowerRow: split } : { order: 0 });
    }
    const keys = model.map(keyOfCell);
    const at = (i: number) => (i < model.length ? cellText(model[i]!) : 'END');
    const show = (st: ScanStatus) => (st === FOUND ? keyText(scanner) : st === END ? 'END' : 'NEEDS_IO');
    const firstOfRow = (row: Buffer) => model.findIndex((c) => c.row.equals(row));
    const rows = [...new Set(model.map((c) => c.row.toString('latin1')))].map((x) => Buffer.from(x, 'latin1'));
    let pos = -1;
    for (let step = 0; step < 150; step++) {
      const probe = randomCells(r, 1, 'p')[0]!;
      const key = r.int(3) === 0 ? firstOnRowKey(probe.row) : keyOfCell(probe);
      const where = `seed=${seed} iter=${iter} kind=${kind} step=${step}`;
      const op = r.int(6);
      let st: ScanStatus;
      let want: number;
      if (op === 0 || (op === 1 && pos < 0)) {
        st = await drive(scanner, () => scanner.seek(key, 0, key.length));
        want = keys.findIndex((k) => compareKeys(k, 0, k.length, key, 0, key.length) >= 0);
      } else if (op === 1) {
        st = await drive(scanner, () => scanner.reseek(key, 0, key.length));
        want = keys.findIndex((k) => compareKeys(k, 0, k.length, key, 0, key.length) >= 0);
      } else if (op === 2 && pos >= 0 && pos < model.length) {
        st = await drive(scanner, () => scanner.next());
        want = pos + 1;
      } else if (op === 3) {
        st = await drive(scanner, () => scanner.seekToPreviousRow(key, 0, key.length));
        const before = rows.filter((x) => Buffer.compare(x, probe.row) < 0);
        want = before.length === 0 ? -1 : firstOfRow(before[before.length - 1]!);
      } else if (op === 4) {
        st = await drive(scanner, () => scanner.seekToLastRow());
        want = rows.length === 0 ? -1 : firstOfRow(rows[rows.length - 1]!);
      } else {
        st = await drive(scanner, () => scanner.backwardSeek(key, 0, key.length));
        const inRow = keys.findIndex((k, i) => compareKeys(k, 0, k.length, key, 0, key.length) >= 0 && rowOf(model[i]!).equals(probe.row));
        if (inRow >= 0) want = inRow;
        else {
          const before = rows.filter((x) => Buffer.compare(x, probe.row) < 0);
          want = before.length === 0 ? -1 : firstOfRow(before[before.length - 1]!);
        }
      }
      if (want < 0) want = model.length;
      assert.equal(show(st), at(want), `${where} op=${op} key=${formatKey(key)}`);
      pos = st === FOUND ? want : -1;
    }
  }
});

test('KeyValueHeap merges sources forward and reversed, newest source first on equal keys', async () => {
  const seed = testSeed();
  const r = new SeededRandom(seed);
  for (let iter = 0; iter < 20; iter++) {
    const sources: Cell[][] = [];
    const n = 1 + r.int(5);
    for (let i = 0; i < n; i++) sources.push(randomCells(r, r.int(120), `s${i}-`));
    // Source i has order i (larger = newer); the MemStore (if any) is the newest.
    const scanners: KeyValueScanner[] = [];
    const tagged: { cell: Cell; order: number }[] = [];
    for (let i = 0; i < n; i++) {
      const distinct = [...sources[i]!].sort(compareCells).filter((c, j, a) => j === 0 || compareCells(a[j - 1]!, c) !== 0);
      if (i === n - 1 && r.int(2) === 0) {
        const ms = new MemStore();
        distinct.forEach((c, j) => ms.addCell(c, j + 1));
        scanners.push(MemStoreKeyScanner.of(ms, Infinity));
        for (const cell of distinct) tagged.push({ cell, order: Number.MAX_SAFE_INTEGER });
      } else {
        const reader = await openHFile(distinct, BigInt(i + 1), { blockSize: 64 + r.int(200), encoding: r.int(2) === 0 ? 'NONE' : 'PREFIX' });
        scanners.push(new HFileKeyScanner(reader, { order: i }));
        for (const cell of distinct) tagged.push({ cell, order: i });
      }
    }
    tagged.sort((a, b) => compareCells(a.cell, b.cell) || b.order - a.order);
    const want = tagged.map((t) => cellText(t.cell));
    const reversed = r.int(2) === 0;
    const heap = new KeyValueHeap(scanners, reversed);
    const got: string[] = [];
    const settle = async (st: ScanStatus): Promise<ScanStatus> => {
      while (st === NEEDS_IO) {
        await heap.fetchPending();
        st = heap.settle();
      }
      return st;
    };
    const rowKey = new SeekKey();
    let st = await settle(reversed ? heap.seekReversed(undefined) : heap.seek(firstOnRowKey(Buffer.alloc(0)), 0, 12));
    while (st === FOUND) {
      const top = heap.top!;
      got.push(keyText(top));
      rowKey.firstOnRowOf(top);
      st = await settle(heap.next(rowKey));
    }
    if (!reversed) assert.deepEqual(got, want, `seed=${seed} iter=${iter}`);
    else {
      // Rows descending, each row's cells ascending.
      const byRow = new Map<string, string[]>();
      for (const t of tagged) {
        const k = t.cell.row.toString('latin1');
        if (!byRow.has(k)) byRow.set(k, []);
        byRow.get(k)!.push(cellText(t.cell));
      }
      const rowsDesc = [...byRow.keys()].sort((a, b) => Buffer.compare(Buffer.from(a, 'latin1'), Buffer.from(b, 'latin1'))).reverse();
      assert.deepEqual(got, rowsDesc.flatMap((k) => byRow.get(k)!), `seed=${seed} iter=${iter} reversed`);
    }
  }
});
