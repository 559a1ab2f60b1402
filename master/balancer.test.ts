import assert from 'node:assert/strict';
import { test } from 'node:test';
import { planBalance } from './balancer.js';
import { splitKeysOf, uniformSplits } from './split-keys.js';

function apply(load: Map<string, string[]>, moves: ReturnType<typeof planBalance>): number[] {
  const m = new Map([...load].map(([k, v]) => [k, [...v]]));
  for (const mv of moves) {
    const from = m.get(mv.from)!;
    assert.ok(from.includes(mv.region), 'moves a region the server has');
    from.splice(from.indexOf(mv.region), 1);
    m.get(mv.to)!.push(mv.region);
  }
  return [...m.values()].map((v) => v.length).sort((a, b) => a - b);
}

const regions = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}${i}`);

test('balancer: counts end within floor..ceil of the average with the fewest moves', () => {
  const load = new Map([
    ['a', regions('a', 10)],
    ['b', []],
    ['c', regions('c', 1)],
  ]);
  const moves = planBalance(load);
  assert.deepEqual(apply(load, moves), [3, 4, 4]);
  assert.equal(moves.length, 6);
  assert.deepEqual(planBalance(new Map([['a', regions('a', 5)]])), [], 'one server: nothing to do');
  assert.deepEqual(
    planBalance(
      new Map([
        ['a', regions('a', 3)],
        ['b', regions('b', 2)],
      ]),
    ),
    [],
    'already balanced',
  );
  assert.equal(planBalance(load, 2).length, 2, 'maxMoves caps the plan');
});

test('balancer: deterministic and balanced for random loads', () => {
  let seed = 12345;
  const rnd = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  for (let round = 0; round < 50; round++) {
    const n = 2 + Math.floor(rnd() * 5);
    const load = new Map(Array.from({ length: n }, (_, i) => [`s${i}`, regions(`s${i}-`, Math.floor(rnd() * 20))] as [string, string[]]));
    const moves = planBalance(load);
    assert.deepEqual(planBalance(load), moves);
    const counts = apply(load, moves);
    assert.ok(counts.at(-1)! - counts[0]! <= 1, `round ${round}: ${counts.join(',')}`);
  }
});

test('split keys: explicit keys sorted; numRegions spaced evenly inside the range', () => {
  const b = (s: string) => Buffer.from(s).toString('base64');
  assert.deepEqual(
    splitKeysOf({ splitKeys: [b('m'), b('c')] }).map(String),
    ['c', 'm'],
  );
  assert.deepEqual(splitKeysOf({ numRegions: 1 }), []);
  assert.deepEqual(
    splitKeysOf({ numRegions: 4 }).map((k) => k.toString('hex')),
    ['40000000', '80000000', 'c0000000'],
  );
  const ks = uniformSplits(Buffer.from('a'), Buffer.from('b'), 10);
  assert.equal(ks.length, 9);
  for (let i = 0; i < ks.length; i++) {
    assert.ok(Buffer.compare(ks[i]!, Buffer.from('a')) > 0 && Buffer.compare(ks[i]!, Buffer.from('b')) < 0);
    if (i > 0) assert.ok(Buffer.compare(ks[i - 1]!, ks[i]!) < 0);
  }
  assert.throws(() => splitKeysOf({ numRegions: 3, startKey: b('z'), endKey: b('a') }), /startKey must sort before endKey/);
  assert.throws(() => splitKeysOf({ startKey: b('a') }), /only apply with numRegions/);
  assert.throws(() => splitKeysOf({ splitKeys: [''] }), /must not be empty/);
});
