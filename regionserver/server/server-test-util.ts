// Test helpers for the region server: a server on the memory object store and in-process
// coordination, calls through its handlers, and small operation builders.

import { pino } from 'pino';
import type { Clock } from '../../common/clock.js';
import { clusterKeys } from '../../common/coordination/cluster-keys.js';
import type { ServerRecord } from '../../common/coordination/cluster-keys.js';
import type { Coordination } from '../../common/coordination/coordination.js';
import { MemoryCoordination } from '../../common/coordination/memory-coordination.js';
import { ErrorCodes, UnavailableError } from '../../common/errors.js';
import type { TableDescriptor } from '../../common/meta/table-descriptor.js';
import { MemoryObjectStore } from '../../common/objectstore/memory-store.js';
import type { ObjectStore } from '../../common/objectstore/object-store.js';
import type { Delete, Get, Put } from '../../common/ops/operations.js';
import { SeededRandom } from '../../common/random.js';
import type { RpcMethodName, RpcRequests, RpcResponses } from '../../common/rpc/rpc-messages.js';
import { columnFamily } from '../region/column-family.js';
import type { RegionInfo } from '../region/region-info.js';
import { regionInfo } from '../region/region-info.js';
import { RegionServer } from './region-server.js';
import type { RegionServerOptions } from './region-server-options.js';
import { noRpcServer } from './rpc-listener.js';

export const CLUSTER = 'test';
export const FAMILY = Buffer.from('f');
export const TABLE: TableDescriptor = { namespace: 'default', name: 't', families: [columnFamily({ name: 'f' })] };
export const EMPTY = Buffer.alloc(0);

/** A fence's refusal: UnavailableError TSB_NOT_LEADER. */
export const notLeader = (e: unknown): boolean => e instanceof UnavailableError && e.code === ErrorCodes.NOT_LEADER;

/** The whole table as one region. */
export function wholeRegion(regionId = 1): RegionInfo {
  return regionInfo('default', 't', EMPTY, EMPTY, regionId);
}

export interface TestServer {
  readonly server: RegionServer;
  readonly store: ObjectStore;
  readonly coordination: Coordination;
  call<M extends RpcMethodName>(method: M, req: RpcRequests[M]): Promise<RpcResponses[M]>;
  /** The server's record in coordination, if registered. */
  record(): Promise<ServerRecord | undefined>;
}

/** Starts a server: memory store and coordination unless given, no RPC port, HTTP on a free port, silent logs. */
export async function startTestServer(
  opts: Partial<RegionServerOptions> & { clock?: Clock } = {},
): Promise<TestServer> {
  const store = opts.objectStore ?? new MemoryObjectStore();
  const coordination = opts.coordination ?? new MemoryCoordination();
  const server = new RegionServer({
    host: '127.0.0.1',
    rpcPort: 0,
    httpPort: 0,
    cluster: CLUSTER,
    wal: { kind: 's3' },
    blockCacheBytes: 8 * 1024 * 1024,
    compactionWorkers: false,
    stopWaitMs: 0,
    random: new SeededRandom(42),
    logger: pino({ level: 'silent' }),
    rpcServer: noRpcServer,
    ...opts,
    objectStore: store,
    coordination,
  });
  await server.start();
  return {
    server,
    store,
    coordination,
    call: (method, req) => server.handlers[method](req, { peer: 'test' }),
    async record() {
      const e = await coordination.get(clusterKeys(CLUSTER).server(server.serverName));
      return e === undefined ? undefined : (JSON.parse(e.value.toString('utf8')) as ServerRecord);
    },
  };
}

export function put(row: string, qualifier: string, value: string | Buffer): Put {
  return { kind: 'put', row: Buffer.from(row), columns: [{ family: FAMILY, qualifier: Buffer.from(qualifier), value: Buffer.isBuffer(value) ? value : Buffer.from(value) }] };
}

export function del(row: string): Delete {
  return { kind: 'delete', row: Buffer.from(row), columns: [] };
}

export function get(row: string): Get {
  return { row: Buffer.from(row) };
}

/** The value of f:`qualifier` in a GET answer, as a string (undefined if absent). */
export function valueOf(res: RpcResponses['GET'], qualifier = 'q'): string | undefined {
  const c = res.result.cells.find((x) => x.qualifier.toString() === qualifier);
  return c?.value.toString();
}

/** Lets queued promise callbacks and immediates run. */
export async function settle(rounds = 5): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise((r) => setImmediate(r));
}

/**
 * The next host of `info` after a stop or crash: a fresh server on the same object store and
 * coordination opens the region (with `epoch`, if given) and returns the value of each of
 * `rows` (undefined: absent), then stops.
 */
export async function readOnNextHost(store: ObjectStore, coordination: Coordination, info: RegionInfo, rows: readonly string[], epoch?: number): Promise<(string | undefined)[]> {
  const next = await startTestServer({ objectStore: store, coordination });
  try {
    await next.call('OPEN_REGION', { info, table: TABLE, ...(epoch !== undefined ? { epoch } : {}) });
    const out: (string | undefined)[] = [];
    for (const row of rows) out.push(valueOf(await next.call('GET', { region: info.encodedName, get: get(row) })));
    return out;
  } finally {
    await next.server.stop();
  }
}
