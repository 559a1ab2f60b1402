// Namespaces: list_namespace, create_namespace, drop_namespace, describe_namespace,
// list_namespace_tables.

import type { ShellCommand } from './command.js';
import { rubyList } from './command.js';
import { fullMatch } from './ddl-commands.js';
import { HashArgs, argError, isHash, textOf } from './values.js';
import type { Value } from './parser.js';

function nsArg(v: Value | undefined): string {
  if (v === undefined) throw argError('a namespace name is required');
  const ns = textOf(v, 'namespace');
  if (ns === '') throw argError('namespace name must not be empty', v);
  return ns;
}

const listNamespace: ShellCommand = {
  name: 'list_namespace',
  group: 'namespace',
  minArgs: 0,
  maxArgs: 1,
  help: `List all namespaces in hbase. Optional regular expression parameter could
be used to filter the output. Examples:

  hbase> list_namespace
  hbase> list_namespace 'abc.*'`,
  async run(ctx, args) {
    const re = args[0] === undefined ? undefined : fullMatch(textOf(args[0], 'regex'), 'namespace', args[0]);
    const names = (await ctx.admin().listNamespaces()).filter((n) => re === undefined || re.test(n)).sort();
    ctx.fmt.header(['NAMESPACE']);
    for (const n of names) ctx.fmt.row([n]);
    ctx.fmt.footer(names.length);
    return { echo: rubyList(names) };
  },
};

const createNamespace: ShellCommand = {
  name: 'create_namespace',
  group: 'namespace',
  minArgs: 1,
  maxArgs: 2,
  help: `Create namespace; pass namespace name.

Examples:

  hbase> create_namespace 'ns1'`,
  async run(ctx, args) {
    const ns = nsArg(args[0]);
    const props = args[1];
    if (props !== undefined) {
      if (!isHash(props)) throw argError('namespace properties must be a {...} hash', props);
      for (const k of new HashArgs(props).unused()) ctx.fmt.line(`An argument ignored (unknown or overridden): ${k}`);
    }
    await ctx.admin().createNamespace(ns);
  },
};

const dropNamespace: ShellCommand = {
  name: 'drop_namespace',
  group: 'namespace',
  minArgs: 1,
  maxArgs: 1,
  help: `Drop the named namespace. The namespace must be empty.

  hbase> drop_namespace 'ns1'`,
  async run(ctx, args) {
    await ctx.admin().deleteNamespace(nsArg(args[0]));
  },
};

const describeNamespace: ShellCommand = {
  name: 'describe_namespace',
  group: 'namespace',
  minArgs: 1,
  maxArgs: 1,
  help: `Describe the named namespace. For example:
  hbase> describe_namespace 'ns1'`,
  async run(ctx, args) {
    const ns = nsArg(args[0]);
    const all = await ctx.admin().listNamespaces();
    if (!all.includes(ns)) throw argError(`Unknown namespace ${ns}!`, args[0]);
    ctx.fmt.line('DESCRIPTION');
    ctx.fmt.line(`{NAME => '${ns}'}`);
  },
};

const listNamespaceTables: ShellCommand = {
  name: 'list_namespace_tables',
  group: 'namespace',
  minArgs: 1,
  maxArgs: 1,
  help: `List all tables that are members of the namespace.
Examples:

  hbase> list_namespace_tables 'ns1'`,
  async run(ctx, args) {
    const ns = nsArg(args[0]);
    const tables = await ctx.admin().listTables(ns);
    const names = tables.map((t) => t.table).sort();
    ctx.fmt.header(['TABLE']);
    for (const n of names) ctx.fmt.row([n]);
    ctx.fmt.footer(names.length);
    return { echo: rubyList(names) };
  },
};

export const NAMESPACE_COMMANDS: readonly ShellCommand[] = [listNamespace, createNamespace, dropNamespace, describeNamespace, listNamespaceTables];
