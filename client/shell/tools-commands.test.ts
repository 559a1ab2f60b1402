import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UnavailableError } from '../../common/errors.js';
import { freshCluster, ok, runE } from './test-util.js';

test('flush, compact, major_compact, split and move call the Admin with HBase arguments', async () => {
  const c = freshCluster();
  await ok(c, `create 't1', 'f'`);
  c.adminCalls.length = 0;
  assert.equal(
    await ok(c, `flush 't1'; compact 't1'; major_compact 'abc123'; split 't1'; split 'abc123', "m\\x00"; move 'abc123'; move 'abc123', 'rs2,16020,5'`),
    '',
  );
  assert.deepEqual(
    c.adminCalls.map((x) => [x.op, ...x.args]),
    [
      ['flush', 't1'],
      ['compact', 't1', false],
      ['compact', 'abc123', true],
      ['split', 't1', undefined],
      ['split', 'abc123', Buffer.from('m\x00', 'latin1')],
      ['move', 'abc123', undefined],
      ['move', 'abc123', 'rs2,16020,5'],
    ],
  );
  const r = await runE(c, `flush 't1', 'f'`);
  assert.match(r.err, /flush of one column family is not supported/);
});

test('merge_region takes regions as arguments or as one array, and refuses a forced merge', async () => {
  const c = freshCluster();
  const a = 'a'.repeat(32);
  const b = 'b'.repeat(32);
  const full = `t1,m,1700000000001.${'c'.repeat(32)}.`;
  assert.equal(await ok(c, `merge_region '${a}', '${b}'`), `merged into ${'f'.repeat(32)}\n`);
  assert.equal(await ok(c, `merge_region ['${a}', '${b}', '${full}']`), `merged into ${'f'.repeat(32)}\n`);
  assert.equal(await ok(c, `merge_region '${a}', '${b}', false`), `merged into ${'f'.repeat(32)}\n`);
  assert.deepEqual(
    c.adminCalls.filter((x) => x.op === 'mergeRegions').map((x) => x.args[0]),
    [[a, b], [a, b, full], [a, b]],
  );
  assert.match((await runE(c, `merge_region '${a}', '${b}', true`)).err, /forced merge of regions that are not adjacent is not supported/);
  assert.match((await runE(c, `merge_region '${a}'`)).err, /merge_region needs at least two regions/);
  assert.match((await runE(c, `merge_region ['${a}']`)).err, /merge_region needs at least two regions/);
  assert.equal(c.adminCalls.filter((x) => x.op === 'mergeRegions').length, 3, 'refused calls reach no Admin');
});

test('balancer, balance_switch and balancer_enabled', async () => {
  const c = freshCluster();
  assert.equal(await ok(c, 'balancer'), 'true\n');
  assert.equal(await ok(c, `balancer 'force'`), 'true\n');
  assert.equal(await ok(c, 'balance_switch false'), 'Previous balancer state : true\n');
  assert.equal(await ok(c, 'balance_switch true'), 'Previous balancer state : false\n');
  assert.equal(await ok(c, 'balancer_enabled'), 'true\n');
  assert.match((await runE(c, 'balance_switch maybe')).err, /undefined local variable or method maybe/);
  assert.match((await runE(c, `balance_switch 'maybe'`)).err, /balancer state must be true or false/);
});

test('status: summary, simple and detailed', async () => {
  const c = freshCluster();
  assert.equal(await ok(c, 'status'), '1 active master, 1 backup masters, 1 servers, 0 dead, 3.0000 average load\n');
  assert.equal(
    await ok(c, `status 'simple'`),
    [
      'active master:  m1:16010',
      '1 backup masters',
      '    m2:16010',
      '1 live servers',
      '    rs1,16020,1',
      '        requestsPerSecond=12.5, numberOfOnlineRegions=3, numberOfStorefiles=4, storefileSizeMB=5, memstoreSizeMB=2, readRequestsCount=100, writeRequestsCount=50, rpcAddress=rs1:16020, httpAddress=rs1:16030',
      '0 dead servers',
      'Aggregate load: 13, regions: 3',
      '',
    ].join('\n'),
  );
  assert.match(await ok(c, `status 'detailed'`), /cluster id: c1\nhbase:meta: not assigned\nbalancer: enabled\n0 regionsInTransition\n$/);
  assert.match((await runE(c, `status 'replication'`)).err, /unknown status format replication/);
});

test('a retryable failure says the command can be retried', async () => {
  const c = freshCluster();
  c.failNext = new UnavailableError('no master answered', { details: { masters: 'm1:16010' } });
  const r = await runE(c, 'list');
  assert.equal(
    r.err,
    "ERROR: no master answered masters=`m1:16010` (TSB_UNAVAILABLE)\nThe cluster may be busy or recovering; the command can be retried.\n\nFor usage try 'help \"list\"'\n",
  );
});

test('help lists the command groups; help on a command or group', async () => {
  const c = freshCluster();
  const r = await runE(c, 'help');
  assert.equal(r.code, 0);
  assert.match(r.out, /COMMAND GROUPS:\n {2}Group name: general\n {2}Commands: exit, help, status, version\n/);
  assert.match(r.out, /Group name: ddl\n {2}Commands: alter, create, describe, disable, drop, enable, exists, is_disabled, is_enabled, list, truncate, truncate_preserve\n/);
  assert.match(r.out, /Group name: dml\n {2}Commands: append, count, delete, deleteall, get, get_counter, incr, put, scan\n/);
  assert.match(r.out, /Group name: namespace\n {2}Commands: create_namespace, describe_namespace, drop_namespace, list_namespace, list_namespace_tables\n/);
  assert.match(r.out, /Group name: tools\n {2}Commands: balance_switch, balancer, balancer_enabled, compact, flush, get_splits, list_regions, major_compact, merge_region, move, split\n/);
  assert.doesNotMatch(r.out, /Took/);
  const g = await runE(c, `help 'get'`);
  assert.match(g.out, /^Get row or cell contents;/);
  assert.match((await runE(c, `help 'desc'`)).out, /^Describe the named table/);
  assert.match((await runE(c, `help 'namespace'`)).out, /^Command group: namespace\n\nCommand: create_namespace\n/);
  assert.match((await runE(c, `help 'nope'`)).err, /no command or group named nope/);
  assert.equal((await runE(c, 'version')).out, 'tsbase 0.1.0\nTook 0.0000 seconds\n');
});

test('list_regions and get_splits show a pre-split table by start key', async () => {
  const c = freshCluster();
  await ok(c, `create 't1', 'f', SPLITS => ["\\x01", 'm']`);
  assert.equal(
    await ok(c, `list_regions 't1'`),
    [
      ' SERVER_NAME |                                             REGION_NAME |                     ENCODED_NAME | START_KEY | END_KEY | STATE |',
      ' ----------- | ------------------------------------------------------- | -------------------------------- | --------- | ------- | ----- |',
      ' rs1,16020,1 |     t1,,1700000000000.00000000000000000000000000000000. | 00000000000000000000000000000000 |           |    \\x01 |  OPEN |',
      ' rs1,16020,1 | t1,\\x01,1700000000001.00000000000000000000000000000001. | 00000000000000000000000000000001 |      \\x01 |       m |  OPEN |',
      ' rs1,16020,1 |    t1,m,1700000000002.00000000000000000000000000000002. | 00000000000000000000000000000002 |         m |         |  OPEN |',
      ' 3 rows',
      '',
    ].join('\n'),
  );
  assert.equal(await ok(c, `get_splits 't1'`), 'Total number of splits = 3\n');
});
