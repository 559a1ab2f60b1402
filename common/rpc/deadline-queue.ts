// DeadlineQueue: (call id, deadline) pairs in the order they were added, in typed arrays (a
// ring buffer that doubles when full). The calls that share a connection's default timeout
// are added as they are sent, so their deadlines are already in order: expiring them is a
// walk from the front, with no timer and no object per call.
//
// Not thread-safe (one event loop).

export class DeadlineQueue {
  private ids = new Float64Array(64);
  private deadlines = new Float64Array(64);
  private head = 0;
  private count = 0;

  get size(): number {
    return this.count;
  }

  push(id: number, deadline: number): void {
    if (this.count === this.ids.length) this.grow();
    const i = (this.head + this.count) & (this.ids.length - 1);
    this.ids[i] = id;
    this.deadlines[i] = deadline;
    this.count++;
  }

  /** The id at the front. REQUIRES: size > 0. */
  peekId(): number {
    return this.ids[this.head]!;
  }

  /** The deadline at the front. REQUIRES: size > 0. */
  peekDeadline(): number {
    return this.deadlines[this.head]!;
  }

  /** Removes the front pair and returns its id. REQUIRES: size > 0. */
  shift(): number {
    const id = this.ids[this.head]!;
    this.head = (this.head + 1) & (this.ids.length - 1);
    this.count--;
    return id;
  }

  /** Drops every pair whose id fails `keep`, keeping the order of the others. */
  retain(keep: (id: number) => boolean): void {
    const n = this.ids.length;
    let w = 0;
    for (let k = 0; k < this.count; k++) {
      const i = (this.head + k) & (n - 1);
      const id = this.ids[i]!;
      if (!keep(id)) continue;
      const j = (this.head + w) & (n - 1);
      this.ids[j] = id;
      this.deadlines[j] = this.deadlines[i]!;
      w++;
    }
    this.count = w;
  }

  clear(): void {
    this.head = 0;
    this.count = 0;
  }

  private grow(): void {
    const n = this.ids.length;
    const ids = new Float64Array(n * 2);
    const deadlines = new Float64Array(n * 2);
    for (let k = 0; k < n; k++) {
      const i = (this.head + k) & (n - 1);
      ids[k] = this.ids[i]!;
      deadlines[k] = this.deadlines[i]!;
    }
    this.ids = ids;
    this.deadlines = deadlines;
    this.head = 0;
  }
}
