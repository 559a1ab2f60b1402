// CPU time of processes while a benchmark phase runs: this process (process.cpuUsage) and
// children by pid (/proc/<pid>/stat utime + stime, Linux; clock ticks of 10 ms). CPU time, not
// wall time, so a loaded machine inflates it little: the per-operation cost of each side.

import { readFileSync } from 'node:fs';

const TICK_US = 10_000; // USER_HZ = 100 on Linux

/** CPU microseconds used so far by `pid` (NaN when unknown: not Linux, or the process is gone). */
export function processCpuUs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    // Fields after the parenthesised command: state is field 3; utime 14, stime 15.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(rest[11]) + Number(rest[12])) * TICK_US;
  } catch {
    return NaN;
  }
}

/** Write system calls made so far by `pid` (/proc/<pid>/io syscw; NaN when unknown). */
export function processWriteCalls(pid: number): number {
  try {
    const m = /syscw: (\d+)/.exec(readFileSync(`/proc/${pid}/io`, 'latin1'));
    return m === null ? NaN : Number(m[1]);
  } catch {
    return NaN;
  }
}

export interface CpuSample {
  readonly self: number;
  readonly children: readonly number[];
  readonly writes: readonly number[];
}

export function sampleCpu(pids: readonly number[]): CpuSample {
  const u = process.cpuUsage();
  return { self: u.user + u.system, children: pids.map(processCpuUs), writes: [process.pid, ...pids].map(processWriteCalls) };
}

/** CPU µs per operation since `from`: [this process, ...children]. */
export function cpuPerOp(from: CpuSample, pids: readonly number[], ops: number): number[] {
  const to = sampleCpu(pids);
  return [(to.self - from.self) / ops, ...to.children.map((c, i) => (c - from.children[i]!) / ops)];
}

/** Operations per write system call since `from`: [this process, ...children]. */
export function opsPerWrite(from: CpuSample, pids: readonly number[], ops: number): number[] {
  const to = sampleCpu(pids);
  return to.writes.map((w, i) => ops / (w - from.writes[i]!));
}
