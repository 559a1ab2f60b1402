import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EncodedCells } from '../../common/cells/encoded-cells.js';
import { encodeKeyValue, putCell } from '../../common/cells/keyvalue.js';
import { ErrorCodes, errorCode } from '../../common/errors.js';
import { editCells } from './testdata/wal-test-util.js';
import { crc32c } from '@node-rs/crc32';
import { addToBatch, checksumEntries, clearBatch, encodeDataChunk, encodeEdits, entryBodySize, newEntryBatch, resetBatch } from './wal-encoder.js';
import type { EntryBatch } from './wal-encoder.js';
import { parseChunks } from './wal-reader.js';
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
  assert.equal(b.regions.length, 0);
});

test('a batch grows its buffer as edits arrive, and the chunk equals the one-shot encoding', () => {
  const edits = Array.from({ length: 300 }, (_, i) => ({ region: `r${i % 7}`, seqId: BigInt(i + 1), writeTimeMs: 1_700_000_000_000 + i, cells: editCells(`r${i % 7}`, BigInt(i + 1), 50 + (i % 90)) }));
  const b = newEntryBatch();
  for (const e of edits) addToBatch(b, e.region, e.seqId, e.writeTimeMs, e.cells, entryBodySize(e.region, e.seqId, e.cells));
  assert.ok(b.buf.length > 4096, 'grew past its first buffer');
  const chunk = encodeDataChunk(b, 3);
  const expected = edits.map((e) => encodeEdits([e]).subarray(0, -TRAILER_SIZE));
  assert.deepEqual(chunk.subarray(0, -TRAILER_SIZE), Buffer.concat(expected));
  assert.deepEqual(chunk, encodeEdits(edits, 3));
  // The next batch's buffer is a new one (a backend may still hold this chunk), sized like it.
  clearBatch(b);
  addToBatch(b, 'x', 1n, 1, [], entryBodySize('x', 1n, []));
  assert.equal(b.buf.length >= chunk.length, true);
  assert.notEqual(b.buf.buffer, chunk.buffer);
});

/** The CRC field of every entry in the chunk, and the CRC32C of its body computed here. */
function entryCrcs(chunk: Buffer): { stored: number; actual: number }[] {
  const out: { stored: number; actual: number }[] = [];
  for (let off = 0; off < chunk.length - TRAILER_SIZE; ) {
    const len = chunk.readUInt32BE(off);
    const body = chunk.subarray(off + ENTRY_HEADER_SIZE, off + ENTRY_HEADER_SIZE + len);
    out.push({ stored: chunk.readUInt32BE(off + 4), actual: crc32c(body) });
    off += ENTRY_HEADER_SIZE + len;
  }
  return out;
}

test('entry CRCs computed in several passes (and across a buffer growth and a reuse) are the CRC32C of each entry', () => {
  const edit = (i: number) => ({ region: `r${i % 3}`, seqId: BigInt(i + 1), writeTimeMs: 1_700_000_000_000 + i, cells: editCells(`r${i % 3}`, BigInt(i + 1), 60 + i) });
  const add = (b: EntryBatch, i: number): void => {
    const e = edit(i);
    addToBatch(b, e.region, e.seqId, e.writeTimeMs, e.cells, entryBodySize(e.region, e.seqId, e.cells));
  };
  const b = newEntryBatch();
  for (let i = 0; i < 3; i++) add(b, i);
  assert.equal(b.view.getUint32(4), 0, 'an entry has no CRC until a checksum pass');
  checksumEntries(b);
  const firstBuf = b.buf;
  for (let i = 3; i < 40; i++) add(b, i); // grows the buffer: the CRCs already written move with it
  assert.notEqual(b.buf, firstBuf);
  checksumEntries(b);
  add(b, 40);
  const chunk = Buffer.from(encodeDataChunk(b, 0));
  const crcs = entryCrcs(chunk);
  assert.equal(crcs.length, 41);
  for (const [i, c] of crcs.entries()) assert.equal(c.stored, c.actual, `entry ${i}`);
  assert.equal(parseChunks(chunk, 'test', { tornTailAllowed: false }).chunks[0]!.entries.length, 41);
  assert.deepEqual(chunk, encodeEdits(Array.from({ length: 41 }, (_, i) => edit(i))));
  // A batch reused for the next commit checksums its new entries from the start.
  resetBatch(b);
  for (let i = 0; i < 5; i++) add(b, 100 + i);
  const next = encodeDataChunk(b, 0);
  for (const [i, c] of entryCrcs(next).entries()) assert.equal(c.stored, c.actual, `reused batch, entry ${i}`);
});

test('an edit whose cells do not match the size they were given is refused and leaves the batch as it was', () => {
  const cells = editCells('r', 1n, 40);
  const b = newEntryBatch();
  addToBatch(b, 'r', 1n, 1, cells, entryBodySize('r', 1n, cells));
  const before = Buffer.from(encodeDataChunk(b, 0));
  const b2 = newEntryBatch();
  addToBatch(b2, 'r', 1n, 1, cells, entryBodySize('r', 1n, cells));
  assert.equal(errorCodeOf(() => addToBatch(b2, 'r', 2n, 1, cells, entryBodySize('r', 2n, cells) + 1)), ErrorCodes.INVALID_ARGUMENT);
  assert.equal(b2.count, 1);
  assert.deepEqual(encodeDataChunk(b2, 0), before);
});

function errorCodeOf(f: () => unknown): string | undefined {
  try {
    f();
  } catch (e) {
    return errorCode(e);
  }
  return undefined;
}

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

test('cells given already encoded (EncodedCells, in one range or several) make the same entry bytes as decoded cells', () => {
  const edits = Array.from({ length: 40 }, (_, i) => ({
    region: `r${i % 3}`,
    seqId: BigInt(i + 1),
    writeTimeMs: 1_700_000_000_000 + i,
    cells: Array.from({ length: 1 + (i % 4) }, (_, j) => putCell(`row${i}`, 'f', `q${j}`, BigInt(1000 + i), 'v'.repeat(i + j))),
  }));
  const b = newEntryBatch();
  for (const [i, e] of edits.entries()) {
    // The KeyValues back to back in one buffer, after 4 other bytes; for odd i the second cell
    // comes from a buffer of its own (three ranges then: before, it, after).
    const kvs = e.cells.map(encodeKeyValue);
    const whole = Buffer.concat([Buffer.from('junk'), ...kvs]);
    const enc = new EncodedCells();
    let at = 4;
    for (const [j, kv] of kvs.entries()) {
      if (i % 2 === 1 && j === 1) enc.add(Buffer.concat([Buffer.from('x'), kv]), 1, kv.length);
      else enc.add(whole, at, kv.length);
      at += kv.length;
    }
    assert.equal(enc.count, e.cells.length);
    assert.equal(enc.bufs.length, i % 2 === 1 ? Math.min(kvs.length, 3) : 1);
    const size = entryBodySize(e.region, e.seqId, enc);
    assert.equal(size, entryBodySize(e.region, e.seqId, e.cells));
    addToBatch(b, e.region, e.seqId, e.writeTimeMs, enc, size);
  }
  assert.deepEqual(encodeDataChunk(b, 3), encodeEdits(edits, 3));
});
