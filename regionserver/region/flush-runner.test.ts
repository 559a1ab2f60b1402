// Flush encoding off the event loop: a worker-encoded flush writes the same file as an inline
// one, reads keep working on the snapshot meanwhile and afterwards, and a worker's failure
// reaches the flush as an error.
import assert from 'node:assert/strict';
import { afterEach, test } from 'node:test';
import { encodeKeyValue, putCell } from '../../common/cells/keyvalue.js';
import { ErrorCodes, errorCode } from '../../common/errors.js';
import { MemoryObjectStore } from '../../common/objectstore/memory-store.js';
import { SeededRandom } from '../../common/random.js';
import { MemStore } from '../memstore/memstore.js';
import type { SnapshotCells } from '../memstore/snapshot-cells.js';
import { snapshotCells } from '../memstore/snapshot-cells.js';
import { columnFamily } from './column-family.js';
import type { FlushJob } from './flush-encode.js';
import { inlineFlushRunner, WorkerFlushRunner } from './flush-runner.js';
import { writeSnapshotFile } from './snapshot-writer.js';
import { b, RegionHarness } from './testdata/harness.js';

let harness: RegionHarness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

/** A MemStore with cells over several chunks (small chunks), big cells and same-key rewrites. */
function filledMemStore(seed: number): MemStore {
  const r = new SeededRandom(seed);
  const ms = new MemStore({ chunkBytes: 4096 });
  let seq = 1;
  for (let i = 0; i < 3000; i++) {
    const row = `row${String(r.int(500)).padStart(4, '0')}`;
    const size = r.int(20) === 0 ? 2000 : r.int(60); // some values larger than a chunk's eighth: buffers of their own
    const kv = encodeKeyValue(putCell(row, 'f', `q${r.int(4)}`, BigInt(1000 + r.int(3)), r.bytes(size)));
    ms.add(kv, 0, kv.length, seq++);
  }
  return ms;
}

async function objectBytes(store: MemoryObjectStore, key: string): Promise<Buffer> {
  return (await store.get(key)).body;
}

test('a flush encoded in a worker writes the same file as one encoded inline; the snapshot stays readable', async () => {
  const ms = filledMemStore(7);
  const snap = ms.snapshot();
  const before = [...cellsOf(snap)];
  const store = new MemoryObjectStore();
  const family = columnFamily({ name: 'f', maxVersions: 3, compression: 'SNAPPY', dataBlockEncoding: 'PREFIX', blockSize: 1024 });
  const worker = new WorkerFlushRunner(0);
  const a = await writeSnapshotFile(store, 'inline', snap, family, 42n, inlineFlushRunner);
  const w = await writeSnapshotFile(store, 'worker', snap, family, 42n, worker);
  assert.equal(worker.threadIds.length, 1, 'the worker path ran');
  assert.deepEqual(w, a);
  assert.ok(a.entries > 0 && a.entries < snap.cellCount, 'same-key rewrites were dropped');
  assert.ok((await objectBytes(store, 'worker')).equals(await objectBytes(store, 'inline')), 'byte for byte');
  // The worker read the chunks in place (copied into shared memory for it); nothing was
  // detached or changed.
  assert.ok(snap.cellSet.buffers.every((c) => c.buffer instanceof SharedArrayBuffer));
  assert.deepEqual([...cellsOf(snap)], before);
});

test('the snapshot cell list names every cell once, in order; for a worker, in shared memory that replaces the plain chunks', async () => {
  const ms = filledMemStore(11);
  const snap = ms.snapshot();
  const before = [...cellsOf(snap)];
  const listed = (cells: SnapshotCells): string[] => {
    assert.equal(cells.positions.length, 2 * snap.cellCount);
    const out: string[] = [];
    for (let i = 0; i < cells.positions.length; i += 2) {
      const chunk = Buffer.from(cells.chunks[cells.positions[i]!]!);
      const off = cells.positions[i + 1]!;
      const len = 8 + chunk.readUInt32BE(off) + chunk.readUInt32BE(off + 4);
      out.push(chunk.subarray(off, off + len).toString('hex'));
    }
    return out;
  };
  const plain = await snapshotCells(snap);
  assert.deepEqual(listed(plain), before);
  assert.ok(plain.chunks.length > 2 && plain.chunks.every((c) => !(c.buffer instanceof SharedArrayBuffer)), 'the MSLAB keeps plain memory');

  const shared = await snapshotCells(snap, true);
  assert.deepEqual(listed(shared), before);
  assert.ok(shared.chunks.every((c) => c.buffer instanceof SharedArrayBuffer), 'every chunk in shared memory');
  assert.ok(shared.chunks.every((c, k) => c !== plain.chunks[k]), 'copies');
  // The copies took the chunks' places: the snapshot reads them, and holds no plain chunk.
  assert.ok(snap.cellSet.buffers.every((c) => c.buffer instanceof SharedArrayBuffer));
  assert.deepEqual([...cellsOf(snap)], before);
  // A retried flush of the same snapshot (its first flush failed) copies nothing again.
  const again = await snapshotCells(snap, true);
  assert.ok(again.chunks.every((c, k) => c === shared.chunks[k]), 'chunks already shared are kept');
  assert.deepEqual(listed(again), before);
});

test('a region flush through the worker runner: reads during and after it see every write', async () => {
  const runner = new WorkerFlushRunner(0);
  const h = (harness = await RegionHarness.open({ objectStore: new MemoryObjectStore(), openOptions: { flushRunner: runner } }));
  const r = h.region;
  for (let i = 0; i < 200; i++) {
    await r.put({ kind: 'put', row: b(`r${String(i).padStart(3, '0')}`), columns: [{ family: b('f'), qualifier: b('q'), value: b(`v${i}`) }] });
  }
  const store = r.store('f')!;
  const flushing = r.flush();
  // While the flush runs (its snapshot taken, its file not yet published), the snapshot
  // answers reads.
  while (store.pendingFlush === undefined) await new Promise<void>((resolve) => setImmediate(resolve));
  assert.equal((await r.get({ row: b('r007') })).cells[0]?.value.toString(), 'v7');
  assert.ok(store.pendingFlush !== undefined && store.files.length === 0, 'the get ran while the flush was running');
  assert.deepEqual(await flushing, { files: 1, flushedSeqId: 200n });
  assert.equal(runner.threadIds.length, 1);
  assert.equal(r.store('f')!.memstore.cellCount, 0);
  for (const i of [0, 99, 199]) assert.equal((await r.get({ row: b(`r${String(i).padStart(3, '0')}`) })).cells[0]?.value.toString(), `v${i}`);
});

test("a worker's failure reaches the caller as an internal error", async () => {
  const ms = filledMemStore(3);
  const cells = await snapshotCells(ms.snapshot());
  const job: FlushJob = {
    chunks: cells.chunks,
    positions: new Uint32Array([0, 0, cells.chunks.length, 0]), // the second cell names a chunk that does not exist
    outputName: 'bad',
    maxSeqId: 1n,
    maxVersions: 1,
    blockSize: 1024,
    encoding: 'NONE',
    compression: 'NONE',
    bloomType: 'NONE',
  };
  await assert.rejects(
    async () => {
      for await (const _ of new WorkerFlushRunner(0).run(job, 1)) void _;
    },
    (e: unknown) => errorCode(e) === ErrorCodes.INTERNAL && /outside its memstore chunk/.test((e as Error).message),
  );
});

function* cellsOf(snap: ReturnType<MemStore['snapshot']>): Generator<string> {
  const s = snap.scanner();
  s.seekToFirst();
  for (let c = s.next(); c !== undefined; c = s.next()) yield c.keyValue().toString('hex');
}
