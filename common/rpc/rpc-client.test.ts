import assert from 'node:assert/strict';
import net from 'node:net';
import { after, test } from 'node:test';
import { ErrorCodes, FencedError, InvalidError, TsbaseError, UnavailableError } from '../errors.js';
import type { RpcHandlers } from './rpc-messages.js';
import { createRpcClient, parseAddress } from './rpc-client.js';
import { createRpcClientPool } from './rpc-client-pool.js';
import { startRpcServer } from './rpc-server.js';
import type { RpcServer } from './rpc-server.js';
import { echoHandlers, startEchoServer } from './echo-server.js';

/** Handlers: PING echoes (echoHandlers), the given overrides; everything else fails. */
function handlers(overrides: Partial<RpcHandlers> = {}): RpcHandlers {
  return { ...echoHandlers(), ...overrides };
}

const servers: RpcServer[] = [];
after(async () => {
  for (const s of servers) await s.close({ graceful: false });
});

async function server(h: Partial<RpcHandlers> = {}, port = 0, maxFrameBytes?: number): Promise<RpcServer> {
  const s = await startRpcServer({ host: '127.0.0.1', port, handlers: handlers(h), maxFrameBytes });
  servers.push(s);
  return s;
}

const unavailable = (code: string) => (e: unknown) => e instanceof UnavailableError && e.code === code && e.retryable;

test('many concurrent calls share one connection, are all in flight at once, and get their own answers in any order', async () => {
  const N = 200;
  const waiting: (() => void)[] = [];
  let maxInFlight = 0;
  let allArrived!: () => void;
  const arrived = new Promise<void>((r) => (allArrived = r));
  const s = await server({
    // Each GET waits until all N have arrived (so they were pipelined, not sent one by one),
    // then they are released in reverse order of arrival.
    GET: async (req) => {
      await new Promise<void>((resolve) => {
        waiting.push(resolve);
        maxInFlight = Math.max(maxInFlight, waiting.length);
        if (waiting.length === N) allArrived();
      });
      return { result: { row: req.get.row, cells: [] }, exists: false };
    },
  });
  const c = createRpcClient(s.address);
  const calls = Array.from({ length: N }, (_, i) => c.call('GET', { region: 'r', get: { row: Buffer.from(`row-${i}`) } }));
  await arrived;
  assert.equal(maxInFlight, N);
  assert.equal(s.connections, 1);
  const order: number[] = [];
  calls.forEach((p, i) => void p.then(() => order.push(i)));
  for (let i = waiting.length - 1; i >= 0; i--) {
    waiting[i]!();
    await new Promise((r) => setImmediate(r)); // one answer per turn: answers really go out in reverse
  }
  const results = await Promise.all(calls);
  results.forEach((r, i) => assert.deepEqual(r.result.row, Buffer.from(`row-${i}`)));
  assert.deepEqual(order, Array.from({ length: N }, (_, i) => N - 1 - i));
  await c.close();
});

test('pipelined calls of different methods and sizes, including frames of several MiB, all complete correctly', async () => {
  const s = await startEchoServer({ host: '127.0.0.1', port: 0 });
  servers.push(s);
  const c = createRpcClient(s.address);
  const sizes = [0, 1, 1023, 65_536, 3 * 1024 * 1024, 17, 200_000];
  const payloads = sizes.map((n, i) => Buffer.alloc(n, i + 1));
  const answers = await Promise.all(payloads.map((payload) => c.call('PING', { payload })));
  answers.forEach((a, i) => assert.ok(a.payload.equals(payloads[i]!), `payload ${i}`));
  // The echo server answers other methods with an error, on the same connection.
  await assert.rejects(c.call('SERVER_INFO', {}), (e: unknown) => e instanceof InvalidError && e.code === ErrorCodes.INVALID_ARGUMENT);
  await c.close();
});

test('a call without an answer times out with TSB_TIMEOUT (own and default timeouts); a late answer is ignored', async () => {
  let release!: () => void;
  const slow = new Promise<void>((r) => (release = r));
  const s = await server({
    FLUSH_REGION: async () => {
      await slow;
      return {};
    },
  });
  const c = createRpcClient(s.address, { timeoutMs: 100 });
  await assert.rejects(c.call('FLUSH_REGION', { region: 'r' }), unavailable(ErrorCodes.TIMEOUT)); // default timeout
  await assert.rejects(c.call('FLUSH_REGION', { region: 'r' }, { timeoutMs: 30 }), unavailable(ErrorCodes.TIMEOUT)); // own timeout
  // Calls with the default timeout expire independently of faster ones answered meanwhile.
  const stuck = c.call('FLUSH_REGION', { region: 'r' });
  assert.deepEqual((await c.call('PING', { payload: Buffer.from('x') })).payload, Buffer.from('x'));
  await assert.rejects(stuck, unavailable(ErrorCodes.TIMEOUT));
  release(); // the late answers arrive and are dropped
  await new Promise((r) => setTimeout(r, 20));
  assert.deepEqual((await c.call('PING', { payload: Buffer.from('y') })).payload, Buffer.from('y'));
  assert.equal(c.pendingCalls, 0);
  await c.close();
});

test('a server closing mid-call fails the pending calls with retryable TSB_UNAVAILABLE', async () => {
  let started!: () => void;
  const begun = new Promise<void>((r) => (started = r));
  const s = await server({
    FLUSH_REGION: () => {
      started();
      return new Promise(() => {}); // never answers
    },
  });
  const c = createRpcClient(s.address);
  const pending = [c.call('FLUSH_REGION', { region: 'a' }), c.call('FLUSH_REGION', { region: 'b' })];
  await begun;
  await s.close({ graceful: false });
  for (const p of pending) await assert.rejects(p, unavailable(ErrorCodes.UNAVAILABLE));
  await c.close();
});

test('the client reconnects on the next call after the server restarts on the same port', async () => {
  const s1 = await server();
  const port = s1.port;
  const c = createRpcClient(s1.address, { connectTimeoutMs: 2000 });
  assert.deepEqual((await c.call('PING', { payload: Buffer.from('1') })).payload, Buffer.from('1'));
  await s1.close({ graceful: false });
  await assert.rejects(c.call('PING', { payload: Buffer.from('2') }), unavailable(ErrorCodes.UNAVAILABLE)); // refused
  const s2 = await server({}, port);
  assert.deepEqual((await c.call('PING', { payload: Buffer.from('3') })).payload, Buffer.from('3'));
  assert.equal(s2.connections, 1);
  await c.close();
});

test('connection refused is retryable TSB_UNAVAILABLE; a peer that is not a tsbase server is TSB_PROTOCOL', async () => {
  const s = await server();
  const port = s.port;
  await s.close({ graceful: false });
  const refused = createRpcClient(`127.0.0.1:${port}`);
  await assert.rejects(refused.call('PING', { payload: Buffer.alloc(1) }), unavailable(ErrorCodes.UNAVAILABLE));
  await refused.close();

  const http = net.createServer((socket) => {
    socket.on('error', () => {});
    socket.resume(); // read to the peer's close (a paused socket never notices it)
    socket.end('HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n');
  });
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  const wrong = createRpcClient(`127.0.0.1:${(http.address() as net.AddressInfo).port}`);
  await assert.rejects(wrong.call('PING', { payload: Buffer.alloc(1) }), (e: unknown) => e instanceof InvalidError && e.code === ErrorCodes.PROTOCOL && !e.retryable);
  await wrong.close();
  await new Promise<void>((r) => http.close(() => r()));
});

test('an oversized request fails with TSB_PROTOCOL, other pending calls with retryable TSB_UNAVAILABLE; the next call reconnects', async () => {
  let started!: () => void;
  const begun = new Promise<void>((r) => (started = r));
  const s = await server(
    {
      FLUSH_REGION: () => {
        started();
        return new Promise(() => {});
      },
    },
    0,
    64 * 1024,
  );
  const c = createRpcClient(s.address);
  const other = c.call('FLUSH_REGION', { region: 'r' });
  await begun;
  await assert.rejects(c.call('PING', { payload: Buffer.alloc(100_000) }), (e: unknown) => e instanceof InvalidError && e.code === ErrorCodes.PROTOCOL && /larger than the limit/.test(e.message));
  await assert.rejects(other, unavailable(ErrorCodes.UNAVAILABLE));
  assert.deepEqual((await c.call('PING', { payload: Buffer.from('again') })).payload, Buffer.from('again'));
  await c.close();
});

test('a request that cannot be encoded fails alone and sends nothing; close() fails pending and later calls with TSB_CLOSED', async () => {
  let started!: () => void;
  const begun = new Promise<void>((r) => (started = r));
  const s = await server({
    FLUSH_REGION: () => {
      started();
      return new Promise(() => {});
    },
  });
  const c = createRpcClient(s.address);
  await assert.rejects(c.call('GET', { region: 'r', get: { row: Buffer.alloc(70_000) } }), (e: unknown) => e instanceof InvalidError && e.code === ErrorCodes.INVALID_ARGUMENT);
  await assert.rejects(c.call('NOPE' as 'PING', { payload: Buffer.alloc(0) }), (e: unknown) => e instanceof InvalidError);
  assert.deepEqual((await c.call('PING', { payload: Buffer.from('ok') })).payload, Buffer.from('ok'));
  const pending = c.call('FLUSH_REGION', { region: 'r' });
  await begun;
  await c.close();
  await assert.rejects(pending, (e: unknown) => e instanceof FencedError && e.code === ErrorCodes.CLOSED);
  await assert.rejects(c.call('PING', { payload: Buffer.alloc(0) }), (e: unknown) => e instanceof FencedError && e.code === ErrorCodes.CLOSED);
});

test('the pool keeps one client per address and closes them all', async () => {
  const a = await server();
  const b = await server();
  const pool = createRpcClientPool({ timeoutMs: 5000 });
  assert.equal(pool.client(a.address), pool.client(a.address));
  assert.notEqual(pool.client(a.address), pool.client(b.address));
  await Promise.all([pool.client(a.address).call('PING', { payload: Buffer.alloc(1) }), pool.client(b.address).call('PING', { payload: Buffer.alloc(1) })]);
  assert.throws(() => pool.client('no-port'), (e: unknown) => e instanceof InvalidError);
  const held = pool.client(a.address);
  await pool.close();
  await assert.rejects(held.call('PING', { payload: Buffer.alloc(1) }), (e: unknown) => e instanceof TsbaseError && e.code === ErrorCodes.CLOSED);
  assert.throws(() => pool.client(a.address), (e: unknown) => e instanceof FencedError);
});

test('addresses parse as host:port and [ipv6]:port', () => {
  assert.deepEqual(parseAddress('10.0.0.1:16020'), { host: '10.0.0.1', port: 16020 });
  assert.deepEqual(parseAddress('rs-0.rs.ns.svc:16020'), { host: 'rs-0.rs.ns.svc', port: 16020 });
  assert.deepEqual(parseAddress('[::1]:16020'), { host: '::1', port: 16020 });
  for (const bad of ['host', 'host:', ':80', 'host:0', 'host:70000', '::1:80']) assert.throws(() => parseAddress(bad), InvalidError, bad);
});
