// The interfaces a Region shares with the server around it: the WAL it appends to, the
// flush policy that decides when it flushes, the compaction engine it asks for compactions,
// and the outcomes of batches and flushes.

import type { WalCells } from '../wal/wal-encoder.js';
import type { OperationNonce } from '../../common/ops/operation-nonce.js';
import type { Region } from './region.js';

/** What a region needs of the server's WAL (WalWriter fits). */
export interface RegionWal {
  /** Appends one edit (with its operation's nonce, if any); resolves once durable. See WalWriter.append. */
  append(region: string, seqId: bigint, cells: WalCells, nonce?: OperationNonce): Promise<void>;
  /** Deletes WAL units every region has flushed (WalWriter.releaseFlushed). */
  releaseFlushed?(): Promise<number>;
  /** The region closed; it may reopen with any higher seq id. */
  forgetRegion?(region: string): void;
}

/** Decides when regions flush across the server (flush-policy.ts's MemStoreManager). */
export interface FlushRequester {
  /** Asks for a flush of `region` soon (deduplicated). */
  requestFlush(region: Region, reason: string): void;
  /** The region's MemStores grew (positive) or shrank (negative) by `delta` heap bytes. */
  memStoreChanged(region: Region, delta: number): void;
  /** True while the server's MemStores are over the global upper limit: writes wait. */
  globalBlocked(): boolean;
  /** The region closed. */
  unregister(region: Region): void;
}

/** Asks for compactions (the compaction engine, later). */
export interface CompactionRequester {
  requestCompaction(region: Region, reason: string): void;
}

/** Outcome of one operation of a batch. */
export type BatchOutcome = { readonly ok: true } | { readonly ok: false; readonly error: Error };

export interface FlushOutcome {
  /** Files published by this flush (one per store that had edits). */
  readonly files: number;
  /** Every edit with a seq id <= this is now in files (undefined: nothing was flushed). */
  readonly flushedSeqId: bigint | undefined;
}
