// Column family and table options as `create` and `alter` take them (HBase admin.rb cfd /
// update_tdb_from_arg): `'f1'` or `{NAME => 'f1', VERSIONS => 5, TTL => FOREVER, IN_MEMORY => true}`.
// Family attributes go to the master as HBase attribute strings (ColumnFamilyAttributes); the
// master validates them. HBase attributes that tsbase has no use for are dropped with a notice,
// the way HBase's shell reports ignored arguments.

import type { ColumnFamilyAttributes } from '../../common/admin/admin-api.js';
import type { Value } from './parser.js';
import { argError, inspect, keyName, textOf } from './values.js';

/** HBase family attributes tsbase accepts and ignores (no effect here). */
export const IGNORED_FAMILY_ATTRIBUTES = new Set([
  'BLOCKCACHE',
  'REPLICATION_SCOPE',
  'CACHE_DATA_ON_WRITE',
  'CACHE_INDEX_ON_WRITE',
  'CACHE_BLOOMS_ON_WRITE',
  'EVICT_BLOCKS_ON_CLOSE',
  'PREFETCH_BLOCKS_ON_OPEN',
  'NEW_VERSION_BEHAVIOR',
  'DFS_REPLICATION',
  'STORAGE_POLICY',
  'COMPRESSION_COMPACT',
  'COMPRESSION_COMPACT_MAJOR',
  'COMPRESSION_COMPACT_MINOR',
  'IS_MOB',
  'MOB_THRESHOLD',
  'MOB_COMPACT_PARTITION_POLICY',
  'METADATA',
  'CONFIGURATION',
  'MAX_VERSIONS',
]);

/** An attribute value as the admin API takes it. */
function attrValue(v: Value, key: string): string | number | boolean {
  switch (v.kind) {
    case 'string':
      return v.bytes.toString('utf8');
    case 'const':
      return v.name;
    case 'int':
      if (v.value > BigInt(Number.MAX_SAFE_INTEGER) || v.value < -BigInt(Number.MAX_SAFE_INTEGER)) return v.value.toString();
      return Number(v.value);
    case 'float':
      return v.value;
    case 'bool':
      return v.value;
    default:
      throw argError(`${key} must be a string, number or boolean, got ${inspect(v)}`, v);
  }
}

export interface FamilyArg {
  readonly name: string;
  readonly attrs: ColumnFamilyAttributes;
  /** HBase attributes dropped because tsbase has no such option. */
  readonly ignored: readonly string[];
}

/** A family from `'f'` or a hash holding NAME (other keys of the hash are family attributes, except `skip`). */
export function familyArg(v: Value, skip: ReadonlySet<string> = new Set()): FamilyArg {
  if (v.kind === 'string' || v.kind === 'const') {
    const name = textOf(v, 'column family');
    if (name === '') throw argError('column family name must not be empty', v);
    return { name, attrs: { NAME: name }, ignored: [] };
  }
  if (v.kind !== 'hash') throw argError(`a column family must be a name or {NAME => ...}, got ${inspect(v)}`, v);
  const attrs: Record<string, string | number | boolean> = {};
  const ignored: string[] = [];
  let name: string | undefined;
  for (const e of v.entries) {
    const k = keyName(e.key);
    if (k === undefined) throw argError(`attribute names must be strings or constants, got ${inspect(e.key)}`, e.key);
    const key = k.toUpperCase();
    if (skip.has(key)) continue;
    if (key === 'NAME') {
      name = textOf(e.value, 'NAME');
      attrs['NAME'] = name;
    } else if (IGNORED_FAMILY_ATTRIBUTES.has(key)) {
      ignored.push(key);
    } else {
      attrs[key] = attrValue(e.value, key);
    }
  }
  if (name === undefined || name === '') throw argError('a column family needs a NAME', v);
  return { name, attrs, ignored };
}

/** Table options tsbase supports in create (HBase MAX_FILESIZE, MEMSTORE_FLUSHSIZE). */
export function tableSizeOption(v: Value, key: string): number {
  const n = v.kind === 'int' ? v.value : v.kind === 'string' && /^\d+$/.test(v.bytes.toString('latin1')) ? BigInt(v.bytes.toString('latin1')) : undefined;
  if (n === undefined || n <= 0n || n > BigInt(Number.MAX_SAFE_INTEGER)) throw argError(`${key} must be a positive number of bytes, got ${inspect(v)}`, v);
  return Number(n);
}

/** HBase table attributes that tsbase accepts and ignores in create. */
export const IGNORED_TABLE_ATTRIBUTES = new Set([
  'DURABILITY',
  'REGION_REPLICATION',
  'OWNER',
  'READONLY',
  'COMPACTION_ENABLED',
  'SPLIT_ENABLED',
  'MERGE_ENABLED',
  'NORMALIZATION_ENABLED',
  'PRIORITY',
  'CONFIGURATION',
  'METADATA',
  'METHOD',
  'FLUSH_POLICY',
  'SPLIT_POLICY',
  'REGION_MEMSTORE_REPLICATION',
]);
