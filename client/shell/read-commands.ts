// DML reads: get, scan, count, get_counter — output as HBase's shell prints it.

import type { ResultCell } from '../../common/ops/operations.js';
import { CellType } from '../../common/cells/keyvalue-format.js';
import { formatTimestamp, toLong, toStringBinary, convertValue } from './bytes-format.js';
import type { ShellCommand, ShellContext } from './command.js';
import { tableArg } from './command.js';
import { columnKey, writeColumn } from './column-spec.js';
import type { PrintOptions } from './read-spec.js';
import { getFromArgs, scanFromArgs } from './read-spec.js';
import { argError, bytesOf, numberOf } from './values.js';

const TYPE_NAMES: Record<number, string> = {
  [CellType.Put]: 'Put',
  [CellType.Delete]: 'Delete',
  [CellType.DeleteFamilyVersion]: 'DeleteFamilyVersion',
  [CellType.DeleteColumn]: 'DeleteColumn',
  [CellType.DeleteFamily]: 'DeleteFamily',
};

/** `family:qualifier` as printed. */
export function columnName(c: ResultCell): string {
  return `${toStringBinary(c.family)}:${toStringBinary(c.qualifier)}`;
}

/** `timestamp=..., value=...` (or `type=Delete...` for markers of a raw scan), as table.rb to_string. */
export function cellText(ctx: ShellContext, c: ResultCell, print: PrintOptions): string {
  const ts = formatTimestamp(c.timestamp, ctx.timestampFormat);
  let s: string;
  if (c.type !== CellType.Put) {
    s = `timestamp=${ts}, type=${TYPE_NAMES[c.type] ?? String(c.type)}`;
  } else {
    const conv = print.converters.get(columnKey(c.family, c.qualifier)) ?? print.defaultConverter;
    s = `timestamp=${ts}, value=${convertValue(c.value, conv) ?? toStringBinary(c.value)}`;
  }
  return print.maxLength > 0 ? s.slice(0, print.maxLength) : s;
}

const get: ShellCommand = {
  name: 'get',
  group: 'dml',
  minArgs: 2,
  maxArgs: Infinity,
  help: `Get row or cell contents; pass table name, row, and optionally
a dictionary of column(s), timestamp, timerange, versions and a filter. Examples:

  hbase> get 'ns1:t1', 'r1'
  hbase> get 't1', 'r1'
  hbase> get 't1', 'r1', {TIMERANGE => [ts1, ts2]}
  hbase> get 't1', 'r1', {COLUMN => 'c1'}
  hbase> get 't1', 'r1', {COLUMN => ['c1', 'c2', 'c3']}
  hbase> get 't1', 'r1', {COLUMN => 'c1', TIMESTAMP => ts1}
  hbase> get 't1', 'r1', {COLUMN => 'c1', TIMERANGE => [ts1, ts2], VERSIONS => 4}
  hbase> get 't1', 'r1', {FILTER => "ValueFilter(=, 'binary:abc')"}
  hbase> get 't1', 'r1', 'c1'
  hbase> get 't1', 'r1', 'c1', 'c2'
  hbase> get 't1', 'r1', ['c1', 'c2']

A FORMATTER can be given per column ('cf:q:toInt') or for every value
({FORMATTER => 'toString'}): toStringBinary (default), toString, toInt, toLong,
toShort, toFloat, toDouble, toBoolean. MAXLENGTH truncates each printed cell.`,
  async run(ctx, args) {
    const table = ctx.table(tableArg(args[0]));
    const { get: g, print } = getFromArgs(bytesOf(args[1]!, 'row'), args.slice(2));
    const r = await table.get(g);
    ctx.fmt.header(['COLUMN', 'CELL']);
    for (const c of r.cells) ctx.fmt.row([columnName(c), cellText(ctx, c, print)]);
    ctx.fmt.footer(r.cells.length > 0 ? 1 : 0);
  },
};

const scan: ShellCommand = {
  name: 'scan',
  group: 'dml',
  minArgs: 1,
  maxArgs: 2,
  help: `Scan a table; pass table name and optionally a dictionary of scanner
specifications.  Scanner specifications may include one or more of:
TIMERANGE, FILTER, LIMIT, STARTROW, STOPROW, ROWPREFIXFILTER, TIMESTAMP,
MAXLENGTH, FORMATTER, COLUMNS, CACHE, BATCH, RAW, VERSIONS, REVERSED

If no columns are specified, all columns will be scanned.
To scan all members of a column family, leave the qualifier empty as in
'col_family' or 'col_family:'.

The filter is written in HBase's filter language, e.g.
  "PrefixFilter('r') AND ValueFilter(=, 'binary:abc')"

Some examples:

  hbase> scan 'ns1:t1', {COLUMNS => ['c1', 'c2'], LIMIT => 10, STARTROW => 'xyz'}
  hbase> scan 't1', {COLUMNS => ['c1', 'c2'], LIMIT => 10, STARTROW => 'xyz'}
  hbase> scan 't1', {COLUMNS => 'c1', TIMERANGE => [1303668804000, 1303668904000]}
  hbase> scan 't1', {REVERSED => true}
  hbase> scan 't1', {ROWPREFIXFILTER => 'row2', FILTER => "
    (QualifierFilter (>=, 'binary:xyz')) AND (TimestampsFilter ( 123, 456))"}
  hbase> scan 't1', {RAW => true, VERSIONS => 10}`,
  async run(ctx, args) {
    const table = ctx.table(tableArg(args[0]));
    const { scan: s, print, limit } = scanFromArgs(args[1]);
    const scanner = table.getScanner(s);
    let count = 0;
    try {
      // The first row is read before the header, so a failing scan prints only the error.
      let r = await scanner.next();
      ctx.fmt.header(['ROW', 'COLUMN+CELL']);
      while (r !== undefined) {
        const key = toStringBinary(r.row);
        for (const c of r.cells) ctx.fmt.row([key, `column=${columnName(c)}, ${cellText(ctx, c, print)}`]);
        count++;
        if (limit !== 0 && count >= limit) break;
        if (ctx.interrupted()) {
          ctx.fmt.line('Interrupted.');
          break;
        }
        r = await scanner.next();
      }
    } finally {
      await scanner.close();
    }
    ctx.fmt.footer(count);
  },
};

const count: ShellCommand = {
  name: 'count',
  group: 'dml',
  minArgs: 1,
  maxArgs: 2,
  help: `Count the number of rows in a table.  Return value is the number of rows.
The current count is shown every 1000 rows by default; the count interval may
be optionally specified. Scan caching is enabled on count scans by default.
Default cache size is 10 rows. Examples:

 hbase> count 'ns1:t1'
 hbase> count 't1'
 hbase> count 't1', INTERVAL => 100000
 hbase> count 't1', CACHE => 1000
 hbase> count 't1', INTERVAL => 10, CACHE => 1000
 hbase> count 't1', FILTER => "
    (QualifierFilter (>=, 'binary:xyz')) AND (TimestampsFilter ( 123, 456))"
 hbase> count 't1', COLUMNS => ['c1', 'c2'], STARTROW => 'abc', STOPROW => 'xyz'`,
  async run(ctx, args) {
    const table = ctx.table(tableArg(args[0]));
    const { scan: s, args: h } = scanFromArgs(args[1], 'count', ['INTERVAL']);
    const iv = h.get('INTERVAL');
    const interval = iv === undefined ? 1000 : numberOf(iv, 'INTERVAL', 1);
    // HBase counts with a FirstKeyOnlyFilter unless the user gave a filter; CACHE defaults to 10.
    const scanner = table.getScanner({ caching: 10, ...s, ...(s.filter === undefined ? { filter: { type: 'FirstKeyOnlyFilter' } } : {}) });
    let n = 0;
    try {
      while (true) {
        const r = await scanner.next();
        if (r === undefined) break;
        n++;
        if (ctx.interrupted()) {
          ctx.fmt.line(`Interrupted at row ${toStringBinary(r.row)}.`);
          break;
        }
        if (n % interval === 0) ctx.fmt.row([`Current count: ${n}, row: ${toStringBinary(r.row)}`]);
      }
    } finally {
      await scanner.close();
    }
    ctx.fmt.footer(n);
    return { echo: String(n) };
  },
};

const getCounter: ShellCommand = {
  name: 'get_counter',
  group: 'dml',
  minArgs: 3,
  maxArgs: 3,
  help: `Return a counter cell value at specified table/row/column coordinates.
A counter cell should be managed with atomic increment functions on HBase
and the data should be binary encoded (as long value). Example:

  hbase> get_counter 'ns1:t1', 'r1', 'c1'
  hbase> get_counter 't1', 'r1', 'c1'`,
  async run(ctx, args) {
    const table = ctx.table(tableArg(args[0]));
    const col = writeColumn(args[2]!, true, 'get_counter');
    const r = await table.get({ row: bytesOf(args[1]!, 'row'), columns: [{ family: col.family, qualifier: col.qualifier }], maxVersions: 1 });
    const cell = r.cells[0];
    if (cell === undefined) {
      ctx.fmt.line('No counter found at specified coordinates');
      return;
    }
    const v = toLong(cell.value);
    if (v === undefined) throw argError(`the value of ${columnName(cell)} is not a counter: it is ${cell.value.length} bytes, a counter is 8`, args[2]);
    ctx.fmt.line(`COUNTER VALUE = ${v}`);
  },
};

export const READ_COMMANDS: readonly ShellCommand[] = [get, scan, count, getCounter];
