// Data calls through the region server's handlers: every method, per-action and per-mutation
// outcomes, value size limit, routing errors, backpressure as TSB_REGION_TOO_BUSY.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ManualClock } from '../../common/clock.js';
import { errorFromWire } from '../../common/error-wire.js';
import { ErrorCodes, InvalidError, NotServingRegionError, UnavailableError } from '../../common/errors.js';
import { FaultObjectStore } from '../../common/objectstore/fault-store.js';
import { MemoryObjectStore } from '../../common/objectstore/memory-store.js';
import type { Put } from '../../common/ops/operations.js';
import { SeededRandom } from '../../common/random.js';
import { overTheWire } from '../../common/ops/testdata/over-the-wire.js';
import { regionInfo } from '../region/region-info.js';
import { del, EMPTY, FAMILY, get, put, startTestServer, TABLE, valueOf, wholeRegion } from './server-test-util.js';

const U64 = (n: bigint): Buffer => {
  const b = Buffer.alloc(8);
  b.writeBigInt64BE(n);
  return b;
};

test('every data call through the handlers', { timeout: 120_000 }, async () => {
  const t = await startTestServer({ maxValueBytes: 1024 });
  try {
    const info = wholeRegion();
    const region = info.encodedName;
    await t.call('OPEN_REGION', { info, table: TABLE });
    await t.call('OPEN_REGION', { info, table: TABLE }); // idempotent

    await t.call('MUTATE', { region, mutation: put('r1', 'q', 'v1') });
    let g = await t.call('GET', { region, get: get('r1') });
    assert.equal(valueOf(g), 'v1');
    assert.equal(g.exists, true);
    g = await t.call('GET', { region, get: { row: Buffer.from('r1'), existenceOnly: true } });
    assert.deepEqual([g.exists, g.result.cells.length], [true, 0]);
    g = await t.call('GET', { region, get: get('nope') });
    assert.deepEqual([g.exists, g.result.cells.length], [false, 0]);

    // MULTI_MUTATE: per mutation outcomes (a too-large value fails alone), per action errors.
    const mm = await t.call('MULTI_MUTATE', {
      actions: [
        { region, mutations: [put('r2', 'q', 'v2'), put('r3', 'q', Buffer.alloc(2000)), put('r4', 'q', 'v4')] },
        { region: 'f'.repeat(32), mutations: [put('x', 'q', 'x')] },
      ],
    });
    const a0 = mm.results[0]!;
    assert.ok(a0.ok);
    assert.equal(a0.value[0], null);
    assert.equal(a0.value[1]?.code, ErrorCodes.VALUE_TOO_LARGE);
    assert.equal(a0.value[2], null);
    const a1 = mm.results[1]!;
    assert.ok(!a1.ok);
    assert.equal(a1.error.code, ErrorCodes.NOT_SERVING_REGION);
    assert.equal(valueOf(await t.call('GET', { region, get: get('r4') })), 'v4');
    assert.equal((await t.call('GET', { region, get: get('r3') })).exists, false);
    // Puts as the RPC decoder hands them over (KeyValues, decoded here without a limit): the
    // same per-mutation limit.
    const wire = (p: Put): Put => overTheWire(p) as Put;
    const mmWire = await t.call('MULTI_MUTATE', { actions: [{ region, mutations: [wire(put('r5', 'q', 'v5')), wire(put('r6', 'q', Buffer.alloc(1025)))] }] });
    const w0 = mmWire.results[0]!;
    assert.ok(w0.ok);
    assert.deepEqual([w0.value[0], w0.value[1]?.code], [null, ErrorCodes.VALUE_TOO_LARGE]);
    assert.equal(valueOf(await t.call('GET', { region, get: get('r5') })), 'v5');
    assert.equal((await t.call('GET', { region, get: get('r6') })).exists, false);

    // MULTI_GET: answers in request order, errors per action.
    const mg = await t.call('MULTI_GET', { actions: [{ region, get: get('r2') }, { region: 'e'.repeat(32), get: get('r2') }, { region, get: get('r1') }] });
    assert.deepEqual(
      mg.results.map((r) => (r.ok ? r.value.cells[0]?.value.toString() : r.error.code)),
      ['v2', ErrorCodes.NOT_SERVING_REGION, 'v1'],
    );

    // CHECK_AND_MUTATE
    const cam = (value: string) => ({
      region,
      checkAndMutate: { row: Buffer.from('r1'), family: FAMILY, qualifier: Buffer.from('q'), op: 'EQUAL' as const, value: Buffer.from(value), mutations: [put('r1', 'q', 'v1b')] },
    });
    assert.equal((await t.call('CHECK_AND_MUTATE', cam('wrong'))).processed, false);
    assert.equal((await t.call('CHECK_AND_MUTATE', cam('v1'))).processed, true);
    assert.equal(valueOf(await t.call('GET', { region, get: get('r1') })), 'v1b');

    // INCREMENT and APPEND return the new values.
    const inc = (amount: bigint) => t.call('INCREMENT', { region, increment: { row: Buffer.from('c'), columns: [{ family: FAMILY, qualifier: Buffer.from('n'), amount }] } });
    assert.deepEqual((await inc(5n)).result.cells[0]!.value, U64(5n));
    assert.deepEqual((await inc(3n)).result.cells[0]!.value, U64(8n));
    const app = (v: string) => t.call('APPEND', { region, append: { row: Buffer.from('a'), columns: [{ family: FAMILY, qualifier: Buffer.from('s'), value: Buffer.from(v) }] } });
    await app('ab');
    assert.equal((await app('cd')).result.cells[0]!.value.toString(), 'abcd');
    await assert.rejects(app('x'.repeat(2000)), (e: unknown) => e instanceof InvalidError && e.code === ErrorCodes.VALUE_TOO_LARGE);

    // Delete.
    await t.call('MUTATE', { region, mutation: del('r1') });
    assert.equal((await t.call('GET', { region, get: get('r1') })).exists, false);

    // Value too large on MUTATE: refused, nothing written.
    await assert.rejects(t.call('MUTATE', { region, mutation: put('big', 'q', Buffer.alloc(1025)) }), (e: unknown) => e instanceof InvalidError && e.code === ErrorCodes.VALUE_TOO_LARGE);
    assert.equal((await t.call('GET', { region, get: get('big') })).exists, false);

    // Unknown region; a row outside the region.
    await assert.rejects(t.call('GET', { region: 'a'.repeat(32), get: get('r1') }), (e: unknown) => e instanceof NotServingRegionError && e.code === ErrorCodes.NOT_SERVING_REGION);
    const half = regionInfo('default', 't', EMPTY, Buffer.from('m'), 2);
    await t.call('OPEN_REGION', { info: half, table: TABLE });
    await assert.rejects(t.call('MUTATE', { region: half.encodedName, mutation: put('z', 'q', 'v') }), (e: unknown) => e instanceof NotServingRegionError);

    // SERVER_INFO
    const si = await t.call('SERVER_INFO', {});
    assert.equal(si.serverName, t.server.serverName);
    const hosted = si.regions.find((r) => r.info.encodedName === region)!;
    assert.equal(hosted.state, 'OPEN');
    assert.ok(hosted.writeRequests >= 8 && hosted.readRequests >= 8, JSON.stringify(hosted));
    assert.ok(hosted.memStoreBytes > 0);
    assert.equal(si.regions.length, 2);
  } finally {
    await t.server.stop();
  }
});

test('a region over its memory limit answers TSB_REGION_TOO_BUSY', { timeout: 120_000 }, async () => {
  const faults = new FaultObjectStore(new MemoryObjectStore(), new SeededRandom(1));
  const clock = new ManualClock();
  const t = await startTestServer({ objectStore: faults, clock, region: { flushSizeBytes: 1024, blockingMultiplier: 1, busyWaitMs: 0 } });
  try {
    const info = wholeRegion();
    await t.call('OPEN_REGION', { info, table: TABLE });
    faults.addRule({ op: '*', failure: 'before', keyPrefix: 'data/' }); // flushes cannot publish
    await t.call('MUTATE', { region: info.encodedName, mutation: put('r1', 'q', Buffer.alloc(4096)) });
    const err = await t.call('MUTATE', { region: info.encodedName, mutation: put('r2', 'q', 'v') }).then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(err instanceof UnavailableError && err.code === ErrorCodes.REGION_TOO_BUSY, String(err));
    assert.equal(err.retryable, true);
    // Per mutation in a batch too.
    const mm = await t.call('MULTI_MUTATE', { actions: [{ region: info.encodedName, mutations: [put('r3', 'q', 'v')] }] });
    const a = mm.results[0]!;
    const code = a.ok ? a.value[0]?.code : a.error.code;
    assert.equal(code, ErrorCodes.REGION_TOO_BUSY);
    assert.equal(errorFromWire(a.ok ? a.value[0]! : a.error).retryable, true);
    faults.clear();
  } finally {
    await t.server.stop();
  }
});
