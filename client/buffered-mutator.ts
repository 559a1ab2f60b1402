// BufferedMutator: a client-side write buffer (HBase's BufferedMutator). Mutations collect in
// a buffer; the buffer is sent — grouped by server into MULTI_MUTATE calls, grouped by region
// inside each — when it reaches `writeBufferBytes` (default 2 MiB), every `flushIntervalMs`
// (default 1000 ms) and on flush()/close(). Failed actions are located again and resent
// (multi-action.ts) until they succeed, fail for good or the operation timeout passes.
//
// One flush runs at a time; while it runs, new mutations fill the next buffer. When that one
// is full too, mutate() waits for the running flush (backpressure).
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
import { runGrouped, sendMultiMutate } from './multi-action.js';
import type { TableName } from './region-locator.js';
import { checkMutation, mutationSize } from './validate-ops.js';

export const DEFAULT_WRITE_BUFFER_BYTES = 2 * 1024 * 1024;
export const DEFAULT_FLUSH_INTERVAL_MS = 1000;

type Failure = { readonly mutation: Mutation; readonly error: Error };

export class ClientBufferedMutator implements BufferedMutator {
  private buffer: Mutation[] = [];
  private bufferBytes = 0;
  private running: Promise<Failure[]> | undefined;
  private kept: Failure[] = [];
  private closed = false;
  private readonly limit: number;
  private readonly interval: number;
  private readonly onError: BufferedMutatorOptions['onError'];
  private timerLoop: Promise<void> | undefined;
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
    if (!Number.isFinite(this.limit) || this.limit < 1) throw new InvalidError('writeBufferBytes must be positive', { details: { writeBufferBytes: this.limit } });
    if (!Number.isFinite(this.interval) || this.interval < 0) throw new InvalidError('flushIntervalMs must be >= 0', { details: { flushIntervalMs: this.interval } });
    this.onError = opts.onError;
    if (this.interval > 0) this.timerLoop = this.tick();
  }

  /** Bytes buffered and not yet sent. */
  get bufferedBytes(): number {
    return this.bufferBytes;
  }

  async mutate(m: Mutation | readonly Mutation[]): Promise<void> {
    const list: readonly Mutation[] = Array.isArray(m) ? (m as readonly Mutation[]) : [m as Mutation];
    list.forEach(checkMutation);
    for (const x of list) {
      // Backpressure: the buffer is full and a flush is running.
      while (this.bufferBytes >= this.limit && this.running !== undefined) {
        this.checkNotClosed();
        await this.running.catch(() => undefined);
      }
      this.checkNotClosed();
      this.buffer.push(x);
      this.bufferBytes += mutationSize(x);
      if (this.bufferBytes >= this.limit && this.running === undefined) void this.background();
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

  /** Waits for the running flush, then sends what is buffered; rejects with the first failure. */
  private async flushAll(): Promise<void> {
    const failures: Failure[] = [];
    while (this.running !== undefined || this.buffer.length > 0) {
      if (this.running !== undefined) {
        const f = await this.running;
        // A background flush's failures already went to onError/kept.
        void f;
        continue;
      }
      failures.push(...(await this.start()));
    }
    const kept = this.kept;
    this.kept = [];
    const first = failures[0] ?? kept[0];
    if (first !== undefined) throw first.error;
  }

  /** Flush started by size or time: failures go to onError (or are kept for flush()). */
  private async background(): Promise<void> {
    const failures = await this.start();
    if (failures.length === 0) return;
    if (this.onError !== undefined) {
      try {
        this.onError(failures);
      } catch {
        // A throwing callback must not break the mutator.
      }
    } else this.kept.push(...failures);
  }

  /** Sends the current buffer as one flush. REQUIRES: no flush running. */
  private start(): Promise<Failure[]> {
    const batch = this.buffer;
    this.buffer = [];
    this.bufferBytes = 0;
    this.flushes++;
    const p = this.send(batch).finally(() => {
      if (this.running === p) this.running = undefined;
    });
    this.running = p;
    return p;
  }

  private async send(batch: readonly Mutation[]): Promise<Failure[]> {
    if (batch.length === 0) return [];
    let outcomes;
    try {
      outcomes = await runGrouped(this.ctx, this.table, batch.map((m) => m.row), 'bufferedMutator.flush', sendMultiMutate(batch));
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
      if (this.buffer.length > 0 && this.running === undefined) await this.background();
    }
  }

  private checkNotClosed(): void {
    checkOpen(this.ctx);
    if (this.closed) throw new FencedError('the buffered mutator is closed', { code: ErrorCodes.CLOSED, details: { table: this.name } });
  }
}
