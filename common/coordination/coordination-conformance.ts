// The Coordination conformance suite: one set of node:test tests that every implementation
// (in-process, etcd on a real etcd-server) must pass. It checks the semantics promised in
// coordination.ts.
//
// Usage (in x-coordination.test.ts):
//   coordinationConformance('etcd', { clients, prefix, expire, waitMs });
// Every test takes fresh clients and its own key prefix, and closes its clients at the end.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ErrorCodes, FencedError, InvalidError } from '../errors.js';
import type { ErrorCode } from '../errors.js';
import type { Coordination, Lease, WatchEvent } from './coordination.js';
import { electionLeaderToken } from './election.js';

export interface CoordinationTarget {
  /** `n` clients sharing one keyspace (in-process: one instance returned `n` times). */
  readonly clients: (n: number) => Promise<Coordination[]>;
  /** A key prefix no other test or run uses, ending in `/`. */
  readonly prefix: (name: string) => string;
  /**
   * Makes `lease` (granted by `client`) expire as if its holder stopped keeping it alive, and
   * resolves once the holder knows (lease.lost). Keys may vanish up to `waitMs` later.
   */
  readonly expire: (client: Coordination, lease: Lease) => Promise<void>;
  /** Upper bound, in ms, for a change to show in another client or a watch. */
  readonly waitMs: number;
}

/** Polls `pred` every 20 ms until it holds; fails after `ms` with `what`. */
export async function eventually(pred: () => boolean | Promise<boolean>, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await pred())) {
    if (Date.now() > deadline) assert.fail(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function rejectsWithCode(p: Promise<unknown>, cls: typeof FencedError | typeof InvalidError, code: ErrorCode): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof cls, `expected ${cls.name}, got ${String(err)}`);
    assert.equal(err.code, code, String(err));
    return true;
  });
}

const b = (s: string): Buffer => Buffer.from(s, 'utf8');

export function coordinationConformance(name: string, target: CoordinationTarget): void {
  const withClients = async (n: number, fn: (cs: Coordination[]) => Promise<void>): Promise<void> => {
    const cs = await target.clients(n);
    try {
      await fn(cs);
    } finally {
      for (const c of cs) await c.close();
    }
  };

  describe(`Coordination conformance: ${name}`, () => {
    it('get/put/list/delete/deletePrefix with increasing revisions', async () => {
      await withClients(1, async ([c]) => {
        const p = target.prefix('kv');
        assert.equal(await c!.get(p + 'a'), undefined);
        const r1 = await c!.put(p + 'a', b('1'));
        const r2 = await c!.put(p + 'b', b('2'));
        assert.ok(r2 > r1, 'revisions increase');
        const a = await c!.get(p + 'a');
        assert.ok(a !== undefined);
        assert.deepEqual(a.value, b('1'));
        assert.equal(a.modRevision, r1);
        assert.equal(a.createRevision, r1);
        assert.equal(a.lease, undefined);
        const r3 = await c!.put(p + 'a', b('1b'));
        assert.ok(r3 > r2);
        const a2 = await c!.get(p + 'a');
        assert.equal(a2?.modRevision, r3);
        assert.equal(a2?.createRevision, r1, 'createRevision survives an overwrite');
        assert.deepEqual(a2?.value, b('1b'));

        // Byte order of keys, only the prefix, listing revision at least the last write.
        await c!.put(p + 'c/x', b('3'));
        await c!.put(p + 'B', b('4'));
        await c!.put(p.slice(0, -1) + '0', b('outside'));
        const listed = await c!.list(p);
        assert.deepEqual(
          listed.entries.map((e) => e.key),
          [p + 'B', p + 'a', p + 'b', p + 'c/x'],
        );
        const last = await c!.put(p + 'd', b('5'));
        const listed2 = await c!.list(p);
        assert.ok(listed2.revision >= last);

        assert.equal(await c!.delete(p + 'b'), true);
        assert.equal(await c!.delete(p + 'b'), false);
        assert.equal(await c!.get(p + 'b'), undefined);
        assert.equal(await c!.deletePrefix(p + 'c/'), 1);
        assert.equal(await c!.deletePrefix(p), 3);
        assert.deepEqual((await c!.list(p)).entries, []);
        assert.equal(await c!.deletePrefix(p.slice(0, -1) + '0'), 1);
      });
    });

    it('rejects empty keys, an empty deletePrefix and a non-positive ttl', async () => {
      await withClients(1, async ([c]) => {
        await rejectsWithCode(c!.put('', b('x')), InvalidError, ErrorCodes.INVALID_ARGUMENT);
        await rejectsWithCode(c!.get(''), InvalidError, ErrorCodes.INVALID_ARGUMENT);
        await rejectsWithCode(c!.deletePrefix(''), InvalidError, ErrorCodes.INVALID_ARGUMENT);
        await rejectsWithCode(c!.grantLease(0), InvalidError, ErrorCodes.INVALID_ARGUMENT);
        await rejectsWithCode(c!.txn([], [{ type: 'deletePrefix', prefix: '' }]), InvalidError, ErrorCodes.INVALID_ARGUMENT);
      });
    });

    it('txn compares modRevision and absence; a failed txn applies nothing', async () => {
      await withClients(1, async ([c]) => {
        const p = target.prefix('txn');
        const created = await c!.txn([{ key: p + 'k', modRevision: 0n }], [{ type: 'put', key: p + 'k', value: b('v1') }, { type: 'put', key: p + 'side', value: b('s') }]);
        assert.equal(created.ok, true);
        assert.ok(created.revision !== undefined);
        const k = await c!.get(p + 'k');
        const side = await c!.get(p + 'side');
        assert.equal(k?.modRevision, created.revision, 'ops of one txn share its revision');
        assert.equal(side?.modRevision, created.revision);

        // Absence no longer holds.
        const again = await c!.txn([{ key: p + 'k', modRevision: 0n }], [{ type: 'put', key: p + 'other', value: b('x') }]);
        assert.equal(again.ok, false);
        assert.equal(await c!.get(p + 'other'), undefined, 'failed txn applied nothing');

        // Compare-and-swap on modRevision.
        const stale = k!.modRevision;
        const cas = await c!.txn([{ key: p + 'k', modRevision: stale }], [{ type: 'put', key: p + 'k', value: b('v2') }]);
        assert.equal(cas.ok, true);
        const lost = await c!.txn([{ key: p + 'k', modRevision: stale }], [{ type: 'put', key: p + 'k', value: b('v3') }]);
        assert.equal(lost.ok, false);
        assert.deepEqual((await c!.get(p + 'k'))?.value, b('v2'));

        // Delete and deletePrefix ops.
        await c!.put(p + 'sub/1', b('1'));
        await c!.put(p + 'sub/2', b('2'));
        const del = await c!.txn([], [{ type: 'delete', key: p + 'side' }, { type: 'deletePrefix', prefix: p + 'sub/' }]);
        assert.equal(del.ok, true);
        assert.deepEqual(
          (await c!.list(p)).entries.map((e) => e.key),
          [p + 'k'],
        );
        await c!.deletePrefix(p);
      });
    });

    it('two racing creators: exactly one wins each round', async () => {
      await withClients(2, async ([c1, c2]) => {
        const p = target.prefix('race');
        for (let round = 0; round < 10; round++) {
          const key = `${p}r${round}`;
          const [a, bb] = await Promise.all([
            c1!.txn([{ key, modRevision: 0n }], [{ type: 'put', key, value: b('one') }]),
            c2!.txn([{ key, modRevision: 0n }], [{ type: 'put', key, value: b('two') }]),
          ]);
          assert.equal(Number(a.ok) + Number(bb.ok), 1, `round ${round}: exactly one creator wins`);
          assert.deepEqual((await c1!.get(key))?.value, b(a.ok ? 'one' : 'two'));
        }
        await c1!.deletePrefix(p);
      });
    });

    it('leased keys vanish on revoke; onLost is not called after revoke', async () => {
      await withClients(2, async ([c, other]) => {
        const p = target.prefix('lease-revoke');
        const lease = await c!.grantLease(10_000);
        assert.equal(lease.ttlMs, 10_000);
        assert.equal(lease.lost, false);
        let lostCalls = 0;
        lease.onLost(() => lostCalls++);
        await c!.put(p + 'a', b('1'), { lease });
        await c!.txn([], [{ type: 'put', key: p + 'b', value: b('2'), lease }]);
        await c!.put(p + 'plain', b('3'));
        assert.equal((await other!.get(p + 'a'))?.lease, lease.id);
        assert.equal((await other!.get(p + 'b'))?.lease, lease.id);
        await lease.revoke();
        await lease.revoke(); // idempotent
        assert.equal(lease.lost, true);
        assert.deepEqual(
          (await other!.list(p)).entries.map((e) => e.key),
          [p + 'plain'],
        );
        await rejectsWithCode(c!.put(p + 'c', b('x'), { lease }), FencedError, ErrorCodes.FENCED);
        await new Promise((r) => setTimeout(r, 10));
        assert.equal(lostCalls, 0);
        await c!.deletePrefix(p);
      });
    });

    it('leased keys vanish when the lease expires; onLost fires', async () => {
      await withClients(2, async ([c, other]) => {
        const p = target.prefix('lease-expire');
        const lease = await c!.grantLease(2_000);
        const keep = await c!.grantLease(30_000);
        const lostCause = new Promise<Error>((resolve) => lease.onLost(resolve));
        await c!.put(p + 'dies', b('1'), { lease });
        await c!.put(p + 'lives', b('2'), { lease: keep });
        await target.expire(c!, lease);
        assert.equal(lease.lost, true);
        const cause = await lostCause;
        assert.ok(cause instanceof FencedError, String(cause));
        await eventually(async () => (await other!.get(p + 'dies')) === undefined, target.waitMs, 'the expired lease key to vanish');
        assert.deepEqual((await other!.get(p + 'lives'))?.value, b('2'), 'a live lease keeps its key');
        // An onLost registered after the loss still hears about it.
        const late = await new Promise<Error>((resolve) => lease.onLost(resolve));
        assert.ok(late instanceof FencedError);
        await keep.revoke();
        assert.equal(await other!.get(p + 'lives'), undefined);
      });
    });

    it('watch delivers puts and deletes under the prefix in order, from afterRevision', async () => {
      await withClients(2, async ([c, w]) => {
        const p = target.prefix('watch');
        const r0 = await c!.put(p + 'early', b('e'));
        const { revision } = await c!.list(p);
        assert.ok(revision >= r0);
        const seen: WatchEvent[] = [];
        const watch = await w!.watch(p, (ev) => seen.push(ev), { afterRevision: revision });
        await c!.put(p + 'x', b('1'));
        await c!.put(p.slice(0, -1) + '-outside', b('no'));
        await c!.put(p + 'y', b('2'));
        await c!.delete(p + 'x');
        await c!.deletePrefix(p);
        await eventually(() => seen.length >= 5, target.waitMs, 'five watch events');
        assert.deepEqual(
          seen.map((e) => `${e.type} ${e.key.slice(p.length)}${e.type === 'put' ? '=' + e.value.toString() : ''}`),
          ['put x=1', 'put y=2', 'delete x', 'delete early', 'delete y'],
        );
        for (let i = 1; i < seen.length; i++) assert.ok(seen[i]!.modRevision >= seen[i - 1]!.modRevision, 'revision order');
        assert.equal(seen[3]!.modRevision, seen[4]!.modRevision, 'one deletePrefix, one revision');

        // Replay from an earlier revision delivers what happened since.
        const replay: WatchEvent[] = [];
        const watch2 = await w!.watch(p, (ev) => replay.push(ev), { afterRevision: revision });
        await eventually(() => replay.length >= 5, target.waitMs, 'replayed events');
        assert.deepEqual(
          replay.map((e) => e.modRevision),
          seen.map((e) => e.modRevision),
        );

        // After close, nothing more is delivered.
        await watch.close();
        await watch.close();
        await c!.put(p + 'z', b('3'));
        await eventually(() => replay.length >= 6, target.waitMs, 'the event after close on the open watch');
        assert.equal(seen.length, 5, 'a closed watch delivers nothing');
        await watch2.close();
        await c!.deletePrefix(p);
      });
    });

    it('watch without afterRevision starts at the current revision', async () => {
      await withClients(1, async ([c]) => {
        const p = target.prefix('watch-now');
        await c!.put(p + 'before', b('0'));
        const seen: WatchEvent[] = [];
        const watch = await c!.watch(p, (ev) => seen.push(ev));
        await c!.put(p + 'after', b('1'));
        await eventually(() => seen.length >= 1, target.waitMs, 'one watch event');
        await new Promise((r) => setTimeout(r, 50));
        assert.deepEqual(
          seen.map((e) => e.key),
          [p + 'after'],
        );
        await watch.close();
        await c!.deletePrefix(p);
      });
    });

    it('election: one leader; the second leads after the first resigns', async () => {
      await withClients(2, async ([c1, c2]) => {
        const name = target.prefix('elect') + 'e';
        const l1 = await c1!.grantLease(10_000);
        const l2 = await c2!.grantLease(10_000);
        assert.equal(await c1!.leader(name), undefined);
        const first = await c1!.campaign(name, b('first'), l1);
        assert.equal(first.isLeader, true);
        assert.deepEqual(await c2!.leader(name), b('first'));
        let secondLed = false;
        const second = c2!.campaign(name, b('second'), l2).then((l) => {
          secondLed = true;
          return l;
        });
        // Give the second candidate time to register; it must not lead while the first does.
        await eventually(async () => (await c1!.list(name + '/')).entries.length === 2, target.waitMs, 'the second candidate key');
        await new Promise((r) => setTimeout(r, 100));
        assert.equal(secondLed, false, 'only one leader');
        assert.deepEqual(await c1!.leader(name), b('first'));
        let firstLost = false;
        first.onLost(() => (firstLost = true));
        await first.resign();
        await first.resign();
        assert.equal(first.isLeader, false);
        const l = await second;
        assert.equal(l.isLeader, true);
        assert.deepEqual(await c1!.leader(name), b('second'));
        assert.equal(firstLost, false, 'resign does not call onLost');
        await l.resign();
        assert.equal(await c1!.leader(name), undefined);
        await l1.revoke();
        await l2.revoke();
      });
    });

    it('election: the second leads when the leader lease ends; the old leader hears it lost', async () => {
      await withClients(2, async ([c1, c2]) => {
        const name = target.prefix('elect-expire') + 'e';
        const l1 = await c1!.grantLease(2_000);
        const l2 = await c2!.grantLease(10_000);
        const first = await c1!.campaign(name, b('first'), l1);
        const lost = new Promise<Error>((resolve) => first.onLost(resolve));
        const second = c2!.campaign(name, b('second'), l2);
        await eventually(async () => (await c1!.list(name + '/')).entries.length === 2, target.waitMs, 'the second candidate key');
        await target.expire(c1!, l1);
        const cause = await lost;
        assert.ok(cause instanceof FencedError, String(cause));
        assert.equal(first.isLeader, false);
        const l = await second;
        assert.equal(l.isLeader, true);
        assert.deepEqual(await c2!.leader(name), b('second'));

        // Revoking the new leader's lease (its key deleted) also loses leadership.
        const lost2 = new Promise<Error>((resolve) => l.onLost(resolve));
        await c1!.delete(`${name}/${l2.id}`);
        assert.ok((await lost2) instanceof FencedError);
        assert.equal(l.isLeader, false);
        await l2.revoke();
      });
    });

    it('election: each later leader has a larger token; a deposed leader\'s fence compare fails', async () => {
      await withClients(2, async ([c1, c2]) => {
        const name = target.prefix('elect-token') + 'e';
        const l1 = await c1!.grantLease(2_000);
        const l2 = await c2!.grantLease(10_000);
        assert.equal(await electionLeaderToken(c1!, name), 0n, 'no leader: token 0');
        const first = await c1!.campaign(name, b('first'), l1);
        assert.ok(first.token > 0n);
        assert.equal(await electionLeaderToken(c2!, name), first.token);
        const guarded = target.prefix('elect-token') + 'guarded';
        assert.equal((await c1!.txn([first.fence], [{ type: 'put', key: guarded, value: b('by first') }])).ok, true, 'the leader\'s fenced write applies');
        const second = c2!.campaign(name, b('second'), l2);
        await eventually(async () => (await c1!.list(name + '/')).entries.length === 2, target.waitMs, 'the second candidate key');
        await target.expire(c1!, l1);
        const l = await second;
        assert.ok(l.token > first.token, `${l.token} > ${first.token}`);
        assert.equal(await electionLeaderToken(c1!, name), l.token);
        assert.equal((await c1!.txn([first.fence], [{ type: 'put', key: guarded, value: b('late') }])).ok, false, 'the deposed leader\'s fenced write fails');
        assert.deepEqual((await c1!.get(guarded))?.value, b('by first'));
        assert.equal((await c2!.txn([l.fence], [{ type: 'put', key: guarded, value: b('by second') }])).ok, true);
        await l.resign();
        // The same lease campaigning again gets a new key, hence a larger token.
        const again = await c2!.campaign(name, b('second again'), l2);
        assert.ok(again.token > l.token);
        await again.resign();
        await l2.revoke();
      });
    });

    it('campaign rejects with TSB_CLOSED when its signal aborts', async () => {
      await withClients(2, async ([c1, c2]) => {
        const name = target.prefix('elect-abort') + 'e';
        const l1 = await c1!.grantLease(10_000);
        const l2 = await c2!.grantLease(10_000);
        const first = await c1!.campaign(name, b('first'), l1);
        const ac = new AbortController();
        const pending = c2!.campaign(name, b('second'), l2, ac.signal);
        await eventually(async () => (await c1!.list(name + '/')).entries.length === 2, target.waitMs, 'the second candidate key');
        ac.abort();
        await rejectsWithCode(pending, FencedError, ErrorCodes.CLOSED);
        await eventually(async () => (await c1!.list(name + '/')).entries.length === 1, target.waitMs, 'the aborted candidate key to go');
        assert.equal(first.isLeader, true);
        await first.resign();
        await l1.revoke();
        await l2.revoke();
      });
    });

    it('campaign rejects with TSB_FENCED when its own lease is revoked while it waits', async () => {
      await withClients(2, async ([c1, c2]) => {
        const name = target.prefix('elect-revoke') + 'e';
        const l1 = await c1!.grantLease(10_000);
        const l2 = await c2!.grantLease(10_000);
        const first = await c1!.campaign(name, b('first'), l1);
        const pending = c2!.campaign(name, b('second'), l2);
        await eventually(async () => (await c1!.list(name + '/')).entries.length === 2, target.waitMs, 'the second candidate key');
        const rejected = rejectsWithCode(pending, FencedError, ErrorCodes.FENCED);
        await l2.revoke();
        await rejected;
        assert.equal(first.isLeader, true);
        await first.resign();
        await l1.revoke();
      });
    });

    it('close(): later calls fail with TSB_CLOSED, leases are revoked, pending campaigns reject', async () => {
      await withClients(2, async ([other, closing]) => {
        // In-process targets return one instance twice: then `other` closes too.
        const distinct = other !== closing;
        const p = target.prefix('close');
        const lease = await closing!.grantLease(30_000);
        await closing!.put(p + 'leased', b('1'), { lease });
        const holder = await other!.grantLease(30_000);
        const name = p + 'e';
        const leadership = await other!.campaign(name, b('other'), holder);
        const pending = closing!.campaign(name, b('closing'), lease);
        await eventually(async () => (await other!.list(name + '/')).entries.length === 2, target.waitMs, 'the second candidate key');
        const pendingRejects = rejectsWithCode(pending, FencedError, ErrorCodes.CLOSED);
        await closing!.close();
        await closing!.close(); // idempotent
        await pendingRejects;
        await rejectsWithCode(closing!.get(p + 'leased'), FencedError, ErrorCodes.CLOSED);
        await rejectsWithCode(closing!.put(p + 'x', b('1')), FencedError, ErrorCodes.CLOSED);
        await rejectsWithCode(closing!.list(p), FencedError, ErrorCodes.CLOSED);
        await rejectsWithCode(closing!.delete(p + 'x'), FencedError, ErrorCodes.CLOSED);
        await rejectsWithCode(closing!.deletePrefix(p), FencedError, ErrorCodes.CLOSED);
        await rejectsWithCode(closing!.txn([], []), FencedError, ErrorCodes.CLOSED);
        await rejectsWithCode(closing!.grantLease(1000), FencedError, ErrorCodes.CLOSED);
        await rejectsWithCode(closing!.watch(p, () => {}), FencedError, ErrorCodes.CLOSED);
        await rejectsWithCode(closing!.campaign(name, b('x'), lease), FencedError, ErrorCodes.CLOSED);
        await rejectsWithCode(closing!.leader(name), FencedError, ErrorCodes.CLOSED);
        assert.equal(lease.lost, true, 'close revokes the leases');
        if (distinct) {
          await eventually(async () => (await other!.get(p + 'leased')) === undefined, target.waitMs, 'the closed client lease key to vanish');
          assert.equal(leadership.isLeader, true, 'another client keeps its leadership');
          await leadership.resign();
          await holder.revoke();
          await other!.deletePrefix(p);
        } else {
          assert.equal(leadership.isLeader, false, 'closing the client ends its leadership');
        }
      });
    });
  });
}
