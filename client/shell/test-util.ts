// Helpers for the shell's tests: run commands against a FakeCluster and capture what they print.

import { ManualClock } from '../../common/clock.js';
import { Capture, FakeCluster } from './fake-connection.js';
import { runShell } from './shell.js';

export interface RunResult {
  readonly code: number;
  readonly out: string;
  readonly err: string;
}

/** Runs `commands` (-e mode) with epoch timestamps and a clock that does not move ("Took 0.0000 seconds"). */
export async function runE(cluster: FakeCluster, commands: string, width = 0): Promise<RunResult> {
  const out = new Capture();
  const err = new Capture();
  const code = await runShell({ connection: cluster, output: out, errorOutput: err, commands, clock: new ManualClock(), timestampFormat: 'epoch', width });
  return { code, out: out.text, err: err.text };
}

/** Like runE, but fails unless every command succeeded; the output without its `Took` lines. */
export async function ok(cluster: FakeCluster, commands: string): Promise<string> {
  const r = await runE(cluster, commands);
  if (r.code !== 0) throw new Error(`commands failed (exit ${r.code}):\n${r.out}\n${r.err}`);
  return r.out
    .split('\n')
    .filter((l) => !/^Took \d+\.\d{4} seconds$/.test(l))
    .join('\n');
}

export function freshCluster(): FakeCluster {
  return new FakeCluster();
}
