import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ErrorCodes, InvalidError } from '../errors.js';
import type { WatchEvent } from './coordination.js';
import { coordinationConformance } from './coordination-conformance.js';
import { MemoryCoordination } from './memory-coordination.js';

let n = 0;
coordinationConformance('memory', {
  clients: async (count) => {
    const c = new MemoryCoordination();
    return Array.from({ length: count }, () => c);
  },
  prefix: (name) => `/t/${name}-${n++}/`,
  expire: async (client, lease) => {
    assert.ok(client instanceof MemoryCoordination);
    assert.equal(client.expireLease(lease.id), true);
  },
  waitMs: 2_000,
});

describe('MemoryCoordination', () => {
  it('a watch whose afterRevision fell out of the history gets onError (like a compacted etcd revision)', async () => {
    const c = new MemoryCoordination({ historyLimit: 4 });
    for (let i = 0; i < 10; i++) await c.put(`/k/${i}`, Buffer.from('v'));
    const errors: Error[] = [];
    const seen: WatchEvent[] = [];
    await c.watch('/k/', (ev) => seen.push(ev), { afterRevision: 1n, onError: (e) => errors.push(e) });
    await new Promise((r) => setImmediate(r));
    assert.equal(errors.length, 1);
    assert.ok(errors[0] instanceof InvalidError);
    assert.equal(errors[0].code, ErrorCodes.INVALID_RANGE);
    assert.equal(seen.length, 0);
    // A recent revision is still served from the history.
    const { revision } = await c.list('/k/');
    const recent: WatchEvent[] = [];
    await c.watch('/k/', (ev) => recent.push(ev), { afterRevision: revision - 2n });
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(
      recent.map((e) => e.key),
      ['/k/8', '/k/9'],
    );
    await c.close();
  });

  it('a lease of another client is refused', async () => {
    const a = new MemoryCoordination();
    const other = new MemoryCoordination();
    const lease = await other.grantLease(1000);
    await assert.rejects(a.put('/x', Buffer.from('1'), { lease }), InvalidError);
    assert.equal(a.expireLease('nope'), false);
    await a.close();
    await other.close();
  });

  it('events are delivered after the writing call, never inside it', async () => {
    const c = new MemoryCoordination();
    const seen: string[] = [];
    await c.watch('/w/', (ev) => seen.push(ev.key));
    const p = c.put('/w/a', Buffer.from('1'));
    assert.deepEqual(seen, []);
    await p;
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(seen, ['/w/a']);
    await c.close();
  });
});
