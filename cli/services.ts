// The shared services a tsbase server process runs on, opened from its configuration:
// coordination (etcd, or for standalone the in-process store kept durable under the data
// dir), the object store, and the data RPC client pool (the master's connections to region
// servers).
import { join } from 'node:path';
import { collectDefaultMetrics, Registry } from 'prom-client';
import type { Logger } from 'pino';
import type { Coordination } from '../common/coordination/coordination.js';
import { openEtcdCoordination } from '../common/coordination/etcd-coordination.js';
import type { ProcessMode } from '../common/config/config-resolve.js';
import { coordinationKind, objectStoreConfig } from '../common/config/config-resolve.js';
import type { TsbaseConfig } from '../common/config/config-schema.js';
import type { ObjectStore } from '../common/objectstore/object-store.js';
import { openObjectStore } from '../common/objectstore/open-store.js';
import { DurableCoordination } from './durable-coordination.js';
import type { LoopWatchdog } from '../common/process/loop-watchdog.js';
import { startLoopWatchdog } from '../common/process/loop-watchdog.js';

/** Where standalone keeps its coordination state. */
export function standaloneCoordinationFile(cfg: TsbaseConfig): string {
  return join(cfg.standalone.dataDir, 'coordination.json');
}

/**
 * Opens the coordination of `mode`: standalone → DurableCoordination under the data dir
 * (in-process, survives restarts); cluster → etcd (not contacted until first use). Throws
 * InvalidError TSB_INVALID_CONFIG (in-process coordination for a cluster process) or
 * CorruptionError (a damaged standalone snapshot).
 */
export async function openCoordination(cfg: TsbaseConfig, mode: ProcessMode): Promise<Coordination> {
  const kind = coordinationKind(cfg, mode);
  if (kind === 'in-process') return DurableCoordination.open(standaloneCoordinationFile(cfg));
  const c = cfg.coordination;
  return openEtcdCoordination({
    endpoints: c.endpoints,
    requestTimeoutMs: c.requestTimeout,
    ...(c.username !== undefined && c.password !== undefined ? { auth: { username: c.username, password: c.password } } : {}),
  });
}

/** Opens the configured object store (fs under the data dir by default for standalone). */
export function openConfiguredObjectStore(cfg: TsbaseConfig, mode: ProcessMode, registry?: Registry): Promise<ObjectStore> {
  return openObjectStore(objectStoreConfig(cfg, mode), registry !== undefined ? { registry } : {});
}

/** A metrics registry with Node's default metrics, shared by a region server and its object store. */
export function processRegistry(): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return registry;
}

/**
 * Starts the event-loop watchdog of a server process (common/process/loop-watchdog.ts): a loop
 * stuck for `stallMs` logs the main thread's stack and kills the process. 0: none.
 */
export function startWatchdog(name: string, stallMs: number, log: Logger): LoopWatchdog | undefined {
  if (stallMs === 0) return undefined;
  return startLoopWatchdog({
    name,
    stallMs,
    onStall: (ms) => log.warn({ stalledMs: ms }, 'event loop was blocked'),
    onError: (err) => log.warn({ err }, 'event-loop watchdog failed; running without it'),
  });
}
