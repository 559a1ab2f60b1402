// The master's Prometheus metrics (GET /metrics), read from its live state when scraped.
// One registry per Master, so several masters can live in one process (tests, standalone).

import { collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import type { ActiveMaster } from './active-master.js';
import { inTransition } from './region-states.js';

export function masterMetrics(active: () => ActiveMaster | undefined): Registry {
  const register = new Registry();
  collectDefaultMetrics({ register, prefix: 'tsbase_master_process_' });
  const gauge = (name: string, help: string, read: (a: ActiveMaster) => number): void => {
    new Gauge({
      name,
      help,
      registers: [register],
      collect() {
        const a = active();
        this.set(a === undefined ? 0 : read(a));
      },
    });
  };
  gauge('tsbase_master_is_active', '1 on the active master, 0 on a standby', () => 1);
  gauge('tsbase_master_region_servers', 'live region servers', (a) => a.tracker.servers().size);
  gauge('tsbase_master_regions', 'regions known to the master (split and merge parents included)', (a) => a.states.all().length);
  gauge('tsbase_master_regions_in_transition', 'regions OPENING, CLOSING or FAILED_OPEN', (a) => a.states.all().filter((n) => inTransition(n.state)).length);
  gauge('tsbase_master_assignments_total', 'regions opened by this term', (a) => a.am.stats.assigns);
  gauge('tsbase_master_failed_opens_total', 'region opens that failed in this term', (a) => a.am.stats.failedOpens);
  gauge('tsbase_master_moves_total', 'region moves in this term', (a) => a.am.stats.moves);
  gauge('tsbase_master_splits_total', 'region splits in this term', (a) => a.am.stats.splits);
  gauge('tsbase_master_merges_total', 'region merges in this term', (a) => a.am.stats.merges);
  gauge('tsbase_master_server_crashes_total', 'dead region servers handled in this term', (a) => a.serverCrashes);
  gauge('tsbase_master_wal_splits_total', 'dead servers whose WAL was fenced and split in this term', (a) => a.recovery.splits);
  gauge('tsbase_master_split_parents_removed_total', 'split and merge parents the catalog janitor removed in this term', (a) => a.janitor.removedTotal);
  gauge('tsbase_master_balancer_runs_total', 'balancer runs in this term', (a) => a.regionOps.balancerRuns);
  return register;
}
