// BufferedMutator: a client-side write buffer (HBase's BufferedMutator). Mutations collect in
// a buffer; the buffer is sent — grouped by server into MULTI_MUTATE calls, grouped by region
// inside each — when it reaches `writeBufferBytes` (default 2 MiB), every `flushIntervalMs`
// (default 1000 ms) and on flush()/close(). Failed actions are located again and resent
// (multi-action.ts) until they succeed, fail for good or the operation timeout passes.
//
// Up to `maxInFlightFlushes` flushes (default 2) run at once; while they run, new mutations
// fill the next buffer. When it is full and no flush may start, mutate() waits for one to
// end (backpressure). With more than one in flight, a mutation that had to be retried may be
// applied after a later mutation of the same row (as with HBase's AsyncProcess).
//
// Errors: mutations that failed in a background flush (size or time) go to `onError`; with
// no onError they are kept and the next flush()/close() rejects with the first of them.
// flush() rejects with the first failure of what it sent (every mutation was still tried).
//
// Thread safety: mutate/flush/close may be called concurrently.

import type { Mutation } from '../common/ops/operations.js';
import { ErrorCodes, FencedError, InvalidError } from '../common/errors.js';
import type { BufferedMutator, BufferedMutatorOptions } from './client-types.js';
import type { ClientContext } from './client-context.js';
import { checkOpen } from './client-context.js';
import { MAX_MUTATE_BYTES_PER_CALL, runGrouped, sendMultiMutate } from './multi-action.js';
import type { TableName } from './region-locator.js';
import { checkMutation, mutationSize } from './validate-ops.js';

export const DEFAULT_WRITE_BUFFER_BYTES = 2 * 1024 * 1024;
export const DEFAULT_FLUSH_INTERVAL_MS = 1000;
export const DEFAULT_MAX_IN_FLIGHT_FLUSHES = 2;

type Failure = { readonly mutation: Mutation; readonly error: Error };

export class ClientBufferedMutator implements BufferedMutator {
  private buffer: Mutation[] = [];
  private bufferBytes = 0;
  private readonly inFlight = new Set<Promise<void>>();
  private kept: Failure[] = [];
  private closed = false;
  private readonly limit: number;
  private readonly interval: number;
  private readonly maxInFlight: number;
  private readonly onError: BufferedMutatorOptions['onError'];
  private readonly reportBackground = (failures: Failure[]): void => this.background(failures);
  /** Flushes sent (tests and metrics). */
  flushes = 0;

  constructor(
    private readonly ctx: ClientContext,
    readonly name: string,
    private readonly table: TableName,
    opts: BufferedMutatorOptions = {},
  ) {
    this.limit = opts.writeBufferBytes ?? DEFAULT_WRITE_BUFFER_BYTES;
    this.interval = opts.flushIntervalMs ?? DEFAULT_FLUSH_INTERVAL_MS;
    this.maxInFlight = opts.maxInFlightFlushes ?? DEFAULT_MAX_IN_FLIGHT_FLUSHES;
    if (!Number.isFinite(this.limit) || this.limit < 1) throw new InvalidError('writeBufferBytes must be positive', { details: { writeBufferBytes: this.limit } });
    if (!Number.isFinite(this.interval) || this.interval < 0) throw new InvalidError('flushIntervalMs must be >= 0', { details: { flushIntervalMs: this.interval } });
    if (!Number.isSafeInteger(this.maxInFlight) || this.maxInFlight < 1) {
      throw new InvalidError('maxInFlightFlushes must be a positive integer', { details: { maxInFlightFlushes: this.maxInFlight } });
    }
    this.onError = opts.onError;
    if (this.interval > 0) void this.tick();
  }

  /** Bytes buffered and not yet sent. */
  get bufferedBytes(): number {
    return this.bufferBytes;
  }

  /** Flushes running now. */
  get flushesInFlight(): number {
    return this.inFlight.size;
  }

  async mutate(m: Mutation | readonly Mutation[]): Promise<void> {
    const list: readonly Mutation[] = Array.isArray(m) ? (m as readonly Mutation[]) : [m as Mutation];
    list.forEach(checkMutation);
    for (const x of list) {
      // Backpressure: the buffer is full and no more flushes may start.
      while (this.bufferBytes >= this.limit) {
        this.checkNotClosed();
        if (this.inFlight.size < this.maxInFlight) this.start(this.reportBackground);
        else await Promise.race(this.inFlight);
      }
      this.checkNotClosed();
      this.buffer.push(x);
      this.bufferBytes += mutationSize(x);
      if (this.bufferBytes >= this.limit && this.inFlight.size < this.maxInFlight) this.start(this.reportBackground);
    }
  }

  async flush(): Promise<void> {
    checkOpen(this.ctx);
    await this.flushAll();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    // The timer loop ends at its next tick.
    await this.flushAll();
  }

  /** Sends what is buffered and waits for every running flush; rejects with the first failure. */
  private async flushAll(): Promise<void> {
    const failures: Failure[] = [];
    const report = (f: Failure[]): void => {
      failures.push(...f);
    };
    while (this.buffer.length > 0) {
      if (this.inFlight.size < this.maxInFlight) this.start(report);
      else await Promise.race(this.inFlight);
    }
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
    const kept = this.kept;
    this.kept = [];
    const first = failures[0] ?? kept[0];
    if (first !== undefined) throw first.error;
  }

  /** Failures of a flush started by size or time: to onError, or kept for the next flush(). */
  private background(failures: Failure[]): void {
    if (failures.length === 0) return;
    if (this.onError !== undefined) {
      try {
        this.onError(failures);
      } catch {
        // A throwing callback must not break the mutator.
      }
    } else this.kept.push(...failures);
  }

  /** Sends the current buffer as one flush (never rejects; failures go to `report`). */
  private start(report: (failures: Failure[]) => void): Promise<void> {
    const batch = this.buffer;
    this.buffer = [];
    this.bufferBytes = 0;
    this.flushes++;
    const p: Promise<void> = this.send(batch)
      .then(report)
      .finally(() => {
        this.inFlight.delete(p);
      });
    this.inFlight.add(p);
    return p;
  }

  private async send(batch: readonly Mutation[]): Promise<Failure[]> {
    if (batch.length === 0) return [];
    let outcomes;
    try {
      outcomes = await runGrouped(this.ctx, this.table, batch.map((m) => m.row), 'bufferedMutator.flush', sendMultiMutate(batch), {
        weight: (i) => mutationSize(batch[i]!),
        maxWeightPerCall: MAX_MUTATE_BYTES_PER_CALL,
      });
    } catch (err) {
      const error = err instanceof Error ? err : new Error(String(err));
      return batch.map((mutation) => ({ mutation, error }));
    }
    const failures: Failure[] = [];
    outcomes.forEach((o, i) => {
      if (!o.ok) failures.push({ mutation: batch[i]!, error: o.error instanceof Error ? o.error : new Error(String(o.error)) });
    });
    return failures;
  }

  private async tick(): Promise<void> {
    while (!this.closed && !this.ctx.isClosed()) {
      await this.ctx.policy.clock.sleep(this.interval);
      if (this.closed || this.ctx.isClosed()) return;
      if (this.buffer.length > 0 && this.inFlight.size < this.maxInFlight) await this.start(this.reportBackground);
    }
  }

  private checkNotClosed(): void {
    checkOpen(this.ctx);
    if (this.closed) throw new FencedError('the buffered mutator is closed', { code: ErrorCodes.CLOSED, details: { table: this.name } });
  }
}
