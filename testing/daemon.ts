// Child processes of the test harness: long-running daemons (ceph-mon, ceph-osd, radosgw,
// etcd) and short tools (ceph, radosgw-admin), with logs kept for error messages.
//
// No daemon outlives this process:
//   - each daemon runs under `setpriv --pdeathsig KILL`, so the kernel kills it when this
//     process dies, even by SIGKILL;
//   - each daemon is the leader of its own process group, killed as a group;
//   - an 'exit' hook SIGKILLs whatever is still registered and removes registered temp dirs.
// Temp dirs of a process killed before its hook ran are swept by `sweepStaleDirs`.
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { mkdtempSync } from 'node:fs';
import { UnavailableError } from '../common/errors.js';

export interface ExitStatus {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export interface Daemon {
  readonly name: string;
  readonly pid: number;
  /** Where the daemon's stdout and stderr go. */
  readonly outFile: string;
  /** Resolves when the process has exited (never rejects). */
  readonly exited: Promise<ExitStatus>;
  running(): boolean;
  /** SIGKILL the daemon's process group and wait until the daemon has exited. Idempotent. */
  kill(): Promise<void>;
}

const liveDaemons = new Set<Daemon>();
const ownedDirs = new Set<string>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const d of liveDaemons) killGroup(d.pid);
    for (const dir of ownedDirs) {
      try {
        rmSync(dir, { recursive: true, force: true });
      } catch {
        // best effort at exit
      }
    }
  });
}

function killGroup(pid: number): void {
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

/** True if an executable named `name` is on PATH. */
export function onPath(name: string): boolean {
  for (const dir of (process.env['PATH'] ?? '/usr/bin:/bin').split(delimiter)) {
    if (dir !== '' && existsSync(join(dir, name))) return true;
  }
  return false;
}

/**
 * Start `command args` as a daemon in its own process group, output appended to `outFile`.
 * REQUIRES: the command stays in the foreground (e.g. ceph's `-f`).
 */
export function spawnDaemon(name: string, command: string, args: readonly string[], outFile: string): Daemon {
  installExitHook();
  const fd = openSync(outFile, 'a');
  const usePdeathsig = onPath('setpriv');
  const [cmd, argv] = usePdeathsig
    ? ['setpriv', ['--pdeathsig', 'KILL', '--', command, ...args]]
    : [command, [...args]];
  const child = spawn(cmd, argv, { detached: true, stdio: ['ignore', fd, fd] });
  closeSync(fd);
  let running = true;
  const exited = new Promise<ExitStatus>((resolve) => {
    child.once('exit', (code, signal) => {
      running = false;
      liveDaemons.delete(daemon);
      resolve({ code, signal });
    });
    child.once('error', (err) => {
      running = false;
      liveDaemons.delete(daemon);
      writeFileSync(outFile, `spawn failed: ${err.message}\n`, { flag: 'a' });
      resolve({ code: null, signal: null });
    });
  });
  child.unref();
  const daemon: Daemon = {
    name,
    pid: child.pid ?? -1,
    outFile,
    exited,
    running: () => running,
    kill: async () => {
      if (!running) return;
      child.ref(); // keep the event loop alive until the exit is seen
      if (child.pid !== undefined) killGroup(child.pid);
      await exited;
    },
  };
  if (child.pid !== undefined) liveDaemons.add(daemon);
  return daemon;
}

/** The last `lines` lines of a text file, or a note that it is missing. */
export function logTail(file: string, lines = 25): string {
  try {
    const text = readFileSync(file, 'utf8').trimEnd();
    return text.split('\n').slice(-lines).join('\n');
  } catch {
    return `(no log at ${file})`;
  }
}

/** An UnavailableError naming the failed daemon, with the tail of each of its logs. */
export function daemonError(what: string, daemon: string, logs: readonly string[], cause?: unknown): UnavailableError {
  const tails = logs.map((f) => `\n--- tail of ${f} ---\n${logTail(f)}`).join('');
  return new UnavailableError(`test service ${daemon} failed: ${what}${tails}\n---`, {
    details: { daemon },
    ...(cause === undefined ? {} : { cause }),
  });
}

/** True if `e` says a port was taken between choosing it and binding it (see free-port.ts). */
export function isPortRace(e: unknown): boolean {
  return e instanceof Error && /address already in use/i.test(e.message);
}

export interface ToolResult {
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Run a short-lived tool to completion. Throws (naming `daemon`, with output and log tails)
 * on a non-zero exit or after `timeoutMs`.
 */
export function runTool(
  daemon: string,
  command: string,
  args: readonly string[],
  opts: { timeoutMs?: number; logs?: readonly string[]; env?: NodeJS.ProcessEnv } = {},
): Promise<ToolResult> {
  const timeoutMs = opts.timeoutMs ?? 60_000;
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], env: opts.env ?? process.env });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', (e) => {
      clearTimeout(timer);
      reject(daemonError(`could not run ${command}: ${e.message}`, daemon, opts.logs ?? [], e));
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      const stdout = Buffer.concat(out).toString('utf8');
      const stderr = Buffer.concat(err).toString('utf8');
      if (code === 0) {
        resolve({ stdout, stderr });
        return;
      }
      const why = signal === 'SIGKILL' ? `timed out after ${timeoutMs} ms` : `exit ${code ?? signal}`;
      const output = (stdout + stderr).trim().split('\n').slice(-15).join('\n');
      reject(daemonError(`\`${command} ${args.join(' ')}\` ${why}: ${output}`, daemon, opts.logs ?? []));
    });
  });
}

const SERVICES_ROOT = join(tmpdir(), 'tsbase-test-services');
const OWNER_FILE = 'owner.pid';

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Remove service dirs whose owning process is gone (it was killed before its exit hook ran). */
export function sweepStaleDirs(): void {
  let names: string[];
  try {
    names = readdirSync(SERVICES_ROOT);
  } catch {
    return;
  }
  for (const name of names) {
    const dir = join(SERVICES_ROOT, name);
    let pid: number;
    try {
      pid = Number(readFileSync(join(dir, OWNER_FILE), 'utf8'));
    } catch {
      // no owner file: a dir being created right now, or garbage; leave it
      continue;
    }
    if (Number.isInteger(pid) && pid > 0 && !pidAlive(pid)) rmSync(dir, { recursive: true, force: true });
  }
}

/** A fresh dir under the services root, owned by this process and removed at exit. */
export function makeServiceDir(prefix: string): string {
  installExitHook();
  mkdirSync(SERVICES_ROOT, { recursive: true });
  const dir = mkdtempSync(join(SERVICES_ROOT, `${prefix}-`));
  writeFileSync(join(dir, OWNER_FILE), String(process.pid));
  ownedDirs.add(dir);
  return dir;
}

/** Remove a dir made by makeServiceDir now. */
export function removeServiceDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
  ownedDirs.delete(dir);
}

/** Resolves after `ms`. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
