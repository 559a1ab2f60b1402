// The JSON form of filters, as they cross the RPC and the REST gateway. It is HBase REST's
// ScannerModel.FilterModel ("Stargate" filter JSON), so filters written for HBase's REST API work
// unchanged; docs/formats/filters.md lists every field. Byte strings are base64; comparator
// values of RegexStringComparator and SubstringComparator are plain strings.
//
// tsbase additions (optional, omitted when default): KeyOnlyFilter.lenAsVal,
// TimestampsFilter.canHint, ColumnPaginationFilter.columnOffset, RegexStringComparator.flags /
// .charset.
//
// filterFromJson validates with zod and throws InvalidError(TSB_INVALID_ARGUMENT) whose
// `field` detail names the bad field, e.g. `filters[1].comparator.value`.

import { z } from 'zod';
import { InvalidError } from '../../common/errors.js';
import { FamilyFilter, QualifierFilter, RowFilter, ValueFilter } from './compare-filters.js';
import type { ByteArrayComparable, CompareOperator } from './comparators.js';
import {
  BinaryComparator,
  BinaryPrefixComparator,
  COMPARE_OPERATORS,
  RegexStringComparator,
  SubstringComparator,
} from './comparators.js';
import type { Filter } from './filter.js';
import { FilterList } from './filter-list.js';
import { ColumnCountGetFilter, ColumnPaginationFilter } from './column-count-filters.js';
import { ColumnPrefixFilter, ColumnRangeFilter, InclusiveStopFilter, MultipleColumnPrefixFilter, PrefixFilter } from './key-range-filters.js';
import { FirstKeyOnlyFilter, KeyOnlyFilter, PageFilter } from './row-filters.js';
import { SingleColumnValueExcludeFilter, SingleColumnValueFilter } from './single-column-value-filter.js';
import { TimestampsFilter } from './timestamps-filter.js';
import { SkipFilter, WhileMatchFilter } from './wrapper-filters.js';

export type ComparatorJson =
  | { type: 'BinaryComparator' | 'BinaryPrefixComparator'; value: string }
  | { type: 'RegexStringComparator'; value: string; flags?: string; charset?: 'UTF-8' | 'ISO-8859-1' }
  | { type: 'SubstringComparator'; value: string };

export type CompareFilterType = 'RowFilter' | 'FamilyFilter' | 'QualifierFilter' | 'ValueFilter';

export type FilterJson =
  | { type: CompareFilterType; op: CompareOperator; comparator: ComparatorJson }
  | { type: 'PrefixFilter' | 'ColumnPrefixFilter' | 'InclusiveStopFilter'; value: string }
  | { type: 'MultipleColumnPrefixFilter'; prefixes: string[] }
  | { type: 'ColumnCountGetFilter'; limit: number }
  | { type: 'ColumnPaginationFilter'; limit: number; offset?: number; columnOffset?: string }
  | { type: 'ColumnRangeFilter'; minColumn?: string; minColumnInclusive: boolean; maxColumn?: string; maxColumnInclusive: boolean }
  | {
      type: 'SingleColumnValueFilter' | 'SingleColumnValueExcludeFilter';
      family: string;
      qualifier: string;
      op: CompareOperator;
      comparator: ComparatorJson;
      ifMissing: boolean;
      latestVersion: boolean;
    }
  | { type: 'PageFilter'; value: string }
  | { type: 'KeyOnlyFilter'; lenAsVal?: true }
  | { type: 'FirstKeyOnlyFilter' }
  | { type: 'TimestampsFilter'; timestamps: (number | string)[]; canHint?: true }
  | { type: 'SkipFilter' | 'WhileMatchFilter'; filters: [FilterJson] }
  | { type: 'FilterList'; op: 'MUST_PASS_ALL' | 'MUST_PASS_ONE'; filters: FilterJson[] };

/** Deepest nesting of filters accepted (lists and wrappers). */
export const MAX_FILTER_DEPTH = 64;

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}(?:==)?|[A-Za-z0-9+/]{3}=?)?$/;
const b64 = z.string().regex(BASE64, 'must be base64');
const op = z.enum(COMPARE_OPERATORS as [CompareOperator, ...CompareOperator[]]);
const flag = z.boolean().nullish();
const children = z.array(z.unknown());

const schemas = {
  compare: z.strictObject({ type: z.string(), op, comparator: z.unknown() }),
  prefix: z.strictObject({ type: z.string(), value: b64 }),
  columnRange: z.strictObject({
    type: z.string(),
    minColumn: b64.nullish(),
    minColumnInclusive: flag,
    maxColumn: b64.nullish(),
    maxColumnInclusive: flag,
  }),
  scvf: z.strictObject({
    type: z.string(),
    family: b64,
    qualifier: b64.nullish(),
    op,
    comparator: z.unknown(),
    ifMissing: flag,
    latestVersion: flag,
  }),
  multiPrefix: z.strictObject({ type: z.string(), prefixes: z.array(b64) }),
  columnCount: z.strictObject({ type: z.string(), limit: z.number().int().min(0).max(0x7fffffff) }),
  pagination: z.strictObject({
    type: z.string(),
    limit: z.number().int().min(0).max(0x7fffffff),
    offset: z.number().int().min(0).max(0x7fffffff).nullish(),
    columnOffset: b64.nullish(),
  }),
  page: z.strictObject({ type: z.string(), value: z.union([z.string().regex(/^\d{1,15}$/, 'must be a non-negative integer'), z.number().int().min(0)]) }),
  keyOnly: z.strictObject({ type: z.string(), lenAsVal: flag }),
  firstKeyOnly: z.strictObject({ type: z.string() }),
  timestamps: z.strictObject({
    type: z.string(),
    timestamps: z.array(z.union([z.number().int().min(0), z.string().regex(/^\d{1,19}$/, 'must be a non-negative integer')])),
    canHint: flag,
  }),
  wrapper: z.strictObject({ type: z.string(), filters: children.length(1, 'must hold exactly one filter') }),
  list: z.strictObject({ type: z.string(), op: z.enum(['MUST_PASS_ALL', 'MUST_PASS_ONE']), filters: children }),
  comparatorBinary: z.strictObject({ type: z.string(), value: b64 }),
  comparatorRegex: z.strictObject({
    type: z.string(),
    value: z.string(),
    flags: z.string().nullish(),
    charset: z.enum(['UTF-8', 'ISO-8859-1']).nullish(),
  }),
  comparatorSubstring: z.strictObject({ type: z.string(), value: z.string() }),
  head: z.looseObject({ type: z.string() }),
} as const;

/** HBase filter and comparator types that tsbase does not implement (yet). */
const UNSUPPORTED = new Set([
  'ColumnValueFilter',
  'DependentColumnFilter',
  'FirstKeyValueMatchingQualifiersFilter',
  'FuzzyRowFilter',
  'MultiRowRangeFilter',
  'RandomRowFilter',
  'BitComparator',
  'NullComparator',
  'LongComparator',
  'BigDecimalComparator',
  'BinaryComponentComparator',
]);

/**
 * Builds a filter from its JSON form (already parsed from text). Throws
 * InvalidError(TSB_INVALID_ARGUMENT) naming the bad field in `details.field`.
 */
export function filterFromJson(json: unknown): Filter {
  return parseFilter(json, '', 0);
}

/** Like filterFromJson, from JSON text. */
export function filterFromJsonString(text: string): Filter {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new InvalidError(`invalid filter json: ${(err as Error).message}`, { cause: err, details: { field: '' } });
  }
  return filterFromJson(json);
}

function fail(message: string, field: string): never {
  throw new InvalidError(`invalid filter: ${message}`, { details: { field } });
}

function join(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`;
  return path === '' ? key : `${path}.${key}`;
}

function check<T>(schema: z.ZodType<T>, value: unknown, path: string): T {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  let field = path;
  for (const k of issue.path) field = join(field, typeof k === 'number' ? k : String(k));
  if (issue.code === 'unrecognized_keys') {
    field = join(field, issue.keys[0] ?? '');
    fail('unknown field', field);
  }
  if (issue.path.length === 1 && issue.path[0] === 'type' && issue.code === 'invalid_type') fail('missing or non-string type', field);
  fail(issue.message.charAt(0).toLowerCase() + issue.message.slice(1), field);
}

function bytes(b64value: string): Buffer {
  return Buffer.from(b64value, 'base64');
}

function parseFilter(json: unknown, path: string, depth: number): Filter {
  if (depth > MAX_FILTER_DEPTH) fail(`filters nest deeper than ${MAX_FILTER_DEPTH} levels`, path);
  const { type } = check(schemas.head, json, path);
  switch (type) {
    case 'RowFilter':
    case 'FamilyFilter':
    case 'QualifierFilter':
    case 'ValueFilter': {
      const v = check(schemas.compare, json, path);
      const cmp = parseComparator(v.comparator, join(path, 'comparator'));
      if (type === 'RowFilter') return new RowFilter(v.op, cmp);
      if (type === 'FamilyFilter') return new FamilyFilter(v.op, cmp);
      if (type === 'QualifierFilter') return new QualifierFilter(v.op, cmp);
      return new ValueFilter(v.op, cmp);
    }
    case 'PrefixFilter':
      return new PrefixFilter(bytes(check(schemas.prefix, json, path).value));
    case 'InclusiveStopFilter':
      return new InclusiveStopFilter(bytes(check(schemas.prefix, json, path).value));
    case 'MultipleColumnPrefixFilter': {
      const v = check(schemas.multiPrefix, json, path);
      const ps = v.prefixes.map(bytes);
      ps.forEach((p, i) => {
        if (ps.findIndex((q) => q.equals(p)) !== i) fail('prefixes must be distinct', join(join(path, 'prefixes'), i));
      });
      return new MultipleColumnPrefixFilter(ps);
    }
    case 'ColumnCountGetFilter':
      return new ColumnCountGetFilter(check(schemas.columnCount, json, path).limit);
    case 'ColumnPaginationFilter': {
      const v = check(schemas.pagination, json, path);
      if ((v.offset == null) === (v.columnOffset == null)) fail('give exactly one of offset and columnOffset', join(path, 'offset'));
      return v.columnOffset == null ? new ColumnPaginationFilter(v.limit, v.offset!) : new ColumnPaginationFilter(v.limit, 0, bytes(v.columnOffset));
    }
    case 'ColumnPrefixFilter':
      return new ColumnPrefixFilter(bytes(check(schemas.prefix, json, path).value));
    case 'ColumnRangeFilter': {
      const v = check(schemas.columnRange, json, path);
      return new ColumnRangeFilter({
        minColumn: v.minColumn == null ? undefined : bytes(v.minColumn),
        minColumnInclusive: v.minColumnInclusive ?? true,
        maxColumn: v.maxColumn == null ? undefined : bytes(v.maxColumn),
        maxColumnInclusive: v.maxColumnInclusive ?? false,
      });
    }
    case 'SingleColumnValueFilter':
    case 'SingleColumnValueExcludeFilter': {
      const v = check(schemas.scvf, json, path);
      if (v.op === 'NO_OP') fail(`${type} does not support op NO_OP`, join(path, 'op'));
      const cmp = parseComparator(v.comparator, join(path, 'comparator'));
      const Ctor = type === 'SingleColumnValueFilter' ? SingleColumnValueFilter : SingleColumnValueExcludeFilter;
      return new Ctor(bytes(v.family), v.qualifier == null ? Buffer.alloc(0) : bytes(v.qualifier), v.op, cmp, {
        filterIfMissing: v.ifMissing ?? false,
        latestVersionOnly: v.latestVersion ?? true,
      });
    }
    case 'PageFilter': {
      const v = check(schemas.page, json, path);
      return new PageFilter(typeof v.value === 'number' ? v.value : Number(v.value));
    }
    case 'KeyOnlyFilter':
      return new KeyOnlyFilter(check(schemas.keyOnly, json, path).lenAsVal ?? false);
    case 'FirstKeyOnlyFilter':
      check(schemas.firstKeyOnly, json, path);
      return new FirstKeyOnlyFilter();
    case 'TimestampsFilter': {
      const v = check(schemas.timestamps, json, path);
      const ts = v.timestamps.map((t) => BigInt(t));
      ts.forEach((t, i) => {
        if (t > 0x7fffffffffffffffn) fail('timestamp must be at most 2^63-1', join(join(path, 'timestamps'), i));
      });
      return new TimestampsFilter(ts, v.canHint ?? false);
    }
    case 'SkipFilter':
    case 'WhileMatchFilter': {
      const v = check(schemas.wrapper, json, path);
      const inner = parseFilter(v.filters[0], join(join(path, 'filters'), 0), depth + 1);
      return type === 'SkipFilter' ? new SkipFilter(inner) : new WhileMatchFilter(inner);
    }
    case 'FilterList': {
      const v = check(schemas.list, json, path);
      const fs = v.filters.map((f, i) => parseFilter(f, join(join(path, 'filters'), i), depth + 1));
      return new FilterList(v.op, fs);
    }
    default:
      fail(UNSUPPORTED.has(type) ? `filter type ${type} is not supported` : `unknown filter type ${type}`, join(path, 'type'));
  }
}

function parseComparator(json: unknown, path: string): ByteArrayComparable {
  const { type } = check(schemas.head, json, path);
  switch (type) {
    case 'BinaryComparator':
      return new BinaryComparator(bytes(check(schemas.comparatorBinary, json, path).value));
    case 'BinaryPrefixComparator':
      return new BinaryPrefixComparator(bytes(check(schemas.comparatorBinary, json, path).value));
    case 'RegexStringComparator': {
      const v = check(schemas.comparatorRegex, json, path);
      const flags = v.flags ?? 's';
      if (!/^[imsu]*$/.test(flags) || new Set(flags).size !== flags.length) fail('flags must be distinct letters among i, m, s, u', join(path, 'flags'));
      let cmp: RegexStringComparator;
      try {
        cmp = new RegexStringComparator(v.value, flags, v.charset ?? 'UTF-8');
      } catch (err) {
        fail((err as Error).message, join(path, 'value'));
      }
      return cmp;
    }
    case 'SubstringComparator':
      return new SubstringComparator(check(schemas.comparatorSubstring, json, path).value);
    default:
      fail(UNSUPPORTED.has(type) ? `comparator type ${type} is not supported` : `unknown comparator type ${type}`, join(path, 'type'));
  }
}

/**
 * The JSON form of a filter built by this package. Throws InvalidError(TSB_INVALID_ARGUMENT) for
 * a filter class it does not know.
 */
export function filterToJson(filter: Filter): FilterJson {
  if (filter instanceof RowFilter || filter instanceof FamilyFilter || filter instanceof QualifierFilter || filter instanceof ValueFilter) {
    const type: CompareFilterType =
      filter instanceof RowFilter ? 'RowFilter' : filter instanceof FamilyFilter ? 'FamilyFilter' : filter instanceof QualifierFilter ? 'QualifierFilter' : 'ValueFilter';
    return { type, op: filter.op, comparator: comparatorToJson(filter.comparator) };
  }
  if (filter instanceof PrefixFilter) return { type: 'PrefixFilter', value: filter.prefix.toString('base64') };
  if (filter instanceof ColumnPrefixFilter) return { type: 'ColumnPrefixFilter', value: filter.prefix.toString('base64') };
  if (filter instanceof InclusiveStopFilter) return { type: 'InclusiveStopFilter', value: filter.stopRow.toString('base64') };
  if (filter instanceof MultipleColumnPrefixFilter) return { type: 'MultipleColumnPrefixFilter', prefixes: filter.prefixes.map((p) => p.toString('base64')) };
  if (filter instanceof ColumnCountGetFilter) return { type: 'ColumnCountGetFilter', limit: filter.limit };
  if (filter instanceof ColumnPaginationFilter) {
    return filter.columnOffset === undefined
      ? { type: 'ColumnPaginationFilter', limit: filter.limit, offset: filter.offset }
      : { type: 'ColumnPaginationFilter', limit: filter.limit, columnOffset: filter.columnOffset.toString('base64') };
  }
  if (filter instanceof ColumnRangeFilter) {
    return {
      type: 'ColumnRangeFilter',
      ...(filter.minColumn === undefined ? {} : { minColumn: filter.minColumn.toString('base64') }),
      minColumnInclusive: filter.minColumnInclusive,
      ...(filter.maxColumn === undefined ? {} : { maxColumn: filter.maxColumn.toString('base64') }),
      maxColumnInclusive: filter.maxColumnInclusive,
    };
  }
  if (filter instanceof SingleColumnValueFilter) {
    return {
      type: filter instanceof SingleColumnValueExcludeFilter ? 'SingleColumnValueExcludeFilter' : 'SingleColumnValueFilter',
      family: filter.family.toString('base64'),
      qualifier: filter.qualifier.toString('base64'),
      op: filter.op,
      comparator: comparatorToJson(filter.comparator),
      ifMissing: filter.filterIfMissing,
      latestVersion: filter.latestVersionOnly,
    };
  }
  if (filter instanceof PageFilter) return { type: 'PageFilter', value: String(filter.pageSize) };
  if (filter instanceof KeyOnlyFilter) return filter.lenAsVal ? { type: 'KeyOnlyFilter', lenAsVal: true } : { type: 'KeyOnlyFilter' };
  if (filter instanceof FirstKeyOnlyFilter) return { type: 'FirstKeyOnlyFilter' };
  if (filter instanceof TimestampsFilter) {
    const timestamps = filter.timestamps.map((t) => (t <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(t) : t.toString()));
    return filter.canHint ? { type: 'TimestampsFilter', timestamps, canHint: true } : { type: 'TimestampsFilter', timestamps };
  }
  if (filter instanceof SkipFilter) return { type: 'SkipFilter', filters: [filterToJson(filter.filter)] };
  if (filter instanceof WhileMatchFilter) return { type: 'WhileMatchFilter', filters: [filterToJson(filter.filter)] };
  if (filter instanceof FilterList) return { type: 'FilterList', op: filter.operator, filters: filter.filters.map(filterToJson) };
  throw new InvalidError('filter has no json form', { details: { filter: filter.constructor.name } });
}

function comparatorToJson(c: ByteArrayComparable): ComparatorJson {
  if (c instanceof BinaryComparator) return { type: 'BinaryComparator', value: c.value.toString('base64') };
  if (c instanceof BinaryPrefixComparator) return { type: 'BinaryPrefixComparator', value: c.value.toString('base64') };
  if (c instanceof RegexStringComparator) {
    return {
      type: 'RegexStringComparator',
      value: c.pattern,
      ...(c.flags === 's' ? {} : { flags: c.flags }),
      ...(c.charset === 'UTF-8' ? {} : { charset: c.charset }),
    };
  }
  if (c instanceof SubstringComparator) return { type: 'SubstringComparator', value: c.substr };
  throw new InvalidError('comparator has no json form', { details: { comparator: c.constructor.name } });
}
