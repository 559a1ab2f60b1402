// Opening a region (HBase's HRegion.initialize + replayRecoveredEditsIfAny):
//
//   1. open (= load and CLAIM, store-manifest.ts) every store's manifest, then its files.
//      Claiming first means a zombie's flush that landed before the claim is seen below, and
//      any later one fails its CAS;
//   2. replay the region's recovered edits (split out of a dead server's WAL, wal-split.ts)
//      into the MemStores: each cell only if its seq id is above ITS store's flushedSeqId
//      (stores flush independently, so each has its own boundary); edits of families the
//      table no longer has are dropped. The nonces of every edit (replayed or not) are
//      reported to onReplayedNonce (docs/rfcs/0006-operation-nonces.md);
//   3. start the region's sequence (MVCC) above everything seen: every store's flushedSeqId and
//      files' MAX_SEQ_ID, and every replayed or skipped edit;
//   4. if anything was replayed, flush it, then delete the recovered-edits objects read: the
//      edits now live in files, and the WAL they came from may already be gone.
//
// Interrupted at any point and run again, the result is the same: nothing is published
// before step 4's flush, each store's flush is atomic (manifest CAS), a store flushed by an
// interrupted open skips the edits it already has, and recovered edits are deleted only once
// every replayed edit is in a file. See docs/rfcs/0003-flush-and-recovery.md.
//
// Standalone: split the previous run's local WAL into recovered edits first (splitLocalWal
// in wal-split.ts, then open the new WAL in a new directory), so that one path recovers both
// deployments and no old WAL segment has to outlive the opens that need it.

import type { Clock } from '../../common/clock.js';
import { systemClock } from '../../common/clock.js';
import { ErrorCodes, FencedError, InternalError, UnavailableError } from '../../common/errors.js';
import type { ObjectStore } from '../../common/objectstore/object-store.js';
import type { OperationNonce } from '../../common/ops/operation-nonce.js';
import type { Random } from '../../common/random.js';
import { systemRandom } from '../../common/random.js';
import type { BlockCacheLike } from '../hfile/block-cache-like.js';
import { Mvcc } from '../memstore/mvcc.js';
import { ReadPoints } from '../memstore/read-points.js';
import { abandonUnfinishedDaughters } from '../split/abandon-daughters.js';
import { ManifestStore } from '../store/store-manifest.js';
import { listRecoveredEdits, readRecoveredEdits } from '../wal/recovered-edits.js';
import type { SequenceAccounting } from '../wal/sequence-accounting.js';
import type { ColumnFamilyDescriptor } from './column-family.js';
import type { CompactionRequester, FlushRequester, RegionWal } from './region.js';
import { Region } from './region.js';
import type { RegionConfig } from './region-config.js';
import { regionConfig } from './region-config.js';
import type { RegionInfo } from './region-info.js';
import { Store } from './store.js';
import type { FlushRunner } from './flush-runner.js';

export interface OpenRegionOptions {
  readonly objectStore: ObjectStore;
  readonly info: RegionInfo;
  /** The table's families; each is one store. */
  readonly families: readonly ColumnFamilyDescriptor[];
  /** This server (the manifests' writer). */
  readonly server: string;
  /** Ownership epoch from the assignment; omitted: each store's stored epoch + 1. */
  readonly epoch?: number;
  readonly wal: RegionWal;
  readonly accounting?: SequenceAccounting;
  readonly clock?: Clock;
  readonly random?: Random;
  readonly cache?: BlockCacheLike;
  /** Where the stores' flushes encode (default inline). */
  readonly flushRunner?: FlushRunner;
  readonly config?: Partial<RegionConfig>;
  readonly flusher?: FlushRequester;
  readonly compactor?: CompactionRequester;
  readonly onBackgroundError?: (err: unknown) => void;
  /** Replay recovered edits (default true). */
  readonly replayRecoveredEdits?: boolean;
  /** Called with what the open replayed (tests, logs). */
  readonly onReplay?: (report: ReplayReport) => void;
  /**
   * Told the nonce and write time of every recovered edit of the region written with one,
   * replayed or already flushed (HBase's reportOperationFromWal): the server's NonceManager
   * then answers clients' retries of those operations instead of applying them again.
   */
  readonly onReplayedNonce?: (nonce: OperationNonce, writeTimeMs: number) => void;
  /**
   * Given: a split or merge of this region that the master did not commit (its stores still
   * name daughters) is rolled back before the stores open (abandonUnfinishedDaughters), and
   * each store rolled back is reported here. Omitted: such a region opens frozen (its stores
   * refuse flushes and compactions) — for tools and tests that only read a parent.
   */
  readonly onUnfinishedSplit?: (undone: { readonly family: string; readonly daughters: readonly string[] }) => void;
}

export interface ReplayReport {
  /** Recovered-edits objects listed / read. */
  readonly objects: number;
  /** Cells put into MemStores. */
  readonly replayedCells: number;
  /** Cells skipped: already in their store's files, or of a family the table no longer has. */
  readonly skippedCells: number;
  /** The region's sequence starts above this. */
  readonly maxSeqId: bigint;
}

/**
 * Opens `info`'s region: claims and opens its stores, replays recovered edits, flushes them.
 * Throws FencedError (TSB_FENCED) if a newer owner holds a store, CorruptionError if a
 * manifest, file or recovered-edits object is damaged, UnavailableError if the object store
 * fails or a manifest write's outcome stayed unknown (the open may be retried: it is
 * idempotent), InvalidError for bad options.
 */
export async function openRegion(opts: OpenRegionOptions): Promise<Region> {
  const config = regionConfig(opts.config);
  const clock = opts.clock ?? systemClock;
  const random = opts.random ?? systemRandom;
  const { info } = opts;
  if (opts.families.length === 0) throw new InternalError('a region needs at least one column family', { details: { region: info.encodedName } });

  // 1. Claim and open every store. On failure, release the trackers already opened.
  const trackers: ManifestStore[] = [];
  // The region's open readers: its stores' MemStores prune versions against them.
  const readPoints = new ReadPoints();
  let stores: Store[];
  try {
    stores = await Promise.all(
      opts.families.map(async (family) => {
        const storeId = { namespace: info.namespace, table: info.table, region: info.encodedName, family: family.name };
        const manifest = await ManifestStore.open(opts.objectStore, storeId, { server: opts.server, epoch: opts.epoch }, { clock });
        trackers.push(manifest);
        if (opts.onUnfinishedSplit !== undefined) {
          const daughters = await abandonUnfinishedDaughters(opts.objectStore, manifest);
          if (daughters.length > 0) opts.onUnfinishedSplit({ family: family.name, daughters });
        }
        return Store.open({ objectStore: opts.objectStore, manifest, family, clock, random, cache: opts.cache, flushRunner: opts.flushRunner, blockingStoreFiles: config.blockingStoreFiles, readPoints });
      }),
    );
  } catch (e) {
    await Promise.all(trackers.map((t) => t.close().catch(() => {})));
    throw e;
  }

  try {
    // 2. Replay.
    let maxSeq = 0n;
    let minFlushed: bigint | undefined;
    const byFamily = new Map<string, Store>();
    for (const s of stores) {
      byFamily.set(s.familyBytes.toString('latin1'), s);
      if (s.maxFlushedSeqId > maxSeq) maxSeq = s.maxFlushedSeqId;
      if (minFlushed === undefined || s.flushedSeqId < minFlushed) minFlushed = s.flushedSeqId;
    }
    let replayed = 0;
    let skipped = 0;
    const listed = opts.replayRecoveredEdits === false ? [] : await listRecoveredEdits(opts.objectStore, info.encodedName);
    if (listed.length > 0) {
      for await (const e of readRecoveredEdits(opts.objectStore, info.encodedName, minFlushed ?? 0n, opts.onReplayedNonce)) {
        if (e.seqId > maxSeq) maxSeq = e.seqId;
        const seq = Number(e.seqId);
        for (const cell of e.cells) {
          const s = byFamily.get(cell.family.toString('latin1'));
          if (s === undefined || e.seqId <= s.flushedSeqId) {
            skipped++;
            continue;
          }
          s.add(cell, seq);
          replayed++;
        }
      }
      for (const o of listed) if (o.maxSeqId > maxSeq) maxSeq = o.maxSeqId;
    }
    opts.onReplay?.({ objects: listed.length, replayedCells: replayed, skippedCells: skipped, maxSeqId: maxSeq });

    // 3. The sequence continues above everything seen.
    if (maxSeq >= BigInt(Number.MAX_SAFE_INTEGER - 1)) {
      throw new InternalError('region sequence id is beyond what the memstore can number', { details: { region: info.encodedName, seqId: maxSeq } });
    }
    const region = new Region({
      info,
      stores,
      mvcc: new Mvcc(Number(maxSeq)),
      readPoints,
      wal: opts.wal,
      accounting: opts.accounting,
      clock,
      config,
      flusher: opts.flusher,
      compactor: opts.compactor,
      onBackgroundError: opts.onBackgroundError,
    });

    // 4. Persist what was replayed, then drop the objects it came from.
    if (replayed > 0) {
      try {
        await region.flush();
      } catch (e) {
        await region.close({ flush: false }).catch(() => {});
        // A manifest write with an unknown outcome closed its tracker (TSB_CLOSED): nothing is
        // lost and the open is idempotent, so the caller may simply open again.
        if (e instanceof FencedError && e.code === ErrorCodes.CLOSED) {
          throw new UnavailableError('region open could not persist its replayed edits (a manifest write had an unknown outcome); open it again', {
            cause: e,
            details: { region: info.encodedName },
          });
        }
        throw e;
      }
    }
    // Best effort: objects left behind are skipped by name (maxSeqId <= flushedSeqId) next time.
    if (listed.length > 0) await opts.objectStore.deleteMany(listed.map((o) => o.key)).catch(() => {});
    return region;
  } catch (e) {
    await Promise.all(stores.map((s) => s.close().catch(() => {})));
    throw e;
  }
}
