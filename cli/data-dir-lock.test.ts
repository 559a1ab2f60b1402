import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ErrorCodes, InvalidError } from '../common/errors.js';
import { lockDataDir } from './data-dir-lock.js';

const root = mkdtempSync(join(tmpdir(), 'tsb-lock-'));
after(() => rmSync(root, { recursive: true, force: true }));

describe('lockDataDir', () => {
  it('creates the dir and the lock; release removes it', () => {
    const dir = join(root, 'a', 'data');
    const lock = lockDataDir(dir);
    assert.equal(readFileSync(join(dir, 'standalone.pid'), 'utf8'), String(process.pid));
    lock.release();
    assert.equal(existsSync(join(dir, 'standalone.pid')), false);
  });

  it('refuses a dir held by another live process', () => {
    const dir = join(root, 'b');
    lockDataDir(dir).release();
    writeFileSync(join(dir, 'standalone.pid'), String(process.ppid)); // our parent: alive
    assert.throws(() => lockDataDir(dir), (e: unknown) => e instanceof InvalidError && e.code === ErrorCodes.INVALID_CONFIG && /in use/.test(e.message));
  });

  it('takes over a lock left by a process that is gone (kill -9)', () => {
    const dir = join(root, 'c');
    lockDataDir(dir).release();
    const gone = spawnSync(process.execPath, ['-e', '']).pid!;
    writeFileSync(join(dir, 'standalone.pid'), String(gone));
    const lock = lockDataDir(dir);
    assert.equal(readFileSync(join(dir, 'standalone.pid'), 'utf8'), String(process.pid));
    lock.release();
  });
});
