import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCodes, InvalidError, NotServingRegionError, TsbaseError, UnavailableError } from '../common/errors.js';
import type { Get, Mutation, Put } from '../common/ops/operations.js';
import { fakeConnect } from './fake-connect.js';
import { SeededRandom, testSeed } from '../common/random.js';

const b = (s: string): Buffer => Buffer.from(s);
const F = b('f');
const Q = b('q');
const put = (row: string, value = 'v'): Put => ({ kind: 'put', row: b(row), columns: [{ family: F, qualifier: Q, value: b(value) }] });
const get = (row: string): Get => ({ row: b(row) });
const code = (c: string) => (e: unknown) => e instanceof TsbaseError && e.code === c;

async function withTable(fn: (s: Awaited<ReturnType<typeof fakeConnect>>) => Promise<void>, seed = 1): Promise<void> {
  const s = await fakeConnect({ seed });
  s.cluster.createTable('t', ['d', 'h', 'p'], ['rs1:16020', 'rs2:16020', 'rs3:16020']);
  try {
    await fn(s);
  } finally {
    await s.stop();
  }
}

test('put then get; a missing row gives a Result without cells; exists; delete', () =>
  withTable(async ({ conn }) => {
    const t = conn.getTable('t');
    await t.put(put('a', 'one'));
    await t.put(put('k', 'two'));
    const r = await t.get(get('a'));
    assert.equal(r.cells[0]!.value.toString(), 'one');
    assert.equal((await t.get(get('zz'))).cells.length, 0);
    assert.equal(await t.exists(get('k')), true);
    assert.equal(await t.exists(get('kk')), false);
    await t.delete({ kind: 'delete', row: b('k'), columns: [] });
    assert.equal(await t.exists(get('k')), false);
  }));

test('getMany and put of many are grouped by server: one MULTI call per server, results in request order', () =>
  withTable(async ({ conn, cluster }) => {
    const t = conn.getTable('t');
    const rows = ['a', 'b', 'e', 'f', 'i', 'q', 'r', 'c'];
    await t.put(rows.map((r) => put(r, `v${r}`)));
    const mm = cluster.callsOf('MULTI_MUTATE');
    assert.equal(mm.length, 3); // rs1 hosts [,d) and [p,) ; rs2 [d,h); rs3 [h,p)
    const rs1 = mm.find((c) => c.address === 'rs1:16020')!.request as { actions: { region: string; mutations: Mutation[] }[] };
    assert.equal(rs1.actions.length, 2); // grouped by region within the server
    assert.deepEqual(rs1.actions.flatMap((a) => a.mutations.map((m) => m.row.toString())).sort(), ['a', 'b', 'c', 'q', 'r']);
    const results = await t.getMany([...rows, 'nope'].map(get));
    assert.equal(cluster.callsOf('MULTI_GET').length, 3);
    assert.deepEqual(
      results.map((r) => r.cells[0]?.value.toString()),
      [...rows.map((r) => `v${r}`), undefined],
    );
  }));

test('stale locations: NotServingRegion reloads META, RegionMoved is followed without a META read', () =>
  withTable(async ({ conn, cluster }) => {
    const t = conn.getTable('t');
    await t.put(put('e', 'x'));
    const reads = conn.locator.metaReads;
    // Move [d,h) to rs1, announced: the old server says where it went.
    cluster.move(cluster.region('t', 'e').info.encodedName, 'rs1:16020', { announce: true, publish: false });
    assert.equal((await t.get(get('e'))).cells[0]!.value.toString(), 'x');
    assert.equal(conn.locator.metaReads, reads);
    assert.deepEqual(
      cluster.callsOf('GET').map((c) => c.address),
      ['rs2:16020', 'rs1:16020'],
    );
    // Move it again without announcement: NotServingRegion, META re-read.
    cluster.move(cluster.region('t', 'e').info.encodedName, 'rs3:16020');
    assert.equal((await t.get(get('e'))).cells[0]!.value.toString(), 'x');
    assert.equal(conn.locator.metaReads, reads + 1);
  }));

test('retries: only the failed actions of a multi call are resent', () =>
  withTable(async ({ conn, cluster }) => {
    const t = conn.getTable('t');
    // rs2's first MULTI_MUTATE fails as a whole (busy); rs3's region moves under it.
    cluster.failNext(1, 'MULTI_MUTATE', () => new UnavailableError('busy', { code: ErrorCodes.REGION_TOO_BUSY }), 'rs2:16020');
    cluster.move(cluster.region('t', 'i').info.encodedName, 'rs1:16020', { announce: true, publish: false });
    await t.put(['a', 'e', 'i'].map((r) => put(r)));
    const calls = cluster.callsOf('MULTI_MUTATE').map((c) => {
      const req = c.request as { actions: { mutations: Mutation[] }[] };
      return `${c.address}:${req.actions.flatMap((a) => a.mutations.map((m) => m.row.toString())).join('')}`;
    });
    assert.deepEqual(calls.slice(0, 3).sort(), ['rs1:16020:a', 'rs2:16020:e', 'rs3:16020:i']);
    assert.deepEqual(calls.slice(3).sort(), ['rs1:16020:i', 'rs2:16020:e']);
    for (const r of ['a', 'e', 'i']) assert.equal(cluster.cell('t', r, 'f', 'q')?.toString(), 'v');
  }));

test('an operation that keeps failing ends with TSB_TIMEOUT wrapping the last error', () =>
  withTable(async ({ conn, cluster }) => {
    const t = conn.getTable('t');
    const off = cluster.inject((_a, m) => (m === 'GET' ? new NotServingRegionError('region is opening', { code: ErrorCodes.REGION_OPENING }) : undefined));
    const err = await t.get(get('a')).then(
      () => undefined,
      (e: unknown) => e,
    );
    off();
    assert.ok(err instanceof UnavailableError);
    assert.equal(err.code, ErrorCodes.TIMEOUT);
    assert.equal((err.cause as TsbaseError).code, ErrorCodes.REGION_OPENING);
    const attempts = cluster.callsOf('GET').length;
    assert.ok(attempts > 3, `retried ${attempts} times`);
    // The same for a batch: each action ends with the timeout.
    cluster.downServers.add('rs2:16020');
    await assert.rejects(t.put([put('a'), put('e')]), (e: unknown) => e instanceof UnavailableError && e.code === ErrorCodes.TIMEOUT && (e.cause as TsbaseError).code === ErrorCodes.UNAVAILABLE);
    assert.equal(cluster.cell('t', 'a', 'f', 'q')?.toString(), 'v'); // the other server's action was applied
  }));

test('non-retryable errors are rejected at once with their code', () =>
  withTable(async ({ conn, cluster }) => {
    const t = conn.getTable('t');
    cluster.failNext(1, 'MUTATE', () => new InvalidError('value too large', { code: ErrorCodes.VALUE_TOO_LARGE }));
    await assert.rejects(t.put(put('a')), code(ErrorCodes.VALUE_TOO_LARGE));
    assert.equal(cluster.callsOf('MUTATE').length, 1);
    await assert.rejects(conn.getTable('missing').get(get('a')), code(ErrorCodes.NOT_FOUND));
    // batch: every mutation is tried, the first failure is reported.
    cluster.failNext(1, 'MULTI_MUTATE', () => new InvalidError('bad', { code: ErrorCodes.INVALID_ARGUMENT }), 'rs1:16020');
    await assert.rejects(t.batch([put('a'), put('e'), { kind: 'delete', row: b('i'), columns: [] }]), code(ErrorCodes.INVALID_ARGUMENT));
    assert.equal(cluster.cell('t', 'e', 'f', 'q')?.toString(), 'v');
  }));

test('invalid input fails early with InvalidError and no RPC', () =>
  withTable(async ({ conn, cluster }) => {
    const t = conn.getTable('t');
    const bad: [string, () => Promise<unknown>][] = [
      ['empty row', () => t.get({ row: Buffer.alloc(0) })],
      ['string row', () => t.get({ row: 'a' as unknown as Buffer })],
      ['long row', () => t.put(put('x'.repeat(40_000)))],
      ['put without columns', () => t.put({ kind: 'put', row: b('a'), columns: [] })],
      ['delete given to put', () => t.put([{ kind: 'delete', row: b('a'), columns: [] } as unknown as Put])],
      ['negative timestamp', () => t.put({ kind: 'put', row: b('a'), columns: [{ family: F, qualifier: Q, value: b('v'), timestamp: -1n }] })],
      ['empty family', () => t.put({ kind: 'put', row: b('a'), columns: [{ family: Buffer.alloc(0), qualifier: Q, value: b('v') }] })],
      ['checkAndMutate for another row', () => t.checkAndMutate({ row: b('a'), family: F, qualifier: Q, op: 'EQUAL', value: b('v'), mutations: [put('b')] })],
      ['increment by a number', () => t.increment({ row: b('a'), columns: [{ family: F, qualifier: Q, amount: 1 as unknown as bigint }] })],
      ['negative limit', async () => t.getScanner({ limit: -1 })],
    ];
    for (const [what, f] of bad) {
      await assert.rejects(f(), (e: unknown) => e instanceof InvalidError && e.code === ErrorCodes.INVALID_ARGUMENT, what);
    }
    assert.equal(cluster.calls.length, 0);
    assert.throws(() => conn.getTable('bad name!'), InvalidError);
  }));

test('checkAndMutate, increment, incrementColumnValue (8-byte big-endian) and append', () =>
  withTable(async ({ conn, cluster }) => {
    const t = conn.getTable('t');
    assert.equal(await t.checkAndMutate({ row: b('a'), family: F, qualifier: Q, op: 'EQUAL', value: undefined, mutations: [put('a', '1')] }), true);
    assert.equal(await t.checkAndMutate({ row: b('a'), family: F, qualifier: Q, op: 'EQUAL', value: undefined, mutations: [put('a', '2')] }), false);
    assert.equal(await t.checkAndMutate({ row: b('a'), family: F, qualifier: Q, op: 'EQUAL', value: b('1'), mutations: [put('a', '3')] }), true);
    assert.equal(cluster.cell('t', 'a', 'f', 'q')?.toString(), '3');
    const c = b('c');
    assert.equal(await t.incrementColumnValue(b('e'), F, c, 5n), 5n);
    assert.equal(await t.incrementColumnValue(b('e'), F, c, -7n), -2n);
    const stored = cluster.cell('t', 'e', 'f', 'c')!;
    assert.equal(stored.length, 8);
    assert.equal(stored.readBigInt64BE(0), -2n);
    const r = await t.increment({ row: b('e'), columns: [{ family: F, qualifier: c, amount: 2n }] });
    assert.equal(r.cells[0]!.value.readBigInt64BE(0), 0n);
    const app = await t.append({ row: b('i'), columns: [{ family: F, qualifier: Q, value: b('ab') }] });
    assert.equal(app.cells[0]!.value.toString(), 'ab');
    assert.equal((await t.append({ row: b('i'), columns: [{ family: F, qualifier: Q, value: b('cd') }] })).cells[0]!.value.toString(), 'abcd');
  }));

test('with nonces (the default) increment, append and checkAndMutate are resent after an ambiguous failure, with the same nonce', () =>
  withTable(async ({ conn, cluster }) => {
    const t = conn.getTable('t');
    const nonceOf = (c: { request: unknown }): unknown => (c.request as { nonce?: unknown }).nonce;
    cluster.failNext(1, 'INCREMENT', () => new NotServingRegionError('not here'));
    assert.equal(await t.incrementColumnValue(b('a'), F, Q, 1n), 1n);
    cluster.failNext(1, 'INCREMENT', () => new UnavailableError('connection reset'));
    assert.equal(await t.incrementColumnValue(b('a'), F, Q, 1n), 2n);
    const incs = cluster.callsOf('INCREMENT');
    assert.equal(incs.length, 4);
    const [n1, n2, n3, n4] = incs.map(nonceOf) as { group: bigint; nonce: bigint }[];
    assert.deepEqual(n1, n2, 'a retry carries its first attempt\'s nonce');
    assert.deepEqual(n3, n4);
    assert.notDeepEqual(n1, n3, 'each operation has its own nonce');
    assert.equal(n1!.group, n3!.group, 'one nonce group per connection');
    assert.ok(n1!.nonce !== 0n && n3!.nonce !== 0n);

    cluster.failNext(1, 'APPEND', () => new UnavailableError('the call timed out', { code: ErrorCodes.TIMEOUT }));
    assert.equal((await t.append({ row: b('b'), columns: [{ family: F, qualifier: Q, value: b('x') }] })).cells[0]!.value.toString(), 'x');
    cluster.failNext(1, 'CHECK_AND_MUTATE', () => new UnavailableError('connection reset'));
    assert.equal(await t.checkAndMutate({ row: b('c'), family: F, qualifier: Q, op: 'EQUAL', mutations: [put('c', 'set')] }), true);
    for (const m of ['APPEND', 'CHECK_AND_MUTATE'] as const) {
      const calls = cluster.callsOf(m);
      assert.equal(calls.length, 2, m);
      assert.ok(nonceOf(calls[0]!) !== undefined, m);
      assert.deepEqual(nonceOf(calls[0]!), nonceOf(calls[1]!), m);
    }
  }));

test('with nonces off (client.nonces false) they carry none and are resent after a routing error but not after an ambiguous transport failure', async () => {
  const s = await fakeConnect({ options: { nonces: false } });
  s.cluster.createTable('t', ['d', 'h', 'p'], ['rs1:16020', 'rs2:16020', 'rs3:16020']);
  try {
    const { conn, cluster } = s;
    const t = conn.getTable('t');
    cluster.failNext(1, 'INCREMENT', () => new NotServingRegionError('not here'));
    assert.equal(await t.incrementColumnValue(b('a'), F, Q, 1n), 1n);
    assert.equal(cluster.callsOf('INCREMENT').length, 2);
    cluster.failNext(1, 'INCREMENT', () => new UnavailableError('connection reset'));
    await assert.rejects(t.incrementColumnValue(b('a'), F, Q, 1n), code(ErrorCodes.UNAVAILABLE));
    assert.equal(cluster.callsOf('INCREMENT').length, 3);
    assert.ok(cluster.callsOf('INCREMENT').every((c) => !('nonce' in (c.request as object))));
    // A put (idempotent) is resent after the same failure.
    cluster.failNext(1, 'MUTATE', () => new UnavailableError('connection reset'));
    await t.put(put('a', 'again'));
    assert.equal(cluster.cell('t', 'a', 'f', 'q')?.toString(), 'again');
  } finally {
    await s.stop();
  }
});

test('a closed connection rejects calls with TSB_CLOSED and closes its pool', async () => {
  const s = await fakeConnect();
  s.cluster.createTable('t', [], ['rs1:16020']);
  const t = s.conn.getTable('t');
  await s.conn.close();
  assert.equal(s.pool.closed, true);
  await assert.rejects(t.get(get('a')), code(ErrorCodes.CLOSED));
  await s.stop();
});

test('large batches are cut into calls of at most 8 MiB of mutations / 5,000 gets per server', () =>
  withTable(async ({ conn, cluster }) => {
    const t = conn.getTable('t');
    const big = Buffer.alloc(3 * 1024 * 1024, 1);
    await t.put(['a1', 'a2', 'a3', 'a4', 'a5'].map((r) => ({ kind: 'put' as const, row: b(r), columns: [{ family: F, qualifier: Q, value: big }] })));
    const sizes = cluster.callsOf('MULTI_MUTATE').map((c) => (c.request as { actions: { mutations: Mutation[] }[] }).actions.reduce((n, a) => n + a.mutations.length, 0));
    assert.deepEqual(sizes, [2, 2, 1]);
    const gets = Array.from({ length: 12_000 }, (_, i) => get(`b${i}`));
    const results = await t.getMany(gets);
    assert.equal(results.length, 12_000);
    assert.deepEqual(
      cluster.callsOf('MULTI_GET').map((c) => (c.request as { actions: unknown[] }).actions.length),
      [5_000, 5_000, 2_000],
    );
  }));

test('randomized: reads and writes under moves, splits and retryable failures all succeed and match a model', async () => {
  const seed = testSeed();
  const rnd = new SeededRandom(seed);
  const s = await fakeConnect({ seed });
  const servers = ['rs1:16020', 'rs2:16020', 'rs3:16020'];
  s.cluster.createTable('t', ['d', 'h', 'p'], servers);
  const t = s.conn.getTable('t');
  const m = s.conn.getBufferedMutator('t', { writeBufferBytes: 600, flushIntervalMs: 3_600_000 });
  const model = new Map<string, string>();
  const buffered = new Map<string, string>();
  const row = (): string => String.fromCharCode(97 + rnd.int(26)) + String(rnd.int(50));
  try {
    for (let step = 0; step < 300; step++) {
      const dice = rnd.int(12);
      const region = s.cluster.regions[rnd.int(s.cluster.regions.length)]!;
      if (dice === 0) {
        const at = `${region.info.startKey.toString() || 'a'}5`;
        if (region.info.endKey.length === 0 || at < region.info.endKey.toString()) s.cluster.split(region.info.encodedName, at);
      } else if (dice === 1) {
        const announce = rnd.next() < 0.5;
        s.cluster.move(region.info.encodedName, servers[rnd.int(3)]!, { announce, publish: !announce || rnd.next() < 0.5 });
      } else if (dice === 2) {
        const method = (['GET', 'MULTI_GET', 'MUTATE', 'MULTI_MUTATE'] as const)[rnd.int(4)]!;
        const errs = [
          () => new UnavailableError('busy', { code: ErrorCodes.REGION_TOO_BUSY }),
          () => new NotServingRegionError('opening', { code: ErrorCodes.REGION_OPENING }),
          () => new UnavailableError('connection reset', { details: { reason: 'ECONNRESET' } }),
          () => new NotServingRegionError('not here'),
        ];
        s.cluster.failNext(1 + rnd.int(2), method, errs[rnd.int(errs.length)]!);
      }
      const op = rnd.int(5);
      const ctx = `seed=${seed} step=${step} op=${op}`;
      if (op === 0) {
        const r = row();
        const v = `v${step}`;
        await t.put(put(r, v));
        model.set(r, v);
      } else if (op === 1) {
        const rows = Array.from({ length: 1 + rnd.int(8) }, row);
        await t.put(rows.map((r) => put(r, `m${step}`)));
        for (const r of rows) model.set(r, `m${step}`);
      } else if (op === 2) {
        const rows = Array.from({ length: 1 + rnd.int(8) }, row);
        const res = await t.getMany(rows.map(get));
        assert.deepEqual(
          res.map((x) => x.cells[0]?.value.toString()),
          rows.map((r) => model.get(r)),
          ctx,
        );
      } else if (op === 3) {
        const r = row();
        assert.equal((await t.get(get(r))).cells[0]?.value.toString(), model.get(r), ctx);
      } else {
        // Rows of their own ('~' suffix): a buffered write lands at an unknown time.
        const r = `${row()}~`;
        await m.mutate(put(r, `b${step}`));
        buffered.set(r, `b${step}`);
        if (rnd.next() < 0.2) {
          await m.flush();
          for (const [k, v] of buffered) model.set(k, v);
          buffered.clear();
        }
      }
    }
    await m.flush();
    for (const [k, v] of buffered) model.set(k, v);
    for (const [k, v] of model) assert.equal(s.cluster.cell('t', k, 'f', 'q')?.toString(), v, `seed=${seed} row=${k}`);
  } finally {
    await s.stop();
  }
});
