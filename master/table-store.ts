// Namespaces and table descriptors, kept in coordination (docs/rfcs/0005-cluster.md "Keys"):
//
//   namespaces/<ns>         NamespaceRecord JSON
//   tables/<ns>:<table>     TableRecord JSON: descriptor, state, and — while a create or
//                           truncate is in progress — the regions it is creating, so a master
//                           that takes over can finish writing their META rows (and, for a
//                           truncate, the regions it is removing: `truncating`).
//
// Every change is a compare-and-swap on the key's modRevision (txn), so two masters (an old
// one in its last moments and a new one) can never interleave a read-modify-write.

import type { Coordination } from '../common/coordination/coordination.js';
import { clusterKeys } from '../common/coordination/cluster-keys.js';
import { ConflictError, ErrorCodes, NotFoundError } from '../common/errors.js';
import type { RegionInfoJson } from '../common/admin/admin-api.js';
import type { TableDescriptor, TableState } from '../common/meta/table-descriptor.js';
import { tableNameString } from '../common/meta/table-descriptor.js';
import { validateNamespaceName } from '../common/paths.js';
import { columnFamily } from '../regionserver/region/column-family.js';

export const DEFAULT_NAMESPACE = 'default';
export const SYSTEM_NAMESPACE = 'hbase';

export interface NamespaceRecord {
  readonly name: string;
}

export interface TableRecord {
  readonly descriptor: TableDescriptor;
  readonly state: TableState;
  /** Regions being created (create, truncate): written to META by whoever finishes the operation. */
  readonly pendingRegions?: readonly RegionInfoJson[];
  /**
   * A truncate that has started destroying the table's regions and data (the table is
   * DISABLED meanwhile): whoever runs next — the same truncate retried, or a master taking
   * over — finishes it with exactly these regions.
   */
  readonly truncating?: TruncatePlan;
}

export interface TruncatePlan {
  /** Encoded names of the regions being removed (their recovered edits are deleted too). */
  readonly oldRegions: readonly string[];
  /** The regions the table gets. */
  readonly newRegions: readonly RegionInfoJson[];
}

export interface VersionedTable {
  readonly record: TableRecord;
  readonly modRevision: bigint;
}

/**
 * A stored table record. Its families go through columnFamily: a record written before a family
 * option existed (IN_MEMORY_COMPACTION, for one) gets that option's default.
 */
export function parseTableRecord(value: Buffer): TableRecord {
  const r = JSON.parse(value.toString('utf8')) as TableRecord;
  return { ...r, descriptor: { ...r.descriptor, families: r.descriptor.families.map((f) => columnFamily(f)) } };
}

export class TableStore {
  private readonly keys: ReturnType<typeof clusterKeys>;

  constructor(
    private readonly coordination: Coordination,
    cluster: string,
  ) {
    this.keys = clusterKeys(cluster);
  }

  /** Creates `default` and `hbase` if absent. Idempotent. */
  async ensureSystemNamespaces(): Promise<void> {
    for (const ns of [DEFAULT_NAMESPACE, SYSTEM_NAMESPACE]) {
      await this.coordination.txn([{ key: this.keys.namespace(ns), modRevision: 0n }], [{ type: 'put', key: this.keys.namespace(ns), value: json({ name: ns }) }]);
    }
  }

  async listNamespaces(): Promise<string[]> {
    const { entries } = await this.coordination.list(this.keys.namespacesPrefix);
    return entries.map((e) => e.key.slice(this.keys.namespacesPrefix.length)).sort();
  }

  async namespaceExists(ns: string): Promise<boolean> {
    return (await this.coordination.get(this.keys.namespace(ns))) !== undefined;
  }

  /** Throws InvalidError for a bad name, ConflictError TSB_ALREADY_EXISTS if it exists. */
  async createNamespace(ns: string): Promise<void> {
    validateNamespaceName(ns);
    const r = await this.coordination.txn([{ key: this.keys.namespace(ns), modRevision: 0n }], [{ type: 'put', key: this.keys.namespace(ns), value: json({ name: ns }) }]);
    if (!r.ok) throw new ConflictError('namespace already exists', { code: ErrorCodes.ALREADY_EXISTS, details: { namespace: ns } });
  }

  /**
   * Deletes an empty namespace. Throws NotFoundError if absent, ConflictError if it still has
   * tables or is a system namespace.
   */
  async deleteNamespace(ns: string): Promise<void> {
    if (ns === DEFAULT_NAMESPACE || ns === SYSTEM_NAMESPACE) {
      throw new ConflictError('the default and hbase namespaces cannot be deleted', { details: { namespace: ns } });
    }
    const entry = await this.coordination.get(this.keys.namespace(ns));
    if (entry === undefined) throw new NotFoundError('namespace does not exist', { details: { namespace: ns } });
    const tables = await this.coordination.list(`${this.keys.tablesPrefix}${ns}:`);
    if (tables.entries.length > 0) {
      throw new ConflictError('namespace still has tables; drop them first', { details: { namespace: ns, tables: tables.entries.length } });
    }
    // The listing's revision guards against a table created concurrently: the txn fails if
    // the namespace key changed; table creation re-checks the namespace inside its own txn.
    const r = await this.coordination.txn([{ key: this.keys.namespace(ns), modRevision: entry.modRevision }], [{ type: 'delete', key: this.keys.namespace(ns) }]);
    if (!r.ok) throw new ConflictError('namespace changed concurrently; retry', { details: { namespace: ns } });
  }

  async getTable(ns: string, table: string): Promise<VersionedTable | undefined> {
    const e = await this.coordination.get(this.keys.table(ns, table));
    if (e === undefined) return undefined;
    return { record: parseTableRecord(e.value), modRevision: e.modRevision };
  }

  /** Like getTable; throws NotFoundError (TSB_NOT_FOUND) if the table does not exist. */
  async requireTable(ns: string, table: string): Promise<VersionedTable> {
    const t = await this.getTable(ns, table);
    if (t === undefined) throw new NotFoundError('table does not exist', { details: { table: tableNameString(ns, table) } });
    return t;
  }

  /** Every table (optionally of one namespace), sorted by name. */
  async listTables(ns?: string): Promise<TableRecord[]> {
    const { entries } = await this.coordination.list(ns === undefined ? this.keys.tablesPrefix : `${this.keys.tablesPrefix}${ns}:`);
    return entries.map((e) => parseTableRecord(e.value));
  }

  /**
   * Creates the table record if the table does not exist and its namespace does. Throws
   * NotFoundError for a missing namespace, ConflictError TSB_ALREADY_EXISTS for an existing table.
   */
  async createTable(record: TableRecord): Promise<bigint> {
    const { namespace, name } = record.descriptor;
    const nsEntry = await this.coordination.get(this.keys.namespace(namespace));
    if (nsEntry === undefined) throw new NotFoundError('namespace does not exist', { details: { namespace } });
    const key = this.keys.table(namespace, name);
    const r = await this.coordination.txn(
      [
        { key, modRevision: 0n },
        { key: this.keys.namespace(namespace), modRevision: nsEntry.modRevision },
      ],
      [{ type: 'put', key, value: json(record) }],
    );
    if (!r.ok) {
      if (!(await this.namespaceExists(namespace))) throw new NotFoundError('namespace does not exist', { details: { namespace } });
      throw new ConflictError('table already exists', { code: ErrorCodes.ALREADY_EXISTS, details: { table: tableNameString(namespace, name) } });
    }
    return r.revision ?? 0n;
  }

  /**
   * Read-modify-write of a table record (retried on concurrent change). `fn` returns the new
   * record. Throws NotFoundError if the table does not exist.
   */
  async updateTable(ns: string, table: string, fn: (r: TableRecord) => TableRecord): Promise<TableRecord> {
    const key = this.keys.table(ns, table);
    for (;;) {
      const cur = await this.requireTable(ns, table);
      const next = fn(cur.record);
      const r = await this.coordination.txn([{ key, modRevision: cur.modRevision }], [{ type: 'put', key, value: json(next) }]);
      if (r.ok) return next;
    }
  }

  /** Deletes the table record. Idempotent. */
  async deleteTable(ns: string, table: string): Promise<void> {
    await this.coordination.delete(this.keys.table(ns, table));
  }
}

function json(v: unknown): Buffer {
  return Buffer.from(JSON.stringify(v));
}
