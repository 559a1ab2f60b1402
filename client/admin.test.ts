import { test } from 'node:test';
import assert from 'node:assert/strict';
import { systemClock } from '../common/clock.js';
import { errorToWire } from '../common/error-wire.js';
import { ConflictError, ErrorCodes, InvalidError, NotFoundError, TsbaseError, UnavailableError } from '../common/errors.js';
import { SeededRandom } from '../common/random.js';
import { AdminHttpClient } from './admin-http.js';
import { fakeConnect } from './fake-connect.js';
import type { FakeRequest } from './fake-master.js';
import { regionTarget } from './admin.js';

const TABLE = { name: 'ns1:t', namespace: 'ns1', table: 't', state: 'ENABLED', families: [{ NAME: 'f', VERSIONS: '1' }] };
const REGION = '0123456789abcdef0123456789abcdef';

/** A master that knows table ns1:t and region REGION. */
function routes(req: FakeRequest): unknown {
  const { method, path } = req;
  if (path === '/namespaces' && method === 'GET') return { namespaces: ['default', 'hbase', 'ns1'] };
  if (path === '/namespaces' && method === 'POST') return {};
  if (path === '/namespaces/ns1' && method === 'DELETE') throw new ConflictError('namespace has tables', { details: { namespace: 'ns1' } });
  if (path === '/tables' && method === 'POST') return TABLE;
  if (path.startsWith('/tables?')) return { tables: [TABLE] };
  if (path === '/tables' && method === 'GET') return { tables: [TABLE] };
  if (path.startsWith('/tables/ns1%3At')) {
    const rest = path.slice('/tables/ns1%3At'.length);
    if (rest === '' && method === 'GET') return TABLE;
    if (rest === '/regions') return { regions: [] };
    if (rest.startsWith('/families/')) return TABLE;
    return {};
  }
  if (path.startsWith(`/regions/${REGION}/`)) return {};
  if (path === '/balancer/run') return { moves: 3 };
  if (path === '/balancer' && method === 'PUT') return { previous: true };
  if (path.startsWith('/tables/')) {
    if (path.includes('/tables/disabled')) throw new InvalidError('table is disabled', { code: ErrorCodes.TABLE_DISABLED });
    throw new NotFoundError('table not found', { details: { path } });
  }
  if (path.startsWith('/regions/')) throw new NotFoundError('region not found', { details: { path } });
  return undefined;
}

test('regionTarget: encoded names, full region names, and table names', () => {
  assert.deepEqual(regionTarget(REGION), { encoded: REGION, certain: false });
  assert.deepEqual(regionTarget(`t,row,1700000000000.${REGION}.`), { encoded: REGION, certain: true });
  assert.equal(regionTarget('mytable'), undefined);
});

test('every Admin call sends its route and body to the active master', async () => {
  const s = await fakeConnect({ routes });
  try {
    const a = s.conn.getAdmin();
    const before = s.masters.requests.length;
    assert.deepEqual(await a.listNamespaces(), ['default', 'hbase', 'ns1']);
    await a.createNamespace('ns2');
    assert.equal((await a.createTable({ name: 'ns1:t', families: [{ NAME: 'f' }] })).name, 'ns1:t');
    await a.disableTable('ns1:t');
    await a.enableTable('ns1:t');
    await a.truncateTable('ns1:t');
    await a.deleteTable('ns1:t');
    assert.equal(await a.tableExists('ns1:t'), true);
    assert.equal(await a.tableExists('nope'), false);
    assert.equal(await a.isTableEnabled('ns1:t'), true);
    assert.equal((await a.listTables('ns1')).length, 1);
    await a.addOrModifyColumnFamily('ns1:t', { NAME: 'g', VERSIONS: 3 });
    await a.deleteColumnFamily('ns1:t', 'g');
    assert.deepEqual(await a.getRegions('ns1:t'), []);
    await a.flush('ns1:t');
    await a.compact(REGION, true);
    await a.split(REGION, Buffer.from('m'));
    await a.move(REGION, 'rs2,16020,1');
    assert.equal(await a.balance(), 3);
    assert.equal(await a.setBalancerEnabled(false), true);
    assert.equal((await a.clusterStatus()).clusterId, 'test');
    const sent = s.masters.requests.slice(before).map((r) => `${r.method} ${r.path} ${r.body === undefined ? '' : JSON.stringify(r.body)}`.trim());
    assert.deepEqual(sent, [
      'GET /namespaces',
      'POST /namespaces {"name":"ns2"}',
      'POST /tables {"name":"ns1:t","families":[{"NAME":"f"}]}',
      'POST /tables/ns1%3At/disable {}',
      'POST /tables/ns1%3At/enable {}',
      'POST /tables/ns1%3At/truncate {"preserveSplits":true}',
      'DELETE /tables/ns1%3At',
      'GET /tables/ns1%3At',
      'GET /tables/nope',
      'GET /tables/ns1%3At',
      'GET /tables?namespace=ns1',
      'PUT /tables/ns1%3At/families/g {"NAME":"g","VERSIONS":3}',
      'DELETE /tables/ns1%3At/families/g',
      'GET /tables/ns1%3At/regions',
      'POST /tables/ns1%3At/flush {}',
      `POST /regions/${REGION}/major_compact {}`,
      `POST /regions/${REGION}/split {"splitRow":"bQ=="}`,
      `POST /regions/${REGION}/move {"serverName":"rs2,16020,1"}`,
      'POST /balancer/run {}',
      'PUT /balancer {"enabled":false}',
      'GET /status',
    ]);
  } finally {
    await s.stop();
  }
});

test('a 32-hex-digit target the master does not know as a region is tried as a table', async () => {
  const hexTable = 'abcdefabcdefabcdefabcdefabcdef12';
  const s = await fakeConnect({ routes: (req) => (req.path === `/tables/${hexTable}/flush` ? {} : routes(req)) });
  try {
    await s.conn.getAdmin().flush(hexTable);
    assert.deepEqual(
      s.masters.requests.slice(-2).map((r) => r.path),
      [`/regions/${hexTable}/flush`, `/tables/${hexTable}/flush`],
    );
    await assert.rejects(s.conn.getAdmin().compact('missing'), (e: unknown) => e instanceof NotFoundError);
  } finally {
    await s.stop();
  }
});

test('master errors surface as their public classes and codes, without retries', async () => {
  const s = await fakeConnect({ routes });
  try {
    const a = s.conn.getAdmin();
    const n = s.masters.requests.length;
    await assert.rejects(a.deleteNamespace('ns1'), (e: unknown) => e instanceof ConflictError && e.code === ErrorCodes.PRECONDITION_FAILED && /namespace has tables/.test(e.message));
    await assert.rejects(a.describeTable('disabled'), (e: unknown) => e instanceof TsbaseError && e.code === ErrorCodes.TABLE_DISABLED);
    await assert.rejects(a.describeTable('gone'), (e: unknown) => e instanceof NotFoundError);
    assert.equal(s.masters.requests.length, n + 3);
    await assert.rejects(a.move('not-a-region'), InvalidError);
    await assert.rejects(a.addOrModifyColumnFamily('ns1:t', { VERSIONS: 1 }), InvalidError);
  } finally {
    await s.stop();
  }
});

test('admin nonces: a lost answer is sent again with the same nonce; an error the master gave again for the nonce is not retried', async () => {
  const calls: { nonce: string | undefined }[] = [];
  let answers: Array<() => Response> = [];
  const fetchImpl = (async (_url: string | URL | Request, init?: RequestInit) => {
    calls.push({ nonce: (init?.headers as Record<string, string> | undefined)?.['tsbase-nonce'] });
    return answers.shift()!();
  }) as typeof fetch;
  const http = new AdminHttpClient({ masters: ['127.0.0.1:1'], clock: systemClock, random: new SeededRandom(1), operationTimeoutMs: 5_000, requestTimeoutMs: 1_000, pauseMs: 1, fetch: fetchImpl });
  const reset = (): Response => {
    throw new TypeError('fetch failed', { cause: Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }) });
  };
  const busy = (replayed: boolean) => (): Response =>
    new Response(JSON.stringify({ error: errorToWire(new UnavailableError('regions did not open')) }), {
      status: 503,
      headers: { 'content-type': 'application/json', ...(replayed ? { 'tsbase-nonce-replayed': '1' } : {}) },
    });
  const ok = (): Response => new Response('{}', { status: 200, headers: { 'content-type': 'application/json' } });
  const nonce = { group: 0xabcn, nonce: 0x12n };

  answers = [reset, ok];
  assert.deepEqual(await http.request('POST', '/tables', {}, nonce), {});
  assert.deepEqual(calls.splice(0), [{ nonce: 'abc-12' }, { nonce: 'abc-12' }]);

  answers = [reset, ok];
  await assert.rejects(http.request('POST', '/tables', {}), (e: unknown) => e instanceof UnavailableError && /admin request failed/.test(e.message));
  assert.deepEqual(calls.splice(0), [{ nonce: undefined }], 'without a nonce a POST whose answer was lost is not sent again');
  answers.length = 0;

  answers = [busy(false), busy(true), ok];
  await assert.rejects(http.request('POST', '/tables/t/split', {}, nonce), (e: unknown) => e instanceof UnavailableError && /regions did not open/.test(e.message));
  assert.equal(calls.splice(0).length, 2, 'a retryable error is retried until the master says it is the recorded outcome');
});
