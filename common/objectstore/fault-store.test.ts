import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock } from '../clock.js';
import { ErrorCodes, InternalError, UnavailableError, isRetryable } from '../errors.js';
import { SeededRandom } from '../random.js';
import { objectStoreConformance } from './conformance.js';
import { FaultObjectStore, isInjectedFault } from './fault-store.js';
import { MemoryObjectStore } from './memory-store.js';

function setup(seed = 7) {
  const mem = new MemoryObjectStore();
  const clock = new ManualClock();
  const faults = new FaultObjectStore(mem, new SeededRandom(seed), { clock });
  return { mem, clock, faults };
}

describe('FaultObjectStore', () => {
  it('a failure before applying leaves the store unchanged', async () => {
    const { mem, faults } = setup();
    faults.failNext('put', 1);
    await assert.rejects(faults.put('k', Buffer.from('v')), (err: unknown) => {
      assert.ok(err instanceof UnavailableError && isRetryable(err) && isInjectedFault(err));
      assert.equal(err.details['injected'], 'before');
      return true;
    });
    assert.equal(await mem.head('k'), undefined);
    await faults.put('k', Buffer.from('v')); // the rule is spent
    assert.equal(faults.injected.put, 1);
  });

  it('a failure after applying (ack lost) changes the store yet reports an error', async () => {
    const { mem, faults } = setup();
    faults.failNext('put', 1, { failure: 'after' });
    await assert.rejects(faults.put('k', Buffer.from('v')), (err: unknown) => isInjectedFault(err));
    assert.equal((await mem.get('k')).body.toString(), 'v');
    faults.failNext('delete', 1, { failure: 'after' });
    await assert.rejects(faults.delete('k'), UnavailableError);
    assert.equal(await mem.head('k'), undefined);
  });

  it("error: 'injected' gives a non-retryable TSB_INJECTED_FAULT; real errors are not labelled", async () => {
    const { faults } = setup();
    faults.failNext('get', 1, { error: 'injected' });
    await assert.rejects(faults.get('k'), (err: unknown) => {
      assert.ok(err instanceof InternalError && err.code === ErrorCodes.INJECTED_FAULT && !isRetryable(err) && isInjectedFault(err));
      return true;
    });
    await assert.rejects(faults.get('k'), (err: unknown) => !isInjectedFault(err) && (err as { code?: string }).code === ErrorCodes.NOT_FOUND);
  });

  it('rules match by operation and key prefix, and can be removed', async () => {
    const { faults } = setup();
    const remove = faults.addRule({ op: '*', failure: 'before', keyPrefix: 'wal/' });
    await faults.put('data/x', Buffer.from('1'));
    await assert.rejects(faults.put('wal/1', Buffer.from('1')));
    await assert.rejects(faults.head('wal/1'));
    remove();
    await faults.put('wal/1', Buffer.from('1'));
    assert.deepEqual({ put: faults.injected.put, head: faults.injected.head }, { put: 1, head: 1 });
  });

  it('probabilistic faults replay identically for the same seed', async () => {
    const pattern = async (seed: number): Promise<string> => {
      const { faults } = setup(seed);
      faults.addRule({ op: 'put', failure: 'before', probability: 0.3 });
      let out = '';
      for (let i = 0; i < 200; i++) out += await faults.put(`k${i}`, Buffer.from('x')).then(() => '.', () => 'X');
      return out;
    };
    const a = await pattern(99);
    assert.equal(await pattern(99), a);
    assert.notEqual(await pattern(100), a);
    const failures = [...a].filter((c) => c === 'X').length;
    assert.ok(failures > 30 && failures < 100, `about 30% of 200 fail: ${failures}`);
  });

  it('latency is added through the injected clock', async () => {
    const { clock, faults } = setup();
    faults.addLatency('head', 250);
    let done = false;
    const p = faults.head('k').then(() => (done = true));
    await new Promise((r) => setImmediate(r));
    assert.equal(done, false);
    clock.advance(249);
    await new Promise((r) => setImmediate(r));
    assert.equal(done, false);
    clock.advance(1);
    await p;
    assert.equal(done, true);
  });
});

// With no rules the wrapper is transparent.
objectStoreConformance('fault(memory) without faults', async () => {
  const store = new FaultObjectStore(new MemoryObjectStore(), new SeededRandom(1));
  return { store, cleanup: () => store.close() };
});
