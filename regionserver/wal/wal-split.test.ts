import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { CorruptionError, ErrorCodes, errorCode } from '../../common/errors.js';
import { MemoryObjectStore } from '../../common/objectstore/memory-store.js';
import { listAllKeys } from '../../common/objectstore/object-store.js';
import { walChunkKey, walEpochPrefix, walSplitManifestKey } from '../../common/paths.js';
import { LocalWalBackend } from './local-wal-backend.js';
import { deleteRecoveredEdits, listRecoveredEdits, readRecoveredEdits } from './recovered-edits.js';
import { S3WalBackend } from './s3-wal-backend.js';
import { SequenceAccounting } from './sequence-accounting.js';
import { editCells, entryId } from './testdata/wal-test-util.js';
import { fenceWal } from './wal-fence.js';
import { cleanupSplitWal, splitLocalWal, splitWal, splitWalEpoch } from './wal-split.js';
import { WalWriter } from './wal-writer.js';

const root = mkdtempSync(join(tmpdir(), 'tsb-wal-split-'));
after(() => rmSync(root, { recursive: true, force: true }));

async function recovered(store: MemoryObjectStore, region: string, above = -1n): Promise<string[]> {
  const out: string[] = [];
  for await (const e of readRecoveredEdits(store, region, above)) out.push(entryId(e));
  return out;
}

/** Writes edits a:1..a:n interleaved with b:1..b:n, one chunk per pair. */
async function writePairs(store: MemoryObjectStore, server: string, epoch: number, n: number): Promise<WalWriter> {
  const w = new WalWriter(new S3WalBackend(store, server, epoch));
  for (let i = 1; i <= n; i++) await Promise.all([w.append('b', BigInt(i), editCells('b', BigInt(i))), w.append('a', BigInt(i), editCells('a', BigInt(i)))]);
  return w;
}

test('split: per-region recovered edits in seq order, with their seq range', async () => {
  const store = new MemoryObjectStore();
  const w = await writePairs(store, 'rs1', 1, 5);
  const out = await splitWal(store, 'rs1', 1);
  assert.deepEqual(
    out.map((r) => ({ region: r.region, min: r.minSeqId, max: r.maxSeqId, n: r.entries })),
    [
      { region: 'a', min: 1n, max: 5n, n: 5 },
      { region: 'b', min: 1n, max: 5n, n: 5 },
    ],
  );
  assert.deepEqual(await recovered(store, 'a'), ['a:1', 'a:2', 'a:3', 'a:4', 'a:5']);
  assert.deepEqual(await recovered(store, 'b', 3n), ['b:4', 'b:5']);
  // The writer is fenced.
  await assert.rejects(w.append('a', 6n, editCells('a', 6n)), (e: unknown) => errorCode(e) === ErrorCodes.FENCED);
});

test('fence: at the next free slot; idempotent; every epoch when none is given', async () => {
  const store = new MemoryObjectStore();
  await writePairs(store, 'rs1', 1, 3);
  await writePairs(store, 'rs1', 2, 1);
  const [f1] = await fenceWal(store, 'rs1', 1);
  assert.deepEqual(f1, { server: 'rs1', epoch: 1, fenceSeq: 3, alreadyFenced: false });
  const all = await fenceWal(store, 'rs1');
  assert.deepEqual(
    all.map((f) => [f.epoch, f.fenceSeq, f.alreadyFenced]),
    [
      [1, 3, true],
      [2, 1, false],
    ],
  );
  // An epoch that never wrote anything is fenced at chunk 0 when named.
  assert.deepEqual((await fenceWal(store, 'rs1', 7))[0]?.fenceSeq, 0);
  const w = new WalWriter(new S3WalBackend(store, 'rs1', 7));
  await assert.rejects(w.append('a', 1n, editCells('a', 1n)), (e: unknown) => errorCode(e) === ErrorCodes.FENCED);
  assert.deepEqual(await splitWal(store, 'rs1', 7), []);
});

test('fence race in one process: every acknowledged edit is split, nothing is acknowledged after the fence', async () => {
  const store = new MemoryObjectStore();
  const w = new WalWriter(new S3WalBackend(store, 'rs1', 1));
  const acked: string[] = [];
  let fencedErrors = 0;
  let stop = false;
  const writer = async (region: string) => {
    for (let seq = 1n; !stop; seq++) {
      try {
        await w.append(region, seq, editCells(region, seq));
        acked.push(`${region}:${seq}`);
      } catch (e) {
        assert.equal(errorCode(e), ErrorCodes.FENCED);
        fencedErrors++;
        return;
      }
    }
  };
  const writers = ['a', 'b', 'c'].map(writer);
  while (acked.length < 200) await new Promise((r) => setImmediate(r));
  const out = await splitWal(store, 'rs1', 1);
  const ackedAtSplit = acked.length;
  stop = true;
  await Promise.all(writers);
  assert.equal(fencedErrors, 3, 'every writer saw TSB_FENCED');
  assert.equal(acked.length, ackedAtSplit, 'nothing acknowledged after the split');
  const split = new Set<string>();
  for (const r of out) for (const id of await recovered(store, r.region)) split.add(id);
  for (const id of acked) assert.ok(split.has(id), `acknowledged ${id} missing from the split`);
});

test('split is idempotent; cleanup deletes the chunks but keeps the fence and the manifest', async () => {
  const store = new MemoryObjectStore();
  await writePairs(store, 'rs1', 1, 4);
  const first = await splitWalEpoch(store, 'rs1', 1);
  assert.deepEqual(await splitWalEpoch(store, 'rs1', 1), first);
  assert.equal(await cleanupSplitWal(store, 'rs1', 1), 4);
  assert.deepEqual(
    (await listAllKeys(store, walEpochPrefix('rs1', 1))).map((o) => o.key),
    [walChunkKey('rs1', 1, 4), walSplitManifestKey('rs1', 1)],
  );
  // A re-run after cleanup returns the same result, and the zombie is still fenced.
  assert.deepEqual(await splitWalEpoch(store, 'rs1', 1), first);
  const zombie = new S3WalBackend(store, 'rs1', 1, { startSeq: 4 });
  await assert.rejects(zombie.commit(Buffer.from('x')), (e: unknown) => errorCode(e) === ErrorCodes.FENCED);
});

test('split reads only from the low water: chunks the writer deleted after a flush are not needed', async () => {
  const store = new MemoryObjectStore();
  const accounting = new SequenceAccounting();
  const w = new WalWriter(new S3WalBackend(store, 'rs1', 1), { accounting });
  for (let i = 1n; i <= 5n; i++) await w.append('a', i, editCells('a', i));
  await w.append('b', 1n, editCells('b', 1n));
  accounting.startFlush('a', 5n);
  accounting.completeFlush('a');
  assert.equal(await w.releaseFlushed(), 5);
  await w.append('a', 6n, editCells('a', 6n));
  const out = await splitWalEpoch(store, 'rs1', 1);
  assert.equal(out.lowWater, 5);
  assert.deepEqual(await recovered(store, 'a'), ['a:6']);
  assert.deepEqual(await recovered(store, 'b'), ['b:1']);
});

test('a chunk missing between the low water and the fence, or damaged, is CorruptionError naming it', async () => {
  const store = new MemoryObjectStore();
  await writePairs(store, 'rs1', 1, 4);
  await store.delete(walChunkKey('rs1', 1, 1));
  await assert.rejects(splitWalEpoch(store, 'rs1', 1), (e: unknown) => e instanceof CorruptionError && e.details['object'] === walChunkKey('rs1', 1, 1));

  const store2 = new MemoryObjectStore();
  await writePairs(store2, 'rs1', 1, 4);
  const key = walChunkKey('rs1', 1, 2);
  const body = (await store2.get(key)).body;
  body[30] = body[30]! ^ 1;
  await store2.put(key, body);
  await assert.rejects(splitWalEpoch(store2, 'rs1', 1), (e: unknown) => e instanceof CorruptionError && e.details['object'] === key);
});

test('recovered edits: objects at or below the replay point are skipped; deletion by seq id', async () => {
  const store = new MemoryObjectStore();
  await writePairs(store, 'rs1', 1, 3);
  await splitWal(store, 'rs1', 1);
  const w2 = new WalWriter(new S3WalBackend(store, 'rs2', 1));
  for (let i = 4n; i <= 6n; i++) await w2.append('a', i, editCells('a', i));
  await splitWal(store, 'rs2', 1);
  assert.equal((await listRecoveredEdits(store, 'a')).length, 2);
  assert.deepEqual(await recovered(store, 'a', 2n), ['a:3', 'a:4', 'a:5', 'a:6']);
  const oldest = (await listRecoveredEdits(store, 'a'))[0]!.key;
  assert.deepEqual(await deleteRecoveredEdits(store, 'a', 3n), [oldest]);
  assert.deepEqual(await recovered(store, 'a'), ['a:4', 'a:5', 'a:6']);
});

test('local split: fences the directory and writes recovered edits to the store', async () => {
  const dir = join(root, 'local-1');
  const store = new MemoryObjectStore();
  const w = new WalWriter(await LocalWalBackend.open(dir));
  for (let i = 1n; i <= 3n; i++) await Promise.all([w.append('a', i, editCells('a', i)), w.append('b', i, editCells('b', i))]);
  const out = await splitLocalWal(dir, store, 'standalone', 5);
  assert.deepEqual(
    out.map((r) => [r.region, r.entries]),
    [
      ['a', 3],
      ['b', 3],
    ],
  );
  assert.deepEqual(await recovered(store, 'b'), ['b:1', 'b:2', 'b:3']);
  await assert.rejects(w.append('a', 4n, editCells('a', 4n)), (e: unknown) => errorCode(e) === ErrorCodes.FENCED);
  await w.close();
});
