// Where writers wait for backpressure to clear: a flush or compaction finishing (or the region
// closing) wakes every waiter; each also wakes after at most WAKE_SLICE_MS of the injected
// clock to look again (so a missed wake-up costs a second, not a hang).
//
// One event loop; wake() may be called at any time, any number of times.

import type { Clock } from '../../common/clock.js';

const WAKE_SLICE_MS = 1000;

export class PressureGate {
  private waiters: Array<() => void> = [];

  constructor(private readonly clock: Clock) {}

  /** Resolves at the next wake(), or after min(ms, 1 s). Never rejects. */
  changedOr(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      let done = false;
      const finish = (): void => {
        if (done) return;
        done = true;
        resolve();
      };
      this.waiters.push(finish);
      void this.clock.sleep(Math.min(ms, WAKE_SLICE_MS)).then(finish);
    });
  }

  /** Wakes every current waiter. */
  wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  /** Writers waiting now. */
  get waiting(): number {
    return this.waiters.length;
  }
}
