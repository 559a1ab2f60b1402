// The fence on the master's region admin calls: the MasterFence rules alone, then through a
// region server (OPEN_REGION, CLOSE_REGION, FLUSH_REGION, COMPACT_REGION, SPLIT_REGION,
// SERVER_INFO) with a real election in coordination.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { clusterKeys } from '../../common/coordination/cluster-keys.js';
import { MemoryCoordination } from '../../common/coordination/memory-coordination.js';
import { UnavailableError } from '../../common/errors.js';
import { columnFamily } from '../region/column-family.js';
import { regionInfo } from '../region/region-info.js';
import { MasterFence } from './master-fence.js';
import { CLUSTER, notLeader, settle, startTestServer } from './server-test-util.js';

test('MasterFence: only the current leader\'s token is admitted, never below the largest seen; raise waits for the calls admitted before', async () => {
  let leader = 10n;
  let reads = 0;
  const fence = new MasterFence(async () => {
    reads++;
    return leader;
  });
  let ran = 0;
  await assert.rejects(fence.admit(9n, async () => ran++), notLeader, 'an older master');
  await assert.rejects(fence.admit(11n, async () => ran++), notLeader, 'not the leader in coordination either');
  assert.equal(ran, 0);
  assert.equal(await fence.admit(10n, async () => ++ran), 1);
  assert.equal(fence.token, 10n);
  assert.equal(reads, 3, 'coordination is read for every call');
  assert.equal(await fence.admit(undefined, async () => ++ran), 2, 'a call without a token is not fenced');
  assert.equal(reads, 3);

  // A call admitted under 10 is in flight when master 12 takes over and raises the fence.
  let finish!: () => void;
  const slow = fence.admit(10n, () => new Promise<string>((r) => (finish = () => r('done'))));
  await settle();
  leader = 12n;
  let raised = false;
  const raising = fence.raise(12n).then(() => (raised = true));
  await settle();
  assert.equal(raised, false, 'raise waits for the call admitted before it');
  await assert.rejects(fence.admit(10n, async () => ran++), notLeader, 'the old master is refused at once');
  finish();
  assert.equal(await slow, 'done');
  await raising;
  assert.equal(fence.token, 12n);

  // A raise by the same master again does not wait for calls of its own.
  let finish2!: () => void;
  const own = fence.admit(12n, () => new Promise<void>((r) => (finish2 = r)));
  await settle();
  let raisedAgain = false;
  const again = fence.raise(12n).then(() => (raisedAgain = true));
  await settle();
  assert.equal(raisedAgain, true, 'the same token raises nothing, so it waits for nothing');
  finish2();
  await Promise.all([own, again]);

  // The check follows the coordination read: a call whose read returned the old leader, and a
  // raise that got in meanwhile, leave it refused.
  let releaseRead!: () => void;
  const heldRead = new Promise<void>((r) => (releaseRead = r));
  const racing = new MasterFence(async () => {
    const l = leader;
    if (l === 12n) await heldRead;
    return l;
  });
  const late = racing.admit(12n, async () => ran++);
  await settle();
  leader = 13n;
  await racing.raise(13n);
  releaseRead();
  await assert.rejects(late, notLeader);
  assert.equal(ran, 2);
});

test('MasterFence: a failed coordination read fails the call without running it', async () => {
  let fail = true;
  const fence = new MasterFence(async () => {
    if (fail) throw new UnavailableError('etcd unreachable');
    return 5n;
  });
  let ran = 0;
  await assert.rejects(fence.admit(5n, async () => ran++), /etcd unreachable/);
  await assert.rejects(fence.raise(5n), /etcd unreachable/);
  assert.equal(ran, 0);
  assert.equal(fence.token, 0n);
  fail = false;
  await fence.admit(5n, async () => ran++);
  assert.equal(ran, 1);
});

test('a region server refuses the region admin calls of a deposed master and does nothing; the new master\'s SERVER_INFO raises the fence', { timeout: 60_000 }, async () => {
  const coordination = new MemoryCoordination();
  const election = clusterKeys(CLUSTER).masterElection;
  const lease1 = await coordination.grantLease(10_000);
  const m1 = await coordination.campaign(election, Buffer.from('m1'), lease1);
  const t = await startTestServer({ coordination });
  const table = { namespace: 'default', name: 't', families: [columnFamily({ name: 'f' })] };
  const r1 = regionInfo('default', 't', Buffer.alloc(0), Buffer.from('m'), 1);
  const r2 = regionInfo('default', 't', Buffer.from('m'), Buffer.alloc(0), 1);
  const hosted = async (): Promise<string[]> => (await t.call('SERVER_INFO', {})).regions.map((h) => h.info.encodedName).sort();
  try {
    await t.call('OPEN_REGION', { info: r1, table, token: m1.token });
    await t.call('MUTATE', { region: r1.encodedName, mutation: { kind: 'put', row: Buffer.from('a'), columns: [{ family: Buffer.from('f'), qualifier: Buffer.from('q'), value: Buffer.from('v') }] } });
    assert.equal((await t.call('SERVER_INFO', { token: m1.token })).regions.length, 1);
    assert.equal(t.server.masterFence.token, m1.token);

    // m1 is deposed (its lease expired) and m2 takes over. m1's calls still on their way land
    // now, before m2 has contacted this server: each is refused, nothing changes.
    const lease2 = await coordination.grantLease(10_000);
    const campaign2 = coordination.campaign(election, Buffer.from('m2'), lease2);
    assert.ok(coordination.expireLease(lease1.id));
    const m2 = await campaign2;
    assert.ok(m2.token > m1.token);
    await assert.rejects(t.call('CLOSE_REGION', { region: r1.encodedName, flush: true, token: m1.token }), notLeader);
    await assert.rejects(t.call('OPEN_REGION', { info: r2, table, token: m1.token }), notLeader);
    await assert.rejects(t.call('SPLIT_REGION', { region: r1.encodedName, splitRow: Buffer.from('c'), token: m1.token }), notLeader);
    await assert.rejects(t.call('FLUSH_REGION', { region: r1.encodedName, token: m1.token }), notLeader);
    await assert.rejects(t.call('COMPACT_REGION', { region: r1.encodedName, major: true, token: m1.token }), notLeader);
    await assert.rejects(t.call('SERVER_INFO', { token: m1.token }), notLeader);
    assert.deepEqual(await hosted(), [r1.encodedName], 'nothing opened, closed or split');
    const h1 = (await t.call('SERVER_INFO', {})).regions[0]!;
    assert.equal(h1.storeFiles, 0, 'nothing flushed');
    assert.ok(h1.memStoreBytes > 0);

    // m2 raises the fence with its first SERVER_INFO; its calls are admitted.
    await t.call('SERVER_INFO', { token: m2.token });
    assert.equal(t.server.masterFence.token, m2.token);
    await t.call('OPEN_REGION', { info: r2, table, token: m2.token });
    await t.call('CLOSE_REGION', { region: r1.encodedName, flush: true, token: m2.token });
    assert.deepEqual(await hosted(), [r2.encodedName]);
  } finally {
    await t.server.stop();
    await coordination.close();
  }
});
