import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { SERVER_NODE_FLAGS, withServerNodeFlags } from './node-flags.js';

test('server node flags are added unless the command line sets them already', () => {
  assert.deepEqual(withServerNodeFlags([]), [...SERVER_NODE_FLAGS]);
  assert.deepEqual(withServerNodeFlags(['--enable-source-maps']), ['--enable-source-maps', ...SERVER_NODE_FLAGS]);
  // An operator's own value wins.
  assert.deepEqual(withServerNodeFlags(['--max-semi-space-size=128']), ['--max-semi-space-size=128']);
});

test('the tsbase executable and npm start run with the server flags', () => {
  const root = new URL('../..', import.meta.url);
  const shebang = readFileSync(new URL('cli/tsbase.ts', root), 'utf8').split('\n')[0]!;
  const pkg = JSON.parse(readFileSync(new URL('package.json', root), 'utf8')) as { scripts: Record<string, string> };
  for (const f of SERVER_NODE_FLAGS) {
    assert.ok(shebang.includes(f), `shebang ${shebang}`);
    assert.ok(pkg.scripts['start']!.includes(f), 'npm start');
    assert.ok(pkg.scripts['local-cluster']!.includes(f), 'npm run local-cluster');
  }
});
