import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Cell } from '../../common/cells/keyvalue.js';
import { encodeKeyValue } from '../../common/cells/keyvalue.js';
import { CellType } from '../../common/cells/keyvalue-format.js';
import { SeededRandom, testSeed } from '../../common/random.js';
import { ByteReader } from '../../common/rpc/byte-reader.js';
import { ByteWriter } from '../../common/rpc/byte-writer.js';
import { decodeResult, encodeResult, PreEncodedResult } from '../../common/rpc/result-codec.js';
import { RowBuffer } from '../scan/row-buffer.js';
import { RowResultEncoder } from './row-result-encoder.js';

/** Fills `out` with `cells`, each added by a random one of RowBuffer's three ways (copied, value referenced, key and value referenced). */
function fill(out: RowBuffer, cells: readonly Cell[], rnd: SeededRandom): void {
  out.clear();
  for (const c of cells) {
    const kv = encodeKeyValue(c);
    const keyLen = kv.readUInt32BE(0);
    const how = rnd.int(3);
    if (how === 0) out.addParts(kv, 8, keyLen, kv, 8 + keyLen, c.value.length);
    else if (how === 1) out.addRef({ keyBuf: kv, keyOff: 8, keyLen, valueBuf: kv, valueOff: 8 + keyLen, valueLen: c.value.length });
    else out.addRefKeyValue(kv, 8, keyLen, 8 + keyLen, c.value.length);
  }
}

function bytesOf(f: (w: ByteWriter) => void): Buffer {
  const w = new ByteWriter(64);
  f(w);
  return Buffer.concat(w.take());
}

test('a row encoded from its RowBuffer has the bytes of encodeResult(toResult()); its cells decode lazily', () => {
  const seed = testSeed();
  const rnd = new SeededRandom(seed);
  const enc = new RowResultEncoder();
  const out = new RowBuffer(64, 2); // small: the buffer grows
  const bytes = (n: number): Buffer => Buffer.from(Array.from({ length: n }, () => rnd.int(256)));
  for (let round = 0; round < 300; round++) {
    const row = bytes(1 + rnd.int(rnd.next() < 0.1 ? 300 : 20));
    const families = [Buffer.from('a'), Buffer.from('cf'), bytes(rnd.int(4)), Buffer.from('cf')];
    const cells: Cell[] = [];
    const n = 1 + rnd.int(25);
    for (let i = 0; i < n; i++) {
      const family = families[Math.min(families.length - 1, Math.floor((i * families.length) / n))]!;
      cells.push({
        row,
        family,
        qualifier: bytes(rnd.int(rnd.next() < 0.1 ? 200 : 12)),
        timestamp: rnd.next() < 0.5 ? 1_700_000_000_000n : BigInt(rnd.int(2 ** 31)) * 4_000_000n,
        type: rnd.next() < 0.8 ? CellType.Put : CellType.DeleteColumn,
        value: bytes(rnd.next() < 0.2 ? 500 : rnd.int(100)),
      });
    }
    fill(out, cells, rnd);
    assert.deepEqual(out.toResult(), { row, cells: cells.map((c) => ({ ...c, row })) });
    const want = bytesOf((w) => encodeResult(w, out.toResult()));
    const got = enc.encode(out);
    assert.ok(got instanceof PreEncodedResult);
    assert.deepEqual(got.encoded, want, `seed=${seed} round=${round}`);
    assert.deepEqual(got.row, row);
    // encodeResult copies it as is; the lazy cells equal the decoded ones.
    assert.deepEqual(bytesOf((w) => encodeResult(w, got)), want);
    const r = new ByteReader(want, 0, want.length);
    assert.deepEqual(got.cells, decodeResult(r).cells);
  }
});
