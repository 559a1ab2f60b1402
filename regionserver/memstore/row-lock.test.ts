import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ManualClock } from '../../common/clock.js';
import { UnavailableError } from '../../common/errors.js';
import type { RowLock } from './row-lock.js';
import { RowLocks } from './row-lock.js';

const row = (s: string): Buffer => Buffer.from(s);

/** Lets pending promise reactions run. */
async function settle(): Promise<void> {
  for (let i = 0; i < 10; i++) await Promise.resolve();
}

test('a free row is locked at once; a locked row is not', () => {
  const locks = new RowLocks({ clock: new ManualClock() });
  const a = locks.tryLock(row('r1'));
  assert.ok(a);
  assert.equal(locks.tryLock(row('r1')), undefined);
  assert.ok(locks.tryLock(row('r2')), 'other rows are independent');
  a.release();
  assert.ok(locks.tryLock(row('r1')));
});

test('rows are compared as bytes', () => {
  const locks = new RowLocks({ clock: new ManualClock() });
  assert.ok(locks.tryLock(Buffer.from([0xff, 0x00])));
  assert.ok(locks.tryLock(Buffer.from([0xff])));
  assert.ok(locks.tryLock(Buffer.from([0xc3, 0xbf])), 'not confused with the UTF-8 of U+00FF');
  assert.equal(locks.tryLock(Buffer.from([0xff, 0x00])), undefined);
});

test('waiters get the lock in FIFO order, handed over on release', async () => {
  const locks = new RowLocks({ clock: new ManualClock() });
  const first = locks.tryLock(row('r'))!;
  const order: number[] = [];
  const p1 = locks.lock(row('r')).then((l) => {
    order.push(1);
    return l;
  });
  const p2 = locks.lock(row('r')).then((l) => {
    order.push(2);
    return l;
  });
  await settle();
  assert.deepEqual(order, []);
  first.release();
  assert.equal(locks.tryLock(row('r')), undefined, 'no barging: the lock went to the first waiter');
  const l1 = await p1;
  await settle();
  assert.deepEqual(order, [1]);
  l1.release();
  const l2 = await p2;
  assert.deepEqual(order, [1, 2]);
  assert.equal(locks.contendedRows, 0, 'the queue went with its last waiter');
  l2.release();
  assert.equal(locks.lockedRows, 0);
});

test('a wait times out with TSB_TIMEOUT and leaves the queue', async () => {
  const clock = new ManualClock();
  const locks = new RowLocks({ clock, timeoutMs: 1000 });
  const held = locks.tryLock(row('r'))!;
  const timedOut = locks.lock(row('r'));
  const patient = locks.lock(row('r'), 5000);
  assert.equal(locks.waiters, 2);
  assert.equal(locks.contendedRows, 1);
  clock.advance(999);
  await settle();
  assert.equal(locks.waiters, 2);
  clock.advance(200);
  await assert.rejects(timedOut, (e: unknown) => {
    assert.ok(e instanceof UnavailableError);
    assert.equal(e.code, 'TSB_TIMEOUT');
    assert.equal(e.retryable, true);
    assert.match(e.message, /row=`72`/);
    return true;
  });
  assert.equal(locks.waiters, 1);
  held.release();
  const l = await patient;
  assert.ok(l.isHeld);
  l.release();
  assert.equal(locks.lockedRows, 0);
  // The only waiter times out: its row's queue goes too.
  const again = locks.tryLock(row('s'))!;
  const lone = locks.lock(row('s'));
  assert.equal(locks.contendedRows, 1);
  clock.advance(1200);
  await assert.rejects(lone, UnavailableError);
  assert.equal(locks.contendedRows, 0);
  again.release();
  assert.equal(locks.lockedRows, 0);
});

test('a lock is released once', () => {
  const locks = new RowLocks({ clock: new ManualClock() });
  const l = locks.tryLock(row('r'))!;
  l.release();
  assert.throws(() => l.release(), { code: 'TSB_INTERNAL' });
});

test('rows that share a hash are locked, queued and handed over as different rows', async () => {
  const clock = new ManualClock();
  // Every row in one bucket: the chain and the shared queue must still tell rows apart.
  const locks = new RowLocks({ clock, timeoutMs: 1000, hash: () => 7 });
  const a = locks.tryLock(row('a'))!;
  const b = locks.tryLock(row('b'))!;
  const c = locks.tryLock(row('c'))!;
  assert.ok(a && b && c, 'distinct rows with one hash are all free');
  assert.equal(locks.tryLock(row('b')), undefined, 'a row in the middle of the chain is found');
  assert.equal(locks.lockedRows, 3);
  const got: string[] = [];
  const wait = (r: string, timeoutMs?: number): Promise<RowLock> =>
    locks.lock(row(r), timeoutMs).then((l) => {
      got.push(`${l.row.toString()}`);
      return l;
    });
  const wb1 = wait('b', 5000);
  const wa1 = wait('a', 5000);
  const wb2 = wait('b', 5000);
  const wcShort = wait('c');
  assert.equal(locks.waiters, 4);
  assert.equal(locks.contendedRows, 3);
  b.release(); // not the chain's head (c was added last): unchained from the middle
  const lb1 = await wb1;
  await settle();
  assert.deepEqual(got, ['b'], 'the first waiter for b, not the queue head of another row');
  assert.equal(locks.tryLock(row('b')), undefined);
  clock.advance(1200); // the waiter for c times out; the others stay queued
  await assert.rejects(wcShort, (e: unknown) => e instanceof UnavailableError && e.code === 'TSB_TIMEOUT');
  assert.equal(locks.waiters, 2);
  c.release();
  await settle();
  assert.deepEqual(got, ['b'], 'nobody waits for c any more');
  const lc = locks.tryLock(row('c'));
  assert.ok(lc, 'c is free once released with no waiter');
  lc.release();
  lb1.release();
  const lb2 = await wb2;
  a.release();
  const la1 = await wa1;
  assert.deepEqual(got, ['b', 'b', 'a']);
  assert.equal(locks.contendedRows, 0);
  lb2.release();
  la1.release();
  assert.equal(locks.lockedRows, 0);
  for (const r of ['a', 'b', 'c']) {
    const l = locks.tryLock(row(r));
    assert.ok(l, `${r} is free again`);
    l.release();
  }
});
