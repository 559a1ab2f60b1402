// Per-key mutual exclusion: operations on one region (or one table) run one at a time, in the
// order they asked, while operations on different keys run concurrently. The master's region
// state machine relies on it: every transition of a region happens under that region's lock,
// so a transition always starts from the state the previous one left.

export class KeyedLock {
  private readonly tails = new Map<string, Promise<void>>();

  /**
   * Runs `fn` once every earlier `run` of `key` has settled; returns its result. A failing
   * `fn` does not block later ones. Not re-entrant: `fn` must not `run` the same key.
   */
  async run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.tails.get(key) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((r) => (release = r));
    const tail = prev.then(() => mine);
    this.tails.set(key, tail);
    await prev;
    try {
      return await fn();
    } finally {
      release();
      if (this.tails.get(key) === tail) this.tails.delete(key);
    }
  }

  /**
   * Runs `fn` holding every key of `keys`, taken one by one in sorted order (so two callers
   * locking overlapping sets cannot deadlock, as long as every multi-key caller uses this).
   */
  async runAll<T>(keys: readonly string[], fn: () => Promise<T>): Promise<T> {
    const sorted = [...new Set(keys)].sort();
    const step = (i: number): Promise<T> => (i === sorted.length ? fn() : this.run(sorted[i]!, () => step(i + 1)));
    return step(0);
  }

  /** True while some `run` of `key` is running or waiting. */
  busy(key: string): boolean {
    return this.tails.has(key);
  }
}

/** Runs `fn` over `items` with at most `limit` running at once; rejects with the first failure after all settle. */
export async function forEachLimit<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let firstError: unknown;
  let failed = false;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const item = items[next++]!;
      try {
        await fn(item);
      } catch (e) {
        if (!failed) {
          failed = true;
          firstError = e;
        }
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  if (failed) throw firstError;
}
