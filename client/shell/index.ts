// The tsbase shell (HBase shell commands): runShell for `tsbase shell` and `tsbase shell -e`.

export type { ShellOptions } from './shell.js';
export { runShell } from './shell.js';
export type { TextSink } from './formatter.js';
export type { Statement, Value } from './parser.js';
export { parseScript } from './parser.js';
