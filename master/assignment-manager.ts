// Assignment: the region state machine (docs/rfcs/0005-cluster.md "Region states").
//
//   assign:    (OFFLINE|CLOSED|FAILED_OPEN) → OPENING(server) → OPEN_REGION → OPEN(server)
//              a failed open is retried on another server; FAILED_OPEN after maxAssignAttempts
//   unassign:  OPEN → CLOSING → CLOSE_REGION → CLOSED
//   move:      unassign (CLOSE_REGION naming the destination) → assign on the destination
//   split:     see split() — parent SPLIT (with splitA/splitB), daughters OFFLINE → assigned
//   merge:     see merge() — parents closed, merged region OFFLINE (naming its parents) →
//              parents MERGED → merged region assigned
//
// Every transition runs under the region's lock and is recorded in hbase:meta (for the META
// region itself: in memory and at clusterKeys(...).metaLocation) before the RPC that acts on
// it, so a master that takes over knows which server may hold the region.
//
// The crash-safety rule: a region whose last host is dead and which may have unflushed
// edits there is never opened before that host's WAL is fenced and split (guardWal →
// WalRecovery.ensureRecovered).
//
// Errors: UnavailableError (no server, META unreachable, region failed to open; TSB_NOT_LEADER
// once the term ended), NotFoundError (unknown region/server), ConflictError (region not in a
// state the operation needs), InvalidError (bad arguments).

import type { Logger } from 'pino';
import type { Clock } from '../common/clock.js';
import type { MetaLocation, ServerRecord } from '../common/coordination/cluster-keys.js';
import type { Coordination } from '../common/coordination/coordination.js';
import { ConflictError, ErrorCodes, errorCode, InvalidError, NotFoundError, UnavailableError } from '../common/errors.js';
import { META_REGION } from '../common/meta/meta-row.js';
import type { TableDescriptor } from '../common/meta/table-descriptor.js';
import type { RpcClientPool } from '../common/rpc/rpc-messages.js';
import type { RegionInfo } from '../regionserver/region/region-info.js';
import { regionInfo } from '../regionserver/region/region-info.js';
import { checkMergePlan } from '../regionserver/split/merge-regions.js';
import type { Catalog } from './catalog.js';
import { KeyedLock } from './keyed-lock.js';
import type { LeaderTerm } from './leader-term.js';
import { isMetaRegion, META_DESCRIPTOR } from './meta-descriptor.js';
import type { RegionNode, RegionStates } from './region-states.js';
import { mayHaveWalEdits } from './region-states.js';
import { isRetiredParent } from '../common/admin/admin-api.js';
import type { ServerTracker } from './server-tracker.js';
import type { TableStore } from './table-store.js';
import type { WalRecovery } from './wal-recovery.js';

export interface AssignmentOptions {
  readonly term: LeaderTerm;
  readonly tracker: ServerTracker;
  readonly rpc: RpcClientPool;
  readonly tables: TableStore;
  readonly states: RegionStates;
  readonly recovery: WalRecovery;
  readonly coordination: Coordination;
  readonly metaLocationKey: string;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly maxAssignAttempts: number;
  readonly regionRpcTimeoutMs: number;
  readonly metaRpcTimeoutMs: number;
}

export interface AssignOptions {
  /** Preferred server (used if live and not stopping). */
  readonly target?: string;
  /** Servers not to use (unless no other is available). */
  readonly exclude?: readonly string[];
}

export interface AssignmentStats {
  assigns: number;
  failedOpens: number;
  moves: number;
  splits: number;
  merges: number;
}

export class AssignmentManager {
  readonly locks = new KeyedLock();
  readonly stats: AssignmentStats = { assigns: 0, failedOpens: 0, moves: 0, splits: 0, merges: 0 };
  private catalogRef: Catalog | undefined;

  constructor(private readonly o: AssignmentOptions) {}

  set catalog(c: Catalog) {
    this.catalogRef = c;
  }

  get states(): RegionStates {
    return this.o.states;
  }

  /** META's location while it is OPEN on a live server. */
  metaLocation(): MetaLocation | undefined {
    const n = this.o.states.get(META_REGION.encodedName);
    if (n === undefined || n.state !== 'OPEN' || n.serverName === undefined || n.rpcAddress === undefined) return undefined;
    return { serverName: n.serverName, rpcAddress: n.rpcAddress };
  }

  /** Waits (up to the META RPC timeout) for META to be OPEN. Throws UnavailableError. */
  async locateMeta(): Promise<MetaLocation> {
    const { term, clock } = this.o;
    term.assertActive();
    const now = this.metaLocation();
    if (now !== undefined) return now;
    await this.o.states.waitFor(
      () => this.metaLocation() !== undefined || !term.active,
      this.o.metaRpcTimeoutMs,
      clock,
      () => new UnavailableError('hbase:meta is not online yet; retry shortly'),
    );
    term.assertActive();
    const loc = this.metaLocation();
    if (loc === undefined) throw new UnavailableError('hbase:meta is not online yet; retry shortly');
    return loc;
  }

  /** Opens the region (see the file comment); a no-op if it is already OPEN on a live server (and on `target`, if given). */
  assign(info: RegionInfo, opts: AssignOptions = {}): Promise<void> {
    return this.locks.run(info.encodedName, () => this.assignLocked(this.o.states.getOrCreate(info), opts));
  }

  /** Closes the region (flushing it) and records CLOSED. A no-op if it is not open. */
  unassign(info: RegionInfo): Promise<void> {
    return this.locks.run(info.encodedName, () => this.unassignLocked(this.o.states.getOrCreate(info)));
  }

  /** Closes and re-opens the region on the same server (so it sees a new descriptor). */
  reopen(info: RegionInfo): Promise<void> {
    return this.locks.run(info.encodedName, async () => {
      const node = this.o.states.getOrCreate(info);
      if (node.state !== 'OPEN') return;
      const host = node.serverName;
      await this.unassignLocked(node);
      await this.assignLocked(node, host !== undefined ? { target: host } : {});
    });
  }

  /**
   * Moves an OPEN region to `targetServer` (or the least loaded other server). Throws
   * NotFoundError for an unknown region or server, ConflictError if the region is not OPEN or
   * the target is stopping, UnavailableError if there is no other server.
   */
  move(encodedName: string, targetServer?: string): Promise<void> {
    const node = this.requireNode(encodedName);
    return this.locks.run(encodedName, async () => {
      const from = node.serverName;
      if (node.state !== 'OPEN' || from === undefined || !this.o.tracker.isLive(from)) {
        throw new ConflictError('region is not open; it cannot be moved now', { details: { region: encodedName, state: node.state } });
      }
      let target: ServerRecord | undefined;
      if (targetServer !== undefined) {
        target = this.o.tracker.get(targetServer);
        if (target === undefined) throw new NotFoundError('no live region server with this name', { details: { server: targetServer } });
        if (target.stopping === true) throw new ConflictError('the target region server is stopping', { details: { server: targetServer } });
        if (target.serverName === from) return;
      } else {
        target = this.leastLoaded(new Set([from]));
        if (target === undefined) throw new UnavailableError('no other region server to move the region to', { details: { region: encodedName } });
      }
      this.o.logger.info({ region: encodedName, from, to: target.serverName }, 'moving region');
      await this.unassignLocked(node, target);
      await this.assignLocked(node, { target: target.serverName });
      this.stats.moves++;
    });
  }

  /**
   * Splits an OPEN region (at `splitRow`, or where its server chooses): SPLIT_REGION, then
   * META (parent SPLIT naming both daughters, then the daughters OFFLINE), then opens the
   * daughters on the parent's server. Re-running it on a parent already SPLIT finishes the
   * daughters' assignment. Throws ConflictError if the region is neither OPEN nor SPLIT.
   */
  async split(encodedName: string, splitRow?: Buffer): Promise<readonly [RegionInfo, RegionInfo]> {
    const node = this.requireNode(encodedName);
    if (isMetaRegion(node.info)) throw new InvalidError('hbase:meta cannot be split', { details: { region: encodedName } });
    const { daughters, host } = await this.locks.run(encodedName, async () => {
      if (node.state === 'SPLIT' && node.splitA !== undefined && node.splitB !== undefined) {
        return { daughters: [node.splitA, node.splitB] as const, host: node.serverName };
      }
      const server = node.serverName;
      if (node.state !== 'OPEN' || server === undefined || !this.o.tracker.isLive(server)) {
        throw new ConflictError('region is not open; it cannot be split now', { details: { region: encodedName, state: node.state } });
      }
      const rec = this.o.tracker.get(server)!;
      this.o.term.assertActive();
      let res;
      try {
        res = await this.o.rpc
          .client(rec.rpcAddress)
          .call('SPLIT_REGION', { region: encodedName, ...(splitRow !== undefined ? { splitRow } : {}) }, { timeoutMs: this.o.regionRpcTimeoutMs });
      } catch (e) {
        if (errorCode(e) !== ErrorCodes.NOT_LEADER) await this.rollBackFailedSplit(node, rec);
        throw e;
      }
      const [a, b] = res.daughters;
      // Parent first: its row names both daughters, so a master that fails over between
      // these writes can add the daughters' rows from it.
      node.state = 'SPLIT';
      node.splitA = a;
      node.splitB = b;
      await this.persist(node);
      for (const d of res.daughters) {
        const dn = this.o.states.getOrCreate(d);
        dn.state = 'OFFLINE';
        dn.serverName = rec.serverName;
        dn.rpcAddress = rec.rpcAddress;
        await this.persist(dn);
      }
      this.stats.splits++;
      this.o.logger.info({ region: encodedName, splitRow: res.splitRow.toString('hex'), daughters: [a.encodedName, b.encodedName] }, 'region split');
      return { daughters: res.daughters, host: server };
    });
    await Promise.all(daughters.map((d) => this.assign(d, host !== undefined ? { target: host } : {})));
    return daughters;
  }

  /**
   * After a failed SPLIT_REGION: if the server closed the parent (the split failed past that
   * point, or its answer was lost), re-open the parent where it was — its files are intact;
   * daughter manifests a half-done split wrote are left unreferenced. Under the parent's lock.
   */
  private async rollBackFailedSplit(node: RegionNode, host: ServerRecord): Promise<void> {
    try {
      const info = await this.o.rpc.client(host.rpcAddress).call('SERVER_INFO', {}, { timeoutMs: this.o.metaRpcTimeoutMs });
      if (info.regions.some((h) => h.info.encodedName === node.info.encodedName)) return; // refused before closing: still open
      this.o.logger.warn({ region: node.info.encodedName, server: host.serverName }, 'split failed after the parent closed; re-opening the parent');
      await this.setState(node, 'CLOSED');
      await this.assignLocked(node, { target: host.serverName });
    } catch (e) {
      if (errorCode(e) === ErrorCodes.NOT_LEADER) throw e;
      this.o.logger.error({ err: e, region: node.info.encodedName }, 'could not re-open the parent of a failed split (the re-assign chore retries)');
    }
  }

  /**
   * Merges two or more OPEN adjacent regions of one table (encoded names, in any order) into
   * one (docs/rfcs/0004-compaction-and-split.md "Merge"), as HBase's merge_region:
   *   1. under every parent's lock: check they are OPEN and hold no references (SERVER_INFO);
   *   2. close them (with a flush) and have a server write the merged region's manifests
   *      (MERGE_REGIONS, on the first parent's server);
   *   3. commit: the merged region's META row, OFFLINE and naming its parents (mergeParents);
   *      then the parents' rows MERGED. From the commit on the merge only rolls forward
   *      (finishMerges; a parent named by a merged region is never opened);
   *   4. open the merged region where the merge ran.
   * A failure before the commit re-opens the parents (rollBackFailedMerge; the region server
   * undoes the half-done merge as it opens them). Re-running it for parents already merged
   * into one region finishes that region's assignment. Resolves with the merged region.
   * Throws InvalidError (not adjacent, another table, hbase:meta, references left),
   * ConflictError (a parent not open), UnavailableError.
   */
  async merge(encodedNames: readonly string[]): Promise<RegionInfo> {
    const nodes = encodedNames.map((n) => this.requireNode(n));
    const into = new Set(nodes.map((n) => this.o.states.mergedInto(n.info.encodedName)));
    const done = into.size === 1 ? [...into][0] : undefined;
    if (done !== undefined) {
      await this.finishMerges();
      await this.assign(done.info);
      return done.info;
    }
    for (const n of nodes) if (isMetaRegion(n.info)) throw new InvalidError('hbase:meta cannot be merged', { details: { region: n.info.encodedName } });
    const sorted = [...nodes].sort((a, b) => Buffer.compare(a.info.startKey, b.info.startKey));
    const first = sorted[0]!.info;
    const last = sorted[sorted.length - 1]!.info;
    const merged = regionInfo(first.namespace, first.table, first.startKey, last.endKey, Math.max(this.o.clock.nowMs(), ...sorted.map((n) => n.info.regionId + 1)));
    checkMergePlan(
      sorted.map((n) => n.info),
      merged,
    );
    const table = await this.descriptorFor(first);
    const host = await this.locks.runAll(
      sorted.map((n) => n.info.encodedName),
      async () => {
        const { tracker, term, rpc, logger } = this.o;
        for (const n of sorted) {
          if (n.state !== 'OPEN' || n.serverName === undefined || !tracker.isLive(n.serverName) || this.o.states.mergedInto(n.info.encodedName) !== undefined) {
            throw new ConflictError('region is not open; it cannot be merged now', { details: { region: n.info.encodedName, state: n.state } });
          }
        }
        await this.checkNoReferences(sorted);
        const hosts = new Map(sorted.map((n) => [n.info.encodedName, n.serverName!]));
        const closed: RegionNode[] = [];
        let where: ServerRecord | undefined;
        try {
          for (const n of sorted) {
            await this.unassignLocked(n);
            closed.push(n);
          }
          where = tracker.get(hosts.get(first.encodedName)!) ?? this.leastLoaded(new Set());
          if (where === undefined) throw new UnavailableError('no region server is available to merge the regions');
          term.assertActive();
          await rpc.client(where.rpcAddress).call('MERGE_REGIONS', { regions: sorted.map((n) => n.info), merged, table }, { timeoutMs: this.o.regionRpcTimeoutMs });
        } catch (e) {
          if (errorCode(e) !== ErrorCodes.NOT_LEADER) await this.rollBackFailedMerge(closed, hosts);
          throw e;
        }
        // The commit: the merged region's row names its parents.
        const mn = this.o.states.getOrCreate(merged);
        mn.state = 'OFFLINE';
        mn.serverName = where.serverName;
        mn.rpcAddress = where.rpcAddress;
        this.o.states.setMergeParents(
          mn,
          sorted.map((n) => n.info),
        );
        await this.persist(mn);
        for (const n of sorted) await this.setState(n, 'MERGED');
        this.stats.merges++;
        logger.info({ regions: sorted.map((n) => n.info.encodedName), merged: merged.encodedName, server: where.serverName }, 'regions merged');
        return where.serverName;
      },
    );
    await this.assign(merged, { target: host });
    return merged;
  }

  /**
   * Rolls committed merges forward: every parent a merged region names is recorded MERGED
   * (a master that stopped between the merged row and the parents' rows, or a META write that
   * failed there), after writing the merged row again. Run by reconcile before it assigns
   * anything, and by the re-assign chore.
   */
  async finishMerges(): Promise<void> {
    for (const m of this.o.states.mergedRegions()) {
      const parents = m.mergeParents ?? [];
      if (parents.every((p) => (this.o.states.get(p.encodedName)?.state ?? 'MERGED') === 'MERGED')) continue;
      // The merged row first: a merge whose commit write failed (META unreachable) is known
      // only in memory until it lands, and a parent recorded MERGED without it would be lost.
      await this.locks.run(m.info.encodedName, () => (this.o.states.get(m.info.encodedName) === m ? this.persist(m) : Promise.resolve()));
      for (const p of parents) {
        const pn = this.o.states.get(p.encodedName);
        if (pn === undefined || pn.state === 'MERGED') continue;
        await this.locks.run(p.encodedName, async () => {
          if (pn.state === 'MERGED' || this.o.states.get(p.encodedName) !== pn) return;
          this.o.logger.warn({ region: p.encodedName, merged: m.info.encodedName }, 'recording a merge parent as MERGED (the merge was committed)');
          await this.setState(pn, 'MERGED');
        });
      }
    }
  }

  /** Throws InvalidError if a region among `nodes` still holds references (asked of its server). */
  private async checkNoReferences(nodes: readonly RegionNode[]): Promise<void> {
    const byServer = new Map<string, RegionNode[]>();
    for (const n of nodes) byServer.set(n.serverName!, [...(byServer.get(n.serverName!) ?? []), n]);
    for (const [server, ns] of byServer) {
      const rec = this.o.tracker.get(server);
      if (rec === undefined) continue;
      const info = await this.o.rpc.client(rec.rpcAddress).call('SERVER_INFO', {}, { timeoutMs: this.o.metaRpcTimeoutMs });
      for (const n of ns) {
        const h = info.regions.find((r) => r.info.encodedName === n.info.encodedName);
        if (h !== undefined && (h.references ?? 0) > 0) {
          throw new InvalidError('region still holds references from an earlier split or merge; major_compact it, then merge', {
            details: { region: n.info.encodedName, references: h.references },
          });
        }
      }
    }
  }

  /** After a merge failed before its commit: re-open the parents it closed, where they were. Under their locks. */
  private async rollBackFailedMerge(closed: readonly RegionNode[], hosts: ReadonlyMap<string, string>): Promise<void> {
    for (const n of closed) {
      try {
        this.o.logger.warn({ region: n.info.encodedName }, 'merge failed after closing its regions; re-opening them');
        const host = hosts.get(n.info.encodedName);
        await this.assignLocked(n, host !== undefined ? { target: host } : {});
      } catch (e) {
        if (errorCode(e) === ErrorCodes.NOT_LEADER) throw e;
        this.o.logger.error({ err: e, region: n.info.encodedName }, 'could not re-open a region of a failed merge (the re-assign chore retries)');
      }
    }
  }

  /** The node of a known region; NotFoundError otherwise. */
  requireNode(encodedName: string): RegionNode {
    const node = this.o.states.get(encodedName);
    if (node === undefined) throw new NotFoundError('unknown region', { details: { region: encodedName } });
    return node;
  }

  /** The assignable server with the fewest regions, not in `exclude` (undefined if none). */
  leastLoaded(exclude: ReadonlySet<string>): ServerRecord | undefined {
    const counts = this.o.states.countsByServer();
    let best: ServerRecord | undefined;
    for (const s of this.o.tracker.assignable()) {
      if (exclude.has(s.serverName)) continue;
      if (best === undefined) {
        best = s;
        continue;
      }
      const c = counts.get(s.serverName) ?? 0;
      const cb = counts.get(best.serverName) ?? 0;
      if (c < cb || (c === cb && s.serverName < best.serverName)) best = s;
    }
    return best;
  }

  /** Under the region's lock: see assign(). */
  async assignLocked(node: RegionNode, opts: AssignOptions = {}): Promise<void> {
    const { term, tracker, logger } = this.o;
    term.assertActive();
    if (node.state === 'OPEN' && node.serverName !== undefined && tracker.isLive(node.serverName) && (opts.target === undefined || opts.target === node.serverName)) return;
    if (node.state === 'SPLIT') throw new ConflictError('region is a split parent; it cannot be opened', { details: { region: node.info.encodedName } });
    if (node.state === 'MERGED' || this.o.states.mergedInto(node.info.encodedName) !== undefined) {
      throw new ConflictError('region was merged into another; it cannot be opened', { details: { region: node.info.encodedName } });
    }
    if (node.state === 'OPEN' && node.serverName !== undefined && tracker.isLive(node.serverName)) {
      await this.unassignLocked(node); // open elsewhere than the target: close first
    }
    if ((node.state === 'OPENING' || node.state === 'CLOSING' || node.state === 'FAILED_OPEN') && node.serverName !== undefined && node.serverName !== opts.target) {
      // A transition left half-done (or an open of unknown outcome) on a live server: make
      // sure the region is not open there before opening it anywhere else.
      const old = tracker.get(node.serverName);
      if (old !== undefined && !(await this.closeAfterFailedOpen(node, old))) {
        throw new UnavailableError('region is in transition on a server that does not answer; retry later', { details: { region: node.info.encodedName, server: old.serverName } });
      }
    }
    await this.guardWal(node);
    const table = await this.descriptorFor(node.info);
    const exclude = new Set(opts.exclude ?? []);
    let lastError: unknown;
    for (let attempt = 0; attempt < this.o.maxAssignAttempts; attempt++) {
      const server = await this.pickServer(node, attempt === 0 ? opts.target : undefined, exclude);
      await this.persist(node);
      try {
        term.assertActive();
        await this.o.rpc.client(server.rpcAddress).call('OPEN_REGION', { info: node.info, table }, { timeoutMs: this.o.regionRpcTimeoutMs });
      } catch (e) {
        if (errorCode(e) === ErrorCodes.NOT_LEADER) throw e;
        lastError = e;
        this.stats.failedOpens++;
        exclude.add(server.serverName);
        logger.warn({ err: e, region: node.info.encodedName, server: server.serverName, attempt }, 'region failed to open');
        if (isIndefinite(e) && !(await this.closeAfterFailedOpen(node, server))) {
          if (!tracker.isLive(server.serverName)) {
            // It may have opened and taken writes there: crash recovery of that server
            // splits its WAL and then re-assigns the region (it is OPENING on it).
            logger.warn({ region: node.info.encodedName, server: server.serverName }, 'server died while opening a region; crash recovery will re-assign it');
            return;
          }
          break;
        }
        continue;
      }
      term.assertActive();
      node.state = 'OPEN';
      this.o.states.changed();
      await this.persist(node);
      this.stats.assigns++;
      return;
    }
    node.state = 'FAILED_OPEN';
    this.o.states.changed();
    await this.persist(node);
    throw new UnavailableError('region failed to open', { cause: lastError, details: { region: node.info.encodedName, attempts: this.o.maxAssignAttempts } });
  }

  /** Under the region's lock: closes the region (CLOSE_REGION naming `destination` for a move) and records CLOSED. */
  async unassignLocked(node: RegionNode, destination?: ServerRecord): Promise<void> {
    const { tracker } = this.o;
    this.o.term.assertActive();
    if (isRetiredParent(node.state) || node.state === 'CLOSED' || node.state === 'OFFLINE') return;
    const server = node.serverName;
    if (server === undefined || node.state === 'FAILED_OPEN') {
      await this.setState(node, 'CLOSED');
      return;
    }
    const rec = tracker.get(server);
    if (rec === undefined) {
      // Dead host: the region is closed, but its edits are still in that WAL.
      await this.o.recovery.ensureRecovered(server);
      await this.setState(node, 'CLOSED');
      return;
    }
    await this.setState(node, 'CLOSING');
    try {
      await this.o.rpc.client(rec.rpcAddress).call(
        'CLOSE_REGION',
        { region: node.info.encodedName, flush: true, ...(destination !== undefined ? { destination: { serverName: destination.serverName, rpcAddress: destination.rpcAddress } } : {}) },
        { timeoutMs: this.o.regionRpcTimeoutMs },
      );
    } catch (e) {
      if (errorCode(e) === ErrorCodes.NOT_LEADER) throw e;
      if (errorCode(e) !== ErrorCodes.NOT_SERVING_REGION) {
        if (tracker.isLive(server)) {
          await this.setState(node, 'OPEN');
          throw e;
        }
        await this.o.recovery.ensureRecovered(server);
      }
    }
    await this.setState(node, 'CLOSED');
  }

  /** Records `state` (keeping the host) in memory and in META. */
  async setState(node: RegionNode, state: RegionNode['state']): Promise<void> {
    node.state = state;
    this.o.states.changed();
    await this.persist(node);
  }

  /** Writes the node's state to META (the META region: to metaLocation in coordination). */
  async persist(node: RegionNode): Promise<void> {
    this.o.term.assertActive();
    if (isMetaRegion(node.info)) {
      if (node.state === 'OPEN' && node.serverName !== undefined && node.rpcAddress !== undefined) {
        const loc: MetaLocation = { serverName: node.serverName, rpcAddress: node.rpcAddress };
        await this.o.coordination.put(this.o.metaLocationKey, Buffer.from(JSON.stringify(loc)));
      }
      return;
    }
    if (this.catalogRef === undefined) throw new UnavailableError('hbase:meta is not online yet; retry shortly');
    await this.catalogRef.put({
      info: node.info,
      state: node.state,
      ...(node.serverName !== undefined ? { serverName: node.serverName } : {}),
      ...(node.rpcAddress !== undefined ? { rpcAddress: node.rpcAddress } : {}),
      ...(node.serverStartCode !== undefined ? { serverStartCode: node.serverStartCode } : {}),
      ...(node.splitA !== undefined ? { splitA: node.splitA } : {}),
      ...(node.splitB !== undefined ? { splitB: node.splitB } : {}),
      ...(node.mergeParents !== undefined ? { mergeParents: node.mergeParents } : {}),
    });
  }

  /** Waits for the WAL of the region's dead last host to be split, if it may hold edits of it. */
  async guardWal(node: RegionNode): Promise<void> {
    const s = node.serverName;
    if (s !== undefined && mayHaveWalEdits(node.state) && !this.o.tracker.isLive(s)) await this.o.recovery.ensureRecovered(s);
  }

  async descriptorFor(info: RegionInfo): Promise<TableDescriptor> {
    if (isMetaRegion(info)) return META_DESCRIPTOR;
    return (await this.o.tables.requireTable(info.namespace, info.table)).record.descriptor;
  }

  /**
   * A server to open on — `target` if assignable, else the least loaded not excluded — and
   * marks the node OPENING there in the same synchronous step (so concurrent assignments see
   * it in the load counts). Waits (up to the region RPC timeout) for a server to exist.
   */
  private async pickServer(node: RegionNode, target: string | undefined, exclude: ReadonlySet<string>): Promise<ServerRecord> {
    const { term, tracker, clock } = this.o;
    const started = clock.monotonicMs();
    const claim = (s: ServerRecord): ServerRecord => {
      node.state = 'OPENING';
      node.serverName = s.serverName;
      node.rpcAddress = s.rpcAddress;
      node.serverStartCode = s.startCode;
      this.o.states.changed();
      return s;
    };
    for (;;) {
      term.assertActive();
      if (target !== undefined) {
        const t = tracker.get(target);
        if (t !== undefined && t.stopping !== true) return claim(t);
      }
      const s = this.leastLoaded(exclude) ?? this.leastLoaded(new Set());
      if (s !== undefined) return claim(s);
      if (clock.monotonicMs() - started > this.o.regionRpcTimeoutMs) throw new UnavailableError('no region server is available to open regions');
      await term.pause(clock, 100);
    }
  }

  /** After an open of unknown outcome: make sure the region is not open there. True if it is known closed. */
  private async closeAfterFailedOpen(node: RegionNode, server: ServerRecord): Promise<boolean> {
    if (!this.o.tracker.isLive(server.serverName)) return false;
    try {
      await this.o.rpc.client(server.rpcAddress).call('CLOSE_REGION', { region: node.info.encodedName, flush: true }, { timeoutMs: this.o.metaRpcTimeoutMs });
      return true;
    } catch (e) {
      return errorCode(e) === ErrorCodes.NOT_SERVING_REGION;
    }
  }
}

/** True if a failed call may still have taken effect (transport failure or timeout). */
function isIndefinite(e: unknown): boolean {
  const c = errorCode(e);
  return c === undefined || c === ErrorCodes.UNAVAILABLE || c === ErrorCodes.TIMEOUT;
}
