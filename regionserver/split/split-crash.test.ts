// kill -9 during a region split: a child process writes rows through a region, then splits it
// (split-child.ts) and is killed after the n-th object-store write of the split (n = 0: as it
// starts; the last round is not killed). Then, as a master would:
//   - the dead process's WAL is fenced and split into recovered edits;
//   - roll back (assignment-manager's rollBackFailedSplit): the parent re-opens, and every
//     acknowledged row is there with its value — whatever daughter manifests the split left;
//   - if the split finished: the daughters open instead (roll forward), and every
//     acknowledged row is in the daughter whose range holds it, and only there.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { ObjectStore } from '../../common/objectstore/object-store.js';
import { openObjectStore } from '../../common/objectstore/open-store.js';
import type { RegionInfo } from '../region/region-info.js';
import { containsRow } from '../region/region-info.js';
import { openRegion } from '../region/region-open.js';
import { CRASH_FAMILIES, CRASH_REGION, CRASH_SERVER, putValue } from '../region/testdata/crash-workload.js';
import { S3WalBackend } from '../wal/s3-wal-backend.js';
import { splitLocalWal } from '../wal/wal-split.js';
import { WalWriter } from '../wal/wal-writer.js';
import { daughterInfos } from './split-region.js';
import type { SplitChildConfig } from './testdata/split-workload.js';
import { SPLIT_NOW_MS, SPLIT_ROW } from './testdata/split-workload.js';

const CHILD = fileURLToPath(new URL('./testdata/split-child.js', import.meta.url));
const root = mkdtempSync(join(tmpdir(), 'tsb-split-crash-'));
after(() => rmSync(root, { recursive: true, force: true }));

interface ChildRun {
  readonly acked: Set<string>;
  readonly lines: string[];
  readonly signal: NodeJS.Signals | null;
  readonly code: number | null;
  readonly stderr: string;
}

function runChild(cfg: SplitChildConfig): Promise<ChildRun> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [CHILD, JSON.stringify(cfg)], { stdio: ['ignore', 'pipe', 'pipe'] });
    const acked = new Set<string>();
    const lines: string[] = [];
    let partial = '';
    let stderr = '';
    proc.stdout.setEncoding('utf8');
    proc.stderr.setEncoding('utf8');
    proc.stdout.on('data', (s: string) => {
      const parts = (partial + s).split('\n');
      partial = parts.pop()!; // a line cut by the kill is not a report
      for (const l of parts) {
        lines.push(l);
        if (l.startsWith('p ')) acked.add(l.slice(2));
      }
    });
    proc.stderr.on('data', (s: string) => (stderr += s));
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error('split child timed out'));
    }, 60_000);
    proc.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ acked, lines, code, signal, stderr });
    });
  });
}

/** Opens `info` (replaying recovered edits), reads every row of `rows` it holds, closes it without writing. */
async function readRows(store: ObjectStore, info: RegionInfo, rows: Iterable<string>, epoch: number): Promise<Map<string, Buffer | undefined>> {
  const wal = new WalWriter(new S3WalBackend(store, 'verifier', epoch));
  const region = await openRegion({ objectStore: store, info, families: CRASH_FAMILIES, server: 'verifier', wal, config: { blockingStoreFiles: 100_000 } });
  try {
    const out = new Map<string, Buffer | undefined>();
    for (const row of rows) {
      if (!containsRow(info, Buffer.from(row))) continue;
      const cells = (await region.get({ row: Buffer.from(row) })).cells;
      assert.ok(cells.length <= 1, `${row}: ${cells.length} cells`);
      out.set(row, cells[0]?.value);
    }
    return out;
  } finally {
    await region.close({ flush: false });
    await wal.close();
  }
}

test('kill -9 at every write of a split: the parent re-opens with every acknowledged row; a finished split’s daughters hold them all', async () => {
  // The split's 8 writes (2 families): the parent's flush (upload + manifest), the parent's
  // manifests recording the daughters, the daughters' manifests; a kill after the 9th never
  // comes (the split finishes), as in the last round.
  const kills = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, undefined];
  let finished = 0;
  let rolledForward = 0;
  for (const [round, killAtWrite] of kills.entries()) {
    const label = `round ${round} (kill after split write ${killAtWrite ?? 'none'})`;
    const dir = join(root, `r${round}`);
    const storeConfig = { kind: 'fs' as const, root: join(dir, 'store') };
    const walDir = join(dir, 'wal');
    const run = await runChild({ store: storeConfig, walDir, rows: 300, ...(killAtWrite !== undefined ? { killAtWrite } : {}) });
    assert.ok(!run.lines.some((l) => l.startsWith('error')), `${label}: ${run.lines.filter((l) => l.startsWith('error')).join(' | ')} ${run.stderr}`);
    assert.ok(run.lines.includes('split'), `${label}: the split did not start (${run.code}/${run.signal}): ${run.stderr.slice(-500)}`);
    assert.equal(run.acked.size, 300, `${label}: every put was acknowledged before the split`);
    const done = run.lines.includes('split-done');
    if (killAtWrite === undefined) assert.ok(done && run.code === 0, `${label}: ${run.stderr.slice(-500)}`);
    else if (!done) assert.equal(run.signal, 'SIGKILL', `${label}: ended ${run.code}/${run.signal}: ${run.stderr.slice(-500)}`);
    if (done) finished++;

    const store = await openObjectStore(storeConfig);
    try {
      // The master's part for a dead server: fence its WAL and split it into recovered edits.
      if (run.signal === 'SIGKILL') await splitLocalWal(walDir, store, CRASH_SERVER, 1);
      if (done) {
        // Roll forward: the daughters serve the rows through their references.
        const [a, b] = daughterInfos(CRASH_REGION, SPLIT_ROW, SPLIT_NOW_MS);
        const fromA = await readRows(store, a, run.acked, 2);
        const fromB = await readRows(store, b, run.acked, 3);
        assert.equal(fromA.size + fromB.size, run.acked.size, `${label}: every row in exactly one daughter`);
        for (const [row, v] of [...fromA, ...fromB]) assert.ok(v?.equals(putValue(row)), `${label}: daughter lost or changed ${row}`);
        assert.ok(fromA.size > 0 && fromB.size > 0, `${label}: both daughters hold rows`);
        rolledForward++;
      }
      // Roll back: the parent re-opens where it was, whatever the split left behind.
      const fromParent = await readRows(store, CRASH_REGION, run.acked, 4);
      for (const row of run.acked) assert.ok(fromParent.get(row)?.equals(putValue(row)), `${label}: the re-opened parent lost or changed ${row}`);
    } finally {
      await store.close();
    }
  }
  console.log(`# split crash: ${kills.length} rounds, ${finished} splits finished (${rolledForward} rolled forward), the others killed mid-split`);
  assert.ok(finished >= 1 && finished < kills.length, 'some rounds were killed mid-split and one was not');
});
