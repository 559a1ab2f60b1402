import assert from 'node:assert/strict';
import { test } from 'node:test';
import { crc32c } from '@node-rs/crc32';
import { putCell } from '../../common/cells/keyvalue.js';
import { CellType } from '../../common/cells/keyvalue-format.js';
import { CorruptionError, ErrorCodes, errorCode } from '../../common/errors.js';
import { editCells, edit, entryId } from './testdata/wal-test-util.js';
import { encodeEdits, encodeFenceChunk } from './wal-encoder.js';
import { ChunkType, T_CRC, T_VERSION, TRAILER_CRC_COVERED, TRAILER_SIZE } from './wal-format.js';
import type { ParseResult } from './wal-reader.js';
import { decodeEntry, parseChunks } from './wal-reader.js';

const NAME = 'wal/rs1/00000000000000000007/00000000000000000042';

function ids(r: ParseResult): string[] {
  return r.chunks.flatMap((c) => c.entries.map((e) => entryId(decodeEntry(e, NAME))));
}

/** Three chunks in one segment: 2, 3 and 2 entries. */
function segment(): { buf: Buffer; starts: number[] } {
  const chunks = [
    encodeEdits([edit('a', 1n), edit('b', 1n)], 0),
    encodeEdits([edit('a', 2n, 100), edit('c', 5n), edit('b', 2n)], 1),
    encodeEdits([edit('a', 3n), edit('c', 6n, 300)], 1),
  ];
  const starts: number[] = [];
  let off = 0;
  for (const c of chunks) {
    starts.push(off);
    off += c.length;
  }
  return { buf: Buffer.concat(chunks), starts };
}

test('round trip: every field of every entry, cells of every type, unicode regions, low water', () => {
  const cells = [
    putCell('row', 'fam', 'qual', 5n, 'value'),
    { row: Buffer.from('r'), family: Buffer.alloc(0), qualifier: Buffer.alloc(0), timestamp: 0n, type: CellType.DeleteFamily, value: Buffer.alloc(0) },
    { ...putCell('r2', 'f', 'q', 0x7fffffffffffffffn, ''), type: CellType.DeleteColumn },
  ];
  const edits = [
    { region: 'région-α', seqId: 0n, writeTimeMs: 1_700_000_000_123, cells },
    { region: 'b', seqId: 0xffffffffffffffffn, writeTimeMs: 2 ** 53 - 1, cells: [] },
    { region: 'x'.repeat(255), seqId: 7n, writeTimeMs: 0, cells: editCells('x', 7n, 5000) },
  ];
  const buf = encodeEdits(edits, 123456789012);
  const r = parseChunks(buf, NAME, { tornTailAllowed: false });
  assert.equal(r.chunks.length, 1);
  assert.equal(r.validEnd, buf.length);
  assert.equal(r.fenced, false);
  const c = r.chunks[0]!;
  assert.equal(c.type, ChunkType.Data);
  assert.equal(c.lowWater, 123456789012);
  assert.equal(c.length, buf.length);
  const got = c.entries.map((e) => decodeEntry(e, NAME));
  assert.deepEqual(
    got.map((e) => ({ region: e.region, seqId: e.seqId, writeTimeMs: e.writeTimeMs, cells: e.cells.map((x) => ({ ...x })) })),
    edits.map((e) => ({ ...e, cells: e.cells.map((x) => ({ ...x })) })),
  );
});

test('an empty data chunk and a fence chunk are just a trailer', () => {
  const empty = encodeEdits([], 3);
  assert.equal(empty.length, TRAILER_SIZE);
  const r = parseChunks(empty, NAME, { tornTailAllowed: false });
  assert.equal(r.chunks[0]!.entries.length, 0);
  assert.equal(r.chunks[0]!.lowWater, 3);
  const f = parseChunks(encodeFenceChunk(), NAME, { tornTailAllowed: false });
  assert.equal(f.fenced, true);
  assert.equal(f.chunks[0]!.type, ChunkType.Fence);
});

test('a fence chunk ends the log: nothing after it is read', () => {
  const buf = Buffer.concat([encodeEdits([edit('a', 1n)]), encodeFenceChunk(), encodeEdits([edit('a', 2n)]), Buffer.from('garbage')]);
  const r = parseChunks(buf, NAME, { tornTailAllowed: false });
  assert.equal(r.fenced, true);
  assert.deepEqual(ids(r), ['a:1']);
});

test('several chunks in one segment are read in order', () => {
  const { buf } = segment();
  const r = parseChunks(buf, NAME, { tornTailAllowed: false });
  assert.deepEqual(ids(r), ['a:1', 'b:1', 'a:2', 'c:5', 'b:2', 'a:3', 'c:6']);
  assert.deepEqual(
    r.chunks.map((c) => c.lowWater),
    [0, 1, 1],
  );
});

test('torn tail: the log truncated at every offset inside its last chunk reads as the chunks before it', () => {
  const { buf, starts } = segment();
  const lastStart = starts[2]!;
  for (let cut = lastStart + 1; cut < buf.length; cut++) {
    const r = parseChunks(buf.subarray(0, cut), NAME, { tornTailAllowed: true });
    assert.deepEqual(ids(r), ['a:1', 'b:1', 'a:2', 'c:5', 'b:2'], `cut at ${cut}`);
    assert.equal(r.tornTail?.offset, lastStart, `cut at ${cut}`);
    assert.equal(r.tornTail?.name, NAME);
    assert.equal(r.validEnd, lastStart);
  }
  // Cut exactly at a chunk boundary: nothing is torn.
  const clean = parseChunks(buf.subarray(0, lastStart), NAME, { tornTailAllowed: true });
  assert.equal(clean.tornTail, undefined);
  assert.equal(clean.chunks.length, 2);
});

test('torn tail: any damaged byte of the last chunk is a torn tail, including a page that never reached the disk', () => {
  const { buf, starts } = segment();
  const lastStart = starts[2]!;
  for (let i = lastStart; i < buf.length; i++) {
    const b = Buffer.from(buf);
    b[i] = b[i]! ^ 0x40;
    const r = parseChunks(b, NAME, { tornTailAllowed: true });
    assert.equal(r.tornTail?.offset, lastStart, `flip at ${i}`);
    assert.equal(r.chunks.length, 2);
  }
  // Zeros in the middle of the last chunk, its trailer intact (pages persisted out of order).
  const holed = Buffer.from(buf);
  holed.fill(0, lastStart + 10, lastStart + 60);
  assert.equal(parseChunks(holed, NAME, { tornTailAllowed: true }).tornTail?.offset, lastStart);
  // Zeros after the last chunk (a preallocated or half-written page).
  const padded = Buffer.concat([buf, Buffer.alloc(4096)]);
  const r = parseChunks(padded, NAME, { tornTailAllowed: true });
  assert.equal(r.chunks.length, 3);
  assert.equal(r.tornTail?.offset, buf.length);
});

test('corruption: a flipped byte anywhere in an earlier chunk is CorruptionError naming the object and offset', () => {
  const { buf, starts } = segment();
  for (const chunk of [0, 1]) {
    const from = starts[chunk]!;
    const to = starts[chunk + 1]!;
    for (let i = from; i < to; i++) {
      const b = Buffer.from(buf);
      b[i] = b[i]! ^ 0x01;
      for (const tornTailAllowed of [true, false]) {
        assert.throws(
          () => parseChunks(b, NAME, { tornTailAllowed }),
          (e: unknown) => {
            assert.ok(e instanceof CorruptionError, String(e));
            assert.equal(e.code, ErrorCodes.CORRUPTION);
            assert.equal(e.details['object'], NAME);
            const off = e.details['offset'] as number;
            assert.ok(off >= from && off < to, `flip at ${i}: reported offset ${off} outside chunk [${from}, ${to})`);
            assert.equal(e.details['chunkOffset'], from);
            assert.match(e.message, new RegExp(`object=\`${NAME}\``));
            return true;
          },
          `flip at ${i}`,
        );
      }
    }
  }
});

test('corruption: when the caller allows no torn tail, damage in the last chunk is corruption too', () => {
  const { buf, starts } = segment();
  assert.throws(() => parseChunks(buf.subarray(0, buf.length - 1), NAME, { tornTailAllowed: false }), (e: unknown) => {
    return errorCode(e) === ErrorCodes.CORRUPTION && (e as CorruptionError).details['chunkOffset'] === starts[2];
  });
});

test('a chunk with a valid checksum but an unknown version is never taken for a torn tail', () => {
  const buf = encodeEdits([edit('a', 1n)]);
  const t = buf.length - TRAILER_SIZE;
  buf.writeUInt8(9, t + T_VERSION);
  buf.writeUInt32BE(crc32c(buf.subarray(t, t + TRAILER_CRC_COVERED)), t + T_CRC);
  assert.throws(() => parseChunks(buf, NAME, { tornTailAllowed: true }), /unsupported version/);
});

test('an entry whose checksum matches but whose cells run past it is corruption, not a torn tail', () => {
  const buf = encodeEdits([edit('a', 1n)]);
  // Make the cell's value length lie, then fix up the entry CRC as a buggy writer would.
  const bodyLen = buf.readUInt32BE(0);
  const cellsStart = 8 + 2 + 1 + 20;
  buf.writeUInt32BE(buf.readUInt32BE(cellsStart + 4) + 1, cellsStart + 4);
  buf.writeUInt32BE(crc32c(buf.subarray(8, 8 + bodyLen)), 4);
  assert.throws(() => parseChunks(buf, NAME, { tornTailAllowed: true }), (e: unknown) => errorCode(e) === ErrorCodes.CORRUPTION);
});
