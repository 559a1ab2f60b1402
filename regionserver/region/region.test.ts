// Region operations: put/get, every delete type, batches, checkAndMutate, increment/append,
// validation and routing errors.
import assert from 'node:assert/strict';
import { afterEach, test } from 'node:test';
import { ManualClock } from '../../common/clock.js';
import { ErrorCodes, errorCode, InvalidError, NotServingRegionError } from '../../common/errors.js';
import { SeededRandom, testSeed } from '../../common/random.js';
import { MemoryObjectStore } from '../../common/objectstore/memory-store.js';
import type { ByteRange, GetResult } from '../../common/objectstore/object-store.js';
import { KeyValuePut } from '../../common/ops/keyvalue-put.js';
import type { CompareOp, Put, Result } from '../../common/ops/operations.js';
import { decodeWhole, mutationBytes, overTheWire as asReceived } from '../../common/ops/testdata/over-the-wire.js';
import type { RegionConfig } from './region-config.js';
import { columnFamily } from './column-family.js';
import { regionInfo } from './region-info.js';
import { b, RegionHarness } from './testdata/harness.js';

let harness: RegionHarness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

async function open(opts: { versions?: number; clock?: ManualClock; families?: string[]; config?: Partial<RegionConfig> } = {}): Promise<RegionHarness> {
  const clock = opts.clock ?? new ManualClock(1_000_000);
  harness = await RegionHarness.open({
    objectStore: new MemoryObjectStore(),
    clock,
    ...(opts.config === undefined ? {} : { config: opts.config }),
    families: (opts.families ?? ['f', 'g']).map((name) => columnFamily({ name, maxVersions: opts.versions ?? 3 })),
  });
  return harness;
}

/** `family:qualifier@ts=value` of each cell. */
function show(r: Result): string[] {
  return r.cells.map((c) => `${c.family}:${c.qualifier}@${c.timestamp}=${c.value}`);
}

async function row(h: RegionHarness, r: string, maxVersions = 3): Promise<string[]> {
  return show(await h.region.get({ row: b(r), maxVersions }));
}

test('put then get: families, qualifiers, explicit and server timestamps, versions', async () => {
  const h = await open();
  await h.region.put({ kind: 'put', row: b('r1'), columns: [{ family: b('f'), qualifier: b('a'), value: b('1') }, { family: b('g'), qualifier: b('x'), timestamp: 5n, value: b('gx') }] });
  await h.region.put({ kind: 'put', row: b('r1'), columns: [{ family: b('f'), qualifier: b('a'), timestamp: 7n, value: b('old') }] });
  assert.deepEqual(await row(h, 'r1'), ['f:a@1000000=1', 'f:a@7=old', 'g:x@5=gx']);
  assert.deepEqual(await row(h, 'r1', 1), ['f:a@1000000=1', 'g:x@5=gx']);
  assert.deepEqual(show(await h.region.get({ row: b('r1'), columns: [{ family: b('g') }] })), ['g:x@5=gx']);
  assert.deepEqual(show(await h.region.get({ row: b('r1'), maxVersions: 3, timeRange: { min: 0n, max: 10n } })), ['f:a@7=old', 'g:x@5=gx']);
  assert.deepEqual(await row(h, 'nope'), []);
  // A put at the same key replaces (the newer write wins).
  await h.region.put({ kind: 'put', row: b('r1'), columns: [{ family: b('f'), qualifier: b('a'), timestamp: 7n, value: b('new') }] });
  assert.deepEqual(await row(h, 'r1'), ['f:a@1000000=1', 'f:a@7=new', 'g:x@5=gx']);
  // The family's MAX_VERSIONS caps what a get may ask for.
  for (let i = 1n; i <= 5n; i++) await h.region.put({ kind: 'put', row: b('v'), columns: [{ family: b('f'), qualifier: b('q'), timestamp: i, value: b(`v${i}`) }] });
  assert.deepEqual(await row(h, 'v', 10), ['f:q@5=v5', 'f:q@4=v4', 'f:q@3=v3']);
});

/** `p` as a region server receives it: its cells as KeyValues in the request's bytes. */
function overTheWire(p: Put): KeyValuePut {
  const m = asReceived(p);
  assert.ok(m instanceof KeyValuePut);
  return m;
}

test('puts that came as KeyValues: server time for LATEST, families, per-operation errors, durable through a crash', async () => {
  const clock = new ManualClock(1_000_000);
  const h = await open({ clock, config: { maxCellBytes: 200 } });
  const col = (family: string, qualifier: string, value: string, timestamp?: bigint) => ({ family: b(family), qualifier: b(qualifier), value: b(value), ...(timestamp === undefined ? {} : { timestamp }) });
  // A timestamp of 2^63 + 5, which the client library refuses to send: its top byte set on the wire.
  const negativeBytes = mutationBytes({ kind: 'put', row: b('d'), columns: [col('f', 'q', 'v', 5n)] });
  negativeBytes[negativeBytes.length - 1 - 1 - 8] = 0x80; // before the type and the 1-byte value
  const negativeTs = decodeWhole(negativeBytes);
  const out = await h.region.batchMutate([
    overTheWire({ kind: 'put', row: b('a'), columns: [col('f', 'a', '1'), col('f', 'b', '2', 5n), col('g', 'x', '3'), col('f', 'c', '4')] }),
    overTheWire({ kind: 'put', row: b('b'), columns: [col('f', 'q', '1'), col('nope', 'q', '1')] }),
    overTheWire({ kind: 'put', row: b('c'), columns: [] }),
    negativeTs,
    overTheWire({ kind: 'put', row: b('e'), columns: [col('f', 'q', 'x'.repeat(200))] }),
    overTheWire({ kind: 'put', row: b('a'), columns: [col('f', 'a', 'newer')] }),
  ]);
  assert.deepEqual(
    out.map((o) => (o.ok ? 'ok' : errorCode(o.error))),
    ['ok', ErrorCodes.INVALID_ARGUMENT, ErrorCodes.INVALID_ARGUMENT, ErrorCodes.INVALID_ARGUMENT, ErrorCodes.VALUE_TOO_LARGE, 'ok'],
  );
  assert.match((out[1] as { error: Error }).error.message, /column family does not exist/);
  assert.match((out[3] as { error: Error }).error.message, /timestamp must be a non-negative/);
  // The second put of a:f:a has the same timestamp: it replaces the first (as in HBase).
  const expectA = ['f:a@1000000=newer', 'f:b@5=2', 'f:c@1000000=4', 'g:x@1000000=3'];
  assert.deepEqual(await row(h, 'a'), expectA);
  for (const r of ['b', 'c', 'd', 'e']) assert.deepEqual(await row(h, r), [], `row ${r}`);
  // One put alone, and one inside a checkAndMutate (whose cells the region builds as objects).
  clock.advance(1_000_000);
  await h.region.put(overTheWire({ kind: 'put', row: b('s'), columns: [col('g', 'y', 'single')] }));
  assert.equal(await h.region.checkAndMutate({ row: b('s'), family: b('g'), qualifier: b('y'), op: 'EQUAL', value: b('single'), mutations: [overTheWire({ kind: 'put', row: b('s'), columns: [col('f', 'z', 'cam')] })] }), true);
  assert.deepEqual(await row(h, 's'), ['f:z@2000000=cam', 'g:y@2000000=single']);
  // The WAL holds the same KeyValues: a crash loses none of it.
  await h.crashAndRecover();
  assert.deepEqual(await row(h, 'a'), expectA);
  assert.deepEqual(await row(h, 's'), ['f:z@2000000=cam', 'g:y@2000000=single']);
});

test('every delete type, as HBase applies them', async () => {
  const clock = new ManualClock(100);
  const h = await open({ clock });
  const put = (r: string, f: string, q: string, ts: bigint) => h.region.put({ kind: 'put', row: b(r), columns: [{ family: b(f), qualifier: b(q), timestamp: ts, value: b(`${q}${ts}`) }] });
  for (const ts of [10n, 20n, 30n]) {
    await put('r', 'f', 'a', ts);
    await put('r', 'f', 'b', ts);
    await put('r', 'g', 'a', ts);
  }
  // addColumn(f, a, 20): exactly that version.
  await h.region.delete({ kind: 'delete', row: b('r'), columns: [{ family: b('f'), qualifier: b('a'), timestamp: 20n, allVersions: false }] });
  assert.deepEqual(await row(h, 'r'), ['f:a@30=a30', 'f:a@10=a10', 'f:b@30=b30', 'f:b@20=b20', 'f:b@10=b10', 'g:a@30=a30', 'g:a@20=a20', 'g:a@10=a10']);
  // addColumn(f, a): the latest version (30); 10 remains.
  await h.region.delete({ kind: 'delete', row: b('r'), columns: [{ family: b('f'), qualifier: b('a'), allVersions: false }] });
  assert.deepEqual((await row(h, 'r')).slice(0, 1), ['f:a@10=a10']);
  // addColumns(f, b, 20): every version <= 20.
  await h.region.delete({ kind: 'delete', row: b('r'), columns: [{ family: b('f'), qualifier: b('b'), timestamp: 20n, allVersions: true }] });
  assert.deepEqual((await row(h, 'r')).filter((c) => c.startsWith('f:b')), ['f:b@30=b30']);
  // addFamilyVersion(g, 20).
  await h.region.delete({ kind: 'delete', row: b('r'), columns: [{ family: b('g'), timestamp: 20n, allVersions: false }] });
  assert.deepEqual((await row(h, 'r')).filter((c) => c.startsWith('g:')), ['g:a@30=a30', 'g:a@10=a10']);
  // addFamily(g, 10): everything <= 10.
  await h.region.delete({ kind: 'delete', row: b('r'), columns: [{ family: b('g'), timestamp: 10n, allVersions: true }] });
  assert.deepEqual((await row(h, 'r')).filter((c) => c.startsWith('g:')), ['g:a@30=a30']);
  // A delete marker hides later-written puts with older timestamps (no "new version behavior").
  await put('r', 'g', 'a', 5n);
  assert.deepEqual((await row(h, 'r')).filter((c) => c.startsWith('g:')), ['g:a@30=a30']);
  // addFamily(f) at now (100): the whole family.
  await h.region.delete({ kind: 'delete', row: b('r'), columns: [{ family: b('f'), allVersions: true }] });
  assert.deepEqual(await row(h, 'r'), ['g:a@30=a30']);
  // addColumns(g, a) without ts: every version up to now.
  clock.advance(50);
  await put('r', 'g', 'a', 140n);
  await put('r', 'g', 'b', 140n);
  await h.region.delete({ kind: 'delete', row: b('r'), columns: [{ family: b('g'), qualifier: b('a'), allVersions: true }] });
  assert.deepEqual(await row(h, 'r'), ['g:b@140=b140']);
  // Whole-row delete (no columns): every family at now.
  await put('r2', 'f', 'a', 1n);
  await put('r2', 'g', 'a', 1n);
  await h.region.delete({ kind: 'delete', row: b('r2'), columns: [] });
  assert.deepEqual(await row(h, 'r2'), []);
  // Delete of the latest version when there is none: a marker at now, which hides a put at now.
  clock.advance(1);
  await h.region.delete({ kind: 'delete', row: b('r3'), columns: [{ family: b('f'), qualifier: b('z'), allVersions: false }] });
  await h.region.put({ kind: 'put', row: b('r3'), columns: [{ family: b('f'), qualifier: b('z'), value: b('hidden') }] });
  assert.deepEqual(await row(h, 'r3'), []);
  clock.advance(1);
  await h.region.put({ kind: 'put', row: b('r3'), columns: [{ family: b('f'), qualifier: b('z'), value: b('seen') }] });
  assert.deepEqual(await row(h, 'r3'), ['f:z@152=seen']);
});

test('batchMutate: invalid operations fail alone; one row twice applies in order', async () => {
  const h = await open();
  const out = await h.region.batchMutate([
    { kind: 'put', row: b('a'), columns: [{ family: b('f'), qualifier: b('q'), value: b('1') }] },
    { kind: 'put', row: b('b'), columns: [{ family: b('nope'), qualifier: b('q'), value: b('1') }] },
    { kind: 'put', row: b('c'), columns: [] },
    { kind: 'put', row: b('a'), columns: [{ family: b('f'), qualifier: b('q'), timestamp: 1n, value: b('0') }] },
    { kind: 'delete', row: b('a'), columns: [{ family: b('f'), qualifier: b('q'), allVersions: false }] },
    { kind: 'put', row: Buffer.alloc(0), columns: [{ family: b('f'), qualifier: b('q'), value: b('1') }] },
  ]);
  assert.deepEqual(
    out.map((o) => (o.ok ? 'ok' : errorCode(o.error))),
    ['ok', ErrorCodes.INVALID_ARGUMENT, ErrorCodes.INVALID_ARGUMENT, 'ok', 'ok', ErrorCodes.INVALID_ARGUMENT],
  );
  assert.match((out[1] as { error: Error }).error.message, /column family does not exist/);
  // The delete of the latest version ran after both puts of row a: it removed the newest.
  assert.deepEqual(await row(h, 'a'), ['f:q@1=0']);
});

test('checkAndMutate: every compare op, absence, atomic mutations', async () => {
  const h = await open();
  const r = h.region;
  await r.put({ kind: 'put', row: b('r'), columns: [{ family: b('f'), qualifier: b('c'), value: b('m') }] });
  const cases: Array<[CompareOp, string, boolean]> = [
    ['EQUAL', 'm', true],
    ['EQUAL', 'x', false],
    ['NOT_EQUAL', 'x', true],
    ['NOT_EQUAL', 'm', false],
    ['LESS', 'a', true], // 'a' < 'm'
    ['LESS', 'm', false],
    ['LESS_OR_EQUAL', 'm', true],
    ['LESS_OR_EQUAL', 'z', false],
    ['GREATER', 'z', true],
    ['GREATER', 'm', false],
    ['GREATER_OR_EQUAL', 'm', true],
    ['GREATER_OR_EQUAL', 'a', false],
  ];
  let n = 0;
  for (const [op, value, expect] of cases) {
    const q = b(`out${n++}`);
    const applied = await r.checkAndMutate({ row: b('r'), family: b('f'), qualifier: b('c'), op, value: b(value), mutations: [{ kind: 'put', row: b('r'), columns: [{ family: b('f'), qualifier: q, value: b('y') }] }] });
    assert.equal(applied, expect, `${op} ${value}`);
    const got = await r.get({ row: b('r'), columns: [{ family: b('f'), qualifier: q }] });
    assert.equal(got.cells.length, expect ? 1 : 0);
  }
  // Absence: value undefined matches a missing column.
  const put = { kind: 'put' as const, row: b('r'), columns: [{ family: b('g'), qualifier: b('x'), value: b('1') }] };
  assert.equal(await r.checkAndMutate({ row: b('r'), family: b('f'), qualifier: b('missing'), op: 'EQUAL', mutations: [put] }), true);
  assert.equal(await r.checkAndMutate({ row: b('r'), family: b('f'), qualifier: b('c'), op: 'EQUAL', mutations: [put] }), false);
  assert.equal(await r.checkAndMutate({ row: b('r'), family: b('f'), qualifier: b('c'), op: 'NOT_EQUAL', mutations: [put] }), true);
  // Put + delete applied together.
  assert.equal(
    await r.checkAndMutate({
      row: b('r'),
      family: b('f'),
      qualifier: b('c'),
      op: 'EQUAL',
      value: b('m'),
      mutations: [{ kind: 'delete', row: b('r'), columns: [{ family: b('f'), qualifier: b('c'), allVersions: true }] }, { kind: 'put', row: b('r'), columns: [{ family: b('f'), qualifier: b('d'), value: b('2') }] }],
    }),
    true,
  );
  const after = await r.get({ row: b('r'), columns: [{ family: b('f'), qualifier: b('c') }, { family: b('f'), qualifier: b('d') }] });
  assert.deepEqual(show(after), ['f:d@1000000=2']);
  await assert.rejects(r.checkAndMutate({ row: b('r'), family: b('f'), qualifier: b('c'), op: 'EQUAL', mutations: [{ ...put, row: b('other') }] }), InvalidError);
  await assert.rejects(r.checkAndMutate({ row: b('r'), family: b('nope'), qualifier: b('c'), op: 'EQUAL', mutations: [put] }), /column family does not exist/);
});

test('increment and append: 8-byte big-endian counters, wrap, refused non-counters, timestamps advance', async () => {
  const clock = new ManualClock(500);
  const h = await open({ clock });
  const r = h.region;
  const inc = (amount: bigint, q = 'n') => r.increment({ row: b('c'), columns: [{ family: b('f'), qualifier: b(q), amount }] });
  const v = (res: Result) => res.cells.map((c) => c.value.readBigInt64BE(0));
  assert.deepEqual(v(await inc(5n)), [5n]);
  assert.deepEqual(v(await inc(-7n)), [-2n]);
  // Same millisecond: the new version's timestamp moves past the old one.
  const res = await inc(1n);
  assert.equal(res.cells[0]!.timestamp, 502n);
  assert.deepEqual(v(await r.increment({ row: b('c'), columns: [{ family: b('f'), qualifier: b('n'), amount: 1n }, { family: b('f'), qualifier: b('n'), amount: 2n }, { family: b('g'), qualifier: b('m'), amount: 9n }] })), [2n, 9n]);
  await r.put({ kind: 'put', row: b('c'), columns: [{ family: b('f'), qualifier: b('max'), value: Buffer.from('7fffffffffffffff', 'hex') }] });
  assert.deepEqual(v(await inc(1n, 'max')), [-(2n ** 63n)]);
  await r.put({ kind: 'put', row: b('c'), columns: [{ family: b('f'), qualifier: b('s'), value: b('abc') }] });
  await assert.rejects(inc(1n, 's'), (e: unknown) => e instanceof InvalidError && /8-byte counter/.test(e.message));
  assert.deepEqual(show(await r.get({ row: b('c'), columns: [{ family: b('f'), qualifier: b('s') }] })), ['f:s@500=abc']);
  // Stored big-endian.
  assert.equal((await r.get({ row: b('c'), columns: [{ family: b('g'), qualifier: b('m') }] })).cells[0]!.value.toString('hex'), '0000000000000009');

  const ap = await r.append({ row: b('c'), columns: [{ family: b('f'), qualifier: b('s'), value: b('de') }, { family: b('f'), qualifier: b('new'), value: b('x') }] });
  assert.deepEqual(ap.cells.map((c) => c.value.toString()), ['x', 'abcde']);
  await assert.rejects(r.increment({ row: b('c'), columns: [{ family: b('zz'), qualifier: b('q'), amount: 1n }] }), /column family does not exist/);
});

test('rows outside the region, closed regions and oversized cells are refused', async () => {
  const clock = new ManualClock(1);
  harness = await RegionHarness.open({
    objectStore: new MemoryObjectStore(),
    clock,
    info: regionInfo('ns1', 'tbl', b('m'), b('t'), 7),
    config: { maxCellBytes: 1024 },
  });
  const r = harness.region;
  await r.put({ kind: 'put', row: b('m'), columns: [{ family: b('f'), qualifier: b('q'), value: b('in') }] });
  await assert.rejects(r.put({ kind: 'put', row: b('t'), columns: [{ family: b('f'), qualifier: b('q'), value: b('x') }] }), NotServingRegionError);
  await assert.rejects(r.get({ row: b('a') }), NotServingRegionError);
  await assert.rejects(r.put({ kind: 'put', row: b('n'), columns: [{ family: b('f'), qualifier: b('q'), value: Buffer.alloc(2000) }] }), (e: unknown) => errorCode(e) === ErrorCodes.VALUE_TOO_LARGE);
  await assert.rejects(r.put({ kind: 'put', row: b('n'), columns: [{ family: b('f'), qualifier: b('q'), timestamp: -1n, value: b('x') }] }), InvalidError);
  await r.close();
  await assert.rejects(r.put({ kind: 'put', row: b('m'), columns: [{ family: b('f'), qualifier: b('q'), value: b('x') }] }), NotServingRegionError);
  await assert.rejects(r.get({ row: b('m') }), NotServingRegionError);
  // Reopened, the closed region's data is there (close flushed it).
  const again = await harness.closeAndReopen();
  assert.deepEqual(show(await again.get({ row: b('m') })), ['f:q@1=in']);
});

test('concurrent increments of one row serialize; every acknowledged one counts', async () => {
  const h = await open();
  const n = 50;
  await Promise.all(Array.from({ length: n }, () => h.region.increment({ row: b('hot'), columns: [{ family: b('f'), qualifier: b('n'), amount: 1n }] })));
  const got = await h.region.get({ row: b('hot') });
  assert.equal(got.cells[0]!.value.readBigInt64BE(0), BigInt(n));
});

test('concurrent batches of the same rows in different orders all complete (no lock cycle) and apply whole', { timeout: 30_000 }, async () => {
  // Rows are locked without waiting when all are free, else in row order; each batch holds
  // its locks across its WAL write, so these batches contend.
  const h = await open();
  const seed = testSeed();
  const rnd = new SeededRandom(seed);
  const rows = Array.from({ length: 8 }, (_, i) => `r${i}`);
  const put = (r: string, id: number): Put => ({ kind: 'put', row: b(r), columns: [{ family: b('f'), qualifier: b('q'), value: b(`batch${id}`) }] });
  // Batches of random subsets (so a batch finds some of its rows free and others taken), and
  // some of all rows.
  const batches = Array.from({ length: 60 }, (_, id) => {
    const order = [...rows].sort(() => rnd.next() - 0.5);
    const mine = id % 3 === 2 ? order : order.slice(0, 2 + rnd.int(5));
    return h.region.batchMutate(mine.map((r) => put(r, id)));
  });
  for (const outcomes of await Promise.all(batches)) assert.ok(outcomes.every((o) => o.ok), `seed=${seed}`);
  // Same timestamp (manual clock), so each row keeps its last write; a batch writes its rows
  // while holding all their locks. The last batch of all rows to commit wrote every row, and
  // later partial batches only some: every row holds the value of a batch that wrote it.
  const all = await h.region.batchMutate(rows.map((r) => put(r, 999)));
  assert.ok(all.every((o) => o.ok));
  const last = await Promise.all(rows.map(async (r) => (await row(h, r, 1))[0]));
  assert.deepEqual(last, rows.map(() => 'f:q@1000000=batch999'), `seed=${seed}`);
});

test('scans through the read path: MemStore + files, start/stop, reversed, limit, batch, columns', async () => {
  const h = await open({ families: ['f', 'g'] });
  const r = h.region;
  for (let i = 0; i < 10; i++) {
    await r.put({ kind: 'put', row: b(`row${i}`), columns: [{ family: b('f'), qualifier: b('a'), value: b(`fa${i}`) }, { family: b('g'), qualifier: b('b'), value: b(`gb${i}`) }] });
    if (i === 4) await r.flush();
  }
  await r.delete({ kind: 'delete', row: b('row7'), columns: [] });
  const rows = (res: Result[]) => res.map((x) => x.row.toString());
  assert.deepEqual(rows(await r.scanAll({})), ['row0', 'row1', 'row2', 'row3', 'row4', 'row5', 'row6', 'row8', 'row9']);
  assert.deepEqual(rows(await r.scanAll({ startRow: b('row3'), stopRow: b('row6') })), ['row3', 'row4', 'row5']);
  assert.deepEqual(rows(await r.scanAll({ reversed: true, startRow: b('row5'), limit: 3 })), ['row5', 'row4', 'row3']);
  const batched = await r.scanAll({ startRow: b('row1'), stopRow: b('row3'), batch: 1 });
  assert.deepEqual(batched.map((x) => show(x)), [['f:a@1000000=fa1'], ['g:b@1000000=gb1'], ['f:a@1000000=fa2'], ['g:b@1000000=gb2']]);
  const onlyG = await r.scanAll({ columns: [{ family: b('g') }], stopRow: b('row2') });
  assert.deepEqual(onlyG.map((x) => show(x)), [['g:b@1000000=gb0'], ['g:b@1000000=gb1']]);
  assert.throws(() => r.getScanner({ columns: [{ family: b('nope') }] }), InvalidError);
});

test('a get is in flight until it settles: close waits for one reading from the object store; gets answered from memory leave nothing behind', { timeout: 20_000 }, async () => {
  /** Holds ranged reads (HFile blocks) while `gate` is set. */
  class GatedStore extends MemoryObjectStore {
    gate: Promise<void> | undefined;
    override async get(key: string, range?: ByteRange): Promise<GetResult> {
      if (range !== undefined && this.gate !== undefined) await this.gate;
      return super.get(key, range);
    }
  }
  const store = new GatedStore();
  const h = (harness = await RegionHarness.open({ objectStore: store, clock: new ManualClock(1_000_000), families: [columnFamily({ name: 'f' })] }));
  await h.region.put({ kind: 'put', row: b('r1'), columns: [{ family: b('f'), qualifier: b('a'), value: b('1') }] });
  for (let i = 0; i < 3; i++) assert.deepEqual(await row(h, 'r1'), ['f:a@1000000=1']); // from the MemStore
  await h.region.flush();
  let release = (): void => {};
  store.gate = new Promise<void>((resolve) => (release = resolve));
  const pending = h.region.get({ row: b('r1') });
  let closed = false;
  const closing = h.region.close({ flush: false }).then(() => (closed = true));
  await new Promise((resolve) => setTimeout(resolve, 30));
  assert.equal(closed, false, 'close waits for the get reading a block');
  release();
  assert.deepEqual(show(await pending), ['f:a@1000000=1']);
  await closing;
  assert.equal(closed, true);
  await assert.rejects(h.region.get({ row: b('r1') }), NotServingRegionError);
  await assert.rejects(h.region.getWith({ row: b('r1') }, () => 1), NotServingRegionError);
});

test('TTL through the region: cells expire by the region clock in gets and scans, in the MemStore and in files; a family without TTL keeps its cells', async () => {
  const clock = new ManualClock(10_000_000);
  const h = (harness = await RegionHarness.open({
    objectStore: new MemoryObjectStore(),
    clock,
    families: [columnFamily({ name: 'f', ttlSeconds: 60 }), columnFamily({ name: 'g' })],
  }));
  const put = (r: string, fam: string, v: string) => h.region.put({ kind: 'put', row: b(r), columns: [{ family: b(fam), qualifier: b('q'), value: b(v) }] });
  await put('a', 'f', 'old');
  await put('a', 'g', 'kept');
  await h.region.flush();
  await put('b', 'f', 'old-mem');
  clock.advance(30_000);
  await put('c', 'f', 'young');
  const scanRows = async (): Promise<string[]> => (await h.region.scanAll({})).flatMap((r) => show(r).map((c) => `${r.row}/${c}`));
  assert.deepEqual(await row(h, 'a'), ['f:q@10000000=old', 'g:q@10000000=kept']);
  assert.deepEqual(await row(h, 'b'), ['f:q@10000000=old-mem']);
  clock.advance(31_000); // 'a'/f and 'b'/f are now 61 s old; 'c' 31 s
  assert.deepEqual(await row(h, 'a'), ['g:q@10000000=kept']);
  assert.deepEqual(show(await h.region.get({ row: b('a'), columns: [{ family: b('f') }] })), []);
  assert.deepEqual(await row(h, 'b'), []);
  assert.deepEqual(await row(h, 'c'), ['f:q@10030000=young']);
  assert.deepEqual(await scanRows(), ['a/g:q@10000000=kept', 'c/f:q@10030000=young']);
  clock.advance(30_000);
  assert.deepEqual(await row(h, 'c'), []);
  assert.deepEqual(await scanRows(), ['a/g:q@10000000=kept']);
});
