// Row mutations are atomic: concurrent writers (row locks + MVCC) and readers (scanning at a
// read point, across awaits, while snapshots are taken and flushed) never see half a mutation.
// Interleaving is driven by a seed: every await point yields a random number of microtasks, so
// TSB_SEED=<seed> replays a failing run exactly.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { firstOnRowKey } from '../../common/cells/encoded-key.js';
import { putCell } from '../../common/cells/keyvalue.js';
import { ManualClock } from '../../common/clock.js';
import { SeededRandom, testSeed } from '../../common/random.js';
import { sameRow, seekCell } from './mem-cell.js';
import { MemStore } from './memstore.js';
import type { MemStoreScanner } from './memstore-scanner.js';
import { Mvcc } from './mvcc.js';
import { RowLocks } from './row-lock.js';

const ROWS = 6;
const COLS = 5;
const WRITERS = 6;
const MUTATIONS_PER_WRITER = 120;
const READERS = 4;

interface Newest {
  ts: bigint;
  seq: number;
  value: string;
}

/** Newest cell per column of `row` over the scanners (as a store would merge them). */
function readRow(scanners: MemStoreScanner[], row: Buffer, into: Map<string, Newest>): void {
  for (const s of scanners) {
    const first = s.seek(firstOnRowKey(row));
    if (first === undefined) continue;
    const rowKey = seekCell(firstOnRowKey(row));
    for (let c = s.next(); c !== undefined && sameRow(c, rowKey); c = s.next()) remember(into, c.toCell().qualifier.toString(), c.timestamp, c.seq, c.toCell().value.toString());
  }
}

function remember(into: Map<string, Newest>, col: string, ts: bigint, seq: number, value: string): void {
  const cur = into.get(col);
  if (cur === undefined || ts > cur.ts || (ts === cur.ts && seq > cur.seq)) into.set(col, { ts, seq, value });
}

/** The mutation id the row shows, or undefined if it shows none; throws on a torn row. */
function rowState(cols: Map<string, Newest>, what: string): number | undefined {
  if (cols.size === 0) return undefined;
  const values = new Set([...cols.values()].map((n) => n.value));
  assert.equal(cols.size, COLS, `${what}: some columns of a mutation are missing`);
  assert.equal(values.size, 1, `${what}: columns show different mutations: ${[...values].join(',')}`);
  return Number([...values][0]);
}

test('concurrent writers and readers never see half a row mutation', async () => {
  const seed = testSeed();
  const rnd = new SeededRandom(seed);
  const mvcc = new Mvcc();
  const locks = new RowLocks({ clock: new ManualClock(), timeoutMs: 1e9 });
  const ms = new MemStore({ chunkBytes: 16 << 10 });
  const flushed = new MemStore(); // stands for the files flushes wrote
  const rowName = (i: number): Buffer => Buffer.from(`row${i}`);
  const committed = new Map<string, number>(); // row -> id of the last mutation completed
  const holding = new Map<string, number>(); // row -> writers inside the row lock
  const committedTs = new Map<string, bigint>();
  let nextTs = 0;
  let nextId = 0;
  let writersLeft = WRITERS;
  let running = true;
  let tornWithoutMvcc = 0;
  let reads = 0;
  let flushes = 0;

  const pause = async (max = 4): Promise<void> => {
    for (let k = rnd.int(max); k > 0; k--) await Promise.resolve();
  };

  const writer = async (): Promise<void> => {
    try {
      await writeMutations();
    } catch (err) {
      running = false; // readers and the flusher stop, so a failing run ends
      throw err;
    } finally {
      if (--writersLeft === 0) running = false;
    }
  };

  const writeMutations = async (): Promise<void> => {
    for (let i = 0; i < MUTATIONS_PER_WRITER; i++) {
      const row = rowName(rnd.int(ROWS));
      const lock = locks.tryLock(row) ?? (await locks.lock(row));
      const holders = (holding.get(row.toString()) ?? 0) + 1;
      holding.set(row.toString(), holders);
      assert.equal(holders, 1, `seed=${seed} row=${row}: two writers hold the row lock`);
      // As in HBase, the cell timestamps are taken once the row lock is held.
      const ts = BigInt(++nextTs);
      await pause();
      const entry = mvcc.begin();
      const id = ++nextId;
      for (let c = 0; c < COLS; c++) {
        ms.addCell(putCell(row, 'f', `c${c}`, ts, String(id)), entry.writeNumber);
        await pause();
      }
      if (!mvcc.complete(entry)) await mvcc.whenReadable(entry);
      // Writers of one row are serialized: each commit's timestamp is above the last one's.
      const prevTs = committedTs.get(row.toString()) ?? 0n;
      assert.ok(ts > prevTs, `seed=${seed} row=${row}: mutation at ts ${ts} committed after one at ts ${prevTs}`);
      committedTs.set(row.toString(), ts);
      committed.set(row.toString(), id);
      holding.set(row.toString(), 0);
      lock.release();
      await pause();
    }
  };

  const reader = async (): Promise<void> => {
    const lastSeen = new Map<string, number>();
    while (running) {
      const row = rowName(rnd.int(ROWS));
      const rp = mvcc.readPoint;
      const scanners = [ms.scanner(rp), flushed.scanner(rp)];
      // Read the row in pieces across awaits while writes and flushes go on.
      const cols = new Map<string, Newest>();
      for (const s of scanners) {
        const rowKey = seekCell(firstOnRowKey(row));
        s.seek(firstOnRowKey(row));
        for (let c = s.next(); c !== undefined && sameRow(c, rowKey); c = s.next()) {
          const cell = c.toCell();
          remember(cols, cell.qualifier.toString(), cell.timestamp, c.seq, cell.value.toString());
          await pause(3);
        }
      }
      const id = rowState(cols, `seed=${seed} row=${row} readPoint=${rp}`);
      const before = lastSeen.get(row.toString()) ?? 0;
      assert.ok((id ?? 0) >= before, `seed=${seed} row=${row}: went back from mutation ${before} to ${id}`);
      lastSeen.set(row.toString(), id ?? 0);
      reads++;

      // The same read without MVCC (every cell) can be torn: the check above is not vacuous.
      const all = new Map<string, Newest>();
      readRow([ms.scanner(Infinity), flushed.scanner(Infinity)], row, all);
      const values = new Set([...all.values()].map((n) => n.value));
      if (all.size > 0 && (all.size !== COLS || values.size !== 1)) tornWithoutMvcc++;
      await pause();
    }
  };

  const flusher = async (): Promise<void> => {
    while (running) {
      for (let k = 0; k < 20; k++) await pause();
      const snap = ms.snapshot();
      await pause(); // the flush takes a while; writes and reads continue
      const s = snap.scanner();
      s.seekToFirst();
      for (let c = s.next(); c !== undefined; c = s.next()) flushed.add(c.buf, c.off, c.length, c.seq);
      await pause();
      ms.clearSnapshot(snap.id);
      flushes++;
    }
  };

  await Promise.all([...Array.from({ length: WRITERS }, writer), ...Array.from({ length: READERS }, reader), flusher()]);

  assert.equal(mvcc.readPoint, mvcc.writePoint, `seed=${seed}`);
  assert.equal(mvcc.writePoint, WRITERS * MUTATIONS_PER_WRITER);
  assert.ok(reads > 40, `seed=${seed} reads=${reads}`);
  assert.ok(flushes > 3, `seed=${seed} flushes=${flushes}`);
  console.log(`# reads=${reads} flushes=${flushes} tornWithoutMvcc=${tornWithoutMvcc}`);
  assert.ok(tornWithoutMvcc > 0, `seed=${seed}: the interleaving never produced a half-written row`);
  // Final state: each row shows its last committed mutation (row locks ordered the writers).
  for (let r = 0; r < ROWS; r++) {
    const row = rowName(r);
    const cols = new Map<string, Newest>();
    readRow([ms.scanner(mvcc.readPoint), flushed.scanner(mvcc.readPoint)], row, cols);
    assert.equal(rowState(cols, `seed=${seed} final ${row}`), committed.get(row.toString()), `seed=${seed} row=${row}`);
  }
});
