// Runs parsed statements, one at a time, the way HBase's shell wraps every command
// (commands.rb command_safe): the command's output, `Took 0.0123 seconds`, and for a failure the
// ERROR line(s) and a usage hint. Interactive sessions also echo return values (`=> true`).

import { InvalidError } from '../../common/errors.js';
import type { ShellCommand, ShellContext } from './command.js';
import { checkArity } from './command.js';
import { addHint, errorLines } from './error-format.js';
import type { TextSink } from './formatter.js';
import type { Statement } from './parser.js';
import { keyName } from './values.js';

export interface StatementResult {
  readonly ok: boolean;
  /** Set by `exit`. */
  readonly exit?: number;
}

/**
 * Adds a caret under the place an InvalidError's line/column details point to in `src`, unless
 * the error already has a hint.
 */
export function addSourceCaret(err: unknown, src: string): void {
  if (!(err instanceof InvalidError)) return;
  const line = err.details['line'];
  const column = err.details['column'];
  if (typeof line !== 'number' || typeof column !== 'number') return;
  const text = src.split("\n")[line - 1];
  if (text === undefined) return;
  addHint(err, [text, ' '.repeat(Math.max(0, column - 1)) + '^']);
}

export class Executor {
  constructor(
    private readonly ctx: ShellContext,
    private readonly errorOut: TextSink,
  ) {}

  /** Prints a failure of `command` (or of the input, when undefined). */
  printError(err: unknown, command?: string, firstArg?: string): void {
    const w = (s: string) => this.errorOut.write(s + '\n');
    if (this.ctx.interactive) w('');
    for (const l of errorLines(err, firstArg)) w(l);
    if (command !== undefined) {
      w('');
      w(`For usage try 'help "${command}"'`);
    }
    if (this.ctx.interactive) w('');
  }

  /** Runs one statement; never throws (failures are printed). `src` is the text it came from, for carets. */
  async run(st: Statement, src: string): Promise<StatementResult> {
    const ctx = this.ctx;
    const cmd: ShellCommand | undefined = ctx.commands.get(st.name);
    if (cmd === undefined) {
      const err = new InvalidError(`unknown command '${st.name}'; type 'help' for the list of commands`, {
        details: { line: st.pos.line, column: st.pos.column },
      });
      addSourceCaret(err, src);
      this.printError(err);
      return { ok: false };
    }
    const first = st.args[0];
    const firstArg = first === undefined ? undefined : keyName(first);
    const start = ctx.clock.monotonicMs();
    let ok = true;
    let timed = true;
    let exit: number | undefined;
    let echo: string | undefined;
    try {
      checkArity(cmd, st);
      const outcome = await cmd.run(ctx, st.args, st);
      if (outcome) {
        timed = outcome.timed ?? true;
        exit = outcome.exit;
        echo = outcome.echo;
      }
    } catch (err) {
      ok = false;
      addSourceCaret(err, src);
      this.printError(err, cmd.name, firstArg);
    }
    if (timed) ctx.fmt.line(`Took ${((ctx.clock.monotonicMs() - start) / 1000).toFixed(4)} seconds`);
    if (ok && ctx.interactive && echo !== undefined) ctx.fmt.line(`=> ${echo}`);
    return exit === undefined ? { ok } : { ok, exit };
  }
}
