import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ErrorCodes, errorCode } from './errors.js';
import {
  parseRecoveredEditsKey,
  parseWalChunkKey,
  recoveredEditsKey,
  recoveredEditsPrefix,
  walChunkKey,
  walEpochPrefix,
  walServerPrefix,
  walSplitManifestKey,
} from './paths.js';

test('wal chunk keys: layout, round trip, numeric order is byte order', () => {
  assert.equal(walChunkKey('rs-1,16020', 7, 42), 'wal/rs-1,16020/00000000000000000007/00000000000000000042');
  assert.deepEqual(parseWalChunkKey(walChunkKey('rs-1', 3, 12345)), { server: 'rs-1', epoch: 3, seq: 12345 });
  assert.ok(walChunkKey('s', 1, 9) < walChunkKey('s', 1, 10));
  assert.ok(walChunkKey('s', 2, 0) > walChunkKey('s', 1, 99));
  assert.ok(walChunkKey('s', 1, 0).startsWith(walEpochPrefix('s', 1)));
  assert.ok(walEpochPrefix('s', 1).startsWith(walServerPrefix('s')));
  assert.equal(parseWalChunkKey(walSplitManifestKey('s', 1)), undefined);
  assert.equal(parseWalChunkKey('wal/s/1/2'), undefined);
});

test('recovered edits keys: layout and round trip', () => {
  const key = recoveredEditsKey('abc123', 99n, 'rs-1-x', 4);
  assert.equal(key, 'recovered-edits/abc123/00000000000000000099-rs-1-x-00000000000000000004');
  assert.ok(key.startsWith(recoveredEditsPrefix('abc123')));
  assert.deepEqual(parseRecoveredEditsKey(key), { region: 'abc123', maxSeqId: 99n, server: 'rs-1-x', epoch: 4 });
});

test('names that cannot be a path segment are refused', () => {
  for (const bad of ['', 'a/b', '.', '..', 'x\0y', 'x'.repeat(256)]) {
    assert.throws(() => walServerPrefix(bad), (e: unknown) => errorCode(e) === ErrorCodes.INVALID_ARGUMENT, JSON.stringify(bad));
  }
  assert.throws(() => walChunkKey('s', -1, 0), (e: unknown) => errorCode(e) === ErrorCodes.INVALID_ARGUMENT);
  assert.throws(() => walChunkKey('s', 0, 1.5), (e: unknown) => errorCode(e) === ErrorCodes.INVALID_ARGUMENT);
});
