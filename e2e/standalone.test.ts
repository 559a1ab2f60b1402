// End to end on standalone in this process (master + region server, in-process coordination,
// fs object store, local WAL): DDL, every data operation, the shell, a split under load, and
// a restart with the data intact.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, describe, it } from 'node:test';
import type { Connection } from '../client/connection.js';
import { loadConfig } from '../common/config/load-config.js';
import { createLogger } from '../cli/logger.js';
import { startStandalone } from '../cli/standalone.js';
import type { Standalone } from '../cli/standalone.js';
import { b, connect, putOf, valueOf, stopLoads } from './e2e-util.js';
import { dataScenario, ddlScenario, moveAndSplitUnderLoad, scanAcrossMoves, shellScenario } from './scenarios.js';

const dataDir = mkdtempSync(join(tmpdir(), 'tsb-e2e-standalone-'));
const config = loadConfig({
  env: {},
  overrides: [`standalone.dataDir=${dataDir}`, 'master.httpPort=0', 'regionserver.rpcPort=0', 'regionserver.httpPort=0', 'regionserver.compactionWorkers=false'],
});
const logger = createLogger('standalone', process.env['TSB_E2E_LOG'] ?? 'warn');

let s: Standalone;
let conn: Connection;

before(async () => {
  s = await startStandalone({ config, logger });
  conn = await connect([s.masterHttp]);
});
after(async () => {
  await conn?.close();
  await s?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

// A test that failed half-way must not leave its load running into the next ones.
afterEach(() => stopLoads());

describe('standalone (in-process) end to end', { timeout: 300_000 }, () => {
  it('DDL and namespaces through Admin', async () => {
    await ddlScenario(conn, 'e2e_ddl');
  });

  it('every data operation, scans across regions, BufferedMutator', async () => {
    await dataScenario(conn, 'e2e_data');
  });

  it('the shell (-e commands)', async () => {
    await shellScenario(conn, 'e2e_shell', 'e2e_shell_ns');
  });

  it('a split while a client reads and writes: no client error, nothing lost', async () => {
    await moveAndSplitUnderLoad(conn, 'e2e_load');
  });

  it('a scan in progress while a region splits returns every row once, in order', async () => {
    await scanAcrossMoves(conn, 'e2e_scan_split');
  });

  it('a location miss reads the few META rows around the row (reversed scan), not the whole table', async () => {
    const admin = conn.getAdmin();
    const splitKeys = Array.from({ length: 39 }, (_, i) => b(`k${String(i + 1).padStart(2, '0')}`).toString('base64'));
    await admin.createTable({ name: 'e2e_lookup', families: [{ NAME: 'f' }], splitKeys });
    const t = conn.getTable('e2e_lookup');
    await t.put(putOf('k20x', 'f', 'q', 'v20'));
    await t.put(putOf('k00', 'f', 'q', 'v00'));
    const T = { namespace: 'default', name: 'e2e_lookup' };
    const loc = conn.locator;
    for (const row of ['k20x', 'k00']) {
      // As after a move: the cached location is dropped; the next call finds it again.
      loc.invalidate(T, loc.cached(T, b(row))!);
      const reads = loc.metaReads;
      const lookups = loc.metaLookups;
      assert.equal(valueOf(await t.get({ row: b(row) }), 'f', 'q'), row === 'k00' ? 'v00' : 'v20');
      assert.equal(loc.metaReads, reads + 1, 'one META read');
      assert.equal(loc.metaLookups, lookups + 1, 'answered by the few-row read of the real META region');
    }
  });

  it("the region server's /metrics shows its requests and its object store's traffic", async () => {
    const text = await (await fetch(`http://${s.rsHttp}/metrics`)).text();
    assert.match(text, /^tsbase_objectstore_operations_total\{[^}]*op="put"[^}]*\} [1-9]/m, 'object store puts counted (flushes and manifests wrote objects)');
    assert.match(text, /^process_cpu_user_seconds_total /m, 'node default metrics');
  });

  it('a clean restart keeps tables, regions and data', async () => {
    const admin = conn.getAdmin();
    await admin.createTable({ name: 'e2e_restart', families: [{ NAME: 'f' }], splitKeys: [b('m').toString('base64')] });
    const t = conn.getTable('e2e_restart');
    await t.put([putOf('a', 'f', 'q', 'before-a'), putOf('z', 'f', 'q', 'before-z')]);
    await conn.close();
    await s.stop();
    s = await startStandalone({ config, logger });
    conn = await connect([s.masterHttp]);
    const t2 = conn.getTable('e2e_restart');
    assert.equal(valueOf(await t2.get({ row: b('a') }), 'f', 'q'), 'before-a');
    assert.equal(valueOf(await t2.get({ row: b('z') }), 'f', 'q'), 'before-z');
    assert.equal((await conn.getAdmin().getRegions('e2e_restart')).filter((r) => r.state === 'OPEN').length, 2);
    // Tables of the earlier tests are still there too.
    assert.equal(await conn.getAdmin().tableExists('e2e_data'), true);
    assert.equal(valueOf(await conn.getTable('e2e_data').get({ row: b('plum') }), 'f', 'q'), 'dried');
  });
});
