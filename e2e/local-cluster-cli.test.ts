// `tsbase local-cluster` as a user runs it: it starts its own etcd and radosgw, a master and a
// region server, prints the addresses, serves the shell, and on Ctrl-C (SIGINT) stops every
// process it started and exits 0.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { TSBASE_SCRIPT } from '../cli/local-cluster.js';
import { waitFor } from './e2e-util.js';

const dir = mkdtempSync(join(tmpdir(), 'tsb-e2e-lc-cli-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('tsbase local-cluster', { timeout: 300_000 }, () => {
  it('starts etcd, radosgw, a master and a region server; the shell works; Ctrl-C stops everything', async () => {
    const child = spawn(process.execPath, [TSBASE_SCRIPT, 'local-cluster', '--regionservers', '1', '--masters', '1', '--master-port', '0', '--dir', dir, '--set', 'regionserver.stopWait=1s'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      await waitFor('the banner', () => out.includes('open the shell'), 180_000);
      const pids = [...out.matchAll(/pid (\d+)\)/g)].map((m) => Number(m[1]));
      assert.equal(pids.length, 2, out);
      const shell = spawnSync(process.execPath, [TSBASE_SCRIPT, 'shell', '--config', join(dir, 'tsbase.json'), '-e', "create 'lc', 'f'; put 'lc', 'r', 'f:q', 'v'; get 'lc', 'r'"], { encoding: 'utf8', timeout: 120_000 });
      assert.equal(shell.status, 0, shell.stdout + shell.stderr);
      assert.match(shell.stdout, /value=v/);
      const config = JSON.parse(readFileSync(join(dir, 'tsbase.json'), 'utf8')) as { objectStore: { kind: string }; coordination: { kind: string } };
      assert.equal(config.objectStore.kind, 's3');
      assert.equal(config.coordination.kind, 'etcd');

      child.kill('SIGINT');
      assert.equal(await exited, 0, `exit status\n${out}\n${err.slice(-2000)}`);
      assert.match(out, /stopped\./);
      for (const pid of pids) assert.equal(alive(pid), false, `child ${pid} still running`);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});
