import assert from 'node:assert/strict';
import net from 'node:net';
import { after, test } from 'node:test';
import { ErrorCodes, InvalidError, NotServingRegionError, TsbaseError } from '../errors.js';
import { RpcMethod } from './rpc-messages.js';
import type { RpcHandlers } from './rpc-messages.js';
import { ByteWriter } from './byte-writer.js';
import { FrameDecoder, frameBodyStart, frameCallId, frameFlags, frameMethod } from './frame-decoder.js';
import { ByteReader } from './byte-reader.js';
import { createRpcClient } from './rpc-client.js';
import { echoHandlers } from './echo-server.js';
import { startRpcServer } from './rpc-server.js';
import type { RpcServer } from './rpc-server.js';
import { encodeRequest } from './rpc-codec.js';
import { decodeErrorBody } from './wire-error-codec.js';
import { FLAG_ERROR } from './rpc-format.js';
import type { WireError } from '../error-wire.js';

/** Handlers: PING echoes (echoHandlers), the given overrides; everything else fails. */
function handlers(overrides: Partial<RpcHandlers> = {}): RpcHandlers {
  return { ...echoHandlers(), ...overrides };
}

const servers: RpcServer[] = [];
after(async () => {
  for (const s of servers) await s.close({ graceful: false });
});

async function server(opts: { maxFrameBytes?: number; maxValueBytes?: number; handlers?: Partial<RpcHandlers> } = {}): Promise<RpcServer> {
  const s = await startRpcServer({ host: '127.0.0.1', port: 0, handlers: handlers(opts.handlers), maxFrameBytes: opts.maxFrameBytes, maxValueBytes: opts.maxValueBytes });
  servers.push(s);
  return s;
}

interface Answer {
  callId: number;
  method: number;
  flags: number;
  error?: WireError;
}

/** Sends raw bytes on a fresh connection; collects the server's frames until it closes the connection (or 5 s). */
function rawExchange(port: number, bytes: Buffer): Promise<{ answers: Answer[]; closedByServer: boolean }> {
  return new Promise((resolve) => {
    const answers: Answer[] = [];
    const decoder = new FrameDecoder(1 << 20, (buf, start, end) => {
      const flags = frameFlags(buf, start);
      const a: Answer = { callId: frameCallId(buf, start), method: frameMethod(buf, start), flags };
      if (flags & FLAG_ERROR) a.error = decodeErrorBody(new ByteReader(buf, frameBodyStart(start), end));
      answers.push(a);
    });
    const socket = net.connect(port, '127.0.0.1', () => socket.write(bytes));
    const timer = setTimeout(() => {
      socket.destroy();
      resolve({ answers, closedByServer: false });
    }, 5000);
    socket.on('data', (d) => decoder.push(d));
    socket.on('error', () => {});
    socket.on('close', () => {
      clearTimeout(timer);
      resolve({ answers, closedByServer: true });
    });
  });
}

function frames(f: (w: ByteWriter) => void, preamble = true): Buffer {
  const w = new ByteWriter();
  if (preamble) w.preamble();
  f(w);
  return Buffer.concat(w.take());
}

function call(w: ByteWriter, callId: number, method: number, req: unknown, flags = 0): void {
  w.beginFrame(callId, method, flags);
  encodeRequest(w, method, req);
  w.endFrame();
}

const ping = (w: ByteWriter, callId: number): void => call(w, callId, RpcMethod.PING, { payload: Buffer.from('hi') });

test('each kind of malformed frame gets one TSB_PROTOCOL error frame and closes only that connection', async () => {
  let release!: () => void;
  const slow = new Promise<void>((r) => (release = r));
  const s = await server({
    maxFrameBytes: 4096,
    handlers: {
      FLUSH_REGION: async () => {
        await slow;
        return {};
      },
    },
  });
  const good = createRpcClient(s.address);
  assert.deepEqual((await good.call('PING', { payload: Buffer.from('before') })).payload, Buffer.from('before'));
  // A call of the good client stays in flight while bad connections come and go.
  const inFlight = good.call('FLUSH_REGION', { region: 'abc' });

  const cases: { name: string; bytes: Buffer; callId: number; pattern: RegExp }[] = [
    { name: 'http request instead of a preamble', bytes: Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'), callId: 0, pattern: /preamble is not tsbase rpc/ },
    {
      name: 'unsupported version',
      bytes: (() => {
        const b = frames(() => {});
        b.writeUInt16BE(99, 4);
        return b;
      })(),
      callId: 0,
      pattern: /unsupported rpc protocol version/,
    },
    { name: 'length under the header', bytes: Buffer.concat([frames(() => {}), Buffer.from([0, 0, 0, 2, 0, 0])]), callId: 0, pattern: /shorter than its header/ },
    {
      name: 'length over the limit',
      bytes: Buffer.concat([frames(() => {}), Buffer.from([0, 0, 0x10, 0, 0, 0, 0, 7, RpcMethod.MUTATE, 0])]),
      callId: 7,
      pattern: /larger than the limit/,
    },
    {
      name: 'unknown method',
      bytes: frames((w) => {
        ping(w, 1);
        w.beginFrame(2, 77, 0);
        w.endFrame();
      }),
      callId: 2,
      pattern: /unknown rpc method/,
    },
    {
      name: 'reserved flags',
      bytes: frames((w) => call(w, 3, RpcMethod.PING, { payload: Buffer.alloc(1) }, 0x80)),
      callId: 3,
      pattern: /reserved flags/,
    },
    {
      name: 'undecodable body (truncated get)',
      bytes: frames((w) => {
        w.beginFrame(4, RpcMethod.GET, 0);
        w.str16('region', 'region');
        w.u16(50); // a 50-byte row that is not there
        w.endFrame();
      }),
      callId: 4,
      pattern: /truncated/,
    },
    {
      name: 'bad mutation kind',
      bytes: frames((w) => {
        w.beginFrame(5, RpcMethod.MUTATE, 0);
        w.str16('region', 'region');
        w.u8(42);
        w.endFrame();
      }),
      callId: 5,
      pattern: /invalid value/,
    },
    { name: 'call id 0', bytes: frames((w) => ping(w, 0)), callId: 0, pattern: /call id 0 is reserved/ },
  ];
  for (const c of cases) {
    const { answers, closedByServer } = await rawExchange(s.port, c.bytes);
    assert.ok(closedByServer, `${c.name}: the server closes the connection`);
    const errors = answers.filter((a) => a.error !== undefined);
    assert.equal(errors.length, 1, `${c.name}: one error frame`);
    assert.equal(errors[0]!.callId, c.callId, `${c.name}: call id`);
    assert.equal(errors[0]!.error!.code, ErrorCodes.PROTOCOL, c.name);
    assert.match(errors[0]!.error!.message, c.pattern, c.name);
    // The other client is unaffected.
    assert.deepEqual((await good.call('PING', { payload: Buffer.from(c.name) })).payload, Buffer.from(c.name), `${c.name}: other client`);
  }
  release();
  assert.deepEqual(await inFlight, {});
  await good.close();
});

test('a value over maxValueBytes fails that call with TSB_VALUE_TOO_LARGE and keeps the connection', async () => {
  let puts = 0;
  const s = await server({
    maxValueBytes: 100,
    handlers: {
      MUTATE: async () => {
        puts++;
        return {};
      },
    },
  });
  const c = createRpcClient(s.address);
  const put = (n: number) => c.call('MUTATE', { region: 'r', mutation: { kind: 'put', row: Buffer.from('r'), columns: [{ family: Buffer.from('f'), qualifier: Buffer.from('q'), value: Buffer.alloc(n) }] } });
  await assert.rejects(put(101), (e: unknown) => e instanceof InvalidError && e.code === ErrorCodes.VALUE_TOO_LARGE && !e.retryable);
  await put(100);
  assert.equal(puts, 1);
  assert.equal(s.connections, 1);
  await c.close();
});

test('handler errors come back as their class and code; foreign errors as TSB_INTERNAL; answers are encoded errors too', async () => {
  const s = await server({
    handlers: {
      GET: async () => {
        throw new NotServingRegionError('region moved; retry at the new location', { code: ErrorCodes.REGION_MOVED, details: { location: '10.0.0.9:16020' } });
      },
      MUTATE: async () => {
        throw new TypeError('boom');
      },
      // An answer that cannot be encoded (a cell of another row) → TSB_INVALID_ARGUMENT for that call.
      INCREMENT: async () => ({ result: { row: Buffer.from('a'), cells: [{ row: Buffer.from('b'), family: Buffer.from('f'), qualifier: Buffer.from('q'), timestamp: 1n, type: 4, value: Buffer.alloc(8) }] } }),
    },
  });
  const c = createRpcClient(s.address);
  await assert.rejects(c.call('GET', { region: 'r', get: { row: Buffer.from('x') } }), (e: unknown) => {
    assert.ok(e instanceof NotServingRegionError);
    assert.equal(e.code, ErrorCodes.REGION_MOVED);
    assert.equal(e.details['location'], '10.0.0.9:16020');
    assert.equal(e.retryable, true);
    return true;
  });
  await assert.rejects(c.call('MUTATE', { region: 'r', mutation: { kind: 'delete', row: Buffer.from('x'), columns: [] } }), (e: unknown) => e instanceof TsbaseError && e.code === ErrorCodes.INTERNAL && /boom/.test(e.message));
  await assert.rejects(c.call('INCREMENT', { region: 'r', increment: { row: Buffer.from('a'), columns: [] } }), (e: unknown) => e instanceof TsbaseError && e.code === ErrorCodes.INVALID_ARGUMENT);
  assert.deepEqual((await c.call('PING', { payload: Buffer.from('still ok') })).payload, Buffer.from('still ok'));
  await c.close();
});

test('graceful close answers running calls, refuses new ones with TSB_UNAVAILABLE, and stops accepting', async () => {
  let release!: () => void;
  const slow = new Promise<void>((r) => (release = r));
  let started!: () => void;
  const begun = new Promise<void>((r) => (started = r));
  const s = await startRpcServer({
    host: '127.0.0.1',
    port: 0,
    handlers: handlers({
      FLUSH_REGION: async () => {
        started();
        await slow;
        return {};
      },
    }),
  });
  const c = createRpcClient(s.address, { connectTimeoutMs: 2000 });
  const running = c.call('FLUSH_REGION', { region: 'r' });
  await begun;
  assert.equal(s.inFlight, 1);
  const closing = s.close({ graceful: true, timeoutMs: 10_000 });
  // A call sent while stopping is refused, retryably.
  await assert.rejects(c.call('PING', { payload: Buffer.alloc(1) }), (e: unknown) => e instanceof TsbaseError && e.code === ErrorCodes.UNAVAILABLE && e.retryable);
  release();
  assert.deepEqual(await running, {});
  await closing;
  await assert.rejects(c.call('PING', { payload: Buffer.alloc(1) }), (e: unknown) => e instanceof TsbaseError && e.code === ErrorCodes.UNAVAILABLE);
  await c.close();
});

test('listening on a port in use fails with TSB_UNAVAILABLE', async () => {
  const s = await server();
  await assert.rejects(startRpcServer({ host: '127.0.0.1', port: s.port, handlers: handlers() }), (e: unknown) => e instanceof TsbaseError && e.code === ErrorCodes.UNAVAILABLE);
});

test('a connection with maxInFlightPerConnection calls running is not read further until half are answered', async () => {
  const waiting: (() => void)[] = [];
  let running = 0;
  let maxRunning = 0;
  const s = await startRpcServer({
    host: '127.0.0.1',
    port: 0,
    maxInFlightPerConnection: 4,
    handlers: handlers({
      FLUSH_REGION: async () => {
        running++;
        maxRunning = Math.max(maxRunning, running);
        await new Promise<void>((r) => waiting.push(r));
        running--;
        return {};
      },
    }),
  });
  servers.push(s);
  const c = createRpcClient(s.address);
  const calls = Array.from({ length: 20 }, () => c.call('FLUSH_REGION', { region: 'r' })); // one socket write
  let done = 0;
  calls.forEach((p) => void p.then(() => done++));
  const tick = () => new Promise((r) => setTimeout(r, 5));
  while (running < 4) await tick();
  while (done < 20) {
    await tick(); // give any call over the limit the chance to start
    assert.ok(running <= 4, `running=${running}`);
    waiting.splice(0).forEach((f) => f());
  }
  await Promise.all(calls);
  assert.equal(maxRunning, 4);
  await c.close();
});
