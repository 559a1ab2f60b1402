import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ErrorCodes, FencedError, InvalidError, UnavailableError } from '../errors.js';
import type { WatchEvent } from './coordination.js';
import { startTcpProxy } from '../../testing/tcp-proxy.js';
import { startEtcd } from '../../testing/etcd-server.js';
import { Etcd3 } from 'etcd3';
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

  it('partition: calls fail with TSB_UNAVAILABLE, the lease is lost within its TTL, the watch catches up after healing', async () => {
    const endpoints = await testEtcdEndpoints();
    const target = new URL(endpoints[0]!);
    const proxy = await startTcpProxy(target.hostname, Number(target.port));
    const cut = await openEtcdCoordination({ endpoints: [`http://${proxy.address}`], requestTimeoutMs: 1_000 });
    const direct = await openEtcdCoordination({ endpoints });
    const p = `${runPrefix}partition/`;
    try {
      const lease = await cut.grantLease(2_000);
      const lost = new Promise<Error>((resolve) => lease.onLost(resolve));
      await cut.put(p + 'leased', Buffer.from('1'), { lease });
      const seen: WatchEvent[] = [];
      const { revision } = await cut.list(p);
      const watch = await cut.watch(p, (ev) => seen.push(ev), { afterRevision: revision });

      proxy.cut();
      await assert.rejects(cut.get(p + 'leased'), (err: unknown) => err instanceof UnavailableError);
      // Changes the partitioned client cannot see yet.
      await direct.put(p + 'during', Buffer.from('2'));
      // The holder gives the lease up within about one TTL of its last confirmed keep-alive.
      const cause = await lost;
      assert.ok(cause instanceof FencedError && cause.code === ErrorCodes.FENCED, String(cause));
      assert.equal(lease.lost, true);
      await rejectsFenced(cut.put(p + 'x', Buffer.from('x'), { lease }));
      // etcd expires it too, so its key goes.
      await eventually(async () => (await direct.get(p + 'leased')) === undefined, 10_000, 'etcd to expire the lease');

      proxy.heal();
      await eventually(
        async () => {
          try {
            return (await cut.get(p + 'during')) !== undefined;
          } catch {
            return false;
          }
        },
        15_000,
        'the client to reach etcd again',
      );
      await eventually(() => seen.length >= 2, 15_000, 'the watch to deliver what happened during the partition');
      assert.deepEqual(
        seen.map((e) => `${e.type} ${e.key.slice(p.length)}`),
        ['put during', 'delete leased'],
      );
      await watch.close();
    } finally {
      await direct.deletePrefix(p).catch(() => {});
      await cut.close();
      await direct.close();
      await proxy.close();
    }
  });

  it('a watch from a compacted revision reports onError (private etcd: compaction is global)', async () => {
    const etcd = await startEtcd();
    const c = await openEtcdCoordination({ endpoints: etcd.endpoints });
    const raw = new Etcd3({ hosts: etcd.endpoints });
    try {
      const first = await c.put('/w/a', Buffer.from('1'));
      const last = await c.put('/w/a', Buffer.from('2'));
      await raw.kv.compact({ revision: last.toString(), physical: true });
      const errors: Error[] = [];
      const seen: WatchEvent[] = [];
      await c.watch('/w/', (ev) => seen.push(ev), { afterRevision: first - 1n, onError: (e) => errors.push(e) });
      await eventually(() => errors.length === 1, 5_000, 'onError');
      assert.ok(errors[0] instanceof InvalidError && errors[0].code === ErrorCodes.INVALID_RANGE, String(errors[0]));
      assert.equal(seen.length, 0);
      // From the compaction point on, watching works.
      const w = await c.watch('/w/', (ev) => seen.push(ev), { afterRevision: last });
      await c.put('/w/b', Buffer.from('3'));
      await eventually(() => seen.length === 1, 5_000, 'the event after the compacted revision');
      await w.close();
    } finally {
      raw.close();
      await c.close();
      await etcd.stop();
    }
  });
});

async function rejectsFenced(p: Promise<unknown>): Promise<void> {
  await assert.rejects(p, (err: unknown) => err instanceof FencedError && err.code === ErrorCodes.FENCED);
}