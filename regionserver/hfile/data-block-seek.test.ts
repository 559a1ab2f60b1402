// DataBlockCursor.seek against a linear scan of the same block, on blocks with many restarts:
// rows sharing long prefixes, rows shorter and longer than 12 bytes, several cells per row,
// both encodings, targets between, on and around the stored keys.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildKey, compareKeys, firstOnRowKey } from '../../common/cells/encoded-key.js';
import { CellType } from '../../common/cells/keyvalue-format.js';
import { SeededRandom } from '../../common/random.js';
import { DataBlockBuilder } from './data-block-builder.js';
import { DataBlockCursor, validateDataBlock } from './data-block-reader.js';
import { DataBlockEncoding } from './hfile-format.js';

function randomRow(rnd: SeededRandom): Buffer {
  const shapes = ['user0000000', 'user', '', 'a', 'user00000000000000'];
  const prefix = shapes[Math.floor(rnd.next() * shapes.length)]!;
  const tail = Math.floor(rnd.next() * 3000).toString().padStart(Math.floor(rnd.next() * 6), '0');
  return Buffer.from(prefix + tail + (rnd.next() < 0.2 ? '\x00' : ''), 'latin1');
}

test('indexed seek finds the same entry as a linear scan (random blocks, both encodings)', () => {
  for (const encoding of [DataBlockEncoding.None, DataBlockEncoding.Prefix]) {
    for (const seed of [1, 2, 3]) {
      const rnd = new SeededRandom(seed * 10 + encoding);
      const rows = new Set<string>();
      while (rows.size < 150) rows.add(randomRow(rnd).toString('latin1'));
      const sorted = [...rows].map((r) => Buffer.from(r, 'latin1')).sort(Buffer.compare);
      const keys: Buffer[] = [];
      for (const row of sorted) {
        const n = 1 + Math.floor(rnd.next() * 3);
        for (let q = 0; q < n; q++) keys.push(buildKey(row, Buffer.from('f'), Buffer.from(`q${q}`), 100n, CellType.Put));
      }
      keys.sort((a, b) => compareKeys(a, 0, a.length, b, 0, b.length));
      const b = new DataBlockBuilder(encoding, 2 + Math.floor(rnd.next() * 4), 64);
      for (const k of keys) b.add(k, 0, k.length, Buffer.from('v'), 0, 1);
      const payload = Buffer.from(b.finish());
      validateDataBlock(payload, encoding, { file: 'test', offset: 0 });
      assert.ok(payload.readUInt32BE(payload.length - 8) >= 16, 'the block has many restarts');
      const cur = new DataBlockCursor();
      const targets: Buffer[] = [...keys];
      for (const row of sorted) targets.push(firstOnRowKey(row));
      for (let i = 0; i < 300; i++) targets.push(firstOnRowKey(randomRow(rnd)));
      targets.push(firstOnRowKey(Buffer.alloc(0)), firstOnRowKey(Buffer.from('\xff\xff\xff', 'latin1')));
      for (const t of targets) {
        const expected = keys.findIndex((k) => compareKeys(k, 0, k.length, t, 0, t.length) >= 0);
        cur.reset(payload, encoding);
        const found = cur.seek(t, 0, t.length);
        if (expected < 0) {
          assert.equal(found, false);
        } else {
          assert.equal(found, true);
          const e = keys[expected]!;
          assert.equal(compareKeys(cur.keyBuf, cur.keyOff, cur.keyLen, e, 0, e.length), 0, `seed ${seed} encoding ${encoding}`);
        }
      }
    }
  }
});
