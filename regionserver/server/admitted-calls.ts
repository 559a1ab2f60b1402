// The calls a fence admitted that are still running (meta-fence.ts, master-fence.ts). A raise
// of a fence waits for them: once it answers, every call admitted before it has finished, and
// every later call of an older master is refused.

export class AdmittedCalls {
  private readonly running = new Set<Promise<unknown>>();

  /** Runs `op`, tracked until it settles; returns its outcome. */
  async run<T>(op: () => Promise<T>): Promise<T> {
    const p = op();
    this.running.add(p);
    try {
      return await p;
    } finally {
      this.running.delete(p);
    }
  }

  /** Resolves once every call running now has settled (whatever its outcome). */
  async drain(): Promise<void> {
    await Promise.allSettled([...this.running]);
  }

  /** Stops tracking the running calls (a fence that starts over). */
  clear(): void {
    this.running.clear();
  }
}
