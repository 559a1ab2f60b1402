// DDL: create, delete, enable, disable, truncate, add/modify/delete column family, and the
// read-only list/describe/regions (docs/rfcs/0005-cluster.md "DDL"). One DDL operation per
// table runs at a time (a per-table lock); region transitions go through the
// AssignmentManager. Each operation records its progress in the table record (TableState,
// pendingRegions) before acting, so that it is safe to retry and a master that takes over
// finishes it (reconcile.ts).
//
// Errors: InvalidError (bad names or options), NotFoundError (no such table/namespace/family),
// ConflictError (TSB_ALREADY_EXISTS; TSB_PRECONDITION_FAILED when the table is in the wrong
// state), UnavailableError (regions failed to open in time; TSB_NOT_LEADER).

import type { Logger } from 'pino';
import type { CreateTableRequest, RegionLocationJson, TableJson } from '../common/admin/admin-api.js';
import type { Clock } from '../common/clock.js';
import { ConflictError, ErrorCodes, InvalidError, NotFoundError, UnavailableError } from '../common/errors.js';
import { regionInfoFromJson, regionInfoToJson } from '../common/meta/meta-row.js';
import type { TableDescriptor } from '../common/meta/table-descriptor.js';
import { parseTableName, tableNameString } from '../common/meta/table-descriptor.js';
import type { ObjectStore } from '../common/objectstore/object-store.js';
import { listAll } from '../common/objectstore/object-store.js';
import { recoveredEditsPrefix, storePrefix, tableDataPrefix, validateNamespaceName, validateTableName } from '../common/paths.js';
import type { ColumnFamilyAttributes } from '../common/admin/admin-api.js';
import { columnFamilyAttributes, columnFamilyFromAttributes } from '../regionserver/region/column-family.js';
import type { RegionInfo } from '../regionserver/region/region-info.js';
import { regionInfo } from '../regionserver/region/region-info.js';
import type { AssignmentManager } from './assignment-manager.js';
import type { Catalog } from './catalog.js';
import { forEachLimit, KeyedLock } from './keyed-lock.js';
import type { LeaderTerm } from './leader-term.js';
import { isMetaTable, META_DESCRIPTOR } from './meta-descriptor.js';
import type { RegionNode } from './region-states.js';
import { locationJson } from './region-states.js';
import { isRetiredParent } from '../common/admin/admin-api.js';
import { splitKeysOf } from './split-keys.js';
import type { TableRecord, TableStore, TruncatePlan } from './table-store.js';
import { SYSTEM_NAMESPACE } from './table-store.js';

export interface TableOperationsDeps {
  readonly term: LeaderTerm;
  readonly am: AssignmentManager;
  readonly catalog: Catalog;
  readonly tables: TableStore;
  readonly objectStore: ObjectStore;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly concurrency: number;
  /** How long create/enable wait for every region to be OPEN. */
  readonly openTimeoutMs: number;
}

const DELETE_BATCH = 1000;

export class TableOperations {
  private readonly tableLocks = new KeyedLock();

  constructor(private readonly d: TableOperationsDeps) {}

  async createTable(req: CreateTableRequest): Promise<TableJson> {
    const { namespace, name } = parseName(req.name);
    if (namespace === SYSTEM_NAMESPACE) throw new InvalidError('tables cannot be created in the hbase namespace', { details: { table: req.name } });
    const families = req.families.map((f) => columnFamilyFromAttributes(f));
    const seen = new Set<string>();
    for (const f of families) {
      if (seen.has(f.name)) throw new InvalidError('duplicate column family', { details: { family: f.name } });
      seen.add(f.name);
    }
    const splits = splitKeysOf(req);
    const descriptor: TableDescriptor = {
      namespace,
      name,
      families,
      ...(req.maxFileSize !== undefined ? { maxFileSize: req.maxFileSize } : {}),
      ...(req.memStoreFlushSize !== undefined ? { memStoreFlushSize: req.memStoreFlushSize } : {}),
    };
    const regions = regionsFor(namespace, name, splits, this.d.clock.nowMs());
    return this.tableLocks.run(`${namespace}:${name}`, async () => {
      this.d.term.assertActive();
      await this.d.tables.createTable({ descriptor, state: 'ENABLING', pendingRegions: regions.map(regionInfoToJson) });
      await this.writeNewRegions(namespace, name, regions);
      // The table exists from here on: a failure to open is reported as not retryable (a
      // retried create would meet TSB_ALREADY_EXISTS); the re-assign chore keeps trying.
      const opened = await this.openAll(regions.map((r) => this.d.am.states.getOrCreate(r))).then(
        () => undefined,
        (e: unknown) => e,
      );
      const rec = await this.d.tables.updateTable(namespace, name, (r) => ({ ...r, state: 'ENABLED' }));
      if (opened !== undefined) {
        throw new UnavailableError('table created, but some regions did not open; the master keeps retrying them', {
          cause: opened,
          retryable: false,
          details: { table: tableNameString(namespace, name) },
        });
      }
      this.d.logger.info({ table: tableNameString(namespace, name), regions: regions.length }, 'table created');
      return tableJson(rec);
    });
  }

  /** Deletes a disabled table: META rows, objects (data and recovered edits), then the descriptor. Idempotent on retry. */
  async deleteTable(tableName: string): Promise<void> {
    const { namespace, name } = parseName(tableName);
    if (isMetaTable(namespace, name)) throw new InvalidError('hbase:meta cannot be deleted');
    await this.tableLocks.run(`${namespace}:${name}`, async () => {
      const t = await this.d.tables.requireTable(namespace, name);
      if (t.record.state !== 'DISABLED') {
        throw new ConflictError('table must be disabled before it is deleted', { details: { table: tableNameString(namespace, name), state: t.record.state } });
      }
      const rows = await this.d.catalog.scanTable(namespace, name);
      const infos = new Map<string, RegionInfo>();
      for (const r of rows) infos.set(r.info.encodedName, r.info);
      for (const n of this.d.am.states.ofTable(namespace, name)) infos.set(n.info.encodedName, n.info);
      await forEachLimit([...infos.values()], this.d.concurrency, async (info) => {
        this.d.term.assertActive();
        await this.d.catalog.delete(info);
        this.d.am.states.delete(info.encodedName);
      });
      this.d.term.assertActive();
      let objects = await this.deletePrefix(tableDataPrefix(namespace, name));
      for (const info of infos.values()) objects += await this.deletePrefix(recoveredEditsPrefix(info.encodedName));
      await this.d.tables.deleteTable(namespace, name);
      this.d.logger.info({ table: tableNameString(namespace, name), regions: infos.size, objects }, 'table deleted');
    });
  }

  /** Opens every region and marks the table ENABLED. Idempotent (enabling an enabled table re-checks its regions). */
  async enableTable(tableName: string): Promise<void> {
    const { namespace, name } = parseName(tableName);
    if (isMetaTable(namespace, name)) return;
    await this.tableLocks.run(`${namespace}:${name}`, async () => {
      if ((await this.d.tables.requireTable(namespace, name)).record.truncating !== undefined) {
        throw new ConflictError('the table is in the middle of an interrupted truncate; run truncate again to finish it', {
          code: ErrorCodes.PRECONDITION_FAILED,
          details: { table: tableNameString(namespace, name) },
        });
      }
      await this.d.tables.updateTable(namespace, name, (r) => ({ ...r, state: r.state === 'ENABLED' ? 'ENABLED' : 'ENABLING' }));
      await this.openAll(this.liveRegions(namespace, name));
      await this.d.tables.updateTable(namespace, name, (r) => ({ ...r, state: 'ENABLED' }));
    });
  }

  /** Closes every region and marks the table DISABLED. Idempotent. */
  async disableTable(tableName: string): Promise<void> {
    const { namespace, name } = parseName(tableName);
    if (isMetaTable(namespace, name)) throw new InvalidError('hbase:meta cannot be disabled');
    await this.tableLocks.run(`${namespace}:${name}`, () => this.disableLocked(namespace, name));
  }

  /**
   * Empties the table: closes it, deletes its regions and data, and creates fresh regions
   * (with the same boundaries when `preserveSplits`); the table ends ENABLED (as in HBase).
   * The plan (old and new regions) is recorded before anything is deleted, so a truncate that
   * failed or whose master died half-way is finished by the next truncate of the table or by
   * the next active master (resumeTruncates), with the same new regions.
   */
  async truncateTable(tableName: string, preserveSplits: boolean): Promise<void> {
    const { namespace, name } = parseName(tableName);
    if (isMetaTable(namespace, name)) throw new InvalidError('hbase:meta cannot be truncated');
    await this.tableLocks.run(`${namespace}:${name}`, async () => {
      let plan = (await this.d.tables.requireTable(namespace, name)).record.truncating;
      if (plan === undefined) {
        await this.disableLocked(namespace, name);
        const old = this.d.am.states.ofTable(namespace, name);
        const splits = preserveSplits
          ? old
              .filter((n) => !isRetiredParent(n.state))
              .map((n) => n.info.startKey)
              .filter((k) => k.length > 0)
          : [];
        const maxId = old.reduce((m, n) => Math.max(m, n.info.regionId), 0);
        const regions = regionsFor(namespace, name, splits, Math.max(this.d.clock.nowMs(), maxId + 1));
        const newPlan: TruncatePlan = { oldRegions: old.map((n) => n.info.encodedName), newRegions: regions.map(regionInfoToJson) };
        await this.d.tables.updateTable(namespace, name, (r) => ({ ...r, state: 'DISABLED', truncating: newPlan }));
        plan = newPlan;
      } else {
        this.d.logger.info({ table: tableNameString(namespace, name) }, 'finishing an interrupted truncate');
      }
      await this.finishTruncate(namespace, name, plan);
    });
  }

  /** Finishes the truncates a previous master left half done. Run once the master is active, after reconcile. */
  async resumeTruncates(): Promise<void> {
    for (const t of await this.d.tables.listTables()) {
      if (t.truncating === undefined) continue;
      const { namespace, name } = t.descriptor;
      this.d.logger.info({ table: tableNameString(namespace, name) }, 'finishing a truncate interrupted by a master change');
      await this.tableLocks.run(`${namespace}:${name}`, async () => {
        const plan = (await this.d.tables.getTable(namespace, name))?.record.truncating;
        if (plan !== undefined) await this.finishTruncate(namespace, name, plan);
      });
    }
  }

  /** The destructive part of a truncate, idempotent: every step may have run already. REQUIRES: the table lock, the table DISABLED. */
  private async finishTruncate(namespace: string, name: string, plan: TruncatePlan): Promise<void> {
    const regions = plan.newRegions.map(regionInfoFromJson);
    const fresh = new Set(regions.map((r) => r.encodedName));
    for (const n of this.d.am.states.ofTable(namespace, name)) {
      if (fresh.has(n.info.encodedName)) continue;
      this.d.term.assertActive();
      await this.d.catalog.delete(n.info);
      this.d.am.states.delete(n.info.encodedName);
    }
    await this.deletePrefix(tableDataPrefix(namespace, name));
    for (const old of plan.oldRegions) await this.deletePrefix(recoveredEditsPrefix(old));
    await this.d.tables.updateTable(namespace, name, (r) => {
      const { truncating: _t, ...rest } = r;
      return { ...rest, state: 'ENABLING', pendingRegions: plan.newRegions };
    });
    await this.writeNewRegions(namespace, name, regions);
    await this.openAll(regions.map((r) => this.d.am.states.getOrCreate(r)));
    await this.d.tables.updateTable(namespace, name, (r) => ({ ...r, state: 'ENABLED' }));
    this.d.logger.info({ table: tableNameString(namespace, name), regions: regions.length }, 'table truncated');
  }

  /** Adds the family or replaces its options, then re-opens the open regions so they use it. */
  async addOrModifyFamily(tableName: string, attrs: ColumnFamilyAttributes): Promise<TableJson> {
    const { namespace, name } = parseName(tableName);
    if (isMetaTable(namespace, name)) throw new InvalidError('hbase:meta cannot be altered');
    const cf = columnFamilyFromAttributes(attrs);
    return this.tableLocks.run(`${namespace}:${name}`, async () => {
      const rec = await this.d.tables.updateTable(namespace, name, (r) => {
        const families = r.descriptor.families.some((f) => f.name === cf.name)
          ? r.descriptor.families.map((f) => (f.name === cf.name ? cf : f))
          : [...r.descriptor.families, cf];
        return { ...r, descriptor: { ...r.descriptor, families } };
      });
      await this.reopenAll(namespace, name);
      return tableJson(rec);
    });
  }

  /** Removes a family (not the last one), re-opens the regions, then deletes the family's objects. */
  async deleteFamily(tableName: string, family: string): Promise<TableJson> {
    const { namespace, name } = parseName(tableName);
    if (isMetaTable(namespace, name)) throw new InvalidError('hbase:meta cannot be altered');
    return this.tableLocks.run(`${namespace}:${name}`, async () => {
      const cur = await this.d.tables.requireTable(namespace, name);
      if (!cur.record.descriptor.families.some((f) => f.name === family)) {
        throw new NotFoundError('column family does not exist', { details: { table: tableNameString(namespace, name), family } });
      }
      if (cur.record.descriptor.families.length === 1) {
        throw new InvalidError('cannot delete the only column family of a table', { details: { table: tableNameString(namespace, name), family } });
      }
      const rec = await this.d.tables.updateTable(namespace, name, (r) => ({
        ...r,
        descriptor: { ...r.descriptor, families: r.descriptor.families.filter((f) => f.name !== family) },
      }));
      await this.reopenAll(namespace, name);
      for (const n of this.d.am.states.ofTable(namespace, name)) {
        await this.deletePrefix(storePrefix({ namespace, table: name, region: n.info.encodedName, family }));
      }
      return tableJson(rec);
    });
  }

  async describe(tableName: string): Promise<TableJson> {
    return tableJson(await this.record(tableName));
  }

  async list(namespace?: string): Promise<TableJson[]> {
    if (namespace !== undefined) {
      validateNamespaceName(namespace);
      if (!(await this.d.tables.namespaceExists(namespace))) throw new NotFoundError('namespace does not exist', { details: { namespace } });
    }
    const out = (await this.d.tables.listTables(namespace)).map(tableJson);
    return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /** The table's regions in start-key order (split parents left out, as HBase's getRegions). */
  async regions(tableName: string): Promise<RegionLocationJson[]> {
    const rec = await this.record(tableName);
    return this.liveRegions(rec.descriptor.namespace, rec.descriptor.name).map(locationJson);
  }

  /** The table's record (a synthetic ENABLED one for hbase:meta). Throws NotFoundError. */
  async record(tableName: string): Promise<TableRecord> {
    const { namespace, name } = parseName(tableName);
    if (isMetaTable(namespace, name)) return { descriptor: META_DESCRIPTOR, state: 'ENABLED' };
    return (await this.d.tables.requireTable(namespace, name)).record;
  }

  /** Regions of the table that are not split or merge parents. */
  liveRegions(namespace: string, name: string): RegionNode[] {
    return this.d.am.states.ofTable(namespace, name).filter((n) => !isRetiredParent(n.state));
  }

  private async disableLocked(namespace: string, name: string): Promise<void> {
    await this.d.tables.updateTable(namespace, name, (r) => ({ ...r, state: r.state === 'DISABLED' ? 'DISABLED' : 'DISABLING' }));
    await forEachLimit(this.liveRegions(namespace, name), this.d.concurrency, (n) => this.d.am.unassign(n.info));
    await this.d.tables.updateTable(namespace, name, (r) => ({ ...r, state: 'DISABLED' }));
  }

  private async reopenAll(namespace: string, name: string): Promise<void> {
    const open = this.liveRegions(namespace, name).filter((n) => n.state === 'OPEN');
    await forEachLimit(open, this.d.concurrency, (n) => this.d.am.reopen(n.info));
  }

  /** META rows (OFFLINE) for new regions, then the record forgets them as pending. */
  private async writeNewRegions(namespace: string, name: string, regions: readonly RegionInfo[]): Promise<void> {
    await forEachLimit(regions, this.d.concurrency, async (r) => {
      const n = this.d.am.states.getOrCreate(r);
      await this.d.am.persist(n);
    });
    await this.d.tables.updateTable(namespace, name, (r) => {
      const { pendingRegions: _p, ...rest } = r;
      return rest;
    });
  }

  /** Assigns every region, then waits until all are OPEN (a region whose server died while opening it is re-assigned by crash recovery). */
  private async openAll(nodes: readonly RegionNode[]): Promise<void> {
    const errors: unknown[] = [];
    await forEachLimit(nodes, this.d.concurrency, (n) => this.d.am.assign(n.info).catch((e: unknown) => void errors.push(e)));
    if (errors.length > 0) {
      throw new UnavailableError('some regions failed to open; they are retried in the background', { cause: errors[0], details: { failed: errors.length } });
    }
    const { states } = this.d.am;
    await states.waitFor(
      () => nodes.every((n) => n.state === 'OPEN'),
      this.d.openTimeoutMs,
      this.d.clock,
      () => new UnavailableError('timed out waiting for regions to open; they are retried in the background', { details: { regions: nodes.length } }),
    );
  }

  private async deletePrefix(prefix: string): Promise<number> {
    let batch: string[] = [];
    let n = 0;
    for await (const o of listAll(this.d.objectStore, prefix)) {
      batch.push(o.key);
      if (batch.length >= DELETE_BATCH) {
        await this.d.objectStore.deleteMany(batch);
        n += batch.length;
        batch = [];
      }
    }
    if (batch.length > 0) await this.d.objectStore.deleteMany(batch);
    return n + batch.length;
  }
}

/** Parses and validates `ns:name` / `name`. Throws InvalidError. */
export function parseName(s: string): { namespace: string; name: string } {
  const t = parseTableName(s);
  validateNamespaceName(t.namespace);
  validateTableName(t.name);
  return t;
}

export function tableJson(r: TableRecord): TableJson {
  const d = r.descriptor;
  return {
    name: tableNameString(d.namespace, d.name),
    namespace: d.namespace,
    table: d.name,
    state: r.state,
    families: d.families.map(columnFamilyAttributes),
    ...(d.maxFileSize !== undefined ? { maxFileSize: d.maxFileSize } : {}),
    ...(d.memStoreFlushSize !== undefined ? { memStoreFlushSize: d.memStoreFlushSize } : {}),
  };
}

/** Regions covering the whole row space, split at `splits` (sorted). */
function regionsFor(namespace: string, name: string, splits: readonly Buffer[], regionId: number): RegionInfo[] {
  const bounds = [Buffer.alloc(0), ...splits, Buffer.alloc(0)];
  const out: RegionInfo[] = [];
  for (let i = 0; i + 1 < bounds.length; i++) out.push(regionInfo(namespace, name, bounds[i]!, bounds[i + 1]!, regionId));
  return out;
}
