// CompactionScheduler: one per region server (HBase's CompactSplit compaction pools, simplified).
// Regions ask for compactions (Region's CompactionRequester: after flushes, when writes are
// blocked by too many files); the scheduler keeps a small queue of regions, most urgent store
// first (fewest files left before blocking), and runs up to `concurrency` compactions at a
// time, each in the runner (worker threads in a server), all sharing one throughput limit.
//
// Per store at most one compaction runs; its files are "compacting" so a second selection of
// the same store (a later request) does not pick them. After each compaction the region's
// blocked writers are woken and the store is looked at again (a store far behind needs
// several rounds, as in HBase).
//
// One event loop. requestCompaction/requestMajor may be called at any time; errors of a
// background compaction go to onError (the store is unchanged by a failed compaction).

import type { Clock } from '../../common/clock.js';
import { systemClock } from '../../common/clock.js';
import type { Region } from '../region/region.js';
import type { CompactionRequester } from '../region/region-types.js';
import type { Store } from '../region/store.js';
import type { CompactionConfig } from '../store/compaction-policy.js';
import { candidatesOf, compactionPriority, DEFAULT_COMPACTION_CONFIG, selectCompaction } from '../store/compaction-policy.js';
import type { CompactionRunner } from './compaction-runner.js';
import type { CompactionResult, CompactorOptions } from './compactor.js';
import { compactStore } from './compactor.js';
import type { ThroughputController } from './throughput-controller.js';

export interface CompactionSchedulerOptions extends Omit<CompactorOptions, 'runner' | 'throttle'> {
  readonly runner?: CompactionRunner;
  readonly throttle?: ThroughputController;
  /** Compactions running at once (default 1: the machine has few cores). */
  readonly concurrency?: number;
  readonly config?: CompactionConfig;
  readonly onError?: (err: unknown, region: Region, store: Store) => void;
  /** Called after each published compaction. */
  readonly onCompacted?: (region: Region, store: Store, result: CompactionResult) => void;
}

interface Queued {
  readonly region: Region;
  /** Stores still owed a requested major compaction. */
  readonly major: Set<Store>;
}

export class CompactionScheduler implements CompactionRequester {
  private readonly queue: Queued[] = [];
  private readonly compacting = new Map<Store, Set<string>>();
  private running = 0;
  private readonly clock: Clock;
  private readonly config: CompactionConfig;
  private readonly concurrency: number;
  private idleWaiters: Array<() => void> = [];
  private stopped = false;
  /** Compactions published. */
  completed = 0;
  /** Compactions that failed. */
  failed = 0;

  constructor(private readonly opts: CompactionSchedulerOptions) {
    this.clock = opts.clock ?? systemClock;
    this.config = opts.config ?? DEFAULT_COMPACTION_CONFIG;
    this.concurrency = Math.max(1, opts.concurrency ?? 1);
  }

  /** Queues the region for a look at its stores (a no-op if it is queued already). */
  requestCompaction(region: Region, _reason: string): void {
    this.enqueue(region, false);
  }

  /** Queues a major compaction of every store of the region (user request: any number of files). */
  requestMajor(region: Region): void {
    this.enqueue(region, true);
  }

  /** Resolves when nothing is queued or running. */
  whenIdle(): Promise<void> {
    if (this.running === 0 && this.queue.length === 0) return Promise.resolve();
    return new Promise((r) => this.idleWaiters.push(r));
  }

  /** Stops taking work; running compactions finish. Resolves when they have. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.queue.length = 0;
    await this.whenIdle();
  }

  get queued(): number {
    return this.queue.length;
  }

  private enqueue(region: Region, major: boolean): void {
    if (this.stopped || !region.isOpen) return;
    if (!major && this.queue.some((x) => x.region === region)) return;
    const q = this.queue.find((x) => x.region === region);
    const owed = major ? region.storesList : [];
    if (q !== undefined) for (const s of owed) q.major.add(s);
    else this.queue.push({ region, major: new Set(owed) });
    this.pump();
  }

  private pump(): void {
    while (this.running < this.concurrency && this.queue.length > 0) {
      const item = this.takeMostUrgent();
      const store = item === undefined ? undefined : this.pickStore(item);
      if (item === undefined || store === undefined) continue;
      this.running++;
      void this.runOne(item, store).finally(() => {
        this.running--;
        this.pump();
        if (this.running === 0 && this.queue.length === 0) {
          const w = this.idleWaiters;
          this.idleWaiters = [];
          for (const f of w) f();
        }
      });
    }
    if (this.running === 0 && this.queue.length === 0) {
      const w = this.idleWaiters;
      this.idleWaiters = [];
      for (const f of w) f();
    }
  }

  private takeMostUrgent(): Queued | undefined {
    let best = -1;
    let bestPrio = Infinity;
    this.queue.forEach((q, i) => {
      for (const s of q.region.storesList) {
        const p = compactionPriority(s.manifest.current.manifest, this.config);
        if (p < bestPrio || best < 0) {
          bestPrio = p;
          best = i;
        }
      }
    });
    return best < 0 ? undefined : this.queue.splice(best, 1)[0];
  }

  /** The store of the region to compact now and what to compact, or undefined. */
  private pickStore(item: Queued): { store: Store; files: string[]; major: boolean } | undefined {
    if (!item.region.isOpen) return undefined;
    let best: { store: Store; files: string[]; major: boolean; prio: number } | undefined;
    for (const s of item.region.storesList) {
      if (this.compacting.has(s)) continue;
      const m = s.manifest.current.manifest;
      const force = item.major.has(s);
      const sel = selectCompaction({ files: candidatesOf(m), forceMajor: force, userRequested: force, nowMs: this.clock.nowMs() }, this.config);
      if (sel === undefined) continue;
      const prio = compactionPriority(m, this.config);
      // Drop markers whenever every file is compacted (HBase: a compaction of all files is major).
      if (best === undefined || prio < best.prio) best = { store: s, files: sel.files.map((f) => f.name), major: sel.isAllFiles, prio };
    }
    if (best === undefined) return undefined;
    item.major.delete(best.store);
    // Other stores of the region may need work too: look again after this one.
    if (item.region.storesList.length > 1) this.queue.push(item);
    return best;
  }

  private async runOne(item: Queued, pick: { store: Store; files: string[]; major: boolean }): Promise<void> {
    const { store } = pick;
    this.compacting.set(store, new Set(pick.files));
    try {
      const res = await compactStore(store, { files: pick.files, kind: pick.major ? 'major' : 'minor' }, { ...this.opts });
      this.completed++;
      this.opts.onCompacted?.(item.region, store, res);
    } catch (e) {
      this.failed++;
      if (item.region.isOpen) this.opts.onError?.(e, item.region, store);
      return;
    } finally {
      this.compacting.delete(store);
      item.region.wakePressureWaiters();
    }
    // Look again: the store may still have enough files (or references) for another round.
    this.enqueue(item.region, false);
  }
}
