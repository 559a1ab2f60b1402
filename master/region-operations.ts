// Admin operations on regions: flush, compact, major_compact, split, merge and move of a table's or
// one region's regions, the balancer (run and switch) and draining a stopping server. Targets
// are a table name or an encoded region name, as HBase's shell accepts both.
//
// Errors: NotFoundError (unknown table or region), InvalidError TSB_TABLE_DISABLED (table
// operations on a disabled table), ConflictError (region not open), UnavailableError.

import type { Logger } from 'pino';
import type { Clock } from '../common/clock.js';
import type { Coordination } from '../common/coordination/coordination.js';
import { ConflictError, ErrorCodes, errorCode, InvalidError } from '../common/errors.js';
import type { RpcClientPool } from '../common/rpc/rpc-messages.js';
import { containsRow } from '../regionserver/region/region-info.js';
import type { RegionInfo } from '../regionserver/region/region-info.js';
import type { AssignmentManager } from './assignment-manager.js';
import { planBalance } from './balancer.js';
import { forEachLimit } from './keyed-lock.js';
import type { LeaderTerm } from './leader-term.js';
import { isMetaRegion } from './meta-descriptor.js';
import type { RegionNode } from './region-states.js';
import { inTransition } from './region-states.js';
import type { ServerTracker } from './server-tracker.js';
import type { TableOperations } from './table-operations.js';

export interface RegionOperationsDeps {
  readonly term: LeaderTerm;
  readonly am: AssignmentManager;
  readonly tableOps: TableOperations;
  readonly tracker: ServerTracker;
  readonly rpc: RpcClientPool;
  readonly coordination: Coordination;
  readonly balancerKey: string;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly regionRpcTimeoutMs: number;
  readonly balancerMoveIntervalMs: number;
  readonly balancerMaxMoves: number;
  readonly concurrency: number;
}

export type RegionAction = 'flush' | 'compact' | 'major_compact';

export class RegionOperations {
  private balancing: Promise<number> | undefined;
  balancerRuns = 0;

  constructor(private readonly d: RegionOperationsDeps) {}

  /** Flush/compact every open region of a table. Throws InvalidError TSB_TABLE_DISABLED for a disabled table. */
  async tableAction(tableName: string, action: RegionAction): Promise<void> {
    const regions = await this.openRegionsOf(tableName);
    await forEachLimit(regions, this.d.concurrency, (n) => this.regionCall(n, action));
  }

  /** Flush/compact one region (encoded name). */
  async regionAction(encodedName: string, action: RegionAction): Promise<void> {
    const n = this.d.am.requireNode(encodedName);
    if (n.state !== 'OPEN') throw new ConflictError('region is not open', { details: { region: encodedName, state: n.state } });
    await this.regionCall(n, action);
  }

  /** Splits the region holding `splitRow`, or every open region of the table (at their mid keys) without one. */
  async splitTable(tableName: string, splitRow?: Buffer): Promise<void> {
    const regions = await this.openRegionsOf(tableName);
    const targets = splitRow === undefined ? regions : regions.filter((n) => containsRow(n.info, splitRow));
    for (const n of targets) await this.d.am.split(n.info.encodedName, splitRow);
  }

  /** Splits one region. Throws InvalidError TSB_TABLE_DISABLED if its table is disabled or disabling (a size-triggered request may race a disable). */
  async splitRegion(encodedName: string, splitRow?: Buffer): Promise<void> {
    const n = this.d.am.requireNode(encodedName);
    if (!isMetaRegion(n.info)) await this.openRegionsOf(`${n.info.namespace}:${n.info.table}`);
    await this.d.am.split(encodedName, splitRow);
  }

  /**
   * Merges two or more adjacent open regions of one table (encoded names) into one and opens
   * it (AssignmentManager.merge). Throws InvalidError TSB_TABLE_DISABLED if the table is
   * disabled; a table disabled while the merge ran gets its merged region closed.
   */
  async mergeRegions(encodedNames: readonly string[]): Promise<RegionInfo> {
    const first = this.d.am.requireNode(encodedNames[0] ?? '');
    const tableName = `${first.info.namespace}:${first.info.table}`;
    if (!isMetaRegion(first.info)) await this.openRegionsOf(tableName);
    const merged = await this.d.am.merge(encodedNames);
    const rec = await this.d.tableOps.record(tableName);
    if (rec.state === 'DISABLED' || rec.state === 'DISABLING') await this.d.am.unassign(merged);
    return merged;
  }

  async move(encodedName: string, serverName?: string): Promise<void> {
    await this.d.am.move(encodedName, serverName);
  }

  /** Whether the balancer may run (persisted in coordination; default on). */
  async balancerEnabled(): Promise<boolean> {
    const e = await this.d.coordination.get(this.d.balancerKey);
    if (e === undefined) return true;
    return (JSON.parse(e.value.toString('utf8')) as { enabled: boolean }).enabled;
  }

  /** Sets the switch; returns the previous setting. */
  async setBalancerEnabled(enabled: boolean): Promise<boolean> {
    const previous = await this.balancerEnabled();
    await this.d.coordination.put(this.d.balancerKey, Buffer.from(JSON.stringify({ enabled })));
    return previous;
  }

  /**
   * Runs the balancer once (concurrent calls share a run) and returns how many regions it
   * moved. `force` runs it even when switched off (an explicit admin request still respects
   * the switch, as HBase's balancer command does, unless forced).
   */
  balance(force = false): Promise<number> {
    this.balancing ??= this.runBalancer(force).finally(() => (this.balancing = undefined));
    return this.balancing;
  }

  /** Moves every region off a stopping server (the operator's drain before a scale-in or restart). */
  async drain(serverName: string): Promise<void> {
    const regions = this.d.am.states.onServer(serverName).filter((n) => n.state === 'OPEN');
    const meta = regions.filter((n) => isMetaRegion(n.info));
    const rest = regions.filter((n) => !isMetaRegion(n.info));
    const moveOne = async (n: RegionNode): Promise<void> => {
      if (n.serverName !== serverName || n.state !== 'OPEN') return;
      await this.d.am.move(n.info.encodedName).catch((e: unknown) => {
        if (errorCode(e) === ErrorCodes.NOT_LEADER) throw e;
        this.d.logger.warn({ err: e, region: n.info.encodedName, server: serverName }, 'could not move a region off a stopping server');
      });
    };
    for (const n of meta) await moveOne(n);
    await forEachLimit(rest, this.d.concurrency, moveOne);
    this.d.logger.info({ server: serverName, regions: regions.length }, 'stopping region server drained');
  }

  private async runBalancer(force: boolean): Promise<number> {
    const { am, tracker, term, logger } = this.d;
    if (!force && !(await this.balancerEnabled())) return 0;
    if (am.states.all().some((n) => inTransition(n.state))) {
      logger.info('balancer skipped: regions are in transition');
      return 0;
    }
    const byServer = new Map<string, string[]>();
    for (const s of tracker.assignable()) byServer.set(s.serverName, []);
    for (const n of am.states.all()) {
      if (n.state !== 'OPEN' || isMetaRegion(n.info) || n.serverName === undefined) continue;
      byServer.get(n.serverName)?.push(n.info.encodedName);
    }
    const plan = planBalance(byServer, this.d.balancerMaxMoves);
    this.balancerRuns++;
    let moved = 0;
    for (const m of plan) {
      term.assertActive();
      const n = am.states.get(m.region);
      if (n === undefined || n.state !== 'OPEN' || n.serverName !== m.from || !tracker.isLive(m.to)) continue;
      try {
        await am.move(m.region, m.to);
        moved++;
      } catch (e) {
        if (errorCode(e) === ErrorCodes.NOT_LEADER) throw e;
        logger.warn({ err: e, move: m }, 'balancer move failed');
      }
      if (this.d.balancerMoveIntervalMs > 0) await term.pause(this.d.clock, this.d.balancerMoveIntervalMs);
    }
    if (plan.length > 0) logger.info({ planned: plan.length, moved }, 'balancer ran');
    return moved;
  }

  private async openRegionsOf(tableName: string): Promise<RegionNode[]> {
    const rec = await this.d.tableOps.record(tableName);
    if (rec.state === 'DISABLED' || rec.state === 'DISABLING') {
      throw new InvalidError('table is disabled', { code: ErrorCodes.TABLE_DISABLED, details: { table: tableName } });
    }
    return this.d.tableOps.liveRegions(rec.descriptor.namespace, rec.descriptor.name).filter((n) => n.state === 'OPEN');
  }

  private async regionCall(n: RegionNode, action: RegionAction): Promise<void> {
    this.d.term.assertActive();
    const rpcAddress = n.rpcAddress;
    if (rpcAddress === undefined) throw new ConflictError('region is not open', { details: { region: n.info.encodedName } });
    const client = this.d.rpc.client(rpcAddress);
    const opts = { timeoutMs: this.d.regionRpcTimeoutMs };
    if (action === 'flush') await client.call('FLUSH_REGION', { region: n.info.encodedName }, opts);
    else await client.call('COMPACT_REGION', { region: n.info.encodedName, major: action === 'major_compact' }, opts);
  }
}
