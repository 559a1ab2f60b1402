// CPU steal: the share of time the hypervisor ran someone else while this VM wanted the CPU
// (/proc/stat, the `steal` column of the `cpu` line). On a shared VM it moves every figure of a
// run, both sides of an A/B alike but absolute rates and tail latencies not, so the benchmarks
// print it next to their results. Linux only; elsewhere the meter reads nothing and prints
// "n/a".

import { readFileSync } from 'node:fs';

interface CpuTimes {
  readonly total: number;
  readonly steal: number;
}

function readCpu(): CpuTimes | undefined {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!;
    // cpu user nice system idle iowait irq softirq steal guest guest_nice (guest time is in user)
    const f = line.trim().split(/\s+/).slice(1, 9).map(Number);
    if (f[0] === undefined || f.length < 8 || f.some((x) => !Number.isFinite(x))) return undefined;
    return { total: f.reduce((a, b) => a + b, 0), steal: f[7]! };
  } catch {
    return undefined;
  }
}

/** Starts measuring; the returned function gives the steal share (0..1) since, or undefined. */
export function startStealMeter(): () => number | undefined {
  const start = readCpu();
  return () => {
    const end = readCpu();
    if (start === undefined || end === undefined || end.total <= start.total) return undefined;
    return (end.steal - start.steal) / (end.total - start.total);
  };
}

/** "12.3%" or "n/a". */
export function formatSteal(share: number | undefined): string {
  return share === undefined ? 'n/a' : `${(share * 100).toFixed(1)}%`;
}
