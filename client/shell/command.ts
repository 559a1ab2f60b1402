// What a shell command is and what it runs with. Commands live in one file per HBase command
// group (ddl-commands.ts, namespace-commands.ts, read-commands.ts, write-commands.ts,
// tools-commands.ts, general-commands.ts); commands.ts collects them.

import type { Clock } from '../../common/clock.js';
import type { Admin, ConnectionLike, Table } from '../client-types.js';
import type { TimestampFormat } from './bytes-format.js';
import type { Formatter, TextSink } from './formatter.js';
import type { Statement, Value } from './parser.js';
import { argError, textOf } from './values.js';

export type CommandGroup = 'general' | 'ddl' | 'namespace' | 'dml' | 'tools';

export interface ShellContext {
  readonly connection: ConnectionLike;
  readonly fmt: Formatter;
  readonly out: TextSink;
  readonly clock: Clock;
  /** Interactive sessions echo return values (`=> true`) as HBase's irb does. */
  readonly interactive: boolean;
  /** True once the user pressed Ctrl-C during the running command; long loops (scan, count) stop early. */
  interrupted(): boolean;
  readonly timestampFormat: TimestampFormat;
  /** The Admin, created on first use. */
  admin(): Admin;
  table(name: string): Table;
  /** Every command's help, for `help`. */
  readonly commands: ReadonlyMap<string, ShellCommand>;
}

/** What a command gives back: the irb echo (`=> ...`) and whether to print `Took`. */
export interface CommandOutcome {
  /** Printed as `=> <echo>` in interactive sessions. */
  readonly echo?: string;
  /** End the session with this exit code (`exit`). */
  readonly exit?: number;
  /** False for commands that print no `Took ... seconds` (help, exit). */
  readonly timed?: boolean;
}

export interface ShellCommand {
  readonly name: string;
  readonly aliases?: readonly string[];
  readonly group: CommandGroup;
  /** HBase-style help: what it does and examples. */
  readonly help: string;
  readonly minArgs: number;
  readonly maxArgs: number;
  run(ctx: ShellContext, args: readonly Value[], st: Statement): Promise<CommandOutcome | void>;
}

/** Ruby's ArgumentError for a wrong argument count. */
export function checkArity(cmd: ShellCommand, st: Statement): void {
  const n = st.args.length;
  if (n >= cmd.minArgs && n <= cmd.maxArgs) return;
  const expected = cmd.maxArgs === cmd.minArgs ? `${cmd.minArgs}` : cmd.maxArgs === Infinity ? `${cmd.minArgs}+` : `${cmd.minArgs}..${cmd.maxArgs}`;
  throw argError(`wrong number of arguments (given ${n}, expected ${expected})`, st.args[cmd.maxArgs] ?? st.args[0]);
}

/** The table-name argument (`'t1'` or `'ns:t1'`). */
export function tableArg(v: Value | undefined): string {
  if (v === undefined) throw argError('a table name is required');
  const name = textOf(v, 'table name');
  if (name === '') throw argError('table name must not be empty', v);
  return name;
}

/** Ruby inspect of a string list, for echoes: ["a", "b"]. */
export function rubyList(items: readonly string[]): string {
  return '[' + items.map((s) => JSON.stringify(s)).join(', ') + ']';
}
