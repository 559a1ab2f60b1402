// Compaction throughput limit: a token bucket of bytes refilled at `bytesPerSec` by the
// injected Clock (a simplified HBase PressureAwareThroughputController with a fixed limit).
// Every compaction of a server shares one controller, so the limit is per server.
//
// One event loop; acquire() may be called concurrently (callers are served in order).

import type { Clock } from '../../common/clock.js';
import { InvalidError } from '../../common/errors.js';

export interface ThroughputOptions {
  /** Sustained limit; Infinity = unlimited. */
  readonly bytesPerSec: number;
  /** Bytes that may go at once after an idle period (default: one second's worth). */
  readonly burstBytes?: number;
}

export class ThroughputController {
  private tokens: number;
  private last: number;
  private readonly burst: number;
  private queue: Promise<void> = Promise.resolve();
  /** Total time (ms, of the clock) callers were made to wait. */
  throttledMs = 0;
  /** Bytes passed. */
  bytes = 0;

  constructor(
    private readonly clock: Clock,
    readonly opts: ThroughputOptions,
  ) {
    if (!(opts.bytesPerSec > 0)) throw new InvalidError('compaction throughput must be positive', { details: { bytesPerSec: opts.bytesPerSec } });
    this.burst = opts.burstBytes ?? (Number.isFinite(opts.bytesPerSec) ? opts.bytesPerSec : 0);
    this.tokens = this.burst;
    this.last = clock.monotonicMs();
  }

  /** Waits until `n` bytes may pass (a request larger than the burst goes into debt and later callers wait it off). */
  acquire(n: number): Promise<void> {
    this.bytes += n;
    if (!Number.isFinite(this.opts.bytesPerSec)) return Promise.resolve();
    const p = this.queue.then(() => this.take(n));
    this.queue = p;
    return p;
  }

  private async take(n: number): Promise<void> {
    this.refill();
    this.tokens -= n;
    if (this.tokens >= 0) return;
    const waitMs = Math.ceil((-this.tokens / this.opts.bytesPerSec) * 1000);
    this.throttledMs += waitMs;
    await this.clock.sleep(waitMs);
    this.refill();
  }

  private refill(): void {
    const now = this.clock.monotonicMs();
    const add = ((now - this.last) / 1000) * this.opts.bytesPerSec;
    this.last = now;
    this.tokens = Math.min(this.burst, this.tokens + add);
  }
}
