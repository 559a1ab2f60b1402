import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import pino from 'pino';
import { systemClock } from '../../common/clock.js';
import { ErrorCodes, errorCode } from '../../common/errors.js';
import { MemoryObjectStore } from '../../common/objectstore/memory-store.js';
import { SeededRandom } from '../../common/random.js';
import { FENCE_MARKER } from '../wal/local-wal-dir.js';
import { editCells } from '../wal/testdata/wal-test-util.js';
import { createServerWal } from './server-wal.js';

test('the server WAL times its commits and reports a failed one to the server once', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'server-wal-'));
  try {
    const serverName = 'h,1,1';
    const failures: unknown[] = [];
    const wal = await createServerWal({
      choice: { kind: 'local', dir },
      objectStore: new MemoryObjectStore(),
      serverName,
      startCode: 1,
      clock: systemClock,
      random: new SeededRandom(1),
      logger: pino({ level: 'silent' }),
      onFailure: (e) => failures.push(e),
    });
    await wal.writer.append('r1', 1n, editCells('r1', 1n));
    await wal.writer.append('r1', 2n, editCells('r1', 2n));
    assert.equal(wal.syncStats.duration.count, wal.writer.stats().commits, 'every commit timed');
    assert.ok(wal.syncStats.bytes > 0);
    assert.deepEqual(failures, []);

    // Another process fenced this WAL: the next commit fails after its write, and the server hears of it.
    writeFileSync(join(dir, serverName, FENCE_MARKER), '');
    const commitsBefore = wal.syncStats.duration.count;
    await assert.rejects(wal.writer.append('r1', 3n, editCells('r1', 3n)), (e: unknown) => errorCode(e) === ErrorCodes.FENCED);
    assert.equal(failures.length, 1);
    assert.equal(errorCode(failures[0]), ErrorCodes.FENCED);
    assert.equal(wal.syncStats.duration.count, commitsBefore, 'a failed commit is not timed');
    await wal.writer.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
