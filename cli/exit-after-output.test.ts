// exitAfterOutput in a child process whose stdout is a pipe the parent reads slowly: all of
// the output arrives before the exit (process.exit alone keeps about the first 64 KiB), and a
// reader that went away does not turn the exit into a crash.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { test } from 'node:test';

const MODULE = new URL('./exit-after-output.js', import.meta.url).href;
const BYTES = 4 * 1024 * 1024;
const script = `
  import { exitAfterOutput } from ${JSON.stringify(MODULE)};
  process.stdout.write('x'.repeat(${BYTES}));
  process.stderr.write('done writing\\n');
  await exitAfterOutput(3);
`;

test('every byte written to a slowly read stdout pipe arrives before the exit code', async () => {
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (s: string) => (stderr += s));
  // Start reading only once the child has queued all of it (more than any pipe holds).
  await new Promise<void>((resolve) => {
    const check = setInterval(() => {
      if (stderr.includes('done writing')) {
        clearInterval(check);
        resolve();
      }
    }, 10);
  });
  let bytes = 0;
  child.stdout.on('data', (b: Buffer) => (bytes += b.length));
  const [code] = (await once(child, 'close')) as [number | null];
  assert.equal(code, 3, stderr);
  assert.equal(bytes, BYTES);
});

test('a reader that closed the pipe (EPIPE) still gets the exit code, not a crash', async () => {
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (s: string) => (stderr += s));
  child.stdout.destroy();
  const [code] = (await once(child, 'close')) as [number | null];
  assert.equal(code, 3, stderr);
});
