// The master's in-memory view of every region: its state (the region state machine of
// docs/rfcs/0005-cluster.md) and its current or last host. hbase:meta is the durable copy;
// this map is rebuilt from META (and from what the servers say they host) when a master
// becomes active. Changes are made only under the region's lock (assignment-manager.ts).

import type { RegionState } from '../common/admin/admin-api.js';
import type { RegionLocationJson } from '../common/admin/admin-api.js';
import type { MetaRow } from '../common/meta/meta-row.js';
import { regionInfoToJson } from '../common/meta/meta-row.js';
import type { RegionInfo } from '../regionserver/region/region-info.js';
import type { Clock } from '../common/clock.js';
import { interruptibleSleep } from './sleep.js';

export interface RegionNode {
  readonly info: RegionInfo;
  state: RegionState;
  /** The server hosting the region (OPEN), opening or closing it, or — otherwise — its last host. */
  serverName?: string;
  rpcAddress?: string;
  serverStartCode?: number;
  splitA?: RegionInfo;
  splitB?: RegionInfo;
  /** A merged region's parents (row order) until the catalog janitor removed them. Set only through RegionStates.setMergeParents. */
  mergeParents?: readonly RegionInfo[];
}

/** States in which the region may have unflushed edits in its (last) server's WAL. */
export function mayHaveWalEdits(state: RegionState): boolean {
  return state === 'OPEN' || state === 'OPENING' || state === 'CLOSING' || state === 'FAILED_OPEN';
}

/** In transition: an operation is (or should be) moving it toward OPEN or CLOSED. */
export function inTransition(state: RegionState): boolean {
  return state === 'OPENING' || state === 'CLOSING' || state === 'FAILED_OPEN';
}

export function tableKey(namespace: string, table: string): string {
  return `${namespace}:${table}`;
}

export class RegionStates {
  private readonly nodes = new Map<string, RegionNode>();
  private readonly waiters = new Set<() => void>();
  /** Parent (encoded name) → the merged region whose mergeParents name it. */
  private readonly mergeIndex = new Map<string, string>();

  get(encodedName: string): RegionNode | undefined {
    return this.nodes.get(encodedName);
  }

  /** The node for `info`, created OFFLINE if unknown. */
  getOrCreate(info: RegionInfo): RegionNode {
    let n = this.nodes.get(info.encodedName);
    if (n === undefined) {
      n = { info, state: 'OFFLINE' };
      this.nodes.set(info.encodedName, n);
    }
    return n;
  }

  /** Loads (or replaces) a node from a META row. */
  loadRow(row: MetaRow): RegionNode {
    const n: RegionNode = { info: row.info, state: row.state };
    if (row.serverName !== undefined) n.serverName = row.serverName;
    if (row.rpcAddress !== undefined) n.rpcAddress = row.rpcAddress;
    if (row.serverStartCode !== undefined) n.serverStartCode = row.serverStartCode;
    if (row.splitA !== undefined) n.splitA = row.splitA;
    if (row.splitB !== undefined) n.splitB = row.splitB;
    const old = this.nodes.get(row.info.encodedName);
    if (old !== undefined) this.setMergeParents(old, undefined);
    this.nodes.set(row.info.encodedName, n);
    if (row.mergeParents !== undefined) this.setMergeParents(n, row.mergeParents);
    this.changed();
    return n;
  }

  delete(encodedName: string): void {
    const n = this.nodes.get(encodedName);
    if (n !== undefined) this.setMergeParents(n, undefined);
    this.nodes.delete(encodedName);
    this.changed();
  }

  /** Sets (or, with undefined, clears) a merged region's parents, keeping the index of mergedInto() in step. */
  setMergeParents(n: RegionNode, parents: readonly RegionInfo[] | undefined): void {
    for (const p of n.mergeParents ?? []) if (this.mergeIndex.get(p.encodedName) === n.info.encodedName) this.mergeIndex.delete(p.encodedName);
    if (parents === undefined || parents.length === 0) delete n.mergeParents;
    else {
      n.mergeParents = parents;
      for (const p of parents) this.mergeIndex.set(p.encodedName, n.info.encodedName);
    }
  }

  /**
   * The merged region a committed merge made of `encodedName` (its META row names it as a
   * parent), until the catalog janitor removed the parent. Such a region is never opened again.
   */
  mergedInto(encodedName: string): RegionNode | undefined {
    const m = this.mergeIndex.get(encodedName);
    return m === undefined ? undefined : this.nodes.get(m);
  }

  /** Merged regions whose parents are not all removed yet. */
  mergedRegions(): RegionNode[] {
    return [...this.nodes.values()].filter((n) => n.mergeParents !== undefined);
  }

  all(): RegionNode[] {
    return [...this.nodes.values()];
  }

  /** The table's regions sorted by start key (split and merge parents included). */
  ofTable(namespace: string, table: string): RegionNode[] {
    return [...this.nodes.values()]
      .filter((n) => n.info.namespace === namespace && n.info.table === table)
      .sort((a, b) => Buffer.compare(a.info.startKey, b.info.startKey) || a.info.regionId - b.info.regionId);
  }

  /** Regions open, opening or closing on `serverName`. */
  onServer(serverName: string): RegionNode[] {
    return [...this.nodes.values()].filter((n) => n.serverName === serverName && (n.state === 'OPEN' || n.state === 'OPENING' || n.state === 'CLOSING'));
  }

  /** Regions counted against each server (OPEN or OPENING). */
  countsByServer(): Map<string, number> {
    const m = new Map<string, number>();
    for (const n of this.nodes.values()) {
      if ((n.state === 'OPEN' || n.state === 'OPENING') && n.serverName !== undefined) m.set(n.serverName, (m.get(n.serverName) ?? 0) + 1);
    }
    return m;
  }

  /** Call after mutating a node in place: wakes waitFor() callers. */
  changed(): void {
    for (const w of [...this.waiters]) w();
  }

  /** Resolves once `predicate()` holds (checked now and after every change), or rejects with `onTimeout()` after `timeoutMs` of `clock`. */
  async waitFor(predicate: () => boolean, timeoutMs: number, clock: Clock, onTimeout: () => Error): Promise<void> {
    const deadline = clock.monotonicMs() + timeoutMs;
    while (!predicate()) {
      if (clock.monotonicMs() >= deadline) throw onTimeout();
      let wake!: () => void;
      const changed = new Promise<void>((r) => (wake = r));
      this.waiters.add(wake);
      try {
        await interruptibleSleep(clock, deadline - clock.monotonicMs(), predicate, changed);
      } finally {
        this.waiters.delete(wake);
      }
    }
  }
}

export function locationJson(n: RegionNode): RegionLocationJson {
  const open = n.state === 'OPEN' || n.state === 'OPENING' || n.state === 'CLOSING';
  return {
    region: regionInfoToJson(n.info),
    state: n.state,
    ...(open && n.serverName !== undefined ? { serverName: n.serverName } : {}),
    ...(open && n.rpcAddress !== undefined ? { rpcAddress: n.rpcAddress } : {}),
  };
}
