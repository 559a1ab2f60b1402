// A region server's entry in coordination: `rs/<serverName>` (cluster-keys.ts) holding its
// ServerRecord, attached to a lease (ZooKeeper's ephemeral node). The master watches these
// keys: a key that disappears because its lease expired is a dead server (crash recovery), a
// record with `stopping: true` is a server about to stop cleanly (move its regions first).
//
// The lease is kept alive by the Coordination implementation. When it is lost the server can
// no longer prove it is alive, and the master will fence and split its WAL: onLost fires and
// the server must stop acknowledging writes at once (region-server.ts self-fences).
//
// update() rewrites the record (load reports); calls are serialized so an older record never
// overwrites a newer one.

import type { Coordination, Lease } from '../../common/coordination/coordination.js';
import type { ServerLoad, ServerRecord } from '../../common/coordination/cluster-keys.js';
import { clusterKeys } from '../../common/coordination/cluster-keys.js';
import { storeTotals } from './server-metrics.js';
import type { OnlineRegions } from './online-regions.js';

export class ServerRegistration {
  private chain: Promise<unknown> = Promise.resolve();
  private ended = false;

  private constructor(
    private readonly coordination: Coordination,
    readonly key: string,
    readonly lease: Lease,
  ) {}

  /**
   * Grants a lease of `ttlMs`, writes `record` under it and returns the registration;
   * `onLost` is called once if the lease is lost later (not after deregister()). Throws the
   * coordination's errors (UnavailableError, FencedError TSB_CLOSED) — nothing is left behind.
   */
  static async register(coordination: Coordination, cluster: string, record: ServerRecord, ttlMs: number, onLost: (cause: Error) => void): Promise<ServerRegistration> {
    const key = clusterKeys(cluster).server(record.serverName);
    const lease = await coordination.grantLease(ttlMs);
    const reg = new ServerRegistration(coordination, key, lease);
    try {
      await coordination.put(key, encodeRecord(record), { lease });
    } catch (e) {
      await lease.revoke().catch(() => {});
      throw e;
    }
    lease.onLost((cause) => {
      if (!reg.ended) onLost(cause);
    });
    return reg;
  }

  /** True once the lease is lost or revoked. */
  get lost(): boolean {
    return this.lease.lost;
  }

  /** Rewrites the record (after any running update). Throws the coordination's errors. */
  update(record: ServerRecord): Promise<void> {
    const next = this.chain.then(async () => {
      if (this.ended || this.lease.lost) return;
      await this.coordination.put(this.key, encodeRecord(record), { lease: this.lease });
    });
    this.chain = next.catch(() => {});
    return next;
  }

  /** Revokes the lease: the key is deleted at once. Idempotent; best effort if coordination is down. */
  async deregister(): Promise<void> {
    if (this.ended) return;
    this.ended = true;
    await this.chain;
    await this.lease.revoke().catch(() => {});
    // If the revoke did not reach coordination, the key still goes when the lease expires.
    await this.coordination.delete(this.key).catch(() => {});
  }
}

export function encodeRecord(record: ServerRecord): Buffer {
  return Buffer.from(JSON.stringify(record), 'utf8');
}

/** The load of the regions hosted now; `requests` over `elapsedMs` gives requests per second. */
export function serverLoad(regions: OnlineRegions, memStoreBytes: number, requests: number, elapsedMs: number): ServerLoad {
  let readRequests = 0;
  let writeRequests = 0;
  for (const e of regions.entries()) {
    readRequests += e.readRequests;
    writeRequests += e.writeRequests;
  }
  const { files, bytes } = storeTotals(regions);
  return {
    regions: regions.size,
    requestsPerSecond: elapsedMs > 0 ? Math.round((requests * 1000) / elapsedMs) : 0,
    readRequests,
    writeRequests,
    memStoreBytes,
    storeFiles: files,
    storeFileBytes: bytes,
  };
}
