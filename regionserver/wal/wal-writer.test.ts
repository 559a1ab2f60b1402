import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ErrorCodes, errorCode, FencedError, InternalError } from '../../common/errors.js';
import { MemoryObjectStore } from '../../common/objectstore/memory-store.js';
import { walChunkKey } from '../../common/paths.js';
import { SeededRandom, testSeed } from '../../common/random.js';
import { S3WalBackend } from './s3-wal-backend.js';
import { SequenceAccounting } from './sequence-accounting.js';
import { HeldBackend, turn } from './testdata/held-backend.js';
import { editCells, entryId } from './testdata/wal-test-util.js';
import { entryBodySize } from './wal-encoder.js';
import { ENTRY_HEADER_SIZE } from './wal-format.js';
import { parseChunks } from './wal-reader.js';
import { WalWriter } from './wal-writer.js';

/** Tracks the settlement of a promise without awaiting it. */
function track(p: Promise<void>): { done: boolean; error: unknown } {
  const s = { done: false, error: undefined as unknown };
  p.then(
    () => (s.done = true),
    (e: unknown) => {
      s.done = true;
      s.error = e;
    },
  );
  return s;
}

test('group commit: appends of one turn coalesce into one chunk; later ones wait for the write in flight', async () => {
  const backend = new HeldBackend();
  const w = new WalWriter(backend);
  const first = Array.from({ length: 100 }, (_, i) => track(w.append(`r${i % 7}`, BigInt(i), editCells(`r${i % 7}`, BigInt(i)))));
  const chunk1 = await backend.nextCommit();
  assert.equal(parseChunks(chunk1, 'c1', { tornTailAllowed: false }).chunks[0]!.entries.length, 100);
  // While the first commit is held, more appends arrive: no second commit may start.
  const second = Array.from({ length: 50 }, (_, i) => track(w.append(`r${(100 + i) % 7}`, BigInt(100 + i), editCells(`r${(100 + i) % 7}`, BigInt(100 + i)))));
  for (let i = 0; i < 5; i++) await turn();
  assert.ok(first.every((s) => !s.done), 'nothing is acknowledged before its commit is durable');
  assert.equal(w.stats().inflight, true);
  assert.equal(w.stats().commits, 0);
  backend.release();
  await turn();
  assert.ok(first.every((s) => s.done && s.error === undefined), 'the first commit acknowledges its 100 appends');
  assert.ok(second.every((s) => !s.done), 'the second commit is not durable yet');
  const chunk2 = await backend.nextCommit();
  assert.equal(parseChunks(chunk2, 'c2', { tornTailAllowed: false }).chunks[0]!.entries.length, 50);
  backend.release();
  await turn();
  assert.ok(second.every((s) => s.done && s.error === undefined));
  assert.deepEqual(w.stats().commits, 2);
  // The log holds every edit once, in append order.
  assert.deepEqual(
    backend.entries().map(entryId),
    Array.from({ length: 150 }, (_, i) => `r${i % 7}:${i}`),
  );
});

test('group commit: many concurrent writers need few commits, and each append resolves only after its commit', async () => {
  const backend = new HeldBackend();
  backend.auto = true;
  const w = new WalWriter(backend);
  const seqs = new Map<string, bigint>();
  const writer = async (id: number) => {
    for (let i = 0; i < 50; i++) {
      const region = `r${id % 4}`;
      const seq = (seqs.get(region) ?? 0n) + 1n;
      seqs.set(region, seq);
      const durableBefore = backend.durable.length;
      await w.append(region, seq, editCells(region, seq));
      assert.ok(backend.durable.length > durableBefore, 'acknowledged only after a commit completed');
      const last = backend.durable.slice(durableBefore).some((c) => c.includes(Buffer.from(`${region}/${seq}`)));
      assert.ok(last, 'the commit that completed holds the edit');
    }
  };
  await Promise.all(Array.from({ length: 64 }, (_, i) => writer(i)));
  const { commits, entries } = w.stats();
  assert.equal(entries, 64 * 50);
  assert.ok(commits <= 50 * 2 + 2, `64 writers x 50 appends took ${commits} commits`);
  assert.equal(backend.entries().length, 64 * 50);
});

test('backpressure: a full buffer makes appends wait (not fail), in call order', async () => {
  const backend = new HeldBackend();
  // Seq ids 10..21: every entry has the same size.
  const one = ENTRY_HEADER_SIZE + entryBodySize('r', 10n, editCells('r', 10n));
  const w = new WalWriter(backend, { maxBufferBytes: 3 * one });
  const acks: number[] = [];
  const ps = Array.from({ length: 12 }, (_, i) => w.append('r', BigInt(10 + i), editCells('r', BigInt(10 + i))).then(() => acks.push(i)));
  // First commit takes the first 3 (the buffer's size); 3 more fill the buffer, 6 wait.
  await backend.nextCommit();
  assert.equal(w.stats().bufferedBytes, 3 * one);
  assert.equal(w.stats().waiting, 6);
  const sizes: number[] = [];
  while (acks.length < 12) {
    const chunk = await backend.nextCommit();
    sizes.push(parseChunks(chunk, 'c', { tornTailAllowed: false }).chunks[0]!.entries.length);
    backend.release();
    await turn();
  }
  await Promise.all(ps);
  assert.deepEqual(sizes, [3, 3, 3, 3]);
  assert.deepEqual(acks, [...Array(12).keys()]);
  assert.deepEqual(
    backend.entries().map((e) => Number(e.seqId) - 10),
    [...Array(12).keys()],
  );
});

test('backpressure: one entry larger than the buffer is admitted alone', async () => {
  const backend = new HeldBackend();
  backend.auto = true;
  const w = new WalWriter(backend, { maxBufferBytes: 100 });
  await Promise.all([w.append('r', 1n, editCells('r', 1n, 1000)), w.append('r', 2n, editCells('r', 2n, 1000)), w.append('r', 3n, editCells('r', 3n))]);
  assert.deepEqual(
    backend.durable.map((c) => parseChunks(c, 'c', { tornTailAllowed: false }).chunks[0]!.entries.length),
    [1, 1, 1],
  );
});

test('fenced: the failing commit, the buffer, the waiters and every later append fail with TSB_FENCED; nothing more is acknowledged', async () => {
  const backend = new HeldBackend();
  const one = ENTRY_HEADER_SIZE + entryBodySize('r', 1n, editCells('r', 1n));
  const w = new WalWriter(backend, { maxBufferBytes: 2 * one });
  const a = track(w.append('r', 1n, editCells('r', 1n)));
  await backend.nextCommit();
  backend.release();
  await turn();
  assert.ok(a.done && a.error === undefined);
  const inflight = track(w.append('r', 2n, editCells('r', 2n)));
  await backend.nextCommit();
  const buffered = [3n, 4n].map((s) => track(w.append('r', s, editCells('r', s))));
  const waiting = [5n, 6n, 7n].map((s) => track(w.append('r', s, editCells('r', s))));
  assert.equal(w.stats().waiting, 3);
  backend.failHeld(new FencedError('fenced by test'));
  await turn();
  for (const s of [inflight, ...buffered, ...waiting]) {
    assert.ok(s.done);
    assert.equal(errorCode(s.error), ErrorCodes.FENCED);
  }
  await assert.rejects(w.append('r', 8n, editCells('r', 8n)), (e: unknown) => errorCode(e) === ErrorCodes.FENCED);
  await turn();
  assert.equal(backend.holding, false, 'no commit after the fence');
  await w.close();
});

test('a non-retryable backend error stops the writer with TSB_FENCED carrying the cause', async () => {
  const backend = new HeldBackend();
  const w = new WalWriter(backend);
  const p = w.append('r', 1n, editCells('r', 1n));
  await backend.nextCommit();
  const cause = new InternalError('disk on fire');
  backend.failHeld(cause);
  await assert.rejects(p, (e: unknown) => e instanceof FencedError && e.code === ErrorCodes.FENCED && e.cause === cause);
});

test('abort while a commit is in flight: its appends fail even if the write later succeeds', async () => {
  const backend = new HeldBackend();
  const w = new WalWriter(backend);
  const p = track(w.append('r', 1n, editCells('r', 1n)));
  await backend.nextCommit();
  w.abort('lease lost');
  await turn();
  assert.equal(errorCode(p.error), ErrorCodes.FENCED);
  backend.release(); // the write lands anyway: still not acknowledged
  await turn();
  assert.equal(errorCode(p.error), ErrorCodes.FENCED);
  await w.close();
});

test('sequence ids must increase per region; a refused append has no effect', async () => {
  const backend = new HeldBackend();
  backend.auto = true;
  const w = new WalWriter(backend);
  await w.append('a', 5n, editCells('a', 5n));
  await assert.rejects(w.append('a', 5n, editCells('a', 5n)), (e: unknown) => errorCode(e) === ErrorCodes.INVALID_ARGUMENT);
  await assert.rejects(w.append('a', 4n, editCells('a', 4n)), (e: unknown) => errorCode(e) === ErrorCodes.INVALID_ARGUMENT);
  await w.append('b', 1n, editCells('b', 1n));
  await w.append('a', 6n, editCells('a', 6n));
  assert.deepEqual(backend.entries().map(entryId), ['a:5', 'b:1', 'a:6']);
});

test('close commits what was appended, then refuses appends with TSB_CLOSED', async () => {
  const backend = new HeldBackend();
  backend.auto = true;
  const w = new WalWriter(backend);
  const ps = [1n, 2n, 3n].map((s) => w.append('r', s, editCells('r', s)));
  await Promise.all([w.close(), w.close()]);
  await Promise.all(ps);
  assert.equal(backend.entries().length, 3);
  await assert.rejects(w.append('r', 4n, editCells('r', 4n)), (e: unknown) => errorCode(e) === ErrorCodes.CLOSED);
});

test('releaseFlushed: records the low water in a durable chunk, then deletes the flushed chunks', async () => {
  const store = new MemoryObjectStore();
  const accounting = new SequenceAccounting();
  const w = new WalWriter(new S3WalBackend(store, 'rs1', 1), { accounting });
  await w.append('a', 1n, editCells('a', 1n)); // chunk 0
  await w.append('b', 1n, editCells('b', 1n)); // chunk 1
  await w.append('a', 2n, editCells('a', 2n)); // chunk 2
  accounting.startFlush('a', 2n);
  accounting.completeFlush('a');
  // Chunk 0 holds only flushed edits; chunk 1 holds b's unflushed edit: low water 1.
  assert.equal(await w.releaseFlushed(), 1);
  assert.equal(await store.head(walChunkKey('rs1', 1, 0)), undefined);
  assert.ok(await store.head(walChunkKey('rs1', 1, 1)));
  // The low water went into chunk 3 (an empty chunk, nothing else was being written).
  const c3 = parseChunks((await store.get(walChunkKey('rs1', 1, 3))).body, 'c3', { tornTailAllowed: false }).chunks[0]!;
  assert.equal(c3.lowWater, 1);
  assert.equal(c3.entries.length, 0);
  accounting.startFlush('b', 1n);
  accounting.completeFlush('b');
  assert.equal(await w.releaseFlushed(), 4);
  for (const k of [1, 2, 3]) assert.equal(await store.head(walChunkKey('rs1', 1, k)), undefined, `chunk ${k} deleted`);
  const c4 = parseChunks((await store.get(walChunkKey('rs1', 1, 4))).body, 'c4', { tornTailAllowed: false }).chunks[0]!;
  assert.equal(c4.lowWater, 4);
  await w.close();
});

test('seeded: random appends, commit delays and a fence at a random point; acked = durable prefix', async () => {
  const seed = testSeed();
  const rnd = new SeededRandom(seed);
  const backend = new HeldBackend();
  const w = new WalWriter(backend, { maxBufferBytes: 2000 });
  const acked: string[] = [];
  const failed: string[] = [];
  const next = new Map<string, bigint>();
  const fenceAfter = 5 + rnd.int(20);
  let commits = 0;
  for (let step = 0; step < 400; step++) {
    const n = rnd.int(8);
    for (let i = 0; i < n; i++) {
      const region = `r${rnd.int(5)}`;
      const seq = (next.get(region) ?? 0n) + 1n;
      next.set(region, seq);
      const id = `${region}:${seq}`;
      w.append(region, seq, editCells(region, seq, rnd.int(200))).then(
        () => acked.push(id),
        (e: unknown) => {
          assert.equal(errorCode(e), ErrorCodes.FENCED, `seed ${seed}`);
          failed.push(id);
        },
      );
    }
    await turn();
    if (backend.holding && rnd.next() < 0.5) {
      if (commits++ === fenceAfter) backend.failHeld(new FencedError('fenced'));
      else backend.release();
    }
  }
  while (backend.holding) {
    backend.release();
    await turn();
  }
  await w.close();
  const durable = backend.entries().map(entryId);
  // (Within one commit, appends that waited for buffer space settle a reaction later.)
  assert.deepEqual([...acked].sort(), [...durable].sort(), `seed ${seed}: acknowledged edits are exactly the durable ones`);
  const lastAcked = new Map<string, number>();
  for (const id of acked) {
    const [region, seq] = id.split(':') as [string, string];
    assert.ok((lastAcked.get(region) ?? 0) < Number(seq), `seed ${seed}: per region, acks come in seq order`);
    lastAcked.set(region, Number(seq));
  }
  assert.equal(acked.length + failed.length, [...next.values()].reduce((a, b) => a + Number(b), 0), `seed ${seed}`);
});

test('double buffering: past maxChunkBytes the buffer is sealed; batches commit in call order and the next is issued before the released callers run', async () => {
  const backend = new HeldBackend();
  const entryBytes = ENTRY_HEADER_SIZE + entryBodySize('r0', 1n, editCells('r0', 1n));
  // Room for 10 entries per chunk.
  const w = new WalWriter(backend, { maxChunkBytes: entryBytes * 10 });
  const acks: number[] = [];
  const ps = Array.from({ length: 25 }, (_, i) => w.append('r0', BigInt(i + 1), editCells('r0', BigInt(i + 1))).then(() => acks.push(i)));
  const c1 = await backend.nextCommit();
  const entries = (c: Buffer) => parseChunks(c, 'c', { tornTailAllowed: false }).chunks[0]!.entries.map((e) => e.seqId);
  // A prefix of the appends was sealed at the size limit; the rest stay buffered (only one
  // batch is sealed at a time, so the second chunk may exceed the limit).
  const k = entries(c1).length;
  assert.ok(k >= 8 && k <= 10, `first chunk holds ${k} entries`);
  assert.ok(c1.length <= entryBytes * 10 + 64, 'first chunk respects maxChunkBytes');
  assert.deepEqual(entries(c1), Array.from({ length: k }, (_, i) => BigInt(i + 1)));
  backend.release();
  await Promise.resolve(); // the writer's completion reaction runs; the callers' come after it
  // The next commit is already in flight before the acknowledged callers ran.
  assert.equal(backend.holding, true, 'next commit issued from the completion, not after the callers');
  assert.deepEqual(acks, []);
  assert.deepEqual(entries(backend.heldChunk!), Array.from({ length: 25 - k }, (_, i) => BigInt(i + k + 1)));
  await turn();
  assert.deepEqual(acks, Array.from({ length: k }, (_, i) => i), 'first batch acknowledged, in call order');
  backend.release();
  await Promise.all(ps);
  assert.deepEqual(acks, Array.from({ length: 25 }, (_, i) => i));
  assert.equal(w.stats().commits, 2);
  await w.close();
});

test('double buffering: a fence fails the sealed batch too and acknowledges nothing more', async () => {
  const backend = new HeldBackend();
  const entryBytes = ENTRY_HEADER_SIZE + entryBodySize('r0', 1n, editCells('r0', 1n));
  const w = new WalWriter(backend, { maxChunkBytes: entryBytes * 2 });
  const first = [1n, 2n].map((s) => track(w.append('r0', s, editCells('r0', s))));
  await backend.nextCommit();
  // In flight: 1,2. Sealed: 3,4. Buffered: 5.
  const later = [3n, 4n, 5n].map((s) => track(w.append('r0', s, editCells('r0', s))));
  backend.failHeld(new FencedError('fenced by test'));
  for (let i = 0; i < 3; i++) await turn();
  for (const s of [...first, ...later]) assert.equal(errorCode(s.error), ErrorCodes.FENCED);
  assert.equal(backend.durable.length, 0);
});

test('a committed batch buffer is written again by a later commit; every durable chunk keeps its edits', async () => {
  const backend = new HeldBackend();
  const w = new WalWriter(backend);
  const chunks: Buffer[] = [];
  const acks: Promise<void>[] = [];
  let seq = 0;
  for (let round = 0; round < 4; round++) {
    // Appends of one turn: one commit each (the previous one is durable by now).
    for (let i = 0; i < 20; i++) {
      seq++;
      acks.push(w.append(`r${seq % 3}`, BigInt(seq), editCells(`r${seq % 3}`, BigInt(seq))));
    }
    chunks.push(await backend.nextCommit());
    backend.release();
    await turn();
  }
  await Promise.all(acks);
  // The writer alternates two batches: the third commit writes into the first one's memory.
  assert.equal(chunks[2]!.buffer, chunks[0]!.buffer);
  assert.equal(chunks[3]!.buffer, chunks[1]!.buffer);
  assert.notEqual(chunks[1]!.buffer, chunks[0]!.buffer);
  // What the backend made durable (copied at commit time) is every edit, in order.
  assert.deepEqual(
    backend.entries().map(entryId),
    Array.from({ length: 80 }, (_, i) => `r${(i + 1) % 3}:${i + 1}`),
  );
});

test('double buffering: sealed and open batches reuse the memory of committed ones; every edit is durable once, in order', async () => {
  const buffers = new Set<ArrayBufferLike>();
  const backend = new (class extends HeldBackend {
    override commit(chunk: Buffer): Promise<number> {
      buffers.add(chunk.buffer);
      return super.commit(chunk);
    }
  })();
  backend.auto = true;
  const entryBytes = ENTRY_HEADER_SIZE + entryBodySize('r0', 1n, editCells('r0', 1n));
  const w = new WalWriter(backend, { maxChunkBytes: entryBytes * 5 });
  // 8 callers, each appending 40 edits back to back (closed loop): the writer seals batches.
  let seq = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      for (let i = 0; i < 40; i++) {
        seq++;
        await w.append('r0', BigInt(seq), editCells('r0', BigInt(seq)));
      }
    }),
  );
  await w.close();
  assert.ok(w.stats().commits >= 20, `${w.stats().commits} commits`);
  // Three batches at most: the one in flight, a sealed one and the open buffer.
  assert.ok(buffers.size <= 3, `${buffers.size} distinct buffers over ${w.stats().commits} commits`);
  assert.deepEqual(
    backend.entries().map(entryId),
    Array.from({ length: 320 }, (_, i) => `r0:${i + 1}`),
  );
});
