// npm run bench:ycsb [-- --quick] [--records N] [--seconds S] [--workers N] [--only load,A,B,C,D,E,F]
//                    [--in-memory-compaction NONE|BASIC|EAGER|ADAPTIVE]
//
// The cluster benchmark of issue 4: YCSB's core workloads against ONE region server on
// loopback (a `tsbase standalone` child process: master + region server, local WAL with one
// durable O_DSYNC write per group commit, HFiles on the local filesystem), driven by tsbase's client
// library in this process, beside the transport ceiling measured in the same run: a bare
// echo server (bench/ycsb/echo-child.ts, its own process) reached through the same RPC
// client and framing with the same message sizes (bench/ycsb/echo-db.ts).
//
//   load  BufferedMutator inserts of `records` 1 KiB rows (10 × 100-byte fields) into a
//         table pre-split into 6 regions; ceiling: echo round trips of the same batch sizes.
//         The table's family has IN_MEMORY_COMPACTION => 'EAGER' (HBase's setting for
//         workloads with high churn, as YCSB's zipfian updates are): the MemStore drops a hot
//         column's versions beyond VERSIONS as they are overwritten (regionserver/memstore/
//         version-pruner.ts). HBase's default, and tsbase's, is NONE (--in-memory-compaction
//         NONE measures it).
//   A..F  closed loop, `workers` concurrent callers for `seconds`, zipfian keys (D: latest),
//         then an open loop at half the measured peak: p99 there (p99_half_peak_ms; latency
//         counted from each operation's scheduled start, so a stall is not hidden). The open
//         loop's first fifth (at most 1 s) is a warm-up, run but not measured: the server's
//         garbage collection of the peak run spills into it.
// One line per workload:
//   RESULT bench=ycsb workload=<X> ops_per_s=<n> p50_ms=<ms> p99_ms=<ms> vs_transport=<ratio> p99_half_peak_ms=<ms>
//          cpu_us_per_op=<client>/<server> transport_cpu_us_per_op=<client>/<echo server> cpu_steal=<%>
// vs_transport = ops/s ÷ the echo's ops/s for the same operation mix. cpu_us_per_op is the
// CPU time (not wall time: robust on a loaded machine) each process spent per operation
// during the closed-loop peak run (server: /proc/<pid>/stat, 10 ms ticks). cpu_steal is the
// VM's CPU steal over the workload's ceiling, peak and half-peak runs (steal-meter.ts): a shared
// VM's steal lowers rates and raises tail latencies.

import { fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Connection } from '../client/connection.js';
import { SeededRandom } from '../common/random.js';
import { createRpcClient } from '../common/rpc/rpc-client.js';
import { spawnTsbase } from '../cli/child-process.js';
import { withServerNodeFlags } from '../cli/node-flags.js';
import { fmt } from './stats.js';
import { formatSteal, startStealMeter } from './steal-meter.js';
import { cpuPerOp, opsPerWrite, sampleCpu } from './ycsb/cpu-meter.js';
import { EchoYcsbDb, echoRequest, messageSizes } from './ycsb/echo-db.js';
import { FAMILY, rowColumns, TsbaseYcsbDb } from './ycsb/tsbase-db.js';
import type { RunResult, WorkloadName, YcsbDb } from './ycsb/workloads.js';
import { closedLoop, openLoop, runOne, WorkloadState, WORKLOADS } from './ycsb/workloads.js';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const flag = (name: string, dflt: number): number => {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] !== undefined ? Number(args[i + 1]) : dflt;
};
const RECORDS = flag('--records', quick ? 20_000 : 200_000);
const SECONDS = flag('--seconds', quick ? 3 : 15);
const WORKERS = flag('--workers', 64);
const IN_MEMORY_COMPACTION = args.includes('--in-memory-compaction') ? (args[args.indexOf('--in-memory-compaction') + 1] ?? '') : 'EAGER';
const only = new Set((args.includes('--only') ? (args[args.indexOf('--only') + 1] ?? '') : 'load,A,B,C,D,E,F').split(','));
const dist = new URL('..', import.meta.url).pathname;

function line(workload: string, r: RunResult, ceiling: number, extra = ''): void {
  console.log(
    `RESULT bench=ycsb workload=${workload} ops_per_s=${Math.round(r.opsPerSec)} p50_ms=${fmt(r.p50Ms, 3)} p99_ms=${fmt(r.p99Ms, 3)} vs_transport=${fmt(r.opsPerSec / ceiling, 3)}${extra}`,
  );
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'tsbase-ycsb-'));
  console.log(`# ycsb: records=${RECORDS} seconds=${SECONDS} workers=${WORKERS} in_memory_compaction=${IN_MEMORY_COMPACTION} dir=${dir}`);
  const server = spawnTsbase('standalone', {
    script: join(dist, 'cli/tsbase.js'),
    args: ['standalone', '--data-dir', join(dir, 'data'), '--set', 'master.httpPort=0', '--set', 'regionserver.rpcPort=0', '--set', 'regionserver.httpPort=0', '--log-level', 'warn'],
    logFile: join(dir, 'standalone.log'),
    readyTimeoutMs: 120_000,
  });
  // The echo server runs with the same node flags as the tsbase server (spawnTsbase's).
  const echo = fork(join(dist, 'bench/ycsb/echo-child.js'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv: withServerNodeFlags(process.execArgv) });
  const echoAddress = await new Promise<string>((resolve, reject) => {
    echo.once('message', (m) => resolve((m as { address: string }).address));
    echo.once('exit', (c) => reject(new Error(`echo server exited ${c}`)));
  });
  const ready = await server.ready;
  console.log(`# standalone at master ${ready.masterHttp} rpc ${ready.rpcAddress}; echo at ${echoAddress}`);
  const conn = await Connection.connect({ masters: [ready.masterHttp!] });
  const echoClient = createRpcClient(echoAddress);
  try {
    const admin = conn.getAdmin();
    const splits = ['user03', 'user06', 'user09', 'user12', 'user15'].map((s) => Buffer.from(s).toString('base64'));
    await admin.createTable({ name: 'usertable', families: [{ NAME: FAMILY.toString(), IN_MEMORY_COMPACTION }], splitKeys: splits });
    const table = conn.getTable('usertable');
    const db: YcsbDb = new TsbaseYcsbDb(table);
    const sizes = messageSizes();
    const echoDb: YcsbDb = new EchoYcsbDb(echoClient, sizes);
    const random = new SeededRandom(42);

    // Load (always: the workloads need the rows; reported when asked for).
    {
      const w = new WorkloadState('A', 0, random);
      const mutator = conn.getBufferedMutator('usertable');
      const latencies: number[] = [];
      const steal = startStealMeter();
      const cpu0 = sampleCpu([server.pid]);
      const t0 = performance.now();
      for (let i = 0; i < RECORDS; i++) {
        const s = performance.now();
        await mutator.mutate({ kind: 'put', row: w.key(i), columns: rowColumns(w.allFields()) });
        latencies.push(performance.now() - s);
      }
      await mutator.close();
      const elapsed = performance.now() - t0;
      const loadCpu = cpuPerOp(cpu0, [server.pid], RECORDS);
      // Ceiling: the same bytes in 2 MiB batches (the mutator's buffer) as echo round trips, as many in flight as servers (one).
      const perBatch = Math.floor((2 * 1024 * 1024) / sizes.insertReq);
      const batchReq = echoRequest(perBatch * sizes.insertReq, 16);
      const echoCpu0 = sampleCpu([echo.pid!]);
      const echoRun = await closedLoop(1, Math.min(3000, SECONDS * 1000), async () => {
        await echoClient.call('PING', { payload: batchReq });
      });
      const echoCpu = cpuPerOp(echoCpu0, [echo.pid!], echoRun.ops * perBatch);
      const loadResult: RunResult = { ops: RECORDS, opsPerSec: (RECORDS / elapsed) * 1000, p50Ms: pct(latencies, 50), p99Ms: pct(latencies, 99), errors: 0 };
      if (only.has('load')) line('load', loadResult, echoRun.opsPerSec * perBatch, ` rows=${RECORDS}${cpuText(loadCpu, echoCpu)} cpu_steal=${formatSteal(steal())}`);
    }

    let records = RECORDS;
    for (const name of ['A', 'B', 'C', 'F', 'D', 'E'] as WorkloadName[]) {
      if (!only.has(name) || !WORKLOADS.includes(name)) continue;
      const steal = startStealMeter();
      const ceilingState = new WorkloadState(name, records, new SeededRandom(7));
      const echoCpu0 = sampleCpu([echo.pid!]);
      const ceiling = await closedLoop(WORKERS, Math.max(1000, SECONDS * 500), () => runOne(ceilingState, echoDb));
      const echoCpu = cpuPerOp(echoCpu0, [echo.pid!], ceiling.ops);
      const echoOpw = opsPerWrite(echoCpu0, [echo.pid!], ceiling.ops);
      const state = new WorkloadState(name, records, new SeededRandom(11));
      const cpu0 = sampleCpu([server.pid]);
      const peak = await closedLoop(WORKERS, SECONDS * 1000, () => runOne(state, db));
      const cpu = cpuPerOp(cpu0, [server.pid], peak.ops);
      const opw = opsPerWrite(cpu0, [server.pid], peak.ops);
      console.log(`# ${name}: operations per write syscall (client/server): tsbase ${opw.map((x) => fmt(x, 1)).join('/')}, echo ${echoOpw.map((x) => fmt(x, 1)).join('/')}`);
      const halfMs = Math.max(1000, SECONDS * 500);
      const half = await openLoop(Math.max(1, peak.opsPerSec / 2), halfMs, WORKERS * 4, () => runOne(state, db), Math.min(1000, halfMs / 5));
      records = Math.max(records, state.records);
      if (peak.errors > 0 || half.errors > 0) console.log(`# workload ${name}: ${peak.errors + half.errors} operations failed`);
      line(name, peak, ceiling.opsPerSec, ` p99_half_peak_ms=${fmt(half.p99Ms, 3)} transport_ops_per_s=${Math.round(ceiling.opsPerSec)}${cpuText(cpu, echoCpu)} cpu_steal=${formatSteal(steal())}`);
    }
  } finally {
    await conn.close();
    await echoClient.close();
    echo.disconnect();
    await server.stop(30_000);
    rmSync(dir, { recursive: true, force: true });
  }
}

function cpuText(cpu: readonly number[], echoCpu: readonly number[]): string {
  const us = (v: readonly number[]): string => v.map((x) => fmt(x, 1)).join('/');
  return ` cpu_us_per_op=${us(cpu)} transport_cpu_us_per_op=${us(echoCpu)}`;
}

function pct(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  values.sort((a, b) => a - b);
  return values[Math.min(values.length - 1, Math.max(0, Math.ceil((p / 100) * values.length) - 1))]!;
}

await main();
