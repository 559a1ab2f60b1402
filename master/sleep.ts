// Waiting on the injected Clock without leaving long timers behind: waits are cut into
// slices of at most SLICE_MS, so a wait that is no longer needed (the term ended, the
// condition came true) leaves at most one short timer pending and never holds a stopping
// process open for long.

import type { Clock } from '../common/clock.js';

const SLICE_MS = 250;

/** Sleeps `ms` on `clock`, returning early once `stop()` is true (checked every slice and before the first). */
export async function interruptibleSleep(clock: Clock, ms: number, stop: () => boolean, wake?: Promise<unknown>): Promise<void> {
  const deadline = clock.monotonicMs() + ms;
  for (;;) {
    if (stop()) return;
    const left = deadline - clock.monotonicMs();
    if (left <= 0) return;
    const slice = clock.sleep(Math.min(SLICE_MS, left));
    await (wake !== undefined ? Promise.race([slice, wake]) : slice);
  }
}
