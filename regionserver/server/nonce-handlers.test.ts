// INCREMENT, APPEND and CHECK_AND_MUTATE with operation nonces through the region server's
// handlers (docs/rfcs/0006-operation-nonces.md): a retry of an applied operation is answered,
// not applied again — on the same server, while the first attempt still runs, and on the
// server that replayed the WAL after the first one crashed.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ManualClock } from '../../common/clock.js';
import { MemoryCoordination } from '../../common/coordination/memory-coordination.js';
import { InvalidError } from '../../common/errors.js';
import { FaultObjectStore } from '../../common/objectstore/fault-store.js';
import { MemoryObjectStore } from '../../common/objectstore/memory-store.js';
import type { ObjectStore } from '../../common/objectstore/object-store.js';
import type { OperationNonce } from '../../common/ops/operation-nonce.js';
import type { CheckAndMutate, Increment } from '../../common/ops/operations.js';
import { SeededRandom } from '../../common/random.js';
import { splitWal } from '../wal/wal-split.js';
import type { TestServer } from './server-test-util.js';
import { FAMILY, get, put, startTestServer, TABLE, valueOf, wholeRegion } from './server-test-util.js';

const info = wholeRegion();
const region = info.encodedName;
const Q = Buffer.from('n');
const inc = (row: string, amount = 1n): Increment => ({ row: Buffer.from(row), columns: [{ family: FAMILY, qualifier: Q, amount }] });
const nonce = (n: number): OperationNonce => ({ group: 0xabcdef0123456789n, nonce: BigInt(n) });
const counterIn = (cells: readonly { qualifier: Buffer; value: Buffer }[]): bigint | undefined => cells.find((c) => c.qualifier.equals(Q))?.value.readBigInt64BE(0);

async function counter(t: TestServer, row: string): Promise<bigint | undefined> {
  return counterIn((await t.call('GET', { region, get: get(row) })).result.cells);
}

async function increment(t: TestServer, row: string, n?: OperationNonce): Promise<bigint | undefined> {
  const res = await t.call('INCREMENT', { region, increment: inc(row), ...(n !== undefined ? { nonce: n } : {}) });
  return counterIn(res.result.cells);
}

test('on one server: a retried increment or append is answered with the current values, not applied again; a failed one may run again', { timeout: 60_000 }, async () => {
  const t = await startTestServer();
  try {
    await t.call('OPEN_REGION', { info, table: TABLE });
    assert.equal(await increment(t, 'c', nonce(1)), 1n);
    assert.equal(await increment(t, 'c', nonce(1)), 1n, 'the retry is answered');
    assert.equal(await counter(t, 'c'), 1n, 'and not applied');
    assert.equal(await increment(t, 'c'), 2n, 'without a nonce every call applies');
    assert.equal(await increment(t, 'c', nonce(1)), 2n, 'a later retry answers the current value (as HBase does)');
    assert.equal(await increment(t, 'c', nonce(2)), 3n);
    assert.equal(await increment(t, 'c', { group: 1n, nonce: 1n }), 4n, 'the same nonce of another group is another operation');

    const app = { row: Buffer.from('a'), columns: [{ family: FAMILY, qualifier: Buffer.from('q'), value: Buffer.from('x') }] };
    assert.equal((await t.call('APPEND', { region, append: app, nonce: nonce(3) })).result.cells[0]!.value.toString(), 'x');
    assert.equal((await t.call('APPEND', { region, append: app, nonce: nonce(3) })).result.cells[0]!.value.toString(), 'x');
    assert.equal(valueOf(await t.call('GET', { region, get: get('a') })), 'x');

    // A failed attempt (the column does not hold a counter) leaves the nonce free for a retry.
    await t.call('MUTATE', { region, mutation: { kind: 'put', row: Buffer.from('bad'), columns: [{ family: FAMILY, qualifier: Q, value: Buffer.from('not8') }] } });
    await assert.rejects(t.call('INCREMENT', { region, increment: inc('bad'), nonce: nonce(4) }), InvalidError);
    await t.call('MUTATE', { region, mutation: { kind: 'delete', row: Buffer.from('bad'), columns: [] } });
    assert.equal(await increment(t, 'bad', nonce(4)), 1n);
    assert.equal(await increment(t, 'bad', nonce(4)), 1n);
  } finally {
    await t.server.stop();
  }
});

test('on one server: a retried checkAndMutate answers its first outcome, whatever the condition says now', { timeout: 60_000 }, async () => {
  const t = await startTestServer();
  try {
    await t.call('OPEN_REGION', { info, table: TABLE });
    // "put v1 if q is absent": true, then q changes; the retry must not put v1 again.
    const ifAbsent: CheckAndMutate = { row: Buffer.from('r'), family: FAMILY, qualifier: Buffer.from('q'), op: 'EQUAL', mutations: [put('r', 'q', 'v1')] };
    assert.equal((await t.call('CHECK_AND_MUTATE', { region, checkAndMutate: ifAbsent, nonce: nonce(10) })).processed, true);
    await t.call('MUTATE', { region, mutation: put('r', 'q', 'v2') });
    await t.call('MUTATE', { region, mutation: { kind: 'delete', row: Buffer.from('r'), columns: [] } });
    assert.equal((await t.call('CHECK_AND_MUTATE', { region, checkAndMutate: ifAbsent, nonce: nonce(10) })).processed, true);
    assert.equal(valueOf(await t.call('GET', { region, get: get('r') })), undefined, 'the retry did not put v1 again');

    // "put w if q = 'x'": false (q is absent); then q becomes 'x'; the retry still answers false.
    const ifX: CheckAndMutate = { row: Buffer.from('s'), family: FAMILY, qualifier: Buffer.from('q'), op: 'EQUAL', value: Buffer.from('x'), mutations: [put('s', 'q', 'w')] };
    assert.equal((await t.call('CHECK_AND_MUTATE', { region, checkAndMutate: ifX, nonce: nonce(11) })).processed, false);
    await t.call('MUTATE', { region, mutation: put('s', 'q', 'x') });
    assert.equal((await t.call('CHECK_AND_MUTATE', { region, checkAndMutate: ifX, nonce: nonce(11) })).processed, false);
    assert.equal(valueOf(await t.call('GET', { region, get: get('s') })), 'x');
    // The same check with a new nonce is a new operation.
    assert.equal((await t.call('CHECK_AND_MUTATE', { region, checkAndMutate: ifX, nonce: nonce(12) })).processed, true);
    assert.equal(valueOf(await t.call('GET', { region, get: get('s') })), 'w');
  } finally {
    await t.server.stop();
  }
});

test('a retry that arrives while the first attempt waits for the WAL waits for it, then is answered without applying', { timeout: 60_000 }, async () => {
  const store = new FaultObjectStore(new MemoryObjectStore(), new SeededRandom(1));
  const t = await startTestServer({ objectStore: store });
  try {
    await t.call('OPEN_REGION', { info, table: TABLE });
    const slow = store.addRule({ op: 'put', keyPrefix: 'wal/', latencyMs: 400, times: 1 });
    const order: string[] = [];
    const first = t.call('INCREMENT', { region, increment: inc('w'), nonce: nonce(20) }).then((r) => (order.push('first'), counterIn(r.result.cells)));
    await new Promise((r) => setTimeout(r, 100)); // the first attempt is now waiting for its WAL write
    const retry = t.call('INCREMENT', { region, increment: inc('w'), nonce: nonce(20) }).then((r) => (order.push('retry'), counterIn(r.result.cells)));
    assert.deepEqual(await Promise.all([first, retry]), [1n, 1n]);
    assert.deepEqual(order, ['first', 'retry']);
    assert.equal(await counter(t, 'w'), 1n);
    slow();
  } finally {
    await t.server.stop();
  }
});

/**
 * The first server applies `ops` (their WAL edits are durable), then crashes (no flush); the
 * master's part — split its WAL — is done; a fresh server (`clock`) opens the region, replaying
 * the edits, and is returned.
 */
async function failover(ops: (t: TestServer) => Promise<void>, next: { clock?: ManualClock } = {}): Promise<{ t2: TestServer; store: ObjectStore }> {
  const store = new MemoryObjectStore();
  const coordination = new MemoryCoordination();
  const t1 = await startTestServer({ objectStore: store, coordination });
  await t1.call('OPEN_REGION', { info, table: TABLE });
  await ops(t1);
  t1.server.fence(new Error('simulated crash: kill -9'), 'test');
  await t1.server.stop();
  await splitWal(store, t1.server.serverName);
  const t2 = await startTestServer({ objectStore: store, coordination, ...(next.clock !== undefined ? { clock: next.clock } : {}) });
  await t2.call('OPEN_REGION', { info, table: TABLE, epoch: 100 });
  return { t2, store };
}

test('failover: the server that replayed the crashed server\'s WAL answers retries of its increments and checkAndMutates without applying them', { timeout: 60_000 }, async () => {
  const ifAbsent: CheckAndMutate = { row: Buffer.from('r'), family: FAMILY, qualifier: Buffer.from('q'), op: 'EQUAL', mutations: [put('r', 'q', 'v1')] };
  const { t2 } = await failover(async (t1) => {
    // The answers of these never reach the client (it sees its connection die).
    assert.equal(await increment(t1, 'c', nonce(1)), 1n);
    assert.equal((await t1.call('CHECK_AND_MUTATE', { region, checkAndMutate: ifAbsent, nonce: nonce(2) })).processed, true);
  });
  try {
    assert.equal(t2.server.nonces.size, 2, 'both nonces were learnt from the replayed WAL edits');
    assert.equal(await counter(t2, 'c'), 1n, 'the increment was replayed');
    assert.equal(await increment(t2, 'c', nonce(1)), 1n, 'the client\'s retry is answered from the replayed state');
    assert.equal(await counter(t2, 'c'), 1n, 'and applied once in all');
    assert.equal(await increment(t2, 'c', nonce(3)), 2n, 'a new operation applies');

    await t2.call('MUTATE', { region, mutation: { kind: 'delete', row: Buffer.from('r'), columns: [] } });
    assert.equal((await t2.call('CHECK_AND_MUTATE', { region, checkAndMutate: ifAbsent, nonce: nonce(2) })).processed, true, 'its mutations were logged: it was processed');
    assert.equal(valueOf(await t2.call('GET', { region, get: get('r') })), undefined, 'not applied again');
  } finally {
    await t2.server.stop();
  }
});

test('failover after the grace period: a replayed nonce older than regionserver.nonceGracePeriod is not remembered (the retry applies again)', { timeout: 60_000 }, async () => {
  // The next server's wall clock is 31 minutes after the edit was written.
  const clock = new ManualClock(Date.now() + 31 * 60_000);
  const { t2 } = await failover(async (t1) => void (await increment(t1, 'c', nonce(1))), { clock });
  try {
    assert.equal(t2.server.nonces.size, 0);
    assert.equal(await counter(t2, 'c'), 1n);
    assert.equal(await increment(t2, 'c', nonce(1)), 2n, 'the documented limit: past the grace period a retry is a new operation');
  } finally {
    await t2.server.stop();
  }
});
