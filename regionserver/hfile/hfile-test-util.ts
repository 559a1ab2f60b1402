// Helpers shared by the HFile tests: seeded random cells in sorted order, and a simple model to
// check a reader against.

import { buildKey, compareKeyBuffers, keyOfCell } from '../../common/cells/encoded-key.js';
import type { Cell } from '../../common/cells/keyvalue.js';
import { compareCells } from '../../common/cells/keyvalue.js';
import { CellType } from '../../common/cells/keyvalue-format.js';
import type { SeededRandom } from '../../common/random.js';
import type { HFileScanner } from './hfile-scanner.js';
import { FOUND, NEEDS_IO } from './hfile-scanner.js';

const TYPES = [CellType.Put, CellType.Put, CellType.Put, CellType.Delete, CellType.DeleteColumn, CellType.DeleteFamily, CellType.DeleteFamilyVersion];

export interface RandomCellsOptions {
  readonly count: number;
  /** Largest value (default 200); a few values are bigger than `bigValue` when set. */
  readonly maxValue?: number;
  readonly bigValue?: number;
  readonly families?: number;
}

/** `count` distinct cells (fewer after dedupe), sorted, with shared row prefixes and versions. */
export function randomSortedCells(r: SeededRandom, opts: RandomCellsOptions): Cell[] {
  const cells: Cell[] = [];
  const families = opts.families ?? 1;
  const maxValue = opts.maxValue ?? 200;
  const prefixes = ['', 'user', 'user0', 'user00', 'row-', '\x00', '\xff\xfe'];
  while (cells.length < opts.count) {
    const prefix = prefixes[r.int(prefixes.length)]!;
    const row = Buffer.concat([Buffer.from(prefix, 'latin1'), Buffer.from(String(r.int(opts.count * 2))), r.int(4) === 0 ? r.bytes(1 + r.int(3)) : Buffer.alloc(0)]);
    const family = Buffer.from(families === 1 ? 'f' : `f${r.int(families)}`);
    const versions = 1 + (r.int(4) === 0 ? r.int(4) : 0);
    const qualifier = r.int(8) === 0 ? Buffer.alloc(0) : Buffer.from(`q${r.int(20)}`);
    for (let v = 0; v < versions; v++) {
      const type = TYPES[r.int(TYPES.length)]!;
      const big = opts.bigValue !== undefined && r.int(100) === 0;
      const value = type === CellType.Put ? r.bytes(big ? opts.bigValue! + r.int(1000) : r.int(maxValue + 1)) : Buffer.alloc(0);
      cells.push({ row, family, qualifier, timestamp: BigInt(1 + r.int(1_000_000)), type, value });
    }
  }
  cells.sort(compareCells);
  const out: Cell[] = [];
  for (const c of cells) if (out.length === 0 || compareCells(out[out.length - 1]!, c) !== 0) out.push(c);
  return out;
}

/** Index of the first cell with key >= `key` in sorted `keys` (keys.length if none). */
export function lowerBound(keys: readonly Buffer[], key: Buffer): number {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (compareKeyBuffers(keys[mid]!, key) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export function keysOf(cells: readonly Cell[]): Buffer[] {
  return cells.map(keyOfCell);
}

export function cellsEqual(a: Cell, b: Cell): boolean {
  return compareCells(a, b) === 0 && a.value.equals(b.value);
}

/** Runs a synchronous scanner operation, fetching as needed; counts the fetches. */
export async function driveSync(s: HFileScanner, op: () => number): Promise<{ found: boolean; fetches: number }> {
  let fetches = 0;
  for (;;) {
    const st = op();
    if (st !== NEEDS_IO) return { found: st === FOUND, fetches };
    fetches++;
    if (fetches > 50) throw new Error('no progress');
    await s.fetchPending();
  }
}

/** A BlockCacheLike backed by a Map, counting hits and misses (tests). */
export class MapBlockCache {
  readonly blocks = new Map<string, Buffer>();
  hits = 0;
  misses = 0;
  puts = 0;

  get(fileId: string, offset: number): Buffer | undefined {
    const b = this.blocks.get(`${fileId}@${offset}`);
    if (b === undefined) this.misses++;
    else this.hits++;
    return b;
  }

  put(fileId: string, offset: number, block: Buffer): void {
    this.puts++;
    this.blocks.set(`${fileId}@${offset}`, block);
  }
}

/**
 * `count` distinct rows (latin1 strings) that all start with `common`, for the row-sample
 * searches (key-samples.ts): tails that tie in their first sampled bytes ('000000…', zero
 * bytes), tails that differ within them, and the bare prefix.
 */
export function rowsWithPrefix(rnd: SeededRandom, common: string, count: number): string[] {
  const rows = new Set<string>();
  while (rows.size < count) {
    const r = rnd.next();
    const tail =
      r < 0.3 ? '000000' + Math.floor(rnd.next() * 50).toString()
      : r < 0.35 ? ''
      : r < 0.42 ? '\x00'.repeat(1 + Math.floor(rnd.next() * 8)) + (rnd.next() < 0.5 ? '' : 'z')
      : Math.floor(rnd.next() * 1e6).toString(36);
    rows.add(common + tail);
  }
  return [...rows];
}

/** Encoded Put keys (family 'f', timestamp 100) of `rows`, 1..perRow qualifiers each, sorted. */
export function keysOfRows(rnd: SeededRandom, rows: readonly Buffer[], perRow: number): Buffer[] {
  const keys: Buffer[] = [];
  for (const row of rows) {
    const n = 1 + Math.floor(rnd.next() * perRow);
    for (let q = 0; q < n; q++) keys.push(buildKey(row, Buffer.from('f'), Buffer.from(`q${q}`), 100n, CellType.Put));
  }
  return keys.sort((a, b) => compareKeyBuffers(a, b));
}
