// Test support (not part of the public client): a Connection to a FakeCluster through fake
// masters on loopback, with an AutoClock and seeded randomness.

import { SeededRandom } from '../common/random.js';
import { NotFoundError } from '../common/errors.js';
import type { ConnectionOptions } from './client-types.js';
import { Connection } from './connection.js';
import { AutoClock, FakeCluster } from './fake-cluster.js';
import type { FakeMasters, RouteHandler } from './fake-master.js';
import { fakeStatus, startFakeMasters } from './fake-master.js';

export interface FakeSetup {
  readonly cluster: FakeCluster;
  readonly masters: FakeMasters;
  readonly clock: AutoClock;
  readonly conn: Connection;
  readonly pool: ReturnType<FakeCluster['pool']>;
  stop(): Promise<void>;
}

/** The default admin routes: status and meta-location from the cluster; `extra` first. */
export function clusterRoutes(cluster: FakeCluster, extra?: RouteHandler): RouteHandler {
  return (req) => {
    const r = extra?.(req);
    if (r !== undefined) return r;
    if (req.method === 'GET' && req.path === '/status') return fakeStatus(req.master);
    if (req.method === 'GET' && req.path === '/meta-location') return { serverName: cluster.metaServer.replace(':', ',') + ',1', rpcAddress: cluster.metaServer };
    throw new NotFoundError('no such route', { details: { path: req.path } });
  };
}

export async function fakeConnect(
  opts: { masters?: number; seed?: number; options?: Partial<ConnectionOptions>; cluster?: FakeCluster; routes?: RouteHandler } = {},
): Promise<FakeSetup> {
  const cluster = opts.cluster ?? new FakeCluster();
  const masters = await startFakeMasters(opts.masters ?? 1, clusterRoutes(cluster, opts.routes));
  const clock = new AutoClock();
  const pool = cluster.pool();
  try {
    const conn = await Connection.connect(
      { masters: masters.addresses, operationTimeoutMs: 3_000, rpcTimeoutMs: 10_000, retryPauseMs: 10, ...opts.options },
      { pool, clock, random: new SeededRandom(opts.seed ?? 1) },
    );
    return {
      cluster,
      masters,
      clock,
      conn,
      pool,
      stop: async () => {
        await conn.close().catch(() => undefined);
        await masters.stop();
      },
    };
  } catch (e) {
    await masters.stop();
    throw e;
  }
}
