// Runs a task every `intervalMs` of a Clock until stopped; one run at a time (the next
// interval starts after a run ends). On the system clock it uses an unref'd timer that stop()
// clears, so a stopped server leaves no timer holding the process; on any other clock (tests'
// ManualClock) it sleeps on the clock, and a stopped loop ends at its next wake-up.

import type { Clock } from '../../common/clock.js';
import { systemClock } from '../../common/clock.js';

export interface Periodic {
  stop(): void;
}

export function every(clock: Clock, intervalMs: number, task: () => unknown, onError: (err: unknown) => void): Periodic {
  let stopped = false;
  const run = async (): Promise<void> => {
    try {
      await task();
    } catch (err) {
      onError(err);
    }
  };
  if (clock === systemClock) {
    let timer: NodeJS.Timeout | undefined;
    const arm = (): void => {
      timer = setTimeout(() => {
        void run().then(() => {
          if (!stopped) arm();
        });
      }, intervalMs);
      timer.unref();
    };
    arm();
    return {
      stop() {
        stopped = true;
        if (timer !== undefined) clearTimeout(timer);
      },
    };
  }
  void (async () => {
    while (!stopped) {
      await clock.sleep(intervalMs);
      if (stopped) break;
      await run();
    }
  })();
  return {
    stop() {
      stopped = true;
    },
  };
}

/**
 * A sleep of `ms` on `clock` that cancel() resolves early. On the system clock its timer is
 * cleared by cancel(), so nothing is left holding the process.
 */
export function cancellableSleep(clock: Clock, ms: number): { readonly done: Promise<void>; cancel(): void } {
  let resolve!: () => void;
  const done = new Promise<void>((r) => (resolve = r));
  if (clock === systemClock) {
    const timer = setTimeout(resolve, ms);
    timer.unref();
    return {
      done,
      cancel() {
        clearTimeout(timer);
        resolve();
      },
    };
  }
  void clock.sleep(ms).then(resolve);
  return { done, cancel: resolve };
}
