// Column family descriptors: the per-family options of HBase's HColumnDescriptor /
// ColumnFamilyDescriptor, with HBase's defaults, validated with zod.
//
//   option (HBase attribute)   field               default      meaning
//   VERSIONS                   maxVersions         1            versions kept per column
//   MIN_VERSIONS               minVersions         0            versions kept even past TTL
//   TTL (seconds)              ttlSeconds          FOREVER      cells older than this expire
//   KEEP_DELETED_CELLS         keepDeletedCells    'FALSE'      FALSE / TRUE / TTL
//   BLOOMFILTER                bloomFilter         'ROW'        NONE / ROW / ROWCOL
//   BLOCKSIZE (bytes)          blockSize           65536        target data block size
//   COMPRESSION                compression         'NONE'       NONE / SNAPPY / GZ
//   DATA_BLOCK_ENCODING        dataBlockEncoding   'NONE'       NONE / PREFIX
//   IN_MEMORY                  inMemory            false        blocks cached with in-memory priority
//   IN_MEMORY_COMPACTION       inMemoryCompaction  'NONE'       NONE / BASIC / EAGER / ADAPTIVE
//
// IN_MEMORY_COMPACTION as HBase's (MemoryCompactionPolicy, default NONE as hbase-2.x's
// hbase.hregion.compacting.memstore.type): EAGER removes a column's versions beyond VERSIONS
// from the MemStore when a newer one arrives (memstore/version-pruner.ts), instead of keeping
// them until the flush. ADAPTIVE does the same (HBase picks EAGER's data compaction when a
// segment holds many duplicate versions; tsbase's pruning only works when there are some).
// BASIC only flattens HBase's skip-list index into arrays, which tsbase's MemStore index
// (memstore/cell-set.ts) already is: like NONE, it removes nothing.
//
// FOREVER is HBase's HConstants.FOREVER (Integer.MAX_VALUE seconds). A descriptor is plain,
// frozen data: build one with columnFamily(), or from HBase shell/REST attribute strings with
// columnFamilyFromAttributes(). Both throw InvalidError (TSB_INVALID_CONFIG) naming the option.

import { z } from 'zod';
import { ErrorCodes, InvalidError } from '../../common/errors.js';
import { MAX_FAMILY_LENGTH } from '../../common/cells/keyvalue-format.js';
import { validateFamilyName } from '../../common/paths.js';

/** HBase's FOREVER: a TTL of Integer.MAX_VALUE seconds means cells never expire. */
export const TTL_FOREVER = 2_147_483_647;

export const KEEP_DELETED_CELLS_VALUES = ['FALSE', 'TRUE', 'TTL'] as const;
export const BLOOM_FILTER_VALUES = ['NONE', 'ROW', 'ROWCOL'] as const;
export const COMPRESSION_VALUES = ['NONE', 'SNAPPY', 'GZ'] as const;
export const DATA_BLOCK_ENCODING_VALUES = ['NONE', 'PREFIX'] as const;
export const IN_MEMORY_COMPACTION_VALUES = ['NONE', 'BASIC', 'EAGER', 'ADAPTIVE'] as const;

/** HBase's limits on BLOCKSIZE (TableDescriptorChecker): 1 KiB .. 16 MiB. */
export const MIN_BLOCK_SIZE = 1024;
export const MAX_BLOCK_SIZE = 16 * 1024 * 1024;

export interface ColumnFamilyDescriptor {
  /** The family name (UTF-8, 1..127 bytes, no `/`, `:` or NUL, not starting with `.`). */
  readonly name: string;
  readonly maxVersions: number;
  readonly minVersions: number;
  readonly ttlSeconds: number;
  readonly keepDeletedCells: (typeof KEEP_DELETED_CELLS_VALUES)[number];
  readonly bloomFilter: (typeof BLOOM_FILTER_VALUES)[number];
  readonly blockSize: number;
  readonly compression: (typeof COMPRESSION_VALUES)[number];
  readonly dataBlockEncoding: (typeof DATA_BLOCK_ENCODING_VALUES)[number];
  readonly inMemory: boolean;
  readonly inMemoryCompaction: (typeof IN_MEMORY_COMPACTION_VALUES)[number];
}

export const DEFAULT_COLUMN_FAMILY: Omit<ColumnFamilyDescriptor, 'name'> = Object.freeze({
  maxVersions: 1,
  minVersions: 0,
  ttlSeconds: TTL_FOREVER,
  keepDeletedCells: 'FALSE',
  bloomFilter: 'ROW',
  blockSize: 64 * 1024,
  compression: 'NONE',
  dataBlockEncoding: 'NONE',
  inMemory: false,
  inMemoryCompaction: 'NONE',
});

const int = (min: number, max: number) => z.number().int().min(min).max(max);

const schema = z
  .object({
    name: z.string(),
    maxVersions: int(1, 2_147_483_647).default(DEFAULT_COLUMN_FAMILY.maxVersions),
    minVersions: int(0, 2_147_483_647).default(DEFAULT_COLUMN_FAMILY.minVersions),
    ttlSeconds: int(1, TTL_FOREVER).default(DEFAULT_COLUMN_FAMILY.ttlSeconds),
    keepDeletedCells: z.enum(KEEP_DELETED_CELLS_VALUES).default(DEFAULT_COLUMN_FAMILY.keepDeletedCells),
    bloomFilter: z.enum(BLOOM_FILTER_VALUES).default(DEFAULT_COLUMN_FAMILY.bloomFilter),
    blockSize: int(MIN_BLOCK_SIZE, MAX_BLOCK_SIZE).default(DEFAULT_COLUMN_FAMILY.blockSize),
    compression: z.enum(COMPRESSION_VALUES).default(DEFAULT_COLUMN_FAMILY.compression),
    dataBlockEncoding: z.enum(DATA_BLOCK_ENCODING_VALUES).default(DEFAULT_COLUMN_FAMILY.dataBlockEncoding),
    inMemory: z.boolean().default(DEFAULT_COLUMN_FAMILY.inMemory),
    inMemoryCompaction: z.enum(IN_MEMORY_COMPACTION_VALUES).default(DEFAULT_COLUMN_FAMILY.inMemoryCompaction),
  })
  .strict();

/** HBase attribute name of each field, for messages and columnFamilyFromAttributes. */
const ATTRIBUTE: Record<keyof ColumnFamilyDescriptor, string> = {
  name: 'NAME',
  maxVersions: 'VERSIONS',
  minVersions: 'MIN_VERSIONS',
  ttlSeconds: 'TTL',
  keepDeletedCells: 'KEEP_DELETED_CELLS',
  bloomFilter: 'BLOOMFILTER',
  blockSize: 'BLOCKSIZE',
  compression: 'COMPRESSION',
  dataBlockEncoding: 'DATA_BLOCK_ENCODING',
  inMemory: 'IN_MEMORY',
  inMemoryCompaction: 'IN_MEMORY_COMPACTION',
};

export type ColumnFamilyInput = { readonly name: string } & Partial<Omit<ColumnFamilyDescriptor, 'name'>>;

/**
 * A validated, frozen descriptor with HBase's defaults for every option not given.
 * Throws InvalidError (TSB_INVALID_CONFIG) naming the first bad option and its HBase attribute.
 */
export function columnFamily(input: ColumnFamilyInput): ColumnFamilyDescriptor {
  const r = schema.safeParse(input);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    const field = issue.code === 'unrecognized_keys' ? String(issue.keys[0]) : String(issue.path[0] ?? '');
    const attr = (ATTRIBUTE as Record<string, string>)[field];
    throw new InvalidError(`invalid column family option ${attr ?? field}: ${issue.message.toLowerCase()}`, {
      code: ErrorCodes.INVALID_CONFIG,
      details: { family: typeof input.name === 'string' ? input.name.slice(0, 100) : undefined, option: attr ?? field },
    });
  }
  const d = r.data;
  validateFamilyNameForSchema(d.name);
  if (d.minVersions > d.maxVersions) {
    throw new InvalidError('invalid column family option MIN_VERSIONS: it must not exceed VERSIONS', {
      code: ErrorCodes.INVALID_CONFIG,
      details: { family: d.name, option: 'MIN_VERSIONS', minVersions: d.minVersions, maxVersions: d.maxVersions },
    });
  }
  return Object.freeze(d);
}

/** Throws InvalidError (TSB_INVALID_CONFIG, option NAME) unless `name` can name a family. */
export function validateFamilyNameForSchema(name: string): void {
  const bad = (why: string) =>
    new InvalidError(`invalid column family option NAME: ${why}`, { code: ErrorCodes.INVALID_CONFIG, details: { family: name.slice(0, 100), option: 'NAME' } });
  try {
    validateFamilyName(name);
  } catch {
    throw bad('it must be 1..255 bytes without / or NUL and not start with .');
  }
  if (Buffer.byteLength(name, 'utf8') > MAX_FAMILY_LENGTH) throw bad(`it must be at most ${MAX_FAMILY_LENGTH} bytes`);
  // eslint-disable-next-line no-control-regex
  if (/[:\x00-\x1f\x7f]/.test(name)) throw bad('it must not contain : or control characters');
}

/**
 * A descriptor from HBase-style attributes (`{ NAME: 'f', VERSIONS: '3', TTL: 'FOREVER',
 * IN_MEMORY: 'true', ... }`), as the shell and the REST schema endpoint spell them. Unknown
 * attributes are refused (InvalidError TSB_INVALID_CONFIG naming them).
 */
export function columnFamilyFromAttributes(attrs: Readonly<Record<string, string | number | boolean>>): ColumnFamilyDescriptor {
  const byAttr = new Map(Object.entries(ATTRIBUTE).map(([k, v]) => [v, k as keyof ColumnFamilyDescriptor]));
  const out: Record<string, unknown> = {};
  for (const [rawKey, rawValue] of Object.entries(attrs)) {
    const key = rawKey.toUpperCase();
    const field = byAttr.get(key);
    if (field === undefined) {
      throw new InvalidError('unknown column family option', { code: ErrorCodes.INVALID_CONFIG, details: { option: rawKey } });
    }
    const s = String(rawValue).trim();
    switch (field) {
      case 'name':
        out[field] = s;
        break;
      case 'ttlSeconds':
        out[field] = s.toUpperCase() === 'FOREVER' ? TTL_FOREVER : numberOrText(s);
        break;
      case 'maxVersions':
      case 'minVersions':
      case 'blockSize':
        out[field] = numberOrText(s);
        break;
      case 'inMemory':
        out[field] = s.toLowerCase() === 'true' ? true : s.toLowerCase() === 'false' ? false : s;
        break;
      default:
        out[field] = s.toUpperCase();
    }
  }
  if (typeof out['name'] !== 'string') throw new InvalidError('column family needs a NAME', { code: ErrorCodes.INVALID_CONFIG, details: { option: 'NAME' } });
  return columnFamily(out as ColumnFamilyInput);
}

/** The descriptor as HBase attributes (the inverse of columnFamilyFromAttributes). */
export function columnFamilyAttributes(d: ColumnFamilyDescriptor): Record<string, string> {
  return {
    NAME: d.name,
    VERSIONS: String(d.maxVersions),
    MIN_VERSIONS: String(d.minVersions),
    TTL: d.ttlSeconds === TTL_FOREVER ? 'FOREVER' : String(d.ttlSeconds),
    KEEP_DELETED_CELLS: d.keepDeletedCells,
    BLOOMFILTER: d.bloomFilter,
    BLOCKSIZE: String(d.blockSize),
    COMPRESSION: d.compression,
    DATA_BLOCK_ENCODING: d.dataBlockEncoding,
    IN_MEMORY: String(d.inMemory),
    IN_MEMORY_COMPACTION: d.inMemoryCompaction,
  };
}

/** True if the family's MemStore prunes excess versions (IN_MEMORY_COMPACTION EAGER or ADAPTIVE). */
export function prunesVersionsInMemory(d: Pick<ColumnFamilyDescriptor, 'inMemoryCompaction'>): boolean {
  return d.inMemoryCompaction === 'EAGER' || d.inMemoryCompaction === 'ADAPTIVE';
}

/** TTL in milliseconds (Infinity for FOREVER), as the read path and compactions use it. */
export function ttlMs(d: Pick<ColumnFamilyDescriptor, 'ttlSeconds'>): number {
  return d.ttlSeconds >= TTL_FOREVER ? Infinity : d.ttlSeconds * 1000;
}

function numberOrText(s: string): number | string {
  return /^-?\d+$/.test(s) ? Number(s) : s;
}
