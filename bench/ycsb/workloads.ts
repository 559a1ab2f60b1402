// The YCSB core workloads (site.ycsb.workloads.CoreWorkload, workloads/workloada..f) as
// operation mixes over a YcsbDb, and the closed- and open-loop drivers that measure them.
//
//   A  50% read / 50% update                  zipfian
//   B  95% read /  5% update                  zipfian
//   C  100% read                              zipfian
//   D  95% read /  5% insert                  latest (reads favour recent inserts)
//   E  95% scan (1..100 rows) / 5% insert     zipfian start row
//   F  50% read / 50% read-modify-write       zipfian
// Rows are YCSB's: key `user<fnv hash>`, 10 fields of 100 bytes (1 KiB); reads read every
// field, updates write one field (writeallfields=false), inserts write all ten.

import type { Random } from '../../common/random.js';
import { ScrambledZipfianGenerator, SkewedLatestGenerator, ycsbKey } from './generators.js';

export const FIELD_COUNT = 10;
export const FIELD_LENGTH = 100;
export const MAX_SCAN_LENGTH = 100;

export type WorkloadName = 'A' | 'B' | 'C' | 'D' | 'E' | 'F';
export const WORKLOADS: readonly WorkloadName[] = ['A', 'B', 'C', 'D', 'E', 'F'];

export type OpKind = 'read' | 'update' | 'insert' | 'scan' | 'rmw';

/** What a database must do for YCSB (one adapter per system under test). */
export interface YcsbDb {
  read(key: Buffer): Promise<void>;
  /** Writes `fields` (index → value) of row `key`. */
  update(key: Buffer, fields: ReadonlyMap<number, Buffer>): Promise<void>;
  insert(key: Buffer, fields: ReadonlyMap<number, Buffer>): Promise<void>;
  scan(startKey: Buffer, rows: number): Promise<void>;
}

interface Mix {
  readonly read: number;
  readonly update: number;
  readonly insert: number;
  readonly scan: number;
  readonly rmw: number;
  readonly distribution: 'zipfian' | 'latest';
}

const MIXES: Record<WorkloadName, Mix> = {
  A: { read: 0.5, update: 0.5, insert: 0, scan: 0, rmw: 0, distribution: 'zipfian' },
  B: { read: 0.95, update: 0.05, insert: 0, scan: 0, rmw: 0, distribution: 'zipfian' },
  C: { read: 1, update: 0, insert: 0, scan: 0, rmw: 0, distribution: 'zipfian' },
  D: { read: 0.95, update: 0, insert: 0.05, scan: 0, rmw: 0, distribution: 'latest' },
  E: { read: 0, update: 0, insert: 0.05, scan: 0.95, rmw: 0, distribution: 'zipfian' },
  F: { read: 0.5, update: 0, insert: 0, scan: 0, rmw: 0.5, distribution: 'zipfian' },
};

/** Chooses operations and keys for one workload; shared by all workers of a run. */
export class WorkloadState {
  private readonly mix: Mix;
  private readonly chooser: { next(): number };
  /** Records 0..inserted-1 were handed out (their inserts may still be running). */
  private inserted: number;
  /** Records 0..acked-1 are acknowledged (YCSB's AcknowledgedCounterGenerator): reads choose among these. */
  private acked: number;
  private readonly ackedAbove = new Set<number>();
  private readonly keys: Buffer[] = [];

  constructor(
    readonly name: WorkloadName,
    records: number,
    private readonly random: Random,
  ) {
    this.mix = MIXES[name];
    this.inserted = records;
    this.acked = records;
    this.chooser = this.mix.distribution === 'latest' ? new SkewedLatestGenerator(() => this.acked, random) : new ScrambledZipfianGenerator(records, random);
  }

  /** Records that exist (the initial ones plus this workload's inserts). */
  get records(): number {
    return this.inserted;
  }

  key(n: number): Buffer {
    let k = this.keys[n];
    if (k === undefined) {
      k = ycsbKey(n);
      this.keys[n] = k;
    }
    return k;
  }

  nextOp(): OpKind {
    let r = this.random.next();
    for (const kind of ['read', 'update', 'insert', 'scan', 'rmw'] as const) {
      if (r < this.mix[kind]) return kind;
      r -= this.mix[kind];
    }
    return 'read';
  }

  existingKey(): Buffer {
    return this.key(Math.min(this.chooser.next(), this.acked - 1));
  }

  /** The next record to insert; call acknowledge(n) once its insert succeeded. */
  newRecord(): number {
    return this.inserted++;
  }

  acknowledge(n: number): void {
    this.ackedAbove.add(n);
    while (this.ackedAbove.delete(this.acked)) this.acked++;
  }

  oneField(): Map<number, Buffer> {
    return new Map([[this.random.int(FIELD_COUNT), fieldValue(this.random)]]);
  }

  allFields(): Map<number, Buffer> {
    const m = new Map<number, Buffer>();
    for (let i = 0; i < FIELD_COUNT; i++) m.set(i, fieldValue(this.random));
    return m;
  }

  scanLength(): number {
    return 1 + this.random.int(MAX_SCAN_LENGTH);
  }
}

const ALPHABET = Buffer.from('abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789');
// Field i of a value starting at s is ALPHABET[(s + 7i) % 62]. 7 is invertible mod 62 (7 × 9 =
// 63), so every value is a 100-byte window of one precomputed stride-7 sequence. There are 62
// such values, made once: the generator hands out a shared, read-only Buffer, neither
// building (a 100-step loop cost as much CPU as the client library's whole load path) nor
// copying nor allocating one per field (fieldValue with its allocation and copy was 12.4% of
// the busy client's CPU in a profile of the load phase): all of that was the harness's cost,
// counted against tsbase.
const STRIDE_INVERSE = 9;
const PATTERN = Buffer.alloc(ALPHABET.length + FIELD_LENGTH);
for (let j = 0; j < PATTERN.length; j++) PATTERN[j] = ALPHABET[(j * 7) % ALPHABET.length]!;
const VALUES = Array.from({ length: ALPHABET.length }, (_, s) => {
  const k = (s * STRIDE_INVERSE) % ALPHABET.length;
  return PATTERN.subarray(k, k + FIELD_LENGTH);
});

/**
 * A 100-byte field value: ALPHABET[(s + 7i) % 62] for a random start s. Shared between calls:
 * callers must not modify it (the client library only reads it).
 */
export function fieldValue(random: Random): Buffer {
  // A random start into a repeated alphabet: cheap, and not compressible to nothing.
  return VALUES[random.int(ALPHABET.length)]!;
}

/** One operation of the workload against `db`. */
export async function runOne(w: WorkloadState, db: YcsbDb): Promise<void> {
  switch (w.nextOp()) {
    case 'read':
      return db.read(w.existingKey());
    case 'update':
      return db.update(w.existingKey(), w.oneField());
    case 'insert': {
      const n = w.newRecord();
      await db.insert(w.key(n), w.allFields());
      w.acknowledge(n);
      return;
    }
    case 'scan':
      return db.scan(w.existingKey(), w.scanLength());
    case 'rmw': {
      const k = w.existingKey();
      await db.read(k);
      return db.update(k, w.oneField());
    }
  }
}

export interface RunResult {
  readonly ops: number;
  readonly opsPerSec: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly errors: number;
}

function result(latencies: number[], ops: number, errors: number, elapsedMs: number): RunResult {
  // One native numeric sort (percentile() copies and sorts with a JS comparator per call: it
  // cost the client ~8% of its CPU in a run's profile).
  const sorted = Float64Array.from(latencies).sort();
  const at = (p: number): number => (sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!);
  return { ops, opsPerSec: (ops / elapsedMs) * 1000, p50Ms: at(50), p99Ms: at(99), errors };
}

/** Closed loop: `workers` callers, each issuing `op` back to back for `durationMs`. */
export async function closedLoop(workers: number, durationMs: number, op: () => Promise<void>): Promise<RunResult> {
  const latencies: number[] = [];
  let ops = 0;
  let errors = 0;
  const t0 = performance.now();
  const end = t0 + durationMs;
  await Promise.all(
    Array.from({ length: workers }, async () => {
      while (performance.now() < end) {
        const s = performance.now();
        try {
          await op();
          ops++;
          latencies.push(performance.now() - s);
        } catch {
          errors++;
        }
      }
    }),
  );
  return result(latencies, ops, errors, performance.now() - t0);
}

/**
 * Open loop at `ratePerSec` for `warmupMs` + `durationMs`: operations are scheduled at fixed
 * intervals and latency counts from the scheduled time (no coordinated omission), with at most
 * `maxInFlight` outstanding. Operations scheduled in the first `warmupMs` run but are not
 * measured (their failures are counted): the benchmark starts its open loop right after a
 * closed loop at peak, and the server's garbage collection of that run carries over into the
 * first tenths of a second (docs/benchmarks.md, session 19).
 */
export async function openLoop(ratePerSec: number, durationMs: number, maxInFlight: number, op: () => Promise<void>, warmupMs = 0): Promise<RunResult> {
  const latencies: number[] = [];
  let ops = 0;
  let errors = 0;
  let inFlight = 0;
  // Woken when an operation completes (one waiter at most: this loop). A Promise.race over
  // the pending operations, which this replaced, attached a reaction to every one of them on
  // each wait: work per completion that grew with the operations in flight.
  let wake: (() => void) | undefined;
  const done = (): void => {
    inFlight--;
    const w = wake;
    wake = undefined;
    w?.();
  };
  const interval = 1000 / ratePerSec;
  const start = performance.now();
  const t0 = start + warmupMs;
  let next = start;
  while (next < t0 + durationMs) {
    const now = performance.now();
    if (next > now) {
      await new Promise((r) => setTimeout(r, Math.max(0, Math.floor(next - now))));
      continue;
    }
    if (inFlight >= maxInFlight) {
      await new Promise<void>((r) => (wake = r));
      continue;
    }
    const scheduled = next;
    next += interval;
    inFlight++;
    op().then(
      () => {
        if (scheduled >= t0) {
          ops++;
          latencies.push(performance.now() - scheduled);
        }
        done();
      },
      () => {
        errors++;
        done();
      },
    );
  }
  while (inFlight > 0) await new Promise<void>((r) => (wake = r));
  return result(latencies, ops, errors, performance.now() - t0);
}
