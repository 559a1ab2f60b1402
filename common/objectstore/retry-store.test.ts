import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Clock } from '../clock.js';
import { ConflictError, ErrorCodes, InternalError, NotFoundError, UnavailableError } from '../errors.js';
import { SeededRandom, testSeed } from '../random.js';
import { objectStoreConformance, rejectsWith } from './conformance.js';
import { FaultObjectStore, isInjectedFault } from './fault-store.js';
import { MemoryObjectStore } from './memory-store.js';
import { RetryObjectStore } from './retry-store.js';

/** A clock whose sleeps return at once and move its time forward; records every sleep. */
class InstantClock implements Clock {
  now = 0;
  readonly slept: number[] = [];
  nowMs(): number {
    return this.now;
  }
  monotonicMs(): number {
    return this.now;
  }
  async sleep(ms: number): Promise<void> {
    this.slept.push(ms);
    this.now += ms;
  }
}

function setup(opts: { maxAttempts?: number; deadlineMs?: number } = {}) {
  const clock = new InstantClock();
  const mem = new MemoryObjectStore();
  const faults = new FaultObjectStore(mem, new SeededRandom(1), { clock });
  const store = new RetryObjectStore(faults, { clock, random: new SeededRandom(2), baseDelayMs: 10, maxDelayMs: 100, ...opts });
  return { clock, mem, faults, store };
}

describe('RetryObjectStore', () => {
  it('retries retryable failures with full-jitter exponential backoff, then succeeds', async () => {
    const { clock, faults, store, mem } = setup();
    faults.failNext('put', 3);
    await store.put('k', Buffer.from('v'));
    assert.equal((await mem.get('k')).body.toString(), 'v');
    assert.equal(store.retries, 3);
    assert.equal(clock.slept.length, 3);
    // Full jitter: the n-th retry sleeps in [0, min(max, base * 2^(n-1))).
    clock.slept.forEach((ms, i) => assert.ok(ms >= 0 && ms < Math.min(100, 10 * 2 ** i), `sleep ${i}: ${ms}`));
  });

  it('does not retry errors that are not retryable', async () => {
    const { faults, store } = setup();
    await rejectsWith(store.get('missing'), NotFoundError, ErrorCodes.NOT_FOUND);
    await store.put('k', Buffer.from('v'), { ifNoneMatch: '*' });
    await rejectsWith(store.put('k', Buffer.from('w'), { ifNoneMatch: '*' }), ConflictError, ErrorCodes.ALREADY_EXISTS);
    faults.failNext('get', 1, { error: 'injected' });
    await assert.rejects(store.get('k'), (err: unknown) => err instanceof InternalError && err.code === ErrorCodes.INJECTED_FAULT);
    assert.equal(store.retries, 0);
  });

  it('gives up after maxAttempts with the last error', async () => {
    const { faults, store } = setup({ maxAttempts: 4 });
    faults.failNext('head', 10);
    await assert.rejects(store.head('k'), (err: unknown) => err instanceof UnavailableError && isInjectedFault(err));
    assert.equal(faults.injected.head, 4);
  });

  it('stops retrying when the next backoff would pass the deadline', async () => {
    const { clock, faults, store } = setup({ maxAttempts: 1000, deadlineMs: 500 });
    faults.failNext('list', 1000);
    await assert.rejects(store.list(''), UnavailableError);
    assert.ok(clock.now <= 500, `time used ${clock.now}`);
    assert.ok(faults.injected.list > 5 && faults.injected.list < 1000, `attempts ${faults.injected.list}`);
  });

  it('create-if-absent whose ack was lost reports success: the retry finds its own bytes', async () => {
    const { faults, store, mem } = setup();
    faults.failNext('put', 1, { failure: 'after' });
    const { etag } = await store.put('wal/1', Buffer.from('chunk by server A'), { ifNoneMatch: '*' });
    assert.equal(etag, (await mem.head('wal/1'))?.etag);
    assert.equal(faults.injected.put, 1);
  });

  it('compare-and-swap whose ack was lost reports success with the stored etag', async () => {
    const { faults, store, mem } = setup();
    const v1 = await mem.put('manifest', Buffer.from('v1'));
    faults.failNext('put', 1, { failure: 'after' });
    const { etag } = await store.put('manifest', Buffer.from('v2 by A'), { ifMatch: v1.etag });
    const now = await mem.get('manifest');
    assert.equal(now.body.toString(), 'v2 by A');
    assert.equal(etag, now.etag);
  });

  it('a conflict after an ambiguous failure stays a conflict when someone else won', async () => {
    const { faults, store, mem } = setup();
    // The first attempt fails before applying; meanwhile another writer creates the object.
    faults.addRule({ op: 'put', failure: 'before', times: 1 });
    const racing = store.put('wal/2', Buffer.from('from A'), { ifNoneMatch: '*' });
    await mem.put('wal/2', Buffer.from('from B'), { ifNoneMatch: '*' });
    await rejectsWith(racing, ConflictError, ErrorCodes.ALREADY_EXISTS);
    assert.equal((await mem.get('wal/2')).body.toString(), 'from B');
  });

  it('retries an upload from an array, but not from a one-shot stream', async () => {
    const { faults, store, mem } = setup();
    faults.failNext('upload', 1);
    const r = await store.upload('big', [Buffer.from('ab'), Buffer.from('cd')]);
    assert.equal(r.size, 4);
    assert.equal((await mem.get('big')).body.toString(), 'abcd');
    faults.failNext('upload', 1);
    async function* once(): AsyncGenerator<Buffer> {
      yield Buffer.from('x');
    }
    await assert.rejects(store.upload('big2', once()), UnavailableError);
    assert.equal(await mem.head('big2'), undefined);
  });
});

// The whole conformance suite through retry over a store that fails ~15% of calls, before or
// after applying them. Conditional-put races must still have exactly one winner.
const seed = testSeed();
objectStoreConformance(`retry(fault(memory)) seed=${seed}`, async () => {
  const clock = new InstantClock();
  const random = new SeededRandom(seed);
  const faults = new FaultObjectStore(new MemoryObjectStore(), random, { clock });
  for (const op of ['get', 'head', 'put', 'list', 'delete', 'deleteMany'] as const) {
    faults.addRule({ op, failure: 'before', probability: 0.08 });
    faults.addRule({ op, failure: 'after', probability: 0.08 });
  }
  const store = new RetryObjectStore(faults, { clock, random, maxAttempts: 30, deadlineMs: 1e9 });
  return { store, cleanup: () => store.close() };
});
