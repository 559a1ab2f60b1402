// DataBlockCursor.seek against a linear scan of the same block, on blocks with many restarts:
// rows sharing long prefixes, rows shorter and longer than 12 bytes, several cells per row,
// both encodings, targets between, on and around the stored keys.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compareKeys, firstOnRowKey } from '../../common/cells/encoded-key.js';
import { SeededRandom } from '../../common/random.js';
import { DataBlockBuilder } from './data-block-builder.js';
import { DataBlockCursor, restartSamples, validateDataBlock } from './data-block-reader.js';
import { DataBlockEncoding } from './hfile-format.js';
import { keysOfRows, rowsWithPrefix } from './hfile-test-util.js';
import { keyRange, narrowKeys } from './key-samples.js';

function randomRow(rnd: SeededRandom): Buffer {
  const shapes = ['user0000000', 'user', '', 'a', 'user00000000000000'];
  const prefix = shapes[Math.floor(rnd.next() * shapes.length)]!;
  const tail = Math.floor(rnd.next() * 3000).toString().padStart(Math.floor(rnd.next() * 6), '0');
  return Buffer.from(prefix + tail + (rnd.next() < 0.2 ? '\x00' : ''), 'latin1');
}

/** A validated data block of `keys` (value 'v' each), a restart point every `interval` entries. */
function blockOf(keys: readonly Buffer[], encoding: DataBlockEncoding, interval: number): Buffer {
  const b = new DataBlockBuilder(encoding, interval, 64);
  for (const k of keys) b.add(k, 0, k.length, Buffer.from('v'), 0, 1);
  const payload = Buffer.from(b.finish());
  validateDataBlock(payload, encoding, { file: 'test', offset: 0 });
  return payload;
}

/** Checks that seeking `target` lands on the first of `keys` >= it (or fails past the last). */
function checkSeek(cur: DataBlockCursor, payload: Buffer, encoding: DataBlockEncoding, keys: readonly Buffer[], t: Buffer, what: string): void {
  const expected = keys.findIndex((k) => compareKeys(k, 0, k.length, t, 0, t.length) >= 0);
  cur.reset(payload, encoding);
  const found = cur.seek(t, 0, t.length);
  if (expected < 0) {
    assert.equal(found, false, what);
  } else {
    assert.equal(found, true, what);
    const e = keys[expected]!;
    assert.equal(compareKeys(cur.keyBuf, cur.keyOff, cur.keyLen, e, 0, e.length), 0, what);
  }
}

test('indexed seek finds the same entry as a linear scan (random blocks, both encodings)', () => {
  for (const encoding of [DataBlockEncoding.None, DataBlockEncoding.Prefix]) {
    for (const seed of [1, 2, 3]) {
      const rnd = new SeededRandom(seed * 10 + encoding);
      const rows = new Set<string>();
      while (rows.size < 150) rows.add(randomRow(rnd).toString('latin1'));
      const sorted = [...rows].map((r) => Buffer.from(r, 'latin1')).sort(Buffer.compare);
      const keys = keysOfRows(rnd, sorted, 3);
      const payload = blockOf(keys, encoding, 2 + Math.floor(rnd.next() * 4));
      assert.ok(payload.readUInt32BE(payload.length - 8) >= 16, 'the block has many restarts');
      const cur = new DataBlockCursor();
      const targets: Buffer[] = [...keys];
      for (const row of sorted) targets.push(firstOnRowKey(row));
      for (let i = 0; i < 300; i++) targets.push(firstOnRowKey(randomRow(rnd)));
      targets.push(firstOnRowKey(Buffer.alloc(0)), firstOnRowKey(Buffer.from('\xff\xff\xff', 'latin1')));
      for (const t of targets) checkSeek(cur, payload, encoding, keys, t, `seed ${seed} encoding ${encoding}`);
    }
  }
});

test('restart samples narrow the search to the restarts that tie with the target, and the seek answers the same (shared prefixes, ties, short rows, targets outside the prefix)', () => {
  for (const encoding of [DataBlockEncoding.None, DataBlockEncoding.Prefix]) {
    for (const seed of [1, 2, 3, 4]) {
      const rnd = new SeededRandom(seed * 100 + encoding);
      // Every row starts with `common`, so the samples' prefix is long (rowsWithPrefix).
      const common = ['user12', 'k', 'row/0000/'][seed % 3]!;
      const sorted = rowsWithPrefix(rnd, common, 200)
        .map((r) => Buffer.from(r, 'latin1'))
        .sort(Buffer.compare);
      const keys = keysOfRows(rnd, sorted, 2);
      const interval = seed; // 1..4
      const payload = blockOf(keys, encoding, interval);
      const numRestarts = payload.readUInt32BE(payload.length - 8);
      const samples = restartSamples(payload, payload.length - 8 - 4 * numRestarts, numRestarts, encoding === DataBlockEncoding.Prefix);
      assert.ok(numRestarts >= 16 && samples.prefixLen >= common.length, 'the block is searched through samples with a shared prefix');
      const cur = new DataBlockCursor();
      const targets: Buffer[] = [...keys];
      for (const row of sorted) targets.push(firstOnRowKey(row));
      const around = ['', common.slice(0, -1), common.slice(0, -1) + '\x00', common.slice(0, -1) + '\xff', common, common + '\x00', common + '000000', common + '0000009', common + '\xff\xff', '\xff'];
      for (const t of around) targets.push(firstOnRowKey(Buffer.from(t, 'latin1')));
      for (let i = 0; i < 300; i++) targets.push(firstOnRowKey(Buffer.from(common + Math.floor(rnd.next() * 1e6).toString(36).slice(0, 1 + Math.floor(rnd.next() * 8)), 'latin1')));
      // Every interval-th key starts a restart. The row bytes a sample covers, zero-padded:
      const restartKeys = keys.filter((_, i) => i % interval === 0);
      const span = samples.prefixLen + 6;
      const sampled = (k: Buffer): string => Buffer.concat([k.subarray(2, 2 + k.readUInt16BE(0)), Buffer.alloc(span)]).subarray(0, span).toString('hex');
      for (const t of targets) {
        narrowKeys(samples, payload, t, 0);
        const [lo, hi] = [keyRange[0]!, keyRange[1]!];
        let answer = -1;
        restartKeys.forEach((k, i) => {
          if (compareKeys(k, 0, k.length, t, 0, t.length) <= 0) answer = i;
        });
        assert.ok(lo <= answer && answer <= hi, `the answer's restart ${answer} is in [${lo}, ${hi}]`);
        for (let i = lo + 1; i <= hi; i++) assert.equal(sampled(restartKeys[i]!), sampled(t), `restart ${i} of [${lo}, ${hi}] ties with the target`);
        checkSeek(cur, payload, encoding, keys, t, `seed ${seed} encoding ${encoding}`);
      }
    }
  }
});
