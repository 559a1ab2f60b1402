// SizeSplitTrigger: asks for a split only past the size limit, one request per region at a
// time, backs off after failures, never for hbase:meta, a region holding references or one
// without a row to split at.
import assert from 'node:assert/strict';
import { afterEach, test } from 'node:test';
import { pino } from 'pino';
import { ManualClock } from '../../common/clock.js';
import { UnavailableError } from '../../common/errors.js';
import type { TableDescriptor } from '../../common/meta/table-descriptor.js';
import { MemoryObjectStore } from '../../common/objectstore/memory-store.js';
import { columnFamily } from '../region/column-family.js';
import type { RegionInfo } from '../region/region-info.js';
import { regionInfo } from '../region/region-info.js';
import { b, RegionHarness, SERVER } from '../region/testdata/harness.js';
import { splitRegion } from '../split/split-region.js';
import { MovedRegions } from './moved-regions.js';
import { HostedEntry, OnlineRegions } from './online-regions.js';
import { SizeSplitTrigger } from './size-split.js';

const harnesses: RegionHarness[] = [];
afterEach(async () => {
  for (const h of harnesses.splice(0)) await h.close();
});

const families = [columnFamily({ name: 'f' })];
const settle = (): Promise<void> => new Promise((r) => setTimeout(r, 50));

async function hosted(regions: OnlineRegions, clock: ManualClock, info: RegionInfo, maxFileSize: number | undefined, rows: number, store = new MemoryObjectStore()): Promise<HostedEntry> {
  const h = await RegionHarness.open({ objectStore: store, clock, families, info });
  harnesses.push(h);
  for (let i = 0; i < rows; i++) await h.region.put({ kind: 'put', row: b(`row${String(i).padStart(4, '0')}`), columns: [{ family: b('f'), qualifier: b('q'), value: b('x'.repeat(100)) }] });
  if (rows > 0) await h.region.flush();
  const table: TableDescriptor = { namespace: info.namespace, name: info.table, families, ...(maxFileSize !== undefined ? { maxFileSize } : {}) };
  const e = new HostedEntry(info, table);
  e.region = h.region;
  e.state = 'OPEN';
  regions.add(e);
  return e;
}

function setup(request: (r: RegionInfo) => Promise<void>): { regions: OnlineRegions; clock: ManualClock; trigger: SizeSplitTrigger } {
  const clock = new ManualClock(1_000_000);
  const regions = new OnlineRegions(new MovedRegions(clock, 1000));
  const trigger = new SizeSplitTrigger({ regions, clock, logger: pino({ level: 'silent' }), defaultMaxFileSize: 1024 * 1024, requestSplit: request, minBackoffMs: 1000, maxBackoffMs: 8000 });
  return { regions, clock, trigger };
}

test('a region past its table maxFileSize is asked for once at a time, with backoff after failures; under the limit it is not', async () => {
  const asked: string[] = [];
  let fail = true;
  let release!: () => void;
  let hold: Promise<void> | undefined;
  const { regions, clock, trigger } = setup(async (r) => {
    asked.push(r.encodedName);
    if (hold !== undefined) await hold;
    if (fail) throw new UnavailableError('no active master');
  });
  const small = await hosted(regions, clock, regionInfo('default', 'small', Buffer.alloc(0), Buffer.alloc(0), 1), undefined, 50); // under the 1 MiB default
  const big = await hosted(regions, clock, regionInfo('default', 'big', Buffer.alloc(0), Buffer.alloc(0), 1), 1024, 50);
  trigger.checkAll();
  await settle();
  assert.deepEqual(asked, [big.name], 'only the region past its limit');
  trigger.checkAll();
  await settle();
  assert.equal(asked.length, 1, 'backing off after the failure');
  clock.advance(1000);
  hold = new Promise((r) => (release = r));
  trigger.checkAll();
  await settle();
  trigger.checkAll();
  trigger.check(big);
  await settle();
  assert.equal(asked.length, 2, 'one outstanding request per region');
  release();
  await settle();
  hold = undefined;
  clock.advance(1000);
  trigger.checkAll();
  await settle();
  assert.equal(asked.length, 2, 'second failure: the backoff doubled to 2 s');
  clock.advance(1000);
  fail = false;
  trigger.checkAll();
  await settle();
  assert.equal(asked.length, 3);
  assert.equal(trigger.failed, 2);
  assert.ok(small.region!.isOpen);
});

test('never asked: hbase:meta, a region holding references, a region with one row', async () => {
  const asked: string[] = [];
  const { regions, clock, trigger } = setup(async (r) => {
    asked.push(r.encodedName);
  });
  await hosted(regions, clock, regionInfo('hbase', 'meta', Buffer.alloc(0), Buffer.alloc(0), 1), 1024, 50);
  // One row with many cells: no row to split at.
  const one = await hosted(regions, clock, regionInfo('default', 'one', Buffer.alloc(0), Buffer.alloc(0), 1), 1024, 0);
  for (let i = 0; i < 50; i++) await one.region!.put({ kind: 'put', row: b('only'), columns: [{ family: b('f'), qualifier: b(`q${i}`), value: b('x'.repeat(100)) }] });
  await one.region!.flush();
  // A daughter of a split: it holds references until compacted.
  const store = new MemoryObjectStore();
  const parent = await RegionHarness.open({ objectStore: store, clock, families, info: regionInfo('default', 'd', Buffer.alloc(0), Buffer.alloc(0), 1) });
  harnesses.push(parent);
  for (let i = 0; i < 50; i++) await parent.region.put({ kind: 'put', row: b(`row${i}`), columns: [{ family: b('f'), qualifier: b('q'), value: b('x'.repeat(100)) }] });
  await parent.region.flush();
  const res = await splitRegion(parent.region, { objectStore: store, server: SERVER, clock });
  const daughter = await hosted(regions, clock, res.daughters[1], 1024, 0, store);
  assert.ok(daughter.region!.storesList[0]!.files.every((f) => f.reference !== undefined));
  for (let i = 0; i < 3; i++) {
    trigger.checkAll();
    await settle();
    clock.advance(10_000);
  }
  assert.deepEqual(asked, []);
});
