// Server crash recovery (HBase's ServerCrashProcedure; docs/rfcs/0005-cluster.md "Server
// crash"). When a region server's key disappears:
//   1. fence and split its WAL (s3 backend; WalRecovery) — until this completes none of its
//      regions may open anywhere, since their unflushed edits exist only in that WAL;
//   2. if it hosted hbase:meta, assign META first (the other regions' transitions are
//      recorded in META);
//   3. every region it hosted (OPEN, OPENING, CLOSING) is re-assigned if its table is enabled,
//      or recorded CLOSED if the table is disabled or being disabled.
// Every step is idempotent; a master that takes over re-derives the work from META (the dead
// server is still named as the regions' host there), see reconcile.ts.

import type { Logger } from 'pino';
import { META_REGION } from '../common/meta/meta-row.js';
import type { AssignmentManager } from './assignment-manager.js';
import { forEachLimit } from './keyed-lock.js';
import type { LeaderTerm } from './leader-term.js';
import type { ServerTracker } from './server-tracker.js';
import type { TableStore } from './table-store.js';
import type { WalRecovery } from './wal-recovery.js';

export interface ServerCrashDeps {
  readonly term: LeaderTerm;
  readonly am: AssignmentManager;
  readonly tracker: ServerTracker;
  readonly tables: TableStore;
  readonly recovery: WalRecovery;
  readonly logger: Logger;
  readonly concurrency: number;
}

/** Recovers dead server `serverName` (see the file comment). Resolves when all its regions are re-assigned or closed; rejects with TSB_NOT_LEADER if the term ends. */
export async function recoverDeadServer(d: ServerCrashDeps, serverName: string): Promise<void> {
  const { am, logger } = d;
  logger.warn({ server: serverName }, 'recovering dead region server');
  await d.recovery.ensureRecovered(serverName);
  const meta = am.states.get(META_REGION.encodedName);
  if (meta !== undefined && meta.serverName === serverName && meta.state !== 'CLOSED') {
    await am.assign(META_REGION, { exclude: [serverName] });
  }
  const regions = am.states.onServer(serverName).filter((n) => n.info.encodedName !== META_REGION.encodedName);
  let failures = 0;
  await forEachLimit(regions, d.concurrency, async (n) => {
    try {
      await am.locks.run(n.info.encodedName, async () => {
        // Re-check under the lock: another operation may have moved it meanwhile.
        if (n.serverName !== serverName || d.tracker.isLive(serverName) || !(n.state === 'OPEN' || n.state === 'OPENING' || n.state === 'CLOSING')) return;
        const t = await d.tables.getTable(n.info.namespace, n.info.table);
        const enabled = t !== undefined && (t.record.state === 'ENABLED' || t.record.state === 'ENABLING');
        if (enabled) await am.assignLocked(n, { exclude: [serverName] });
        else await am.setState(n, 'CLOSED');
      });
    } catch (e) {
      failures++;
      logger.error({ err: e, server: serverName, region: n.info.encodedName }, 'could not re-assign a region of a dead server (the re-assign chore retries)');
    }
  });
  logger.info({ server: serverName, regions: regions.length, failures }, 'dead region server recovered');
}
