import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { TsbaseError} from '../common/errors.js';
import { ErrorCodes, FencedError, InvalidError, UnavailableError } from '../common/errors.js';
import { SeededRandom, testSeed } from '../common/random.js';
import type { Result, Scan } from '../common/ops/operations.js';
import type { RpcRequests } from '../common/rpc/rpc-messages.js';
import type { ResultScanner } from './client-types.js';
import { fakeConnect } from './fake-connect.js';
import type { FakeSetup } from './fake-connect.js';
import type { FakeCluster } from './fake-cluster.js';

const b = (s: string): Buffer => Buffer.from(s);
const rowsOf = (rs: Result[]): string[] => rs.map((r) => r.row.toString());

async function all(sc: ResultScanner): Promise<Result[]> {
  const out: Result[] = [];
  for await (const r of sc) out.push(r);
  return out;
}

const ROWS = Array.from({ length: 40 }, (_, i) => `r${String(i).padStart(2, '0')}`);

async function withRows(fn: (s: FakeSetup) => Promise<void>, opts: { splits?: string[]; caching?: number } = {}): Promise<void> {
  const s = await fakeConnect({ options: { scannerCaching: opts.caching ?? 4 } });
  s.cluster.createTable('t', opts.splits ?? ['r10', 'r20', 'r30'], ['rs1:16020', 'rs2:16020', 'rs3:16020']);
  s.cluster.load('t', ROWS);
  try {
    await fn(s);
  } finally {
    await s.stop();
  }
}

/** What the scan should return, from the cluster's rows. */
function expected(cluster: FakeCluster, scan: Scan): string[] {
  let rows = cluster.rows('t').map((r) => r.toString());
  const start = scan.startRow?.toString() ?? '';
  const stop = scan.stopRow?.toString() ?? '';
  if (scan.reversed === true) rows = rows.filter((r) => (start === '' || r <= start) && (stop === '' || r > stop)).reverse();
  else rows = rows.filter((r) => r >= start && (stop === '' || r < stop));
  return scan.limit !== undefined && scan.limit > 0 ? rows.slice(0, scan.limit) : rows;
}

test('a forward scan crosses every region in order, caching rows per round trip', () =>
  withRows(async ({ conn, cluster }) => {
    const rs = await all(conn.getTable('t').getScanner());
    assert.deepEqual(rowsOf(rs), ROWS);
    assert.equal(rs[5]!.cells[0]!.value.toString(), 'v:r05');
    assert.equal(cluster.callsOf('SCAN_OPEN').length - 1, 4); // one per region (+ the META read)
    assert.ok((cluster.callsOf('SCAN_OPEN')[1]!.request as RpcRequests['SCAN_OPEN']).rows === 4);
    assert.equal(cluster.callsOf('SCAN_NEXT').length, 4 * 2); // 10 rows per region, 4 per trip
    assert.equal(cluster.openScanners, 0);
  }));

test('start/stop rows and limit across regions, forward and reversed', () =>
  withRows(async ({ conn, cluster }) => {
    const t = conn.getTable('t');
    const scans: Scan[] = [
      { startRow: b('r05'), stopRow: b('r25') },
      { startRow: b('r05'), stopRow: b('r25'), limit: 12 },
      { startRow: b('r10'), stopRow: b('r20') },
      { stopRow: b('r10') },
      { startRow: b('r35') },
      { limit: 3 },
      { reversed: true },
      { reversed: true, startRow: b('r25'), stopRow: b('r05') },
      { reversed: true, startRow: b('r25'), limit: 13 },
      { reversed: true, startRow: b('r20') },
      { reversed: true, stopRow: b('r30') },
      { reversed: true, startRow: b('r25x'), stopRow: b('r19') },
      { startRow: b('zz') },
    ];
    for (const scan of scans) {
      assert.deepEqual(rowsOf(await all(t.getScanner(scan))), expected(cluster, scan), JSON.stringify(scan));
    }
    assert.equal(cluster.openScanners, 0);
  }));

test('limit closes the server scanner; close() mid-scan releases it', () =>
  withRows(async ({ conn, cluster }) => {
    const t = conn.getTable('t');
    const sc = t.getScanner({ limit: 6, caching: 100 });
    assert.deepEqual(rowsOf(await all(sc)), ROWS.slice(0, 6));
    const open = cluster.callsOf('SCAN_OPEN').at(-1)!.request as RpcRequests['SCAN_OPEN'];
    assert.equal(open.rows, 6);
    assert.equal(open.scan.limit, 6);
    const sc2 = t.getScanner({ caching: 2 });
    assert.equal((await sc2.next())!.row.toString(), 'r00');
    assert.equal(cluster.openScanners, 1);
    await sc2.close();
    assert.equal(cluster.openScanners, 0);
    assert.equal(await sc2.next(), undefined);
    // Breaking out of for-await closes it too.
    for await (const r of t.getScanner({ caching: 2, startRow: b('r12') })) {
      assert.equal(r.row.toString(), 'r12');
      break;
    }
    assert.equal(cluster.openScanners, 0);
  }));

test('a mid-scan split (NotServingRegion) resumes after the last row: no duplicates, no gaps', () =>
  withRows(async ({ conn, cluster }) => {
    const t = conn.getTable('t');
    const sc = t.getScanner();
    const got: string[] = [];
    for (let i = 0; i < 13; i++) got.push((await sc.next())!.row.toString());
    // We are inside [r10, r20) with rows fetched up to r15 (caching 4); split it at r14, moving a daughter.
    const [, daughterB] = cluster.split(cluster.region('t', 'r12').info.encodedName, 'r14');
    cluster.move(daughterB.encodedName, 'rs3:16020');
    for (;;) {
      const r = await sc.next();
      if (r === undefined) break;
      got.push(r.row.toString());
    }
    assert.deepEqual(got, ROWS);
  }));

test('a reversed scan survives a move with RegionMoved and a split', () =>
  withRows(async ({ conn, cluster }) => {
    const sc = conn.getTable('t').getScanner({ reversed: true });
    const got: string[] = [];
    for (let i = 0; i < 7; i++) got.push((await sc.next())!.row.toString());
    const reads = conn.locator.metaReads;
    cluster.move(cluster.region('t', 'r35').info.encodedName, 'rs1:16020', { announce: true, publish: false });
    for (let i = 0; i < 8; i++) got.push((await sc.next())!.row.toString());
    assert.equal(conn.locator.metaReads, reads); // followed RegionMoved
    cluster.split(cluster.region('t', 'r22').info.encodedName, 'r23');
    for (;;) {
      const r = await sc.next();
      if (r === undefined) break;
      got.push(r.row.toString());
    }
    assert.deepEqual(got, [...ROWS].reverse());
  }));

test('an expired scanner lease is reopened after the last row', () =>
  withRows(async ({ conn, cluster }) => {
    // [r10, r20) holds r11..r19 from r11: trips of 4, 4, 1 rows.
    const sc = conn.getTable('t').getScanner({ startRow: b('r11'), limit: 20 });
    const got: string[] = [];
    for (let i = 0; i < 6; i++) got.push((await sc.next())!.row.toString());
    assert.equal(cluster.openScanners, 1);
    cluster.expireScanners();
    for (;;) {
      const r = await sc.next();
      if (r === undefined) break;
      got.push(r.row.toString());
    }
    assert.deepEqual(got, ROWS.slice(11, 31));
    // The reopen asked for the rows still wanted plus the last row received (r18), which it dropped.
    const reopen = cluster.callsOf('SCAN_OPEN').find((c) => (c.request as RpcRequests['SCAN_OPEN']).scan.startRow?.toString() === 'r18');
    assert.ok(reopen !== undefined, 'reopened at the last row received');
    assert.equal((reopen.request as RpcRequests['SCAN_OPEN']).scan.limit, 20 - 8 + 1);
  }));

test('Scan.batch partial rows: a resume mid-row returns each cell once', () =>
  withRows(async ({ conn, cluster }) => {
    // Wide rows: 5 columns each.
    for (const row of ['r11', 'r12', 'r13']) {
      cluster.apply('t', { kind: 'put', row: b(row), columns: ['a', 'b', 'c', 'd', 'e'].map((q) => ({ family: b('f'), qualifier: b(q), value: b(`${row}${q}`) })) });
    }
    const sc = conn.getTable('t').getScanner({ startRow: b('r11'), stopRow: b('r14'), batch: 2, caching: 2 });
    const parts: string[] = [];
    const first = (await sc.next())!;
    parts.push(first.cells.map((c) => c.value.toString()).join(','));
    const second = (await sc.next())!;
    parts.push(second.cells.map((c) => c.value.toString()).join(','));
    // Mid-row r11 (a,b | c,d sent; e and q pending): the region moves.
    cluster.move(cluster.region('t', 'r11').info.encodedName, 'rs3:16020');
    for (;;) {
      const r = await sc.next();
      if (r === undefined) break;
      parts.push(r.cells.map((c) => c.value.toString()).join(','));
    }
    const cells = parts.join(',').split(',');
    const want = ['r11', 'r12', 'r13'].flatMap((row) => [...['a', 'b', 'c', 'd', 'e'].map((q) => `${row}${q}`), `v:${row}`]);
    assert.deepEqual(cells, want);
  }));

test('errors: non-retryable ones end the scan with their code; retryable ones time out as TSB_TIMEOUT', () =>
  withRows(async ({ conn, cluster }) => {
    const t = conn.getTable('t');
    await conn.locator.locate({ namespace: 'default', name: 't' }, b('r00'));
    cluster.failNext(1, 'SCAN_OPEN', () => new InvalidError('bad filter'), 'rs1:16020');
    const sc = t.getScanner();
    await assert.rejects(sc.next(), (e: unknown) => e instanceof InvalidError && e.code === ErrorCodes.INVALID_ARGUMENT);
    assert.equal(await sc.next(), undefined);
    const sc2 = t.getScanner({ caching: 2 });
    assert.equal((await sc2.next())!.row.toString(), 'r00');
    assert.equal((await sc2.next())!.row.toString(), 'r01');
    const off = cluster.inject((_a, m) => (m === 'SCAN_NEXT' || m === 'SCAN_OPEN' ? new UnavailableError('busy', { code: ErrorCodes.REGION_TOO_BUSY }) : undefined));
    await assert.rejects(sc2.next(), (e: unknown) => e instanceof UnavailableError && e.code === ErrorCodes.TIMEOUT && (e.cause as TsbaseError).code === ErrorCodes.REGION_TOO_BUSY);
    off();
  }));

test('randomized: scans under splits, moves, lease expiry and failures return exactly the expected rows', async () => {
  const seed = testSeed();
  const rnd = new SeededRandom(seed);
  const servers = ['rs1:16020', 'rs2:16020', 'rs3:16020'];
  for (let round = 0; round < 25; round++) {
    const s = await fakeConnect({ seed: seed + round, options: { scannerCaching: 1 + rnd.int(5) } });
    try {
      const { cluster, conn } = s;
      cluster.createTable('t', ['r10', 'r20', 'r30'], servers);
      // Rows of 1..4 columns; with Scan.batch they come in parts.
      for (const row of ROWS.filter(() => rnd.next() < 0.8)) {
        const cols = ['a', 'b', 'c', 'd'].slice(0, 1 + rnd.int(4));
        cluster.apply('t', { kind: 'put', row: b(row), columns: cols.map((q) => ({ family: b('f'), qualifier: b(q), value: b(row + q) })) });
      }
      const reversed = rnd.next() < 0.5;
      const batch = rnd.next() < 0.3 ? 1 + rnd.int(2) : undefined;
      const pick = (): Buffer | undefined => (rnd.next() < 0.4 ? undefined : b(`r${String(rnd.int(45)).padStart(2, '0')}`));
      let startRow = pick();
      let stopRow = pick();
      if (startRow !== undefined && stopRow !== undefined && Buffer.compare(startRow, stopRow) * (reversed ? -1 : 1) > 0) [startRow, stopRow] = [stopRow, startRow];
      const scan: Scan = { reversed, ...(batch !== undefined ? { batch } : {}), ...(startRow ? { startRow } : {}), ...(stopRow ? { stopRow } : {}), ...(rnd.next() < 0.3 ? { limit: 1 + rnd.int(15) } : {}) };
      const want = expected(cluster, scan).flatMap((row) => ['a', 'b', 'c', 'd'].map((q) => cluster.cell('t', row, 'f', q)?.toString()).filter((v) => v !== undefined));
      const sc = conn.getTable('t').getScanner(scan);
      const got: string[] = [];
      for (let step = 0; step < 400; step++) {
        const dice = rnd.int(10);
        if (dice === 0) {
          const r = cluster.regions[rnd.int(cluster.regions.length)]!;
          const lo = r.info.startKey.toString() || 'r00';
          const mid = `${lo}${'m'}`;
          if (r.info.endKey.length === 0 || mid < r.info.endKey.toString()) cluster.split(r.info.encodedName, mid);
        } else if (dice === 1) {
          const r = cluster.regions[rnd.int(cluster.regions.length)]!;
          // A move is announced by the old server, or published in META, or both (as the master does).
          const announce = rnd.next() < 0.5;
          cluster.move(r.info.encodedName, servers[rnd.int(3)]!, { announce, publish: !announce || rnd.next() < 0.5 });
        } else if (dice === 2) {
          cluster.expireScanners();
        } else if (dice === 3) {
          cluster.failNext(1, rnd.next() < 0.5 ? 'SCAN_NEXT' : 'SCAN_OPEN', () =>
            rnd.next() < 0.5 ? new UnavailableError('connection reset') : new FencedError('region closed by the new owner'),
          );
        } else if (dice === 4) {
          cluster.publishMeta();
        }
        const r = await sc.next();
        if (r === undefined) break;
        if (batch !== undefined) assert.ok(r.cells.length <= batch);
        got.push(...r.cells.map((c) => c.value.toString()));
      }
      assert.deepEqual(got, want, `seed=${seed} round=${round} scan=${JSON.stringify({ ...scan, startRow: scan.startRow?.toString(), stopRow: scan.stopRow?.toString() })}`);
    } finally {
      await s.stop();
    }
  }
});

test('a NotServingRegion with no region in META yet retries until META catches up', () =>
  withRows(async ({ conn, cluster }) => {
    const sc = conn.getTable('t').getScanner({ startRow: b('r15'), stopRow: b('r18') });
    // The region is offline: META shows no server; it comes back after a few attempts.
    const r = cluster.region('t', 'r15');
    r.server = undefined;
    cluster.publishMeta();
    let n = 0;
    const off = cluster.inject((_a, m) => {
      if (m === 'SCAN_OPEN' && ++n === 3) {
        r.server = 'rs2:16020';
        cluster.publishMeta();
      }
      return undefined;
    });
    assert.deepEqual(rowsOf(await all(sc)), ['r15', 'r16', 'r17']);
    off();
  }));
