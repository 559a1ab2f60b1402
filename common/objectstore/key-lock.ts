// A per-key asynchronous mutex: callers holding different keys run concurrently, callers of
// one key run one at a time in arrival order. In-process only.

export class KeyedMutex {
  private readonly tails = new Map<string, Promise<void>>();

  /**
   * Runs `fn` once every earlier `run` of the same key has settled, and returns its result.
   * `fn` must not call `run` for the same key (it would wait for itself).
   */
  async run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.tails.get(key);
    let release!: () => void;
    const mine = new Promise<void>((resolve) => (release = resolve));
    const tail = prev === undefined ? mine : prev.then(() => mine);
    this.tails.set(key, tail);
    try {
      if (prev !== undefined) await prev;
      return await fn();
    } finally {
      release();
      if (this.tails.get(key) === tail) this.tails.delete(key);
    }
  }

  /** Number of keys with a holder or waiters (for tests). */
  get size(): number {
    return this.tails.size;
  }
}
