// DDL: create, alter, describe (desc), list, exists, is_enabled, is_disabled, enable, disable,
// drop, truncate, truncate_preserve — with HBase's argument forms (admin.rb) and output.

import type { ColumnFamilyAttributes, CreateTableRequest, TableJson } from '../../common/admin/admin-api.js';
import type { ShellCommand, ShellContext } from './command.js';
import { rubyList, tableArg } from './command.js';
import { IGNORED_TABLE_ATTRIBUTES, familyArg, tableSizeOption } from './family-args.js';
import type { Value } from './parser.js';
import { isSplitAlgorithm, splitKeys, SPLIT_ALGORITHMS } from './split-algorithms.js';
import { HashArgs, argError, bytesOf, inspect, keyName, listOf, numberOf, textOf } from './values.js';

/** Java-style full-match regex (HBase's list 'pattern'). */
export function fullMatch(pattern: string, what: string, v?: Value): RegExp {
  try {
    return new RegExp(`^(?:${pattern})$`, 'u');
  } catch (err) {
    throw argError(`invalid ${what} pattern: ${(err as Error).message}`, v);
  }
}

function notice(ctx: ShellContext, keys: readonly string[]): void {
  for (const k of keys) ctx.fmt.line(`An argument ignored (unknown or overridden): ${k}`);
}

const create: ShellCommand = {
  name: 'create',
  group: 'ddl',
  minArgs: 2,
  maxArgs: Infinity,
  help: `Creates a table. Pass a table name, and a set of column family
specifications (at least one), and, optionally, table configuration.
Column specification can be a simple string (name), or a dictionary
(dictionaries are described below in main help output), necessarily
including NAME attribute.
Examples:

Create a table with namespace=ns1 and table qualifier=t1
  hbase> create 'ns1:t1', {NAME => 'f1', VERSIONS => 5}

Create a table with namespace=default and table qualifier=t1
  hbase> create 't1', {NAME => 'f1'}, {NAME => 'f2'}, {NAME => 'f3'}
  hbase> # The above in shorthand would be the following:
  hbase> create 't1', 'f1', 'f2', 'f3'
  hbase> create 't1', {NAME => 'f1', VERSIONS => 1, TTL => 2592000, BLOCKCACHE => true}
  hbase> create 't1', {NAME => 'f1', CONFIGURATION => {'hbase.hstore.blockingStoreFiles' => '10'}}

Table configuration options can be put at the end.
Examples:

  hbase> create 'ns1:t1', 'f1', SPLITS => ['10', '20', '30', '40']
  hbase> create 't1', 'f1', SPLITS => ['10', '20', '30', '40']
  hbase> # Optionally pre-split the table into NUMREGIONS, using
  hbase> # SPLITALGO ("HexStringSplit", "UniformSplit" or "DecimalStringSplit")
  hbase> create 't1', 'f1', {NUMREGIONS => 15, SPLITALGO => 'HexStringSplit'}
  hbase> create 't1', 'f1', {MAX_FILESIZE => 10737418240, MEMSTORE_FLUSHSIZE => 134217728}

Family options: VERSIONS, MIN_VERSIONS, TTL (seconds or FOREVER), KEEP_DELETED_CELLS,
BLOOMFILTER (NONE, ROW, ROWCOL), BLOCKSIZE, COMPRESSION (NONE, SNAPPY, GZ),
DATA_BLOCK_ENCODING (NONE, PREFIX), IN_MEMORY,
IN_MEMORY_COMPACTION (NONE, BASIC, EAGER, ADAPTIVE).`,
  async run(ctx, args) {
    const name = tableArg(args[0]);
    const families: ColumnFamilyAttributes[] = [];
    const req: { -readonly [K in keyof CreateTableRequest]?: CreateTableRequest[K] } = {};
    const ignored: string[] = [];
    for (const arg of args.slice(1)) {
      if (arg.kind !== 'hash' || new HashArgs(arg).has('NAME')) {
        const f = familyArg(arg);
        families.push(f.attrs);
        ignored.push(...f.ignored);
        continue;
      }
      const h = new HashArgs(arg);
      const splits = h.get('SPLITS');
      const numRegions = h.get('NUMREGIONS');
      const algo = h.get('SPLITALGO');
      if (h.get('SPLITS_FILE') !== undefined) throw argError('SPLITS_FILE is not supported; give SPLITS => [...]', arg);
      if (splits !== undefined) {
        if (splits.kind !== 'array') throw argError(`SPLITS must be an array, got ${inspect(splits)}`, splits);
        req.splitKeys = splits.items.map((s) => bytesOf(s, 'split key').toString('base64'));
      } else if (numRegions !== undefined || algo !== undefined) {
        if (numRegions === undefined) throw argError('Number of regions must be specified', arg);
        const n = numberOf(numRegions, 'NUMREGIONS', 1, 10_000);
        if (algo !== undefined) {
          const a = textOf(algo, 'SPLITALGO');
          if (!isSplitAlgorithm(a)) throw argError(`unknown SPLITALGO ${a} (tsbase knows ${SPLIT_ALGORITHMS.join(', ')})`, algo);
          if (n < 2) throw argError('Number of regions must be greater than 1', numRegions);
          req.splitKeys = splitKeys(a, n).map((b) => b.toString('base64'));
        } else {
          req.numRegions = n;
        }
      }
      const maxFile = h.get('MAX_FILESIZE');
      if (maxFile !== undefined) req.maxFileSize = tableSizeOption(maxFile, 'MAX_FILESIZE');
      const flush = h.get('MEMSTORE_FLUSHSIZE');
      if (flush !== undefined) req.memStoreFlushSize = tableSizeOption(flush, 'MEMSTORE_FLUSHSIZE');
      for (const e of arg.entries) {
        const k = keyName(e.key);
        if (k !== undefined && IGNORED_TABLE_ATTRIBUTES.has(k)) h.get(k);
      }
      ignored.push(...h.unused());
    }
    if (families.length === 0) throw argError('Table must have at least one column family', args[0]);
    notice(ctx, ignored);
    await ctx.admin().createTable({ name, families, ...req });
    ctx.fmt.line(`Created table ${name}`);
    return { echo: `Hbase::Table - ${name}` };
  },
};

const alter: ShellCommand = {
  name: 'alter',
  group: 'ddl',
  minArgs: 2,
  maxArgs: Infinity,
  help: `Alter a table. Tables can be altered without disabling them first.
To change or add the 'f1' column family in table 't1' from
current value to keep a maximum of 5 cell VERSIONS, do:

  hbase> alter 't1', NAME => 'f1', VERSIONS => 5

You can operate on several column families:

  hbase> alter 't1', 'f1', {NAME => 'f2', IN_MEMORY => true}, {NAME => 'f3', VERSIONS => 5}

To delete the 'f1' column family in table 'ns1:t1', use one of:

  hbase> alter 'ns1:t1', NAME => 'f1', METHOD => 'delete'
  hbase> alter 'ns1:t1', 'delete' => 'f1'

Options not given keep their current values.`,
  async run(ctx, args) {
    const name = tableArg(args[0]);
    const admin = ctx.admin();
    let desc: TableJson = await admin.describeTable(name);
    ctx.fmt.line('Updating all regions with the new schema...');
    for (const arg of args.slice(1)) {
      if (arg.kind === 'hash') {
        const h = new HashArgs(arg);
        const method = h.get('METHOD');
        const delV = h.get('delete');
        if (delV !== undefined) {
          for (const f of listOf(delV)) desc = await admin.deleteColumnFamily(name, textOf(f, 'column family'));
          if (h.has('NAME')) throw argError("give either 'delete' => family or NAME => family", arg);
          continue;
        }
        if (method !== undefined) {
          const m = textOf(method, 'METHOD');
          if (m === 'delete') {
            const n = h.get('NAME');
            if (n === undefined) throw argError('METHOD => delete needs NAME => family', arg);
            for (const f of listOf(n)) desc = await admin.deleteColumnFamily(name, textOf(f, 'column family'));
            continue;
          }
          if (m === 'table_att' || m === 'table_att_unset') throw argError(`changing table attributes (METHOD => '${m}') is not supported by tsbase yet`, method);
          throw argError(`unknown METHOD ${m} (tsbase supports 'delete')`, method);
        }
        if (!h.has('NAME')) {
          const keys = h.unused();
          throw argError(`changing table attributes (${keys.join(', ')}) is not supported by tsbase yet; give NAME => family to change a column family`, arg);
        }
      }
      const f = familyArg(arg, new Set(['METHOD']));
      notice(ctx, f.ignored);
      // HBase starts from the family's current descriptor: options not given keep their values.
      const current = desc.families.find((x) => x['NAME'] === f.name) ?? {};
      desc = await admin.addOrModifyColumnFamily(name, { ...current, ...f.attrs });
    }
    ctx.fmt.line('All regions updated.');
    ctx.fmt.line('Done.');
  },
};

/** HBase PrettyPrinter's TTL: `86400 SECONDS (1 DAY)`. */
export function humanTtl(value: string): string {
  if (!/^\d+$/.test(value)) return value;
  const total = Number(value);
  if (total >= 2_147_483_647) return 'FOREVER';
  if (total < 60) return `${total} SECONDS`;
  const parts: string[] = [];
  const unit = (n: number, u: string) => parts.push(`${n} ${u}${n === 1 ? '' : 'S'}`);
  const days = Math.floor(total / 86400);
  const hours = Math.floor((total % 86400) / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = total % 60;
  if (days > 0) unit(days, 'DAY');
  if (hours > 0) unit(hours, 'HOUR');
  if (minutes > 0) unit(minutes, 'MINUTE');
  if (seconds > 0) unit(seconds, 'SECOND');
  return `${total} SECONDS (${parts.join(' ')})`;
}

/** `{NAME => 'f1', VERSIONS => '1', ...}` as HBase prints a ColumnFamilyDescriptor. */
export function familyString(attrs: Readonly<Record<string, string>>): string {
  const keys = Object.keys(attrs).filter((k) => k !== 'NAME');
  const parts = [`NAME => '${attrs['NAME'] ?? ''}'`];
  for (const k of keys) parts.push(`${k} => '${k === 'TTL' ? humanTtl(attrs[k]!) : attrs[k]!}'`);
  return `{${parts.join(', ')}}`;
}

const describe: ShellCommand = {
  name: 'describe',
  aliases: ['desc'],
  group: 'ddl',
  minArgs: 1,
  maxArgs: 1,
  help: `Describe the named table. For example:
  hbase> describe 't1'
  hbase> describe 'ns1:t1'

Alternatively, you can use the abbreviated 'desc' for the same thing.
  hbase> desc 't1'
  hbase> desc 'ns1:t1'`,
  async run(ctx, args) {
    const name = tableArg(args[0]);
    const t = await ctx.admin().describeTable(name);
    ctx.fmt.header([`Table ${t.name} is ${t.state}`]);
    const attrs: string[] = [];
    if (t.maxFileSize !== undefined) attrs.push(`MAX_FILESIZE => '${t.maxFileSize}'`);
    if (t.memStoreFlushSize !== undefined) attrs.push(`MEMSTORE_FLUSHSIZE => '${t.memStoreFlushSize}'`);
    ctx.fmt.row([t.name + (attrs.length > 0 ? `, {TABLE_ATTRIBUTES => {${attrs.join(', ')}}}` : '')]);
    ctx.fmt.header(['COLUMN FAMILIES DESCRIPTION']);
    for (const f of t.families) ctx.fmt.row([familyString(f)]);
    ctx.fmt.footer();
  },
};

const list: ShellCommand = {
  name: 'list',
  group: 'ddl',
  minArgs: 0,
  maxArgs: 1,
  help: `List all user tables in hbase. Optional regular expression parameter could
be used to filter the output. Examples:

  hbase> list
  hbase> list 'abc.*'
  hbase> list 'ns:abc.*'
  hbase> list 'ns:.*'`,
  async run(ctx, args) {
    const re = args[0] === undefined ? undefined : fullMatch(textOf(args[0], 'regex'), 'table', args[0]);
    const tables = await ctx.admin().listTables();
    const names = tables
      .map((t) => t.name)
      .filter((n) => !n.startsWith('hbase:') && (re === undefined || re.test(n)))
      .sort();
    ctx.fmt.header(['TABLE']);
    for (const n of names) ctx.fmt.row([n]);
    ctx.fmt.footer(names.length);
    return { echo: rubyList(names) };
  },
};

const exists: ShellCommand = {
  name: 'exists',
  group: 'ddl',
  minArgs: 1,
  maxArgs: 1,
  help: `Does the named table exist?
  hbase> exists 't1'
  hbase> exists 'ns1:t1'`,
  async run(ctx, args) {
    const name = tableArg(args[0]);
    const e = await ctx.admin().tableExists(name);
    ctx.fmt.line(`Table ${name} ${e ? 'does exist' : 'does not exist'}`);
    return { echo: String(e) };
  },
};

function stateCommand(name: 'is_enabled' | 'is_disabled'): ShellCommand {
  return {
    name,
    group: 'ddl',
    minArgs: 1,
    maxArgs: 1,
    help: `Is named table ${name === 'is_enabled' ? 'enabled' : 'disabled'}? For example:
  hbase> ${name} 't1'
  hbase> ${name} 'ns1:t1'`,
    async run(ctx, args) {
      const enabled = await ctx.admin().isTableEnabled(tableArg(args[0]));
      const v = name === 'is_enabled' ? enabled : !enabled;
      ctx.fmt.line(String(v));
      return { echo: String(v) };
    },
  };
}

function simple(name: string, help: string, fn: (ctx: ShellContext, table: string) => Promise<void>): ShellCommand {
  return {
    name,
    group: 'ddl',
    minArgs: 1,
    maxArgs: 1,
    help,
    async run(ctx, args) {
      await fn(ctx, tableArg(args[0]));
    },
  };
}

const enable = simple('enable', `Start enable of named table:\n  hbase> enable 't1'\n  hbase> enable 'ns1:t1'`, (ctx, t) => ctx.admin().enableTable(t));
const disable = simple('disable', `Start disable of named table:\n  hbase> disable 't1'\n  hbase> disable 'ns1:t1'`, (ctx, t) => ctx.admin().disableTable(t));
const drop = simple('drop', `Drop the named table. Table must first be disabled:\n  hbase> drop 't1'\n  hbase> drop 'ns1:t1'`, async (ctx, t) => {
  // HBase's shell refuses before asking the master.
  if (await ctx.admin().isTableEnabled(t)) throw argError(`Table ${t} is enabled. Disable it first.`);
  await ctx.admin().deleteTable(t);
});

function truncateCommand(name: 'truncate' | 'truncate_preserve', preserve: boolean): ShellCommand {
  return simple(
    name,
    preserve
      ? `Disables, drops and recreates the specified table while still maintaining the previous region boundaries.\n  hbase> truncate_preserve 't1'`
      : `Disables, drops and recreates the specified table.\n  hbase> truncate 't1'`,
    async (ctx, t) => {
      ctx.fmt.line(`Truncating '${t}' table (it may take a while):`);
      const admin = ctx.admin();
      if (await admin.isTableEnabled(t)) {
        ctx.fmt.line('Disabling table...');
        await admin.disableTable(t);
      }
      ctx.fmt.line(preserve ? 'Truncating table with region boundaries preserved...' : 'Truncating table...');
      await admin.truncateTable(t, preserve);
      // HBase's truncate leaves the table enabled.
      if (!(await admin.isTableEnabled(t))) await admin.enableTable(t);
    },
  );
}

export const DDL_COMMANDS: readonly ShellCommand[] = [
  create,
  alter,
  describe,
  list,
  exists,
  stateCommand('is_enabled'),
  stateCommand('is_disabled'),
  enable,
  disable,
  drop,
  truncateCommand('truncate', false),
  truncateCommand('truncate_preserve', true),
];
