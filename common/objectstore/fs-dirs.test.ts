import assert from 'node:assert/strict';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DirectoryTracker } from './fs-dirs.js';

describe('DirectoryTracker', () => {
  let base: string;
  before(async () => {
    base = await mkdtemp(join(tmpdir(), 'tsb-fs-dirs-'));
  });
  after(async () => {
    await rm(base, { recursive: true, force: true });
  });

  it('concurrent syncs of one directory share fsyncs: one running, one queued', async () => {
    const dirs = new DirectoryTracker(base);
    await Promise.all(Array.from({ length: 10 }, () => dirs.sync(base)));
    assert.equal(dirs.fsyncCount, 2);
    await dirs.sync(base); // nothing running: a fresh fsync
    assert.equal(dirs.fsyncCount, 3);
  });

  it('ensure creates nested directories once and remembers them', async () => {
    const dirs = new DirectoryTracker(base);
    const leaf = join(base, 'a', 'b', 'c');
    await Promise.all([dirs.ensure(leaf), dirs.ensure(leaf), dirs.ensure(join(base, 'a', 'b'))]);
    assert.ok((await stat(leaf)).isDirectory());
    const after1 = dirs.fsyncCount;
    assert.equal(after1, 3); // the parents of a, b and c
    await dirs.ensure(leaf);
    assert.equal(dirs.fsyncCount, after1);
  });

  it('after forget, a removed directory is made again', async () => {
    const dirs = new DirectoryTracker(base);
    const leaf = join(base, 'x', 'y');
    await dirs.ensure(leaf);
    await rm(join(base, 'x'), { recursive: true });
    dirs.forget(leaf);
    await dirs.ensure(leaf);
    assert.ok((await stat(leaf)).isDirectory());
  });
});
