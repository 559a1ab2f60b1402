// WAL backend on an ObjectStore (S3): one object per group commit.
//
// Chunk k of incarnation `epoch` of `server` is the object wal/<server>/<epoch:20>/<k:20>
// (common/paths.ts), written with create-if-absent (If-None-Match: *). k runs 0, 1, 2, … with
// no gaps: chunk k+1 is written only after chunk k is durable. This is what makes fencing work
// (docs/rfcs/0001-wal-fencing.md): the master writes a FENCE chunk at the next free k, and
// this writer can then never write that k nor, therefore, any later one.
//
// Outcomes of the conditional PUT of chunk k:
//  - success: durable, acknowledge.
//  - transient failure (UnavailableError, retryable): retry the SAME bytes at the SAME k with
//    backoff, until retryBudgetMs has passed, then fail (the writer aborts).
//  - ConflictError: someone holds k. Re-read it. If it holds exactly our bytes, an earlier
//    attempt whose answer was lost did land: acknowledge. Otherwise (a FENCE chunk, or another
//    writer's data) this WAL is fenced: FencedError TSB_FENCED.
//  - anything else: final; the writer aborts.

import type { Clock } from '../../common/clock.js';
import { systemClock } from '../../common/clock.js';
import { ConflictError, FencedError, isRetryable, NotFoundError, UnavailableError } from '../../common/errors.js';
import type { ObjectStore } from '../../common/objectstore/object-store.js';
import { walChunkKey, walEpochPrefix } from '../../common/paths.js';
import type { Random } from '../../common/random.js';
import { systemRandom } from '../../common/random.js';
import type { WalBackend } from './wal-backend.js';

export interface S3WalBackendOptions {
  readonly clock?: Clock;
  readonly random?: Random;
  /** First chunk number (default 0: a fresh incarnation). */
  readonly startSeq?: number;
  /** How long to keep retrying one chunk through transient failures (default 60 s). */
  readonly retryBudgetMs?: number;
  /** First retry delay (default 20 ms), doubled per attempt up to maxRetryDelayMs (1 s). */
  readonly retryDelayMs?: number;
  readonly maxRetryDelayMs?: number;
}

export class S3WalBackend implements WalBackend {
  readonly description: string;
  private readonly clock: Clock;
  private readonly random: Random;
  private readonly retryBudgetMs: number;
  private readonly retryDelayMs: number;
  private readonly maxRetryDelayMs: number;
  private next: number;
  private deletedBelow = 0;

  /**
   * A writer of incarnation `epoch` of `server`'s WAL in `store`.
   * REQUIRES: no other live writer uses (server, epoch); each process start takes a new epoch
   * (e.g. the server's start code). A reused epoch is detected on the first write (its chunk 0
   * exists with other bytes) and reported as TSB_FENCED.
   */
  constructor(
    private readonly store: ObjectStore,
    private readonly server: string,
    private readonly epoch: number,
    opts: S3WalBackendOptions = {},
  ) {
    walEpochPrefix(server, epoch); // validates the names
    this.description = `${store.description}/${walEpochPrefix(server, epoch)}`;
    this.clock = opts.clock ?? systemClock;
    this.random = opts.random ?? systemRandom;
    this.next = opts.startSeq ?? 0;
    this.deletedBelow = this.next;
    this.retryBudgetMs = opts.retryBudgetMs ?? 60_000;
    this.retryDelayMs = opts.retryDelayMs ?? 20;
    this.maxRetryDelayMs = opts.maxRetryDelayMs ?? 1000;
  }

  nextUnit(): number {
    return this.next;
  }

  async commit(chunk: Buffer): Promise<number> {
    const k = this.next;
    const key = walChunkKey(this.server, this.epoch, k);
    const started = this.clock.monotonicMs();
    for (let attempt = 0; ; attempt++) {
      try {
        await this.store.put(key, chunk, { ifNoneMatch: '*' });
        this.next = k + 1;
        return k;
      } catch (e) {
        if (e instanceof ConflictError) {
          if (await this.holdsOurBytes(key, chunk, started)) {
            this.next = k + 1;
            return k;
          }
          throw new FencedError('wal is fenced: another process wrote the next chunk; this server must stop', {
            details: { key },
            cause: e,
          });
        }
        await this.backoffOrThrow(e, attempt, started, key);
      }
    }
  }

  async deleteBelow(lowWater: number): Promise<void> {
    const top = Math.min(lowWater, this.next);
    while (this.deletedBelow < top) {
      const end = Math.min(top, this.deletedBelow + 1000);
      const keys: string[] = [];
      for (let k = this.deletedBelow; k < end; k++) keys.push(walChunkKey(this.server, this.epoch, k));
      const started = this.clock.monotonicMs();
      for (let attempt = 0; ; attempt++) {
        try {
          await this.store.deleteMany(keys);
          break;
        } catch (e) {
          await this.backoffOrThrow(e, attempt, started, keys[0]!);
        }
      }
      this.deletedBelow = end;
    }
  }

  async close(): Promise<void> {}

  /** After a lost create-if-absent on `key`: does it hold exactly `chunk`? */
  private async holdsOurBytes(key: string, chunk: Buffer, started: number): Promise<boolean> {
    for (let attempt = 0; ; attempt++) {
      try {
        const got = await this.store.get(key);
        return got.body.equals(chunk);
      } catch (e) {
        // Gone again: only a split's cleanup deletes chunks, and only after a fence.
        if (e instanceof NotFoundError) return false;
        await this.backoffOrThrow(e, attempt, started, key);
      }
    }
  }

  private async backoffOrThrow(e: unknown, attempt: number, started: number, key: string): Promise<void> {
    if (!isRetryable(e)) throw e;
    if (this.clock.monotonicMs() - started >= this.retryBudgetMs) {
      throw new UnavailableError('wal chunk write kept failing; giving up', {
        details: { key, attempts: attempt + 1, budgetMs: this.retryBudgetMs },
        cause: e,
      });
    }
    const cap = Math.min(this.maxRetryDelayMs, this.retryDelayMs * 2 ** Math.min(attempt, 20));
    await this.clock.sleep(cap / 2 + this.random.next() * (cap / 2));
  }
}
