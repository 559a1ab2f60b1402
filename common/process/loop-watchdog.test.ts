// The event-loop watchdog, in child processes: a stuck loop gets the process killed with the
// main thread's stack in the log; a loop that is only slow for a while is reported, not killed.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { test } from 'node:test';
import { startLoopWatchdog } from './loop-watchdog.js';
import { InvalidError } from '../errors.js';

const FIXTURE = new URL('./testdata/stall-fixture.js', import.meta.url).pathname;

test('a stuck event loop: the stack of the main thread is logged and the process is killed', () => {
  const r = spawnSync(process.execPath, [FIXTURE, 'spin'], { encoding: 'utf8', timeout: 30_000 });
  assert.equal(r.signal, 'SIGKILL', `status ${r.status} signal ${r.signal} stderr ${r.stderr}`);
  const line = r.stderr.split('\n').find((l) => l.includes('event loop stalled'));
  assert.ok(line !== undefined, r.stderr);
  const log = JSON.parse(line) as { level: number; name: string; stalledMs: number; stack: string[] };
  assert.equal(log.level, 60);
  assert.equal(log.name, 'fixture');
  assert.ok(log.stalledMs >= 1000);
  assert.ok(log.stack.some((f) => f.startsWith('spinForever ') && f.includes('stall-fixture.js')), log.stack.join('\n'));
});

test('a stuck event loop whose stderr pipe is full is killed all the same', async () => {
  // The parent does not read stderr until the child is gone, so the watchdog's log line
  // cannot be written (EAGAIN); the kill must not depend on it. A child the watchdog failed
  // to kill is stopped by this test with SIGTERM after 20 s.
  const child = spawn(process.execPath, [FIXTURE, 'spin-full-stderr'], { stdio: ['ignore', 'ignore', 'pipe'] });
  const timer = setTimeout(() => child.kill('SIGTERM'), 20_000);
  const [, signal] = (await once(child, 'exit')) as [number | null, NodeJS.Signals | null];
  clearTimeout(timer);
  child.stderr.resume();
  assert.equal(signal, 'SIGKILL');
});

test('a loop blocked for less than the limit is reported and lives on; stop() lets the process exit', () => {
  const r = spawnSync(process.execPath, [FIXTURE, 'busy'], { encoding: 'utf8', timeout: 30_000 });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /stall \d+/);
  assert.match(r.stdout, /done/);
  assert.doesNotMatch(r.stderr, /event loop stalled/);
});

test('a limit below 1 s is refused', () => {
  assert.throws(() => startLoopWatchdog({ stallMs: 10, name: 'x' }), InvalidError);
});
