// Connection: the client's entry point (HBase's ConnectionFactory.createConnection). It is
// bootstrapped from master admin addresses, finds the active master (a standby answers 503
// TSB_NOT_LEADER, naming the leader when it knows it), and shares one RPC client pool, one
// region location cache and one retry policy among the Tables, Admin and BufferedMutators
// it hands out.
//
//   const conn = await Connection.connect({ masters: ['localhost:16010'] });
//   const t = conn.getTable('t1');
//   await t.put({ kind: 'put', row, columns: [{ family, qualifier, value }] });
//   await conn.close();
//
// Thread safety: every method may be used concurrently; getTable/getAdmin are cheap.

import type { Clock } from '../common/clock.js';
import { systemClock } from '../common/clock.js';
import type { Random } from '../common/random.js';
import { systemRandom } from '../common/random.js';
import type { RpcClientPool } from '../common/rpc/rpc-messages.js';
import { createRpcClientPool } from '../common/rpc/rpc-client-pool.js';
import type { ClusterStatusJson } from '../common/admin/admin-api.js';
import { ErrorCodes, InvalidError } from '../common/errors.js';
import { parseTableName, tableNameString } from '../common/meta/table-descriptor.js';
import { validateNamespaceName, validateTableName } from '../common/paths.js';
import type { Admin, BufferedMutator, BufferedMutatorOptions, ConnectionLike, ConnectionOptions, Table } from './client-types.js';
import { AdminHttpClient } from './admin-http.js';
import { ClientAdmin } from './admin.js';
import { ClientBufferedMutator } from './buffered-mutator.js';
import type { ClientContext } from './client-context.js';
import { RegionLocator } from './region-locator.js';
import type { TableName } from './region-locator.js';
import type { RetryPolicy } from './retry.js';
import type { NonceGenerator } from './nonce-generator.js';
import { randomNonceGenerator } from './nonce-generator.js';
import { ClientTable } from './table.js';

export const DEFAULT_OPERATION_TIMEOUT_MS = 60_000;
export const DEFAULT_RPC_TIMEOUT_MS = 10_000;
export const DEFAULT_RETRY_PAUSE_MS = 100;
export const DEFAULT_SCANNER_CACHING = 1000;

/** What the connection is built on; tests replace them. */
export interface ConnectionDeps {
  /** The data RPC client pool (default: common/rpc/rpc-client-pool.ts createRpcClientPool). The connection closes it on close(). */
  readonly pool?: RpcClientPool;
  readonly clock?: Clock;
  readonly random?: Random;
  /** Replaces the global fetch for the admin API. */
  readonly fetch?: typeof fetch;
  /** Operation nonces (default: random, nonce-generator.ts); unused when options.nonces is false. */
  readonly nonces?: NonceGenerator;
}

function positive(name: string, v: number | undefined, dflt: number): number {
  if (v === undefined) return dflt;
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) {
    throw new InvalidError(`connection option ${name} must be a positive number`, { code: ErrorCodes.INVALID_CONFIG, details: { [name]: String(v) } });
  }
  return v;
}

/** Parses and validates `ns:name` / `name`. Throws InvalidError. */
export function toTableName(name: string): TableName {
  if (typeof name !== 'string' || name === '') throw new InvalidError('a table name is required');
  const { namespace, name: table } = parseTableName(name);
  validateNamespaceName(namespace);
  validateTableName(table);
  return { namespace, name: table };
}

export class Connection implements ConnectionLike {
  private closed = false;
  private readonly tables = new Map<string, Table>();
  private readonly mutators = new Set<ClientBufferedMutator>();
  private readonly admin: ClientAdmin;
  readonly locator: RegionLocator;

  private constructor(
    private readonly ctx: ClientContext,
    private readonly http: AdminHttpClient,
    readonly status: ClusterStatusJson,
  ) {
    this.locator = ctx.locator;
    this.admin = new ClientAdmin(http, ctx.locator, ctx.nonces);
  }

  /**
   * Connects: validates the options (InvalidError TSB_INVALID_CONFIG), then asks the masters
   * for the cluster status until the active one answers (UnavailableError TSB_TIMEOUT after
   * operationTimeoutMs if none does).
   */
  static async connect(opts: ConnectionOptions, deps: ConnectionDeps = {}): Promise<Connection> {
    if (typeof opts !== 'object' || opts === null || !Array.isArray(opts.masters)) {
      throw new InvalidError('connection options need masters: ["host:port", ...]', { code: ErrorCodes.INVALID_CONFIG });
    }
    const clock = deps.clock ?? systemClock;
    const random = deps.random ?? systemRandom;
    const policy: RetryPolicy = {
      clock,
      random,
      pauseMs: positive('retryPauseMs', opts.retryPauseMs, DEFAULT_RETRY_PAUSE_MS),
      operationTimeoutMs: positive('operationTimeoutMs', opts.operationTimeoutMs, DEFAULT_OPERATION_TIMEOUT_MS),
      rpcTimeoutMs: positive('rpcTimeoutMs', opts.rpcTimeoutMs, DEFAULT_RPC_TIMEOUT_MS),
    };
    const scannerCaching = Math.floor(positive('scannerCaching', opts.scannerCaching, DEFAULT_SCANNER_CACHING));
    if (opts.nonces !== undefined && typeof opts.nonces !== 'boolean') {
      throw new InvalidError('connection option nonces must be true or false', { code: ErrorCodes.INVALID_CONFIG, details: { nonces: String(opts.nonces) } });
    }
    // One group per connection (HBase's per-client nonce group).
    const nonces = opts.nonces === false ? undefined : (deps.nonces ?? randomNonceGenerator());
    const http = new AdminHttpClient({
      masters: opts.masters,
      clock,
      random,
      operationTimeoutMs: policy.operationTimeoutMs,
      requestTimeoutMs: policy.rpcTimeoutMs,
      pauseMs: policy.pauseMs,
      ...(deps.fetch !== undefined ? { fetch: deps.fetch } : {}),
    });
    const status = await http.request<ClusterStatusJson>('GET', '/status');
    const pool = deps.pool ?? createRpcClientPool({ timeoutMs: policy.rpcTimeoutMs });
    let closed = false;
    const locator = new RegionLocator({ pool, admin: http, rpcTimeoutMs: policy.rpcTimeoutMs });
    const ctx: ClientContext = { pool, locator, admin: http, policy, scannerCaching, nonces, isClosed: () => closed };
    const conn = new Connection(ctx, http, status);
    conn.markClosed = () => {
      closed = true;
    };
    return conn;
  }

  private markClosed: () => void = () => undefined;

  /** The master that answered last as the active one. */
  get activeMaster(): string {
    return this.http.activeMaster;
  }

  /** A Table for `ns:name` or `name` (no I/O; an unknown table fails on first use with NotFoundError). */
  getTable(name: string): Table {
    const t = toTableName(name);
    const key = tableNameString(t.namespace, t.name);
    let table = this.tables.get(key);
    if (table === undefined) {
      table = new ClientTable(this.ctx, key, t);
      this.tables.set(key, table);
    }
    return table;
  }

  getAdmin(): Admin {
    return this.admin;
  }

  getBufferedMutator(name: string, opts?: BufferedMutatorOptions): BufferedMutator {
    const t = toTableName(name);
    const m = new ClientBufferedMutator(this.ctx, tableNameString(t.namespace, t.name), t, opts);
    this.mutators.add(m);
    return m;
  }

  /**
   * Flushes and closes the BufferedMutators still open, then closes the RPC pool. Later calls
   * fail with FencedError TSB_CLOSED. Rejects with the first mutator flush failure (the pool is
   * closed anyway).
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    let first: unknown;
    for (const m of this.mutators) {
      try {
        await m.close();
      } catch (err) {
        first ??= err;
      }
    }
    this.mutators.clear();
    this.markClosed();
    await this.ctx.pool.close();
    if (first !== undefined) throw first;
  }
}
