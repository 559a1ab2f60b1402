import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ErrorCodes, errorCode } from '../../common/errors.js';
import { SequenceAccounting } from './sequence-accounting.js';

function record(a: SequenceAccounting, unit: number, ...edits: Array<[string, bigint]>): void {
  a.recordDurable(
    unit,
    edits.map((e) => e[0]),
    edits.map((e) => e[1]),
    edits.length,
  );
}

test('oldest unflushed seq id per region follows appends and completed flushes', () => {
  const a = new SequenceAccounting();
  assert.equal(a.oldestUnflushed('r'), undefined);
  record(a, 0, ['r', 5n], ['s', 1n], ['r', 6n]);
  assert.equal(a.oldestUnflushed('r'), 5n);
  assert.equal(a.startFlush('r', 6n), 5n);
  record(a, 1, ['r', 7n]); // durable during the flush, above its snapshot
  assert.equal(a.oldestUnflushed('r'), 5n);
  a.completeFlush('r');
  assert.equal(a.oldestUnflushed('r'), 7n);
  assert.equal(a.flushedUpTo('r'), 6n);
  assert.equal(a.oldestUnflushed('s'), 1n);
});

test('an aborted flush leaves its edits unflushed', () => {
  const a = new SequenceAccounting();
  record(a, 0, ['r', 5n]);
  a.startFlush('r', 5n);
  record(a, 0, ['r', 8n]);
  a.abortFlush('r');
  assert.equal(a.oldestUnflushed('r'), 5n);
  assert.equal(a.flushedUpTo('r'), -1n);
  assert.equal(a.firstNeededUnit(), 0);
});

test('a flush snapshot below already durable edits underestimates their oldest (safe)', () => {
  const a = new SequenceAccounting();
  record(a, 0, ['r', 1n], ['r', 2n], ['r', 3n]);
  a.startFlush('r', 2n); // 3 is durable but not in the snapshot
  a.completeFlush('r');
  assert.equal(a.oldestUnflushed('r'), 3n);
  assert.equal(a.firstNeededUnit(), 0, 'unit 0 still holds seq 3');
});

test('flush bookkeeping errors are reported', () => {
  const a = new SequenceAccounting();
  assert.throws(() => a.completeFlush('r'), (e: unknown) => errorCode(e) === ErrorCodes.INVALID_ARGUMENT);
  a.startFlush('r', 1n);
  assert.throws(() => a.startFlush('r', 2n), (e: unknown) => errorCode(e) === ErrorCodes.INVALID_ARGUMENT);
});

test('units are released as a prefix, once every region in them is flushed', () => {
  const a = new SequenceAccounting();
  record(a, 0, ['a', 1n], ['b', 1n]);
  record(a, 1, ['a', 2n]);
  record(a, 2, ['a', 3n], ['c', 1n]);
  assert.equal(a.firstNeededUnit(), 0);
  a.startFlush('a', 3n);
  a.completeFlush('a');
  // Unit 0 still holds b's edit: nothing can go, though units 1 is fully flushed.
  assert.equal(a.firstNeededUnit(), 0);
  assert.deepEqual(a.regionsBlockingOldest(), ['b']);
  a.startFlush('b', 1n);
  a.completeFlush('b');
  assert.equal(a.firstNeededUnit(), 2);
  assert.deepEqual(a.regionsBlockingOldest(), ['c']);
  a.dropUnitsBelow(2);
  assert.equal(a.unitCount, 1);
  a.startFlush('c', 1n);
  a.completeFlush('c');
  assert.equal(a.firstNeededUnit(), 3, 'everything flushed: one past the newest unit');
  assert.deepEqual(a.regionsBlockingOldest(), []);
});

test('several commits landing in one unit (a local segment) merge', () => {
  const a = new SequenceAccounting();
  record(a, 4, ['a', 1n]);
  record(a, 4, ['b', 1n]);
  record(a, 5, ['a', 2n]);
  assert.equal(a.unitCount, 2);
  a.startFlush('a', 2n);
  a.completeFlush('a');
  assert.equal(a.firstNeededUnit(), 4);
  a.startFlush('b', 1n);
  a.completeFlush('b');
  assert.equal(a.firstNeededUnit(), 6);
});
