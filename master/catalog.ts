// The catalog: reading and writing hbase:meta rows (common/meta/meta-row.ts) through the data
// RPC against the region server hosting META. The master is META's only writer: its writes are
// META_MUTATE calls carrying its term's fencing token, which the server refuses
// (TSB_NOT_LEADER) once a newer master has fenced META (fence(), the first thing a new master
// does with META; docs/rfcs/0005-cluster.md "Fencing"). Calls wait for META to be online and
// are retried (re-locating META) on NotServingRegion / Unavailable answers, within the META
// RPC timeout.

import type { Clock } from '../common/clock.js';
import type { MetaLocation } from '../common/coordination/cluster-keys.js';
import { ErrorCodes, errorCode, isRetryable, UnavailableError } from '../common/errors.js';
import type { MetaRow } from '../common/meta/meta-row.js';
import { META_FAMILY, META_REGION, metaPut, metaRowKey, metaTablePrefix, parseMetaRow } from '../common/meta/meta-row.js';
import type { Mutation, Result } from '../common/ops/operations.js';
import type { RpcClientPool } from '../common/rpc/rpc-messages.js';
import type { RegionInfo } from '../regionserver/region/region-info.js';

const SCAN_ROWS = 1000;

export interface CatalogOptions {
  readonly rpc: RpcClientPool;
  readonly clock: Clock;
  /** Resolves with META's location once it is online; rejects (UnavailableError) if it does not come online in time or the term ended. */
  readonly locateMeta: () => Promise<MetaLocation>;
  readonly timeoutMs: number;
  /** Called before every write: throws once this master may no longer write (TSB_NOT_LEADER). */
  readonly assertActive: () => void;
  /** The term's fencing token (LeaderTerm.token), sent with every write. */
  readonly token: bigint;
}

export class Catalog {
  constructor(private readonly o: CatalogOptions) {}

  /** Writes `row`'s columns. Throws UnavailableError if META stays unreachable. */
  async put(row: MetaRow): Promise<void> {
    await this.mutate(metaPut(row));
  }

  /** Deletes the META row of `info` (idempotent). */
  async delete(info: RegionInfo): Promise<void> {
    await this.mutate({ kind: 'delete', row: metaRowKey(info), columns: [] });
  }

  /** Deletes the given `info:` columns (every version) of `info`'s META row. */
  async deleteColumns(info: RegionInfo, qualifiers: readonly Buffer[]): Promise<void> {
    if (qualifiers.length === 0) return;
    await this.mutate({ kind: 'delete', row: metaRowKey(info), columns: qualifiers.map((qualifier) => ({ family: META_FAMILY, qualifier, allVersions: true })) });
  }

  /**
   * Fences META for this term: afterwards the server refuses every write of an earlier master
   * (TSB_NOT_LEADER), and every write it admitted before is done. Throws TSB_NOT_LEADER if a
   * newer master already fenced it.
   */
  async fence(): Promise<void> {
    await this.retrying(async (loc) => {
      this.o.assertActive();
      await this.o.rpc.client(loc.rpcAddress).call('META_FENCE', { token: this.o.token }, { timeoutMs: this.o.timeoutMs });
    });
  }

  /** Every META row of one table (not sorted by start key: META's byte order is not start-key order). */
  async scanTable(namespace: string, table: string): Promise<MetaRow[]> {
    const prefix = metaTablePrefix(namespace, table);
    const stop = Buffer.from(prefix);
    stop[stop.length - 1]! += 1; // prefix ends with ',' (0x2c): stop at '-'
    return (await this.scan(prefix, stop)).map(parseMetaRow);
  }

  /** Every META row. */
  async scanAll(): Promise<MetaRow[]> {
    return (await this.scan(Buffer.alloc(0), Buffer.alloc(0))).map(parseMetaRow);
  }

  private async mutate(mutation: Mutation): Promise<void> {
    await this.retrying(async (loc) => {
      this.o.assertActive();
      await this.o.rpc.client(loc.rpcAddress).call('META_MUTATE', { token: this.o.token, mutation }, { timeoutMs: this.o.timeoutMs });
    });
  }

  private async scan(startRow: Buffer, stopRow: Buffer): Promise<Result[]> {
    return this.retrying(async (loc) => {
      const client = this.o.rpc.client(loc.rpcAddress);
      const opts = { timeoutMs: this.o.timeoutMs };
      const out: Result[] = [];
      let batch = await client.call('SCAN_OPEN', { region: META_REGION.encodedName, scan: { startRow, stopRow }, rows: SCAN_ROWS }, opts);
      const scannerId = batch.scannerId;
      out.push(...batch.results);
      try {
        while (batch.moreInRegion) {
          batch = { ...(await client.call('SCAN_NEXT', { scannerId, rows: SCAN_ROWS }, opts)), scannerId };
          out.push(...batch.results);
        }
      } catch (e) {
        await client.call('SCAN_CLOSE', { scannerId }, opts).catch(() => undefined);
        throw e;
      }
      return out;
    });
  }

  private async retrying<T>(fn: (loc: MetaLocation) => Promise<T>): Promise<T> {
    const started = this.o.clock.monotonicMs();
    for (let attempt = 0; ; attempt++) {
      const loc = await this.o.locateMeta();
      try {
        return await fn(loc);
      } catch (e) {
        if (!isRetryable(e) || errorCode(e) === ErrorCodes.NOT_LEADER) throw e;
        if (this.o.clock.monotonicMs() - started > this.o.timeoutMs) {
          throw new UnavailableError('hbase:meta is unreachable', { cause: e, details: { server: loc.serverName } });
        }
        await this.o.clock.sleep(Math.min(1000, 50 * 2 ** attempt));
      }
    }
  }
}
