// The group-commit WAL writer, independent of where chunks go (WalBackend).
//
// Each append is encoded at once into the buffer (one growing byte buffer per batch, no object
// per edit), so encoding overlaps the write in flight; the entries' CRCs follow in one pass
// per batch (sumBuffer, seal). Whenever no write is in flight,
// everything buffered becomes ONE chunk (only its trailer is left to write) and is handed to
// the backend: at most one write is in flight, and each commit carries every append that
// arrived while the previous one was being written: when a commit finishes, the next one
// starts at once with what was buffered meanwhile. When the WAL is idle, the first append
// starts a commit from setImmediate, i.e. at the end of the current turn of the event loop,
// so the appends of every request handled in this turn join it. No timers, no per-append
// closures: all appends of one commit share one promise.
//
// Invariants:
//  1. An append resolves only after the chunk holding it is durable (backend.commit resolved).
//  2. At most one backend.commit is in flight.
//  3. Per region, entries reach the WAL in append-call order, and their seq ids increase
//     (checked: a non-increasing seq id is refused with TSB_INVALID_ARGUMENT).
//  4. Once a commit fails (FencedError or any other final error) or abort() is called, every
//     pending and future append rejects with FencedError (TSB_FENCED) and nothing is ever
//     acknowledged again.
//  5. The buffer holds at most maxBufferBytes of entries (one larger entry is admitted alone);
//     further appends wait, in call order, for space (backpressure) instead of failing.
//
// Double buffering (backends with a preferredChunkBytes, e.g. local disks): when the buffer
// grows past maxChunkBytes it is sealed (with its promise) and later appends go to a new
// buffer. The sealed batch is committed first; the moment it is durable the next commit is
// issued, before the callers it releases run. Closed-loop callers thus settle into two groups
// whose work overlaps the other group's write, instead of all of them waiting for one write
// and the device waiting for all of them. At most one batch is sealed at a time.
//
// Sequence ids are assigned by the caller (the region), which owns its sequence: it must start
// above the highest seq id of its HFiles and recovered edits when it opens. The caller must
// assign a seq id and call append in the same synchronous step, so call order = seq order.
//
// Thread safety: one event loop; any number of appends may be outstanding concurrently.

import type { Clock } from '../../common/clock.js';
import { systemClock } from '../../common/clock.js';
import { ErrorCodes, FencedError, InvalidError } from '../../common/errors.js';
import type { OperationNonce } from '../../common/ops/operation-nonce.js';
import type { WalBackend } from './wal-backend.js';
import type { EntryBatch, WalCells } from './wal-encoder.js';
import { addToBatch, checksumEntries, clearBatch, encodeDataChunk, entryBodySize, newEntryBatch, resetBatch } from './wal-encoder.js';
import { ENTRY_HEADER_SIZE } from './wal-format.js';
import type { SequenceAccounting } from './sequence-accounting.js';

export interface WalWriterOptions {
  readonly clock?: Clock;
  /** Bytes of encoded entries buffered while a commit is in flight (default 8 MiB). */
  readonly maxBufferBytes?: number;
  /** Told about every durable entry; enables releaseFlushed(). */
  readonly accounting?: SequenceAccounting;
  /**
   * Double buffering: once the buffer holds this many bytes it is sealed and later appends
   * start a new buffer, committed right after the sealed one. Default: the backend's
   * preferredChunkBytes (no sealing if it has none). See "Double buffering" above.
   */
  readonly maxChunkBytes?: number;
}

/** An append waiting for buffer space. */
interface Waiter {
  readonly region: string;
  readonly seqId: bigint;
  readonly writeTimeMs: number;
  readonly cells: WalCells;
  readonly nonce: OperationNonce | undefined;
  readonly bodySize: number;
  readonly resolve: () => void;
  readonly reject: (e: unknown) => void;
}

type State = 'open' | 'closing' | 'closed' | 'failed';

export const DEFAULT_WAL_BUFFER_BYTES = 8 * 1024 * 1024;

const noop = (): void => {};

export class WalWriter {
  private readonly backend: WalBackend;
  private readonly clock: Clock;
  private readonly maxBufferBytes: number;
  private readonly accounting: SequenceAccounting | undefined;

  private state: State = 'open';
  private failure: FencedError | undefined;
  /** Entries waiting for the next commit. */
  private buffer: EntryBatch = newEntryBatch();
  /** A batch not in use (not the buffer, not sealed, not in flight): the next buffer. */
  private spare: EntryBatch | undefined;
  /** Promise shared by every entry of `buffer` (created on first use). */
  private bufPromise: Promise<void> | undefined;
  private bufResolve: (() => void) | undefined;
  private bufReject: ((e: unknown) => void) | undefined;
  /**
   * Once appends that waited for space were admitted to `buffer`, later appends to it get this
   * promise (one reaction behind bufPromise, like the waiters' own), so acknowledgements
   * still settle in call order.
   */
  private bufChained: Promise<void> | undefined;
  /** A full batch waiting to be committed before `buffer` (double buffering), with its promise. */
  private sealed: EntryBatch | undefined;
  private sealedResolve: (() => void) | undefined;
  private sealedReject: ((e: unknown) => void) | undefined;
  private readonly maxChunkBytes: number;
  private inflight = false;
  /** Rejects the appends of the commit in flight (so abort() can fail them at once). */
  private inflightReject: ((e: unknown) => void) | undefined;
  private scheduled = false;
  /** A checksum pass over `buffer` is queued (setImmediate). */
  private summing = false;
  /** Commit even if the buffer is empty (to record a new low water). */
  private forceCommit = false;
  private readonly waiters: Waiter[] = [];
  private waitersHead = 0;
  private readonly lastSeq = new Map<string, bigint>();
  private closeResolve: (() => void) | undefined;
  private closing: Promise<void> | undefined;

  // Low water: units below it are fully flushed (see releaseFlushed).
  private desiredLowWater = 0;
  private durableLowWater = 0;
  private deletedBelow = 0;
  private releasing: Promise<number> | undefined;

  private commits = 0;
  private entriesCommitted = 0;

  constructor(backend: WalBackend, opts: WalWriterOptions = {}) {
    this.backend = backend;
    this.clock = opts.clock ?? systemClock;
    this.maxBufferBytes = opts.maxBufferBytes ?? DEFAULT_WAL_BUFFER_BYTES;
    this.accounting = opts.accounting;
    this.maxChunkBytes = opts.maxChunkBytes ?? backend.preferredChunkBytes ?? Number.POSITIVE_INFINITY;
    if (!(this.maxChunkBytes > 0)) {
      throw new InvalidError('maxChunkBytes must be positive', { code: ErrorCodes.INVALID_CONFIG, details: { maxChunkBytes: this.maxChunkBytes } });
    }
    if (!Number.isSafeInteger(this.maxBufferBytes) || this.maxBufferBytes <= 0) {
      throw new InvalidError('maxBufferBytes must be a positive integer', { code: ErrorCodes.INVALID_CONFIG, details: { maxBufferBytes: this.maxBufferBytes } });
    }
  }

  /**
   * Appends one edit of `region` with sequence id `seqId` (and the nonce of the operation that
   * made it, recorded for replay: docs/rfcs/0006-operation-nonces.md); resolves once it is
   * durable.
   * REQUIRES: seqId greater than every seq id appended before for `region`; `cells` are not
   * modified until the promise settles; EncodedCells hold well-formed KeyValues (they are
   * copied unchecked: the MemStore validated them when it encoded them).
   * Rejects: InvalidError (TSB_INVALID_ARGUMENT: bad region/seq/cell or non-increasing seq
   * id; TSB_VALUE_TOO_LARGE: entry above 64 MiB) without side effects; FencedError
   * TSB_FENCED once the WAL was fenced or failed, TSB_CLOSED after close().
   */
  append(region: string, seqId: bigint, cells: WalCells, nonce?: OperationNonce): Promise<void> {
    if (this.state !== 'open') return Promise.reject(this.stateError());
    let bodySize: number;
    try {
      bodySize = entryBodySize(region, seqId, cells, nonce);
    } catch (e) {
      return Promise.reject(e);
    }
    const last = this.lastSeq.get(region);
    if (last !== undefined && seqId <= last) {
      return Promise.reject(
        new InvalidError('wal sequence ids must increase per region', { details: { region, seqId, lastSeqId: last } }),
      );
    }
    this.lastSeq.set(region, seqId);
    const writeTimeMs = this.clock.nowMs();
    const entryBytes = ENTRY_HEADER_SIZE + bodySize;
    const sealedBytes = this.sealed === undefined ? 0 : this.sealed.entryBytes;
    if (this.waitersHead < this.waiters.length || (this.buffer.count > 0 && sealedBytes + this.buffer.entryBytes + entryBytes > this.maxBufferBytes)) {
      return new Promise<void>((resolve, reject) => {
        this.waiters.push({ region, seqId, writeTimeMs, cells, nonce, bodySize, resolve, reject });
      });
    }
    if (this.sealed === undefined && this.buffer.count > 0 && this.buffer.entryBytes + entryBytes > this.maxChunkBytes) this.seal();
    try {
      addToBatch(this.buffer, region, seqId, writeTimeMs, cells, bodySize, nonce);
    } catch (e) {
      return Promise.reject(e);
    }
    this.schedule();
    if (this.inflight && !this.summing) {
      // The entries' CRCs, in one pass once this turn's appends are in, while the device is
      // still busy with the write in flight: not between that write and the next.
      this.summing = true;
      setImmediate(this.sumBuffer);
    }
    return this.bufChained ?? this.bufferPromise();
  }

  private readonly sumBuffer = (): void => {
    this.summing = false;
    checksumEntries(this.buffer);
  };

  /** Forgets `region`'s last seq id (the region closed; it may reopen with any higher seq). */
  forgetRegion(region: string): void {
    this.lastSeq.delete(region);
  }

  /**
   * Deletes the WAL units whose edits are all flushed (per the accounting given at
   * construction): records the new low water in a durable chunk (an empty one if nothing is
   * being written), then deletes the units below it. Resolves with the low water.
   * Calls are serialized. Rejects with FencedError if the writer failed before the low water
   * was durable; with the backend's error if deletion failed (writes are unaffected).
   */
  releaseFlushed(): Promise<number> {
    const prev = this.releasing ?? Promise.resolve(0);
    const next = prev.then(
      () => this.release(),
      () => this.release(),
    );
    this.releasing = next;
    return next;
  }

  private async release(): Promise<number> {
    if (this.accounting === undefined) throw new InvalidError('releaseFlushed needs the writer to have an accounting');
    // Never above the unit the next chunk lands in: that chunk must survive the deletion.
    const want = Math.min(this.accounting.firstNeededUnit(this.deletedBelow), this.backend.nextUnit());
    if (want > this.desiredLowWater) this.desiredLowWater = want;
    if (this.durableLowWater < this.desiredLowWater) {
      if (this.state !== 'open' && this.state !== 'closing') throw this.stateError();
      this.forceCommit = true;
      const p = this.bufferPromise();
      this.schedule();
      await p;
    }
    const target = this.durableLowWater;
    if (target > this.deletedBelow) {
      await this.backend.deleteBelow(target);
      this.deletedBelow = target;
      this.accounting.dropUnitsBelow(target);
    }
    return target;
  }

  /**
   * Stops the writer without waiting: every pending and future append rejects with
   * FencedError (TSB_FENCED). For a server that lost its lease (self-fencing).
   */
  abort(reason = 'wal writer aborted'): void {
    this.fail(new FencedError(reason, { details: { wal: this.backend.description } }));
  }

  /**
   * Commits everything already appended, then closes the backend. Appends made after close()
   * reject with FencedError TSB_CLOSED. Resolves even if the writer failed (pending appends
   * carry the failure).
   */
  close(): Promise<void> {
    this.closing ??= this.doClose();
    return this.closing;
  }

  private async doClose(): Promise<void> {
    if (this.state === 'open') {
      this.state = 'closing';
      if (this.busy()) await new Promise<void>((resolve) => (this.closeResolve = resolve));
    }
    while (this.inflight) await new Promise<void>((resolve) => (this.closeResolve = resolve));
    if (this.state !== 'failed') this.state = 'closed';
    await this.backend.close();
  }

  /** Counters for metrics and tests. */
  stats(): { commits: number; entries: number; bufferedBytes: number; waiting: number; inflight: boolean } {
    return {
      commits: this.commits,
      entries: this.entriesCommitted,
      bufferedBytes: this.buffer.entryBytes,
      waiting: this.waiters.length - this.waitersHead,
      inflight: this.inflight,
    };
  }

  /**
   * Moves `buffer` (and its promise) aside as the next batch to commit; opens a new buffer.
   * Its entries' CRCs are computed now, while the write in flight keeps the device busy, so
   * that the commit after it only has the trailer to write.
   */
  private seal(): void {
    this.bufferPromise();
    checksumEntries(this.buffer);
    this.sealed = this.buffer;
    this.sealedResolve = this.bufResolve;
    this.sealedReject = this.bufReject;
    this.buffer = this.takeSpare();
    this.bufPromise = this.bufResolve = this.bufReject = this.bufChained = undefined;
  }

  /** The spare batch (its buffer kept from an earlier commit), or a new one. */
  private takeSpare(): EntryBatch {
    const b = this.spare ?? newEntryBatch();
    this.spare = undefined;
    return b;
  }

  private busy(): boolean {
    return this.inflight || this.sealed !== undefined || this.buffer.count > 0 || this.waitersHead < this.waiters.length || this.forceCommit;
  }

  private bufferPromise(): Promise<void> {
    if (this.bufPromise === undefined) {
      this.bufPromise = new Promise<void>((resolve, reject) => {
        this.bufResolve = resolve;
        this.bufReject = reject;
      });
    }
    return this.bufPromise;
  }

  private schedule(): void {
    if (this.scheduled || this.inflight) return;
    this.scheduled = true;
    setImmediate(this.runCommit);
  }

  private readonly runCommit = (): void => {
    this.scheduled = false;
    if (this.inflight || this.state === 'failed' || this.state === 'closed') return;
    let batch: EntryBatch;
    let resolve: (() => void) | undefined;
    let reject: ((e: unknown) => void) | undefined;
    if (this.sealed !== undefined) {
      // The sealed batch holds the earlier appends: it goes first; `buffer` stays open.
      batch = this.sealed;
      resolve = this.sealedResolve;
      reject = this.sealedReject;
      this.sealed = this.sealedResolve = this.sealedReject = undefined;
    } else {
      batch = this.buffer;
      if (batch.count === 0 && !this.forceCommit) return;
      resolve = this.bufResolve;
      reject = this.bufReject;
      this.buffer = this.takeSpare();
      this.bufPromise = this.bufResolve = this.bufReject = this.bufChained = undefined;
    }
    this.forceCommit = false;
    const unit = this.backend.nextUnit();
    const lowWater = Math.min(this.desiredLowWater, unit);
    let chunk: Buffer;
    try {
      chunk = encodeDataChunk(batch, lowWater);
    } catch (e) {
      this.spare = batch;
      this.fail(e, reject);
      return;
    }
    this.inflight = true;
    this.inflightReject = reject;
    this.admitWaiters();
    let committed: Promise<number>;
    try {
      committed = this.backend.commit(chunk);
    } catch (e) {
      committed = Promise.reject(e);
    }
    committed.then(
      (u) => this.onCommitted(batch, u, lowWater, resolve),
      (e: unknown) => {
        this.inflight = false;
        this.inflightReject = undefined;
        this.spare = batch;
        clearBatch(batch);
        this.fail(e, reject);
      },
    );
  };

  private onCommitted(batch: EntryBatch, unit: number, lowWater: number, resolve: (() => void) | undefined): void {
    this.inflight = false;
    this.inflightReject = undefined;
    if (this.state === 'failed') {
      // Aborted while the write was in flight: its appends were already rejected, and nothing
      // is acknowledged after a failure (invariant 4).
      clearBatch(batch);
      this.spare = batch;
      this.wakeCloser();
      return;
    }
    this.commits++;
    this.entriesCommitted += batch.count;
    this.accounting?.recordDurable(unit, batch.regions, batch.seqIds, batch.count);
    if (lowWater > this.durableLowWater) this.durableLowWater = lowWater;
    resetBatch(batch); // the backend is done with its chunk: the buffer is reused
    this.spare = batch;
    resolve?.(); // (only queues the acknowledgements; they run after this callback)
    // Appends that arrived during the write go out at once: the device never waits for the
    // callers just released, whose next appends join the commit after (or, if nothing was
    // buffered, start one from setImmediate).
    if (this.sealed !== undefined || this.buffer.count > 0 || this.forceCommit) this.runCommit();
    else if (this.closeResolve !== undefined && !this.busy()) this.wakeCloser();
  }

  /** Moves waiting appends into the (just emptied) buffer while they fit. */
  private admitWaiters(): void {
    const admittedBefore = this.waitersHead;
    while (this.waitersHead < this.waiters.length) {
      const w = this.waiters[this.waitersHead]!;
      const entryBytes = ENTRY_HEADER_SIZE + w.bodySize;
      if (this.buffer.count > 0 && this.buffer.entryBytes + entryBytes > this.maxBufferBytes) break;
      this.waiters[this.waitersHead++] = undefined as unknown as Waiter;
      try {
        addToBatch(this.buffer, w.region, w.seqId, w.writeTimeMs, w.cells, w.bodySize, w.nonce);
      } catch (e) {
        w.reject(e); // its cells changed while it waited; the others go on
        continue;
      }
      this.bufferPromise().then(w.resolve, w.reject);
    }
    if (this.waitersHead > admittedBefore) {
      this.bufChained = this.bufferPromise().then(noop);
      this.bufChained.catch(noop); // rejections are handled by whoever it is handed to
    }
    if (this.waitersHead === this.waiters.length) {
      this.waiters.length = 0;
      this.waitersHead = 0;
    }
  }

  private fail(cause: unknown, rejectInflight?: (e: unknown) => void): void {
    if (this.state === 'failed') {
      rejectInflight?.(this.failure);
      this.wakeCloser();
      return;
    }
    this.state = 'failed';
    this.failure =
      cause instanceof FencedError && cause.code === ErrorCodes.FENCED
        ? cause
        : new FencedError('wal writer stopped after a failed write; the server must abort and its wal be split', {
            details: { wal: this.backend.description },
            cause,
          });
    const err = this.failure;
    rejectInflight?.(err);
    this.inflightReject?.(err);
    this.sealedReject?.(err);
    this.sealed = this.sealedResolve = this.sealedReject = undefined;
    this.bufReject?.(err);
    this.bufPromise = this.bufResolve = this.bufReject = this.bufChained = undefined;
    clearBatch(this.buffer);
    for (let i = this.waitersHead; i < this.waiters.length; i++) this.waiters[i]!.reject(err);
    this.waiters.length = 0;
    this.waitersHead = 0;
    this.forceCommit = false;
    this.wakeCloser();
  }

  private wakeCloser(): void {
    const r = this.closeResolve;
    this.closeResolve = undefined;
    r?.();
  }

  private stateError(): FencedError {
    if (this.state === 'failed') return this.failure!;
    return new FencedError('wal writer is closed', { code: ErrorCodes.CLOSED, details: { wal: this.backend.description } });
  }
}
