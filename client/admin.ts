// Admin: DDL and cluster operations over the master's admin HTTP API
// (common/admin/admin-api.ts). Every call goes to the active master (admin-http.ts) and
// throws the master's error as its public class (NotFoundError for an unknown table, ...).
//
// flush/compact/split take a table name or a region (merge and move only regions): an encoded region name (32 hex digits)
// or a full region name ending in `.<encoded>.` (as HBase prints them). A 32-hex-digit
// target is tried as a region first and, if the master does not know such a region, as a
// table; anything else is a table.

import type { ClusterStatusJson, ColumnFamilyAttributes, CreateTableRequest, RegionInfoJson, RegionLocationJson, TableJson } from '../common/admin/admin-api.js';
import { ErrorCodes, InvalidError, errorCode } from '../common/errors.js';
import type { Admin } from './client-types.js';
import type { AdminHttpClient } from './admin-http.js';
import type { RegionLocator } from './region-locator.js';
import type { NonceGenerator } from './nonce-generator.js';
import type { OperationNonce } from '../common/ops/operation-nonce.js';
import { parseTableName } from '../common/meta/table-descriptor.js';

const ENCODED = /^[0-9a-f]{32}$/;
const FULL_REGION = /\.([0-9a-f]{32})\.$/;

function t(name: string): string {
  if (typeof name !== 'string' || name === '') throw new InvalidError('a table name is required');
  return encodeURIComponent(name);
}

/** The encoded region name `target` names, if it looks like one. */
export function regionTarget(target: string): { encoded: string; certain: boolean } | undefined {
  const full = FULL_REGION.exec(target);
  if (full !== null) return { encoded: full[1]!, certain: true };
  if (ENCODED.test(target)) return { encoded: target, certain: false };
  return undefined;
}

export class ClientAdmin implements Admin {
  /**
   * `nonces`: each call that changes something sends a fresh nonce, kept across its retries, so
   * the master runs it at most once even if an answer is lost (docs/rfcs/0007-admin-nonces.md);
   * without, such a call is not sent again after an ambiguous failure.
   */
  constructor(
    private readonly http: AdminHttpClient,
    private readonly locator?: RegionLocator,
    private readonly nonces?: NonceGenerator,
  ) {}

  async listNamespaces(): Promise<string[]> {
    const r = await this.http.request<{ namespaces: string[] }>('GET', '/namespaces');
    return r.namespaces;
  }

  async createNamespace(name: string): Promise<void> {
    await this.http.request('POST', '/namespaces', { name }, this.nonce());
  }

  async deleteNamespace(name: string): Promise<void> {
    await this.http.request('DELETE', `/namespaces/${encodeURIComponent(name)}`, undefined, this.nonce());
  }

  async createTable(req: CreateTableRequest): Promise<TableJson> {
    return this.http.request<TableJson>('POST', '/tables', req, this.nonce());
  }

  async deleteTable(name: string): Promise<void> {
    await this.http.request('DELETE', `/tables/${t(name)}`, undefined, this.nonce());
    this.forget(name);
  }

  async enableTable(name: string): Promise<void> {
    await this.http.request('POST', `/tables/${t(name)}/enable`, {}, this.nonce());
    this.forget(name);
  }

  async disableTable(name: string): Promise<void> {
    await this.http.request('POST', `/tables/${t(name)}/disable`, {}, this.nonce());
    this.forget(name);
  }

  async truncateTable(name: string, preserveSplits = true): Promise<void> {
    await this.http.request('POST', `/tables/${t(name)}/truncate`, { preserveSplits }, this.nonce());
    this.forget(name);
  }

  async tableExists(name: string): Promise<boolean> {
    try {
      await this.describeTable(name);
      return true;
    } catch (err) {
      if (errorCode(err) === ErrorCodes.NOT_FOUND) return false;
      throw err;
    }
  }

  async isTableEnabled(name: string): Promise<boolean> {
    return (await this.describeTable(name)).state === 'ENABLED';
  }

  async describeTable(name: string): Promise<TableJson> {
    return this.http.request<TableJson>('GET', `/tables/${t(name)}`);
  }

  async listTables(namespace?: string): Promise<TableJson[]> {
    const q = namespace === undefined ? '' : `?namespace=${encodeURIComponent(namespace)}`;
    return (await this.http.request<{ tables: TableJson[] }>('GET', `/tables${q}`)).tables;
  }

  async addOrModifyColumnFamily(table: string, family: ColumnFamilyAttributes): Promise<TableJson> {
    const name = family['NAME'];
    if (typeof name !== 'string' || name === '') throw new InvalidError('a column family needs a NAME', { details: { table } });
    return this.http.request<TableJson>('PUT', `/tables/${t(table)}/families/${encodeURIComponent(name)}`, family, this.nonce());
  }

  async deleteColumnFamily(table: string, family: string): Promise<TableJson> {
    return this.http.request<TableJson>('DELETE', `/tables/${t(table)}/families/${encodeURIComponent(family)}`, undefined, this.nonce());
  }

  async getRegions(table: string): Promise<RegionLocationJson[]> {
    return (await this.http.request<{ regions: RegionLocationJson[] }>('GET', `/tables/${t(table)}/regions`)).regions;
  }

  async flush(target: string): Promise<void> {
    return this.onTarget(target, 'flush', {});
  }

  async compact(target: string, major = false): Promise<void> {
    return this.onTarget(target, major ? 'major_compact' : 'compact', {});
  }

  async split(target: string, splitRow?: Buffer): Promise<void> {
    if (splitRow !== undefined && (!Buffer.isBuffer(splitRow) || splitRow.length === 0)) throw new InvalidError('splitRow must be a non-empty Buffer');
    return this.onTarget(target, 'split', splitRow === undefined ? {} : { splitRow: splitRow.toString('base64') });
  }

  /**
   * Merges two or more adjacent regions of one table (encoded or full region names, in any
   * order) into one, as HBase's mergeRegions; resolves with the merged region once it is open.
   */
  async mergeRegions(regions: readonly string[]): Promise<RegionInfoJson> {
    if (!Array.isArray(regions) || regions.length < 2) throw new InvalidError('a merge needs at least two regions');
    const encoded = regions.map((region) => {
      const r = typeof region === 'string' ? regionTarget(region) : undefined;
      if (r === undefined) throw new InvalidError('merge needs encoded region names (32 hex digits) or full region names', { details: { region: String(region) } });
      return r.encoded;
    });
    const res = await this.http.request<{ region: RegionInfoJson }>('POST', '/regions/merge', { regions: encoded }, this.nonce());
    this.locator?.clearTable({ namespace: res.region.namespace, name: res.region.table });
    return res.region;
  }

  async move(region: string, serverName?: string): Promise<void> {
    const r = regionTarget(region);
    if (r === undefined) throw new InvalidError('move needs an encoded region name (32 hex digits)', { details: { region } });
    await this.http.request('POST', `/regions/${r.encoded}/move`, serverName === undefined ? {} : { serverName }, this.nonce());
  }

  async balance(): Promise<number> {
    return (await this.http.request<{ moves: number }>('POST', '/balancer/run', {}, this.nonce())).moves;
  }

  async setBalancerEnabled(enabled: boolean): Promise<boolean> {
    return (await this.http.request<{ previous: boolean }>('PUT', '/balancer', { enabled }, this.nonce())).previous;
  }

  async clusterStatus(): Promise<ClusterStatusJson> {
    return this.http.request<ClusterStatusJson>('GET', '/status');
  }

  private async onTarget(target: string, op: string, body: object): Promise<void> {
    if (typeof target !== 'string' || target === '') throw new InvalidError(`${op} needs a table or region name`);
    const r = regionTarget(target);
    if (r !== undefined) {
      try {
        await this.http.request('POST', `/regions/${r.encoded}/${op}`, body, this.nonce());
        return;
      } catch (err) {
        if (r.certain || errorCode(err) !== ErrorCodes.NOT_FOUND) throw err;
      }
    }
    await this.http.request('POST', `/tables/${t(target)}/${op}`, body, this.nonce());
  }

  private nonce(): OperationNonce | undefined {
    return this.nonces?.newNonce();
  }

  private forget(name: string): void {
    const { namespace, name: table } = parseTableName(name);
    this.locator?.clearTable({ namespace, name: table });
  }
}
