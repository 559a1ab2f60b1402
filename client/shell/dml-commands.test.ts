import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CellType } from '../../common/cells/keyvalue-format.js';
import { Capture } from './fake-connection.js';
import { runShell } from './shell.js';
import { ManualClock } from '../../common/clock.js';
import { javaLocalDateTime } from './bytes-format.js';
import { freshCluster, ok, runE } from './test-util.js';
import { allCommands } from './commands.js';
import type { ShellContext } from './command.js';
import { Formatter } from './formatter.js';
import { parseScript } from './parser.js';

async function withTable(setup = '') {
  const c = freshCluster();
  await ok(c, `create 't1', {NAME => 'f', VERSIONS => 3}, 'g'` + (setup === '' ? '' : '\n' + setup));
  return c;
}

test('put then scan prints ROW COLUMN+CELL rows, binary as \\xNN, and a row count', async () => {
  const c = await withTable(`put 't1', 'r1', 'f:a', 'v1', 10\nput 't1', 'r1', 'g:b', 'w', 11\nput 't1', "r\\x002", 'f:a', "\\xff\\x00\\\\x", 12`);
  assert.equal(
    await ok(c, `scan 't1'`),
    ['ROW  COLUMN+CELL', ' r\\x002 column=f:a, timestamp=12, value=\\xFF\\x00\\x5Cx', ' r1 column=f:a, timestamp=10, value=v1', ' r1 column=g:b, timestamp=11, value=w', '2 row(s)', ''].join('\n'),
  );
  assert.equal(await ok(c, `scan 't1', {STARTROW => 'r1', COLUMNS => ['g']}`), ['ROW  COLUMN+CELL', ' r1 column=g:b, timestamp=11, value=w', '1 row(s)', ''].join('\n'));
  assert.equal(await ok(c, `scan 't1', {LIMIT => 1}`), ['ROW  COLUMN+CELL', ' r\\x002 column=f:a, timestamp=12, value=\\xFF\\x00\\x5Cx', '1 row(s)', ''].join('\n'));
  assert.equal(await ok(c, `scan 't1', {REVERSED => true, COLUMNS => 'f:a', MAXLENGTH => 21}`), ['ROW  COLUMN+CELL', ' r1 column=f:a, timestamp=10, value=v', ' r\\x002 column=f:a, timestamp=12, value=\\', '2 row(s)', ''].join('\n'));
  assert.equal(await ok(c, `scan 't1', {STARTROW => 'x'}`), 'ROW  COLUMN+CELL\n0 row(s)\n');
  // The put reached the table as HBase builds it.
  assert.deepEqual(c.mutations[0], { kind: 'put', row: Buffer.from('r1'), columns: [{ family: Buffer.from('f'), qualifier: Buffer.from('a'), value: Buffer.from('v1'), timestamp: 10n }] });
});

test('scan sends filters, time ranges, versions and limits to the table', async () => {
  const c = await withTable(`put 't1', 'r1', 'f:a', 'v1', 10\nput 't1', 'r1', 'f:a', 'v2', 20\nput 't1', 'r1', 'f:a', 'v3', 30`);
  assert.equal(
    await ok(c, `scan 't1', {VERSIONS => 2, TIMERANGE => [0, 30], FILTER => "ValueFilter(=, 'binary:v2') OR ValueFilter(=, 'binary:v1')"}`),
    ['ROW  COLUMN+CELL', ' r1 column=f:a, timestamp=20, value=v2', ' r1 column=f:a, timestamp=10, value=v1', '1 row(s)', ''].join('\n'),
  );
  const s = c.scans.at(-1)!;
  assert.equal(s.maxVersions, 2);
  assert.deepEqual(s.timeRange, { min: 0n, max: 30n });
  assert.equal((s.filter as { type: string; op: string }).type, 'FilterList');
  assert.equal((s.filter as { op: string }).op, 'MUST_PASS_ONE');
  const r = await runE(c, `scan 't1', {FILTER => "ValueFilter(=, 'binary:v2') AND Nope()"}`);
  assert.equal(r.code, 1);
  assert.equal(
    r.err,
    [
      'ERROR: invalid filter string: unknown filter Nope position=`32` filter=`Nope` (TSB_INVALID_ARGUMENT)',
      `  FILTER: ValueFilter(=, 'binary:v2') AND Nope()`,
      '                                          ^',
      '',
      `For usage try 'help "scan"'`,
      '',
    ].join('\n'),
  );
  assert.equal(r.out, 'Took 0.0000 seconds\n', 'no header is printed for a scan that fails');
});

test('get prints COLUMN CELL with versions, columns and formatters', async () => {
  const c = await withTable(`put 't1', 'r1', 'f:a', 'v1', 10\nput 't1', 'r1', 'f:a', 'v2', 20\nput 't1', 'r1', 'g:n', "\\x00\\x00\\x00\\x2a", 5`);
  assert.equal(await ok(c, `get 't1', 'r1'`), ['COLUMN  CELL', ' f:a timestamp=20, value=v2', ' g:n timestamp=5, value=\\x00\\x00\\x00*', '1 row(s)', ''].join('\n'));
  assert.equal(
    await ok(c, `get 't1', 'r1', {COLUMN => 'f:a', VERSIONS => 3}`),
    ['COLUMN  CELL', ' f:a timestamp=20, value=v2', ' f:a timestamp=10, value=v1', '1 row(s)', ''].join('\n'),
  );
  assert.equal(await ok(c, `get 't1', 'r1', 'g:n:toInt'`), ['COLUMN  CELL', ' g:n timestamp=5, value=42', '1 row(s)', ''].join('\n'));
  assert.equal(await ok(c, `get 't1', 'r1', {COLUMN => 'f:a', TIMESTAMP => 10}`), ['COLUMN  CELL', ' f:a timestamp=10, value=v1', '1 row(s)', ''].join('\n'));
  assert.equal(await ok(c, `get 't1', 'nope'`), 'COLUMN  CELL\n0 row(s)\n');
  assert.deepEqual(c.gets.at(-1), { row: Buffer.from('nope') });
});

test('raw cells print their type instead of a value', async () => {
  const c = freshCluster();
  await ok(c, `create 't1', 'f'`);
  // Put a delete marker straight into the fake's storage, as a raw scan would return it.
  c.table('t1').rows.set('r', [{ row: Buffer.from('r'), family: Buffer.from('f'), qualifier: Buffer.from('q'), timestamp: 7n, type: CellType.DeleteColumn, value: Buffer.alloc(0) }]);
  assert.equal(await ok(c, `scan 't1', {RAW => true}`), 'ROW  COLUMN+CELL\n r column=f:q, timestamp=7, type=DeleteColumn\n1 row(s)\n');
  assert.equal(c.scans.at(-1)!.raw, true);
});

test('timestamps print as HBase 2.x local date-times by default', async () => {
  const c = await withTable(`put 't1', 'r1', 'f:a', 'v', 1700000000123`);
  const out = new Capture();
  assert.equal(await runShell({ connection: c, output: out, commands: `get 't1', 'r1'`, clock: new ManualClock() }), 0);
  assert.match(out.text, new RegExp(` f:a timestamp=${javaLocalDateTime(1700000000123n)}, value=v\n`));
  assert.match(javaLocalDateTime(1700000000123n), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.123$/);
});

test('delete removes one version; deleteall a column, a row or every row with a prefix', async () => {
  const c = await withTable(
    [`put 't1', 'r1', 'f:a', 'v1', 10`, `put 't1', 'r1', 'f:a', 'v2', 20`, `put 't1', 'r1', 'g:b', 'w', 5`, `put 't1', 'p1', 'f:a', 'x'`, `put 't1', 'p2', 'f:a', 'x'`, `put 't1', 'q', 'f:a', 'x'`].join('\n'),
  );
  await ok(c, `delete 't1', 'r1', 'f:a'`);
  assert.deepEqual(c.mutations.at(-1), { kind: 'delete', row: Buffer.from('r1'), columns: [{ family: Buffer.from('f'), qualifier: Buffer.from('a'), allVersions: false }] });
  assert.match(await ok(c, `get 't1', 'r1', 'f:a'`), / f:a timestamp=10, value=v1\n/);
  await ok(c, `delete 't1', 'r1', 'f:a', 10`);
  assert.equal(c.mutations.at(-1)!.kind === 'delete' && c.mutations.at(-1)!.columns[0]!.timestamp, 10n);
  await ok(c, `put 't1', 'r1', 'f:a', 'v3', 30; put 't1', 'r1', 'f:a', 'v4', 40; deleteall 't1', 'r1', 'f:a', 30`);
  assert.deepEqual(c.mutations.at(-1), { kind: 'delete', row: Buffer.from('r1'), columns: [{ family: Buffer.from('f'), qualifier: Buffer.from('a'), timestamp: 30n, allVersions: true }] });
  assert.match(await ok(c, `get 't1', 'r1', {COLUMN => 'f:a', VERSIONS => 3}`), /^COLUMN {2}CELL\n f:a timestamp=40, value=v4\n1 row\(s\)\n$/);
  await ok(c, `deleteall 't1', 'r1'`);
  assert.deepEqual(c.mutations.at(-1), { kind: 'delete', row: Buffer.from('r1'), columns: [] });
  assert.equal(await ok(c, `get 't1', 'r1'`), 'COLUMN  CELL\n0 row(s)\n');
  await ok(c, `deleteall 't1', {ROWPREFIXFILTER => 'p'}`);
  assert.match(await ok(c, `scan 't1'`), /^ROW {2}COLUMN\+CELL\n q column=f:a, timestamp=\d+, value=x\n1 row\(s\)\n$/);
  const r = await runE(c, `delete 't1', 'r1', 'f:a', 10, {VISIBILITY => 'X'}`);
  assert.match(r.err, /delete: options VISIBILITY are not supported/);
});

test('incr, get_counter and append', async () => {
  const c = await withTable();
  assert.equal(await ok(c, `incr 't1', 'r', 'f:c'`), 'COUNTER VALUE = 1\n');
  assert.equal(await ok(c, `incr 't1', 'r', 'f:c', 10`), 'COUNTER VALUE = 11\n');
  assert.equal(await ok(c, `incr 't1', 'r', 'f:c', -20`), 'COUNTER VALUE = -9\n');
  assert.equal(await ok(c, `get_counter 't1', 'r', 'f:c'`), 'COUNTER VALUE = -9\n');
  assert.equal(await ok(c, `get_counter 't1', 'r', 'f:none'`), 'No counter found at specified coordinates\n');
  assert.equal(await ok(c, `put 't1', 'r', 'f:s', 'abc'; append 't1', 'r', 'f:s', "\\x01z"`), 'CURRENT VALUE = abc\\x01z\n');
  let r = await runE(c, `get_counter 't1', 'r', 'f:s'`);
  assert.match(r.err, /the value of f:s is not a counter: it is 5 bytes, a counter is 8/);
  r = await runE(c, `incr 't1', 'r', 'f'`);
  assert.match(r.err, /Failed to provide both column family and column qualifier for incr/);
});

test('count prints progress every INTERVAL rows and counts with FirstKeyOnlyFilter', async () => {
  const c = await withTable([1, 2, 3, 4, 5].map((i) => `put 't1', 'r${i}', 'f:a', 'v'`).join('\n'));
  assert.equal(await ok(c, `count 't1', INTERVAL => 2`), 'Current count: 2, row: r2\nCurrent count: 4, row: r4\n5 row(s)\n');
  assert.deepEqual(c.scans.at(-1)!.filter, { type: 'FirstKeyOnlyFilter' });
  assert.equal(c.scans.at(-1)!.caching, 10);
  assert.equal(await ok(c, `count 't1'`), '5 row(s)\n');
  await ok(c, `count 't1', {STARTROW => 'r3', CACHE => 1000, FILTER => "KeyOnlyFilter()"}`);
  assert.deepEqual(c.scans.at(-1)!.filter, { type: 'KeyOnlyFilter' });
  assert.equal(c.scans.at(-1)!.caching, 1000);
  assert.match((await runE(c, `count 't1', INTERVAL => 0`)).err, /INTERVAL must be between 1/);
});

test('data commands on a disabled or missing table fail with the code and a hint', async () => {
  const c = await withTable();
  await ok(c, `disable 't1'`);
  let r = await runE(c, `put 't1', 'r', 'f:a', 'v'`);
  assert.equal(r.err, "ERROR: Table t1 is disabled! (TSB_TABLE_DISABLED: table is disabled table=`t1`)\n\nFor usage try 'help \"put\"'\n");
  r = await runE(c, `scan 'nope'`);
  assert.match(r.err, /^ERROR: Unknown table nope! \(TSB_NOT_FOUND: table does not exist table=`nope`\)/);
  await ok(c, `enable 't1'`);
  r = await runE(c, `put 't1', 'r', 'zz:a', 'v'`);
  assert.match(r.err, /column family does not exist family=`zz`/);
});

test('delete of a whole family needs a timestamp (HBase would delete nothing)', async () => {
  const c = await withTable(`put 't1', 'r', 'f:a', 'v', 10`);
  const r = await runE(c, `delete 't1', 'r', 'f'`);
  assert.equal(r.code, 1);
  assert.match(r.err, /delete of a column family needs the timestamp/);
  await ok(c, `delete 't1', 'r', 'f', 10`);
  assert.deepEqual(c.mutations.at(-1), { kind: 'delete', row: Buffer.from('r'), columns: [{ family: Buffer.from('f'), timestamp: 10n, allVersions: false }] });
});

test('scan and count stop early once interrupted (Ctrl-C)', async () => {
  const c = await withTable([1, 2, 3, 4].map((i) => `put 't1', 'r${i}', 'f:a', 'v', ${i}`).join('\n'));
  const commands = allCommands();
  let rows = 0;
  const out = new Capture();
  const ctx: ShellContext = {
    connection: c,
    fmt: new Formatter(out, 0),
    out,
    clock: new ManualClock(),
    interactive: true,
    interrupted: () => ++rows >= 2,
    timestampFormat: 'epoch',
    admin: () => c.getAdmin(),
    table: (n) => c.getTable(n),
    commands,
  };
  await commands.get('scan')!.run(ctx, parseScript(`scan 't1'`)[0]!.args, parseScript(`scan 't1'`)[0]!);
  assert.equal(out.text, 'ROW  COLUMN+CELL\n r1 column=f:a, timestamp=1, value=v\n r2 column=f:a, timestamp=2, value=v\nInterrupted.\n2 row(s)\n');
  out.text = '';
  rows = 0;
  await commands.get('count')!.run(ctx, parseScript(`count 't1'`)[0]!.args, parseScript(`count 't1'`)[0]!);
  assert.equal(out.text, 'Interrupted at row r2.\n2 row(s)\n');
});
