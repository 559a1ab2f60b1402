// End to end on `tsbase standalone` as a real child process: kill -9 in the middle of a write
// load, restart, every acknowledged write is there; SIGTERM stops it cleanly (exit 0) and the
// next start has everything too. `tsbase shell -e` as a process against it: a long scan read
// slowly through a pipe arrives whole, and a reader that goes away ends the shell quietly.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import type { Readable } from 'node:stream';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, describe, it } from 'node:test';
import { spawnTsbase } from '../cli/child-process.js';
import type { ManagedChild } from '../cli/child-process.js';
import { TSBASE_SCRIPT } from '../cli/local-cluster.js';
import { EXIT_OUTPUT_CLOSED } from '../cli/run-shell.js';
import { assertRowsPresent, b, connect, putOf, startLoad, waitFor, stopLoads } from './e2e-util.js';

const dir = mkdtempSync(join(tmpdir(), 'tsb-e2e-standalone-proc-'));
const children: ManagedChild[] = [];
after(async () => {
  await Promise.all(children.map((c) => c.kill()));
  rmSync(dir, { recursive: true, force: true });
});

let runs = 0;
async function startStandaloneProcess(dataDir = 'data'): Promise<{ child: ManagedChild; master: string }> {
  const child = spawnTsbase(`standalone-${runs}`, {
    script: TSBASE_SCRIPT,
    args: ['standalone', '--data-dir', join(dir, dataDir), '--set', 'master.httpPort=0', '--set', 'regionserver.rpcPort=0', '--set', 'regionserver.httpPort=0', '--log-level', 'warn'],
    logFile: join(dir, `standalone-${runs++}.log`),
  });
  children.push(child);
  const ready = await child.ready;
  assert.ok(ready.masterHttp !== undefined);
  return { child, master: ready.masterHttp };
}

// A test that failed half-way must not leave its load running into the next ones.
afterEach(() => stopLoads());

describe('tsbase standalone as a process', { timeout: 300_000 }, () => {
  it('kill -9 during a write load, restart: every acknowledged write is present', async () => {
    const first = await startStandaloneProcess();
    const conn = await connect([first.master], 5_000);
    await conn.getAdmin().createTable({ name: 'crash', families: [{ NAME: 'f' }], splitKeys: ['4000', '8000', 'c000'].map((k) => b(k).toString('base64')) });
    const load = startLoad(conn.getTable('crash'), { writers: 8, readers: 1 });
    await waitFor('acknowledged writes before the kill', () => load.acked.size >= 1000, 60_000);
    await first.child.kill(); // SIGKILL mid-load
    const report = await load.stop(); // in-flight writes fail (not acknowledged): expected
    await conn.close();
    const acked = new Map(report.acked);
    assert.ok(acked.size >= 1000);

    const second = await startStandaloneProcess();
    const conn2 = await connect([second.master]);
    await assertRowsPresent(conn2.getTable('crash'), acked);
    // And the table takes writes again.
    const more = startLoad(conn2.getTable('crash'), { writers: 2, readers: 1, prefix: 'after-' });
    await waitFor('writes after the restart', () => more.acked.size >= 200, 30_000);
    const r2 = await more.stop();
    assert.deepEqual(r2.errors.map(String), []);
    await conn2.close();

    // SIGTERM: a clean stop (regions flushed), exit status 0; the next run has everything.
    const status = await second.child.stop(60_000);
    assert.deepEqual(status, { code: 0, signal: null });
    const third = await startStandaloneProcess();
    const conn3 = await connect([third.master]);
    await assertRowsPresent(conn3.getTable('crash'), acked);
    await assertRowsPresent(conn3.getTable('crash'), r2.acked);
    await conn3.close();
    assert.deepEqual(await third.child.stop(60_000), { code: 0, signal: null });
  });
});

/** Runs `tsbase shell -e <commands>` against `master`; `reader` gets its stdout pipe. */
async function shellProcess(master: string, commands: string, reader: (out: Readable) => void): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, [TSBASE_SCRIPT, 'shell', '--master', master, '-e', commands], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (s: string) => (stderr += s));
  reader(child.stdout);
  const [code] = (await once(child, 'close')) as [number | null];
  return { code, stderr };
}

describe('tsbase shell -e as a process, output through a pipe', { timeout: 300_000 }, () => {
  it('a long scan read slowly arrives whole; a reader that goes away ends the shell quietly (141)', async () => {
    const sa = await startStandaloneProcess('data-shell');
    const conn = await connect([sa.master]);
    await conn.getAdmin().createTable({ name: 'long', families: [{ NAME: 'f' }] });
    const rows = 2_000;
    const table = conn.getTable('long');
    for (let i = 0; i < rows; i += 100) {
      const batch = [];
      for (let j = i; j < i + 100; j++) batch.push(putOf(`row${String(j).padStart(5, '0')}`, 'f', 'q', 'v'.repeat(100)));
      await table.batch(batch);
    }
    await conn.close();

    // About 400 KB of output, far more than a pipe holds; nothing is read for the first second.
    let out = '';
    const slow = await shellProcess(sa.master, "scan 'long'", (stdout) => {
      stdout.pause();
      setTimeout(() => {
        stdout.setEncoding('utf8');
        stdout.on('data', (s: string) => (out += s));
        stdout.resume();
      }, 1_000);
    });
    assert.equal(slow.code, 0, slow.stderr);
    const scanned = out.split('\n').filter((l) => l.startsWith(' row'));
    assert.equal(scanned.length, rows, `rows printed (of ${out.length} bytes)`);
    assert.ok(scanned[rows - 1]!.startsWith(` row${String(rows - 1).padStart(5, '0')} `));
    assert.match(out, new RegExp(`${rows} row\\(s\\)`));

    // The reader closes the pipe after the first chunk, as `| head` does.
    const gone = await shellProcess(sa.master, "scan 'long'", (stdout) => {
      stdout.once('data', () => stdout.destroy());
    });
    assert.equal(gone.code, EXIT_OUTPUT_CLOSED, gone.stderr);
    assert.doesNotMatch(gone.stderr, /EPIPE|Error/);

    assert.deepEqual(await sa.child.stop(60_000), { code: 0, signal: null });
  });
});
