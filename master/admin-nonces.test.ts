import assert from 'node:assert/strict';
import { afterEach, test } from 'node:test';
import { pino } from 'pino';
import { ManualClock } from '../common/clock.js';
import { clusterKeys } from '../common/coordination/cluster-keys.js';
import type { Coordination } from '../common/coordination/coordination.js';
import { ForwardingCoordination } from '../common/coordination/forwarding-coordination.js';
import { MemoryCoordination } from '../common/coordination/memory-coordination.js';
import { ErrorCodes, UnavailableError } from '../common/errors.js';
import { AdminNonces } from './admin-nonces.js';
import type { AdminNonceRecord } from './admin-nonces.js';
import type { Master } from './master.js';
import { api, CLUSTER, FakeCluster } from './test-fakes.js';

let cluster: FakeCluster | undefined;
afterEach(async () => {
  await cluster?.close();
  cluster = undefined;
});

const PREFIX = clusterKeys(CLUSTER).adminNoncesPrefix;
const b64 = (s: string) => Buffer.from(s).toString('base64');
const TABLE = { name: 't', families: [{ NAME: 'f' }], splitKeys: [b64('m')] };

async function setup(servers = 2): Promise<{ c: FakeCluster; m: Master }> {
  const c = new FakeCluster();
  cluster = c;
  for (let i = 0; i < servers; i++) await c.addServer();
  const m = await c.startMaster();
  await m.waitUntilActive();
  return { c, m };
}

/** An admin request with a `tsbase-nonce` header; `replayed` is whether the answer says it was given again. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- test JSON bodies are checked field by field
async function call(m: Master, method: string, path: string, nonce: string, body?: unknown): Promise<{ status: number; body: any; replayed: boolean }> {
  const res = await fetch(`http://${m.httpAddress}/api/v1${path}`, {
    method,
    headers: { 'tsbase-nonce': nonce, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, body: text === '' ? undefined : JSON.parse(text), replayed: res.headers.get('tsbase-nonce-replayed') === '1' };
}

const opensOf = (c: FakeCluster): number => c.servers.reduce((n, s) => n + s.opens.filter((o) => o.table.name === 't').length, 0);

async function record(c: FakeCluster, nonce: string): Promise<AdminNonceRecord | undefined> {
  const e = await c.coord.get(PREFIX + nonce.replace('-', ':'));
  return e === undefined ? undefined : (JSON.parse(e.value.toString()) as AdminNonceRecord);
}

test('a create sent again with its nonce runs once: the same 201 answer, marked as given again; without a nonce the second create is refused', async () => {
  const { c, m } = await setup();
  const first = await call(m, 'POST', '/tables', 'a1-b2', TABLE);
  assert.equal(first.status, 201, JSON.stringify(first.body));
  assert.equal(first.replayed, false);
  assert.equal(opensOf(c), 2);
  const again = await call(m, 'POST', '/tables', 'a1-b2', TABLE);
  assert.equal(again.status, 201, JSON.stringify(again.body));
  assert.equal(again.replayed, true);
  assert.deepEqual(again.body, first.body);
  assert.equal(opensOf(c), 2, 'no region opened again');
  const rec = await record(c, 'a1-b2');
  assert.equal(rec?.op, 'POST /api/v1/tables');
  assert.deepEqual(rec?.outcome, { ok: true, value: first.body });
  const plain = await api(m, 'POST', '/tables', TABLE);
  assert.equal(plain.status, 409);
  assert.equal(plain.body.error.code, 'TSB_ALREADY_EXISTS');
});

test('a retry that arrives while the operation runs waits for it and gets its answer', async () => {
  const { c, m } = await setup();
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  let arrived!: () => void;
  const opening = new Promise<void>((r) => (arrived = r));
  for (const s of c.servers) {
    s.beforeOpen = async (info) => {
      if (info.table !== 't') return;
      arrived();
      await gate;
    };
  }
  const first = call(m, 'POST', '/tables', '7-7', TABLE);
  await opening;
  let secondDone = false;
  const second = call(m, 'POST', '/tables', '7-7', TABLE).finally(() => (secondDone = true));
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(secondDone, false, 'the retry waits for the running create');
  release();
  const [a, b] = await Promise.all([first, second]);
  assert.equal(a.status, 201, JSON.stringify(a.body));
  assert.equal(b.status, 201, JSON.stringify(b.body));
  assert.deepEqual([a.replayed, b.replayed], [false, true]);
  assert.deepEqual(b.body, a.body);
  assert.equal(opensOf(c), 2);
});

test('an error outcome is given again: the operation does not run a second time', async () => {
  const { m } = await setup();
  const create = { name: 'ns9:t', families: [{ NAME: 'f' }] };
  const first = await call(m, 'POST', '/tables', 'c-d', create);
  assert.equal(first.status, 404);
  assert.equal(first.body.error.code, 'TSB_NOT_FOUND');
  assert.equal((await api(m, 'POST', '/namespaces', { name: 'ns9' })).status, 201);
  const again = await call(m, 'POST', '/tables', 'c-d', create);
  assert.equal(again.status, 404);
  assert.equal(again.replayed, true);
  assert.deepEqual(again.body, first.body);
  assert.equal((await api(m, 'GET', '/tables/ns9%3At')).status, 404, 'the create did not run again');
  // A new nonce is a new operation.
  assert.equal((await call(m, 'POST', '/tables', 'c-e', create)).status, 201);
});

test('a nonce used for another operation, or a malformed one, is refused and changes nothing', async () => {
  const { c, m } = await setup();
  assert.equal((await call(m, 'POST', '/namespaces', 'e-f', { name: 'ns1' })).status, 201);
  const reused = await call(m, 'POST', '/tables', 'e-f', TABLE);
  assert.equal(reused.status, 400);
  assert.equal(reused.body.error.code, 'TSB_INVALID_ARGUMENT');
  assert.match(reused.body.error.message, /nonce was already used for another operation/);
  for (const bad of ['zz', '1-0', '1-', '12345678901234567-1', '1:2']) {
    const r = await call(m, 'POST', '/tables', bad, TABLE);
    assert.equal(r.status, 400, bad);
    assert.equal(r.body.error.code, 'TSB_INVALID_ARGUMENT', bad);
    assert.equal(r.body.error.details.field, 'tsbase-nonce', bad);
  }
  assert.equal((await api(m, 'GET', '/tables/t')).status, 404);
  assert.equal(opensOf(c), 0);
  assert.equal((await c.coord.list(PREFIX)).entries.length, 1, 'only the namespace create left a record');
});

test('a nonce sent again with another body (another table) is refused, on this master and the next, and creates nothing', async () => {
  const { c, m } = await setup();
  const m2 = await c.startMaster();
  const first = await call(m, 'POST', '/tables', 'c1-d2', TABLE);
  assert.equal(first.status, 201);
  assert.match((await record(c, 'c1-d2'))?.request ?? '', /^[0-9a-f]{32}$/);
  const other = { ...TABLE, name: 'u' };
  const check = (r: Awaited<ReturnType<typeof call>>): void => {
    assert.equal(r.status, 400, JSON.stringify(r.body));
    assert.equal(r.body.error.code, 'TSB_INVALID_ARGUMENT');
    assert.match(r.body.error.message, /same operation with another request body/);
    assert.equal(r.replayed, false);
  };
  check(await call(m, 'POST', '/tables', 'c1-d2', other));
  // The same route with a query string is another request too.
  check(await call(m, 'POST', '/tables?x=1', 'c1-d2', TABLE));
  await m.stop();
  await m2.waitUntilActive();
  check(await call(m2, 'POST', '/tables', 'c1-d2', other));
  assert.equal((await api(m2, 'GET', '/tables/u')).status, 404);
  const again = await call(m2, 'POST', '/tables', 'c1-d2', TABLE);
  assert.equal(again.status, 201);
  assert.equal(again.replayed, true);
  assert.deepEqual(again.body, first.body);
});

test('the next active master answers a retry from the recorded outcome', async () => {
  const { c, m } = await setup();
  const m2 = await c.startMaster();
  const first = await call(m, 'POST', '/tables', 'aa-bb', TABLE);
  assert.equal(first.status, 201);
  await m.stop();
  await m2.waitUntilActive();
  const again = await call(m2, 'POST', '/tables', 'aa-bb', TABLE);
  assert.equal(again.status, 201, JSON.stringify(again.body));
  assert.equal(again.replayed, true);
  assert.deepEqual(again.body, first.body);
  assert.equal(opensOf(c), 2);
});

test('accepted by a master that stopped half way: a create finds its table, a disable runs again, a split and a truncate without a plan answer TSB_OUTCOME_UNKNOWN', async () => {
  const { c, m } = await setup();
  assert.equal((await api(m, 'POST', '/tables', TABLE)).status, 201);
  const orphan = async (nonce: string, op: string): Promise<void> => {
    // A token no term has (real ones are decimal integers): written by an earlier master.
    const rec: AdminNonceRecord = { op, token: 'an-earlier-term', acceptedAtMs: Date.now() };
    await c.coord.put(PREFIX + nonce.replace('-', ':'), Buffer.from(JSON.stringify(rec)));
  };
  await orphan('1-1', 'POST /api/v1/tables');
  const create = await call(m, 'POST', '/tables', '1-1', TABLE);
  assert.equal(create.status, 201, JSON.stringify(create.body));
  assert.equal(create.body.name, 't');
  assert.equal(create.body.state, 'ENABLED');
  assert.deepEqual((await record(c, '1-1'))?.outcome, { ok: true, value: create.body });

  await orphan('2-2', 'POST /api/v1/tables/t/split');
  const split = await call(m, 'POST', '/tables/t/split', '2-2', {});
  assert.equal(split.status, 409, JSON.stringify(split.body));
  assert.equal(split.body.error.code, 'TSB_OUTCOME_UNKNOWN');
  assert.equal(c.metaRows('t').length, 2, 'nothing was split');

  await orphan('3-3', 'POST /api/v1/tables/t/truncate');
  const truncate = await call(m, 'POST', '/tables/t/truncate', '3-3', { preserveSplits: true });
  assert.equal(truncate.status, 409);
  assert.equal(truncate.body.error.code, 'TSB_OUTCOME_UNKNOWN');
  assert.equal(opensOf(c), 2, 'nothing was truncated');

  await orphan('4-4', 'POST /api/v1/tables/t/disable');
  const disable = await call(m, 'POST', '/tables/t/disable', '4-4', {});
  assert.equal(disable.status, 200, JSON.stringify(disable.body));
  assert.equal((await api(m, 'GET', '/tables/t')).body.state, 'DISABLED');

  await orphan('5-5', 'DELETE /api/v1/tables/gone');
  assert.equal((await call(m, 'DELETE', '/tables/gone', '5-5')).status, 200, 'the table is gone: the delete was done');
});

// ---- AdminNonces alone ---------------------------------------------------------------------

function nonces(coordination: Coordination, clock: ManualClock, token = 7n): AdminNonces {
  return new AdminNonces({ coordination, prefix: '/n/', token, clock, graceMs: 60_000, logger: pino({ level: 'silent' }) });
}

test('AdminNonces: forgotten (memory and record) only after the grace period; a retry after that runs again', async () => {
  const coord = new MemoryCoordination();
  const clock = new ManualClock();
  const n = nonces(coord, clock);
  let runs = 0;
  const op = async () => ++runs;
  const never = () => Promise.reject(new Error('not after a lost outcome here'));
  const id = { group: 1n, nonce: 2n };
  assert.deepEqual(await n.run(id, { op: 'POST /x' }, op, never), { outcome: { ok: true, value: 1 }, replayed: false });
  clock.advance(59_000);
  assert.equal(await n.expire(), 0);
  assert.deepEqual(await n.run(id, { op: 'POST /x' }, op, never), { outcome: { ok: true, value: 1 }, replayed: true });
  // A new term (empty memory) still answers from the record.
  assert.deepEqual(await nonces(coord, clock, 8n).run(id, { op: 'POST /x' }, op, never), { outcome: { ok: true, value: 1 }, replayed: true });
  clock.advance(2_000);
  assert.equal(await n.expire(), 1);
  assert.equal(n.size, 0);
  assert.equal((await coord.list('/n/')).entries.length, 0);
  assert.deepEqual(await n.run(id, { op: 'POST /x' }, op, never), { outcome: { ok: true, value: 2 }, replayed: false });
  await coord.close();
});

test('AdminNonces: a use with another request digest is refused; a record without one (an older master) matches any', async () => {
  const coord = new MemoryCoordination();
  const clock = new ManualClock();
  const n = nonces(coord, clock);
  let runs = 0;
  const op = async () => ++runs;
  const id = { group: 3n, nonce: 4n };
  assert.deepEqual(await n.run(id, { op: 'POST /x', request: 'aa' }, op, op), { outcome: { ok: true, value: 1 }, replayed: false });
  await assert.rejects(n.run(id, { op: 'POST /x', request: 'bb' }, op, op), { code: ErrorCodes.INVALID_ARGUMENT });
  await assert.rejects(nonces(coord, clock, 8n).run(id, { op: 'POST /x', request: 'bb' }, op, op), { code: ErrorCodes.INVALID_ARGUMENT });
  assert.deepEqual(await n.run(id, { op: 'POST /x', request: 'aa' }, op, op), { outcome: { ok: true, value: 1 }, replayed: true });
  const old: AdminNonceRecord = { op: 'POST /x', token: '7', acceptedAtMs: clock.nowMs(), outcome: { ok: true, value: 5 } };
  await coord.put('/n/5:6', Buffer.from(JSON.stringify(old)));
  assert.deepEqual(await nonces(coord, clock, 8n).run({ group: 5n, nonce: 6n }, { op: 'POST /x', request: 'cc' }, op, op), { outcome: { ok: true, value: 5 }, replayed: true });
  assert.equal(runs, 1);
  // A record whose digest is not a string is malformed: refused, nothing runs.
  await coord.put('/n/7:8', Buffer.from(JSON.stringify({ ...old, request: 5 })));
  await assert.rejects(n.run({ group: 7n, nonce: 8n }, { op: 'POST /x', request: 'cc' }, op, op), { code: ErrorCodes.INTERNAL });
  assert.equal(runs, 1);
  await coord.close();
});

test('AdminNonces: when the record cannot be written nothing runs, and the retry runs the operation once', async () => {
  const inner = new MemoryCoordination();
  let failPuts = 1;
  const flaky = new (class extends ForwardingCoordination {
    override async put(key: string, value: Buffer): Promise<bigint> {
      if (failPuts-- > 0) throw new UnavailableError('etcd is away');
      return super.put(key, value);
    }
  })(inner);
  const n = nonces(flaky, new ManualClock());
  let runs = 0;
  const op = async () => ++runs;
  const id = { group: 3n, nonce: 4n };
  await assert.rejects(
    n.run(id, { op: 'POST /x' }, op, op),
    (e: unknown) => e instanceof UnavailableError && e.code === ErrorCodes.UNAVAILABLE,
  );
  assert.equal(runs, 0);
  assert.deepEqual(await n.run(id, { op: 'POST /x' }, op, op), { outcome: { ok: true, value: 1 }, replayed: false });
  assert.deepEqual(await n.run(id, { op: 'POST /x' }, op, op), { outcome: { ok: true, value: 1 }, replayed: true });
  await inner.close();
});
