// Every shell command by name (aliases included).

import type { ShellCommand } from './command.js';
import { DDL_COMMANDS } from './ddl-commands.js';
import { GENERAL_COMMANDS } from './general-commands.js';
import { NAMESPACE_COMMANDS } from './namespace-commands.js';
import { READ_COMMANDS } from './read-commands.js';
import { REGION_COMMANDS } from './region-commands.js';
import { TOOLS_COMMANDS } from './tools-commands.js';
import { WRITE_COMMANDS } from './write-commands.js';

export function allCommands(): Map<string, ShellCommand> {
  const m = new Map<string, ShellCommand>();
  for (const c of [...GENERAL_COMMANDS, ...DDL_COMMANDS, ...NAMESPACE_COMMANDS, ...READ_COMMANDS, ...WRITE_COMMANDS, ...TOOLS_COMMANDS, ...REGION_COMMANDS]) {
    m.set(c.name, c);
    for (const a of c.aliases ?? []) m.set(a, c);
  }
  return m;
}
