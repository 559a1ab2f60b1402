// kill -9 of a WAL writer process under load, 20 rounds per backend: every acknowledged edit
// must be recovered by replay (local: reading the directory; S3: fence + split + recovered
// edits). The child reports each acknowledgement on stdout only after it happened; a line cut
// by the kill does not count.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { openObjectStore } from '../../common/objectstore/open-store.js';
import { SeededRandom, testSeed } from '../../common/random.js';
import { testS3Config, uniqueTestPrefix } from '../../testing/s3-env.js';
import { localWalEntries, readLocalWal } from './local-wal-dir.js';
import { readRecoveredEdits } from './recovered-edits.js';
import { WriterChild } from './testdata/child-runner.js';
import { entryId } from './testdata/wal-test-util.js';
import { splitWal } from './wal-split.js';

const ROUNDS = 20;
const seed = testSeed();
const root = mkdtempSync(join(tmpdir(), 'tsb-wal-kill-'));
after(() => rmSync(root, { recursive: true, force: true }));

/** Kill after a random number of acknowledgements, plus a random few milliseconds. */
async function runAndKill(child: WriterChild, rnd: SeededRandom): Promise<void> {
  await child.until(() => child.lines.includes('ready'), 'ready');
  const target = 20 + rnd.int(300);
  await child.until(() => child.acked.length >= target, `${target} acks`);
  await new Promise((r) => setTimeout(r, rnd.int(15)));
  await child.kill9();
}

test(`kill -9 under load, ${ROUNDS} rounds, local backend: every acknowledged edit is replayed`, async () => {
  const rnd = new SeededRandom(seed);
  const dir = join(root, 'wal');
  const acked = new Set<string>();
  let torn = 0;
  for (let round = 0; round < ROUNDS; round++) {
    // Every round reopens the same directory: the writer truncates the previous torn tail.
    const child = new WriterChild({
      backend: 'local',
      dir,
      rollBytes: 64 * 1024,
      regions: 8,
      concurrency: 32,
      valueBytes: 100,
      seqBase: String(round * 1_000_000),
    });
    await runAndKill(child, rnd);
    for (const id of child.acked) acked.add(id);
    const contents = await readLocalWal(dir);
    if (contents.tornTail !== undefined) torn++;
    const present = new Set([...localWalEntries(contents)].map(entryId));
    for (const id of acked) assert.ok(present.has(id), `seed ${seed} round ${round}: acknowledged ${id} not replayed`);
  }
  assert.ok(acked.size >= ROUNDS * 20);
  console.log(`# local: ${acked.size} acknowledged edits over ${ROUNDS} kills, ${torn} torn tails seen (seed ${seed})`);
});

test(`kill -9 under load, ${ROUNDS} rounds, s3 backend: every acknowledged edit is in the split`, async () => {
  const rnd = new SeededRandom(seed + 1);
  const s3 = await testS3Config();
  const prefix = uniqueTestPrefix('wal-kill');
  const store = await openObjectStore({ kind: 's3', ...s3, prefix });
  try {
    let total = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const epoch = round + 1;
      const child = new WriterChild({ backend: 's3', s3, prefix, server: 'rs-kill', epoch, regions: 8, concurrency: 32, valueBytes: 100, seqBase: '0' });
      await runAndKill(child, rnd);
      const split = await splitWal(store, 'rs-kill', epoch);
      const present = new Set<string>();
      for (const r of split) {
        for await (const e of readRecoveredEdits(store, r.region)) present.add(entryId(e));
      }
      for (const id of child.acked) assert.ok(present.has(id), `seed ${seed + 1} round ${round}: acknowledged ${id} missing from the split`);
      total += child.acked.length;
      // Regions are shared by the rounds: delete this round's recovered edits so the next
      // round checks only its own.
      await Promise.all(split.map((r) => store.delete(r.key)));
    }
    console.log(`# s3: ${total} acknowledged edits over ${ROUNDS} kills (seed ${seed + 1})`);
  } finally {
    await store.close();
  }
});
