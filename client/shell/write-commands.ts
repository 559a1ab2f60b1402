// DML writes: put, delete, deleteall, incr, append (HBase's table.rb semantics).

import type { Delete, DeleteColumn } from '../../common/ops/operations.js';
import { LATEST_TIMESTAMP } from '../../common/cells/keyvalue-format.js';
import { toStringBinary } from './bytes-format.js';
import type { ShellCommand } from './command.js';
import { tableArg } from './command.js';
import { writeColumn } from './column-spec.js';
import type { Value } from './parser.js';
import { prefixStopRow } from './read-spec.js';
import { HashArgs, argError, bytesOf, inspect, intOf, isHash, timestampOf } from './values.js';

/** A trailing {...} of per-operation options: tsbase supports none of HBase's (ATTRIBUTES, VISIBILITY, TTL). */
function refuseOptions(v: Value | undefined, command: string): void {
  if (v === undefined || !isHash(v)) return;
  const keys = new HashArgs(v).unused();
  if (keys.length > 0) throw argError(`${command}: options ${keys.join(', ')} are not supported by tsbase`, v);
}

/** An optional timestamp argument; a hash in its place is the options argument (as HBase allows). */
function optionalTimestamp(v: Value | undefined): bigint | undefined {
  if (v === undefined || isHash(v)) return undefined;
  const t = timestampOf(v, 'timestamp');
  return t === LATEST_TIMESTAMP ? undefined : t;
}

const put: ShellCommand = {
  name: 'put',
  group: 'dml',
  minArgs: 4,
  maxArgs: 6,
  help: `Put a cell 'value' at specified table/row/column and optionally
timestamp coordinates.  To put a cell value into table 'ns1:t1' or 't1'
at row 'r1' under column 'c1' marked with the time 'ts1', do:

  hbase> put 'ns1:t1', 'r1', 'c1', 'value'
  hbase> put 't1', 'r1', 'c1', 'value'
  hbase> put 't1', 'r1', 'c1', 'value', ts1

Strings in double quotes take escapes for binary data: "\\x00\\x01".`,
  async run(ctx, args) {
    const table = ctx.table(tableArg(args[0]));
    const row = bytesOf(args[1]!, 'row');
    const col = writeColumn(args[2]!);
    const value = bytesOf(args[3]!, 'value');
    const ts = optionalTimestamp(args[4]);
    refuseOptions(args[5] ?? (isHash(args[4]) ? args[4] : undefined), 'put');
    if (args[5] !== undefined && !isHash(args[5])) throw argError(`put options must be a {...} hash, got ${inspect(args[5])}`, args[5]);
    await table.put({ kind: 'put', row, columns: [{ family: col.family, qualifier: col.qualifier, value, ...(ts !== undefined ? { timestamp: ts } : {}) }] });
  },
};

const del: ShellCommand = {
  name: 'delete',
  group: 'dml',
  minArgs: 3,
  maxArgs: 5,
  help: `Put a delete cell value at specified table/row/column and optionally
timestamp coordinates.  Deletes must match the deleted cell's
coordinates exactly.  When scanning, a delete cell suppresses older
versions. To delete a cell from  't1' at row 'r1' under column 'c1'
marked with the time 'ts1', do:

  hbase> delete 'ns1:t1', 'r1', 'c1', ts1
  hbase> delete 't1', 'r1', 'c1', ts1
  hbase> delete 't1', 'r1', 'c1'          (the latest version)`,
  async run(ctx, args) {
    const table = ctx.table(tableArg(args[0]));
    const row = bytesOf(args[1]!, 'row');
    const col = writeColumn(args[2]!);
    const ts = optionalTimestamp(args[3]);
    refuseOptions(args[4] ?? (isHash(args[3]) ? args[3] : undefined), 'delete');
    if (!col.hasQualifier && ts === undefined) {
      // HBase would write a DeleteFamilyVersion at "now", which deletes nothing in practice.
      throw argError("delete of a column family needs the timestamp of the version to delete; use deleteall 't', 'r', 'family' to delete every version", args[2]);
    }
    // HBase: addColumn(f, q, ts) (one version) or, without a qualifier, addFamilyVersion(f, ts).
    const c: DeleteColumn = {
      family: col.family,
      ...(col.hasQualifier ? { qualifier: col.qualifier } : {}),
      ...(ts !== undefined ? { timestamp: ts } : {}),
      allVersions: false,
    };
    await table.delete({ kind: 'delete', row, columns: [c] });
  },
};

const deleteall: ShellCommand = {
  name: 'deleteall',
  group: 'dml',
  minArgs: 2,
  maxArgs: 5,
  help: `Delete all cells in a given row; pass a table name, row, and optionally
a column and timestamp. Deleteall also supports deleting a range of rows
using a row key prefix. Examples:

  hbase> deleteall 'ns1:t1', 'r1'
  hbase> deleteall 't1', 'r1'
  hbase> deleteall 't1', 'r1', 'c1'
  hbase> deleteall 't1', 'r1', 'c1', ts1
  hbase> deleteall 't1', {ROWPREFIXFILTER => 'prefix'}
  hbase> deleteall 't1', {ROWPREFIXFILTER => 'prefix'}, 'c1'
  hbase> deleteall 't1', {ROWPREFIXFILTER => 'prefix'}, 'c1', ts1`,
  async run(ctx, args) {
    const table = ctx.table(tableArg(args[0]));
    const colArg = args[2] !== undefined && !isHash(args[2]) ? args[2] : undefined;
    const ts = optionalTimestamp(args[3]);
    refuseOptions(args[4] ?? (isHash(args[3]) ? args[3] : isHash(args[2]) ? args[2] : undefined), 'deleteall');
    const toDelete = (row: Buffer): Delete => {
      if (colArg === undefined) return { kind: 'delete', row, columns: [], ...(ts !== undefined ? { timestamp: ts } : {}) };
      const col = writeColumn(colArg);
      // HBase: addColumns(f, q, ts) (every version <= ts) or addFamily(f, ts).
      const c: DeleteColumn = {
        family: col.family,
        ...(col.hasQualifier ? { qualifier: col.qualifier } : {}),
        ...(ts !== undefined ? { timestamp: ts } : {}),
        allVersions: true,
      };
      return { kind: 'delete', row, columns: [c] };
    };
    const rowArg = args[1]!;
    if (!isHash(rowArg)) {
      await table.delete(toDelete(bytesOf(rowArg, 'row')));
      return;
    }
    const h = new HashArgs(rowArg);
    const prefixV = h.get('ROWPREFIXFILTER');
    const unknown = h.unused();
    if (prefixV === undefined || unknown.length > 0) throw argError('deleteall takes a row or {ROWPREFIXFILTER => prefix}', rowArg);
    const prefix = bytesOf(prefixV, 'ROWPREFIXFILTER');
    const stop = prefixStopRow(prefix);
    const scanner = table.getScanner({
      ...(prefix.length > 0 ? { startRow: prefix } : {}),
      ...(stop.length > 0 ? { stopRow: stop } : {}),
      filter: { type: 'FirstKeyOnlyFilter' },
    });
    const batch: Delete[] = [];
    try {
      for await (const r of scanner) {
        if (ctx.interrupted()) throw argError('interrupted: rows before this one with the prefix were deleted', rowArg);
        batch.push(toDelete(r.row));
        if (batch.length >= 100) await table.delete(batch.splice(0));
      }
    } finally {
      await scanner.close();
    }
    if (batch.length > 0) await table.delete(batch);
  },
};

const incr: ShellCommand = {
  name: 'incr',
  group: 'dml',
  minArgs: 3,
  maxArgs: 5,
  help: `Increments a cell 'value' at specified table/row/column coordinates.
To increment a cell value in table 'ns1:t1' or 't1' at row 'r1' under column
'c1' by 1 (can be omitted) or 10 do:

  hbase> incr 'ns1:t1', 'r1', 'c1'
  hbase> incr 't1', 'r1', 'c1'
  hbase> incr 't1', 'r1', 'c1', 1
  hbase> incr 't1', 'r1', 'c1', 10`,
  async run(ctx, args) {
    const table = ctx.table(tableArg(args[0]));
    const row = bytesOf(args[1]!, 'row');
    const col = writeColumn(args[2]!, true, 'incr');
    const amountArg = args[3] !== undefined && !isHash(args[3]) ? args[3] : undefined;
    refuseOptions(args[4] ?? (isHash(args[3]) ? args[3] : undefined), 'incr');
    const amount = amountArg === undefined ? 1n : intOf(amountArg, 'increment');
    if (amount > 0x7fffffffffffffffn || amount < -0x8000000000000000n) throw argError('increment must fit in a signed 64-bit integer', amountArg);
    const v = await table.incrementColumnValue(row, col.family, col.qualifier, amount);
    ctx.fmt.line(`COUNTER VALUE = ${v}`);
  },
};

const append: ShellCommand = {
  name: 'append',
  group: 'dml',
  minArgs: 4,
  maxArgs: 5,
  help: `Appends a cell 'value' at specified table/row/column coordinates.

  hbase> append 't1', 'r1', 'c1', 'value'`,
  async run(ctx, args) {
    const table = ctx.table(tableArg(args[0]));
    const row = bytesOf(args[1]!, 'row');
    const col = writeColumn(args[2]!, true, 'append');
    const value = bytesOf(args[3]!, 'value');
    refuseOptions(args[4], 'append');
    const r = await table.append({ row, columns: [{ family: col.family, qualifier: col.qualifier, value }] });
    const cell = r.cells.find((c) => c.family.equals(col.family) && c.qualifier.equals(col.qualifier));
    ctx.fmt.line(`CURRENT VALUE = ${cell === undefined ? '' : toStringBinary(cell.value)}`);
  },
};

export const WRITE_COMMANDS: readonly ShellCommand[] = [put, del, deleteall, incr, append];
