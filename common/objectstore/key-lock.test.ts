import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { KeyedMutex } from './key-lock.js';

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('KeyedMutex', () => {
  it('runs holders of one key one at a time, in arrival order', async () => {
    const m = new KeyedMutex();
    const log: string[] = [];
    let inside = 0;
    const job = (name: string) =>
      m.run('k', async () => {
        inside++;
        assert.equal(inside, 1, 'two holders at once');
        log.push(`start ${name}`);
        await tick();
        log.push(`end ${name}`);
        inside--;
        return name;
      });
    assert.deepEqual(await Promise.all([job('a'), job('b'), job('c')]), ['a', 'b', 'c']);
    assert.deepEqual(log, ['start a', 'end a', 'start b', 'end b', 'start c', 'end c']);
    assert.equal(m.size, 0);
  });

  it('different keys do not wait for each other', async () => {
    const m = new KeyedMutex();
    let release!: () => void;
    const blocker = m.run('a', () => new Promise<void>((r) => (release = r)));
    assert.equal(await m.run('b', async () => 'b ran'), 'b ran');
    release();
    await blocker;
  });

  it('a failing holder releases the lock', async () => {
    const m = new KeyedMutex();
    await assert.rejects(m.run('k', async () => Promise.reject(new Error('boom'))), /boom/);
    assert.equal(await m.run('k', async () => 1), 1);
    assert.equal(m.size, 0);
  });
});
