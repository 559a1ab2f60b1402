// Injected time. Every piece of code that reads the time or sleeps takes a Clock, so tests
// (and deterministic simulations) can control it.

export interface Clock {
  /** Wall-clock milliseconds since the Unix epoch (cell timestamps, WAL write times). */
  nowMs(): number;
  /** Monotonic milliseconds with sub-millisecond precision (latencies, timeouts). */
  monotonicMs(): number;
  /** Resolves after `ms` milliseconds of this clock's time. */
  sleep(ms: number): Promise<void>;
}

/** The real clock of the process. */
export const systemClock: Clock = {
  nowMs: () => Date.now(),
  monotonicMs: () => performance.now(),
  sleep: (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)),
};

/**
 * A clock that moves only when told to. `sleep` resolves when `advance` moves the time past
 * the sleeper's deadline.
 */
export class ManualClock implements Clock {
  private now: number;
  private sleepers: Array<{ until: number; resolve: () => void }> = [];

  constructor(startMs = 1_700_000_000_000) {
    this.now = startMs;
  }

  nowMs(): number {
    return this.now;
  }

  monotonicMs(): number {
    return this.now;
  }

  sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      this.sleepers.push({ until: this.now + Math.max(0, ms), resolve });
      this.sleepers.sort((a, b) => a.until - b.until);
    });
  }

  /** Moves time forward by `ms` and wakes every sleeper whose deadline has passed. */
  advance(ms: number): void {
    this.now += ms;
    while (this.sleepers.length > 0 && this.sleepers[0]!.until <= this.now) {
      this.sleepers.shift()!.resolve();
    }
  }
}
