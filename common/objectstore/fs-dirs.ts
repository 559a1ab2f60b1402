// Directory bookkeeping of the filesystem ObjectStore: creating directories durably and
// fsyncing them, with concurrent fsyncs of one directory coalesced.
//
// Invariants:
//  1. A directory `ensure` resolved for is durable: it exists and its entry in every ancestor
//     up to the base has been fsynced. Remembered until `forget`.
//  2. A `sync(dir)` promise resolves only after an fsync of `dir` that *started after* the
//     call, so every directory change the caller made before calling is durable. Callers that
//     arrive while an fsync runs share the next one, so N concurrent puts into one directory
//     cost about two directory fsyncs, not N.

import { mkdir, open } from 'node:fs/promises';
import { dirname } from 'node:path';

interface SyncState {
  running?: Promise<void> | undefined;
  next?: Promise<void> | undefined;
}

const noop = (): void => {};

export class DirectoryTracker {
  private readonly ready = new Map<string, Promise<void>>();
  private readonly syncs = new Map<string, SyncState>();
  /** Number of directory fsyncs issued (for tests and metrics). */
  fsyncCount = 0;

  /** `base` must exist and be durable already; directories are only created below it. */
  constructor(private readonly base: string) {}

  /**
   * Makes `dir` (a path below `base`) exist durably. Concurrent calls share the work.
   * Rejects with the underlying fs error (e.g. ENOTDIR, ENOSPC).
   */
  ensure(dir: string): Promise<void> {
    if (dir === this.base) return Promise.resolve();
    let p = this.ready.get(dir);
    if (p === undefined) {
      p = this.create(dir);
      this.ready.set(dir, p);
      p.catch(() => {
        if (this.ready.get(dir) === p) this.ready.delete(dir);
      });
    }
    return p;
  }

  private async create(dir: string): Promise<void> {
    const parent = dirname(dir);
    for (let attempt = 0; ; attempt++) {
      await this.ensure(parent);
      try {
        await mkdir(dir);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        // ENOENT: the parent was removed after we ensured it (an rmdir of an empty directory).
        if (code === 'ENOENT' && attempt < 8) {
          this.forget(parent);
          continue;
        }
        if (code !== 'EEXIST') throw err;
      }
      // Also after EEXIST: the directory may come from a process that died before its fsync.
      await this.sync(parent);
      return;
    }
  }

  /** Forgets that `dir` and its ancestors are durable (after ENOENT, or after removing it). */
  forget(dir: string): void {
    for (let d = dir; d !== this.base && d.length > this.base.length; d = dirname(d)) this.ready.delete(d);
  }

  /** Forgets `dir` only (after this process removed it; its ancestors still exist). */
  forgetOne(dir: string): void {
    this.ready.delete(dir);
  }

  /** Fsyncs `dir`; see invariant 2. */
  sync(dir: string): Promise<void> {
    let st = this.syncs.get(dir);
    if (st === undefined) {
      st = {};
      this.syncs.set(dir, st);
    }
    if (st.running === undefined) return (st.running = this.run(dir, st, undefined));
    return (st.next ??= this.run(dir, st, st.running));
  }

  private run(dir: string, st: SyncState, after: Promise<void> | undefined): Promise<void> {
    const self: { p?: Promise<void> } = {}; // set before `start` runs when `after` is given
    const start = (): Promise<void> => {
      if (self.p !== undefined && st.next === self.p) {
        st.next = undefined;
        st.running = self.p;
      }
      return this.fsyncDir(dir);
    };
    const p: Promise<void> = (after === undefined ? start() : after.then(noop, noop).then(start)).finally(() => {
      if (st.running === p) st.running = undefined;
      if (st.running === undefined && st.next === undefined && this.syncs.get(dir) === st) this.syncs.delete(dir);
    });
    self.p = p;
    return p;
  }

  private async fsyncDir(dir: string): Promise<void> {
    this.fsyncCount++;
    const fh = await open(dir, 'r');
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
  }
}
