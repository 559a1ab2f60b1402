// YCSB's binding for tsbase: HBase's binding (site.ycsb.db.hbase2.HBaseClient2) on tsbase's
// client library — reads get the whole row of the family, updates/inserts put the fields as
// columns `family:field<i>`, scans open a scanner of `rows` rows (caching = rows, like the
// HBase binding) and read it to the end.

import type { Table } from '../../client/client-types.js';
import type { YcsbDb } from './workloads.js';

export const FAMILY = Buffer.from('family');
const QUALIFIERS = Array.from({ length: 10 }, (_, i) => Buffer.from(`field${i}`));

function columns(fields: ReadonlyMap<number, Buffer>): { family: Buffer; qualifier: Buffer; value: Buffer }[] {
  const out: { family: Buffer; qualifier: Buffer; value: Buffer }[] = [];
  for (const [i, value] of fields) out.push({ family: FAMILY, qualifier: QUALIFIERS[i]!, value });
  return out;
}

export class TsbaseYcsbDb implements YcsbDb {
  constructor(private readonly table: Table) {}

  async read(key: Buffer): Promise<void> {
    const r = await this.table.get({ row: key, columns: [{ family: FAMILY }] });
    if (r.cells.length === 0) throw new Error(`row not found: ${key.toString()}`);
  }

  update(key: Buffer, fields: ReadonlyMap<number, Buffer>): Promise<void> {
    return this.table.put({ kind: 'put', row: key, columns: columns(fields) });
  }

  insert(key: Buffer, fields: ReadonlyMap<number, Buffer>): Promise<void> {
    return this.table.put({ kind: 'put', row: key, columns: columns(fields) });
  }

  async scan(startKey: Buffer, rows: number): Promise<void> {
    const s = this.table.getScanner({ startRow: startKey, limit: rows, caching: rows, columns: [{ family: FAMILY }] });
    try {
      while ((await s.next()) !== undefined) {
        // read every row
      }
    } finally {
      await s.close();
    }
  }
}

/** The cells of one YCSB row as a Put's columns. */
export function rowColumns(fields: ReadonlyMap<number, Buffer>): { family: Buffer; qualifier: Buffer; value: Buffer }[] {
  return columns(fields);
}
