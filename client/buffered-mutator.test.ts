import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCodes, InvalidError, NotServingRegionError, TsbaseError } from '../common/errors.js';
import type { Mutation, Put } from '../common/ops/operations.js';
import type { RpcRequests } from '../common/rpc/rpc-messages.js';
import { fakeConnect } from './fake-connect.js';
import type { FakeSetup } from './fake-connect.js';
import { mutationSize } from './validate-ops.js';

const b = (s: string): Buffer => Buffer.from(s);
const put = (row: string, value = 'v'): Put => ({ kind: 'put', row: b(row), columns: [{ family: b('f'), qualifier: b('q'), value: b(value) }] });
const SERVERS = ['rs1:16020', 'rs2:16020', 'rs3:16020'];
const NEVER = 3_600_000; // flush interval beyond the test clock's automatic sleeps

async function withTable(fn: (s: FakeSetup) => Promise<void>): Promise<void> {
  const s = await fakeConnect();
  s.cluster.createTable('t', ['d', 'h', 'p'], SERVERS);
  try {
    await fn(s);
  } finally {
    await s.stop();
  }
}

const sent = (s: FakeSetup) =>
  s.cluster.callsOf('MULTI_MUTATE').map((c) => ({
    address: c.address,
    regions: (c.request as RpcRequests['MULTI_MUTATE']).actions.length,
    rows: (c.request as RpcRequests['MULTI_MUTATE']).actions.flatMap((a) => a.mutations.map((m: Mutation) => m.row.toString())),
  }));

test('mutations stay buffered until the buffer is full, then go out grouped by server and region', () =>
  withTable(async (s) => {
    const one = mutationSize(put('a0'));
    const m = s.conn.getBufferedMutator('t', { writeBufferBytes: one * 6, flushIntervalMs: NEVER });
    await m.mutate([put('a0'), put('a1'), put('e0'), put('i0'), put('q0')]);
    assert.equal(sent(s).length, 0);
    assert.equal(s.cluster.cell('t', 'a0', 'f', 'q'), undefined);
    await m.mutate(put('e1')); // the 6th fills the buffer
    await m.flush(); // waits for the running flush
    const calls = sent(s);
    assert.equal(calls.length, 3, 'one MULTI_MUTATE per server');
    const rs1 = calls.find((c) => c.address === 'rs1:16020')!;
    assert.equal(rs1.regions, 2); // [,d) and [p,)
    assert.deepEqual(rs1.rows.sort(), ['a0', 'a1', 'q0']);
    assert.deepEqual(calls.find((c) => c.address === 'rs2:16020')!.rows, ['e0', 'e1']);
    for (const r of ['a0', 'a1', 'e0', 'e1', 'i0', 'q0']) assert.equal(s.cluster.cell('t', r, 'f', 'q')?.toString(), 'v');
    await m.close();
  }));

test('the periodic flush sends what is buffered after flushIntervalMs', () =>
  withTable(async (s) => {
    const m = s.conn.getBufferedMutator('t', { flushIntervalMs: 10_000 });
    await m.mutate([put('a'), put('z')]);
    s.clock.advance(9_999);
    await new Promise((r) => setImmediate(r));
    assert.equal(sent(s).length, 0);
    s.clock.advance(1);
    for (let i = 0; i < 20 && s.cluster.cell('t', 'z', 'f', 'q') === undefined; i++) await new Promise((r) => setImmediate(r));
    assert.equal(s.cluster.cell('t', 'a', 'f', 'q')?.toString(), 'v');
    assert.equal(s.cluster.cell('t', 'z', 'f', 'q')?.toString(), 'v');
    assert.equal(sent(s).length, 1);
    await m.close();
  }));

test('backpressure: with the buffer full and maxInFlightFlushes running, mutate waits for one to end', () =>
  withTable(async (s) => {
    const one = mutationSize(put('a0'));
    for (const max of [1, 2]) {
      const m = s.conn.getBufferedMutator('t', { writeBufferBytes: one * 2, flushIntervalMs: NEVER, maxInFlightFlushes: max });
      // Hold every flush at the server until released.
      let release!: () => void;
      const gate = new Promise<void>((r) => (release = r));
      const origCall = s.cluster.call.bind(s.cluster);
      s.cluster.call = (async (address: string, method: string, request: never) => {
        if (method === 'MULTI_MUTATE') await gate;
        return origCall(address, method as 'MULTI_MUTATE', request);
      }) as typeof s.cluster.call;
      const rows = Array.from({ length: 2 * max + 3 }, (_, i) => `a${max}${i}`);
      // Each pair fills the buffer: `max` flushes start, then one more buffer fills.
      for (let i = 0; i < 2 * max + 2; i += 2) await m.mutate([put(rows[i]!), put(rows[i + 1]!)]);
      assert.equal((m as unknown as { flushesInFlight: number }).flushesInFlight, max);
      let waited = true;
      const p = m.mutate(put(rows.at(-1)!)).then(() => (waited = false));
      for (let i = 0; i < 10; i++) await new Promise((r) => setImmediate(r));
      assert.equal(waited, true, 'mutate waits while the buffer is full and no flush may start');
      release();
      await p;
      await m.close();
      s.cluster.call = origCall;
      for (const r of rows) assert.equal(s.cluster.cell('t', r, 'f', 'q')?.toString(), 'v', r);
    }
  }));

test('failed actions are retried; failures for good go to onError (background) or reject flush()', () =>
  withTable(async (s) => {
    const one = mutationSize(put('a'));
    const failures: { mutation: Mutation; error: Error }[] = [];
    // rs2 refuses once with NotServingRegion (retried) ...
    s.cluster.failNext(1, 'MULTI_MUTATE', () => new NotServingRegionError('not here'), 'rs2:16020');
    // ... and rs3 rejects its mutations for good.
    s.cluster.inject((a, m) => (a === 'rs3:16020' && m === 'MULTI_MUTATE' ? new InvalidError('value too large', { code: ErrorCodes.VALUE_TOO_LARGE }) : undefined));
    const m = s.conn.getBufferedMutator('t', { writeBufferBytes: one * 3, flushIntervalMs: NEVER, onError: (f) => failures.push(...f) });
    await m.mutate([put('a'), put('e'), put('i')]); // background flush by size
    await m.flush();
    assert.equal(s.cluster.cell('t', 'a', 'f', 'q')?.toString(), 'v');
    assert.equal(s.cluster.cell('t', 'e', 'f', 'q')?.toString(), 'v');
    assert.deepEqual(
      failures.map((f) => [f.mutation.row.toString(), (f.error as TsbaseError).code]),
      [['i', ErrorCodes.VALUE_TOO_LARGE]],
    );
    // An explicit flush rejects with the failure (and still applies the rest).
    await m.mutate([put('j'), put('b2')]);
    await assert.rejects(m.flush(), (e: unknown) => e instanceof InvalidError && e.code === ErrorCodes.VALUE_TOO_LARGE);
    assert.equal(s.cluster.cell('t', 'b2', 'f', 'q')?.toString(), 'v');
    // Without onError, a background failure is reported by the next flush().
    const m2 = s.conn.getBufferedMutator('t', { writeBufferBytes: one, flushIntervalMs: NEVER });
    await m2.mutate(put('k'));
    await assert.rejects(m2.flush(), (e: unknown) => e instanceof InvalidError && e.code === ErrorCodes.VALUE_TOO_LARGE);
    await m2.flush(); // reported once
    await m.close().catch(() => undefined);
  }));

test('close flushes; a closed mutator rejects mutate with TSB_CLOSED; the connection closes open mutators', () =>
  withTable(async (s) => {
    const m = s.conn.getBufferedMutator('t', { flushIntervalMs: NEVER });
    await m.mutate(put('a'));
    await m.close();
    assert.equal(s.cluster.cell('t', 'a', 'f', 'q')?.toString(), 'v');
    await assert.rejects(m.mutate(put('b')), (e: unknown) => e instanceof TsbaseError && e.code === ErrorCodes.CLOSED);
    await assert.rejects(m.mutate({ kind: 'put', row: b('x'), columns: [] }), InvalidError);
    const m2 = s.conn.getBufferedMutator('t', { flushIntervalMs: NEVER });
    await m2.mutate(put('c'));
    await s.conn.close();
    assert.equal(s.cluster.cell('t', 'c', 'f', 'q')?.toString(), 'v');
    assert.throws(() => s.conn.getBufferedMutator('t', { writeBufferBytes: 0 }), InvalidError);
  }));
