// RowBuffer keeps cells added three ways — copied (addParts), value referenced (addRef), key
// and value referenced (addRefKeyValue) — and every reader of it (toResult, cellAt, copyFrom,
// truncate, byteSize) sees the same cells whatever the mix.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Cell } from '../../common/cells/keyvalue.js';
import { encodeKeyValue } from '../../common/cells/keyvalue.js';
import { CellType } from '../../common/cells/keyvalue-format.js';
import { decodeKey } from '../../common/cells/encoded-key.js';
import { SeededRandom, testSeed } from '../../common/random.js';
import { RowBuffer } from './row-buffer.js';

function randomCell(rnd: SeededRandom, row: Buffer, i: number): Cell {
  const bytes = (n: number): Buffer => Buffer.from(Array.from({ length: n }, () => rnd.int(256)));
  return { row, family: Buffer.from('f'), qualifier: Buffer.from(`q${String(i).padStart(3, '0')}`), timestamp: BigInt(1 + rnd.int(1e9)), type: CellType.Put, value: bytes(rnd.int(rnd.next() < 0.2 ? 300 : 40)) };
}

function add(out: RowBuffer, c: Cell, how: number): void {
  const kv = encodeKeyValue(c);
  const keyLen = kv.readUInt32BE(0);
  const valueLen = c.value.length;
  if (how === 0) out.addParts(kv, 8, keyLen, kv, 8 + keyLen, valueLen);
  else if (how === 1) out.addRef({ keyBuf: kv, keyOff: 8, keyLen, valueBuf: kv, valueOff: 8 + keyLen, valueLen });
  else out.addRefKeyValue(kv, 8, keyLen, 8 + keyLen, valueLen);
}

function check(out: RowBuffer, want: readonly Cell[], what: string): void {
  assert.equal(out.count, want.length, what);
  if (want.length > 0) assert.deepEqual(out.toResult(), { row: want[0]!.row, cells: want.map((c) => ({ ...c, row: want[0]!.row })) }, what);
  let bytes = 0;
  for (let i = 0; i < want.length; i++) {
    const v = out.cellAt(i);
    const k = decodeKey(v.keyBuf, v.keyOff, v.keyLen);
    assert.deepEqual(k.qualifier, want[i]!.qualifier, `${what}: cellAt(${i})`);
    assert.deepEqual(v.valueBuf.subarray(v.valueOff, v.valueOff + v.valueLen), want[i]!.value, `${what}: cellAt(${i}) value`);
    assert.equal(out.keyBuf(i), v.keyBuf);
    bytes += v.keyLen + v.valueLen;
  }
  assert.equal(out.byteSize, bytes, `${what}: byteSize`);
}

test('cells added copied, value-referenced and key-and-value-referenced read back alike through toResult, cellAt, truncate, copyFrom and reuse', () => {
  const seed = testSeed();
  const rnd = new SeededRandom(seed);
  const out = new RowBuffer(32, 2); // small: arena and meta grow
  const other = new RowBuffer(16, 1);
  for (let round = 0; round < 200; round++) {
    const row = Buffer.from(`row${round}`);
    const cells = Array.from({ length: rnd.int(12) }, (_, i) => randomCell(rnd, row, i));
    out.clear();
    for (const c of cells) add(out, c, rnd.int(3));
    check(out, cells, `seed=${seed} round=${round}`);
    other.copyFrom(out);
    check(other, cells, `seed=${seed} round=${round} copyFrom`);
    // Truncate, then add more: the arena must resume after the last kept cell's bytes.
    const keep = rnd.int(cells.length + 1);
    out.truncate(keep);
    check(out, cells.slice(0, keep), `seed=${seed} round=${round} truncate(${keep})`);
    const more = Array.from({ length: rnd.int(6) }, (_, i) => randomCell(rnd, row, 100 + i));
    for (const c of more) add(out, c, rnd.int(3));
    check(out, [...cells.slice(0, keep), ...more], `seed=${seed} round=${round} truncate(${keep}) and add`);
    check(other, cells, `seed=${seed} round=${round} the copy is independent`);
  }
});
