// From a request (Get / Scan) to what each family's scanner needs: which families, which
// qualifiers, how many versions, the filter. Validates the request.

import { InvalidError } from '../../common/errors.js';
import type { ColumnSpec, ReadSpec } from '../../common/ops/operations.js';
import type { Filter } from '../filter/filter.js';
import { filterFromJson } from '../filter/filter-json.js';
import type { StoreReadView } from './store-read-view.js';

export interface FamilyPlan {
  readonly view: StoreReadView;
  /** Sorted distinct qualifiers; undefined = the whole family. */
  readonly columns: readonly Buffer[] | undefined;
}

/**
 * The stores a read touches, sorted by family, with their column selection. Throws
 * InvalidError (TSB_INVALID_ARGUMENT) if a column names a family the region does not have.
 */
export function planFamilies(stores: readonly StoreReadView[], columns: readonly ColumnSpec[] | undefined): FamilyPlan[] {
  if (stores.length === 1 && (columns === undefined || columns.length === 0)) return [{ view: stores[0]!, columns: undefined }];
  if (columns !== undefined && columns.length === 1 && columns[0]!.qualifier === undefined) {
    // One whole family (YCSB's reads, HBase's Get.addFamily): no map, no sort.
    const fam = columns[0]!.family;
    for (const view of stores) if (view.family.equals(fam)) return [{ view, columns: undefined }];
  }
  const sorted = [...stores].sort((a, b) => Buffer.compare(a.family, b.family));
  if (columns === undefined || columns.length === 0) return sorted.map((view) => ({ view, columns: undefined }));
  const wanted = new Map<string, { whole: boolean; quals: Buffer[] }>();
  for (const c of columns) {
    const k = c.family.toString('hex');
    let w = wanted.get(k);
    if (w === undefined) wanted.set(k, (w = { whole: false, quals: [] }));
    if (c.qualifier === undefined) w.whole = true;
    else w.quals.push(c.qualifier);
  }
  const out: FamilyPlan[] = [];
  for (const view of sorted) {
    const w = wanted.get(view.family.toString('hex'));
    if (w === undefined) continue;
    wanted.delete(view.family.toString('hex'));
    out.push({ view, columns: w.whole ? undefined : sortedDistinct(w.quals) });
  }
  for (const k of wanted.keys()) throw new InvalidError('no such column family in the region', { details: { family: Buffer.from(k, 'hex').toString('latin1') } });
  return out;
}

function sortedDistinct(qs: Buffer[]): Buffer[] {
  qs.sort(Buffer.compare);
  const out: Buffer[] = [];
  for (const q of qs) if (out.length === 0 || !out[out.length - 1]!.equals(q)) out.push(q);
  return out;
}

/** Versions asked for (default 1). Throws InvalidError unless a positive integer. */
export function requestedVersions(r: ReadSpec): number {
  const v = r.maxVersions ?? 1;
  if (!Number.isInteger(v) || v < 1) throw new InvalidError('maxVersions must be a positive integer', { details: { maxVersions: v } });
  return v;
}

/** The request's filter, built from its JSON form (throws InvalidError if malformed). */
export function requestFilter(r: ReadSpec, reversed: boolean): Filter | undefined {
  if (r.filter === undefined) return undefined;
  const f = filterFromJson(r.filter);
  f.setReversed(reversed);
  f.reset();
  return f;
}

/** Checks a time range: 0 <= min <= max. */
export function checkTimeRange(r: ReadSpec): void {
  const tr = r.timeRange;
  if (tr !== undefined && (tr.min < 0n || tr.max < tr.min)) throw new InvalidError('time range must have 0 <= min <= max', { details: { min: tr.min, max: tr.max } });
}
