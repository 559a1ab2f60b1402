import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ErrorCodes, InvalidError, UnavailableError } from '../errors.js';
import { testEtcdEndpoints, uniqueTestPrefix } from '../../testing/s3-env.js';
import { freePort } from '../../testing/free-port.js';
import { coordinationConformance, eventually } from './coordination-conformance.js';
import { EtcdCoordination, openEtcdCoordination, prefixRangeEnd } from './etcd-coordination.js';

const runPrefix = '/' + uniqueTestPrefix('etcd-coordination');

coordinationConformance('etcd', {
  clients: async (count) => {
    const endpoints = await testEtcdEndpoints();
    return Promise.all(Array.from({ length: count }, () => openEtcdCoordination({ endpoints })));
  },
  prefix: (name) => `${runPrefix}${name}/`,
  expire: async (client, lease) => {
    assert.ok(client instanceof EtcdCoordination);
    client.stopKeepAlive(lease);
    await eventually(() => lease.lost, lease.ttlMs + 5_000, 'the watchdog to report the lease lost');
  },
  // etcd's minimum lease TTL is about 2 s whatever is asked; expiry is checked every 500 ms.
  waitMs: 8_000,
});

describe('EtcdCoordination', () => {
  it('maps an unreachable etcd to UnavailableError', async () => {
    const port = await freePort();
    const c = await openEtcdCoordination({ endpoints: [`http://127.0.0.1:${port}`], requestTimeoutMs: 2_000 });
    try {
      await assert.rejects(c.get('/x'), (err: unknown) => {
        assert.ok(err instanceof UnavailableError, String(err));
        assert.ok(err.code === ErrorCodes.UNAVAILABLE || err.code === ErrorCodes.TIMEOUT, err.code);
        return true;
      });
    } finally {
      await c.close();
    }
  });

  it('refuses to open without endpoints', async () => {
    await assert.rejects(openEtcdCoordination({ endpoints: [] }), (err: unknown) => err instanceof InvalidError && err.code === ErrorCodes.INVALID_CONFIG);
  });

  it('prefixRangeEnd is the next key after the prefix', () => {
    assert.deepEqual(prefixRangeEnd(Buffer.from('ab')), Buffer.from('ac'));
    assert.deepEqual(prefixRangeEnd(Buffer.from([0x61, 0xff])), Buffer.from([0x62]));
    assert.deepEqual(prefixRangeEnd(Buffer.from([0xff, 0xff])), Buffer.from([0]));
  });
});
