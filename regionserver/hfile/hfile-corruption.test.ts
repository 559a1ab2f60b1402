// Damaged HFiles: truncation and byte damage must end in a CorruptionError (never another
// exception, a crash or a hang). Every byte of a file is covered by a block CRC or the trailer
// CRC, and reading everything (open + full scan + row gets + mid key) touches every byte, so a
// changed byte is always detected. Damage that passes the checksums (payload changed and CRC
// recomputed — a writer bug or a deliberate forgery) must still be either rejected with
// CorruptionError or read without crashing.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { crc32c } from '@node-rs/crc32';
import { CorruptionError } from '../../common/errors.js';
import { SeededRandom, testSeed } from '../../common/random.js';
import { BH_CODEC, BH_CRC, BH_ON_DISK_SIZE, BLOCK_HEADER_SIZE, TRAILER_SIZE } from './hfile-format.js';
import { HFileReader } from './hfile-reader.js';
import { BufferSource } from './hfile-source.js';
import { MapBlockCache, randomSortedCells } from './hfile-test-util.js';
import type { HFileWriterOptions } from './hfile-writer.js';
import { writeHFile } from './hfile-writer.js';

/** Reads every byte of the file through the public API; returns the number of cells seen. */
async function readEverything(bytes: Buffer, rows: Buffer[]): Promise<number> {
  const reader = await HFileReader.open(new BufferSource(bytes, 'damaged'), { cache: new MapBlockCache(), openReadBytes: 64 });
  const s = reader.scanner();
  let n = 0;
  for (let ok = await s.seekToFirst(); ok; ok = await s.next()) {
    s.cell();
    n++;
    if (n > 1_000_000) throw new Error('scan does not end');
  }
  for (const row of rows) {
    await reader.mayContainRow(row);
    await reader.getRow(row);
  }
  await reader.midKey();
  return n;
}

async function expectCorruption(bytes: Buffer, rows: Buffer[], what: string): Promise<void> {
  try {
    await readEverything(bytes, rows);
  } catch (err) {
    if (err instanceof CorruptionError) return;
    assert.fail(`${what}: expected CorruptionError, got ${String(err)}\n${(err as Error).stack ?? ''}`);
  }
  assert.fail(`${what}: damage went undetected`);
}

async function expectCorruptionOrSuccess(bytes: Buffer, rows: Buffer[], what: string): Promise<void> {
  try {
    await readEverything(bytes, rows);
  } catch (err) {
    if (err instanceof CorruptionError) return;
    assert.fail(`${what}: expected CorruptionError or success, got ${String(err)}\n${(err as Error).stack ?? ''}`);
  }
}

const VARIANTS: HFileWriterOptions[] = [
  { encoding: 'PREFIX', compression: 'SNAPPY', bloomType: 'ROW', blockSize: 256, indexBlockSize: 120, bloomChunkSize: 32 },
  { encoding: 'NONE', compression: 'NONE', bloomType: 'ROWCOL', blockSize: 256, indexBlockSize: 100, bloomChunkSize: 16 },
  { encoding: 'PREFIX', compression: 'GZ', bloomType: 'NONE', blockSize: 1024 },
];

function fixture(seed: number, opts: HFileWriterOptions, count: number): { bytes: Buffer; rows: Buffer[] } {
  const r = new SeededRandom(seed);
  const cells = randomSortedCells(r, { count, maxValue: 40 });
  const rows = [cells[0]!.row, cells[cells.length >>> 1]!.row, cells[cells.length - 1]!.row, Buffer.from('zz-absent')];
  return { bytes: writeHFile(cells, opts), rows };
}

test('the undamaged fixtures read completely', async () => {
  const seed = testSeed();
  for (const opts of VARIANTS) {
    const { bytes, rows } = fixture(seed, opts, 300);
    assert.ok((await readEverything(bytes, rows)) > 0, `seed=${seed}`);
  }
});

test('truncated files give CorruptionError at every cut', { timeout: 120_000 }, async () => {
  const seed = testSeed();
  for (const opts of VARIANTS) {
    const { bytes, rows } = fixture(seed, opts, 150);
    for (let len = 0; len < bytes.length; len += len < 200 || len > bytes.length - 400 ? 1 : 7) {
      await expectCorruption(bytes.subarray(0, len), rows, `seed=${seed} truncated to ${len}/${bytes.length} opts=${JSON.stringify(opts)}`);
    }
  }
});

test('every single-byte change is detected', { timeout: 300_000 }, async () => {
  const seed = testSeed();
  const r = new SeededRandom(seed);
  for (const opts of VARIANTS) {
    const { bytes, rows } = fixture(seed, opts, 60);
    for (let at = 0; at < bytes.length; at++) {
      const damaged = Buffer.from(bytes);
      damaged[at] = damaged[at]! ^ (1 + r.int(255));
      await expectCorruption(damaged, rows, `seed=${seed} byte ${at}/${bytes.length} changed opts=${JSON.stringify(opts)}`);
    }
  }
});

test('random multi-byte damage is detected', { timeout: 120_000 }, async () => {
  const seed = testSeed();
  const r = new SeededRandom(seed);
  for (const opts of VARIANTS) {
    const { bytes, rows } = fixture(seed, opts, 400);
    for (let round = 0; round < 300; round++) {
      const damaged = Buffer.from(bytes);
      const at = r.int(bytes.length);
      const n = 1 + r.int(16);
      for (let k = 0; k < n && at + k < damaged.length; k++) damaged[at + k] = r.int(256);
      if (damaged.equals(bytes)) continue;
      await expectCorruption(damaged, rows, `seed=${seed} round=${round} bytes ${at}..${at + n} opts=${JSON.stringify(opts)}`);
    }
  }
});

/** Offsets of every uncompressed block's payload in the file (walking headers from 0). */
function rawBlockPayloads(bytes: Buffer): { start: number; end: number; header: number }[] {
  const out: { start: number; end: number; header: number }[] = [];
  let p = 0;
  const end = bytes.length - TRAILER_SIZE;
  while (p < end) {
    const size = bytes.readUInt32BE(p + BH_ON_DISK_SIZE);
    if (bytes[p + BH_CODEC] === 0) out.push({ header: p, start: p + BLOCK_HEADER_SIZE, end: p + BLOCK_HEADER_SIZE + size });
    p += BLOCK_HEADER_SIZE + size;
  }
  return out;
}

function fixBlockCrc(bytes: Buffer, header: number, end: number): void {
  const head = crc32c(bytes.subarray(header, header + BH_CRC));
  bytes.writeUInt32BE(crc32c(bytes.subarray(header + BLOCK_HEADER_SIZE, end), head) >>> 0, header + BH_CRC);
}

test('damage behind a valid checksum is rejected or read safely', { timeout: 300_000 }, () => damageBehindChecksum(testSeed()));

// A seed that once made a damaged index entry point at a block already cached as an index
// block, which was then read as a data block without that kind's validation (a RangeError,
// not a CorruptionError). Block keys now include the depth (hfile-format.ts blockKey).
test('damage behind a valid checksum: seed 3320248958 (an index entry pointing at a cached index block)', { timeout: 300_000 }, () =>
  damageBehindChecksum(3320248958),
);

async function damageBehindChecksum(seed: number): Promise<void> {
  const r = new SeededRandom(seed);
  for (const opts of [
    { encoding: 'NONE', compression: 'NONE', bloomType: 'ROW', blockSize: 200, indexBlockSize: 100, bloomChunkSize: 16 },
    { encoding: 'PREFIX', compression: 'NONE', bloomType: 'ROWCOL', blockSize: 200, indexBlockSize: 100, bloomChunkSize: 16 },
  ] as HFileWriterOptions[]) {
    const { bytes, rows } = fixture(seed, opts, 300);
    const blocks = rawBlockPayloads(bytes);
    assert.ok(blocks.length > 10);
    for (let round = 0; round < 1500; round++) {
      const damaged = Buffer.from(bytes);
      if (r.int(10) === 0) {
        // The trailer, with its CRC recomputed.
        const t = bytes.length - TRAILER_SIZE;
        const at = t + 4 + r.int(TRAILER_SIZE - 4 - 12);
        damaged[at] = r.int(256);
        damaged.writeUInt32BE(crc32c(damaged.subarray(t + 4)) >>> 0, t);
      } else {
        const b = blocks[r.int(blocks.length)]!;
        if (b.end === b.start) continue;
        const n = 1 + r.int(4);
        for (let k = 0; k < n; k++) {
          const at = b.start + r.int(b.end - b.start);
          damaged[at] = r.int(3) === 0 ? damaged[at]! ^ 1 : r.int(256);
        }
        fixBlockCrc(damaged, b.header, b.end);
      }
      await expectCorruptionOrSuccess(damaged, rows, `seed=${seed} round=${round} opts=${JSON.stringify(opts)}`);
    }
  }
}
