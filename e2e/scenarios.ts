// End-to-end scenarios run against any running tsbase (standalone or a cluster) through the
// public client library and the shell. Each takes a connection and its own table names, so
// the test files can run them on every deployment kind.
import assert from 'node:assert/strict';
import type { Connection } from '../client/connection.js';
import type { Result } from '../common/ops/operations.js';
import { assertRowsPresent, b, putOf, shell, shellOk, sleep, startLoad, valueOf, waitFor } from './e2e-util.js';

const b64 = (s: string) => b(s).toString('base64');
const rowsOf = (rs: readonly Result[]) => rs.map((r) => r.row.toString('utf8'));

async function collect(conn: Connection, table: string, scan: Parameters<ReturnType<Connection['getTable']>['getScanner']>[0] = {}): Promise<Result[]> {
  const out: Result[] = [];
  for await (const r of conn.getTable(table).getScanner(scan)) out.push(r);
  return out;
}

/** Namespaces and every DDL operation through Admin. */
export async function ddlScenario(conn: Connection, ns: string): Promise<void> {
  const admin = conn.getAdmin();
  await admin.createNamespace(ns);
  const namespaces = await admin.listNamespaces();
  for (const n of ['default', 'hbase', ns]) assert.ok(namespaces.includes(n), `namespaces ${namespaces.join(',')} lack ${n}`);

  const name = `${ns}:ddl`;
  const created = await admin.createTable({ name, families: [{ NAME: 'f', VERSIONS: 3 }], splitKeys: [b64('g'), b64('p')] });
  assert.equal(created.state, 'ENABLED');
  const regions = (await admin.getRegions(name)).filter((r) => r.state === 'OPEN');
  assert.equal(regions.length, 3, 'pre-split by split keys: 3 regions');
  assert.deepEqual(regions.map((r) => Buffer.from(r.region.startKey, 'base64').toString()).sort(), ['', 'g', 'p']);

  const described = await admin.describeTable(name);
  assert.deepEqual(described.families.map((f) => f['NAME']), ['f']);
  assert.equal(described.families[0]!['VERSIONS'], '3');
  assert.equal(await admin.tableExists(name), true);
  assert.equal(await admin.tableExists(`${ns}:nope`), false);

  const t = conn.getTable(name);
  await t.put([putOf('a', 'f', 'q', '1'), putOf('h', 'f', 'q', '2'), putOf('q', 'f', 'q', '3')]);

  // alter: add a family, modify one, delete one.
  const withG = await admin.addOrModifyColumnFamily(name, { NAME: 'g', VERSIONS: 2 });
  assert.deepEqual(withG.families.map((f) => f['NAME']).sort(), ['f', 'g']);
  await t.put(putOf('a', 'g', 'q', 'in-g'));
  assert.equal(valueOf(await t.get({ row: b('a') }), 'g', 'q'), 'in-g');
  const modified = await admin.addOrModifyColumnFamily(name, { NAME: 'f', VERSIONS: 5 });
  assert.equal(modified.families.find((f) => f['NAME'] === 'f')!['VERSIONS'], '5');
  const withoutG = await admin.deleteColumnFamily(name, 'g');
  assert.deepEqual(withoutG.families.map((f) => f['NAME']), ['f']);
  assert.equal(valueOf(await t.get({ row: b('a') }), 'f', 'q'), '1', 'data of the other family survives alter');

  // disable / enable keep the data; a disabled table cannot be dropped while enabled.
  await assert.rejects(admin.deleteTable(name), 'an enabled table cannot be dropped');
  await admin.disableTable(name);
  assert.equal(await admin.isTableEnabled(name), false);
  await admin.enableTable(name);
  assert.equal(await admin.isTableEnabled(name), true);
  assert.deepEqual(rowsOf(await collect(conn, name)), ['a', 'h', 'q']);

  // truncate keeps the splits and drops the rows.
  await admin.disableTable(name);
  await admin.truncateTable(name, true);
  if (!(await admin.isTableEnabled(name))) await admin.enableTable(name);
  assert.deepEqual(rowsOf(await collect(conn, name)), []);
  assert.equal((await admin.getRegions(name)).filter((r) => r.state === 'OPEN').length, 3, 'truncate preserved the splits');
  await t.put(putOf('z', 'f', 'q', 'after-truncate'));
  assert.equal(valueOf(await t.get({ row: b('z') }), 'f', 'q'), 'after-truncate');

  // Pre-split by count.
  const byCount = `${ns}:bycount`;
  await admin.createTable({ name: byCount, families: [{ NAME: 'f' }], numRegions: 4, startKey: b64('a'), endKey: b64('z') });
  assert.equal((await admin.getRegions(byCount)).filter((r) => r.state === 'OPEN').length, 4, 'NUMREGIONS 4');
  const listed = (await admin.listTables(ns)).map((x) => x.name).sort();
  assert.deepEqual(listed, [byCount, name].sort());

  // A namespace with tables cannot be dropped; drop the tables, then it can.
  await assert.rejects(admin.deleteNamespace(ns));
  for (const tn of [name, byCount]) {
    await admin.disableTable(tn);
    await admin.deleteTable(tn);
    assert.equal(await admin.tableExists(tn), false);
  }
  await admin.deleteNamespace(ns);
  assert.ok(!(await admin.listNamespaces()).includes(ns));
}

/** Every data operation through Table and BufferedMutator, on a table pre-split at g and p. */
export async function dataScenario(conn: Connection, name: string): Promise<void> {
  const admin = conn.getAdmin();
  await admin.createTable({ name, families: [{ NAME: 'f', VERSIONS: 3 }, { NAME: 'c' }], splitKeys: [b64('g'), b64('p')] });
  const t = conn.getTable(name);
  const f = b('f');
  const q = b('q');

  // put / get / getMany / exists
  await t.put(putOf('apple', 'f', 'q', 'red'));
  await t.put([putOf('kiwi', 'f', 'q', 'green'), putOf('plum', 'f', 'q', 'purple'), putOf('zucchini', 'f', 'q', 'green')]);
  assert.equal(valueOf(await t.get({ row: b('apple') }), 'f', 'q'), 'red');
  const many = await t.getMany([{ row: b('plum') }, { row: b('missing') }, { row: b('kiwi') }]);
  assert.deepEqual(many.map((r) => valueOf(r, 'f', 'q')), ['purple', undefined, 'green']);
  assert.equal(await t.exists({ row: b('kiwi') }), true);
  assert.equal(await t.exists({ row: b('missing') }), false);

  // versions
  await t.put({ kind: 'put', row: b('apple'), columns: [{ family: f, qualifier: q, value: b('green'), timestamp: 5n }] });
  await t.put({ kind: 'put', row: b('apple'), columns: [{ family: f, qualifier: q, value: b('yellow'), timestamp: 6n }] });
  const versions = await t.get({ row: b('apple'), maxVersions: 3 });
  assert.deepEqual(versions.cells.map((c) => c.value.toString()), ['red', 'yellow', 'green']);

  // delete: one column version, a column, a row
  await t.delete({ kind: 'delete', row: b('apple'), columns: [{ family: f, qualifier: q, timestamp: 6n, allVersions: false }] });
  assert.deepEqual((await t.get({ row: b('apple'), maxVersions: 3 })).cells.map((c) => c.value.toString()), ['red', 'green']);
  await t.delete({ kind: 'delete', row: b('apple'), columns: [{ family: f, qualifier: q, allVersions: true }] });
  assert.equal((await t.get({ row: b('apple') })).cells.length, 0);
  // The delete marker carries the server's time in ms, and it masks every put of the column
  // with that timestamp or an older one, as in HBase (HBASE-2256: a put in the same millisecond
  // as the delete stays hidden). Let the clock pass the marker's millisecond before the put.
  await sleep(5);
  await t.put(putOf('apple', 'f', 'q', 'red'));
  await t.delete({ kind: 'delete', row: b('zucchini'), columns: [] });
  assert.equal(await t.exists({ row: b('zucchini') }), false);

  // batch: puts and deletes in several regions
  await t.batch([putOf('banana', 'f', 'q', 'yellow'), putOf('mango', 'f', 'q', 'orange'), putOf('tomato', 'f', 'q', 'red'), { kind: 'delete', row: b('kiwi'), columns: [] }]);
  assert.deepEqual(rowsOf(await collect(conn, name)), ['apple', 'banana', 'mango', 'plum', 'tomato']);

  // checkAndMutate
  const swapped = await t.checkAndMutate({ row: b('plum'), family: f, qualifier: q, op: 'EQUAL', value: b('purple'), mutations: [putOf('plum', 'f', 'q', 'dried')] });
  assert.equal(swapped, true);
  const notSwapped = await t.checkAndMutate({ row: b('plum'), family: f, qualifier: q, op: 'EQUAL', value: b('purple'), mutations: [putOf('plum', 'f', 'q', 'never')] });
  assert.equal(notSwapped, false);
  const ifAbsent = await t.checkAndMutate({ row: b('quince'), family: f, qualifier: q, op: 'EQUAL', mutations: [putOf('quince', 'f', 'q', 'new')] });
  assert.equal(ifAbsent, true);
  assert.equal(valueOf(await t.get({ row: b('plum') }), 'f', 'q'), 'dried');

  // increment / incrementColumnValue / append
  const inc = await t.increment({ row: b('counter'), columns: [{ family: b('c'), qualifier: b('n'), amount: 5n }] });
  assert.equal(inc.cells[0]!.value.readBigInt64BE(0), 5n);
  assert.equal(await t.incrementColumnValue(b('counter'), b('c'), b('n'), 10n), 15n);
  assert.equal(await t.incrementColumnValue(b('counter'), b('c'), b('n'), -3n), 12n);
  await t.append({ row: b('log'), columns: [{ family: f, qualifier: q, value: b('a') }] });
  const appended = await t.append({ row: b('log'), columns: [{ family: f, qualifier: q, value: b('bc') }] });
  assert.equal(appended.cells[0]!.value.toString(), 'abc');

  // scans across the three regions: full, range, reversed, limit, columns
  const all = rowsOf(await collect(conn, name));
  assert.deepEqual(all, ['apple', 'banana', 'counter', 'log', 'mango', 'plum', 'quince', 'tomato']);
  assert.deepEqual(rowsOf(await collect(conn, name, { startRow: b('c'), stopRow: b('q') })), ['counter', 'log', 'mango', 'plum']);
  assert.deepEqual(rowsOf(await collect(conn, name, { reversed: true })), [...all].reverse());
  assert.deepEqual(rowsOf(await collect(conn, name, { startRow: b('f'), limit: 3 })), ['log', 'mango', 'plum']);
  assert.deepEqual(rowsOf(await collect(conn, name, { columns: [{ family: b('c') }] })), ['counter']);

  // BufferedMutator: many rows over every region, then a scan that crosses them all
  const m = conn.getBufferedMutator(name, { writeBufferBytes: 64 * 1024 });
  for (let i = 0; i < 3000; i++) await m.mutate(putOf(`bulk-${String.fromCharCode(97 + (i % 26))}-${String(i).padStart(5, '0')}`, 'f', 'q', `v${i}`));
  await m.close();
  const bulk = (await collect(conn, name, { startRow: b('bulk-'), stopRow: b('bulk.') })).length;
  assert.equal(bulk, 3000);
  let count = 0;
  let prev = '';
  for await (const r of t.getScanner({ caching: 100 })) {
    const row = r.row.toString();
    assert.ok(row > prev, `scan order: ${row} after ${prev}`);
    prev = row;
    count++;
  }
  assert.equal(count, 3000 + all.length);
}

/** HBase shell commands (`tsbase shell -e`) on a fresh table. */
export async function shellScenario(conn: Connection, name: string, ns: string): Promise<void> {
  let out = await shellOk(conn, `create '${name}', 'f', {NAME => 'g', VERSIONS => 2}, SPLITS => ['m']`);
  assert.match(out, /Created table/);
  out = await shellOk(conn, `exists '${name}'`);
  assert.match(out, /does exist/);
  out = await shellOk(conn, `list`);
  assert.ok(out.includes(name), out);
  await shellOk(
    conn,
    [
      `put '${name}', 'r1', 'f:a', 'one'`,
      `put '${name}', 'r2', 'f:a', 'two'`,
      `put '${name}', 'x9', 'f:a', 'nine'`,
      `put '${name}', 'r1', 'g:b', 'gee'`,
      `incr '${name}', 'cnt', 'f:n', 7`,
      `append '${name}', 'r2', 'f:a', '-more'`,
    ].join('\n'),
  );
  out = await shellOk(conn, `get '${name}', 'r1'`);
  assert.match(out, /f:a\s+timestamp=\d+, value=one/);
  assert.match(out, /g:b\s+timestamp=\d+, value=gee/);
  out = await shellOk(conn, `get_counter '${name}', 'cnt', 'f:n'`);
  assert.match(out, /COUNTER VALUE = 7/);
  out = await shellOk(conn, `scan '${name}'`);
  assert.match(out, /r2\s+column=f:a, timestamp=\d+, value=two-more/);
  assert.match(out, /4 row\(s\)/);
  out = await shellOk(conn, `scan '${name}', {STARTROW => 'r', STOPROW => 'x', LIMIT => 1}`);
  assert.match(out, /1 row\(s\)/);
  assert.match(out, /r1/);
  out = await shellOk(conn, `scan '${name}', {COLUMNS => ['g']}`);
  assert.match(out, /1 row\(s\)/);
  out = await shellOk(conn, `count '${name}'`);
  assert.match(out, /4 row\(s\)/);
  await shellOk(conn, `delete '${name}', 'r1', 'g:b'\ndeleteall '${name}', 'x9'`);
  out = await shellOk(conn, `count '${name}'`);
  assert.match(out, /3 row\(s\)/);
  out = await shellOk(conn, `alter '${name}', {NAME => 'h'}\ndescribe '${name}'`);
  assert.match(out, /NAME => 'h'/);
  await shellOk(conn, `flush '${name}'\ncompact '${name}'\nmajor_compact '${name}'`);
  out = await shellOk(conn, `status`);
  assert.match(out, /active master/);
  await shellOk(conn, `balancer`);
  const [m0, m1] = (await conn.getAdmin().getRegions(name)).map((r) => r.region.encodedName);
  out = await shellOk(conn, `merge_region '${m0!}', '${m1!}'`);
  assert.match(out, /merged into [0-9a-f]{32}/);
  assert.equal((await conn.getAdmin().getRegions(name)).filter((r) => r.state === 'OPEN').length, 1, 'merged into one region');
  out = await shellOk(conn, `count '${name}'`);
  assert.match(out, /3 row\(s\)/);
  // The merged region refers to its parents' files until compacted; it splits after that.
  await shellOk(conn, `major_compact '${name}'`);
  await waitFor('the shell split, once the merged region compacted', async () => (await shell(conn, `split '${name}', 'r2'`)).code === 0, 60_000);
  await waitFor('the shell split', async () => (await conn.getAdmin().getRegions(name)).filter((r) => r.state === 'OPEN').length === 2, 60_000);
  out = await shellOk(conn, `count '${name}'`);
  assert.match(out, /3 row\(s\)/);
  await shellOk(conn, `disable '${name}'\nenable '${name}'\ntruncate '${name}'`);
  out = await shellOk(conn, `count '${name}'`);
  assert.match(out, /0 row\(s\)/);
  await shellOk(conn, `create_namespace '${ns}'`);
  out = await shellOk(conn, `list_namespace`);
  assert.ok(out.includes(ns), out);
  await shellOk(conn, `drop_namespace '${ns}'\ndisable '${name}'\ndrop '${name}'`);
  out = await shellOk(conn, `exists '${name}'`);
  assert.match(out, /does not exist/);
  // An error is reported, not thrown, and the exit code says so.
  const { code, out: errOut } = await shell(conn, `get 'no_such_table', 'r'`);
  assert.equal(code, 1);
  assert.match(errOut, /ERROR/);
}

/**
 * A client writes and reads continuously while a region is split, (with more than one region
 * server) regions move, and two regions merge: no error reaches the client and every
 * acknowledged write is there.
 */
export async function moveAndSplitUnderLoad(conn: Connection, name: string): Promise<void> {
  const admin = conn.getAdmin();
  await admin.createTable({ name, families: [{ NAME: 'f' }], splitKeys: [b64('4000'), b64('8000'), b64('c000')] });
  const t = conn.getTable(name);
  const load = startLoad(t, { writers: 4, readers: 2 });
  const status = await admin.clusterStatus();
  await waitFor('some writes', () => load.acked.size > 200, 30_000);
  // Split the region holding [8000, c000) at a row inside it.
  await admin.split(name, b('a000'));
  await waitFor('the split', async () => (await admin.getRegions(name)).filter((r) => r.state === 'OPEN').length === 5, 60_000);
  const before = load.acked.size;
  await waitFor('writes after the split', () => load.acked.size > before + 200, 30_000);
  if (status.servers.length > 1) {
    const regions = (await admin.getRegions(name)).filter((r) => r.state === 'OPEN');
    for (const r of regions.slice(0, 3)) {
      const target = status.servers.find((s) => s.serverName !== r.serverName)!;
      await admin.move(r.region.encodedName, target.serverName);
      const after = (await admin.getRegions(name)).find((x) => x.region.encodedName === r.region.encodedName);
      assert.equal(after?.serverName, target.serverName, 'region moved to the named server');
    }
    const beforeMoves = load.acked.size;
    await waitFor('writes after the moves', () => load.acked.size > beforeMoves + 200, 30_000);
  }
  // Merge the first two regions (not split, so without references; maybe on two servers).
  const [r0, r1] = (await admin.getRegions(name)).filter((r) => r.state === 'OPEN').sort((x, y) => Buffer.compare(Buffer.from(x.region.startKey, 'base64'), Buffer.from(y.region.startKey, 'base64')));
  assert.deepEqual([r0!.region.startKey, r1!.region.startKey], ['', b64('4000')]);
  const merged = await admin.mergeRegions([r0!.region.encodedName, r1!.region.encodedName]);
  assert.deepEqual([merged.startKey, merged.endKey], ['', b64('8000')]);
  assert.equal((await admin.getRegions(name)).filter((r) => r.state === 'OPEN').length, 4);
  const beforeMerge = load.acked.size;
  await waitFor('writes after the merge', () => load.acked.size > beforeMerge + 200, 30_000);
  const report = await load.stop();
  assert.deepEqual(
    report.errors.map((e) => String(e)),
    [],
    'no error reaches the client during split, moves and merge',
  );
  assert.ok(report.reads > 0 && report.writes > 0);
  await assertRowsPresent(t, report.acked);
}

/**
 * A scan in progress (small batches) while every region of the table moves (or, with one
 * region server, while a region splits): the scan returns every row exactly once, in order.
 */
export async function scanAcrossMoves(conn: Connection, name: string): Promise<void> {
  const admin = conn.getAdmin();
  await admin.createTable({ name, families: [{ NAME: 'f' }], splitKeys: ['r1', 'r2', 'r3'].map((k) => b64(k)) });
  const m = conn.getBufferedMutator(name);
  const expected: string[] = [];
  for (let i = 0; i < 2000; i++) {
    const row = `r${Math.floor(i / 500)}-${String(i).padStart(5, '0')}`;
    expected.push(row);
    await m.mutate(putOf(row, 'f', 'q', `v${i}`));
  }
  await m.close();
  expected.sort();
  const scanner = conn.getTable(name).getScanner({ caching: 50 });
  const seen: string[] = [];
  for (let i = 0; i < 300; i++) seen.push((await scanner.next())!.row.toString());
  const servers = (await admin.clusterStatus()).servers;
  if (servers.length > 1) {
    for (const r of await admin.getRegions(name)) {
      const target = servers.find((s) => s.serverName !== r.serverName)!;
      await admin.move(r.region.encodedName, target.serverName);
    }
  } else {
    await admin.split(name, b('r2-01200'));
    await waitFor('the split', async () => (await admin.getRegions(name)).filter((r) => r.state === 'OPEN').length === 5, 60_000);
  }
  for (;;) {
    const r = await scanner.next();
    if (r === undefined) break;
    seen.push(r.row.toString());
  }
  await scanner.close();
  assert.equal(seen.length, expected.length, 'every row once');
  assert.deepEqual(seen, expected);
}
