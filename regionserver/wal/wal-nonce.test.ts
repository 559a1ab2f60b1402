// WAL entries with an operation nonce (docs/formats/wal.md, entry flag 0x01; version-2
// chunks), and that chunks written before nonces existed are still read.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { crc32c } from '@node-rs/crc32';
import { putCell, writeKeyValue, encodedLength } from '../../common/cells/keyvalue.js';
import { ErrorCodes, errorCode } from '../../common/errors.js';
import { MemoryObjectStore } from '../../common/objectstore/memory-store.js';
import { edit } from './testdata/wal-test-util.js';
import { encodeChunkFromEntries, encodeEdits } from './wal-encoder.js';
import { T_CRC, T_VERSION, TRAILER_CRC_COVERED, TRAILER_SIZE, WAL_VERSION, WAL_VERSION_1 } from './wal-format.js';
import { decodeEntry, parseChunks, rawEntryBytes } from './wal-reader.js';
import { readRecoveredEdits } from './recovered-edits.js';
import { recoveredEditsKey } from '../../common/paths.js';

const NAME = 'wal/rs1/00000000000000000001/00000000000000000001';
const N1 = { group: 0xfedcba9876543210n, nonce: 0xffffffffffffffffn };
const N2 = { group: 0n, nonce: 1n };

const versionOf = (chunk: Buffer): number => chunk.readUInt8(chunk.length - TRAILER_SIZE + T_VERSION);

test('entries round-trip their nonce; a chunk with one is version 2, a chunk without stays version 1', () => {
  const withNonces = encodeEdits([{ ...edit('r1', 5n), nonce: N1 }, edit('r1', 6n), { ...edit('r2', 1n), nonce: N2 }]);
  assert.equal(versionOf(withNonces), WAL_VERSION);
  const got = parseChunks(withNonces, NAME, { tornTailAllowed: false }).chunks[0]!.entries.map((e) => decodeEntry(e, NAME));
  assert.deepEqual(got.map((e) => [e.region, e.seqId, e.nonce]), [['r1', 5n, N1], ['r1', 6n, undefined], ['r2', 1n, N2]]);
  assert.equal('nonce' in got[1]!, false, 'an entry without a nonce has no nonce field');
  assert.deepEqual(got[0]!.cells.map((c) => ({ ...c })), edit('r1', 5n).cells.map((c) => ({ ...c })));
  // Sixteen bytes more per entry with a nonce.
  assert.equal(withNonces.length, encodeEdits([edit('r1', 5n), edit('r1', 6n), edit('r2', 1n)]).length + 32);

  assert.equal(versionOf(encodeEdits([edit('r1', 5n)])), WAL_VERSION_1);
  assert.equal(versionOf(encodeEdits([])), WAL_VERSION_1);
});

test('a chunk written by a version-1 writer (regionLen:u16, no flags) is still read', () => {
  // Built byte by byte as the old encoder wrote it, not with today's encoder.
  const cell = putCell('row', 'f', 'q', 7n, 'value');
  const region = Buffer.from('old-region');
  const body = Buffer.alloc(2 + region.length + 8 + 8 + 4 + encodedLength(cell));
  let p = body.writeUInt16BE(region.length, 0);
  p += region.copy(body, p);
  p = body.writeBigUInt64BE(42n, p);
  p = body.writeBigUInt64BE(1_700_000_000_000n, p);
  p = body.writeUInt32BE(1, p);
  p = writeKeyValue(body, p, cell);
  assert.equal(p, body.length);
  const entry = Buffer.alloc(8);
  entry.writeUInt32BE(body.length, 0);
  entry.writeUInt32BE(crc32c(body), 4);
  const trailer = Buffer.alloc(TRAILER_SIZE);
  trailer.writeUInt32BE(0xffffffff, 0);
  trailer.writeUInt32BE(0x54534257, 4);
  trailer.writeUInt8(1, 8);
  trailer.writeUInt8(1, 9);
  trailer.writeUInt32BE(1, 12);
  trailer.writeUInt32BE(8 + body.length + TRAILER_SIZE, 16);
  trailer.writeUInt32BE(crc32c(trailer.subarray(0, TRAILER_CRC_COVERED)), T_CRC);
  const chunk = Buffer.concat([entry, body, trailer]);

  const [e] = parseChunks(chunk, NAME, { tornTailAllowed: false }).chunks[0]!.entries;
  const d = decodeEntry(e!, NAME);
  assert.deepEqual([d.region, d.seqId, d.writeTimeMs, d.nonce, d.cells.length], ['old-region', 42n, 1_700_000_000_000, undefined, 1]);
  assert.equal(d.cells[0]!.value.toString(), 'value');
  // Today's encoder writes the same bytes for an edit without a nonce.
  assert.deepEqual(encodeEdits([{ region: 'old-region', seqId: 42n, writeTimeMs: 1_700_000_000_000, cells: [cell] }]), chunk);
});

test('a flagged entry in a version-1 chunk, or an unknown entry flag, is corruption (never a torn tail)', () => {
  const chunk = encodeEdits([{ ...edit('r1', 5n), nonce: N1 }]);
  const t = chunk.length - TRAILER_SIZE;
  chunk.writeUInt8(WAL_VERSION_1, t + T_VERSION);
  chunk.writeUInt32BE(crc32c(chunk.subarray(t, t + TRAILER_CRC_COVERED)), t + T_CRC);
  assert.throws(() => parseChunks(chunk, NAME, { tornTailAllowed: true }), (e: unknown) => errorCode(e) === ErrorCodes.CORRUPTION && /version-1/.test((e as Error).message));

  const bad = encodeEdits([{ ...edit('r1', 5n), nonce: N1 }]);
  const bodyLen = bad.readUInt32BE(0);
  bad[8] = 0x03; // nonce + an unknown flag
  bad.writeUInt32BE(crc32c(bad.subarray(8, 8 + bodyLen)), 4);
  assert.throws(() => parseChunks(bad, NAME, { tornTailAllowed: true }), (e: unknown) => errorCode(e) === ErrorCodes.CORRUPTION && /flags/.test((e as Error).message));
});

test('the WAL split copies entries with their nonces into recovered edits (version 2), and replay reads them back', async () => {
  const source = encodeEdits([{ ...edit('r1', 5n), nonce: N1 }, edit('r2', 9n), { ...edit('r1', 6n), nonce: N2 }]);
  const entries = parseChunks(source, NAME, { tornTailAllowed: false }).chunks[0]!.entries.filter((e) => e.region === 'r1');
  const split = encodeChunkFromEntries(entries.map(rawEntryBytes), 0);
  assert.equal(versionOf(split), WAL_VERSION);
  const plain = parseChunks(source, NAME, { tornTailAllowed: false }).chunks[0]!.entries.filter((e) => e.region === 'r2');
  assert.equal(versionOf(encodeChunkFromEntries(plain.map(rawEntryBytes), 0)), WAL_VERSION_1);

  const store = new MemoryObjectStore();
  await store.put(recoveredEditsKey('r1', 6n, 'rs1,1,1', 1), split);
  const replayed = [];
  for await (const e of readRecoveredEdits(store, 'r1')) replayed.push([e.seqId, e.nonce]);
  assert.deepEqual(replayed, [[5n, N1], [6n, N2]]);
});

test('replay tells the nonces of every edit of the region, also of edits already flushed and objects skipped by name', async () => {
  const store = new MemoryObjectStore();
  // Object 1: seqs 1-2, all flushed (skipped by name). Object 2: seqs 3-4, seq 3 flushed.
  await store.put(recoveredEditsKey('r1', 2n, 'rs1,1,1', 1), encodeEdits([{ ...edit('r1', 1n), nonce: { group: 1n, nonce: 1n } }, edit('r1', 2n)]));
  await store.put(recoveredEditsKey('r1', 4n, 'rs1,1,1', 1), encodeEdits([{ ...edit('r1', 3n), nonce: { group: 1n, nonce: 3n } }, { ...edit('r1', 4n), nonce: { group: 1n, nonce: 4n } }]));
  const told: bigint[] = [];
  const yielded: bigint[] = [];
  for await (const e of readRecoveredEdits(store, 'r1', 3n, (n, writeTimeMs) => {
    assert.equal(writeTimeMs, 1_700_000_000_000 + Number(n.nonce), 'the entry write time comes with its nonce');
    told.push(n.nonce);
  })) yielded.push(e.seqId);
  assert.deepEqual(told.sort(), [1n, 3n, 4n]);
  assert.deepEqual(yielded, [4n]);
  // Without a listener the first object is not even read.
  const reads: string[] = [];
  const spy = Object.assign(Object.create(store) as MemoryObjectStore, { get: (k: string) => (reads.push(k), store.get(k)) });
  for await (const e of readRecoveredEdits(spy, 'r1', 3n)) yielded.push(e.seqId);
  assert.deepEqual(reads, [recoveredEditsKey('r1', 4n, 'rs1,1,1', 1)]);
});
