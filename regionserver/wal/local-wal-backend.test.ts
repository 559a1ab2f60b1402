import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { CorruptionError, ErrorCodes, errorCode } from '../../common/errors.js';
import { LocalWalBackend } from './local-wal-backend.js';
import { fenceLocalWal, listSegments, localWalEntries, readLocalWal, segmentName } from './local-wal-dir.js';
import { SequenceAccounting } from './sequence-accounting.js';
import { editCells, entryId } from './testdata/wal-test-util.js';
import { WalWriter } from './wal-writer.js';

const root = mkdtempSync(join(tmpdir(), 'tsb-local-wal-'));
after(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const freshDir = () => join(root, `wal-${n++}`);

async function writeEdits(w: WalWriter, region: string, from: number, to: number, valueBytes = 16): Promise<void> {
  await Promise.all(Array.from({ length: to - from }, (_, i) => w.append(region, BigInt(from + i), editCells(region, BigInt(from + i), valueBytes))));
}

async function ids(dir: string): Promise<string[]> {
  return [...localWalEntries(await readLocalWal(dir))].map(entryId);
}

for (const syncMode of ['fdatasync', 'dsync'] as const) {
  test(`appends are durable in segment files and read back in order (${syncMode})`, async () => {
    const dir = freshDir();
    const w = new WalWriter(await LocalWalBackend.open(dir, { syncMode }));
    await writeEdits(w, 'a', 1, 50);
    await writeEdits(w, 'b', 1, 10);
    await w.close();
    const got = await ids(dir);
    assert.deepEqual(got, [...Array.from({ length: 49 }, (_, i) => `a:${i + 1}`), ...Array.from({ length: 9 }, (_, i) => `b:${i + 1}`)]);
  });
}

test('segments roll at the size limit and are read in order', async () => {
  const dir = freshDir();
  const w = new WalWriter(await LocalWalBackend.open(dir, { rollBytes: 2000 }));
  for (let i = 1; i <= 30; i++) await w.append('a', BigInt(i), editCells('a', BigInt(i), 200));
  await w.close();
  assert.ok((await listSegments(dir)).length >= 3);
  assert.deepEqual(await ids(dir), Array.from({ length: 30 }, (_, i) => `a:${i + 1}`));
});

test('reopening after a crash truncates the torn tail and continues in a new segment', async () => {
  const dir = freshDir();
  let w = new WalWriter(await LocalWalBackend.open(dir));
  await writeEdits(w, 'a', 1, 5);
  await w.close();
  const seg = join(dir, segmentName(0));
  const good = readFileSync(seg).length;
  appendFileSync(seg, Buffer.from([0, 0, 0, 40, 1, 2, 3])); // a chunk cut short by the crash
  assert.equal((await readLocalWal(dir)).tornTail?.offset, good);
  w = new WalWriter(await LocalWalBackend.open(dir));
  assert.equal(readFileSync(seg).length, good, 'torn tail truncated');
  await writeEdits(w, 'a', 5, 8);
  await w.close();
  const contents = await readLocalWal(dir);
  assert.equal(contents.tornTail, undefined);
  assert.deepEqual([...localWalEntries(contents)].map(entryId), ['a:1', 'a:2', 'a:3', 'a:4', 'a:5', 'a:6', 'a:7']);
  assert.deepEqual(await listSegments(dir), [0, 1]);
});

test('damage in a segment that is not the last is CorruptionError naming the file and offset', async () => {
  const dir = freshDir();
  let w = new WalWriter(await LocalWalBackend.open(dir));
  await writeEdits(w, 'a', 1, 3);
  await w.close();
  w = new WalWriter(await LocalWalBackend.open(dir));
  await writeEdits(w, 'a', 3, 5);
  await w.close();
  const seg = join(dir, segmentName(0));
  const bytes = readFileSync(seg);
  bytes[20] = bytes[20]! ^ 0xff;
  writeFileSync(seg, bytes);
  await assert.rejects(readLocalWal(dir), (e: unknown) => {
    assert.ok(e instanceof CorruptionError);
    assert.equal(e.details['object'], seg);
    assert.equal(e.details['offset'], 0);
    return true;
  });
});

test('fenced: the next commit fails with TSB_FENCED and the directory cannot be reopened', async () => {
  const dir = freshDir();
  const w = new WalWriter(await LocalWalBackend.open(dir));
  await writeEdits(w, 'a', 1, 3);
  await fenceLocalWal(dir);
  await assert.rejects(w.append('a', 3n, editCells('a', 3n)), (e: unknown) => errorCode(e) === ErrorCodes.FENCED);
  await assert.rejects(w.append('a', 4n, editCells('a', 4n)), (e: unknown) => errorCode(e) === ErrorCodes.FENCED);
  await w.close();
  await assert.rejects(LocalWalBackend.open(dir), (e: unknown) => errorCode(e) === ErrorCodes.FENCED);
  // Everything acknowledged is in the segments (the fenced edit may or may not be).
  const got = await ids(dir);
  assert.deepEqual(got.slice(0, 2), ['a:1', 'a:2']);
  assert.equal((await readLocalWal(dir)).fenced, true);
});

test('releaseFlushed deletes fully flushed segments, never the current one', async () => {
  const dir = freshDir();
  const accounting = new SequenceAccounting();
  const backend = await LocalWalBackend.open(dir, { rollBytes: 1000 });
  const w = new WalWriter(backend, { accounting });
  for (let i = 1; i <= 20; i++) await w.append('a', BigInt(i), editCells('a', BigInt(i), 200));
  await w.append('b', 1n, editCells('b', 1n));
  const segs = await listSegments(dir);
  assert.ok(segs.length > 3);
  accounting.startFlush('a', 20n);
  accounting.completeFlush('a');
  const low = await w.releaseFlushed();
  assert.equal(low, backend.currentSegment, 'b holds the last segment');
  assert.deepEqual(await listSegments(dir), [backend.currentSegment]);
  assert.deepEqual(await ids(dir), ['b:1']);
  await w.close();
});
