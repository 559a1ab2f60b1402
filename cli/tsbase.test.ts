// The tsbase command's contract for operators: an invalid setting stops a process at once
// (exit 1) naming the setting and the reason; subcommands not in this build exit 2.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { TSBASE_SCRIPT } from './local-cluster.js';

function run(args: string[], env: NodeJS.ProcessEnv = {}) {
  const r = spawnSync(process.execPath, [TSBASE_SCRIPT, ...args], { encoding: 'utf8', env: { PATH: process.env['PATH'], ...env }, timeout: 30_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('tsbase command line', () => {
  for (const cmd of ['standalone', 'master', 'regionserver']) {
    it(`${cmd}: an out-of-range --set value exits 1 naming the setting`, () => {
      const r = run([cmd, '--set', 'regionserver.rpcPort=70000']);
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr, new RegExp(`^tsbase ${cmd}: invalid configuration: regionserver\\.rpcPort: .*70000`, 'm'));
    });
  }

  it('an unknown setting exits 1 naming it', () => {
    const r = run(['standalone', '--set', 'regionserver.noSuchThing=1']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /unknown setting.*regionserver\.noSuchThing/);
  });

  it('a bad value from the environment names the variable source', () => {
    const r = run(['standalone'], { TSB_REGIONSERVER_FLUSH_SIZE: 'lots' });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /regionserver\.flushSize/);
  });

  it('a cluster process without an object store says so', () => {
    const r = run(['regionserver']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /objectStore/);
  });

  it('a missing config file exits 1', () => {
    const r = run(['master', '--config', '/nonexistent/tsbase.yaml']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /configuration file/);
  });

  for (const cmd of ['rest', 'operator']) {
    it(`${cmd} is not available yet: exit 2`, () => {
      const r = run([cmd]);
      assert.equal(r.code, 2);
      assert.match(r.stderr, /not available yet/);
    });
  }
});
