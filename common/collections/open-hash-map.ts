// OpenHashMap: a hash map for long-lived tables whose keys keep changing (calls in flight by
// id, open scanners by id) — open addressing with linear probing and backward-shift deletion
// over plain arrays, instead of a JS Map.
//
// Why not a Map: a Map whose keys are always new (ids that only grow, random ids) keeps
// appending entries and rehashing into new backing tables, and V8 keeps every obsolete table
// pointing at its successor (for live iterators). Once one of those tables has been promoted to
// the old generation, that chain — and every value the tables held, with everything those
// reference — survives each scavenge until the next full GC. Measured on a client doing 25k
// gets/s with 8-64 calls in flight: ~45% of everything allocated was promoted and scavenges
// took 5-12 ms instead of ~1 ms (docs/benchmarks.md, session 5). Here growing or shrinking
// replaces the arrays, and the old ones point at nothing.
//
// Keys are compared with ===, so use primitive keys (numbers, bigints, strings); `hash` must
// return a non-negative 32-bit integer, equal for equal keys. Values are never undefined.
// Iteration order is unspecified. Not thread-safe (one event loop).

const MIN_CAPACITY = 16;

export class OpenHashMap<K, V> {
  private keys: (K | undefined)[];
  private vals: (V | undefined)[];
  private mask = MIN_CAPACITY - 1;
  private count = 0;

  constructor(private readonly hash: (k: K) => number) {
    this.keys = new Array<K | undefined>(MIN_CAPACITY).fill(undefined);
    this.vals = new Array<V | undefined>(MIN_CAPACITY).fill(undefined);
  }

  get size(): number {
    return this.count;
  }

  get(k: K): V | undefined {
    const keys = this.keys;
    const vals = this.vals;
    for (let i = this.hash(k) & this.mask; ; i = (i + 1) & this.mask) {
      const v = vals[i];
      if (v === undefined) return undefined;
      if (keys[i] === k) return v;
    }
  }

  has(k: K): boolean {
    return this.get(k) !== undefined;
  }

  /** Adds or replaces the value of `k`. REQUIRES: v !== undefined. */
  set(k: K, v: V): void {
    if ((this.count + 1) * 2 > this.vals.length) this.resize(this.vals.length * 2);
    const keys = this.keys;
    const vals = this.vals;
    for (let i = this.hash(k) & this.mask; ; i = (i + 1) & this.mask) {
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

  /** Removes `k`; returns its value, or undefined if it was absent. */
  delete(k: K): V | undefined {
    const keys = this.keys;
    const vals = this.vals;
    const mask = this.mask;
    let i = this.hash(k) & mask;
    for (; ; i = (i + 1) & mask) {
      if (vals[i] === undefined) return undefined;
      if (keys[i] === k) break;
    }
    const removed = vals[i];
    // Backward-shift deletion: later entries of the probe run move into the hole, so lookups
    // never meet tombstones. The entry at j may move to the hole unless its home slot lies
    // cyclically within (hole, j].
    let hole = i;
    for (let j = (i + 1) & mask; vals[j] !== undefined; j = (j + 1) & mask) {
      const home = this.hash(keys[j]!) & mask;
      if (hole <= j ? home <= hole || home > j : home <= hole && home > j) {
        keys[hole] = keys[j];
        vals[hole] = vals[j];
        hole = j;
      }
    }
    keys[hole] = undefined;
    vals[hole] = undefined;
    this.count--;
    if (this.vals.length > MIN_CAPACITY && this.count * 8 < this.vals.length) this.resize(this.vals.length / 2);
    return removed;
  }

  /** Every value (a new array), in no particular order. */
  values(): V[] {
    const out: V[] = [];
    for (const v of this.vals) if (v !== undefined) out.push(v);
    return out;
  }

  clear(): void {
    this.keys = new Array<K | undefined>(MIN_CAPACITY).fill(undefined);
    this.vals = new Array<V | undefined>(MIN_CAPACITY).fill(undefined);
    this.mask = MIN_CAPACITY - 1;
    this.count = 0;
  }

  private resize(capacity: number): void {
    const oldKeys = this.keys;
    const oldVals = this.vals;
    this.keys = new Array<K | undefined>(capacity).fill(undefined);
    this.vals = new Array<V | undefined>(capacity).fill(undefined);
    this.mask = capacity - 1;
    this.count = 0;
    for (let i = 0; i < oldVals.length; i++) {
      const v = oldVals[i];
      if (v !== undefined) this.set(oldKeys[i]!, v);
    }
  }
}

/** A hash of a 32-bit integer key (ids), spread so the low bits are usable. */
export function hashU32(k: number): number {
  const h = Math.imul(k | 0, 0x9e3779b1);
  return (h ^ (h >>> 15)) >>> 0;
}

/** A hash of a u64 bigint key: its two halves mixed. */
export function hashU64(k: bigint): number {
  return hashU32(Number(k & 0xffffffffn) ^ Math.imul(Number((k >> 32n) & 0xffffffffn), 0x85ebca6b));
}
