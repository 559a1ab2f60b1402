import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CreateTableRequest } from '../../common/admin/admin-api.js';
import { humanTtl } from './ddl-commands.js';
import { splitKeys } from './split-algorithms.js';
import { freshCluster, ok, runE } from './test-util.js';

function lastCreate(c: ReturnType<typeof freshCluster>): CreateTableRequest {
  const call = c.adminCalls.filter((x) => x.op === 'createTable').at(-1);
  assert.ok(call);
  return call.args[0] as CreateTableRequest;
}

test('create: families as names and hashes, HBase output', async () => {
  const c = freshCluster();
  const r = await runE(c, `create 't1', 'f1', {NAME => 'f2', VERSIONS => 5, TTL => FOREVER, IN_MEMORY => true, BLOOMFILTER => 'ROWCOL'}`);
  assert.equal(r.code, 0);
  assert.equal(r.out, 'Created table t1\nTook 0.0000 seconds\n');
  assert.deepEqual(lastCreate(c), {
    name: 't1',
    families: [{ NAME: 'f1' }, { NAME: 'f2', VERSIONS: 5, TTL: 'FOREVER', IN_MEMORY: true, BLOOMFILTER: 'ROWCOL' }],
  });
  const t = c.table('t1');
  assert.equal(t.families[1]!['VERSIONS'], '5');
  assert.equal(t.families[1]!['IN_MEMORY'], 'true');
});

test('create: pre-split by SPLITS, by NUMREGIONS + SPLITALGO, or by NUMREGIONS alone; table sizes', async () => {
  const c = freshCluster();
  await ok(c, `create 't1', 'f', SPLITS => ['10', '20', "\\x00a"]`);
  assert.deepEqual(lastCreate(c).splitKeys, ['10', '20', '\x00a'].map((s) => Buffer.from(s, 'latin1').toString('base64')));
  await ok(c, `create 't2', 'f', {NUMREGIONS => 4, SPLITALGO => 'HexStringSplit'}`);
  assert.deepEqual(
    lastCreate(c).splitKeys!.map((k) => Buffer.from(k, 'base64').toString('latin1')),
    ['3fffffff', '7ffffffe', 'bffffffd'],
  );
  await ok(c, `create 't3', 'f', {NUMREGIONS => 3}`);
  assert.equal(lastCreate(c).numRegions, 3);
  await ok(c, `create 't4', 'f', {MAX_FILESIZE => 1073741824, MEMSTORE_FLUSHSIZE => '134217728'}`);
  assert.deepEqual([lastCreate(c).maxFileSize, lastCreate(c).memStoreFlushSize], [1073741824, 134217728]);
  const r = await runE(c, `create 't5', 'f', {SPLITALGO => 'HexStringSplit'}`);
  assert.equal(r.code, 1);
  assert.match(r.err, /ERROR: Number of regions must be specified/);
  assert.match((await runE(c, `create 't5', 'f', {NUMREGIONS => 1, SPLITALGO => 'HexStringSplit'}`)).err, /greater than 1/);
  assert.match((await runE(c, `create 't5', 'f', {NUMREGIONS => 4, SPLITALGO => 'Bogus'}`)).err, /unknown SPLITALGO Bogus/);
});

test('split algorithms cut the key range evenly, as HBase RegionSplitter', () => {
  assert.deepEqual(
    splitKeys('HexStringSplit', 10).map((b) => b.toString('latin1')),
    ['19999999', '33333332', '4ccccccb', '66666664', '7ffffffd', '99999996', 'b333332f', 'ccccccc8', 'e6666661'],
  );
  assert.deepEqual(
    splitKeys('DecimalStringSplit', 4).map((b) => b.toString('latin1')),
    ['24999999', '49999998', '74999997'],
  );
  const u = splitKeys('UniformSplit', 2);
  assert.deepEqual(u, [Buffer.from('7fffffffffffffff', 'hex')]);
});

test('create: ignored HBase attributes are reported; errors for no family and existing tables', async () => {
  const c = freshCluster();
  const out = await ok(c, `create 't1', {NAME => 'f', BLOCKCACHE => true, REPLICATION_SCOPE => 0}, {DURABILITY => 'ASYNC_WAL', FOO => 1}`);
  assert.equal(
    out,
    [
      'An argument ignored (unknown or overridden): BLOCKCACHE',
      'An argument ignored (unknown or overridden): REPLICATION_SCOPE',
      'An argument ignored (unknown or overridden): FOO',
      'Created table t1',
      '',
    ].join('\n'),
  );
  assert.deepEqual(lastCreate(c).families, [{ NAME: 'f' }]);
  let r = await runE(c, `create 't1', 'f'`);
  assert.equal(r.code, 1);
  assert.equal(r.err, "ERROR: Table already exists: t1! (TSB_ALREADY_EXISTS: table already exists table=`t1`)\n\nFor usage try 'help \"create\"'\n");
  r = await runE(c, `create 't9', {SPLITS => ['a']}`);
  assert.match(r.err, /ERROR: Table must have at least one column family/);
  r = await runE(c, `create 'nope:t9', 'f'`);
  assert.match(r.err, /^ERROR: Unknown namespace nope! \(TSB_NOT_FOUND: namespace does not exist namespace=`nope`\)/);
  // The master validates family attributes.
  r = await runE(c, `create 't9', {NAME => 'f', VERSIONS => 'many'}`);
  assert.match(r.err, /ERROR: invalid column family option VERSIONS.*\(TSB_INVALID_CONFIG\)/);
});

test('describe prints the state, table attributes and each family as HBase does', async () => {
  const c = freshCluster();
  await ok(c, `create 't1', {NAME => 'f1', TTL => 90061}, {MAX_FILESIZE => 1024}`);
  const out = await ok(c, `desc 't1'`);
  assert.equal(
    out,
    [
      'Table t1 is ENABLED',
      "t1, {TABLE_ATTRIBUTES => {MAX_FILESIZE => '1024'}}",
      'COLUMN FAMILIES DESCRIPTION',
      "{NAME => 'f1', VERSIONS => '1', MIN_VERSIONS => '0', TTL => '90061 SECONDS (1 DAY 1 HOUR 1 MINUTE 1 SECOND)', KEEP_DELETED_CELLS => 'FALSE', BLOOMFILTER => 'ROW', BLOCKSIZE => '65536', COMPRESSION => 'NONE', DATA_BLOCK_ENCODING => 'NONE', IN_MEMORY => 'false', IN_MEMORY_COMPACTION => 'NONE'}",
      '1 row(s)',
      '',
    ].join('\n'),
  );
  await ok(c, `disable 't1'`);
  assert.match(await ok(c, `describe 't1'`), /^Table t1 is DISABLED\nt1, /);
  const r = await runE(c, `describe 'nope'`);
  assert.equal(r.code, 1);
  assert.match(r.err, /^ERROR: Unknown table nope! \(TSB_NOT_FOUND/);
});

test('humanTtl follows HBase PrettyPrinter', () => {
  assert.equal(humanTtl('30'), '30 SECONDS');
  assert.equal(humanTtl('86400'), '86400 SECONDS (1 DAY)');
  assert.equal(humanTtl('172800'), '172800 SECONDS (2 DAYS)');
  assert.equal(humanTtl('3660'), '3660 SECONDS (1 HOUR 1 MINUTE)');
  assert.equal(humanTtl('FOREVER'), 'FOREVER');
  assert.equal(humanTtl('2147483647'), 'FOREVER');
});

test('alter: modifies a family keeping its other options, adds and deletes families', async () => {
  const c = freshCluster();
  await ok(c, `create 't1', {NAME => 'f1', VERSIONS => 3, IN_MEMORY => true}, 'f2', 'f3'`);
  const out = await ok(c, `alter 't1', NAME => 'f1', TTL => 3600`);
  assert.equal(out, 'Updating all regions with the new schema...\nAll regions updated.\nDone.\n');
  const f1 = c.table('t1').families.find((f) => f['NAME'] === 'f1')!;
  assert.deepEqual([f1['VERSIONS'], f1['IN_MEMORY'], f1['TTL']], ['3', 'true', '3600']);
  await ok(c, `alter 't1', 'f4', {NAME => 'f5', VERSIONS => 2}`);
  assert.deepEqual(
    c.table('t1').families.map((f) => f['NAME']),
    ['f1', 'f2', 'f3', 'f4', 'f5'],
  );
  await ok(c, `alter 't1', 'delete' => 'f2'`);
  await ok(c, `alter 't1', NAME => 'f3', METHOD => 'delete'`);
  assert.deepEqual(
    c.table('t1').families.map((f) => f['NAME']),
    ['f1', 'f4', 'f5'],
  );
  let r = await runE(c, `alter 't1', MAX_FILESIZE => '134217728'`);
  assert.equal(r.code, 1);
  assert.match(r.err, /changing table attributes \(MAX_FILESIZE\) is not supported/);
  r = await runE(c, `alter 't1', METHOD => 'table_att', MAX_FILESIZE => '1'`);
  assert.match(r.err, /METHOD => 'table_att'/);
  r = await runE(c, `alter 't1', 'delete' => 'nope'`);
  assert.match(r.err, /ERROR: Unknown column family! \(TSB_NOT_FOUND/);
});

test('list, exists, is_enabled, is_disabled', async () => {
  const c = freshCluster();
  await ok(c, `create_namespace 'ns'; create 'b', 'f'; create 'a', 'f'; create 'ns:c', 'f'`);
  assert.equal(await ok(c, 'list'), 'TABLE\na\nb\nns:c\n3 row(s)\n');
  assert.equal(await ok(c, `list 'ns:.*'`), 'TABLE\nns:c\n1 row(s)\n');
  assert.equal(await ok(c, `list '[ab]'`), 'TABLE\na\nb\n2 row(s)\n');
  assert.match((await runE(c, `list '('`)).err, /invalid table pattern/);
  assert.equal(await ok(c, `exists 'a'; exists 'zz'`), 'Table a does exist\nTable zz does not exist\n');
  assert.equal(await ok(c, `is_enabled 'a'; is_disabled 'a'; disable 'a'; is_enabled 'a'; is_disabled 'a'`), 'true\nfalse\nfalse\ntrue\n');
});

test('enable, disable, drop (refused while enabled), truncate', async () => {
  const c = freshCluster();
  await ok(c, `create 't1', 'f'; put 't1', 'r', 'f:q', 'v'`);
  let r = await runE(c, `drop 't1'`);
  assert.equal(r.code, 1);
  assert.match(r.err, /^ERROR: Table t1 is enabled\. Disable it first\. \(TSB_INVALID_ARGUMENT\)/);
  assert.equal(await ok(c, `truncate 't1'`), "Truncating 't1' table (it may take a while):\nDisabling table...\nTruncating table...\n");
  assert.equal(c.table('t1').rows.size, 0);
  assert.equal(c.table('t1').state, 'ENABLED');
  assert.deepEqual(
    c.adminCalls.filter((x) => x.op === 'truncateTable').map((x) => x.args),
    [['t1', false]],
  );
  await ok(c, `truncate_preserve 't1'`);
  assert.deepEqual(c.adminCalls.filter((x) => x.op === 'truncateTable').at(-1)!.args, ['t1', true]);
  await ok(c, `disable 't1'; enable 't1'; disable 't1'; drop 't1'`);
  assert.equal(c.tables.size, 0);
  r = await runE(c, `enable 't1'`);
  assert.match(r.err, /^ERROR: Unknown table t1!/);
});

test('namespaces: create, list, describe, list tables, drop', async () => {
  const c = freshCluster();
  assert.equal(await ok(c, `create_namespace 'ns1'; list_namespace`), 'NAMESPACE\ndefault\nhbase\nns1\n3 row(s)\n');
  assert.equal(await ok(c, `list_namespace 'ns.*'`), 'NAMESPACE\nns1\n1 row(s)\n');
  assert.equal(await ok(c, `describe_namespace 'ns1'`), "DESCRIPTION\n{NAME => 'ns1'}\n");
  await ok(c, `create 'ns1:t', 'f'`);
  assert.equal(await ok(c, `list_namespace_tables 'ns1'`), 'TABLE\nt\n1 row(s)\n');
  let r = await runE(c, `drop_namespace 'ns1'`);
  assert.match(r.err, /ERROR: namespace still has tables; drop them first namespace=`ns1` \(TSB_PRECONDITION_FAILED\)/);
  await ok(c, `disable 'ns1:t'; drop 'ns1:t'; drop_namespace 'ns1'`);
  assert.equal(c.namespaces.has('ns1'), false);
  r = await runE(c, `create_namespace 'default'`);
  assert.match(r.err, /^ERROR: Namespace already exists: default! \(TSB_ALREADY_EXISTS/);
  r = await runE(c, `drop_namespace 'gone'`);
  assert.match(r.err, /^ERROR: Unknown namespace gone!/);
  assert.match((await runE(c, `create_namespace 'x', {'PROP' => 'v'}`)).out, /An argument ignored \(unknown or overridden\): PROP/);
});
