// The fencing race across processes: a child process appends continuously and reports every
// acknowledged edit; this process fences and splits its WAL mid-load. Every acknowledged edit
// must be in the split, the child must fail with TSB_FENCED, and it must acknowledge nothing
// after that. Against real S3 (radosgw), and once against a local directory.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { MemoryObjectStore } from '../../common/objectstore/memory-store.js';
import type { ObjectStore } from '../../common/objectstore/object-store.js';
import { openObjectStore } from '../../common/objectstore/open-store.js';
import { SeededRandom, testSeed } from '../../common/random.js';
import { testS3Config, uniqueTestPrefix } from '../../testing/s3-env.js';
import { readRecoveredEdits } from './recovered-edits.js';
import { WriterChild } from './testdata/child-runner.js';
import { entryId } from './testdata/wal-test-util.js';
import type { RecoveredEdits } from './wal-split.js';
import { splitLocalWal, splitWal } from './wal-split.js';

const seed = testSeed();
const root = mkdtempSync(join(tmpdir(), 'tsb-wal-race-'));
after(() => rmSync(root, { recursive: true, force: true }));

async function splitIds(store: ObjectStore, split: RecoveredEdits[]): Promise<Set<string>> {
  const ids = new Set<string>();
  for (const r of split) for await (const e of readRecoveredEdits(store, r.region)) ids.add(entryId(e));
  return ids;
}

/** Runs the race: waits for `atAcks` acknowledgements, then `fenceAndSplit`, then checks. */
async function race(child: WriterChild, atAcks: number, fenceAndSplit: () => Promise<Set<string>>, label: string): Promise<void> {
  await child.until(() => child.lines.includes('ready'), 'ready');
  await child.until(() => child.acked.length >= atAcks, `${atAcks} acks`);
  const ackedBeforeFence = child.acked.length;
  const split = await fenceAndSplit();
  const { code } = await child.done(); // the child stops by itself once fenced
  assert.equal(code, 3, `${label}: child exit code (stderr ${child.stderr.slice(-500)})`);
  const fencedAt = child.lines.findIndex((l) => l.startsWith('fenced '));
  assert.equal(child.lines[fencedAt], 'fenced TSB_FENCED', `${label}: the child got TSB_FENCED`);
  assert.equal(fencedAt, child.lines.length - 1, `${label}: nothing acknowledged after TSB_FENCED`);
  assert.ok(child.acked.length >= ackedBeforeFence);
  for (const id of child.acked) assert.ok(split.has(id), `${label} (seed ${seed}): acknowledged ${id} is not in the split`);
  console.log(`# ${label}: ${child.acked.length} acknowledged (${ackedBeforeFence} before the fence call), ${split.size} edits split`);
}

test('fencing race against real S3: every acknowledged edit is split, none acknowledged after the fence', async () => {
  const rnd = new SeededRandom(seed);
  const s3 = await testS3Config();
  for (let round = 0; round < 3; round++) {
    const prefix = uniqueTestPrefix(`wal-race-${round}`);
    const store = await openObjectStore({ kind: 's3', ...s3, prefix });
    try {
      const epoch = 100 + round;
      const child = new WriterChild({ backend: 's3', s3, prefix, server: 'rs-race', epoch, regions: 4, concurrency: 16, valueBytes: 100, seqBase: '0' });
      // Round 2 fences without naming the epoch (every incarnation found by listing).
      await race(
        child,
        50 + rnd.int(400),
        async () => splitIds(store, await splitWal(store, 'rs-race', round === 2 ? undefined : epoch)),
        `s3 round ${round}`,
      );
    } finally {
      await store.close();
    }
  }
});

test('fencing race against a local directory: the fence marker stops the writer before it acknowledges', async () => {
  const rnd = new SeededRandom(seed + 7);
  for (let round = 0; round < 2; round++) {
    const dir = join(root, `wal-${round}`);
    const store = new MemoryObjectStore();
    const child = new WriterChild({ backend: 'local', dir, regions: 4, concurrency: 16, valueBytes: 100, seqBase: '0' });
    await race(child, 50 + rnd.int(400), async () => splitIds(store, await splitLocalWal(dir, store, 'standalone', 1)), `local round ${round}`);
  }
});
