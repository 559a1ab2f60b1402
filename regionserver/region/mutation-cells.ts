// Turning the operations of common/ops into the cells a region writes, as HBase's client
// Put / Delete build them and HRegion completes them on the server:
//
//  - a timestamp left out (or LATEST_TIMESTAMP) becomes the server's time `now`;
//  - Delete columns (ops comment): family only → DeleteFamily@now; family + ts + allVersions
//    → DeleteFamily@ts; family + ts, !allVersions, no qualifier → DeleteFamilyVersion@ts;
//    qualifier + allVersions → DeleteColumn@(ts or now); qualifier, !allVersions → Delete@ts,
//    or — without a ts — a Delete of the column's LATEST version, whose timestamp the region
//    looks up under the row lock (HBase's prepareDeleteTimestamps): see `latestLookups`;
//  - a Delete with no columns deletes the whole row: DeleteFamily@(ts or now) in every family.
//
// Everything is validated before the region assigns a sequence id, so a refused operation
// has no effect: InvalidError (TSB_INVALID_ARGUMENT) for an unknown family, a bad row or
// timestamp, an empty Put; TSB_VALUE_TOO_LARGE for a cell or mutation over the limits.

import { encodedLength } from '../../common/cells/keyvalue.js';
import { CellType, LATEST_TIMESTAMP, MAX_ROW_LENGTH } from '../../common/cells/keyvalue-format.js';
import { ErrorCodes, InvalidError } from '../../common/errors.js';
import type { KeyValuePut } from '../../common/ops/keyvalue-put.js';
import type { Delete, Put } from '../../common/ops/operations.js';

const EMPTY = Buffer.alloc(0);

export interface CellLimits {
  readonly maxCellBytes: number;
  readonly maxMutationBytes: number;
}

/** Mutable while the region completes it (the latest-version lookups set timestamps). */
export interface MutableCell {
  row: Buffer;
  family: Buffer;
  qualifier: Buffer;
  timestamp: bigint;
  type: CellType;
  value: Buffer;
}

export interface RowCells {
  readonly cells: MutableCell[];
  /**
   * Indexes into `cells` of Delete markers for "the latest version" of their column: the
   * region sets each one's timestamp to the n-th newest visible version of the column (n = how
   * many such markers of that column come before it, + 1), or to `now` if there is none.
   */
  readonly latestLookups: number[];
  /** Bytes of the cells as KeyValues (checkSizes'; resolving latest versions keeps it). */
  readonly bytes: number;
  /** A Put that came as KeyValues: its block holds the cells (and `cells` is empty). */
  readonly kv?: KeyValuePut;
  /** With `kv`: the time (ms) its LATEST_TIMESTAMP cells get when the MemStore copies them. */
  readonly time?: number;
}

/** Throws InvalidError unless `row` is a valid row key. */
export function validateRow(row: Buffer): void {
  if (!Buffer.isBuffer(row) || row.length === 0 || row.length > MAX_ROW_LENGTH) {
    throw new InvalidError(`row must be 1..${MAX_ROW_LENGTH} bytes`, { details: { rowLength: Buffer.isBuffer(row) ? row.length : undefined } });
  }
}

function timestampOf(ts: bigint | undefined, now: bigint): bigint {
  if (ts === undefined || ts === LATEST_TIMESTAMP) return now;
  if (typeof ts !== 'bigint' || ts < 0n || ts > LATEST_TIMESTAMP) throw new InvalidError('timestamp must be a non-negative 64-bit integer', { details: { timestamp: String(ts) } });
  return ts;
}

function checkFamily(family: Buffer, hasFamily: (f: Buffer) => boolean): void {
  if (!Buffer.isBuffer(family) || !hasFamily(family)) {
    throw new InvalidError('column family does not exist in the table', { details: { family: Buffer.isBuffer(family) ? family.toString('utf8').slice(0, 100) : undefined } });
  }
}

/**
 * Throws InvalidError (TSB_VALUE_TOO_LARGE) if a cell or the total is over the limits; returns
 * the total (bytes of the cells as KeyValues).
 */
export function checkSizes(cells: readonly MutableCell[], limits: CellLimits): number {
  let total = 0;
  for (const c of cells) {
    const n = encodedLength(c);
    if (n > limits.maxCellBytes) {
      throw new InvalidError('cell is larger than the server allows', { code: ErrorCodes.VALUE_TOO_LARGE, details: { bytes: n, maxCellBytes: limits.maxCellBytes } });
    }
    total += n;
  }
  if (total > limits.maxMutationBytes) {
    throw new InvalidError('mutation is larger than the server allows; split it', { code: ErrorCodes.VALUE_TOO_LARGE, details: { bytes: total, maxMutationBytes: limits.maxMutationBytes } });
  }
  return total;
}

/** The cells of a Put. */
export function putCells(put: Put, now: bigint, hasFamily: (f: Buffer) => boolean, limits: CellLimits): RowCells {
  validateRow(put.row);
  if (put.columns.length === 0) throw new InvalidError('put has no columns', { details: { row: put.row.subarray(0, 64).toString('hex') } });
  const cells: MutableCell[] = put.columns.map((c) => {
    checkFamily(c.family, hasFamily);
    if (!Buffer.isBuffer(c.qualifier) || !Buffer.isBuffer(c.value)) throw new InvalidError('put columns need a qualifier and a value (bytes)');
    return { row: put.row, family: c.family, qualifier: c.qualifier, timestamp: timestampOf(c.timestamp, now), type: CellType.Put, value: c.value };
  });
  return { cells, latestLookups: [], bytes: checkSizes(cells, limits) };
}

/**
 * The cells of a Put that came as KeyValues (common/ops/keyvalue-put.ts), checked as putCells
 * checks a Put's. They stay in the block: its LATEST_TIMESTAMP cells get `now` as the MemStore
 * copies them (MemStore.addKeyValues), so nothing is written here. Throws as putCells.
 */
export function keyValuePutCells(put: KeyValuePut, now: bigint, hasFamily: (f: Buffer) => boolean, limits: CellLimits): RowCells {
  validateRow(put.row);
  if (put.count === 0) throw new InvalidError('put has no columns', { details: { row: put.row.subarray(0, 64).toString('hex') } });
  for (const run of put.runs) checkFamily(run.family, hasFamily);
  if (put.badTimestampAt >= 0) {
    throw new InvalidError('timestamp must be a non-negative 64-bit integer', { details: { timestamp: put.buf.readBigUInt64BE(put.badTimestampAt).toString() } });
  }
  if (put.maxCellBytes > limits.maxCellBytes) {
    throw new InvalidError('cell is larger than the server allows', { code: ErrorCodes.VALUE_TOO_LARGE, details: { bytes: put.maxCellBytes, maxCellBytes: limits.maxCellBytes } });
  }
  const total = put.end - put.start;
  if (total > limits.maxMutationBytes) {
    throw new InvalidError('mutation is larger than the server allows; split it', { code: ErrorCodes.VALUE_TOO_LARGE, details: { bytes: total, maxMutationBytes: limits.maxMutationBytes } });
  }
  return { cells: [], latestLookups: [], bytes: total, kv: put, time: Number(now) };
}

/** The markers of a Delete. `families`: every family of the region (for a whole-row delete). */
export function deleteCells(del: Delete, now: bigint, families: readonly Buffer[], hasFamily: (f: Buffer) => boolean, limits: CellLimits): RowCells {
  validateRow(del.row);
  const cells: MutableCell[] = [];
  const latestLookups: number[] = [];
  const marker = (family: Buffer, qualifier: Buffer, timestamp: bigint, type: CellType): MutableCell => ({ row: del.row, family, qualifier, timestamp, type, value: EMPTY });
  if (del.columns.length === 0) {
    const ts = timestampOf(del.timestamp, now);
    for (const f of families) cells.push(marker(f, EMPTY, ts, CellType.DeleteFamily));
  }
  for (const c of del.columns) {
    checkFamily(c.family, hasFamily);
    const explicit = c.timestamp !== undefined && c.timestamp !== LATEST_TIMESTAMP;
    const ts = timestampOf(c.timestamp, now);
    if (c.qualifier === undefined) {
      cells.push(marker(c.family, EMPTY, ts, explicit && !c.allVersions ? CellType.DeleteFamilyVersion : CellType.DeleteFamily));
    } else if (c.allVersions) {
      cells.push(marker(c.family, c.qualifier, ts, CellType.DeleteColumn));
    } else {
      if (!explicit) latestLookups.push(cells.length);
      cells.push(marker(c.family, c.qualifier, ts, CellType.Delete));
    }
  }
  return { cells, latestLookups, bytes: checkSizes(cells, limits) };
}
