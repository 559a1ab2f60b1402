// MemStoreManager: the server-wide flush policy (HBase's MemStoreFlusher + the WAL's
// "too many logs" roll trigger). Regions report how their MemStores grow and shrink; the
// manager decides which regions to flush and runs the flushes on a few workers:
//
//  - per region: a region whose MemStores reach its flush size asks for a flush itself
//    (Region.requestFlush → requestFlush here);
//  - global lower limit (default 95% of the upper): once the server's MemStores hold more,
//    flush the largest regions until the total (minus what is being flushed) is below it;
//  - global upper limit (default 40% of the V8 heap limit, hbase.regionserver.global.memstore.size):
//    at or above it every region's writes wait (Region.waitForResources asks globalBlocked());
//  - WAL volume: when the WAL holds more than maxWalUnits units not yet deletable, flush the
//    regions whose unflushed edits keep the oldest unit alive (SequenceAccounting), so the WAL
//    can delete it (hbase.regionserver.maxlogs, 32).
//
// Flushes run through Region.flushWhenAllowed, so a store with too many files holds its
// region's flush back (bounded) while compactions catch up.
//
// Only OPEN regions are flushed here: a closing region flushes as part of its close (and its
// flushWhenAllowed returns at once). The triggers are evaluated once per event-loop turn
// (setImmediate), never in the continuation of a finished flush: a flush that settles without
// I/O (nothing to flush, region closing) must not re-trigger itself in a microtask loop, which
// would starve the event loop (the region-server hang of issue 4: a closing region holding the
// oldest WAL unit was requested, returned at once, was requested again, ... forever). A region
// whose requested flush achieved nothing is not picked again by a trigger until it grows.
//
// Thread safety: one event loop; every method is synchronous except the workers.

import { getHeapStatistics } from 'node:v8';
import type { Clock } from '../../common/clock.js';
import { systemClock } from '../../common/clock.js';
import { ErrorCodes, InvalidError } from '../../common/errors.js';
import type { SequenceAccounting } from '../wal/sequence-accounting.js';
import type { FlushRequester, Region } from './region.js';

export interface MemStoreManagerOptions {
  /** Writes wait at or above this many MemStore heap bytes in all regions (default 40% of the V8 heap limit). */
  readonly globalUpperLimitBytes?: number;
  /** Flushing starts above this fraction of the upper limit (default 0.95, hbase.regionserver.global.memstore.size.lower.limit). */
  readonly lowerLimitFraction?: number;
  /** The server WAL's accounting, for the WAL-volume trigger. */
  readonly accounting?: SequenceAccounting;
  /** Units the WAL may hold before the oldest one's regions are flushed (default 32). */
  readonly maxWalUnits?: number;
  /** Flushes running at once (default 2, hbase.hstore.flusher.count). */
  readonly flushConcurrency?: number;
  /** After a region's flush failed, wait this long before flushing it again (default 1 s). */
  readonly retryDelayMs?: number;
  readonly clock?: Clock;
  /** Errors of flushes (a region aborts itself when it is fenced). */
  readonly onError?: (region: Region, err: unknown) => void;
}

export class MemStoreManager implements FlushRequester {
  readonly upperLimit: number;
  readonly lowerLimit: number;
  private readonly accounting: SequenceAccounting | undefined;
  private readonly maxWalUnits: number;
  private readonly concurrency: number;
  private readonly onError: (region: Region, err: unknown) => void;
  private readonly regions = new Set<Region>();
  private readonly queued = new Set<Region>();
  private readonly queue: Region[] = [];
  private readonly running = new Set<Region>();
  private readonly failedAt = new Map<Region, number>();
  private readonly retrying = new Set<Region>();
  /** Open regions whose last worker flush wrote nothing and that hold nothing unflushed; the triggers skip them until they grow. */
  private readonly idle = new Set<Region>();
  private checkScheduled = false;
  private readonly retryDelayMs: number;
  private readonly clock: Clock;
  private total = 0;
  private flushes = 0;

  /** Throws InvalidError (TSB_INVALID_CONFIG) for a bad option. */
  constructor(opts: MemStoreManagerOptions = {}) {
    this.upperLimit = opts.globalUpperLimitBytes ?? Math.floor(getHeapStatistics().heap_size_limit * 0.4);
    const fraction = opts.lowerLimitFraction ?? 0.95;
    this.accounting = opts.accounting;
    this.maxWalUnits = opts.maxWalUnits ?? 32;
    this.concurrency = opts.flushConcurrency ?? 2;
    this.onError = opts.onError ?? (() => {});
    this.retryDelayMs = opts.retryDelayMs ?? 1000;
    this.clock = opts.clock ?? systemClock;
    if (!(this.upperLimit > 0) || !(fraction > 0 && fraction <= 1) || !(this.maxWalUnits >= 1) || !Number.isInteger(this.concurrency) || this.concurrency < 1) {
      throw new InvalidError('invalid memstore manager settings', {
        code: ErrorCodes.INVALID_CONFIG,
        details: { globalUpperLimitBytes: this.upperLimit, lowerLimitFraction: fraction, maxWalUnits: this.maxWalUnits, flushConcurrency: this.concurrency },
      });
    }
    this.lowerLimit = Math.floor(this.upperLimit * fraction);
  }

  /** MemStore heap bytes of every registered region. */
  get totalHeap(): number {
    return this.total;
  }

  /** Flushes completed (successfully or not) by the workers. */
  get flushCount(): number {
    return this.flushes;
  }

  /** Regions waiting for or running a flush. */
  get pending(): number {
    return this.queue.length + this.running.size;
  }

  globalBlocked(): boolean {
    return this.total >= this.upperLimit;
  }

  memStoreChanged(region: Region, delta: number): void {
    if (!this.regions.has(region)) {
      if (!region.isOpen) return;
      this.regions.add(region);
    }
    this.total += delta;
    if (delta > 0) {
      if (this.idle.size > 0) this.idle.delete(region);
      this.scheduleCheck();
    }
  }

  requestFlush(region: Region, reason: string): void {
    if (!region.isOpen || !this.regions.has(region) || this.queued.has(region) || this.running.has(region)) return;
    const failed = this.failedAt.get(region);
    if (failed !== undefined && this.clock.monotonicMs() - failed < this.retryDelayMs) {
      // The last flush failed: try again after the delay, not in a tight loop.
      if (!this.retrying.has(region)) {
        this.retrying.add(region);
        void this.clock.sleep(this.retryDelayMs - (this.clock.monotonicMs() - failed)).then(() => {
          this.retrying.delete(region);
          this.failedAt.delete(region);
          this.requestFlush(region, reason);
        });
      }
      return;
    }
    this.queued.add(region);
    this.queue.push(region);
    this.pump();
  }

  unregister(region: Region): void {
    if (!this.regions.delete(region)) return;
    this.failedAt.delete(region);
    this.idle.delete(region);
    this.total -= region.reportedMemStoreHeap;
    this.wakeAll();
  }

  /** Applies the triggers in the next event-loop turn (once, however often it is asked). */
  private scheduleCheck(): void {
    if (this.checkScheduled) return;
    this.checkScheduled = true;
    setImmediate(() => {
      this.checkScheduled = false;
      this.checkLimits();
    });
  }

  /** Applies the global and WAL triggers now (also done, once per event-loop turn, after growth and after flushes). */
  checkLimits(): void {
    if (this.total > this.lowerLimit) {
      // Largest regions first until what is not being flushed is below the lower limit.
      let remaining = this.total;
      for (const r of this.queued) remaining -= r.memStoreHeapSize;
      for (const r of this.running) remaining -= r.memStoreHeapSize;
      if (remaining > this.lowerLimit) {
        const candidates = [...this.regions].filter((r) => r.isOpen && !this.idle.has(r) && !this.queued.has(r) && !this.running.has(r) && r.memStoreHeapSize > 0);
        candidates.sort((a, b) => b.memStoreHeapSize - a.memStoreHeapSize);
        for (const r of candidates) {
          if (remaining <= this.lowerLimit) break;
          remaining -= r.memStoreHeapSize;
          this.requestFlush(r, 'global memstore limit');
        }
      }
    }
    if (this.accounting !== undefined && this.accounting.unitCount > this.maxWalUnits) {
      const names = new Set(this.accounting.regionsBlockingOldest());
      for (const r of this.regions) if (names.has(r.name) && !this.idle.has(r)) this.requestFlush(r, 'too many wal units');
    }
  }

  private pump(): void {
    while (this.running.size < this.concurrency && this.queue.length > 0) {
      const r = this.queue.shift()!;
      this.queued.delete(r);
      if (!this.regions.has(r) || !r.isOpen) continue;
      this.running.add(r);
      void r
        .flushWhenAllowed()
        .then(
          (outcome) => {
            this.failedAt.delete(r);
            // Nothing written and nothing to write (what arrived meanwhile is to flush): not again until it grows.
            if ((outcome === undefined || outcome.files === 0) && !r.storesList.some((st) => st.hasUnflushed())) this.idle.add(r);
            else this.idle.delete(r);
          },
          (e: unknown) => {
            this.failedAt.set(r, this.clock.monotonicMs());
            this.onError(r, e);
          },
        )
        .finally(() => {
          this.running.delete(r);
          this.flushes++;
          this.wakeAll();
          this.scheduleCheck();
          this.pump();
        });
    }
  }

  /** Global pressure may have dropped: let every region's waiting writers look again. */
  private wakeAll(): void {
    for (const r of this.regions) r.wakePressureWaiters();
  }
}
