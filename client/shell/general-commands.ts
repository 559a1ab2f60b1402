// General commands: help, version, exit (quit).

import type { CommandGroup, ShellCommand, ShellContext } from './command.js';
import { argError, intOf, textOf } from './values.js';

export const SHELL_VERSION = 'tsbase 0.1.0';

const GROUP_ORDER: readonly CommandGroup[] = ['general', 'ddl', 'namespace', 'dml', 'tools'];

const USAGE = `SHELL USAGE:
Quote all names in HBase Shell such as table and column names.  Commas delimit
command parameters.  Type <RETURN> after entering a command to run it.
Dictionaries of configuration used in the creation and alteration of tables are
Ruby Hashes. They look like this:

  {'key1' => 'value1', 'key2' => 'value2', ...}

and are opened and closed with curley-braces.  Key/values are delimited by the
'=>' character combination.  Usually keys are predefined constants such as
NAME, VERSIONS, COMPRESSION, etc.  Constants do not need to be quoted.

If you are using binary keys or values and need to enter them in the shell, use
double-quote'd hexadecimal representation. For example:

  hbase> get 't1', "key\\x03\\x3f\\xcd"
  hbase> get 't1', "key\\003\\023\\011"
  hbase> put 't1', "test\\xef\\xff", 'f1:', "\\x01\\x33\\x40"

Several commands can be given on one line separated by ';'. tsbase reads the
literal subset of Ruby that these commands use (strings, numbers, arrays, hashes,
constants); it does not evaluate Ruby.`;

function uniqueCommands(ctx: ShellContext): ShellCommand[] {
  return [...new Set(ctx.commands.values())];
}

function printGroup(ctx: ShellContext, group: CommandGroup): void {
  for (const c of uniqueCommands(ctx)
    .filter((x) => x.group === group)
    .sort((a, b) => a.name.localeCompare(b.name))) {
    ctx.fmt.line(`Command: ${c.name}`);
    ctx.fmt.line(c.help);
    ctx.fmt.line();
  }
}

const help: ShellCommand = {
  name: 'help',
  group: 'general',
  minArgs: 0,
  maxArgs: 1,
  help: `Show help: help 'COMMAND' for a command, help 'GROUP' for a command group.`,
  async run(ctx, args) {
    if (args[0] !== undefined) {
      const what = textOf(args[0], 'command or group name');
      const cmd = ctx.commands.get(what);
      if (cmd !== undefined) {
        ctx.fmt.line(cmd.help);
      } else if ((GROUP_ORDER as readonly string[]).includes(what)) {
        ctx.fmt.line(`Command group: ${what}`);
        ctx.fmt.line();
        printGroup(ctx, what as CommandGroup);
      } else {
        throw argError(`no command or group named ${what}; type 'help' for the list`, args[0]);
      }
      return { timed: false };
    }
    ctx.fmt.line(`HBase Shell (${SHELL_VERSION})`);
    ctx.fmt.line(`Type 'help "COMMAND"', (e.g. 'help "get"' -- the quotes are necessary) for help on a specific command.`);
    ctx.fmt.line(`Commands are grouped. Type 'help "COMMAND_GROUP"', (e.g. 'help "general"') for help on a command group.`);
    ctx.fmt.line();
    ctx.fmt.line('COMMAND GROUPS:');
    for (const g of GROUP_ORDER) {
      const names = uniqueCommands(ctx)
        .filter((c) => c.group === g)
        .map((c) => c.name)
        .sort();
      ctx.fmt.line(`  Group name: ${g}`);
      ctx.fmt.line(`  Commands: ${names.join(', ')}`);
      ctx.fmt.line();
    }
    ctx.fmt.line(USAGE);
    return { timed: false };
  },
};

const version: ShellCommand = {
  name: 'version',
  group: 'general',
  minArgs: 0,
  maxArgs: 0,
  help: `Output this shell's version.\n  hbase> version`,
  async run(ctx) {
    ctx.fmt.line(SHELL_VERSION);
  },
};

const exit: ShellCommand = {
  name: 'exit',
  aliases: ['quit'],
  group: 'general',
  minArgs: 0,
  maxArgs: 1,
  help: `Leave the shell, optionally with an exit status.\n  hbase> exit\n  hbase> exit 2`,
  async run(_ctx, args) {
    const code = args[0] === undefined ? 0 : intOf(args[0], 'exit status');
    if (code < 0n || code > 255n) throw argError('exit status must be between 0 and 255', args[0]);
    return { exit: Number(code), timed: false };
  },
};

export const GENERAL_COMMANDS: readonly ShellCommand[] = [help, version, exit];
