// The region server on real etcd: its registration key is leased, and when the lease's
// keep-alive stops the server fences itself (onFatal) and its key disappears.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { clusterKeys } from '../../common/coordination/cluster-keys.js';
import { EtcdCoordination, openEtcdCoordination } from '../../common/coordination/etcd-coordination.js';
import { ErrorCodes, NotServingRegionError } from '../../common/errors.js';
import { testEtcdEndpoints } from '../../testing/s3-env.js';
import { get, put, startTestServer, TABLE, valueOf, wholeRegion } from './server-test-util.js';

test('etcd: registered under a lease; a lost lease fences the server and removes its key', { timeout: 120_000 }, async () => {
  const coordination = await openEtcdCoordination({ endpoints: await testEtcdEndpoints() });
  const cluster = `rs-etcd-${Date.now().toString(36)}-${process.pid}`;
  let onFatal!: (e: unknown) => void;
  const fatal = new Promise<unknown>((resolve) => (onFatal = resolve));
  const t = await startTestServer({ coordination, cluster, leaseTtlMs: 2_000, onFatal });
  try {
    const key = clusterKeys(cluster).server(t.server.serverName);
    const entry = await coordination.get(key);
    assert.ok(entry !== undefined && entry.lease !== undefined, 'registered with a lease');
    assert.equal(JSON.parse(entry.value.toString()).serverName, t.server.serverName);

    const info = wholeRegion();
    await t.call('OPEN_REGION', { info, table: TABLE });
    await t.call('MUTATE', { region: info.encodedName, mutation: put('r', 'q', 'v') });
    assert.equal(valueOf(await t.call('GET', { region: info.encodedName, get: get('r') })), 'v');

    assert.ok(coordination instanceof EtcdCoordination);
    coordination.stopKeepAlive(t.server.registrationLease!);
    assert.ok((await fatal) instanceof Error);
    assert.equal(t.server.state, 'fenced');
    await assert.rejects(t.call('GET', { region: info.encodedName, get: get('r') }), (e: unknown) => e instanceof NotServingRegionError && e.code === ErrorCodes.NOT_SERVING_REGION);
    assert.equal(await coordination.get(key), undefined, 'the key is gone');
  } finally {
    await t.server.stop();
    await coordination.deletePrefix(clusterKeys(cluster).prefix).catch(() => {});
    await coordination.close();
  }
});
