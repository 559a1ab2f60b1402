// Size-triggered splits (HBase's ConstantSizeRegionSplitPolicy + CompactSplit.requestSplit):
// a region one of whose stores holds more than the table's MAX_FILESIZE (TableDescriptor
// .maxFileSize, else the server's splitSizeBytes, default 10 GiB) is split. The master owns
// META, so the server does not split on its own: it ASKS the master (requestSplit: by default
// POST /api/v1/regions/<region>/split to the active master found in coordination), which runs
// its normal split procedure (SPLIT_REGION back to this server, META, daughters opened).
//
// Checked after each compaction and every splitCheckIntervalMs (which covers flushes).
// Never asked: hbase:meta; a region holding references from an earlier split (it cannot split
// until compactions rewrote them); a region whose largest file has no row to split at
// (chooseSplitRow undefined: remembered until its files change). At most one request per
// region is outstanding; after a failed one the next waits minBackoffMs doubling up to
// maxBackoffMs; after a successful one the region (if still here: the master may have refused
// quietly) waits maxBackoffMs.
//
// One event loop; check()/checkAll() return at once and run the request in the background.

import type { Logger } from 'pino';
import type { Clock } from '../../common/clock.js';
import type { Region } from '../region/region.js';
import type { RegionInfo } from '../region/region-info.js';
import { chooseSplitRow } from '../split/split-region.js';
import type { HostedEntry, OnlineRegions } from './online-regions.js';

export interface SizeSplitOptions {
  readonly regions: OnlineRegions;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Used when the table sets no maxFileSize. */
  readonly defaultMaxFileSize: number;
  /** Asks the master to split `region`; resolves once it did (or accepted). */
  readonly requestSplit: (region: RegionInfo) => Promise<void>;
  readonly minBackoffMs?: number;
  readonly maxBackoffMs?: number;
}

interface RegionSplitState {
  inFlight: boolean;
  failures: number;
  notBeforeMs: number;
  /** The file set chooseSplitRow found no split row in. */
  unsplittable?: string;
}

/** Size of the region's largest store (sum of its files), or undefined if it holds references. */
export function largestStoreBytes(region: Region): number | undefined {
  let max = 0;
  for (const s of region.storesList) {
    let sum = 0;
    for (const f of s.files) {
      if (f.reference !== undefined) return undefined;
      sum += f.entry.size;
    }
    max = Math.max(max, sum);
  }
  return max;
}

export function isMeta(info: RegionInfo): boolean {
  return info.namespace === 'hbase' && info.table === 'meta';
}

export class SizeSplitTrigger {
  private readonly states = new Map<string, RegionSplitState>();
  private readonly minBackoffMs: number;
  private readonly maxBackoffMs: number;
  private stopped = false;
  /** Split requests sent / failed (metrics and tests). */
  requested = 0;
  failed = 0;

  constructor(private readonly o: SizeSplitOptions) {
    this.minBackoffMs = o.minBackoffMs ?? 1000;
    this.maxBackoffMs = o.maxBackoffMs ?? 300_000;
  }

  stop(): void {
    this.stopped = true;
  }

  /** Checks every hosted region; forgets regions no longer hosted. */
  checkAll(): void {
    for (const name of this.states.keys()) {
      const s = this.states.get(name)!;
      if (!s.inFlight && this.o.regions.get(name) === undefined) this.states.delete(name);
    }
    for (const e of this.o.regions.entries()) this.check(e);
  }

  /** Checks the hosted region named `name` (after a compaction of it). */
  checkRegion(name: string): void {
    const e = this.o.regions.get(name);
    if (e !== undefined) this.check(e);
  }

  /** Asks for a split of `e` if it is over its size and may be split (see the file comment). */
  check(e: HostedEntry): void {
    const region = e.region;
    if (this.stopped || e.state !== 'OPEN' || region === undefined || !region.isOpen || isMeta(e.info)) return;
    const size = largestStoreBytes(region);
    const limit = e.table.maxFileSize ?? this.o.defaultMaxFileSize;
    if (size === undefined || size <= limit) return;
    let st = this.states.get(e.name);
    if (st === undefined) {
      st = { inFlight: false, failures: 0, notBeforeMs: 0 };
      this.states.set(e.name, st);
    }
    const now = this.o.clock.monotonicMs();
    if (st.inFlight || now < st.notBeforeMs) return;
    const files = fileSet(region);
    if (st.unsplittable === files) return;
    st.inFlight = true;
    const state = st;
    void this.request(e, region, size, limit, files, state).finally(() => (state.inFlight = false));
  }

  private async request(e: HostedEntry, region: Region, size: number, limit: number, files: string, st: RegionSplitState): Promise<void> {
    const { logger, clock } = this.o;
    try {
      if ((await chooseSplitRow(region)) === undefined) {
        st.unsplittable = files;
        logger.info({ region: e.name, size, limit }, 'region is over its split size but has no row to split at');
        return;
      }
      if (this.stopped || !region.isOpen) return;
      logger.info({ region: e.name, size, limit }, 'region is over its split size; asking the master to split it');
      this.requested++;
      await this.o.requestSplit(e.info);
      st.failures = 0;
      st.notBeforeMs = clock.monotonicMs() + this.maxBackoffMs;
    } catch (err) {
      this.failed++;
      st.failures++;
      const wait = Math.min(this.maxBackoffMs, this.minBackoffMs * 2 ** (st.failures - 1));
      st.notBeforeMs = clock.monotonicMs() + wait;
      logger.warn({ region: e.name, err, retryInMs: wait }, 'split request failed');
    }
  }
}

function fileSet(region: Region): string {
  return region.storesList.flatMap((s) => s.files.map((f) => f.name)).join(',');
}
