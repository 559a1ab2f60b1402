import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ErrorCodes, errorCode } from '../../common/errors.js';
import { MemoryObjectStore } from '../../common/objectstore/memory-store.js';
import { walChunkKey } from '../../common/paths.js';
import { S3WalBackend } from './s3-wal-backend.js';
import { ScriptedStore } from './testdata/scripted-store.js';
import { edit } from './testdata/wal-test-util.js';
import { encodeEdits } from './wal-encoder.js';
import { fenceEpoch } from './wal-fence.js';
import { cleanupSplitWal, splitWalEpoch } from './wal-split.js';

/**
 * A store where a fast zombie writer commits `lead` more chunks (contiguously, as a real
 * writer does) right before every round of fence puts, so a fencer trying one slot at
 * a time would never catch up. The memory store applies puts synchronously, so the set of
 * taken slots is known at every step.
 */
function racingStore(lead: number): { store: ScriptedStore; zombieNext: () => number; zombieStopped: () => boolean } {
  const inner = new MemoryObjectStore();
  const store = new ScriptedStore(inner);
  const taken = new Set<string>();
  let next = 0;
  let stopped = false;
  const zombieWrite = () => {
    const key = walChunkKey('rs1', 1, next);
    if (taken.has(key)) {
      stopped = true; // its create-if-absent would fail: fenced
      return;
    }
    taken.add(key);
    void inner.put(key, encodeEdits([edit('a', BigInt(next))]), { ifNoneMatch: '*' });
    next++;
  };
  zombieWrite();
  let inRound = false;
  store.putFault = (key) => {
    // A fencer issues a window's puts in one synchronous step: one round for the zombie.
    if (!inRound) {
      inRound = true;
      queueMicrotask(() => (inRound = false));
      for (let i = 0; i < lead && !stopped; i++) zombieWrite();
    }
    taken.add(key); // the fence put that follows lands unless the slot was already taken
    return undefined;
  };
  return { store, zombieNext: () => next, zombieStopped: () => stopped };
}

test('a zombie that keeps winning the next slot cannot outrun the fencer (slot windows)', async () => {
  const { store, zombieNext } = racingStore(12);
  const f = await fenceEpoch(store, 'rs1', 1);
  assert.equal(f.alreadyFenced, false);
  assert.equal(f.fenceSeq, zombieNext(), 'the fence sits right after the zombie\'s last chunk');
  assert.ok(f.fenceSeq > 30, `the zombie got ahead (${f.fenceSeq} chunks) and was still caught`);
  const zombie = new S3WalBackend(store, 'rs1', 1, { startSeq: zombieNext() });
  await assert.rejects(zombie.commit(encodeEdits([edit('a', 1000n)])), (e: unknown) => errorCode(e) === ErrorCodes.FENCED);
  // The split finds exactly the zombie's chunks; cleanup leaves only the lowest fence.
  const split = await splitWalEpoch(store, 'rs1', 1);
  assert.equal(split.fenceSeq, f.fenceSeq);
  assert.equal(split.regions[0]?.entries, f.fenceSeq);
  await cleanupSplitWal(store, 'rs1', 1);
  assert.deepEqual((await fenceEpoch(store, 'rs1', 1)).fenceSeq, f.fenceSeq);
});

test('two fencers racing each other and the zombie agree on the lowest fence', async () => {
  const { store, zombieNext } = racingStore(2);
  const [a, b] = await Promise.all([fenceEpoch(store, 'rs1', 1), fenceEpoch(store, 'rs1', 1)]);
  assert.equal(a.fenceSeq, b.fenceSeq);
  assert.equal(a.fenceSeq, zombieNext());
  for (let k = 0; k < a.fenceSeq; k++) {
    const body = (await store.get(walChunkKey('rs1', 1, k))).body;
    assert.notEqual(body.length, 32, `slot ${k} below the fence holds data, not a fence`);
  }
  const again = await fenceEpoch(store, 'rs1', 1);
  assert.deepEqual([again.fenceSeq, again.alreadyFenced], [a.fenceSeq, true]);
});
