// Test support (not used by production code): a master and real region servers in this
// process, over the real data RPC, on in-process coordination and a memory object store with
// s3 WALs. Tests pass only the options they care about.

import { pino } from 'pino';
import { MemoryCoordination } from '../common/coordination/memory-coordination.js';
import { MemoryObjectStore } from '../common/objectstore/memory-store.js';
import { createRpcClientPool } from '../common/rpc/rpc-client-pool.js';
import { RegionServer } from '../regionserver/server/region-server.js';
import type { RegionServerOptions } from '../regionserver/server/region-server-options.js';
import type { Master } from './master.js';
import type { MasterOptions } from './master-options.js';
import { startTestMaster } from './test-fakes.js';

export class InProcessCluster {
  readonly coord = new MemoryCoordination();
  readonly store = new MemoryObjectStore();
  readonly pool = createRpcClientPool({ timeoutMs: 10_000 });
  readonly servers: RegionServer[] = [];
  readonly masters: Master[] = [];

  constructor(readonly name: string) {}

  /** Starts a region server (no stop wait, compactions inline, 8 MiB block cache unless overridden). */
  async startServer(opts: Partial<RegionServerOptions> = {}): Promise<RegionServer> {
    const s = new RegionServer({
      host: '127.0.0.1',
      rpcPort: 0,
      httpPort: 0,
      cluster: this.name,
      coordination: this.coord,
      objectStore: this.store,
      wal: { kind: 's3' },
      blockCacheBytes: 8 * 1024 * 1024,
      compactionWorkers: false,
      stopWaitMs: 0,
      logger: pino({ level: 'silent' }),
      ...opts,
    });
    await s.start();
    this.servers.push(s);
    return s;
  }

  /** Starts a master (test-fakes.ts startTestMaster) and waits until it is active. */
  async startMaster(opts: Partial<MasterOptions> = {}): Promise<Master> {
    const m = await startTestMaster({ clusterName: this.name, coordination: this.coord, objectStore: this.store, rpc: this.pool }, opts);
    this.masters.push(m);
    await m.waitUntilActive();
    return m;
  }

  /** Stops every master and server, then the RPC pool and coordination. */
  async close(): Promise<void> {
    for (const m of this.masters) await m.stop();
    for (const s of this.servers) await s.stop().catch(() => undefined);
    await this.pool.close();
    await this.coord.close();
  }
}
