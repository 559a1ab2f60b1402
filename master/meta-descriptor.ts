// The table descriptor region servers open hbase:meta with (HBase's meta table: family
// `info`, 3 versions, in-memory priority in the block cache).

import { META_FAMILY, META_NAMESPACE, META_REGION, META_TABLE } from '../common/meta/meta-row.js';
import type { TableDescriptor } from '../common/meta/table-descriptor.js';
import type { RegionInfo } from '../regionserver/region/region-info.js';
import { columnFamily } from '../regionserver/region/column-family.js';

export const META_DESCRIPTOR: TableDescriptor = Object.freeze({
  namespace: META_NAMESPACE,
  name: META_TABLE,
  families: [columnFamily({ name: META_FAMILY.toString('utf8'), maxVersions: 3, inMemory: true })],
});

export function isMetaRegion(info: RegionInfo): boolean {
  return info.encodedName === META_REGION.encodedName;
}

export function isMetaTable(namespace: string, table: string): boolean {
  return namespace === META_NAMESPACE && table === META_TABLE;
}
