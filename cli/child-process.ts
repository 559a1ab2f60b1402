// Child processes of `tsbase local-cluster` (and of the e2e tests): tsbase server processes
// started with node's fork(), output appended to a log file, an IPC channel for the ready
// message (ready.ts) and for noticing the parent's death (the child stops when the channel
// closes).
import { fork } from 'node:child_process';
import { withServerNodeFlags } from './node-flags.js';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { UnavailableError } from '../common/errors.js';
import { isReadyMessage } from './ready.js';
import type { ReadyMessage } from './ready.js';

export interface ChildExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export interface ManagedChild {
  readonly name: string;
  readonly pid: number;
  readonly logFile: string;
  /** Resolves with the child's ready message; rejects if it exits or times out first. */
  readonly ready: Promise<ReadyMessage>;
  /** Resolves when the child has exited (never rejects). */
  readonly exited: Promise<ChildExit>;
  running(): boolean;
  /**
   * SIGTERM (a clean stop: a region server drains and flushes, a master resigns), then SIGKILL
   * after `graceMs` (default 60 s). Resolves with the exit status. Idempotent.
   */
  stop(graceMs?: number): Promise<ChildExit>;
  /** SIGKILL now (a crash) and wait for the exit. */
  kill(): Promise<ChildExit>;
}

export interface SpawnOptions {
  /** The script (dist/cli/tsbase.js). */
  readonly script: string;
  readonly args: readonly string[];
  readonly logFile: string;
  readonly env?: NodeJS.ProcessEnv;
  /** Reject `ready` after this long (default 60 s). */
  readonly readyTimeoutMs?: number;
}

/** Starts one tsbase process. */
export function spawnTsbase(name: string, opts: SpawnOptions): ManagedChild {
  const fd = openSync(opts.logFile, 'a');
  const child = fork(opts.script, [...opts.args], {
    stdio: ['ignore', fd, fd, 'ipc'],
    execArgv: withServerNodeFlags(process.execArgv),
    // Its own process group: a Ctrl-C in the terminal reaches only the parent, which stops
    // the children in order. If the parent dies the IPC channel closes and the child stops.
    detached: true,
    env: opts.env ?? process.env,
  });
  closeSync(fd);
  let running = true;
  const exited = new Promise<ChildExit>((resolve) => {
    child.once('exit', (code, signal) => {
      running = false;
      resolve({ code, signal });
    });
    child.once('error', () => {
      if (child.pid === undefined) {
        running = false;
        resolve({ code: null, signal: null });
      }
    });
  });
  const readyTimeoutMs = opts.readyTimeoutMs ?? 60_000;
  const ready = new Promise<ReadyMessage>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new UnavailableError(`${name} not ready in time: see its log`, { details: { ms: readyTimeoutMs, log: opts.logFile } })),
      readyTimeoutMs,
    );
    child.on('message', (m: unknown) => {
      if (isReadyMessage(m)) {
        clearTimeout(timer);
        resolve(m);
      }
    });
    void exited.then((e) => {
      clearTimeout(timer);
      // The log's last lines go into the error: test harnesses delete the log with its directory.
      reject(
        new UnavailableError(`${name} exited before it was ready: see its log`, {
          details: { code: e.code ?? undefined, signal: e.signal ?? undefined, log: opts.logFile, logTail: logTail(opts.logFile) },
        }),
      );
    });
  });
  ready.catch(() => {}); // observed by whoever awaits it; never an unhandled rejection
  const signal = (sig: NodeJS.Signals) => {
    try {
      child.kill(sig);
    } catch {
      // already gone
    }
  };
  let stopping: Promise<ChildExit> | undefined;
  return {
    name,
    pid: child.pid ?? -1,
    logFile: opts.logFile,
    ready,
    exited,
    running: () => running,
    stop: (graceMs = 60_000) => {
      stopping ??= (async () => {
        if (!running) return exited;
        signal('SIGTERM');
        const timer = setTimeout(() => signal('SIGKILL'), graceMs);
        const status = await exited;
        clearTimeout(timer);
        return status;
      })();
      return stopping;
    },
    kill: async () => {
      if (running) signal('SIGKILL');
      return exited;
    },
  };
}

/** The last `lines` lines of a log file ('' if it cannot be read). */
function logTail(file: string, lines = 20): string {
  try {
    const text = readFileSync(file, 'utf8');
    return text.split('\n').slice(-lines - 1).join('\n').slice(-4000);
  } catch {
    return '';
  }
}
