// The region server behind the real data RPC, over loopback: admin and data calls, scanners,
// and errors arriving as the public error classes with their codes.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ErrorCodes, InvalidError, NotFoundError, NotServingRegionError } from '../../common/errors.js';
import { createRpcClient } from '../../common/rpc/rpc-client.js';
import { defaultRpcServer } from './rpc-listener.js';
import { get, put, startTestServer, TABLE, valueOf, wholeRegion } from './server-test-util.js';

test('a real RpcClient over loopback: open, write, read, scan, errors with their codes', { timeout: 120_000 }, async () => {
  const t = await startTestServer({ rpcServer: defaultRpcServer, maxValueBytes: 4096 });
  const client = createRpcClient(t.server.rpcAddress, { timeoutMs: 10_000 });
  try {
    assert.notEqual(t.server.rpcAddress, '127.0.0.1:0');
    assert.equal((await t.record())?.rpcAddress, t.server.rpcAddress);
    const info = wholeRegion();
    const region = info.encodedName;
    await client.call('OPEN_REGION', { info, table: TABLE });
    assert.deepEqual((await client.call('PING', { payload: Buffer.from('hi') })).payload, Buffer.from('hi'));

    await client.call('MUTATE', { region, mutation: put('r1', 'q', 'v1') });
    const mm = await client.call('MULTI_MUTATE', { actions: [{ region, mutations: [put('r2', 'q', 'v2'), put('r3', 'q', 'v3')] }] });
    assert.deepEqual(mm.results, [{ ok: true, value: [null, null] }]);
    assert.equal(valueOf(await client.call('GET', { region, get: get('r2') })), 'v2');

    const open = await client.call('SCAN_OPEN', { region, scan: {}, rows: 2 });
    assert.deepEqual(
      open.results.map((r) => r.row.toString()),
      ['r1', 'r2'],
    );
    assert.equal(typeof open.scannerId, 'bigint');
    const next = await client.call('SCAN_NEXT', { scannerId: open.scannerId, rows: 2 });
    assert.deepEqual([next.results.map((r) => r.row.toString()), next.moreInRegion], [['r3'], false]);
    await assert.rejects(client.call('SCAN_NEXT', { scannerId: open.scannerId, rows: 1 }), (e: unknown) => e instanceof NotFoundError && e.code === ErrorCodes.SCANNER_EXPIRED);

    await assert.rejects(client.call('GET', { region: 'a'.repeat(32), get: get('r1') }), (e: unknown) => e instanceof NotServingRegionError && e.code === ErrorCodes.NOT_SERVING_REGION);
    await assert.rejects(client.call('MUTATE', { region, mutation: put('big', 'q', Buffer.alloc(5000)) }), (e: unknown) => e instanceof InvalidError && e.code === ErrorCodes.VALUE_TOO_LARGE);

    await client.call('CLOSE_REGION', { region, flush: true, destination: { serverName: 'h,1,2', rpcAddress: 'h:1' } });
    const moved = await client.call('GET', { region, get: get('r1') }).then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(moved instanceof NotServingRegionError && moved.code === ErrorCodes.REGION_MOVED);
    assert.equal(moved.details['location'], 'h:1');

    const si = await client.call('SERVER_INFO', {});
    assert.deepEqual([si.serverName, si.regions.length], [t.server.serverName, 0]);
  } finally {
    await client.close();
    await t.server.stop();
  }
});
