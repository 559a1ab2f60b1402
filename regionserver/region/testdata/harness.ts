// Test harness for regions (not used by production code): a region on an object store with
// an S3-style WAL in the same store, and "crash + recover" as a server would do it — abort
// the WAL, split it into recovered edits, reopen the region with a new WAL epoch.
import type { Clock } from '../../../common/clock.js';
import { systemClock } from '../../../common/clock.js';
import type { ObjectStore } from '../../../common/objectstore/object-store.js';
import type { Random } from '../../../common/random.js';
import { SeededRandom } from '../../../common/random.js';
import { S3WalBackend } from '../../wal/s3-wal-backend.js';
import { SequenceAccounting } from '../../wal/sequence-accounting.js';
import { splitWal } from '../../wal/wal-split.js';
import { WalWriter } from '../../wal/wal-writer.js';
import type { ColumnFamilyDescriptor } from '../column-family.js';
import { columnFamily } from '../column-family.js';
import type { FlushRequester, Region } from '../region.js';
import type { RegionConfig } from '../region-config.js';
import type { RegionInfo } from '../region-info.js';
import { regionInfo } from '../region-info.js';
import type { OpenRegionOptions, ReplayReport } from '../region-open.js';
import { openRegion } from '../region-open.js';

export const SERVER = 'rs-test';

export interface HarnessOptions {
  readonly objectStore: ObjectStore;
  readonly families?: readonly ColumnFamilyDescriptor[];
  readonly info?: RegionInfo;
  readonly config?: Partial<RegionConfig>;
  readonly clock?: Clock;
  readonly random?: Random;
  readonly flusher?: (accounting: SequenceAccounting) => FlushRequester;
  readonly walRetryBudgetMs?: number;
  /** Passed to every openRegion. */
  readonly openOptions?: Partial<OpenRegionOptions>;
}

export class RegionHarness {
  region!: Region;
  wal!: WalWriter;
  accounting!: SequenceAccounting;
  epoch = 0;
  lastReplay: ReplayReport | undefined;
  readonly families: readonly ColumnFamilyDescriptor[];
  readonly info: RegionInfo;
  private readonly random: Random;

  constructor(readonly opts: HarnessOptions) {
    this.families = opts.families ?? [columnFamily({ name: 'f' })];
    this.info = opts.info ?? regionInfo('default', 't1', Buffer.alloc(0), Buffer.alloc(0), 1);
    this.random = opts.random ?? new SeededRandom(1);
  }

  static async open(opts: HarnessOptions): Promise<RegionHarness> {
    const h = new RegionHarness(opts);
    await h.start();
    return h;
  }

  get store(): ObjectStore {
    return this.opts.objectStore;
  }

  /** A new WAL epoch and an open of the region (replaying recovered edits). */
  async start(extra: Partial<OpenRegionOptions> = {}): Promise<Region> {
    this.epoch++;
    this.accounting = new SequenceAccounting();
    const clock = this.opts.clock ?? systemClock;
    this.wal = new WalWriter(
      new S3WalBackend(this.store, SERVER, this.epoch, { clock: systemClock, random: this.random, retryBudgetMs: this.opts.walRetryBudgetMs ?? 60_000, retryDelayMs: 1, maxRetryDelayMs: 20 }),
      { clock, accounting: this.accounting },
    );
    this.region = await openRegion({
      objectStore: this.store,
      info: this.info,
      families: this.families,
      server: SERVER,
      wal: this.wal,
      accounting: this.accounting,
      clock,
      random: this.random,
      config: this.opts.config,
      flusher: this.opts.flusher?.(this.accounting),
      onReplay: (r) => (this.lastReplay = r),
      ...this.opts.openOptions,
      ...extra,
    });
    return this.region;
  }

  /**
   * What a server crash and the master's recovery do: the WAL stops (nothing more is
   * acknowledged), the region is abandoned without a flush, the WAL is fenced and split into
   * recovered edits, and the region opens again on a new WAL epoch.
   */
  async crashAndRecover(extra: Partial<OpenRegionOptions> = {}): Promise<Region> {
    this.wal.abort('test crash');
    this.region.abort(new Error('test crash'));
    await splitWal(this.store, SERVER, this.epoch);
    return this.start(extra);
  }

  /** Clean close (flush) and reopen on a new WAL epoch. */
  async closeAndReopen(): Promise<Region> {
    await this.region.close();
    await this.wal.close();
    return this.start();
  }

  async close(): Promise<void> {
    if (this.region.isOpen) await this.region.close({ flush: false }).catch(() => {});
    await this.wal.close().catch(() => {});
  }
}

export const b = (s: string): Buffer => Buffer.from(s, 'utf8');
