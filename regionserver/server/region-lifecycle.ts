// Opening, closing, splitting, flushing and compacting the regions of one server, on the
// master's instructions (HBase's AssignRegionHandler / UnassignRegionHandler / SplitRequest).
//
// Invariants:
//  1. A region is in OnlineRegions while OPENING, OPEN or CLOSING; at most one open or close of
//     a region runs at a time (a second OPEN_REGION or CLOSE_REGION joins the running one).
//  2. Nothing acknowledged is lost by a close: a close flushes (a `flush: false` close is
//     honoured only when the region has no unflushed edits). If the flush of a close fails
//     after the region stopped serving, its edits are only in this server's WAL: the server
//     must abort so that the master splits the WAL (onCloseFailed).
//  3. Before the region stops serving, a close flushes once while it still serves (the
//     "pre-flush"), so the region is unavailable only for the flush of what arrived since. A
//     failing pre-flush fails the close and leaves the region OPEN: the master may retry.
//  4. Scanners of a closing region are closed before its stores are (scanner-leases.ts).
//
// One event loop; every method may run concurrently with the others and with data calls.

import type { Logger } from 'pino';
import type { Clock } from '../../common/clock.js';
import { ConflictError, FencedError, InternalError, InvalidError, NotServingRegionError, UnavailableError } from '../../common/errors.js';
import type { ObjectStore } from '../../common/objectstore/object-store.js';
import type { Random } from '../../common/random.js';
import type { TableDescriptor } from '../../common/meta/table-descriptor.js';
import type { CompactionScheduler } from '../compaction/compaction-scheduler.js';
import type { BlockCacheLike } from '../hfile/block-cache-like.js';
import type { MemStoreManager } from '../region/flush-policy.js';
import type { Region, RegionWal } from '../region/region.js';
import type { RegionConfig } from '../region/region-config.js';
import type { RegionInfo } from '../region/region-info.js';
import { regionInfo } from '../region/region-info.js';
import { openRegion } from '../region/region-open.js';
import type { SplitResult } from '../split/split-region.js';
import { mergeRegions } from '../split/merge-regions.js';
import { splitRegion } from '../split/split-region.js';
import type { SequenceAccounting } from '../wal/sequence-accounting.js';
import type { MovedTo } from './moved-regions.js';
import type { NonceManager } from './nonce-manager.js';
import type { OnlineRegions } from './online-regions.js';
import type { HostedState } from './online-regions.js';
import { HostedEntry } from './online-regions.js';
import type { ScannerLeases } from './scanner-leases.js';
import type { FlushRunner } from '../region/flush-runner.js';

export interface LifecycleDeps {
  readonly objectStore: ObjectStore;
  /** This server's name: the manifests' writer. */
  readonly serverName: string;
  readonly wal: RegionWal;
  readonly accounting: SequenceAccounting;
  readonly clock: Clock;
  readonly random: Random;
  readonly cache: BlockCacheLike;
  /** Where flushes encode. */
  readonly flushRunner: FlushRunner;
  readonly regionConfig: Partial<RegionConfig>;
  readonly flusher: MemStoreManager;
  readonly compactions: CompactionScheduler;
  readonly regions: OnlineRegions;
  readonly scanners: ScannerLeases;
  /** Learns the nonces of the WAL edits a region replays when it opens here. */
  readonly nonces: NonceManager;
  readonly logger: Logger;
  /** A region stopped serving with edits that are only in the WAL: the server must abort. */
  readonly onCloseFailed: (region: string, err: unknown) => void;
}

/** Attempts of the pre-flush before a close gives up (the region stays open). */
const PRE_FLUSH_ATTEMPTS = 3;
const PRE_FLUSH_RETRY_MS = 500;

export class RegionLifecycle {
  private accepting = true;
  private aborted: unknown;

  constructor(private readonly deps: LifecycleDeps) {}

  /** Refuses new opens from now on (server stopping). */
  stopAcceptingOpens(): void {
    this.accepting = false;
  }

  /**
   * Opens `info` (of `table`) here and resolves once it serves. Idempotent: resolves at once
   * if it is open, joins a running open, waits for a running close and then opens again.
   * Throws InvalidError for an info that does not match its encoded name or table,
   * UnavailableError if the server is stopping, and openRegion's errors (FencedError: a newer
   * owner holds a store; UnavailableError: retry; CorruptionError).
   */
  async open(info: RegionInfo, table: TableDescriptor, epoch?: number): Promise<void> {
    const checked = checkInfo(info, table);
    const name = checked.encodedName;
    for (;;) {
      const e = this.deps.regions.get(name);
      if (e === undefined) break;
      if (e.state === 'OPEN' && e.region!.isOpen) return;
      if (e.state === 'OPEN') {
        this.deps.regions.remove(name, e); // aborted: open it afresh
        break;
      }
      if (e.transition === undefined) {
        // OPENING/CLOSING always run inside a transition; never spin on a stale entry.
        throw new InternalError('region is hosted in an intermediate state without a running transition', { details: { region: name, state: e.state } });
      }
      await e.transition.catch(() => {});
      // The open may have finished meanwhile (state is re-read after the await).
      if ((e.state as HostedState) === 'OPEN' && this.deps.regions.get(name) === e) return;
    }
    if (!this.accepting || this.aborted !== undefined) {
      throw new UnavailableError('region server is stopping; open the region elsewhere', { details: { region: name, server: this.deps.serverName } });
    }
    const entry = new HostedEntry(checked, table);
    this.deps.regions.add(entry);
    const opening = this.doOpen(entry, epoch);
    entry.transition = opening;
    try {
      await opening;
    } finally {
      entry.transition = undefined;
    }
  }

  private async doOpen(entry: HostedEntry, epoch: number | undefined): Promise<void> {
    const d = this.deps;
    const started = d.clock.monotonicMs();
    let region: Region;
    try {
      region = await openRegion({
        objectStore: d.objectStore,
        info: entry.info,
        families: entry.table.families,
        server: d.serverName,
        ...(epoch !== undefined ? { epoch } : {}),
        wal: d.wal,
        accounting: d.accounting,
        clock: d.clock,
        random: d.random,
        cache: d.cache,
        flushRunner: d.flushRunner,
        config: { ...d.regionConfig, ...(entry.table.memStoreFlushSize !== undefined ? { flushSizeBytes: entry.table.memStoreFlushSize } : {}) },
        flusher: d.flusher,
        compactor: d.compactions,
        onBackgroundError: (err) => this.backgroundError(entry, err),
        onReplayedNonce: (n, writeTimeMs) => d.nonces.reportFromWal(n, writeTimeMs),
        onUnfinishedSplit: (u) => d.logger.warn({ region: entry.name, ...u }, 'rolled back a split or merge of this region that did not finish'),
        onReplay: (r) => {
          if (r.objects > 0) d.logger.info({ region: entry.name, ...r, maxSeqId: r.maxSeqId.toString() }, 'replayed recovered edits');
        },
      });
    } catch (e) {
      d.regions.remove(entry.name, entry);
      d.logger.warn({ region: entry.name, err: e }, 'region open failed');
      throw e;
    }
    if (this.aborted !== undefined) {
      region.abort(this.aborted);
      d.regions.remove(entry.name, entry);
      throw new UnavailableError('region server aborted while the region opened', { details: { region: entry.name } });
    }
    entry.region = region;
    entry.state = 'OPEN';
    d.logger.info({ region: entry.name, table: `${entry.info.namespace}:${entry.info.table}`, ms: Math.round(d.clock.monotonicMs() - started) }, 'region open');
    // Files left over from before (many flushes, a split's references) may want compacting.
    d.compactions.requestCompaction(region, 'opened');
  }

  /**
   * Closes region `name` (flushing it; see invariants 2 and 3). With `destination`, requests
   * for it get TSB_REGION_MOVED naming the destination for a while. Idempotent: a region not
   * hosted here is already closed. Throws the pre-flush's error (the region stays open) or the
   * final flush's error (the region is closed; onCloseFailed was told).
   */
  async close(name: string, opts: { readonly flush: boolean; readonly destination?: MovedTo }): Promise<void> {
    for (;;) {
      const e = this.deps.regions.get(name);
      if (e === undefined) return;
      if (e.transition !== undefined) {
        // An open (wait, then close it) or a close/split (join it).
        const closing = e.state !== 'OPENING';
        await e.transition.catch(() => {});
        if (closing) return;
        continue;
      }
      const p = this.doClose(e, opts);
      e.transition = p;
      try {
        await p;
      } finally {
        e.transition = undefined;
      }
      return;
    }
  }

  private async doClose(e: HostedEntry, opts: { readonly flush: boolean; readonly destination?: MovedTo }): Promise<void> {
    const d = this.deps;
    const region = e.region!;
    if (!region.isOpen) {
      // It aborted: its edits may be only in the WAL, so it is not cleanly closed — the master
      // must not reopen it before this server's WAL is split (the server is fencing itself).
      d.regions.remove(e.name, e);
      this.regionAborted(e, region.abortReason);
      throw new FencedError('region aborted on this server; it can reopen only after this server’s wal is split', { details: { region: e.name }, cause: region.abortReason });
    }
    if (opts.flush || hasUnflushed(region)) await this.preFlush(region);
    e.state = 'CLOSING';
    await d.scanners.closeRegion(e.name);
    try {
      // Flush even when told not to if edits arrived after the pre-flush (invariant 2).
      await region.close({ flush: opts.flush || hasUnflushed(region) });
    } catch (err) {
      d.regions.remove(e.name, e);
      if (hasUnflushed(region)) d.onCloseFailed(e.name, err);
      throw err;
    }
    if (opts.destination !== undefined) d.regions.moved.add(e.name, opts.destination);
    d.regions.remove(e.name, e);
    d.logger.info({ region: e.name, destination: opts.destination?.serverName }, 'region closed');
  }

  /** Flushes while the region still serves; retries transient failures a few times. */
  private async preFlush(region: Region): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await region.flush();
        return;
      } catch (err) {
        if (!(err instanceof UnavailableError) || attempt >= PRE_FLUSH_ATTEMPTS || !region.isOpen) throw err;
        this.deps.logger.warn({ region: region.name, attempt, err }, 'flush before close failed; retrying');
        await this.deps.clock.sleep(PRE_FLUSH_RETRY_MS * attempt);
      }
    }
  }

  /**
   * Splits region `name` (splitRegion: the parent is flushed and closed, the daughters'
   * manifests are written; the daughters are NOT opened — the master opens them). Throws
   * NotServingRegionError if the region is not open here; InvalidError if it cannot be split
   * (it stays open); after the parent closed, the object store's / manifests' errors (the
   * parent stays closed; the master re-runs or rolls back the split).
   */
  async split(name: string, splitRow: Buffer | undefined): Promise<SplitResult> {
    const d = this.deps;
    const e = d.regions.serving(name);
    if (e.transition !== undefined) throw new NotServingRegionError('region is in transition; retry shortly', { details: { region: name } });
    const region = e.region!;
    let resolve!: () => void;
    e.transition = new Promise<void>((r) => (resolve = r));
    try {
      // The split point comes from the files: flush first, while the region still serves.
      if (hasUnflushed(region)) await this.preFlush(region);
      e.state = 'CLOSING';
      await d.scanners.closeRegion(name);
      let result: SplitResult;
      try {
        result = await splitRegion(region, { objectStore: d.objectStore, server: d.serverName, clock: d.clock, ...(splitRow !== undefined ? { splitRow } : {}) });
      } catch (err) {
        if (region.isOpen) {
          e.state = 'OPEN'; // refused before anything changed
        } else {
          d.regions.remove(name, e);
          if (hasUnflushed(region)) d.onCloseFailed(name, err);
        }
        throw err;
      }
      d.regions.remove(name, e);
      d.logger.info({ region: name, splitRow: result.splitRow.toString('hex'), daughters: result.daughters.map((x) => x.encodedName) }, 'region split');
      return result;
    } finally {
      e.transition = undefined;
      resolve();
    }
  }

  /**
   * Merges the closed regions `parents` (adjacent, in row order) of `table` into `merged`
   * (mergeRegions: the merged region's manifests refer to the parents' files; it is NOT
   * opened — the master opens it). Throws ConflictError if one of them is hosted here,
   * InvalidError for a bad plan or a parent that cannot be merged (references left, edits not
   * in its files), and the object store's / manifests' errors (the master rolls the merge back
   * by re-opening the parents).
   */
  async merge(parents: readonly RegionInfo[], merged: RegionInfo, table: TableDescriptor): Promise<void> {
    const d = this.deps;
    const checked = [...parents, merged].map((r) => checkInfo(r, table));
    for (const r of checked) {
      if (d.regions.get(r.encodedName) !== undefined) throw new ConflictError('region is hosted here; the master closes regions before merging them', { details: { region: r.encodedName } });
    }
    await mergeRegions(checked.slice(0, -1), checked[checked.length - 1]!, table.families.map((f) => f.name), { objectStore: d.objectStore, server: d.serverName, clock: d.clock });
    d.logger.info({ regions: parents.map((p) => p.encodedName), merged: merged.encodedName }, 'regions merged');
  }

  /** Flushes region `name` now. Throws NotServingRegionError if it is not open here, and Region.flush's errors. */
  async flush(name: string): Promise<void> {
    const e = this.deps.regions.serving(name);
    try {
      await e.region!.flush();
    } catch (err) {
      this.deps.regions.checkAborted(e);
      throw err;
    }
  }

  /** Queues a compaction of region `name` (all files when `major`). Throws NotServingRegionError if it is not open here. */
  compact(name: string, major: boolean): void {
    const region = this.deps.regions.serving(name).region!;
    if (major) this.deps.compactions.requestMajor(region);
    else this.deps.compactions.requestCompaction(region, 'requested');
  }

  /**
   * Closes every hosted region with a flush (server stop), a few at a time, each once: a close
   * that fails (a pre-flush that keeps failing leaves its region open) is not retried — its
   * edits are in the WAL, which the master splits once the server is gone. Resolves with the
   * regions whose close failed (onCloseFailed was told about those that lost edits).
   */
  async closeAll(concurrency = 4, attempted = new Set<string>()): Promise<string[]> {
    const failed: string[] = [];
    const names = this.deps.regions
      .entries()
      .map((e) => e.name)
      .filter((n) => !attempted.has(n));
    for (const n of names) attempted.add(n);
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < names.length) {
        const name = names[next++]!;
        try {
          await this.close(name, { flush: true });
        } catch (err) {
          failed.push(name);
          this.deps.logger.error({ region: name, err }, 'region close failed during stop');
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, names.length) }, worker));
    // Regions opened meanwhile (the master should not, the server is stopping): close them too.
    if (names.length > 0 && this.deps.regions.entries().some((e) => !attempted.has(e.name))) failed.push(...(await this.closeAll(concurrency, attempted)));
    return failed;
  }

  /**
   * Stops every region at once without flushing (self-fencing: this server may no longer own
   * them). Their unflushed edits are in the WAL the master splits. Opens finishing later are
   * aborted too.
   */
  abortAll(cause: unknown): void {
    this.aborted = cause;
    this.accepting = false;
    for (const e of this.deps.regions.entries()) {
      e.region?.abort(cause);
      if (e.region !== undefined) this.deps.regions.remove(e.name, e);
    }
    void this.deps.scanners.closeAll();
  }

  private backgroundError(entry: HostedEntry, err: unknown): void {
    const region = entry.region;
    if (region !== undefined && !region.isOpen && entry.state === 'OPEN') {
      this.deps.regions.remove(entry.name, entry);
      this.regionAborted(entry, err);
      return;
    }
    this.deps.logger.warn({ region: entry.name, err }, 'background flush failed');
  }

  /**
   * `entry`'s region aborted itself (its WAL or a manifest was fenced, or a manifest write had
   * an unknown outcome) and is no longer hosted. Its unflushed edits are only in this server's
   * WAL, which only the master's split can hand to the next host: the server must abort
   * (HBase aborts the region server when a flush is dropped).
   */
  regionAborted(entry: HostedEntry, cause: unknown): void {
    void this.deps.scanners.closeRegion(entry.name);
    this.deps.logger.error({ region: entry.name, err: cause }, 'region aborted');
    const region = entry.region;
    if (region !== undefined && hasUnflushed(region)) this.deps.onCloseFailed(entry.name, cause);
  }
}

function hasUnflushed(region: Region): boolean {
  return region.storesList.some((s) => s.hasUnflushed());
}

/** `info` rebuilt (so its encoded name is the one its fields give) and checked against `table`. */
function checkInfo(info: RegionInfo, table: TableDescriptor): RegionInfo {
  const rebuilt = regionInfo(info.namespace, info.table, info.startKey, info.endKey, info.regionId);
  if (rebuilt.encodedName !== info.encodedName) {
    throw new InvalidError('region info does not match its encoded name', { details: { region: info.encodedName, computed: rebuilt.encodedName } });
  }
  if (table.namespace !== info.namespace || table.name !== info.table) {
    throw new InvalidError('region belongs to another table than the descriptor given', {
      details: { region: info.encodedName, regionTable: `${info.namespace}:${info.table}`, table: `${table.namespace}:${table.name}` },
    });
  }
  if (table.families.length === 0) throw new InvalidError('table descriptor has no column family', { details: { table: `${table.namespace}:${table.name}` } });
  return rebuilt;
}
