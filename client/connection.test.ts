import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import type { TsbaseError} from '../common/errors.js';
import { ErrorCodes, InvalidError, UnavailableError } from '../common/errors.js';
import { SeededRandom } from '../common/random.js';
import { Connection } from './connection.js';
import { AutoClock, FakeCluster } from './fake-cluster.js';
import { clusterRoutes } from './fake-connect.js';
import { startFakeMasters } from './fake-master.js';

/** A loopback port nothing listens on. */
async function deadAddress(): Promise<string> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const port = (srv.address() as AddressInfo).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return `127.0.0.1:${port}`;
}

const deps = (cluster: FakeCluster) => ({ pool: cluster.pool(), clock: new AutoClock(), random: new SeededRandom(7) });

test('connect finds the active master: a standby names the leader, a dead address is skipped', async () => {
  const cluster = new FakeCluster();
  const m = await startFakeMasters(3, clusterRoutes(cluster));
  try {
    m.leader = 2;
    const dead = await deadAddress();
    const conn = await Connection.connect({ masters: [dead, m.addresses[0]!, m.addresses[1]!], retryPauseMs: 10 }, deps(cluster));
    assert.equal(conn.activeMaster, m.addresses[2]); // learnt from the standby's answer
    assert.equal(conn.status.activeMaster, m.addresses[2]);
    // Requests go straight to the leader from now on.
    const n = m.requests.length;
    await conn.getAdmin().clusterStatus();
    assert.deepEqual(m.requests.slice(n).map((r) => r.master), [m.addresses[2]]);
    await conn.close();
  } finally {
    await m.stop();
  }
});

test('after a failover the client follows the new leader', async () => {
  const cluster = new FakeCluster();
  const m = await startFakeMasters(2, clusterRoutes(cluster, (req) => (req.path === '/namespaces' ? { namespaces: ['default'] } : undefined)));
  try {
    const conn = await Connection.connect({ masters: m.addresses, retryPauseMs: 10 }, deps(cluster));
    assert.equal(conn.activeMaster, m.addresses[0]);
    m.leader = 1;
    m.tellLeader = false;
    assert.deepEqual(await conn.getAdmin().listNamespaces(), ['default']);
    assert.equal(conn.activeMaster, m.addresses[1]);
    const last = m.requests.slice(-2).map((r) => r.master);
    assert.deepEqual(last, [m.addresses[0], m.addresses[1]]);
    await conn.close();
  } finally {
    await m.stop();
  }
});

test('no reachable master: connect fails with TSB_TIMEOUT wrapping the last failure', async () => {
  const cluster = new FakeCluster();
  const err = await Connection.connect({ masters: [await deadAddress(), await deadAddress()], operationTimeoutMs: 2_000, retryPauseMs: 10 }, deps(cluster)).then(
    () => undefined,
    (e: unknown) => e,
  );
  assert.ok(err instanceof UnavailableError, String(err));
  assert.equal(err.code, ErrorCodes.TIMEOUT);
  assert.equal((err.cause as TsbaseError).code, ErrorCodes.UNAVAILABLE);
  // Only standbys: NOT_LEADER until the deadline.
  const m = await startFakeMasters(2, clusterRoutes(cluster));
  try {
    m.leader = -1;
    await assert.rejects(
      Connection.connect({ masters: m.addresses, operationTimeoutMs: 2_000, retryPauseMs: 10 }, deps(cluster)),
      (e: unknown) => e instanceof UnavailableError && e.code === ErrorCodes.TIMEOUT && (e.cause as TsbaseError).code === ErrorCodes.NOT_LEADER,
    );
  } finally {
    await m.stop();
  }
});

test('invalid options are rejected with TSB_INVALID_CONFIG before any request', async () => {
  const cluster = new FakeCluster();
  for (const opts of [{ masters: [] }, { masters: ['no-port'] }, { masters: ['h:1'], operationTimeoutMs: -1 }, { masters: ['h:1'], scannerCaching: 0 }, { masters: ['h:1'], nonces: 'yes' as unknown as boolean }]) {
    await assert.rejects(Connection.connect(opts, deps(cluster)), (e: unknown) => e instanceof InvalidError && e.code === ErrorCodes.INVALID_CONFIG, JSON.stringify(opts));
  }
});

/** A server that accepts connections and never answers. */
async function silentServer(): Promise<{ address: string; close: () => Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const srv = net.createServer((s) => sockets.add(s));
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  return {
    address: `127.0.0.1:${(srv.address() as AddressInfo).port}`,
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise<void>((r) => srv.close(() => r()));
    },
  };
}

test('a POST the active master never answers (a paused master) is sent again with the same nonce to the other master', async () => {
  const cluster = new FakeCluster();
  const m = await startFakeMasters(2, clusterRoutes(cluster, (req) => (req.path === '/namespaces' && req.method === 'POST' ? {} : undefined)));
  try {
    // System clock, short request timeout: the POST really waits for it.
    const conn = await Connection.connect({ masters: m.addresses, rpcTimeoutMs: 300, retryPauseMs: 10 }, { pool: cluster.pool() });
    m.silent.add(0);
    m.leader = 1;
    await conn.getAdmin().createNamespace('ns1');
    const posts = m.requests.filter((r) => r.method === 'POST');
    assert.deepEqual(
      posts.map((r) => r.master),
      [m.addresses[0], m.addresses[1]],
    );
    assert.match(posts[0]!.nonce ?? '', /^[0-9a-f]{1,16}-[0-9a-f]{1,16}$/);
    assert.equal(posts[1]!.nonce, posts[0]!.nonce, 'the retry names the same operation');
    assert.equal(conn.activeMaster, m.addresses[1]);
    await conn.getAdmin().createNamespace('ns2');
    const third = m.requests.filter((r) => r.method === 'POST')[2]!;
    assert.notEqual(third.nonce, posts[0]!.nonce, 'a new call, a new nonce');
    await conn.close();
  } finally {
    await m.stop();
  }
});

test('without nonces, a POST the active master never answers fails with TSB_UNAVAILABLE, is not sent again, and the next request goes to the other master', async () => {
  const cluster = new FakeCluster();
  const m = await startFakeMasters(2, clusterRoutes(cluster, (req) => (req.path === '/namespaces' && req.method === 'POST' ? {} : undefined)));
  try {
    const conn = await Connection.connect({ masters: m.addresses, rpcTimeoutMs: 300, retryPauseMs: 10, nonces: false }, { pool: cluster.pool() });
    assert.equal(conn.activeMaster, m.addresses[0]);
    m.silent.add(0);
    m.leader = 1;
    await assert.rejects(
      conn.getAdmin().createNamespace('ns1'),
      (e: unknown) => e instanceof UnavailableError && e.code === ErrorCodes.UNAVAILABLE && /timed out/.test(e.message),
    );
    const posts = (): string[] => m.requests.filter((r) => r.method === 'POST').map((r) => r.master);
    assert.deepEqual(posts(), [m.addresses[0]], 'the POST is not sent again: the silent master may have processed it');
    assert.equal(m.requests.find((r) => r.method === 'POST')?.nonce, undefined);
    assert.equal(conn.activeMaster, m.addresses[1]);
    await conn.getAdmin().createNamespace('ns2');
    assert.deepEqual(posts(), [m.addresses[0], m.addresses[1]]);
    await conn.close();
  } finally {
    await m.stop();
  }
});

test('a master that does not answer is abandoned after the request timeout and the next one is tried', async () => {
  const cluster = new FakeCluster();
  const silent = await silentServer();
  const m = await startFakeMasters(1, clusterRoutes(cluster));
  try {
    const d = deps(cluster);
    const p = Connection.connect({ masters: [silent.address, m.addresses[0]!], rpcTimeoutMs: 5_000, retryPauseMs: 10 }, d);
    for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
    d.clock.advance(5_000); // the request timeout (injected clock)
    const conn = await p;
    assert.equal(conn.activeMaster, m.addresses[0]);
    await conn.close();
    // On the system clock the timeout is a real one.
    await assert.rejects(
      Connection.connect({ masters: [silent.address], rpcTimeoutMs: 100, operationTimeoutMs: 300, retryPauseMs: 10 }, { pool: cluster.pool() }),
      (e: unknown) => e instanceof UnavailableError && e.code === ErrorCodes.TIMEOUT && /timed out/.test((e.cause as Error).message),
    );
  } finally {
    await silent.close();
    await m.stop();
  }
});
