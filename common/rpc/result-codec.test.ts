import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CellType, LATEST_TIMESTAMP } from '../cells/keyvalue-format.js';
import type { Cell } from '../cells/keyvalue.js';
import { encodeKeyValue } from '../cells/keyvalue.js';
import { ErrorCodes, InvalidError } from '../errors.js';
import type { Result, ResultCell } from '../ops/operations.js';
import { SeededRandom, testSeed } from '../random.js';
import { ByteReader } from './byte-reader.js';
import { ByteWriter } from './byte-writer.js';
import { decodeResult, decodeScanBatch, encodeResult, encodeScanBatch } from './result-codec.js';

const b = (s: string): Buffer => Buffer.from(s);
const kv = (c: ResultCell): Buffer => encodeKeyValue(c as Cell);

function encoded(f: (w: ByteWriter) => void): Buffer {
  const w = new ByteWriter(32);
  f(w);
  return Buffer.concat(w.take());
}

function resultRoundTrip(r: Result): Result {
  const buf = encoded((w) => encodeResult(w, r));
  const reader = new ByteReader(buf, 0, buf.length);
  const out = decodeResult(reader);
  reader.done('result');
  return out;
}

const cell = (row: Buffer, f: string, q: string, ts: bigint, v: string | Buffer, type: number = CellType.Put): ResultCell => ({
  row,
  family: b(f),
  qualifier: b(q),
  timestamp: ts,
  type,
  value: typeof v === 'string' ? b(v) : v,
});

test('results round-trip: empty row, several families, family runs interleaved, delete markers of raw scans', () => {
  const row = b('row-1');
  const results: Result[] = [
    { row: Buffer.alloc(0), cells: [] },
    { row, cells: [] },
    {
      row,
      cells: [cell(row, 'a', 'q1', 5n, 'v1'), cell(row, 'a', 'q2', 5n, 'v2'), cell(row, 'b', '', 4n, ''), cell(row, 'c', 'x', 0n, Buffer.alloc(100_000, 3))],
    },
    { row, cells: [cell(row, 'a', 'q', 1n, 'x'), cell(row, 'b', 'q', 1n, 'y'), cell(Buffer.from(row), 'a', 'q', 1n, 'z')] }, // runs a, b, a
    { row, cells: [cell(row, 'ab', 'q', 1n, 'x'), cell(row, 'a', 'q', 1n, 'y'), cell(row, 'ab', 'q', 1n, 'z')] }, // a family, then its prefix
    {
      row,
      cells: [
        cell(row, 'f', '', 9n, '', CellType.DeleteFamily),
        cell(row, 'f', 'q', 8n, '', CellType.DeleteColumn),
        cell(row, 'f', 'q', 7n, '', CellType.Delete),
        cell(row, 'f', 'q', 7n, 'old'),
        cell(row, 'f', '', 6n, '', CellType.DeleteFamilyVersion),
      ],
    },
    { row: Buffer.alloc(32767, 1), cells: [cell(Buffer.alloc(32767, 1), 'f', 'q', LATEST_TIMESTAMP, 'v'), cell(Buffer.alloc(32767, 1), 'f', 'q', LATEST_TIMESTAMP - 1n, 'v')] },
  ];
  for (const r of results) assert.deepEqual(resultRoundTrip(r), r);
});

test('random results round-trip, timestamps near 2^63 included (seeded)', () => {
  const seed = testSeed();
  const rnd = new SeededRandom(seed);
  const bytes = (max: number): Buffer => rnd.bytes(rnd.int(max + 1));
  for (let i = 0; i < 200; i++) {
    const row = bytes(20);
    const cells: ResultCell[] = [];
    const n = rnd.int(12);
    const tsChoices = [0n, 1n, 1_700_000_000_000n, LATEST_TIMESTAMP, LATEST_TIMESTAMP - 1n, 2n ** 62n];
    for (let k = 0; k < n; k++) {
      cells.push({ row, family: Buffer.from([0x61 + rnd.int(3)]), qualifier: bytes(8), timestamp: tsChoices[rnd.int(tsChoices.length)]!, type: CellType.Put, value: bytes(30) });
    }
    assert.deepEqual(resultRoundTrip({ row, cells }), { row, cells }, `seed=${seed} result ${i}`);
  }
});

test('decoded cells share the row view, one family view per run, and equal consecutive timestamps', () => {
  const row = b('r');
  const out = resultRoundTrip({ row, cells: [cell(row, 'f', 'a', 7n, '1'), cell(row, 'f', 'b', 7n, '2'), cell(row, 'f', 'c', 6n, '3')] });
  const [c0, c1, c2] = out.cells;
  assert.equal(c0!.row, out.row);
  assert.equal(c1!.row, out.row);
  assert.equal(c0!.family, c1!.family);
  assert.equal(c2!.family, c0!.family);
  assert.equal(c0!.timestamp, 7n);
  assert.equal(c2!.timestamp, 6n);
});

test('a cell of another row is refused by the encoder', () => {
  assert.throws(
    () => encoded((w) => encodeResult(w, { row: b('r1'), cells: [cell(b('r2'), 'f', 'q', 1n, 'v')] })),
    (e: unknown) => e instanceof InvalidError && e.code === ErrorCodes.INVALID_ARGUMENT,
  );
});

test('scan batches round-trip (more / no more, empty, partial rows of one row in several results)', () => {
  const row = b('wide');
  const batches = [
    { results: [], moreInRegion: false },
    { results: [], moreInRegion: true },
    {
      results: [
        { row, cells: [cell(row, 'f', 'a', 1n, 'x'), cell(row, 'f', 'b', 1n, 'y')] },
        { row, cells: [cell(row, 'f', 'c', 1n, 'z')] },
      ],
      moreInRegion: true,
    },
  ];
  for (const batch of batches) {
    const buf = encoded((w) => encodeScanBatch(w, batch));
    const r = new ByteReader(buf, 0, buf.length);
    assert.deepEqual(decodeScanBatch(r), batch);
    r.done('batch');
  }
});

test('malformed results fail with TSB_PROTOCOL: truncations, impossible counts, a bad more flag', () => {
  const row = b('r');
  const buf = encoded((w) => encodeResult(w, { row, cells: [cell(row, 'f', 'a', 1n, 'x'), cell(row, 'g', 'b', 2n, 'y')] }));
  const protocol = (e: unknown): boolean => e instanceof InvalidError && e.code === ErrorCodes.PROTOCOL;
  for (let n = 0; n < buf.length; n++) {
    assert.throws(() => decodeResult(new ByteReader(buf, 0, n)), protocol, `prefix ${n}`);
  }
  const hugeRuns = Buffer.from([0, 0, 0x7f, 0xff, 0xff, 0xff]);
  assert.throws(() => decodeResult(new ByteReader(hugeRuns, 0, hugeRuns.length)), protocol);
  const badMore = Buffer.from([2, 0, 0, 0, 0]);
  assert.throws(() => decodeScanBatch(new ByteReader(badMore, 0, badMore.length)), protocol);
});

test('a result is its row, its cell count and its cells as KeyValues back to back (docs/formats/rpc.md)', () => {
  const row = b('row-7');
  const cells = [cell(row, 'a', 'q1', 5n, 'v1'), cell(row, 'b', '', 4n, '', CellType.DeleteFamily), cell(row, 'b', 'q', LATEST_TIMESTAMP - 1n, Buffer.alloc(300, 9))];
  const kvs = Buffer.concat(cells.map((c) => kv(c)));
  assert.deepEqual(encoded((w) => encodeResult(w, { row, cells })), rawResult(row, cells.length, kvs));
});

/** A result of `row` whose block is `kvs`, claiming `count` cells, written field by field. */
function rawResult(row: Buffer, count: number, kvs: Buffer): Buffer {
  const head = Buffer.alloc(2 + row.length + 8);
  head.writeUInt16BE(row.length, 0);
  row.copy(head, 2);
  head.writeUInt32BE(count, 2 + row.length);
  head.writeUInt32BE(kvs.length, 6 + row.length);
  return Buffer.concat([head, kvs]);
}

test('malformed KeyValue blocks fail with TSB_PROTOCOL naming the cell; valid ones decode', () => {
  const row = b('r1');
  const good = [kv(cell(row, 'f', 'a', 1n, 'x')), kv(cell(row, 'f', 'b', 1n, 'y'))];
  const decode = (buf: Buffer): Result => {
    const r = new ByteReader(buf, 0, buf.length);
    const out = decodeResult(r);
    r.done('result');
    return out;
  };
  assert.equal(decode(rawResult(row, 2, Buffer.concat(good))).cells.length, 2);
  const damaged = (at: number, f: (kv: Buffer) => void): Buffer => {
    const kvs = good.map((k) => Buffer.from(k));
    f(kvs[at]!);
    return Buffer.concat(kvs);
  };
  const cases: [string, Buffer, number, RegExp][] = [
    ['another row', Buffer.concat([good[0]!, kv(cell(b('r2'), 'f', 'b', 1n, 'y'))]), 2, /cell 1 .*row is not the result row/],
    ['unknown type', damaged(0, (kv) => (kv[kv.readUInt32BE(0) + 7] = 5)), 2, /cell 0 .*type 5 is unknown/],
    ['family past its key', damaged(1, (kv) => (kv[8 + 2 + 2] = 40)), 2, /cell 1 .*family runs past its key/],
    ['value length past the block', damaged(1, (kv) => kv.writeUInt32BE(1000, 4)), 2, /cell 1 .*lengths run past the block/],
    ['key shorter than its row', damaged(0, (kv) => kv.writeUInt32BE(5, 0)), 2, /cell 0 .*lengths run past the block/],
    ['bytes after the last cell', Buffer.concat([...good, Buffer.from([0])]), 2, /cell 2 .*bytes after the last cell/],
    ['fewer cells than counted', Buffer.concat([good[0]!, Buffer.alloc(good[1]!.length)]), 2, /cell 1 /],
    ['an empty result with bytes', Buffer.from([1]), 0, /cell 0 .*bytes after the last cell/],
  ];
  for (const [what, kvs, count, message] of cases) {
    assert.throws(
      () => decode(rawResult(row, count, kvs)),
      (e: unknown) => e instanceof InvalidError && e.code === ErrorCodes.PROTOCOL && message.test(e.message),
      what,
    );
  }
});

test('random damage to encoded results decodes to a result or fails with TSB_PROTOCOL, never anything else (seeded)', () => {
  const seed = testSeed();
  const rnd = new SeededRandom(seed);
  const row = b('user000000042');
  const cells = Array.from({ length: 6 }, (_, i) => cell(row, i < 3 ? 'a' : 'bb', `field${i}`, BigInt(1_700_000_000_000 + i), Buffer.alloc(rnd.int(40), i)));
  const clean = encoded((w) => encodeResult(w, { row, cells }));
  let failed = 0;
  for (let round = 0; round < 2000; round++) {
    const buf = Buffer.from(clean);
    for (let k = 1 + rnd.int(3); k > 0; k--) buf[rnd.int(buf.length)] = rnd.int(256);
    const end = rnd.next() < 0.2 ? rnd.int(buf.length + 1) : buf.length;
    try {
      const r = new ByteReader(buf, 0, end);
      const out = decodeResult(r);
      for (const c of out.cells) assert.deepEqual(c.row, out.row, `seed=${seed} round=${round}`);
    } catch (e) {
      assert.ok(e instanceof InvalidError && e.code === ErrorCodes.PROTOCOL, `seed=${seed} round=${round}: ${String(e)}`);
      failed++;
    }
  }
  assert.ok(failed > 0);
});
