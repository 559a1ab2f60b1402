import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ErrorCodes, errorCode } from '../../common/errors.js';
import { MemoryObjectStore } from '../../common/objectstore/memory-store.js';
import { listAllKeys } from '../../common/objectstore/object-store.js';
import { walChunkKey, walEpochPrefix } from '../../common/paths.js';
import { S3WalBackend } from './s3-wal-backend.js';
import { ScriptedStore } from './testdata/scripted-store.js';
import { edit } from './testdata/wal-test-util.js';
import { encodeEdits, encodeFenceChunk } from './wal-encoder.js';

const fast = { retryDelayMs: 1, maxRetryDelayMs: 2 };

test('chunks go to consecutive keys, written create-if-absent', async () => {
  const store = new MemoryObjectStore();
  const b = new S3WalBackend(store, 'rs1', 9);
  for (let k = 0; k < 3; k++) {
    assert.equal(b.nextUnit(), k);
    assert.equal(await b.commit(encodeEdits([edit('a', BigInt(k))])), k);
  }
  assert.deepEqual(
    (await listAllKeys(store, walEpochPrefix('rs1', 9))).map((o) => o.key),
    [0, 1, 2].map((k) => walChunkKey('rs1', 9, k)),
  );
});

test('a transient failure is retried with the same bytes at the same key', async () => {
  const store = new ScriptedStore(new MemoryObjectStore());
  let failures = 3;
  store.putFault = () => (failures-- > 0 ? 'fail-before' : undefined);
  const b = new S3WalBackend(store, 'rs1', 1, fast);
  const chunk = encodeEdits([edit('a', 1n)]);
  assert.equal(await b.commit(chunk), 0);
  assert.deepEqual(store.puts, Array(4).fill(walChunkKey('rs1', 1, 0)));
  assert.deepEqual((await store.get(walChunkKey('rs1', 1, 0))).body, chunk);
});

test('a write that landed but whose answer was lost is recognised on retry (our bytes) and acknowledged', async () => {
  const store = new ScriptedStore(new MemoryObjectStore());
  let first = true;
  store.putFault = () => {
    const f = first;
    first = false;
    return f ? 'fail-after' : undefined;
  };
  const b = new S3WalBackend(store, 'rs1', 1, fast);
  assert.equal(await b.commit(encodeEdits([edit('a', 1n)])), 0);
  assert.equal(await b.commit(encodeEdits([edit('a', 2n)])), 1);
});

test('the next chunk slot holding a fence (or any other bytes) means fenced: TSB_FENCED', async () => {
  const store = new MemoryObjectStore();
  const b = new S3WalBackend(store, 'rs1', 1);
  await b.commit(encodeEdits([edit('a', 1n)]));
  await store.put(walChunkKey('rs1', 1, 1), encodeFenceChunk(), { ifNoneMatch: '*' });
  await assert.rejects(b.commit(encodeEdits([edit('a', 2n)])), (e: unknown) => errorCode(e) === ErrorCodes.FENCED);

  // A reused epoch: chunk 0 exists with another writer's data.
  const other = new S3WalBackend(store, 'rs1', 1);
  await assert.rejects(other.commit(encodeEdits([edit('b', 1n)])), (e: unknown) => errorCode(e) === ErrorCodes.FENCED);
});

test('a lost answer followed by a fence in the slot is fenced, not acknowledged', async () => {
  const store = new ScriptedStore(new MemoryObjectStore());
  // The first attempt fails before writing; the fencer takes the slot before the retry.
  store.putFault = (key) => {
    if (store.puts.length === 1) {
      void store.inner.put(key, encodeFenceChunk(), { ifNoneMatch: '*' });
      return 'fail-before';
    }
    return undefined;
  };
  const b = new S3WalBackend(store, 'rs1', 1, fast);
  await assert.rejects(b.commit(encodeEdits([edit('a', 1n)])), (e: unknown) => errorCode(e) === ErrorCodes.FENCED);
});

test('retries stop after the budget with TSB_UNAVAILABLE', async () => {
  const store = new ScriptedStore(new MemoryObjectStore());
  store.putFault = () => 'fail-before';
  const b = new S3WalBackend(store, 'rs1', 1, { ...fast, retryBudgetMs: 20 });
  await assert.rejects(b.commit(encodeEdits([edit('a', 1n)])), (e: unknown) => errorCode(e) === ErrorCodes.UNAVAILABLE);
});

test('deleteBelow deletes the chunks below the low water, never the next slot', async () => {
  const store = new MemoryObjectStore();
  const b = new S3WalBackend(store, 'rs1', 1);
  for (let k = 0; k < 5; k++) await b.commit(encodeEdits([edit('a', BigInt(k))]));
  await b.deleteBelow(3);
  assert.deepEqual(
    (await listAllKeys(store, walEpochPrefix('rs1', 1))).map((o) => o.key),
    [3, 4].map((k) => walChunkKey('rs1', 1, k)),
  );
  await b.deleteBelow(100);
  assert.deepEqual(await listAllKeys(store, walEpochPrefix('rs1', 1)), []);
});
