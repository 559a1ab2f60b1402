// The core of a region flush (docs/rfcs/0003-flush-and-recovery.md, steps 1-8): snapshot every
// store at one instant, wait until MVCC has completed every write up to the bound, flush the
// stores in parallel, and keep the WAL's SequenceAccounting in step.
//
// REQUIRES: no other flush of the region runs (Region serializes them), and the caller's
// write path inserts into MemStores in the same synchronous step that assigns the sequence id
// (so that, at this function's first instant, every edit <= the write point is in a MemStore
// or a file).

import { WriteEntry } from '../memstore/mvcc.js';
import type { Mvcc } from '../memstore/mvcc.js';
import type { SequenceAccounting } from '../wal/sequence-accounting.js';
import type { FlushOutcome } from './region-types.js';
import type { Store, StoreFlush } from './store.js';

export interface FlushStoresInput {
  /** Encoded region name (the accounting's key). */
  readonly region: string;
  readonly stores: readonly Store[];
  readonly mvcc: Mvcc;
  readonly accounting?: SequenceAccounting;
  /** Runs right before each manifest CAS; throws to abandon the flush (region no longer owned). */
  readonly checkOwned: () => void;
}

/**
 * Flushes every store with unflushed cells. Resolves with the files published and the bound
 * every edit up to which is now in files. Throws the first store's error after every store
 * finished (stores that succeeded stay published; the accounting counts the region as
 * unflushed until a flush of every store succeeds).
 */
export async function flushStores(input: FlushStoresInput): Promise<FlushOutcome> {
  const { region, stores, mvcc, accounting } = input;
  // Step 1, one instant: every edit <= bound is in a MemStore or a file.
  const bound = BigInt(mvcc.writePoint);
  const prepared: Array<[Store, StoreFlush]> = [];
  for (const s of stores) {
    const f = s.prepareFlush(bound);
    if (f !== undefined) prepared.push([s, f]);
  }
  if (prepared.length === 0) return { files: 0, flushedSeqId: undefined };
  // A store retrying an older snapshot is bounded by that snapshot's seq id.
  let regionBound = bound;
  for (const [, f] of prepared) if (f.flushSeqId < regionBound) regionBound = f.flushSeqId;
  accounting?.startFlush(region, regionBound);
  let ok = false;
  try {
    // Step 3: files hold only completed writes — wait until every write up to the bound has
    // its WAL append settled. A WAL failure meanwhile aborts the region (checkOwned throws).
    if (mvcc.readPoint < Number(bound)) await mvcc.whenReadable(new WriteEntry(Number(bound)));
    // Steps 4-7 per store, in parallel.
    const results = await Promise.allSettled(prepared.map(([s, f]) => s.flush(f, input.checkOwned)));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed !== undefined) throw failed.reason;
    ok = true;
  } finally {
    // Step 8.
    if (ok) accounting?.completeFlush(region);
    else accounting?.abortFlush(region);
  }
  return { files: prepared.length, flushedSeqId: regionBound };
}
