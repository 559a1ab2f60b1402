// The regions this server hosts, by encoded name, with their hosting state (HBase's
// onlineRegions + regionsInTransitionInRS):
//
//   OPENING  an OPEN_REGION is running: data calls get TSB_REGION_OPENING (retry here shortly)
//   OPEN     serving
//   CLOSING  a close or split is running: data calls get TSB_NOT_SERVING_REGION
//
// A region not hosted gets TSB_REGION_MOVED if it was closed for a move recently
// (moved-regions.ts), TSB_NOT_SERVING_REGION otherwise. A region that aborted itself (its WAL
// or a manifest was fenced) is dropped on the next lookup and answered TSB_NOT_SERVING_REGION.
//
// One event loop; every method is synchronous. Listeners run synchronously after each change.

import { ErrorCodes, NotServingRegionError } from '../../common/errors.js';
import type { HostedRegion } from '../../common/rpc/rpc-messages.js';
import type { TableDescriptor } from '../../common/meta/table-descriptor.js';
import type { Region } from '../region/region.js';
import type { RegionInfo } from '../region/region-info.js';
import type { MovedRegions } from './moved-regions.js';

export type HostedState = 'OPENING' | 'OPEN' | 'CLOSING';

/** One hosted region. Mutable by the lifecycle (region-lifecycle.ts) only. */
export class HostedEntry {
  state: HostedState = 'OPENING';
  /** Set once the open finished. */
  region: Region | undefined;
  /** The running open (OPENING) or close/split (CLOSING). */
  transition: Promise<unknown> | undefined;
  readRequests = 0;
  writeRequests = 0;

  constructor(
    readonly info: RegionInfo,
    readonly table: TableDescriptor,
  ) {}

  get name(): string {
    return this.info.encodedName;
  }

  /** The entry as SERVER_INFO and /status report it. */
  describe(): HostedRegion {
    let storeFiles = 0;
    let storeFileBytes = 0;
    let references = 0;
    const r = this.region;
    if (r !== undefined) {
      for (const s of r.storesList) {
        references += s.files.filter((f) => f.reference !== undefined).length;
        for (const f of s.files) {
          storeFiles++;
          storeFileBytes += f.entry.size;
        }
      }
    }
    return {
      info: this.info,
      state: this.state,
      memStoreBytes: r?.memStoreHeapSize ?? 0,
      storeFiles,
      storeFileBytes,
      references,
      readRequests: this.readRequests,
      writeRequests: this.writeRequests,
    };
  }
}

export class OnlineRegions {
  private readonly map = new Map<string, HostedEntry>();
  private readonly listeners: Array<() => void> = [];
  /** Called when a lookup finds a region that aborted itself (after it was dropped). */
  onAborted: (entry: HostedEntry) => void = () => {};

  constructor(readonly moved: MovedRegions) {}

  get(name: string): HostedEntry | undefined {
    return this.map.get(name);
  }

  /**
   * The OPEN entry named `name`, for a data call; its `region` is set. Throws
   * NotServingRegionError: TSB_REGION_OPENING while it opens, TSB_REGION_MOVED if it recently
   * moved away, TSB_NOT_SERVING_REGION otherwise (not hosted, closing, aborted).
   */
  serving(name: string): HostedEntry {
    const e = this.map.get(name);
    if (e !== undefined && e.state === 'OPEN' && e.region!.isOpen) return e;
    throw this.notServing(name, e);
  }

  private notServing(name: string, e: HostedEntry | undefined): NotServingRegionError {
    if (e === undefined) {
      return this.moved.movedError(name) ?? new NotServingRegionError('region is not online on this server; look it up again', { details: { region: name } });
    }
    if (e.state === 'OPENING') {
      return new NotServingRegionError('region is opening on this server; retry shortly', { code: ErrorCodes.REGION_OPENING, details: { region: name } });
    }
    if (e.state === 'OPEN') {
      // The region aborted itself (fenced WAL or manifest): it is no longer hosted here.
      const cause = e.region!.abortReason;
      this.remove(name, e);
      this.onAborted(e);
      return new NotServingRegionError('region aborted after a failure; look it up again', { details: { region: name }, cause });
    }
    return this.moved.movedError(name) ?? new NotServingRegionError('region is closing on this server; look it up again', { details: { region: name } });
  }

  /**
   * After an operation on `entry` failed: if its region aborted itself, drop it now and tell
   * onAborted (instead of waiting for the next lookup).
   */
  checkAborted(entry: HostedEntry): void {
    if (entry.state === 'OPEN' && entry.region !== undefined && !entry.region.isOpen && this.map.get(entry.name) === entry) {
      this.remove(entry.name, entry);
      this.onAborted(entry);
    }
  }

  /** Adds a new entry (state OPENING). REQUIRES: no entry named so. */
  add(entry: HostedEntry): void {
    this.map.set(entry.name, entry);
    this.moved.remove(entry.name);
    this.changed();
  }

  /** Removes `name` if it is still `entry`. */
  remove(name: string, entry: HostedEntry): void {
    if (this.map.get(name) !== entry) return;
    this.map.delete(name);
    this.changed();
  }

  /** Every hosted entry. */
  entries(): HostedEntry[] {
    return [...this.map.values()];
  }

  get size(): number {
    return this.map.size;
  }

  /** Calls `fn` after every add/remove. */
  onChange(fn: () => void): void {
    this.listeners.push(fn);
  }

  private changed(): void {
    for (const l of this.listeners) l();
  }
}
