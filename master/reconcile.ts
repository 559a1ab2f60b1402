// What a newly active master does before it serves DDL (docs/rfcs/0005-cluster.md "Master
// failover"), and the periodic re-assign chore. Level-triggered and idempotent: it compares
// what META and the table records say with what the live servers actually host, and
// repairs the difference, so it does not matter where the previous master stopped.
//
//  1. namespaces default and hbase exist;
//  2. hbase:meta is open on a live server (assigned — after its last host's WAL is split —
//     if not), and fenced for this term (Catalog.fence: no earlier master's write lands after
//     this master reads META);
//  3. META is read into RegionStates; regions a create/truncate recorded as pending and
//     daughters a split parent names get their META rows; parents a merged region names are
//     recorded MERGED (the merge was committed);
//  4. every live server is asked what it hosts (SERVER_INFO, carrying this term's token: the
//     server first raises its fence on region admin calls and lets those of the deposed master
//     it admitted before finish; regionserver/server/master-fence.ts); a region hosted
//     somewhere is recorded OPEN there;
//  5. regions of enabled (or enabling) tables that are not open are assigned; regions of
//     disabled (or disabling) tables that are open are closed;
//  6. ENABLING tables become ENABLED, DISABLING ones DISABLED.

import type { Logger } from 'pino';
import type { Clock } from '../common/clock.js';
import type { MetaLocation } from '../common/coordination/cluster-keys.js';
import type { Coordination } from '../common/coordination/coordination.js';
import { errorCode, ErrorCodes } from '../common/errors.js';
import { META_REGION, regionInfoFromJson } from '../common/meta/meta-row.js';
import type { RpcClientPool } from '../common/rpc/rpc-messages.js';
import type { AssignmentManager } from './assignment-manager.js';
import type { Catalog } from './catalog.js';
import { forEachLimit } from './keyed-lock.js';
import type { LeaderTerm } from './leader-term.js';
import { isMetaRegion } from './meta-descriptor.js';
import type { RegionNode } from './region-states.js';
import { tableKey } from './region-states.js';
import { isRetiredParent } from '../common/admin/admin-api.js';
import type { ServerTracker } from './server-tracker.js';
import type { TableRecord, TableStore } from './table-store.js';

export interface ReconcileDeps {
  readonly term: LeaderTerm;
  readonly am: AssignmentManager;
  readonly catalog: Catalog;
  readonly tables: TableStore;
  readonly tracker: ServerTracker;
  readonly rpc: RpcClientPool;
  readonly coordination: Coordination;
  readonly metaLocationKey: string;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly concurrency: number;
  readonly rpcTimeoutMs: number;
}

/** Brings META online, then everything else (see the file comment). Rejects with TSB_NOT_LEADER if the term ends. */
export async function reconcile(d: ReconcileDeps): Promise<void> {
  const { am, term, logger } = d;
  await d.tables.ensureSystemNamespaces();
  await bringMetaOnline(d);
  await d.catalog.fence();

  for (const row of await d.catalog.scanAll()) {
    if (!isMetaRegion(row.info)) am.states.loadRow(row);
  }
  const tables = new Map<string, TableRecord>();
  for (const t of await d.tables.listTables()) tables.set(tableKey(t.descriptor.namespace, t.descriptor.name), t);

  // Regions a create/truncate recorded but may not have written to META yet.
  for (const t of tables.values()) {
    if (t.pendingRegions === undefined || t.state !== 'ENABLING') continue;
    for (const j of t.pendingRegions) {
      const info = regionInfoFromJson(j);
      if (am.states.get(info.encodedName) === undefined) await am.persist(am.states.getOrCreate(info));
    }
    const { namespace, name } = t.descriptor;
    tables.set(tableKey(namespace, name), await d.tables.updateTable(namespace, name, (r) => withoutPending(r)));
  }
  // Daughters of split parents whose rows were not written yet.
  for (const n of am.states.all()) {
    if (n.state !== 'SPLIT') continue;
    for (const dInfo of [n.splitA, n.splitB]) {
      if (dInfo === undefined || am.states.get(dInfo.encodedName) !== undefined) continue;
      const dn = am.states.getOrCreate(dInfo);
      if (n.serverName !== undefined) dn.serverName = n.serverName;
      await am.persist(dn);
    }
  }

  // Merges a merged region's row commits but whose parents are not all MERGED yet.
  await am.finishMerges();

  // What the live servers host.
  const hosted = new Map<string, { serverName: string; rpcAddress: string; startCode: number }>();
  const unknown = new Set<string>();
  await forEachLimit([...d.tracker.servers().values()], d.concurrency, async (s) => {
    try {
      const info = await d.rpc.client(s.rpcAddress).call('SERVER_INFO', {}, { timeoutMs: d.rpcTimeoutMs });
      for (const h of info.regions) hosted.set(h.info.encodedName, { serverName: s.serverName, rpcAddress: s.rpcAddress, startCode: s.startCode });
    } catch (e) {
      unknown.add(s.serverName);
      logger.warn({ err: e, server: s.serverName }, 'could not ask a region server what it hosts; leaving its regions as META says');
    }
  });

  const work: { node: RegionNode; op: 'assign' | 'unassign' }[] = [];
  for (const n of am.states.all()) {
    if (isMetaRegion(n.info) || isRetiredParent(n.state)) continue;
    const t = tables.get(tableKey(n.info.namespace, n.info.table));
    if (t === undefined) {
      logger.warn({ region: n.info.encodedName, table: tableKey(n.info.namespace, n.info.table) }, 'META row of a table that does not exist');
      continue;
    }
    const enabled = t.state === 'ENABLED' || t.state === 'ENABLING';
    const h = hosted.get(n.info.encodedName);
    if (h !== undefined) {
      if (n.state !== 'OPEN' || n.serverName !== h.serverName) {
        n.state = 'OPEN';
        n.serverName = h.serverName;
        n.rpcAddress = h.rpcAddress;
        n.serverStartCode = h.startCode;
        await am.persist(n);
      }
      if (!enabled) work.push({ node: n, op: 'unassign' });
      continue;
    }
    // A server that did not answer may still host the region, or be opening or closing it (its
    // SERVER_INFO waits for the admin calls of the deposed master it admitted): leave what
    // META records there alone. The re-assign chore finishes a half-done OPENING or CLOSING
    // on that same server (OPEN_REGION is idempotent), never elsewhere while it is live.
    const onServer = n.state === 'OPEN' || n.state === 'OPENING' || n.state === 'CLOSING';
    if (n.serverName !== undefined && unknown.has(n.serverName) && onServer) continue;
    if (n.serverName !== undefined && d.tracker.isLive(n.serverName) && onServer) {
      // Its live host says it does not have it: it is closed (a close flushes).
      n.state = 'CLOSED';
    }
    if (enabled) work.push({ node: n, op: 'assign' });
    else if (n.state !== 'CLOSED' && n.state !== 'OFFLINE') work.push({ node: n, op: 'unassign' });
  }
  term.assertActive();
  let failures = 0;
  await forEachLimit(work, d.concurrency, async ({ node, op }) => {
    try {
      if (op === 'assign') await am.assign(node.info);
      else await am.unassign(node.info);
    } catch (e) {
      if (errorCode(e) === ErrorCodes.NOT_LEADER) throw e;
      failures++;
      logger.error({ err: e, region: node.info.encodedName, op }, 'reconcile could not fix a region (the re-assign chore retries)');
    }
  });
  term.assertActive();
  for (const t of tables.values()) {
    const { namespace, name } = t.descriptor;
    if (t.state === 'ENABLING') await d.tables.updateTable(namespace, name, (r) => ({ ...r, state: 'ENABLED' }));
    if (t.state === 'DISABLING') await d.tables.updateTable(namespace, name, (r) => ({ ...r, state: 'DISABLED' }));
  }
  logger.info({ regions: am.states.all().length, fixed: work.length, failures }, 'reconciled region assignments');
}

/** Step 2: META OPEN on a live server; retried until it is (or the term ends). */
async function bringMetaOnline(d: ReconcileDeps): Promise<void> {
  const { am, term, clock, logger } = d;
  const node = am.states.getOrCreate(META_REGION);
  const e = await d.coordination.get(d.metaLocationKey);
  if (e !== undefined) {
    const loc = JSON.parse(e.value.toString('utf8')) as MetaLocation;
    node.serverName = loc.serverName;
    node.rpcAddress = loc.rpcAddress;
    node.state = 'OPEN';
    const rec = d.tracker.get(loc.serverName);
    if (rec !== undefined) {
      const hostsMeta = await d.rpc
        .client(rec.rpcAddress)
        .call('SERVER_INFO', {}, { timeoutMs: d.rpcTimeoutMs })
        .then((r) => r.regions.some((h) => h.info.encodedName === META_REGION.encodedName))
        .catch(() => false);
      if (!hostsMeta) node.state = 'CLOSED';
    }
    am.states.changed();
  }
  for (let attempt = 0; ; attempt++) {
    try {
      await am.assign(META_REGION);
      logger.info({ meta: am.metaLocation() }, 'hbase:meta is online');
      return;
    } catch (err) {
      if (errorCode(err) === ErrorCodes.NOT_LEADER) throw err;
      logger.error({ err, attempt }, 'could not open hbase:meta; retrying');
      await term.pause(clock, Math.min(5000, 200 * 2 ** Math.min(attempt, 5)));
    }
  }
}

/**
 * The re-assign chore: regions of enabled tables left FAILED_OPEN, CLOSED or OFFLINE (a
 * failed assignment) or still recorded on a dead server are assigned again. Regions under an
 * operation (locked) are skipped, and so are split and merge parents; a committed merge's
 * parents are first recorded MERGED (AssignmentManager.finishMerges). Returns how many it tried.
 */
export async function reassignStragglers(d: Pick<ReconcileDeps, 'am' | 'tables' | 'tracker' | 'logger' | 'concurrency'>): Promise<number> {
  const { am } = d;
  await am.finishMerges();
  const enabled = new Set((await d.tables.listTables()).filter((t) => t.state === 'ENABLED').map((t) => tableKey(t.descriptor.namespace, t.descriptor.name)));
  const todo = am.states.all().filter((n) => {
    if (isMetaRegion(n.info) || !enabled.has(tableKey(n.info.namespace, n.info.table)) || am.locks.busy(n.info.encodedName)) return false;
    if (isRetiredParent(n.state) || am.states.mergedInto(n.info.encodedName) !== undefined) return false;
    if (n.state === 'FAILED_OPEN' || n.state === 'CLOSED' || n.state === 'OFFLINE') return true;
    // OPENING/CLOSING with no operation running: a transition failed half-way (e.g. its META
    // write); OPEN/OPENING/CLOSING on a dead server: its crash recovery failed.
    return n.state === 'OPENING' || n.state === 'CLOSING' || (n.state === 'OPEN' && n.serverName !== undefined && !d.tracker.isLive(n.serverName));
  });
  await forEachLimit(todo, d.concurrency, async (n) => {
    // A half-done transition on a live server is finished there first (OPEN_REGION is
    // idempotent), so the region is never opened twice.
    const stuckOn = (n.state === 'OPENING' || n.state === 'CLOSING') && n.serverName !== undefined && d.tracker.isLive(n.serverName) ? n.serverName : undefined;
    await am.assign(n.info, stuckOn !== undefined ? { target: stuckOn } : {}).catch((e: unknown) => {
      if (errorCode(e) === ErrorCodes.NOT_LEADER) throw e;
      d.logger.warn({ err: e, region: n.info.encodedName }, 're-assign chore could not open a region');
    });
  });
  return todo.length;
}

function withoutPending(r: TableRecord): TableRecord {
  const { pendingRegions: _p, ...rest } = r;
  return rest;
}
