import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CellType, LATEST_TIMESTAMP } from '../cells/keyvalue-format.js';
import { encodeKeyValue } from '../cells/keyvalue.js';
import type { Cell } from '../cells/keyvalue.js';
import { ErrorCodes, InvalidError } from '../errors.js';
import { SeededRandom } from '../random.js';
import { KeyValuePut, parseKeyValuePut } from './keyvalue-put.js';
import type { Put } from './operations.js';
import { decodeWhole, mutationBytes, plainOps } from './testdata/over-the-wire.js';

const b = (s: string): Buffer => Buffer.from(s);

const encoded = mutationBytes;

function decoded(buf: Buffer): KeyValuePut {
  const m = decodeWhole(buf);
  assert.ok(m instanceof KeyValuePut);
  return m;
}

/** The KeyValues of `cells` back to back. */
function block(cells: Cell[]): Buffer {
  return Buffer.concat(cells.map(encodeKeyValue));
}

const cell = (row: string, family: string, qualifier: string, value: string, timestamp = LATEST_TIMESTAMP, type: CellType = CellType.Put): Cell => ({
  row: b(row),
  family: b(family),
  qualifier: b(qualifier),
  timestamp,
  type,
  value: b(value),
});

test('a put crosses the wire as KeyValues: runs by family, sizes, columns as sent', () => {
  const put: Put = {
    kind: 'put',
    row: b('row1'),
    columns: [
      { family: b('f'), qualifier: b('a'), value: b('1') },
      { family: b('f'), qualifier: b('b'), timestamp: 7n, value: b('22') },
      { family: b('gg'), qualifier: b(''), value: Buffer.alloc(300, 3) },
      { family: b('f'), qualifier: b('c'), timestamp: 0n, value: b('') },
    ],
  };
  const m = decoded(encoded(put));
  assert.equal(m.count, 4);
  assert.equal(m.skipWal, undefined);
  // A KeyValue: lengths (8), row length, family length, timestamp and type (12), then the bytes.
  const kv = (row: number, family: number, qualifier: number, value: number) => 8 + 12 + row + family + qualifier + value;
  assert.deepEqual(
    m.runs.map((r) => [r.family.toString(), r.count, r.end - r.start]),
    [
      ['f', 2, kv(4, 1, 1, 1) + kv(4, 1, 1, 2)],
      ['gg', 1, kv(4, 2, 0, 300)],
      ['f', 1, kv(4, 1, 1, 0)],
    ],
  );
  assert.equal(m.end - m.start, m.runs.reduce((n, r) => n + r.end - r.start, 0));
  assert.equal(m.maxValueBytes, 300);
  assert.equal(m.maxCellBytes, kv(4, 2, 0, 300));
  assert.deepEqual(plainOps(m), put);
  // Re-encoding a decoded put sends the same bytes.
  assert.deepEqual(encoded(m), encoded(put));
  assert.equal(decoded(encoded({ ...put, skipWal: true })).skipWal, true);
});

test('the encoder refuses what a KeyValue cannot hold, with the reason', () => {
  const bad = (columns: Put['columns']) => () => encoded({ kind: 'put', row: b('r'), columns });
  assert.throws(bad([{ family: Buffer.alloc(128, 0x66), qualifier: b('q'), value: b('v') }]), (e: unknown) => e instanceof InvalidError && /family is longer than 127/.test(e.message));
  assert.throws(bad([{ family: b('f'), qualifier: b('q'), timestamp: -1n, value: b('v') }]), /timestamp must be a non-negative 64-bit integer/);
  assert.throws(bad([{ family: b('f'), qualifier: b('q'), timestamp: LATEST_TIMESTAMP + 1n, value: b('v') }]), /timestamp must be a non-negative 64-bit integer/);
  encoded({ kind: 'put', row: b('r'), columns: [{ family: Buffer.alloc(127, 0x66), qualifier: b('q'), timestamp: LATEST_TIMESTAMP, value: b('v') }] });
});

test('malformed cell blocks fail with TSB_PROTOCOL naming the cell; values over the limit with TSB_VALUE_TOO_LARGE', () => {
  const parse = (cells: Buffer, count: number, row = 'r', max?: number) => () => parseKeyValuePut(b(row), cells, 0, cells.length, count, false, max);
  const protocol = (cellIndex: number, problem: RegExp) => (e: unknown) => {
    assert.ok(e instanceof InvalidError, String(e));
    assert.equal(e.code, ErrorCodes.PROTOCOL);
    assert.equal((e.details as { cell: number }).cell, cellIndex);
    assert.match(e.message, problem);
    return true;
  };
  const good = block([cell('r', 'f', 'a', '1'), cell('r', 'f', 'b', '2')]);
  assert.equal(parse(good, 2)().count, 2);
  assert.throws(parse(good, 3), protocol(2, /ends inside it/));
  assert.throws(parse(good, 1), protocol(1, /bytes after the last cell/));
  assert.throws(parse(good.subarray(0, good.length - 1), 2), protocol(1, /lengths run past the block/));
  assert.throws(parse(block([cell('r', 'f', 'a', '1'), cell('s', 'f', 'b', '2')]), 2), protocol(1, /row is not the put row/));
  assert.throws(parse(block([cell('rr', 'f', 'a', '1')]), 1), protocol(0, /row is not the put row/));
  assert.throws(parse(block([cell('r', 'f', 'a', '1', 5n, CellType.Delete)]), 1), protocol(0, /not of type Put/));
  const famPast = block([cell('r', 'f', 'a', '1')]);
  famPast[8 + 2 + 1] = 9; // family length past the key's end
  assert.throws(parse(famPast, 1), protocol(0, /family runs past its key/));
  const keyShort = block([cell('r', 'f', 'a', '1')]);
  keyShort.writeUInt32BE(12, 0); // key shorter than its fixed fields and the row
  assert.throws(parse(keyShort, 1), protocol(0, /lengths run past the block/));
  assert.throws(parse(good, 2, 'r', 0), (e: unknown) => e instanceof InvalidError && e.code === ErrorCodes.VALUE_TOO_LARGE);
  assert.equal(parse(good, 2, 'r', 1)().count, 2);
  // Through the decoder: a count the block cannot hold is refused before the cells are read.
  const frame = encoded({ kind: 'put', row: b('r'), columns: [{ family: b('f'), qualifier: b('a'), value: b('1') }] });
  frame.writeUInt32BE(1000, 1 + 2 + 1 + 1);
  assert.throws(() => decoded(frame), (e: unknown) => e instanceof InvalidError && e.code === ErrorCodes.PROTOCOL);
});

test('random damage to an encoded put never escapes as anything but InvalidError', () => {
  const seed = Number(process.env.TSB_SEED ?? Date.now() % 1_000_000);
  const random = new SeededRandom(seed);
  const put: Put = {
    kind: 'put',
    row: b('user123'),
    columns: Array.from({ length: 5 }, (_, i) => ({ family: b(i < 3 ? 'f' : 'g'), qualifier: b(`field${i}`), value: Buffer.alloc(20, i) })),
  };
  const clean = encoded(put);
  let parsed = 0;
  for (let round = 0; round < 2000; round++) {
    const buf = Buffer.from(clean);
    const hits = 1 + random.int(3);
    for (let h = 0; h < hits; h++) buf[random.int(buf.length)] = random.int(256);
    try {
      const m = decoded(buf);
      // Whatever parses is self-consistent: every cell decodes within the block.
      assert.equal(m.columns.length, m.count, `seed ${seed}`);
      parsed++;
    } catch (e) {
      assert.ok(e instanceof InvalidError, `seed ${seed}: ${String(e)}`);
    }
  }
  assert.ok(parsed > 0 && parsed < 2000, `seed ${seed}: ${parsed} of 2000 damaged puts parsed`);
});
