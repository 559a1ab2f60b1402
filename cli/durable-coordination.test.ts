import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { coordinationConformance } from '../common/coordination/coordination-conformance.js';
import { CorruptionError } from '../common/errors.js';
import { DurableCoordination } from './durable-coordination.js';

const root = mkdtempSync(join(tmpdir(), 'tsb-durable-coord-'));
after(() => rmSync(root, { recursive: true, force: true }));

let n = 0;
coordinationConformance('durable (standalone)', {
  clients: async (count) => {
    const c = await DurableCoordination.open(join(root, `conf-${n++}`, 'coordination.json'));
    return Array.from({ length: count }, () => c);
  },
  prefix: (name) => `/t/${name}-${n++}/`,
  expire: async (client, lease) => {
    // The in-memory store underneath expires it (test hook of MemoryCoordination).
    const inner = (client as unknown as { inner: { expireLease(id: string): boolean } }).inner;
    assert.equal(inner.expireLease(lease.id), true);
  },
  waitMs: 2_000,
});

const b = (s: string) => Buffer.from(s);

describe('DurableCoordination', () => {
  it('keeps unleased keys across a reopen and drops leased ones', async () => {
    const file = join(root, 'reopen', 'coordination.json');
    const c1 = await DurableCoordination.open(file);
    await c1.put('/a/1', b('one'));
    await c1.put('/a/2', b('two'));
    await c1.put('/a/3', b('three'));
    assert.equal(await c1.delete('/a/3'), true);
    const lease = await c1.grantLease(5_000);
    await c1.put('/live/server', b('rs'), { lease });
    const t = await c1.txn([{ key: '/a/1', modRevision: (await c1.get('/a/1'))!.modRevision }], [
      { type: 'put', key: '/b/x', value: b('x') },
      { type: 'delete', key: '/a/2' },
    ]);
    assert.equal(t.ok, true);
    // No close(): what was acknowledged must already be on disk (a kill -9 here loses nothing).
    const c2 = await DurableCoordination.open(file);
    const { entries } = await c2.list('');
    assert.deepEqual(
      entries.map((e) => [e.key, e.value.toString()]),
      [
        ['/a/1', 'one'],
        ['/b/x', 'x'],
      ],
    );
    await c1.close();
    await c2.close();
  });

  it('concurrent writers all end up in the snapshot', async () => {
    const file = join(root, 'concurrent', 'coordination.json');
    const c = await DurableCoordination.open(file);
    await Promise.all(Array.from({ length: 50 }, (_, i) => c.put(`/k/${String(i).padStart(3, '0')}`, b(String(i)))));
    const snap = JSON.parse(readFileSync(file, 'utf8')) as { entries: unknown[] };
    assert.equal(snap.entries.length, 50);
    await c.close();
  });

  it('changes of leased keys only do not rewrite the snapshot', async () => {
    const file = join(root, 'leased-only', 'coordination.json');
    const c = await DurableCoordination.open(file);
    await c.put('/table/t', b('descriptor'));
    const ino = statSync(file).ino;
    const lease = await c.grantLease(5_000);
    for (let i = 0; i < 5; i++) await c.put('/rs/server-1', b(`load ${i}`), { lease });
    await lease.revoke();
    assert.equal(statSync(file).ino, ino, 'the file was not replaced');
    await c.put('/table/u', b('another'));
    assert.notEqual(statSync(file).ino, ino, 'an unleased change is written');
    await c.close();
  });

  it('a damaged snapshot is a CorruptionError, not an empty cluster', async () => {
    const file = join(root, 'damaged.json');
    writeFileSync(file, '{"version":1,"entr');
    await assert.rejects(DurableCoordination.open(file), CorruptionError);
  });
});
