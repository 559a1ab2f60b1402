// Builds Gets and Scans from HBase shell arguments (table.rb _get_internal / _hash_to_scan):
//
//   get 't1', 'r1', {COLUMN => ['f:a', 'g'], VERSIONS => 3, TIMERANGE => [0, 100], FILTER => "..."}
//   get 't1', 'r1', 'f:a', 'g'            get 't1', 'r1', ['f:a', 'g']
//   scan 't1', {STARTROW => 'a', STOPROW => 'm', LIMIT => 10, COLUMNS => 'f', REVERSED => true,
//               ROWPREFIXFILTER => 'ab', TIMESTAMP => 5, RAW => true, CACHE => 100, BATCH => 10}
//
// FILTER takes HBase's filter string language (regionserver/filter/filter-parser.ts), sent as its
// JSON form. Keys tsbase does not know are refused (HBase ignores them silently; a typo such as
// STARTRWO would otherwise scan the whole table).

import type { Get, Scan, TimeRange } from '../../common/ops/operations.js';
import type { FilterJson } from '../../regionserver/filter/filter-json.js';
import { filterToJson } from '../../regionserver/filter/filter-json.js';
import { parseFilterString } from '../../regionserver/filter/filter-parser.js';
import { InvalidError } from '../../common/errors.js';
import { CONVERTERS } from './bytes-format.js';
import type { ReadColumn } from './column-spec.js';
import { readColumn } from './column-spec.js';
import { addHint } from './error-format.js';
import type { Value } from './parser.js';
import { HashArgs, argError, boolOf, bytesOf, inspect, listOf, numberOf, textOf, timestampOf } from './values.js';

/** How to print what a read returns. */
export interface PrintOptions {
  /** Column (`family:qualifier` in latin1) → Bytes converter. */
  readonly converters: ReadonlyMap<string, string>;
  /** Converter for every value without a per-column one (FORMATTER). */
  readonly defaultConverter: string;
  /** Truncate each printed cell to this many characters (MAXLENGTH); -1 = no limit. */
  readonly maxLength: number;
}

const GET_KEYS = ['COLUMN', 'COLUMNS', 'TIMESTAMP', 'TIMERANGE', 'VERSIONS', 'FILTER', 'MAXLENGTH', 'FORMATTER', 'RAW'];
const SCAN_KEYS = [
  'STARTROW',
  'STOPROW',
  'ROWPREFIXFILTER',
  'LIMIT',
  'COLUMN',
  'COLUMNS',
  'VERSIONS',
  'TIMERANGE',
  'TIMESTAMP',
  'FILTER',
  'REVERSED',
  'RAW',
  'CACHE',
  'BATCH',
  'MAXLENGTH',
  'FORMATTER',
  'CACHE_BLOCKS',
];

/** FILTER => "..." as FilterJson. Throws InvalidError with the position in the filter string. */
export function filterArg(v: Value): FilterJson {
  if (v.kind !== 'string') throw argError(`FILTER must be a filter string such as "PrefixFilter('r')", got ${inspect(v)}`, v);
  const text = v.bytes.toString('utf8');
  // The filter language takes quoted arguments as UTF-8 text, so raw non-UTF-8 bytes ("\xff")
  // cannot pass through it unchanged: refuse them rather than change them.
  if (!Buffer.from(text, 'utf8').equals(v.bytes)) {
    throw argError('FILTER strings must be UTF-8 text; raw bytes such as "\\xff" cannot be given in filter arguments', v);
  }
  try {
    return filterToJson(parseFilterString(text));
  } catch (err) {
    if (err instanceof InvalidError && typeof err.details['position'] === 'number') {
      const p = err.details['position'];
      addHint(err, [`FILTER: ${text.replace(/\n/g, ' ')}`, ' '.repeat('FILTER: '.length + p) + '^']);
    }
    throw err;
  }
}

function timeRangeArg(v: Value): TimeRange {
  if (v.kind !== 'array' || v.items.length !== 2) throw argError(`TIMERANGE must be [min, max], got ${inspect(v)}`, v);
  const min = timestampOf(v.items[0]!, 'TIMERANGE min');
  const max = timestampOf(v.items[1]!, 'TIMERANGE max');
  if (min > max) throw argError(`TIMERANGE min must not exceed max, got [${min}, ${max}]`, v);
  return { min, max };
}

function checkKeys(h: HashArgs, allowed: readonly string[], command: string): void {
  for (const e of h.entries()) {
    const k = e.key.kind === 'const' || e.key.kind === 'string' ? textOf(e.key, 'key') : inspect(e.key);
    if (!allowed.includes(k)) throw argError(`unknown or unsupported ${command} option ${k} (tsbase supports ${allowed.join(', ')})`, e.key);
  }
}

function printOptions(h: HashArgs, columns: readonly ReadColumn[]): PrintOptions {
  const converters = new Map<string, string>();
  for (const c of columns) {
    if (c.converter !== undefined && c.spec.qualifier !== undefined) converters.set(c.spec.family.toString('latin1') + ':' + c.spec.qualifier.toString('latin1'), c.converter);
  }
  const f = h.get('FORMATTER');
  let defaultConverter = 'toStringBinary';
  if (f !== undefined) {
    defaultConverter = textOf(f, 'FORMATTER');
    if (!(CONVERTERS as readonly string[]).includes(defaultConverter)) throw argError(`unknown FORMATTER ${defaultConverter} (tsbase knows ${CONVERTERS.join(', ')})`, f);
  }
  const m = h.get('MAXLENGTH');
  return { converters, defaultConverter, maxLength: m === undefined ? -1 : numberOf(m, 'MAXLENGTH', 1) };
}

function columnsArg(v: Value | undefined): ReadColumn[] {
  if (v === undefined) return [];
  if (v.kind !== 'array' && v.kind !== 'string' && v.kind !== 'const') throw argError(`COLUMNS must be specified as a String or an Array, got ${inspect(v)}`, v);
  return listOf(v).map(readColumn);
}

/** get 't', 'row', <args...>: the Get and how to print it. */
export function getFromArgs(row: Buffer, rest: readonly Value[]): { get: Get; print: PrintOptions } {
  let h = HashArgs.empty();
  let columns: ReadColumn[] = [];
  if (rest.length === 1 && rest[0]!.kind === 'hash') {
    h = new HashArgs(rest[0]!);
    checkKeys(h, GET_KEYS, 'get');
    columns = columnsArg(h.getAny('COLUMN', 'COLUMNS'));
  } else {
    for (const v of rest) {
      if (v.kind === 'hash') throw argError('get takes either columns or one {...} of options', v);
      columns.push(...listOf(v).map(readColumn));
    }
  }
  const versions = h.get('VERSIONS');
  const ts = h.get('TIMESTAMP');
  const tr = h.get('TIMERANGE');
  const filter = h.get('FILTER');
  const raw = h.get('RAW');
  let timeRange: TimeRange | undefined;
  if (ts !== undefined) {
    const t = timestampOf(ts, 'TIMESTAMP');
    timeRange = { min: t, max: t + 1n };
  }
  if (tr !== undefined) timeRange = timeRangeArg(tr);
  const get: Get = {
    row,
    ...(columns.length > 0 ? { columns: columns.map((c) => c.spec) } : {}),
    ...(versions !== undefined ? { maxVersions: numberOf(versions, 'VERSIONS', 1, 0x7fffffff) } : {}),
    ...(timeRange !== undefined ? { timeRange } : {}),
    ...(filter !== undefined ? { filter: filterArg(filter) } : {}),
    ...(raw !== undefined && boolOf(raw, 'RAW') ? { raw: true } : {}),
  };
  return { get, print: printOptions(h, columns) };
}

/** The row after every row starting with `prefix` (HBase Scan.setRowPrefixFilter's stop row); empty = no end. */
export function prefixStopRow(prefix: Buffer): Buffer {
  const b = Buffer.from(prefix);
  for (let i = b.length - 1; i >= 0; i--) {
    if (b[i]! < 0xff) {
      b[i]!++;
      return b.subarray(0, i + 1);
    }
  }
  return Buffer.alloc(0);
}

/** scan/count options: the Scan and how to print it. `extraKeys` are read by the caller (count's INTERVAL). */
export function scanFromArgs(arg: Value | undefined, command = 'scan', extraKeys: readonly string[] = []): { scan: Scan; print: PrintOptions; limit: number; args: HashArgs } {
  if (arg !== undefined && arg.kind !== 'hash') throw argError(`${command} options must be a {...} hash, got ${inspect(arg)}`, arg);
  const h = arg === undefined ? HashArgs.empty() : new HashArgs(arg);
  checkKeys(h, [...SCAN_KEYS, ...extraKeys], command);
  const columns = columnsArg(h.getAny('COLUMNS', 'COLUMN'));
  const start = h.get('STARTROW');
  const stop = h.get('STOPROW');
  const prefix = h.get('ROWPREFIXFILTER');
  const limitV = h.get('LIMIT');
  const versions = h.get('VERSIONS');
  const ts = h.get('TIMESTAMP');
  const tr = h.get('TIMERANGE');
  const filter = h.get('FILTER');
  const reversed = h.get('REVERSED');
  const raw = h.get('RAW');
  const cache = h.get('CACHE');
  const batch = h.get('BATCH');
  h.get('CACHE_BLOCKS');
  let startRow = start === undefined ? undefined : bytesOf(start, 'STARTROW');
  let stopRow = stop === undefined ? undefined : bytesOf(stop, 'STOPROW');
  const isReversed = reversed !== undefined && boolOf(reversed, 'REVERSED');
  if (prefix !== undefined) {
    // HBase: ROWPREFIXFILTER overrides STARTROW/STOPROW.
    const p = bytesOf(prefix, 'ROWPREFIXFILTER');
    const after = prefixStopRow(p);
    if (isReversed) {
      // A reversed scan starts at the last row with the prefix and stops before the prefix.
      startRow = after.length === 0 ? undefined : after;
      stopRow = p.length === 0 ? undefined : p;
    } else {
      startRow = p;
      stopRow = after;
    }
  }
  let timeRange: TimeRange | undefined;
  if (ts !== undefined) {
    const t = timestampOf(ts, 'TIMESTAMP');
    timeRange = { min: t, max: t + 1n };
  }
  if (tr !== undefined) timeRange = timeRangeArg(tr);
  const limit = limitV === undefined ? 0 : numberOf(limitV, 'LIMIT', 0, 0x7fffffff);
  const scan: Scan = {
    ...(startRow !== undefined && startRow.length > 0 ? { startRow } : {}),
    ...(stopRow !== undefined && stopRow.length > 0 ? { stopRow } : {}),
    ...(columns.length > 0 ? { columns: columns.map((c) => c.spec) } : {}),
    ...(versions !== undefined ? { maxVersions: numberOf(versions, 'VERSIONS', 1, 0x7fffffff) } : {}),
    ...(timeRange !== undefined ? { timeRange } : {}),
    ...(filter !== undefined ? { filter: filterArg(filter) } : {}),
    ...(isReversed ? { reversed: true } : {}),
    ...(raw !== undefined && boolOf(raw, 'RAW') ? { raw: true } : {}),
    ...(limit > 0 ? { limit } : {}),
    ...(cache !== undefined ? { caching: numberOf(cache, 'CACHE', 1, 0x7fffffff) } : {}),
    ...(batch !== undefined ? { batch: numberOf(batch, 'BATCH', 1, 0x7fffffff) } : {}),
  };
  return { scan, print: printOptions(h, columns), limit, args: h };
}
