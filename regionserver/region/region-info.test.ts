import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SeededRandom, testSeed } from '../../common/random.js';
import { containsRow, regionInfo } from './region-info.js';

test('containsRow: [startKey, endKey), empty keys unbounded, byte order for short and long rows', () => {
  const b = (s: string): Buffer => Buffer.from(s, 'latin1');
  const r = regionInfo('default', 't', b('m'), b('t'), 1);
  assert.equal(containsRow(r, b('m')), true);
  assert.equal(containsRow(r, b('l\xff')), false);
  assert.equal(containsRow(r, b('s\xff\xff')), true);
  assert.equal(containsRow(r, b('t')), false);
  assert.equal(containsRow(regionInfo('default', 't', Buffer.alloc(0), b('b'), 1), b('a')), true);
  assert.equal(containsRow(regionInfo('default', 't', b('b'), Buffer.alloc(0), 1), b('zzz')), true);
  // Against Buffer.compare on random rows, short (JS comparison) and long (native) alike.
  const seed = testSeed();
  const rnd = new SeededRandom(seed);
  const row = (): Buffer => rnd.bytes(1 + rnd.int(rnd.int(2) === 0 ? 8 : 150));
  for (let i = 0; i < 2000; i++) {
    let s = row();
    let e = row();
    if (Buffer.compare(s, e) >= 0) [s, e] = [e, s];
    if (s.equals(e)) continue;
    const info = regionInfo('default', 't', s, e, 1);
    const x = rnd.int(3) === 0 ? Buffer.concat([s, rnd.bytes(rnd.int(100))]) : row();
    const want = Buffer.compare(x, s) >= 0 && Buffer.compare(x, e) < 0;
    assert.equal(containsRow(info, x), want, `seed=${seed} i=${i}`);
  }
});
