// indexSearch (the last index entry <= a key) against a linear scan, on index blocks large
// enough to be searched through row samples (key-samples.ts): rows sharing long prefixes, ties
// in the sampled bytes, rows ending at the prefix, several keys per row, targets before, after
// and between the entries.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildKey, compareKeys, firstOnRowKey } from '../../common/cells/encoded-key.js';
import { CellType } from '../../common/cells/keyvalue-format.js';
import { SeededRandom } from '../../common/random.js';
import { rowsWithPrefix } from './hfile-test-util.js';
import { IndexBlockBuilder, indexSearch, validateIndexBlock } from './index-block.js';
import { MIN_SAMPLED_KEYS } from './key-samples.js';

test('indexSearch finds the entry a linear scan finds (blocks searched through row samples)', () => {
  for (const seed of [1, 2, 3, 4, 5, 6]) {
    const rnd = new SeededRandom(seed);
    const common = ['', 'user', 'row/0000/', 'k'][seed % 4]!;
    const count = [MIN_SAMPLED_KEYS, 9, 40, 300][seed % 4]!;
    const rows = rowsWithPrefix(rnd, common, count);
    const keys = rows.map((r) => buildKey(Buffer.from(r, 'latin1'), Buffer.from('f'), Buffer.from(`q${Math.floor(rnd.next() * 3)}`), 100n, CellType.Put)).sort((a, b) => compareKeys(a, 0, a.length, b, 0, b.length));
    const builder = new IndexBlockBuilder();
    keys.forEach((k, i) => builder.add(k, 0, k.length, 1000 * i, 1000));
    const block = builder.finish();
    validateIndexBlock(block, { start: 0, end: 1000 * keys.length }, { file: 'test', offset: 0 });
    const targets: Buffer[] = [...keys];
    for (const r of rows) targets.push(firstOnRowKey(Buffer.from(r, 'latin1')), buildKey(Buffer.from(r, 'latin1'), Buffer.from('f'), Buffer.from('q1'), 100n, CellType.Put));
    for (const t of ['', common.slice(0, -1), common.slice(0, -1) + '\xff', common, common + '\x00', common + '000000', common + '\xff', '\xff\xff']) targets.push(firstOnRowKey(Buffer.from(t, 'latin1')));
    for (let i = 0; i < 300; i++) targets.push(firstOnRowKey(Buffer.from(common + Math.floor(rnd.next() * 1e6).toString(36).slice(0, 1 + Math.floor(rnd.next() * 8)), 'latin1')));
    for (const t of targets) {
      let expected = -1;
      keys.forEach((k, i) => {
        if (compareKeys(k, 0, k.length, t, 0, t.length) <= 0) expected = i;
      });
      assert.equal(indexSearch(block, t, 0, t.length), expected, `seed ${seed} target ${t.toString('latin1')}`);
    }
  }
});
