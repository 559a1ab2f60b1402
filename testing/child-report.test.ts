// child-report.ts over a real pipe that Node has made non-blocking (as the AWS SDK does in the
// WAL writer child) while the parent stops reading: every line arrives, in order, and the
// child exits normally instead of dying with EAGAIN.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { test } from 'node:test';

const REPORTS = new URL('./child-report.js', import.meta.url).href;

test('reports survive a full non-blocking stdout pipe: every line arrives in order and the child exits 0', async () => {
  const lines = 20_000;
  // 20,000 lines of ~110 bytes (2.2 MB) is far more than a pipe or socket buffer holds.
  const script = `
    import { readFileSync } from 'node:fs';
    import { flushReports, report, reportNow } from ${JSON.stringify(REPORTS)};
    void process.stdout; // Node opens fd 1 as a stream and makes it non-blocking
    const flags = readFileSync('/proc/self/fdinfo/1', 'utf8').match(/flags:\\s+(\\d+)/)[1];
    process.stderr.write('flags ' + flags + '\\n');
    reportNow('start');
    for (let i = 0; i < ${lines}; i++) report('line ' + i + ' ' + 'x'.repeat(100));
    flushReports();
    reportNow('end');
  `;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (s: string) => (stderr += s));
  let out = '';
  child.stdout.setEncoding('utf8');
  // Read the first chunk, then stop reading for a while so the pipe fills up.
  await new Promise<void>((resolve) => {
    child.stdout.once('data', (s: string) => {
      out += s;
      child.stdout.pause();
      setTimeout(resolve, 300);
    });
  });
  child.stdout.on('data', (s: string) => (out += s));
  child.stdout.resume();
  const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
  assert.equal(code, 0, `child exit code; stderr: ${stderr.slice(-1000)}`);
  // The pipe really was non-blocking (O_NONBLOCK is octal 04000), or this test proves nothing.
  const flags = /flags (\d+)/.exec(stderr);
  assert.ok(flags !== null, `child reported its fd flags; stderr: ${stderr}`);
  assert.ok((parseInt(flags[1]!, 8) & 0o4000) !== 0, `fd 1 is non-blocking (flags ${flags[1]})`);
  const got = out.split('\n');
  assert.equal(got.pop(), '', 'output ends with a complete line');
  assert.equal(got.length, lines + 2);
  assert.equal(got[0], 'start');
  assert.equal(got.at(-1), 'end');
  for (let i = 0; i < lines; i++) assert.equal(got[i + 1], `line ${i} ${'x'.repeat(100)}`);
});
