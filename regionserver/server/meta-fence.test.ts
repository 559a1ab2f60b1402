// The fence on hbase:meta writes: the MetaFence rules alone, then through a region server
// hosting META (META_MUTATE / META_FENCE), including a META reopened on another server after
// a failover (it starts from the current leader's token in coordination).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { clusterKeys } from '../../common/coordination/cluster-keys.js';
import { MemoryCoordination } from '../../common/coordination/memory-coordination.js';
import { UnavailableError } from '../../common/errors.js';
import { META_FAMILY, META_REGION } from '../../common/meta/meta-row.js';
import { MemoryObjectStore } from '../../common/objectstore/memory-store.js';
import type { Put } from '../../common/ops/operations.js';
import { META_DESCRIPTOR } from '../../master/meta-descriptor.js';
import { MetaFence } from './meta-fence.js';
import { CLUSTER, notLeader, settle, startTestServer } from './server-test-util.js';

test('MetaFence: a token below the largest seen is refused without running the write; raise waits for admitted writes', async () => {
  let leaderToken = 10n;
  let loads = 0;
  const fence = new MetaFence(async () => {
    loads++;
    return leaderToken;
  });
  const region = {};
  let ran = 0;
  await assert.rejects(fence.admit(region, 9n, async () => ran++), notLeader, 'below the current leader token read at first use');
  assert.equal(ran, 0);
  assert.equal(await fence.admit(region, 10n, async () => ++ran), 1);
  assert.equal(fence.token, 10n);

  // A write admitted under token 10 is in flight when token 12 fences: raise answers only after it.
  let finish!: () => void;
  const slow = fence.admit(region, 10n, () => new Promise<string>((r) => (finish = () => r('done'))));
  let raised = false;
  const raising = fence.raise(region, 12n).then(() => (raised = true));
  await settle();
  assert.equal(raised, false, 'raise waits for the write admitted before it');
  await assert.rejects(fence.admit(region, 10n, async () => ran++), notLeader, 'the fence is up at once');
  assert.equal(ran, 1);
  finish();
  assert.equal(await slow, 'done');
  await raising;
  assert.equal(fence.token, 12n);
  await assert.rejects(fence.raise(region, 11n), notLeader);
  assert.equal(loads, 1, 'the leader token is read once per opening');

  // A new opening (another Region object) starts again from coordination.
  leaderToken = 20n;
  const reopened = {};
  await assert.rejects(fence.admit(reopened, 12n, async () => ran++), notLeader);
  assert.equal(loads, 2);
  assert.equal(fence.token, 20n);
});

test('MetaFence: a failed coordination read fails the call and is retried by the next one', async () => {
  let fail = true;
  const fence = new MetaFence(async () => {
    if (fail) throw new UnavailableError('etcd unreachable');
    return 5n;
  });
  const region = {};
  let ran = 0;
  await assert.rejects(fence.admit(region, 7n, async () => ran++), /etcd unreachable/);
  assert.equal(ran, 0, 'nothing is written before the fence is known');
  fail = false;
  await assert.rejects(fence.admit(region, 4n, async () => ran++), notLeader);
  await fence.admit(region, 5n, async () => ran++);
  assert.equal(ran, 1);
});

function metaPut(row: string, value: string): Put {
  return { kind: 'put', row: Buffer.from(row), columns: [{ family: META_FAMILY, qualifier: Buffer.from('state'), value: Buffer.from(value) }] };
}

test('a region server hosting META refuses a deposed master\'s META_MUTATE once the new master fenced; a reopened META starts from the leader in coordination', { timeout: 60_000 }, async () => {
  const coordination = new MemoryCoordination();
  const store = new MemoryObjectStore();
  const election = clusterKeys(CLUSTER).masterElection;
  const lease1 = await coordination.grantLease(10_000);
  const m1 = await coordination.campaign(election, Buffer.from('m1'), lease1);
  const t1 = await startTestServer({ coordination, objectStore: store });
  const value = async (t: typeof t1, row: string): Promise<string | undefined> =>
    (await t.call('GET', { region: META_REGION.encodedName, get: { row: Buffer.from(row) } })).result.cells[0]?.value.toString();
  try {
    await t1.call('OPEN_REGION', { info: META_REGION, table: META_DESCRIPTOR });
    await t1.call('META_MUTATE', { token: m1.token, mutation: metaPut('t,a', 'OPEN by m1') });
    await assert.rejects(t1.call('META_MUTATE', { token: m1.token - 1n, mutation: metaPut('t,a', 'older') }), notLeader);

    // m1 is deposed (its lease expired), m2 takes over and fences META.
    const lease2 = await coordination.grantLease(10_000);
    const campaign2 = coordination.campaign(election, Buffer.from('m2'), lease2);
    assert.ok(coordination.expireLease(lease1.id));
    const m2 = await campaign2;
    assert.ok(m2.token > m1.token);
    await t1.call('META_FENCE', { token: m2.token });
    // m1's write that was still on its way lands now: refused, META unchanged.
    await assert.rejects(t1.call('META_MUTATE', { token: m1.token, mutation: metaPut('t,a', 'late write of m1') }), notLeader);
    await assert.rejects(t1.call('META_MUTATE', { token: m1.token, mutation: { kind: 'delete', row: Buffer.from('t,a'), columns: [] } }), notLeader);
    assert.equal(await value(t1, 't,a'), 'OPEN by m1');
    await t1.call('META_MUTATE', { token: m2.token, mutation: metaPut('t,a', 'OPEN by m2') });
    assert.equal(await value(t1, 't,a'), 'OPEN by m2');
    await t1.call('CLOSE_REGION', { region: META_REGION.encodedName, flush: true });
  } finally {
    await t1.server.stop();
  }

  // META opens on another server, which has never seen m2's token: it reads it from coordination.
  const t2 = await startTestServer({ coordination, objectStore: store });
  try {
    await t2.call('OPEN_REGION', { info: META_REGION, table: META_DESCRIPTOR });
    assert.equal(await value(t2, 't,a'), 'OPEN by m2');
    await assert.rejects(t2.call('META_MUTATE', { token: m1.token, mutation: metaPut('t,a', 'late write of m1') }), notLeader);
    assert.equal(await value(t2, 't,a'), 'OPEN by m2');
    assert.equal(t2.server.metaFence.token > m1.token, true);
  } finally {
    await t2.server.stop();
    await coordination.close();
  }
});
