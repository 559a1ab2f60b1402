// The pure halves of the read-modify-write operations: given the current cells of a row
// (read under the row lock), compute what increment and append write and whether a
// checkAndMutate's condition holds — with HBase's rules:
//
//  - increment: the column's value is an 8-byte big-endian signed counter (absent = 0); the
//    sum wraps at 64 bits like Java's long. Any other existing length is refused
//    (InvalidError, as HBase's "Field is not a long"). Append concatenates.
//  - the new cell's timestamp is max(now, current + 1), so it always supersedes the version
//    it was computed from, even if the clock went back or the cell came from the future;
//  - checkAndMutate compares `value <op> current` (LESS: the given value sorts before the
//    stored one). An absent or empty expected value means "no value": it matches an absent
//    column or an empty value, unless op is NOT_EQUAL, which inverts that.

import { CellType } from '../../common/cells/keyvalue-format.js';
import { InvalidError } from '../../common/errors.js';
import type { CompareOp } from '../../common/ops/operations.js';
import type { MutableCell } from './mutation-cells.js';

/** One column of an increment or append, with duplicates of a column already merged. */
export interface RmwColumn {
  readonly family: Buffer;
  readonly qualifier: Buffer;
  /** Increment: the amount. */
  readonly amount?: bigint;
  /** Append: the bytes to add. */
  readonly value?: Buffer;
}

/** What the operations need of a current cell (a Result cell fits). */
export interface CurrentCell {
  readonly family: Buffer;
  readonly qualifier: Buffer;
  readonly timestamp: bigint;
  readonly value: Buffer;
}

function columnKey(family: Buffer, qualifier: Buffer): string {
  return `${family.toString('latin1')}\u0000${qualifier.toString('latin1')}`;
}

/** Merges repeated columns (amounts add up, appended values concatenate in order). */
export function mergeColumns(cols: readonly RmwColumn[]): RmwColumn[] {
  const byKey = new Map<string, RmwColumn>();
  for (const c of cols) {
    const k = columnKey(c.family, c.qualifier);
    const prev = byKey.get(k);
    if (prev === undefined) byKey.set(k, c);
    else if (c.amount !== undefined) byKey.set(k, { ...prev, amount: (prev.amount ?? 0n) + c.amount });
    else byKey.set(k, { ...prev, value: Buffer.concat([prev.value ?? Buffer.alloc(0), c.value ?? Buffer.alloc(0)]) });
  }
  return [...byKey.values()];
}

/** The newest visible cell of each column among `current`, by column key. */
function latestByColumn(current: readonly CurrentCell[]): Map<string, CurrentCell> {
  const m = new Map<string, CurrentCell>();
  for (const c of current) {
    const k = columnKey(c.family, c.qualifier);
    const prev = m.get(k);
    if (prev === undefined || c.timestamp > prev.timestamp) m.set(k, c);
  }
  return m;
}

function nextTimestamp(now: bigint, cur: CurrentCell | undefined): bigint {
  return cur !== undefined && cur.timestamp >= now ? cur.timestamp + 1n : now;
}

/**
 * The Put cells of an increment of `row`. Throws InvalidError (TSB_INVALID_ARGUMENT) if a
 * current value is not 8 bytes wide.
 */
export function incrementCells(row: Buffer, cols: readonly RmwColumn[], current: readonly CurrentCell[], now: bigint): MutableCell[] {
  const latest = latestByColumn(current);
  return cols.map((c) => {
    const cur = latest.get(columnKey(c.family, c.qualifier));
    let base = 0n;
    if (cur !== undefined) {
      if (cur.value.length !== 8) {
        throw new InvalidError('cannot increment a value that is not an 8-byte counter', {
          details: { family: c.family.toString('utf8'), qualifier: c.qualifier.toString('utf8'), valueLength: cur.value.length },
        });
      }
      base = cur.value.readBigInt64BE(0);
    }
    const value = Buffer.allocUnsafe(8);
    value.writeBigInt64BE(BigInt.asIntN(64, base + (c.amount ?? 0n)));
    return { row, family: c.family, qualifier: c.qualifier, timestamp: nextTimestamp(now, cur), type: CellType.Put, value };
  });
}

/** The Put cells of an append to `row`. */
export function appendCells(row: Buffer, cols: readonly RmwColumn[], current: readonly CurrentCell[], now: bigint): MutableCell[] {
  const latest = latestByColumn(current);
  return cols.map((c) => {
    const cur = latest.get(columnKey(c.family, c.qualifier));
    const add = c.value ?? Buffer.alloc(0);
    const value = cur === undefined ? Buffer.from(add) : Buffer.concat([cur.value, add]);
    return { row, family: c.family, qualifier: c.qualifier, timestamp: nextTimestamp(now, cur), type: CellType.Put, value };
  });
}

/** Whether a checkAndMutate condition holds, given the column's newest visible cell (or none). */
export function conditionHolds(op: CompareOp, expected: Buffer | undefined, current: CurrentCell | undefined): boolean {
  if (expected === undefined || expected.length === 0) {
    const matchesNothing = current === undefined || current.value.length === 0;
    return op === 'NOT_EQUAL' ? !matchesNothing : matchesNothing;
  }
  if (current === undefined) return false;
  const c = Buffer.compare(expected, current.value);
  switch (op) {
    case 'LESS':
      return c < 0;
    case 'LESS_OR_EQUAL':
      return c <= 0;
    case 'EQUAL':
      return c === 0;
    case 'NOT_EQUAL':
      return c !== 0;
    case 'GREATER_OR_EQUAL':
      return c >= 0;
    case 'GREATER':
      return c > 0;
    default:
      throw new InvalidError('unknown compare op', { details: { op: String(op) } });
  }
}
