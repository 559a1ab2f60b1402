// A table's schema as the master stores it and region servers open it: its name, column
// families and table-level options (HBase's TableDescriptor).

import type { ColumnFamilyDescriptor } from '../../regionserver/region/column-family.js';

export type TableState = 'ENABLED' | 'DISABLED' | 'ENABLING' | 'DISABLING';

export interface TableDescriptor {
  readonly namespace: string;
  readonly name: string;
  readonly families: readonly ColumnFamilyDescriptor[];
  /** Split a region once a store grows past this (HBase MAX_FILESIZE, default 10 GiB). */
  readonly maxFileSize?: number;
  /** Flush a region's MemStore at this size (HBase MEMSTORE_FLUSHSIZE, default 128 MiB). */
  readonly memStoreFlushSize?: number;
}

/** `ns:name`, or `name` in the default namespace (how HBase prints table names). */
export function tableNameString(namespace: string, name: string): string {
  return namespace === 'default' ? name : `${namespace}:${name}`;
}

/** Parses `ns:name` or `name` (default namespace). */
export function parseTableName(s: string): { namespace: string; name: string } {
  const i = s.indexOf(':');
  return i < 0 ? { namespace: 'default', name: s } : { namespace: s.slice(0, i), name: s.slice(i + 1) };
}
