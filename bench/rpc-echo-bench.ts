// npx tsc -p . && node dist/bench/rpc-echo-bench.js [--quick] [--callers N] [--payload BYTES] [--ms MS] [--rounds N] [--inline] [--only-rpc]
//
// The data RPC's transport ceiling: PING calls with a 1 KiB payload from N concurrent
// callers (each waits for its answer, then calls again) over ONE multiplexed connection
// (common/rpc/rpc-client.ts) to the echo server (common/rpc/echo-server.ts). The server runs
// in a worker thread (its own event loop, as a region server on loopback would be), or in
// the same thread with --inline.
//
// Baseline, in the same run, alternating rounds: a raw TCP echo (the server writes back every
// byte it reads, no frame parsing) driven by the same client, so `vs_raw` is the cost of the
// server side of the framing (decode, dispatch, encode, coalesced writes).
// Last line: RESULT bench=rpc-echo calls_per_s=… p50_ms=… p99_ms=… cpu_us_per_call=… raw_calls_per_s=… raw_cpu_us_per_call=… vs_raw=…
// (cpu_us_per_call: process CPU time, client and server threads together, per call.)

import net from 'node:net';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { createRpcClient } from '../common/rpc/rpc-client.js';
import { startEchoServer } from '../common/rpc/echo-server.js';
import { alternate, fmt, median, percentile, summary } from './stats.js';

type ServerKind = 'rpc' | 'raw';

async function startServer(kind: ServerKind): Promise<{ port: number; close(): Promise<void> }> {
  if (kind === 'rpc') {
    const s = await startEchoServer({ host: '127.0.0.1', port: 0 });
    return { port: s.port, close: () => s.close({ graceful: false }) };
  }
  const sockets = new Set<net.Socket>();
  const server = net.createServer({ noDelay: true }, (socket) => {
    sockets.add(socket);
    socket.on('data', (d) => socket.write(d));
    socket.on('error', () => {});
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const addr = server.address() as net.AddressInfo;
  return {
    port: addr.port,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

if (!isMainThread) {
  // Server side in a worker: start, report the port, stop on request.
  const kind = (workerData as { kind: ServerKind }).kind;
  const s = await startServer(kind);
  parentPort!.postMessage({ port: s.port });
  parentPort!.once('message', () => {
    void s.close().then(() => process.exit(0));
  });
}

async function serverIn(kind: ServerKind, inline: boolean): Promise<{ port: number; close(): Promise<void> }> {
  if (inline) return startServer(kind);
  const w = new Worker(new URL(import.meta.url), { workerData: { kind } });
  const port = await new Promise<number>((resolve, reject) => {
    w.once('message', (m: { port: number }) => resolve(m.port));
    w.once('error', reject);
  });
  return {
    port,
    close: async () => {
      const exited = new Promise<void>((resolve) => w.once('exit', () => resolve()));
      w.postMessage('stop');
      await exited;
    },
  };
}

interface RoundResult {
  readonly callsPerS: number;
  /** Process CPU time (client and server threads) per call: steadier than calls/s on a shared machine. */
  readonly cpuUsPerCall: number;
  readonly p50: number;
  readonly p99: number;
}

/** `callers` closed-loop callers for `ms` (after a short warm-up) on one client. */
async function runEchoRound(address: string, callers: number, payloadBytes: number, ms: number): Promise<RoundResult> {
  const client = createRpcClient(address, { timeoutMs: 30_000 });
  const payload = Buffer.alloc(payloadBytes, 0x61);
  try {
    // Warm-up: connect and let the JIT see the path.
    const warmEnd = performance.now() + Math.min(500, ms / 4);
    await Promise.all(
      Array.from({ length: callers }, async () => {
        while (performance.now() < warmEnd) await client.call('PING', { payload });
      }),
    );
    const latencies: number[] = [];
    let calls = 0;
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    const end = t0 + ms;
    await Promise.all(
      Array.from({ length: callers }, async () => {
        while (true) {
          const s = performance.now();
          if (s >= end) return;
          const res = await client.call('PING', { payload });
          if (res.payload.length !== payloadBytes) throw new Error('echo returned a different payload');
          latencies.push(performance.now() - s);
          calls++;
        }
      }),
    );
    const seconds = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    return { callsPerS: calls / seconds, cpuUsPerCall: (cpu.user + cpu.system) / calls, p50: percentile(latencies, 50), p99: percentile(latencies, 99) };
  } finally {
    await client.close();
  }
}

if (isMainThread) {
  const args = process.argv.slice(2);
  const quick = args.includes('--quick');
  const flag = (name: string, dflt: number): number => {
    const i = args.indexOf(name);
    return i >= 0 && args[i + 1] !== undefined ? Number(args[i + 1]) : dflt;
  };
  const inline = args.includes('--inline');
  const CALLERS = flag('--callers', 64);
  const PAYLOAD = flag('--payload', 1024);
  const MS = flag('--ms', quick ? 2000 : 5000);
  const ROUNDS = flag('--rounds', quick ? 3 : 5);

  const round = (kind: ServerKind) => async (): Promise<RoundResult> => {
    const server = await serverIn(kind, inline);
    try {
      return await runEchoRound(`127.0.0.1:${server.port}`, CALLERS, PAYLOAD, MS);
    } finally {
      await server.close();
    }
  };
  const rpcResults: RoundResult[] = [];
  const rawResults: RoundResult[] = [];
  const wrap = (kind: ServerKind, sink: RoundResult[]) => async (): Promise<number> => {
    const r = await round(kind)();
    sink.push(r);
    console.log(`${kind.padEnd(3)} calls/s=${r.callsPerS.toFixed(0)} cpu_us/call=${r.cpuUsPerCall.toFixed(1)} p50_ms=${r.p50.toFixed(3)} p99_ms=${r.p99.toFixed(3)}`);
    return r.callsPerS;
  };
  console.log(`rpc echo: ${CALLERS} callers, ${PAYLOAD}-byte payload, ${MS} ms x ${ROUNDS} rounds, server ${inline ? 'inline' : 'in a worker thread'}`);
  const onlyRpc = args.includes('--only-rpc'); // for profiling: no baseline rounds
  const { a, b } = onlyRpc ? { a: [await wrap('rpc', rpcResults)()], b: [NaN] } : await alternate(ROUNDS, wrap('rpc', rpcResults), wrap('raw', rawResults));
  const p50 = median(rpcResults.map((r) => r.p50));
  const p99 = median(rpcResults.map((r) => r.p99));
  const cpu = median(rpcResults.map((r) => r.cpuUsPerCall));
  const rawCpu = onlyRpc ? NaN : median(rawResults.map((r) => r.cpuUsPerCall));
  console.log(`rpc echo calls/s ${summary(a, 0)}; raw tcp echo calls/s ${summary(b, 0)}`);
  console.log(
    `RESULT bench=rpc-echo calls_per_s=${fmt(median(a), 0)} p50_ms=${fmt(p50, 3)} p99_ms=${fmt(p99, 3)} cpu_us_per_call=${fmt(cpu, 1)} raw_calls_per_s=${fmt(median(b), 0)} raw_cpu_us_per_call=${fmt(rawCpu, 1)} vs_raw=${fmt(median(a) / median(b), 3)}`,
  );
}
