import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { ManualClock } from '../../common/clock.js';
import { Capture } from './fake-connection.js';
import { Formatter } from './formatter.js';
import { runShell } from './shell.js';
import { toStringBinary } from './bytes-format.js';
import { freshCluster, ok, runE } from './test-util.js';

test('-e runs every statement and exits 0; Took follows each command', async () => {
  const c = freshCluster();
  const r = await runE(c, `create 't1', 'f'; put 't1', 'r', 'f:q', 'v'\nexists 't1'`);
  assert.equal(r.code, 0);
  assert.equal(r.out, 'Created table t1\nTook 0.0000 seconds\nTook 0.0000 seconds\nTable t1 does exist\nTook 0.0000 seconds\n');
  assert.equal(r.err, '');
});

test('Took reports the time on the injected clock', async () => {
  const c = freshCluster();
  const clock = new ManualClock();
  const conn = {
    ...c,
    getAdmin: () => {
      const a = c.getAdmin();
      return {
        ...a,
        listTables: async (ns?: string) => {
          clock.advance(1234.5);
          return a.listTables(ns);
        },
      };
    },
    getTable: (n: string) => c.getTable(n),
    getBufferedMutator: () => c.getBufferedMutator(),
    close: () => c.close(),
  };
  const out = new Capture();
  assert.equal(await runShell({ connection: conn, output: out, commands: 'list', clock }), 0);
  assert.match(out.text, /\nTook 1\.2345 seconds\n$/);
});

test('-e stops at the first failing command with exit code 1', async () => {
  const c = freshCluster();
  const r = await runE(c, `create 't1', 'f'; put 'nope', 'r', 'f:q', 'v'; create 't2', 'f'`);
  assert.equal(r.code, 1);
  assert.equal(r.out, 'Created table t1\nTook 0.0000 seconds\nTook 0.0000 seconds\n');
  assert.equal(r.err, "ERROR: Unknown table nope! (TSB_NOT_FOUND: table does not exist table=`nope`)\n\nFor usage try 'help \"put\"'\n");
  assert.equal(c.tables.has('t2'), false, 'nothing runs after the failure');
});

test('-e with a syntax error runs nothing and points at the error', async () => {
  const c = freshCluster();
  const r = await runE(c, `create 't1', 'f'\nput 't1', 'r', 'f:q' 'v' }`);
  assert.equal(r.code, 1);
  assert.equal(r.out, '');
  assert.equal(
    r.err,
    ["ERROR: syntax error: unexpected '}', expected ',', a newline or ';' line=`2` column=`26` (TSB_INVALID_ARGUMENT)", "  put 't1', 'r', 'f:q' 'v' }", '                           ^', ''].join('\n'),
  );
  assert.equal(c.tables.size, 0);
  const r2 = await runE(c, `put 't1', 'r`);
  assert.match(r2.err, /^ERROR: syntax error: unterminated string line=`1` column=`11` incomplete=`true`/);
});

test('unknown commands and wrong argument counts are errors', async () => {
  const c = freshCluster();
  let r = await runE(c, `lsit`);
  assert.equal(r.code, 1);
  assert.equal(r.err, "ERROR: unknown command 'lsit'; type 'help' for the list of commands line=`1` column=`1` (TSB_INVALID_ARGUMENT)\n  lsit\n  ^\n");
  r = await runE(c, `put 't1', 'r'`);
  assert.match(r.err, /^ERROR: wrong number of arguments \(given 2, expected 4\.\.6\)/);
  r = await runE(c, `exists`);
  assert.match(r.err, /^ERROR: wrong number of arguments \(given 0, expected 1\)/);
  r = await runE(c, `scan 't1', {}, {}`);
  assert.match(r.err, /given 3, expected 1\.\.2/);
  r = await runE(c, `get 't1'`);
  assert.match(r.err, /given 1, expected 2\+/);
});

test('exit ends the run with its status', async () => {
  const c = freshCluster();
  let r = await runE(c, `exit; create 't1', 'f'`);
  assert.equal(r.code, 0);
  assert.equal(c.tables.size, 0);
  r = await runE(c, `quit 3`);
  assert.equal(r.code, 3);
  r = await runE(c, `exit 300`);
  assert.equal(r.code, 1);
  assert.match(r.err, /exit status must be between 0 and 255/);
});

test('a non-interactive input stream runs like -e', async () => {
  const c = freshCluster();
  const input = new PassThrough();
  input.end(`create 't1', 'f'\nput 't1', 'r', 'f:q', 'v'\nget 't1', 'r'\nget 'x', 'r'\nlist\n`);
  const out = new Capture();
  const code = await runShell({ connection: c, output: out, input, clock: new ManualClock(), timestampFormat: 'epoch' });
  assert.equal(code, 1);
  assert.match(out.text, / f:q timestamp=\d+, value=v\n1 row\(s\)\n/);
  assert.match(out.text, /ERROR: Unknown table x!/);
  assert.doesNotMatch(out.text, /TABLE/);
});

test('interactive: prompts, continuation lines, errors do not end the session, echoes, exit', async () => {
  const c = freshCluster();
  const input = new PassThrough();
  const out = new Capture();
  const done = runShell({ connection: c, output: out, input, interactive: true, clock: new ManualClock(), timestampFormat: 'epoch' });
  input.write(`create 't1',\n`);
  input.write(`  {NAME => 'f',\n   VERSIONS => 2}\n`);
  input.write(`scan 'nope'\n`);
  input.write(`list\n`);
  input.write(`exit 4\n`);
  input.write(`list\n`);
  const code = await done;
  assert.equal(code, 4);
  const text = out.text;
  assert.ok(text.startsWith('hbase:001:0> hbase:002:1* hbase:003:1* Created table t1\nTook 0.0000 seconds\n=> Hbase::Table - t1\nhbase:004:0> '), text);
  assert.match(text, /hbase:004:0> \nERROR: Unknown table nope! \(TSB_NOT_FOUND: table does not exist table=`nope`\)\n\nFor usage try 'help "scan"'\n\nTook 0\.0000 seconds\nhbase:005:0> /);
  assert.match(text, /hbase:005:0> TABLE\nt1\n1 row\(s\)\nTook 0\.0000 seconds\n=> \["t1"\]\nhbase:006:0> $/);
  assert.equal(c.table('t1').families[0]!['VERSIONS'], '2');
});

test('interactive: a syntax error is reported and the session goes on; end of input exits 0', async () => {
  const c = freshCluster();
  const input = new PassThrough();
  const out = new Capture();
  const done = runShell({ connection: c, output: out, input, interactive: true, clock: new ManualClock() });
  input.end(`put 't1' 'r' }\nexists 't1'\n`);
  assert.equal(await done, 0);
  assert.match(out.text, /ERROR: syntax error: unexpected '}'/);
  assert.match(out.text, /Table t1 does not exist\nTook 0\.0000 seconds\n=> false\n/);
});

test('the formatter pads and wraps to a terminal width like HBase', () => {
  const out = new Capture();
  const f = new Formatter(out, 40);
  f.header(['ROW', 'COLUMN+CELL']);
  f.row(['r1', 'column=f:q, timestamp=1, value=abcdefghijklmnopqrstuvwxyz']);
  f.row(['a-very-long-row-key-here', 'x']);
  f.footer();
  assert.equal(
    out.text,
    [
      'ROW         COLUMN+CELL',
      ' r1         column=f:q, timestamp=1, val',
      '            ue=abcdefghijklmnopqrstuvwxy',
      '            z',
      ' a-very-lon x',
      ' g-row-key-',
      ' here',
      '2 row(s)',
      '',
    ].join('\n'),
  );
});

test('scan output on a terminal uses the width', async () => {
  const c = freshCluster();
  await ok(c, `create 't1', 'f'; put 't1', 'r1', 'f:q', 'v', 5`);
  const r = await runE(c, `scan 't1'`, 80);
  assert.equal(r.out, 'ROW                   COLUMN+CELL\n r1                   column=f:q, timestamp=5, value=v\n1 row(s)\nTook 0.0000 seconds\n');
});

test('toStringBinary escapes like HBase Bytes.toStringBinary', () => {
  assert.equal(toStringBinary(Buffer.from('azAZ09 ~!', 'latin1')), 'azAZ09 ~!');
  assert.equal(toStringBinary(Buffer.from([0, 0x1f, 0x5c, 0x7f, 0x80, 0xff])), '\\x00\\x1F\\x5C\\x7F\\x80\\xFF');
  assert.equal(toStringBinary(Buffer.from('é', 'utf8')), '\\xC3\\xA9');
});
