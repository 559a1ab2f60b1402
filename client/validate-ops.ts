// Early checks of the operations a caller hands the client, so a bad argument fails at once
// with a clear InvalidError (TSB_INVALID_ARGUMENT) instead of a server round trip.

import type { Append, CheckAndMutate, Delete, Get, Increment, Mutation, Put, Scan } from '../common/ops/operations.js';
import { InvalidError } from '../common/errors.js';
import { MAX_FAMILY_LENGTH, MAX_ROW_LENGTH } from '../common/cells/keyvalue-format.js';

function invalid(message: string, details: Record<string, string | number | boolean | undefined> = {}): InvalidError {
  return new InvalidError(message, { details });
}

function checkBuffer(b: unknown, what: string): asserts b is Buffer {
  if (!Buffer.isBuffer(b)) throw invalid(`${what} must be a Buffer`, { got: b === null ? 'null' : typeof b });
}

/** A row key: a non-empty Buffer of at most 32767 bytes. */
export function checkRow(row: unknown, what = 'row'): asserts row is Buffer {
  checkBuffer(row, what);
  if (row.length === 0) throw invalid(`${what} must not be empty`);
  if (row.length > MAX_ROW_LENGTH) throw invalid(`${what} is too long`, { length: row.length, max: MAX_ROW_LENGTH });
}

function checkFamily(f: unknown): asserts f is Buffer {
  checkBuffer(f, 'family');
  if (f.length === 0) throw invalid('family must not be empty');
  if (f.length > MAX_FAMILY_LENGTH) throw invalid('family is too long', { length: f.length, max: MAX_FAMILY_LENGTH });
}

function checkTimestamp(ts: unknown, what = 'timestamp'): void {
  if (ts === undefined) return;
  if (typeof ts !== 'bigint' || ts < 0n) throw invalid(`${what} must be a non-negative bigint`, { got: typeof ts === 'bigint' ? ts.toString() : typeof ts });
}

function checkPositiveInt(n: unknown, what: string): void {
  if (n === undefined) return;
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) throw invalid(`${what} must be a non-negative integer`, { got: String(n) });
}

function checkReadSpec(r: Get | Scan): void {
  for (const c of r.columns ?? []) {
    checkFamily(c.family);
    if (c.qualifier !== undefined) checkBuffer(c.qualifier, 'qualifier');
  }
  if (r.maxVersions !== undefined && (typeof r.maxVersions !== 'number' || !Number.isSafeInteger(r.maxVersions) || r.maxVersions < 1)) {
    throw invalid('maxVersions must be a positive integer', { got: String(r.maxVersions) });
  }
  if (r.timeRange !== undefined) {
    checkTimestamp(r.timeRange.min, 'timeRange.min');
    checkTimestamp(r.timeRange.max, 'timeRange.max');
    if (r.timeRange.min > r.timeRange.max) throw invalid('timeRange.min must not exceed timeRange.max', { min: r.timeRange.min.toString(), max: r.timeRange.max.toString() });
  }
}

export function checkGet(g: Get): void {
  if (typeof g !== 'object' || g === null) throw invalid('a get must be an object');
  checkRow(g.row);
  checkReadSpec(g);
}

export function checkScan(s: Scan): void {
  if (typeof s !== 'object' || s === null) throw invalid('a scan must be an object');
  if (s.startRow !== undefined) checkBuffer(s.startRow, 'startRow');
  if (s.stopRow !== undefined) checkBuffer(s.stopRow, 'stopRow');
  checkReadSpec(s);
  checkPositiveInt(s.limit, 'limit');
  checkPositiveInt(s.batch, 'batch');
  checkPositiveInt(s.caching, 'caching');
}

export function checkPut(p: Put): void {
  checkRow(p.row);
  if (!Array.isArray(p.columns) || p.columns.length === 0) throw invalid('a put needs at least one column', { row: p.row.subarray(0, 64).toString('hex') });
  for (const c of p.columns) {
    checkFamily(c.family);
    checkBuffer(c.qualifier, 'qualifier');
    checkBuffer(c.value, 'value');
    checkTimestamp(c.timestamp);
  }
}

export function checkDelete(d: Delete): void {
  checkRow(d.row);
  if (!Array.isArray(d.columns)) throw invalid('delete.columns must be an array (empty = the whole row)');
  checkTimestamp(d.timestamp);
  for (const c of d.columns) {
    checkFamily(c.family);
    if (c.qualifier !== undefined) checkBuffer(c.qualifier, 'qualifier');
    checkTimestamp(c.timestamp);
    if (typeof c.allVersions !== 'boolean') throw invalid('delete column allVersions must be a boolean');
  }
}

export function checkMutation(m: Mutation): void {
  if (typeof m !== 'object' || m === null) throw invalid('a mutation must be an object');
  if (m.kind === 'put') checkPut(m);
  else if (m.kind === 'delete') checkDelete(m);
  else throw invalid("a mutation's kind must be 'put' or 'delete'", { kind: String((m as { kind?: unknown }).kind) });
}

export function checkCheckAndMutate(c: CheckAndMutate): void {
  checkRow(c.row);
  checkFamily(c.family);
  checkBuffer(c.qualifier, 'qualifier');
  if (c.value !== undefined) checkBuffer(c.value, 'value');
  if (!['LESS', 'LESS_OR_EQUAL', 'EQUAL', 'NOT_EQUAL', 'GREATER_OR_EQUAL', 'GREATER'].includes(c.op)) throw invalid('unknown compare op', { op: String(c.op) });
  if (c.mutations.length === 0) throw invalid('checkAndMutate needs at least one mutation');
  for (const m of c.mutations) {
    checkMutation(m);
    if (!m.row.equals(c.row)) throw invalid('every mutation of a checkAndMutate must be for its row', { row: c.row.toString('hex'), mutationRow: m.row.toString('hex') });
  }
}

export function checkIncrement(inc: Increment): void {
  checkRow(inc.row);
  if (inc.columns.length === 0) throw invalid('an increment needs at least one column');
  for (const c of inc.columns) {
    checkFamily(c.family);
    checkBuffer(c.qualifier, 'qualifier');
    if (typeof c.amount !== 'bigint') throw invalid('an increment amount must be a bigint', { got: typeof c.amount });
    if (c.amount < -(2n ** 63n) || c.amount >= 2n ** 63n) throw invalid('an increment amount must fit in 64 bits', { amount: c.amount.toString() });
  }
}

export function checkAppend(app: Append): void {
  checkRow(app.row);
  if (app.columns.length === 0) throw invalid('an append needs at least one column');
  for (const c of app.columns) {
    checkFamily(c.family);
    checkBuffer(c.qualifier, 'qualifier');
    checkBuffer(c.value, 'value');
  }
}

/** Approximate bytes a mutation takes in a write buffer (HBase heapSize-like estimate). */
export function mutationSize(m: Mutation): number {
  let n = 48 + m.row.length;
  for (const c of m.columns) {
    n += 40 + c.family.length + (c.qualifier?.length ?? 0);
    if ('value' in c) n += c.value.length;
  }
  return n;
}
