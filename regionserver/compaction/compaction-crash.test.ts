// kill -9 during a compaction (a child process kills itself at each step), then reopen: every
// acknowledged write is readable, nothing duplicated, no delete resurrected.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { FsObjectStore } from '../../common/objectstore/fs-store.js';
import { b, RegionHarness } from '../region/testdata/harness.js';

const CHILD = fileURLToPath(new URL('./testdata/compaction-child.js', import.meta.url));

function expected(): Map<string, string[]> {
  const m = new Map<string, string[]>();
  for (let i = 0; i < 50; i++) {
    const cells: string[] = [];
    for (let f = 0; f < 4; f++) if (i % 10 !== f) cells.push(`q${f}=v${f}-${i}`);
    m.set(`r${i}`, cells);
  }
  return m;
}

for (const [step, runner] of [
  ['inputs-read', 'inline'],
  ['uploaded', 'worker'],
  ['committed', 'inline'],
] as const) {
  test(`kill -9 at compaction step ${step} (${runner}): reopen serves every acknowledged write once, no delete resurrected`, async () => {
    const root = await mkdtemp(join(tmpdir(), 'tsb-compaction-crash-'));
    try {
      const child = spawnSync(process.execPath, [CHILD, root, step, runner], { encoding: 'utf8', timeout: 60_000 });
      assert.equal(child.signal, 'SIGKILL', `child: status ${child.status} ${child.stderr}`);
      assert.match(child.stdout, /acked/);
      const store = await FsObjectStore.open(root);
      const h = new RegionHarness({ objectStore: store });
      h.epoch = 10; // a WAL epoch the child did not use
      await h.start();
      try {
        const want = expected();
        for (const [row, cells] of want) {
          const got = (await h.region.get({ row: b(row), maxVersions: 10 })).cells.map((c) => `${c.qualifier}=${c.value}`);
          assert.deepEqual(got, cells, `row ${row}`);
        }
        const scanned = await h.region.scanAll({ maxVersions: 10 });
        assert.equal(scanned.length, want.size, 'no extra rows');
        const files = h.region.store('f')!.files.length;
        assert.equal(files, step === 'committed' ? 1 : 4, 'the CAS decides: inputs or output, never both');
      } finally {
        await h.close();
      }
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
}
