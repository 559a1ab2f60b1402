// An in-memory ConnectionLike for the shell's tests: Admin and Table with HBase's visible
// semantics (versions newest first, time ranges, delete kinds, counters) but no regions or
// filters. Every Admin call and every Get/Scan it receives is recorded for assertions.
// Family attributes are validated with the real column-family code, as the master does.

import type { ClusterStatusJson, ColumnFamilyAttributes, CreateTableRequest, RegionLocationJson, TableJson } from '../../common/admin/admin-api.js';
import { CellType } from '../../common/cells/keyvalue-format.js';
import { ConflictError, ErrorCodes, InvalidError, NotFoundError } from '../../common/errors.js';
import type { Append, CheckAndMutate, Delete, Get, Increment, Mutation, Put, Result, ResultCell, Scan } from '../../common/ops/operations.js';
import { parseTableName, tableNameString } from '../../common/meta/table-descriptor.js';
import { columnFamilyAttributes, columnFamilyFromAttributes } from '../../regionserver/region/column-family.js';
import type { Admin, BufferedMutator, ConnectionLike, ResultScanner, Table } from '../client-types.js';

interface FakeTable {
  namespace: string;
  table: string;
  state: 'ENABLED' | 'DISABLED';
  families: Record<string, string>[];
  maxFileSize?: number;
  memStoreFlushSize?: number;
  splitKeys: Buffer[];
  /** Row (latin1) → cells. */
  rows: Map<string, ResultCell[]>;
}

export interface AdminCall {
  readonly op: string;
  readonly args: readonly unknown[];
}

export class FakeCluster implements ConnectionLike {
  readonly namespaces = new Set(['default', 'hbase']);
  readonly tables = new Map<string, FakeTable>();
  readonly adminCalls: AdminCall[] = [];
  readonly gets: Get[] = [];
  readonly scans: Scan[] = [];
  readonly mutations: Mutation[] = [];
  balancerEnabled = true;
  /** Timestamp given to cells put without one; bumps by 1 per write. */
  now = 1_700_000_000_000n;
  /** If set, the next Admin or Table call throws it. */
  failNext: Error | undefined;

  private maybeFail(): void {
    const e = this.failNext;
    if (e !== undefined) {
      this.failNext = undefined;
      throw e;
    }
  }

  private key(name: string): string {
    const { namespace, name: t } = parseTableName(name);
    return tableNameString(namespace, t);
  }

  table(name: string): FakeTable {
    const t = this.tables.get(this.key(name));
    if (t === undefined) throw new NotFoundError('table does not exist', { details: { table: this.key(name) } });
    return t;
  }

  private json(t: FakeTable): TableJson {
    return {
      name: tableNameString(t.namespace, t.table),
      namespace: t.namespace,
      table: t.table,
      state: t.state,
      families: t.families.map((f) => ({ ...f })),
      ...(t.maxFileSize !== undefined ? { maxFileSize: t.maxFileSize } : {}),
      ...(t.memStoreFlushSize !== undefined ? { memStoreFlushSize: t.memStoreFlushSize } : {}),
    };
  }

  getAdmin(): Admin {
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const c = this;
    const call = async <T>(op: string, args: unknown[], fn: () => T): Promise<T> => {
      c.adminCalls.push({ op, args });
      c.maybeFail();
      return fn();
    };
    return {
      listNamespaces: () => call('listNamespaces', [], () => [...c.namespaces]),
      createNamespace: (name) =>
        call('createNamespace', [name], () => {
          if (c.namespaces.has(name)) throw new ConflictError('namespace already exists', { code: ErrorCodes.ALREADY_EXISTS, details: { namespace: name } });
          c.namespaces.add(name);
        }),
      deleteNamespace: (name) =>
        call('deleteNamespace', [name], () => {
          if (!c.namespaces.has(name)) throw new NotFoundError('namespace does not exist', { details: { namespace: name } });
          if ([...c.tables.values()].some((t) => t.namespace === name)) throw new ConflictError('namespace still has tables; drop them first', { details: { namespace: name } });
          c.namespaces.delete(name);
        }),
      createTable: (req: CreateTableRequest) =>
        call('createTable', [req], () => {
          const { namespace, name } = parseTableName(req.name);
          if (!c.namespaces.has(namespace)) throw new NotFoundError('namespace does not exist', { details: { namespace } });
          const key = tableNameString(namespace, name);
          if (c.tables.has(key)) throw new ConflictError('table already exists', { code: ErrorCodes.ALREADY_EXISTS, details: { table: key } });
          const t: FakeTable = {
            namespace,
            table: name,
            state: 'ENABLED',
            families: req.families.map((f) => columnFamilyAttributes(columnFamilyFromAttributes(f))),
            splitKeys: (req.splitKeys ?? []).map((k) => Buffer.from(k, 'base64')),
            rows: new Map(),
            ...(req.maxFileSize !== undefined ? { maxFileSize: req.maxFileSize } : {}),
            ...(req.memStoreFlushSize !== undefined ? { memStoreFlushSize: req.memStoreFlushSize } : {}),
          };
          c.tables.set(key, t);
          return c.json(t);
        }),
      deleteTable: (name) =>
        call('deleteTable', [name], () => {
          const t = c.table(name);
          if (t.state !== 'DISABLED') throw new InvalidError('table must be disabled first', { details: { table: name } });
          c.tables.delete(c.key(name));
        }),
      enableTable: (name) => call('enableTable', [name], () => void (c.table(name).state = 'ENABLED')),
      disableTable: (name) => call('disableTable', [name], () => void (c.table(name).state = 'DISABLED')),
      truncateTable: (name, preserveSplits) =>
        call('truncateTable', [name, preserveSplits], () => {
          const t = c.table(name);
          t.rows.clear();
          if (preserveSplits !== true) t.splitKeys = [];
        }),
      tableExists: (name) => call('tableExists', [name], () => c.tables.has(c.key(name))),
      isTableEnabled: (name) => call('isTableEnabled', [name], () => c.table(name).state === 'ENABLED'),
      describeTable: (name) => call('describeTable', [name], () => c.json(c.table(name))),
      listTables: (namespace) => call('listTables', [namespace], () => [...c.tables.values()].filter((t) => namespace === undefined || t.namespace === namespace).map((t) => c.json(t))),
      addOrModifyColumnFamily: (name, family: ColumnFamilyAttributes) =>
        call('addOrModifyColumnFamily', [name, family], () => {
          const t = c.table(name);
          const attrs = columnFamilyAttributes(columnFamilyFromAttributes(family));
          const i = t.families.findIndex((f) => f['NAME'] === attrs['NAME']);
          if (i < 0) t.families.push(attrs);
          else t.families[i] = attrs;
          return c.json(t);
        }),
      deleteColumnFamily: (name, family) =>
        call('deleteColumnFamily', [name, family], () => {
          const t = c.table(name);
          const i = t.families.findIndex((f) => f['NAME'] === family);
          if (i < 0) throw new NotFoundError('column family does not exist', { details: { family } });
          t.families.splice(i, 1);
          return c.json(t);
        }),
      getRegions: (name) =>
        call('getRegions', [name], (): RegionLocationJson[] => {
          const t = c.table(name);
          const bounds = [Buffer.alloc(0), ...t.splitKeys, Buffer.alloc(0)];
          return t.splitKeys
            .concat([Buffer.alloc(0)])
            .map((_, i) => ({
              region: {
                namespace: t.namespace,
                table: t.table,
                startKey: bounds[i]!.toString('base64'),
                endKey: bounds[i + 1]!.toString('base64'),
                regionId: 1700000000000 + i,
                encodedName: String(i).padStart(32, '0'),
              },
              state: 'OPEN' as const,
              serverName: 'rs1,16020,1',
            }))
            .reverse();
        }),
      flush: (target) => call('flush', [target], () => undefined),
      compact: (target, major) => call('compact', [target, major], () => undefined),
      split: (target, splitRow) => call('split', [target, splitRow], () => undefined),
      mergeRegions: (regions) =>
        call('mergeRegions', [regions], () => ({ namespace: 'default', table: 't1', startKey: '', endKey: '', regionId: 1700000000009, encodedName: 'f'.repeat(32) })),
      move: (region, serverName) => call('move', [region, serverName], () => undefined),
      balance: () => call('balance', [], () => 0),
      setBalancerEnabled: (enabled) =>
        call('setBalancerEnabled', [enabled], () => {
          const prev = c.balancerEnabled;
          c.balancerEnabled = enabled;
          return prev;
        }),
      clusterStatus: () => call('clusterStatus', [], (): ClusterStatusJson => c.status()),
    };
  }

  status(): ClusterStatusJson {
    const load = { regions: 3, requestsPerSecond: 12.5, readRequests: 100, writeRequests: 50, memStoreBytes: 2 * 1048576, storeFiles: 4, storeFileBytes: 5 * 1048576 };
    return {
      clusterId: 'c1',
      activeMaster: 'm1:16010',
      backupMasters: ['m2:16010'],
      servers: [{ serverName: 'rs1,16020,1', rpcAddress: 'rs1:16020', httpAddress: 'rs1:16030', startCode: 1, load }],
      deadServers: [],
      regionsInTransition: [],
      tables: this.tables.size,
      regions: 3,
      balancerEnabled: this.balancerEnabled,
    };
  }

  private liveTable(name: string): FakeTable {
    this.maybeFail();
    const t = this.table(name);
    if (t.state === 'DISABLED') throw new InvalidError('table is disabled', { code: ErrorCodes.TABLE_DISABLED, details: { table: name } });
    return t;
  }

  private checkFamily(t: FakeTable, family: Buffer): void {
    if (!t.families.some((f) => f['NAME'] === family.toString('latin1'))) {
      throw new InvalidError('column family does not exist', { details: { family: family.toString('latin1') } });
    }
  }

  private read(t: FakeTable, row: Buffer, spec: Get | Scan): ResultCell[] {
    const cells = t.rows.get(row.toString('latin1')) ?? [];
    const maxVersions = spec.maxVersions ?? 1;
    const out: ResultCell[] = [];
    const perColumn = new Map<string, number>();
    for (const c of cells) {
      if (spec.columns !== undefined && spec.columns.length > 0) {
        const ok = spec.columns.some((s) => s.family.equals(c.family) && (s.qualifier === undefined || s.qualifier.equals(c.qualifier)));
        if (!ok) continue;
      }
      if (spec.timeRange !== undefined && (c.timestamp < spec.timeRange.min || c.timestamp >= spec.timeRange.max)) continue;
      const k = c.family.toString('latin1') + ':' + c.qualifier.toString('latin1');
      const n = perColumn.get(k) ?? 0;
      if (n >= maxVersions) continue;
      perColumn.set(k, n + 1);
      out.push(c);
    }
    return out;
  }

  private write(t: FakeTable, row: Buffer, family: Buffer, qualifier: Buffer, timestamp: bigint | undefined, value: Buffer): void {
    this.checkFamily(t, family);
    const ts = timestamp ?? this.now++;
    const key = row.toString('latin1');
    const cells = (t.rows.get(key) ?? []).filter((c) => !(c.family.equals(family) && c.qualifier.equals(qualifier) && c.timestamp === ts));
    cells.push({ row, family, qualifier, timestamp: ts, type: CellType.Put, value });
    cells.sort((a, b) => Buffer.compare(a.family, b.family) || Buffer.compare(a.qualifier, b.qualifier) || (b.timestamp > a.timestamp ? 1 : b.timestamp < a.timestamp ? -1 : 0));
    t.rows.set(key, cells);
  }

  private applyDelete(t: FakeTable, d: Delete): void {
    const key = d.row.toString('latin1');
    const cells = t.rows.get(key) ?? [];
    let keep: ResultCell[];
    if (d.columns.length === 0) {
      keep = cells.filter((c) => d.timestamp !== undefined && c.timestamp > d.timestamp);
    } else {
      keep = cells;
      for (const col of d.columns) {
        const inColumn = (c: ResultCell) => c.family.equals(col.family) && (col.qualifier === undefined || c.qualifier.equals(col.qualifier));
        if (col.allVersions || col.qualifier === undefined) {
          keep = keep.filter((c) => !(inColumn(c) && (col.timestamp === undefined || c.timestamp <= col.timestamp)));
        } else if (col.timestamp !== undefined) {
          keep = keep.filter((c) => !(inColumn(c) && c.timestamp === col.timestamp));
        } else {
          const latest = keep.find(inColumn);
          keep = keep.filter((c) => c !== latest);
        }
      }
    }
    if (keep.length === 0) t.rows.delete(key);
    else t.rows.set(key, keep);
  }

  getTable(name: string): Table {
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const c = this;
    const mutate = (m: Mutation) => {
      const t = c.liveTable(name);
      c.mutations.push(m);
      if (m.kind === 'put') for (const col of m.columns) c.write(t, m.row, col.family, col.qualifier, col.timestamp, col.value);
      else c.applyDelete(t, m);
    };
    const table: Table = {
      name,
      async get(g: Get): Promise<Result> {
        const t = c.liveTable(name);
        c.gets.push(g);
        return { row: g.row, cells: c.read(t, g.row, g) };
      },
      async getMany(gs: readonly Get[]) {
        return Promise.all(gs.map((g) => table.get(g)));
      },
      async exists(g: Get) {
        return (await table.get(g)).cells.length > 0;
      },
      async put(p: Put | readonly Put[]) {
        for (const x of Array.isArray(p) ? (p as readonly Put[]) : [p as Put]) mutate(x);
      },
      async delete(d: Delete | readonly Delete[]) {
        for (const x of Array.isArray(d) ? (d as readonly Delete[]) : [d as Delete]) mutate(x);
      },
      async batch(ms: readonly Mutation[]) {
        for (const m of ms) mutate(m);
      },
      async checkAndMutate(_cm: CheckAndMutate): Promise<boolean> {
        throw new InvalidError('not supported by the fake');
      },
      async increment(inc: Increment): Promise<Result> {
        const t = c.liveTable(name);
        const cells: ResultCell[] = [];
        for (const col of inc.columns) {
          const cur = c.read(t, inc.row, { row: inc.row, columns: [{ family: col.family, qualifier: col.qualifier }] })[0];
          if (cur !== undefined && cur.value.length !== 8) throw new InvalidError('value is not a counter', { details: { length: cur.value.length } });
          const v = Buffer.alloc(8);
          v.writeBigInt64BE(BigInt.asIntN(64, (cur === undefined ? 0n : cur.value.readBigInt64BE(0)) + col.amount));
          c.write(t, inc.row, col.family, col.qualifier, undefined, v);
          cells.push(c.read(t, inc.row, { row: inc.row, columns: [{ family: col.family, qualifier: col.qualifier }] })[0]!);
        }
        return { row: inc.row, cells };
      },
      async incrementColumnValue(row, family, qualifier, amount) {
        const r = await table.increment({ row, columns: [{ family, qualifier, amount }] });
        return r.cells[0]!.value.readBigInt64BE(0);
      },
      async append(app: Append): Promise<Result> {
        const t = c.liveTable(name);
        const cells: ResultCell[] = [];
        for (const col of app.columns) {
          const cur = c.read(t, app.row, { row: app.row, columns: [{ family: col.family, qualifier: col.qualifier }] })[0];
          c.write(t, app.row, col.family, col.qualifier, undefined, Buffer.concat([cur?.value ?? Buffer.alloc(0), col.value]));
          cells.push(c.read(t, app.row, { row: app.row, columns: [{ family: col.family, qualifier: col.qualifier }] })[0]!);
        }
        return { row: app.row, cells };
      },
      getScanner(s: Scan = {}): ResultScanner {
        let rows: Result[] | undefined;
        let i = 0;
        const load = (): Result[] => {
          const t = c.liveTable(name);
          c.scans.push(s);
          let keys = [...t.rows.keys()].map((k) => Buffer.from(k, 'latin1')).sort(Buffer.compare);
          if (s.reversed === true) {
            keys = keys.reverse().filter((k) => (s.startRow === undefined || Buffer.compare(k, s.startRow) <= 0) && (s.stopRow === undefined || Buffer.compare(k, s.stopRow) > 0));
          } else {
            keys = keys.filter((k) => (s.startRow === undefined || Buffer.compare(k, s.startRow) >= 0) && (s.stopRow === undefined || Buffer.compare(k, s.stopRow) < 0));
          }
          const out = keys.map((k) => ({ row: k, cells: c.read(t, k, s) })).filter((r) => r.cells.length > 0);
          return s.limit !== undefined && s.limit > 0 ? out.slice(0, s.limit) : out;
        };
        const scanner: ResultScanner = {
          async next() {
            rows ??= load();
            return rows[i++];
          },
          async close() {},
          async *[Symbol.asyncIterator]() {
            while (true) {
              const r = await scanner.next();
              if (r === undefined) return;
              yield r;
            }
          },
        };
        return scanner;
      },
    };
    return table;
  }

  getBufferedMutator(): BufferedMutator {
    throw new InvalidError('not supported by the fake');
  }

  async close(): Promise<void> {}
}

/** A TextSink collecting everything written. */
export class Capture {
  text = '';
  write(s: string): boolean {
    this.text += s;
    return true;
  }
}
