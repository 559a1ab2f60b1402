// A region moved between two servers while writers keep writing through the handlers: every
// acknowledged write is on the destination after the move, and nothing that was refused
// appears there. Writers follow TSB_REGION_MOVED to the destination like a client would.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MemoryCoordination } from '../../common/coordination/memory-coordination.js';
import { errorCode, ErrorCodes } from '../../common/errors.js';
import { MemoryObjectStore } from '../../common/objectstore/memory-store.js';
import { SeededRandom, testSeed } from '../../common/random.js';
import { put, startTestServer, TABLE, wholeRegion } from './server-test-util.js';
import type { TestServer } from './server-test-util.js';

test('writes during a move: every acknowledged write survives, refused ones never appear', { timeout: 120_000 }, async () => {
  const seed = testSeed();
  const rnd = new SeededRandom(seed);
  const store = new MemoryObjectStore();
  const coordination = new MemoryCoordination();
  const a = await startTestServer({ objectStore: store, coordination });
  const b = await startTestServer({ objectStore: store, coordination });
  const info = wholeRegion();
  const region = info.encodedName;
  // No RPC ports here: the MOVED error's `server` names the destination.
  const byName = new Map<string, TestServer>([[a.server.serverName, a], [b.server.serverName, b]]);
  try {
    await a.call('OPEN_REGION', { info, table: TABLE });
    const acked = new Set<string>();
    const attempted = new Set<string>();
    const codes = new Map<string, number>();
    let moved = false;
    const writer = async (w: number): Promise<void> => {
      let target = a;
      for (let i = 0; i < 150; i++) {
        const row = `w${w}-${String(i).padStart(4, '0')}`;
        attempted.add(row);
        for (let attempt = 0; ; attempt++) {
          try {
            await target.call('MUTATE', { region, mutation: put(row, 'q', row) });
            acked.add(row);
            break;
          } catch (e) {
            const code = errorCode(e) ?? String(e);
            codes.set(code, (codes.get(code) ?? 0) + 1);
            assert.ok(attempt < 1000, `row ${row} never succeeded (seed ${seed})`);
            if (code === ErrorCodes.REGION_MOVED) target = byName.get(String((e as { details: Record<string, unknown> }).details['server']))!;
            else if (code !== ErrorCodes.NOT_SERVING_REGION && code !== ErrorCodes.REGION_OPENING) throw e;
            await new Promise((r) => setTimeout(r, 1));
          }
        }
        if (rnd.int(4) === 0) await new Promise((r) => setImmediate(r));
      }
    };
    const mover = async (): Promise<void> => {
      while (acked.size < 100 + rnd.int(200)) await new Promise((r) => setTimeout(r, 1));
      await a.call('CLOSE_REGION', { region, flush: true, destination: { serverName: b.server.serverName, rpcAddress: b.server.rpcAddress } });
      await b.call('OPEN_REGION', { info, table: TABLE });
      moved = true;
    };
    await Promise.all([writer(0), writer(1), writer(2), writer(3), mover()]);
    assert.ok(moved);
    assert.ok((codes.get(ErrorCodes.REGION_MOVED) ?? 0) + (codes.get(ErrorCodes.NOT_SERVING_REGION) ?? 0) > 0, `some writer met the move (seed ${seed}): ${JSON.stringify([...codes])}`);

    const scan = await b.call('SCAN_OPEN', { region, scan: {}, rows: 10_000 });
    const present = new Set(scan.results.map((r) => r.row.toString()));
    for (const row of acked) assert.ok(present.has(row), `acknowledged ${row} lost (seed ${seed})`);
    for (const row of present) assert.ok(attempted.has(row), `unexpected ${row} (seed ${seed})`);
    assert.equal(acked.size, 600, `every write eventually acknowledged (seed ${seed})`);
  } finally {
    await a.server.stop();
    await b.server.stop();
  }
});
