// `tsbase shell`: HBase's shell commands over a ConnectionLike. Three ways to run:
//
//   - commands (`tsbase shell -e "create 't1', 'f'; put 't1', 'r', 'f:q', 'v'"`): the whole text is
//     parsed first (a syntax error runs nothing), then each statement runs in order; the first
//     failing statement ends the run with exit code 1 (like `hbase shell -n`).
//   - non-interactive input (a script piped on stdin): the same, reading all of `input`.
//   - interactive (`input` a terminal): a node:readline prompt `hbase:001:0> `; a statement that
//     is not complete yet (open bracket, open string, trailing comma) continues on the next line
//     with `hbase:002:1* `; errors are printed and the session goes on; Ctrl-C drops the pending
//     input; `exit` or end of input ends the session.
//
// runShell owns no process state: it never reads argv or calls process.exit; it returns the exit
// code. It does not close the connection. Statements run one at a time.

import { createInterface } from 'node:readline';
import type { Clock } from '../../common/clock.js';
import { systemClock } from '../../common/clock.js';
import type { Admin, ConnectionLike } from '../client-types.js';
import type { TimestampFormat } from './bytes-format.js';
import type { ShellContext } from './command.js';
import { allCommands } from './commands.js';
import { Executor, addSourceCaret } from './executor.js';
import type { TextSink } from './formatter.js';
import { Formatter } from './formatter.js';
import type { Statement } from './parser.js';
import { isIncomplete, parseScript } from './parser.js';

export interface ShellOptions {
  readonly connection: ConnectionLike;
  /** Where results go (stdout). */
  readonly output: TextSink;
  /** Where ERROR lines go; default `output` (HBase's shell prints errors on stdout). */
  readonly errorOutput?: TextSink;
  /** `-e` text: statements separated by newlines or ';'. */
  readonly commands?: string;
  /** Input to read statements from when `commands` is absent (stdin). */
  readonly input?: NodeJS.ReadableStream;
  /** Prompt and keep going after errors (a terminal). Default: false. Ignored with `commands`. */
  readonly interactive?: boolean;
  /** Terminal width for table layout; 0 (default) = no padding or wrapping. */
  readonly width?: number;
  /** How cell timestamps print: 'iso' (HBase 2.x local date-time, default) or 'epoch' milliseconds. */
  readonly timestampFormat?: TimestampFormat;
  readonly clock?: Clock;
}

function makeContext(opts: ShellOptions, interactive: boolean, interrupted: () => boolean = () => false): ShellContext {
  let admin: Admin | undefined;
  const conn = opts.connection;
  return {
    connection: conn,
    fmt: new Formatter(opts.output, opts.width ?? 0),
    out: opts.output,
    clock: opts.clock ?? systemClock,
    interactive,
    interrupted,
    timestampFormat: opts.timestampFormat ?? 'iso',
    admin: () => (admin ??= conn.getAdmin()),
    table: (name) => conn.getTable(name),
    commands: allCommands(),
  };
}

/** Runs statements of one script: stops at the first failure (exit 1) or at `exit`. */
async function runScript(executor: Executor, src: string): Promise<number> {
  let statements: Statement[];
  try {
    statements = parseScript(src);
  } catch (err) {
    addSourceCaret(err, src);
    executor.printError(err);
    return 1;
  }
  for (const st of statements) {
    const r = await executor.run(st, src);
    if (r.exit !== undefined) return r.exit;
    if (!r.ok) return 1;
  }
  return 0;
}

async function readAll(input: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of input) chunks.push(typeof c === 'string' ? Buffer.from(c, 'utf8') : (c as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

function prompt(n: number, continuation: boolean): string {
  return `hbase:${String(n).padStart(3, '0')}:${continuation ? '1*' : '0>'} `;
}

/** What Ctrl-C sees of an interactive session. */
interface InteractiveState {
  running: boolean;
  interrupted: boolean;
}

async function runInteractive(opts: ShellOptions, executor: Executor, ctx: ShellContext, state: InteractiveState): Promise<number> {
  const input = opts.input!;
  const names = [...ctx.commands.keys()].sort();
  const rl = createInterface({
    input,
    output: opts.output as NodeJS.WritableStream,
    terminal: (opts.output as { isTTY?: boolean }).isTTY === true,
    historySize: 1000,
    completer: (line: string): [string[], string] => {
      const m = /([A-Za-z_]*)$/.exec(line);
      const word = m?.[1] ?? '';
      const before = line.slice(0, line.length - word.length);
      if (!/^\s*$|;\s*$/.test(before)) return [[], word];
      return [names.filter((n) => n.startsWith(word)), word];
    },
  });
  let lineNo = 1;
  let pending = '';
  let exitCode = 0;
  let done = false;
  rl.on('SIGINT', () => {
    if (state.running) {
      // Long commands (scan, count) stop at the next row.
      state.interrupted = true;
      opts.output.write('^C\n');
      return;
    }
    // Like irb: drop what was typed and prompt again.
    pending = '';
    opts.output.write('^C\n');
    rl.setPrompt(prompt(lineNo, false));
    rl.prompt();
  });
  rl.setPrompt(prompt(lineNo, false));
  rl.prompt();
  try {
    for await (const line of rl) {
      lineNo++;
      pending = pending === '' ? line : pending + '\n' + line;
      if (isIncomplete(pending)) {
        rl.setPrompt(prompt(lineNo, true));
        rl.prompt();
        continue;
      }
      const src = pending;
      pending = '';
      let statements: Statement[] = [];
      try {
        statements = parseScript(src);
      } catch (err) {
        addSourceCaret(err, src);
        executor.printError(err);
      }
      state.running = true;
      state.interrupted = false;
      try {
        for (const st of statements) {
          const r = await executor.run(st, src);
          if (r.exit !== undefined) {
            exitCode = r.exit;
            done = true;
            break;
          }
          if (state.interrupted) break;
        }
      } finally {
        state.running = false;
      }
      if (done) break;
      rl.setPrompt(prompt(lineNo, false));
      rl.prompt();
    }
  } finally {
    rl.close();
  }
  if (!done) opts.output.write('\n');
  return exitCode;
}

/**
 * Runs the shell until its input ends, `exit`, or (non-interactive) the first failure, and
 * returns the exit code: 0, 1 after a failed command or a syntax error, or the `exit n` status.
 * Never throws for a command's failure (it is printed as `ERROR: ...`).
 */
export async function runShell(opts: ShellOptions): Promise<number> {
  const interactive = opts.commands === undefined && opts.interactive === true && opts.input !== undefined;
  const state: InteractiveState = { running: false, interrupted: false };
  const ctx = makeContext(opts, interactive, () => state.interrupted);
  const executor = new Executor(ctx, opts.errorOutput ?? opts.output);
  if (opts.commands !== undefined) return runScript(executor, opts.commands);
  if (opts.input === undefined) return 0;
  if (!interactive) return runScript(executor, await readAll(opts.input));
  return runInteractive(opts, executor, ctx, state);
}
