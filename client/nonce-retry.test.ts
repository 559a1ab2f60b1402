// The client's increments against real region servers over the real data RPC (an in-process
// master and servers, master/in-process-cluster.ts) when the answer of an applied increment
// never reaches the client: the connection breaks, the call times out, or the server is
// killed and its region reopened elsewhere from its WAL. With nonces the client retries and
// the counter moves once (docs/rfcs/0006-operation-nonces.md).

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { clusterKeys } from '../common/coordination/cluster-keys.js';
import { ErrorCodes, TsbaseError } from '../common/errors.js';
import { createRpcClientPool } from '../common/rpc/rpc-client-pool.js';
import type { RpcClientPool, RpcRequests, RpcResponses } from '../common/rpc/rpc-messages.js';
import { startRpcServer } from '../common/rpc/rpc-server.js';
import { InProcessCluster } from '../master/in-process-cluster.js';
import type { Master } from '../master/master.js';
import type { RegionServer } from '../regionserver/server/region-server.js';
import type { RpcServerFactory } from '../regionserver/server/rpc-listener.js';
import type { TcpProxy } from '../testing/tcp-proxy.js';
import { startTcpProxy } from '../testing/tcp-proxy.js';
import type { ConnectionOptions } from './client-types.js';
import { Connection } from './connection.js';

type IncrementHook = (req: RpcRequests['INCREMENT'], apply: () => Promise<RpcResponses['INCREMENT']>) => Promise<RpcResponses['INCREMENT']>;

/** Per server: what its INCREMENT handler does (set by a test for one call), and how many it got. */
interface Hooked {
  onIncrement: IncrementHook | undefined;
  increments: number;
}

/**
 * The real RPC server with the INCREMENT handler wrapped by the server's hook. It closes like a
 * killed process: running calls are not answered.
 */
function hookedRpc(h: Hooked): RpcServerFactory {
  return async (o) => {
    const handlers = {
      ...o.handlers,
      INCREMENT: (req: RpcRequests['INCREMENT'], ctx: { peer: string }) => {
        h.increments++;
        const hook = h.onIncrement;
        h.onIncrement = undefined; // once
        return hook === undefined ? o.handlers.INCREMENT(req, ctx) : hook(req, () => o.handlers.INCREMENT(req, ctx));
      },
    };
    const s = await startRpcServer({ host: o.host, port: o.port, handlers, maxValueBytes: o.maxValueBytes, logger: o.logger });
    return { port: s.port, close: () => s.close({ graceful: false }) };
  };
}

const cluster = new InProcessCluster('nonce');
const F = Buffer.from('f');
const Q = Buffer.from('n');
/** Every client reaches the servers through a loopback proxy (address → proxy). */
const proxies = new Map<string, TcpProxy>();
const hooks = new Map<RegionServer, Hooked>();
let master: Master;
let stable: RegionServer; // hosts META; never killed
let victim: RegionServer; // hosts table t's region

async function startHookedServer(): Promise<RegionServer> {
  const h: Hooked = { onIncrement: undefined, increments: 0 };
  const s = await cluster.startServer({ rpcServer: hookedRpc(h), stopWaitMs: 0 });
  hooks.set(s, h);
  const [host, port] = s.rpcAddress.split(':') as [string, string];
  proxies.set(s.rpcAddress, await startTcpProxy(host, Number(port)));
  return s;
}

/** An RPC pool that dials each server through its proxy. */
function proxiedPool(): RpcClientPool {
  const inner = createRpcClientPool({ timeoutMs: 10_000 });
  return { client: (address) => inner.client(proxies.get(address)?.address ?? address), close: () => inner.close() };
}

async function connect(opts: Partial<ConnectionOptions> = {}): Promise<Connection> {
  return Connection.connect({ masters: [master.httpAddress], operationTimeoutMs: 60_000, rpcTimeoutMs: 10_000, retryPauseMs: 50, ...opts }, { pool: proxiedPool() });
}

before(async () => {
  stable = await startHookedServer();
  master = await cluster.startMaster(); // META opens on the only server
  victim = await startHookedServer();
  const conn = await connect();
  try {
    const admin = conn.getAdmin();
    await admin.createTable({ name: 't', families: [{ NAME: 'f' }] });
    const [r] = await admin.getRegions('t');
    if (r!.serverName !== victim.serverName) await admin.move(r!.region.encodedName, victim.serverName);
    assert.equal((await admin.getRegions('t'))[0]!.serverName, victim.serverName);
  } finally {
    await conn.close();
  }
});

after(async () => {
  await cluster.close();
  for (const p of proxies.values()) await p.close();
});

async function counter(conn: Connection, row: string): Promise<bigint | undefined> {
  const r = await conn.getTable('t').get({ row: Buffer.from(row) });
  return r.cells[0]?.value.readBigInt64BE(0);
}

test('the connection breaks after the server applied an increment: the client resends it and it is applied once', { timeout: 60_000 }, async () => {
  const conn = await connect();
  const h = hooks.get(victim)!;
  try {
    const before = h.increments;
    h.onIncrement = async (_req, apply) => {
      const res = await apply(); // durable and visible
      proxies.get(victim.rpcAddress)!.cut(); // both TCP connections die before the answer is written
      proxies.get(victim.rpcAddress)!.heal();
      await new Promise((r) => setTimeout(r, 20));
      return res;
    };
    assert.equal(await conn.getTable('t').incrementColumnValue(Buffer.from('a'), F, Q, 1n), 1n);
    assert.equal(h.increments - before, 2, 'the first attempt reached the server, and the retry');
    assert.equal(await counter(conn, 'a'), 1n, 'applied once');
    assert.equal(await conn.getTable('t').incrementColumnValue(Buffer.from('a'), F, Q, 1n), 2n);
  } finally {
    await conn.close();
  }
});

test('control: without nonces the same lost answer surfaces as an error, and the increment was applied all the same', { timeout: 60_000 }, async () => {
  const conn = await connect({ nonces: false });
  const h = hooks.get(victim)!;
  try {
    h.onIncrement = async (_req, apply) => {
      const res = await apply();
      proxies.get(victim.rpcAddress)!.cut();
      proxies.get(victim.rpcAddress)!.heal();
      await new Promise((r) => setTimeout(r, 20));
      return res;
    };
    await assert.rejects(conn.getTable('t').incrementColumnValue(Buffer.from('b'), F, Q, 1n), (e: unknown) => e instanceof TsbaseError && e.code === ErrorCodes.UNAVAILABLE);
    assert.equal(await counter(conn, 'b'), 1n, 'the server applied it: a blind resend would have made it 2');
  } finally {
    await conn.close();
  }
});

test('the answer comes after the client timed out: the retry waits for or finds the first attempt, and the counter moves once', { timeout: 60_000 }, async () => {
  const conn = await connect({ rpcTimeoutMs: 500 });
  const h = hooks.get(victim)!;
  try {
    const before = h.increments;
    h.onIncrement = async (_req, apply) => {
      const res = await apply();
      await new Promise((r) => setTimeout(r, 1_000)); // past the client's RPC timeout
      return res;
    };
    assert.equal(await conn.getTable('t').incrementColumnValue(Buffer.from('c'), F, Q, 5n), 5n);
    assert.equal(h.increments - before, 2);
    assert.equal(await counter(conn, 'c'), 5n);
  } finally {
    await conn.close();
  }
});

// Last: it kills the victim.
test('failover: the server is killed after the increment was durable and before it answered; its region reopens elsewhere from the WAL and answers the retry', { timeout: 120_000 }, async () => {
  const conn = await connect();
  const h = hooks.get(victim)!;
  const t = conn.getTable('t');
  try {
    assert.equal(await t.incrementColumnValue(Buffer.from('d'), F, Q, 1n), 1n);
    h.onIncrement = async (_req, apply) => {
      const res = await apply(); // the WAL edit (with the nonce) is durable
      // kill -9: the process stops acknowledging and its connections die unanswered; its
      // lease is gone, so the master splits its WAL and reopens the region on the other server.
      victim.fence(new Error('simulated kill -9'), 'test');
      const entry = await cluster.coord.get(clusterKeys('nonce').server(victim.serverName));
      if (entry?.lease !== undefined) cluster.coord.expireLease(entry.lease);
      await victim.stop();
      return res; // never sent: the RPC port is closed
    };
    assert.equal(await t.incrementColumnValue(Buffer.from('d'), F, Q, 1n), 2n, 'the retry is answered from the replayed state');
    const regions = await conn.getAdmin().getRegions('t');
    assert.equal(regions[0]!.serverName, stable.serverName, 'the region moved to the surviving server');
    assert.ok(stable.nonces.size >= 1, 'which learnt the nonce from the replayed WAL edit');
    assert.equal(await counter(conn, 'd'), 2n, 'the increment was applied once');
    assert.equal(await t.incrementColumnValue(Buffer.from('d'), F, Q, 1n), 3n);
  } finally {
    await conn.close();
  }
});
