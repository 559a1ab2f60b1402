import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Cell } from '../../common/cells/keyvalue.js';
import { encodeKeyValue } from '../../common/cells/keyvalue.js';
import { CellType } from '../../common/cells/keyvalue-format.js';
import { InternalError } from '../../common/errors.js';
import { SeededRandom, testSeed } from '../../common/random.js';
import { ByteReader } from '../../common/rpc/byte-reader.js';
import { ByteWriter } from '../../common/rpc/byte-writer.js';
import { decodeResult, encodeResult, PreEncodedResult } from '../../common/rpc/result-codec.js';
import { RowBuffer } from '../scan/row-buffer.js';
import { RowResultEncoder } from './row-result-encoder.js';

/**
 * Fills `out` with `cells`, each added by a random one of RowBuffer's three ways (copied, value
 * referenced, key and value referenced). The cells' KeyValues lie in separate buffers, or back
 * to back in one buffer (as a Put's row in a MemStore chunk: the encoder copies runs of them),
 * or in one buffer with junk between some of them.
 */
function fill(out: RowBuffer, cells: readonly Cell[], rnd: SeededRandom): void {
  out.clear();
  const layout = rnd.int(3);
  const parts: Buffer[] = [];
  const at: number[] = [];
  let size = 0;
  for (const c of cells) {
    if (layout === 2 && rnd.next() < 0.3) {
      const junk = Buffer.from(Array.from({ length: 1 + rnd.int(12) }, () => rnd.int(256)));
      parts.push(junk);
      size += junk.length;
    }
    const kv = encodeKeyValue(c);
    at.push(size);
    parts.push(kv);
    size += kv.length;
  }
  const shared = Buffer.concat(parts);
  cells.forEach((c, i) => {
    const buf = layout === 0 ? encodeKeyValue(c) : shared;
    const o = layout === 0 ? 0 : at[i]!;
    const keyLen = buf.readUInt32BE(o);
    const how = rnd.int(3);
    if (how === 0) out.addParts(buf, o + 8, keyLen, buf, o + 8 + keyLen, c.value.length);
    else if (how === 1) out.addRef({ keyBuf: buf, keyOff: o + 8, keyLen, valueBuf: buf, valueOff: o + 8 + keyLen, valueLen: c.value.length });
    else out.addRefKeyValue(buf, o + 8, keyLen, o + 8 + keyLen, c.value.length);
  });
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
    // The lazy cells equal the decoded ones; encodeResult copies the bytes as they are.
    const r = new ByteReader(want, 0, want.length);
    assert.deepEqual(got.cells, decodeResult(r).cells);
    assert.deepEqual(bytesOf((w) => encodeResult(w, got)), want);
  }
});

test('a cell is copied as a whole KeyValue only when both its lengths precede its key and its value follows the key', () => {
  const row = Buffer.from('row-1');
  const c = (q: string, v: string): Cell => ({ row, family: Buffer.from('f'), qualifier: Buffer.from(q), timestamp: 7n, type: CellType.Put, value: Buffer.from(v) });
  const enc = new RowResultEncoder();
  const out = new RowBuffer();
  const check = (what: string, fillOut: () => void, cells: Cell[]): void => {
    out.clear();
    fillOut();
    const want = bytesOf((w) => encodeResult(w, { row, cells }));
    assert.deepEqual(enc.encode(out).encoded, want, what);
  };
  const a = encodeKeyValue(c('a', 'value-a'));
  const keyLen = a.readUInt32BE(0);
  // The key and value of `a`, preceded by lengths that are wrong in one of their two fields.
  for (const [what, k, v] of [
    ['wrong key length', keyLen + 1, 7],
    ['wrong value length', keyLen, 6],
  ] as const) {
    const buf = Buffer.from(a);
    buf.writeUInt32BE(k, 0);
    buf.writeUInt32BE(v, 4);
    check(what, () => out.addRefKeyValue(buf, 8, keyLen, 8 + keyLen, 7), [c('a', 'value-a')]);
  }
  // A key copied into the RowBuffer's arena right after a value that ends with the key's two
  // lengths, its value in another buffer at the offset that would follow the key in the arena.
  const b0 = encodeKeyValue(c('b', 'value-b'));
  const bKeyLen = b0.readUInt32BE(0);
  const first = c('a', `${'x'.repeat(20)}${b0.subarray(0, 8).toString('latin1')}`);
  const firstKv = encodeKeyValue(first);
  const firstKeyLen = firstKv.readUInt32BE(0);
  const valueAt = firstKeyLen + first.value.length + bKeyLen;
  const elsewhere = Buffer.alloc(valueAt + 7);
  elsewhere.write('value-b', valueAt, 'latin1');
  check(
    'value in another buffer',
    () => {
      out.addParts(firstKv, 8, firstKeyLen, firstKv, 8 + firstKeyLen, first.value.length);
      out.addRef({ keyBuf: b0, keyOff: 8, keyLen: bKeyLen, valueBuf: elsewhere, valueOff: valueAt, valueLen: 7 });
    },
    [first, c('b', 'value-b')],
  );
  // A whole KeyValue in place whose cell takes its value from elsewhere in the same buffer.
  const two = Buffer.concat([a, encodeKeyValue(c('b', 'value-b'))]);
  check('value not after its key', () => out.addRefKeyValue(two, 8, keyLen, two.length - 7, 7), [c('a', 'value-b')]);
  // ... also right after a whole cell (no run across it).
  check(
    'value not after its key, after a whole cell',
    () => {
      out.addRefKeyValue(two, 8, keyLen, 8 + keyLen, 7);
      out.addRefKeyValue(two, a.length + 8, bKeyLen, 8 + keyLen, 7);
    },
    [c('a', 'value-a'), c('b', 'value-a')],
  );
});

test('a slab is reused once the encoder moved on and every result in it was encoded; a result given back cannot be used', () => {
  const enc = new RowResultEncoder();
  const out = new RowBuffer();
  const row = Buffer.from('row-1');
  const cell = (i: number): Cell => ({ row, family: Buffer.from('f'), qualifier: Buffer.from('q'), timestamp: 7n, type: CellType.Put, value: Buffer.alloc(1000, i) });
  const encodeOne = (i: number): { res: PreEncodedResult; want: Buffer } => {
    out.clear();
    const kv = encodeKeyValue(cell(i));
    const keyLen = kv.readUInt32BE(0);
    out.addRefKeyValue(kv, 8, keyLen, 8 + keyLen, 1000);
    return { res: enc.encode(out), want: bytesOf((w) => encodeResult(w, { row, cells: [cell(i)] })) };
  };
  // Rows of ~1 KiB until the encoder moves to a second slab; the first slab's results are out.
  const slabOf = (r: PreEncodedResult): ArrayBufferLike => r.encoded.buffer;
  const first = [encodeOne(0)];
  const firstSlab = slabOf(first[0]!.res);
  let next = encodeOne(1);
  while (slabOf(next.res) === firstSlab && first.length < 1000) {
    first.push(next);
    next = encodeOne(first.length);
  }
  assert.ok(first.length > 50, `${first.length} rows in the first slab`);
  assert.equal(enc.freeSlabs, 0, 'the first slab has results out');
  // Encoding all but one of them does not free the slab; each one's bytes are still its own.
  for (const f of first.slice(0, -1)) assert.deepEqual(bytesOf((w) => encodeResult(w, f.res)), f.want);
  assert.equal(enc.freeSlabs, 0);
  const last = first[first.length - 1]!;
  assert.deepEqual(bytesOf((w) => encodeResult(w, last.res)), last.want);
  assert.equal(enc.freeSlabs, 1, 'the last result given back frees the slab');
  // A result whose bytes were given back throws instead of reading reused bytes.
  assert.throws(() => last.res.encoded, (e: unknown) => e instanceof InternalError);
  assert.throws(() => last.res.cells, (e: unknown) => e instanceof InternalError);
  assert.throws(() => bytesOf((w) => encodeResult(w, last.res)), (e: unknown) => e instanceof InternalError);
  // The encoder reuses the free slab when its current one fills; the results out of the
  // current one keep their bytes.
  const more = Array.from({ length: 70 }, (_, i) => encodeOne(200 + i));
  assert.ok(more.some((m) => slabOf(m.res) === firstSlab), 'the freed slab is written again');
  assert.ok(!more.some((m) => slabOf(m.res) !== firstSlab && slabOf(m.res) !== slabOf(next.res)), 'no third slab');
  assert.equal(enc.freeSlabs, 0);
  assert.deepEqual(bytesOf((w) => encodeResult(w, next.res)), next.want);
  for (const m of more) assert.deepEqual(bytesOf((w) => encodeResult(w, m.res)), m.want);
});

test('a slab whose results were all written before the encoder moved on is reused at once', () => {
  const enc = new RowResultEncoder();
  const out = new RowBuffer();
  const row = Buffer.from('row-2');
  const kv = encodeKeyValue({ row, family: Buffer.from('f'), qualifier: Buffer.from('q'), timestamp: 7n, type: CellType.Put, value: Buffer.alloc(1000, 1) });
  const keyLen = kv.readUInt32BE(0);
  const slabs = new Set<ArrayBufferLike>();
  // 200 rows of ~1 KiB (three slabs' worth), each answered before the next is encoded.
  for (let i = 0; i < 200; i++) {
    out.clear();
    out.addRefKeyValue(kv, 8, keyLen, 8 + keyLen, 1000);
    const res = enc.encode(out);
    slabs.add(res.encoded.buffer);
    bytesOf((w) => encodeResult(w, res));
  }
  assert.equal(slabs.size, 1);
  assert.equal(enc.freeSlabs, 0, 'the slab in use is not on the free list as well');
});
