// The active master's coordination writes carry its term's fence: once another master leads,
// a write of the deposed one — sent before it noticed — applies nothing, fails with
// TSB_NOT_LEADER and ends its term.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MemoryCoordination } from '../common/coordination/memory-coordination.js';
import { ErrorCodes, UnavailableError } from '../common/errors.js';
import { FencedCoordination } from './fenced-coordination.js';
import { LeaderTerm } from './leader-term.js';

const notLeader = (e: unknown): boolean => e instanceof UnavailableError && e.code === ErrorCodes.NOT_LEADER;
const b = (s: string): Buffer => Buffer.from(s);

test('writes apply while the term\'s leader key holds; after a failover they change nothing and end the term', async () => {
  const coord = new MemoryCoordination();
  const lease1 = await coord.grantLease(10_000);
  const l1 = await coord.campaign('election', b('m1'), lease1);
  // The term is built without listening to the lease: as a master that has not noticed its loss yet.
  const term = new LeaderTerm(1, l1.token, l1.fence);
  const fenced = new FencedCoordination(coord, term);

  const rev = await fenced.put('k/a', b('1'));
  assert.equal((await coord.get('k/a'))?.modRevision, rev);
  await fenced.put('k/b', b('2'));
  await fenced.put('k/c', b('3'));
  assert.equal(await fenced.delete('k/c'), true);
  assert.equal(await fenced.delete('k/c'), false);
  // A failed compare of the caller's own is an ordinary ok: false.
  const cur = (await coord.get('k/a'))!;
  assert.deepEqual(await fenced.txn([{ key: 'k/a', modRevision: cur.modRevision + 100n }], [{ type: 'put', key: 'k/a', value: b('x') }]), { ok: false });
  assert.equal((await fenced.txn([{ key: 'k/a', modRevision: cur.modRevision }], [{ type: 'put', key: 'k/a', value: b('4') }])).ok, true);
  assert.equal(term.active, true);

  // Failover: m1's lease expires, m2 leads.
  const lease2 = await coord.grantLease(10_000);
  const l2p = coord.campaign('election', b('m2'), lease2);
  assert.ok(coord.expireLease(lease1.id));
  await l2p;

  const before = (await coord.list('k/')).entries.map((e) => [e.key, e.value.toString()]);
  await assert.rejects(fenced.put('k/a', b('late')), notLeader);
  assert.equal(term.active, false, 'the lost fence ends the term');
  // Every later write fails too (the term ended; and the fence would fail anyway).
  await assert.rejects(fenced.delete('k/b'), notLeader);
  await assert.rejects(fenced.deletePrefix('k/'), notLeader);
  const a = (await coord.get('k/a'))!;
  await assert.rejects(fenced.txn([{ key: 'k/a', modRevision: a.modRevision }], [{ type: 'put', key: 'k/a', value: b('late') }]), notLeader);
  assert.deepEqual((await coord.list('k/')).entries.map((e) => [e.key, e.value.toString()]), before, 'nothing changed');
  await coord.close();
});

test('a txn whose own compare holds but whose fence does not fails with TSB_NOT_LEADER, not ok: false', async () => {
  const coord = new MemoryCoordination();
  const lease1 = await coord.grantLease(10_000);
  const l1 = await coord.campaign('election', b('m1'), lease1);
  const fenced = new FencedCoordination(coord, new LeaderTerm(1, l1.token, l1.fence));
  // The leader key changes under the term (a second campaign of the same lease rewrites it).
  await coord.put(l1.fence.key, b('rewritten'), { lease: lease1 });
  await assert.rejects(fenced.txn([{ key: 'k/new', modRevision: 0n }], [{ type: 'put', key: 'k/new', value: b('v') }]), notLeader);
  assert.equal(await coord.get('k/new'), undefined);
  await coord.close();
});
