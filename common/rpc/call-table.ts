// CallTable: the calls in flight on one connection, by call id — an open-addressing hash table
// (linear probing, backward-shift deletion) over a typed array of keys and a plain array of
// values, instead of a Map.
//
// Why not a Map: call ids only grow, so a Map of calls in flight keeps appending entries and
// rehashing into new backing tables, and V8 keeps every obsolete table pointing at its
// successor (for iterators). Once one of those tables has been promoted to the old
// generation, that chain — and every call, promise and decoded answer the tables reference —
// survives each scavenge until the next full GC: measured on a client doing 25k gets/s with
// 8-64 calls in flight, ~45% of everything allocated was promoted and scavenges took 5-12 ms
// instead of ~1 ms (docs/benchmarks.md, session 5). Here a growing table replaces its arrays,
// and the old ones point at nothing.
//
// Keys are u32 call ids; values are never undefined. Not thread-safe (one event loop).

const MIN_CAPACITY = 16;

export class CallTable<V> {
  /** keys[i]: the id in slot i (as a signed 32-bit int); meaningful only where vals[i] is set. */
  private keys = new Int32Array(MIN_CAPACITY);
  private vals: (V | undefined)[] = new Array<V | undefined>(MIN_CAPACITY).fill(undefined);
  private mask = MIN_CAPACITY - 1;
  private count = 0;

  get size(): number {
    return this.count;
  }

  get(id: number): V | undefined {
    const k = id | 0;
    const keys = this.keys;
    const vals = this.vals;
    for (let i = hash(k) & this.mask; ; i = (i + 1) & this.mask) {
      const v = vals[i];
      if (v === undefined) return undefined;
      if (keys[i] === k) return v;
    }
  }

  has(id: number): boolean {
    return this.get(id) !== undefined;
  }

  /** Adds or replaces the value of `id`. */
  set(id: number, v: V): void {
    if ((this.count + 1) * 2 > this.vals.length) this.resize(this.vals.length * 2);
    const k = id | 0;
    const keys = this.keys;
    const vals = this.vals;
    for (let i = hash(k) & this.mask; ; i = (i + 1) & this.mask) {
      if (vals[i] === undefined) {
        keys[i] = k;
        vals[i] = v;
        this.count++;
        return;
      }
      if (keys[i] === k) {
        vals[i] = v;
        return;
      }
    }
  }

  /** Removes `id`; returns its value, or undefined if it was absent. */
  delete(id: number): V | undefined {
    const k = id | 0;
    const keys = this.keys;
    const vals = this.vals;
    const mask = this.mask;
    let i = hash(k) & mask;
    for (; ; i = (i + 1) & mask) {
      const v = vals[i];
      if (v === undefined) return undefined;
      if (keys[i] === k) break;
    }
    const removed = vals[i];
    // Backward-shift deletion: move later entries of the probe run into the hole, so lookups
    // never need tombstones.
    let hole = i;
    for (let j = (i + 1) & mask; vals[j] !== undefined; j = (j + 1) & mask) {
      const home = hash(keys[j]!) & mask;
      // The entry at j may move to the hole if its home slot is not within (hole, j].
      if (hole <= j ? home <= hole || home > j : home <= hole && home > j) {
        keys[hole] = keys[j]!;
        vals[hole] = vals[j];
        hole = j;
      }
    }
    vals[hole] = undefined;
    this.count--;
    if (this.vals.length > MIN_CAPACITY && this.count * 8 < this.vals.length) this.resize(this.vals.length / 2);
    return removed;
  }

  /** Every value, in no particular order. */
  values(): V[] {
    const out: V[] = [];
    for (const v of this.vals) if (v !== undefined) out.push(v);
    return out;
  }

  clear(): void {
    this.keys = new Int32Array(MIN_CAPACITY);
    this.vals = new Array<V | undefined>(MIN_CAPACITY).fill(undefined);
    this.mask = MIN_CAPACITY - 1;
    this.count = 0;
  }

  private resize(capacity: number): void {
    const oldKeys = this.keys;
    const oldVals = this.vals;
    this.keys = new Int32Array(capacity);
    this.vals = new Array<V | undefined>(capacity).fill(undefined);
    this.mask = capacity - 1;
    this.count = 0;
    for (let i = 0; i < oldVals.length; i++) {
      const v = oldVals[i];
      if (v !== undefined) this.set(oldKeys[i]!, v);
    }
  }
}

/** Spreads consecutive ids over the table (a multiplicative hash; callers mask the low bits). */
function hash(k: number): number {
  const h = Math.imul(k, 0x9e3779b1);
  return (h ^ (h >>> 15)) >>> 0;
}
