// Parent side of wal-writer-child.ts: spawns it and collects what it reports.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { ChildConfig } from './wal-writer-child.js';

const CHILD = fileURLToPath(new URL('./wal-writer-child.js', import.meta.url));

export class WriterChild {
  readonly proc: ChildProcess;
  /** Complete lines, in order. */
  readonly lines: string[] = [];
  /** `region:seq` of every acknowledged append (complete lines only). */
  readonly acked: string[] = [];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private readonly stdoutClosed: Promise<void>;
  private partial = '';
  private waiters: Array<() => void> = [];
  stderr = '';

  constructor(cfg: ChildConfig) {
    this.proc = spawn(process.execPath, [CHILD, JSON.stringify(cfg)], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.proc.stdout!.setEncoding('utf8');
    this.stdoutClosed = new Promise((r) => this.proc.stdout!.once('close', () => r()));
    this.proc.stdout!.on('data', (s: string) => {
      const parts = (this.partial + s).split('\n');
      this.partial = parts.pop()!; // an unterminated last line is not (yet) a report
      for (const line of parts) {
        this.lines.push(line);
        if (line.startsWith('a ')) {
          const [, region, seq] = line.split(' ');
          this.acked.push(`${region}:${seq}`);
        }
      }
      for (const w of this.waiters.splice(0)) w();
    });
    this.proc.stderr!.setEncoding('utf8');
    this.proc.stderr!.on('data', (s: string) => (this.stderr += s));
    this.exited = new Promise((resolve) => {
      this.proc.on('exit', (code, signal) => {
        for (const w of this.waiters.splice(0)) w();
        resolve({ code, signal });
      });
    });
  }

  /**
   * Resolves once `pred` holds for the reports so far; rejects if the child exits first or
   * `timeoutMs` passes (then the child is killed), so a broken child fails the test instead of
   * hanging it.
   */
  async until(pred: () => boolean, what: string, timeoutMs = 90_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const timer = setTimeout(() => {
      for (const w of this.waiters.splice(0)) w();
    }, timeoutMs);
    try {
      await this.untilInner(pred, what, deadline);
    } finally {
      clearTimeout(timer);
    }
  }

  private async untilInner(pred: () => boolean, what: string, deadline: number): Promise<void> {
    while (!pred()) {
      if (Date.now() >= deadline) {
        this.proc.kill('SIGKILL');
        throw new Error(`timed out waiting for ${what}; stderr: ${this.stderr.slice(-2000)} lines: ${this.lines.slice(-3).join(' | ')}`);
      }
      if (this.proc.exitCode !== null || this.proc.signalCode !== null) {
        throw new Error(`writer child exited (${this.proc.exitCode ?? this.proc.signalCode}) before ${what}; stderr: ${this.stderr.slice(-2000)} lines: ${this.lines.slice(-3).join(' | ')}`);
      }
      await new Promise<void>((r) => this.waiters.push(r));
    }
  }

  /** SIGKILL, then wait for the exit (and the last stdout bytes). */
  async kill9(): Promise<void> {
    this.proc.kill('SIGKILL');
    await this.exited;
    await this.stdoutClosed;
  }

  /** Waits for the exit and the end of stdout (killing the child after `timeoutMs`). */
  async done(timeoutMs = 90_000): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    const timer = setTimeout(() => this.proc.kill('SIGKILL'), timeoutMs);
    const r = await this.exited;
    clearTimeout(timer);
    await this.stdoutClosed;
    return r;
  }
}
