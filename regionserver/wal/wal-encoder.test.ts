import assert from 'node:assert/strict';
import { test } from 'node:test';
import { putCell } from '../../common/cells/keyvalue.js';
import { ErrorCodes, errorCode } from '../../common/errors.js';
import { editCells } from './testdata/wal-test-util.js';
import { addToBatch, clearBatch, encodeDataChunk, encodeEdits, entryBodySize, newEntryBatch } from './wal-encoder.js';
import { BODY_FIXED_SIZE, ENTRY_HEADER_SIZE, MAX_ENTRY_BODY, TRAILER_SIZE } from './wal-format.js';

test('entryBodySize matches the bytes written, and the chunk is exactly entries + trailer', () => {
  const cells = editCells('r', 3n, 77);
  const size = entryBodySize('région', 3n, cells);
  const b = newEntryBatch();
  addToBatch(b, 'région', 3n, 1, cells, size);
  addToBatch(b, 'région', 4n, 1, [], entryBodySize('région', 4n, []));
  const chunk = encodeDataChunk(b, 0);
  assert.equal(entryBodySize('région', 4n, []), BODY_FIXED_SIZE + Buffer.byteLength('région'));
  assert.equal(chunk.length, 2 * ENTRY_HEADER_SIZE + size + BODY_FIXED_SIZE + Buffer.byteLength('région') + TRAILER_SIZE);
  assert.equal(chunk.readUInt32BE(0), size);
  clearBatch(b);
  assert.equal(b.count, 0);
  assert.equal(b.entryBytes, 0);
  assert.equal(b.cells.length, 0);
});

test('encoding is deterministic: the same edits give the same bytes', () => {
  const edits = [{ region: 'a', seqId: 1n, writeTimeMs: 5, cells: editCells('a', 1n) }];
  assert.deepEqual(encodeEdits(edits, 2), encodeEdits(edits, 2));
});

test('invalid edits are refused with stable codes', () => {
  const cells = editCells('a', 1n);
  const code = (f: () => unknown) => {
    try {
      f();
    } catch (e) {
      return errorCode(e);
    }
    return undefined;
  };
  assert.equal(code(() => entryBodySize('', 1n, cells)), ErrorCodes.INVALID_ARGUMENT);
  assert.equal(code(() => entryBodySize('x'.repeat(256), 1n, cells)), ErrorCodes.INVALID_ARGUMENT);
  assert.equal(code(() => entryBodySize('a', -1n, cells)), ErrorCodes.INVALID_ARGUMENT);
  assert.equal(code(() => entryBodySize('a', 2n ** 64n, cells)), ErrorCodes.INVALID_ARGUMENT);
  assert.equal(code(() => entryBodySize('a', 1n, [putCell('', 'f', 'q', 1n, 'v')])), ErrorCodes.INVALID_ARGUMENT);
  const big = putCell('r', 'f', 'q', 1n, Buffer.alloc(MAX_ENTRY_BODY));
  assert.equal(code(() => entryBodySize('a', 1n, [big])), ErrorCodes.VALUE_TOO_LARGE);
});
