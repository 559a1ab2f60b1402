// A private single-member etcd for tests, on 127.0.0.1 with free ports and a temp data dir.
// The process dies with this process (see daemon.ts).
import { join } from 'node:path';
import { UnavailableError } from '../common/errors.js';
import { daemonError, isPortRace, makeServiceDir, removeServiceDir, sleep, spawnDaemon, sweepStaleDirs } from './daemon.js';
import { freePorts } from './free-port.js';
import { ensureBinaries } from './packages.js';

export interface EtcdOptions {
  /** Give up starting after this long. Default 30 s. */
  readonly startTimeoutMs?: number;
  /** Progress lines. Default: silent. */
  readonly log?: (line: string) => void;
}

export interface EtcdServer {
  /** Client URLs, e.g. `['http://127.0.0.1:PORT']`. */
  readonly endpoints: string[];
  /** The temp dir (data and log); removed by stop(). */
  readonly dir: string;
  /** Milliseconds from the call until healthy. */
  readonly startMs: number;
  /** Kill etcd and remove its dir. Idempotent. */
  stop(): Promise<void>;
}

/** True if etcd at `endpoint` reports itself healthy (it has a leader). */
async function healthy(endpoint: string): Promise<boolean> {
  try {
    const res = await fetch(`${endpoint}/health`, { signal: AbortSignal.timeout(1000) });
    const body = (await res.json()) as { health?: unknown };
    return res.ok && body.health === 'true';
  } catch {
    return false;
  }
}

/**
 * Start etcd and wait until it is healthy. If etcd is missing: installs it when running as
 * root, else throws TSB_INVALID_CONFIG. Throws TSB_UNAVAILABLE with the tail of etcd's log if
 * it does not become healthy. Concurrent calls start independent servers.
 */
export async function startEtcd(opts: EtcdOptions = {}): Promise<EtcdServer> {
  const t0 = Date.now();
  const deadline = t0 + (opts.startTimeoutMs ?? 30_000);
  ensureBinaries('etcd', { etcd: 'etcd-server', etcdctl: 'etcd-client' });
  sweepStaleDirs();
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(opts, t0, deadline);
    } catch (e) {
      if (attempt >= 3 || !isPortRace(e) || Date.now() > deadline) throw e;
      opts.log?.('etcd: port taken during start, retrying with other ports');
    }
  }
}

async function startOnce(opts: EtcdOptions, t0: number, deadline: number): Promise<EtcdServer> {
  const dir = makeServiceDir('etcd');
  const logFile = join(dir, 'etcd.log');
  const [clientPort, peerPort] = (await freePorts(2)) as [number, number];
  const client = `http://127.0.0.1:${clientPort}`;
  const peer = `http://127.0.0.1:${peerPort}`;
  const etcd = spawnDaemon(
    'etcd',
    'etcd',
    [
      '--name=t1',
      `--data-dir=${join(dir, 'data')}`,
      `--listen-client-urls=${client}`,
      `--advertise-client-urls=${client}`,
      `--listen-peer-urls=${peer}`,
      `--initial-advertise-peer-urls=${peer}`,
      `--initial-cluster=t1=${peer}`,
      '--initial-cluster-state=new',
      '--log-level=warn',
      // A single member elects itself after one election timeout: 200 ms instead of 1 s.
      // Leases keep etcd's minimum TTL of 1 s (1.5 election timeouts, rounded up).
      '--heartbeat-interval=20',
      '--election-timeout=200',
    ],
    logFile,
  );
  const stop = async () => {
    await etcd.kill();
    removeServiceDir(dir);
  };
  try {
    while (!(await healthy(client))) {
      if (!etcd.running()) throw daemonError('etcd exited during start', 'etcd', [logFile]);
      if (Date.now() > deadline) throw daemonError(`not healthy after ${Date.now() - t0} ms`, 'etcd', [logFile]);
      await sleep(50);
    }
  } catch (e) {
    await stop();
    if (e instanceof UnavailableError) throw e;
    throw new UnavailableError(`test service etcd failed to start: ${(e as Error).message}`, { cause: e });
  }
  const startMs = Date.now() - t0;
  opts.log?.(`etcd: ready at ${client} in ${startMs} ms`);
  return { endpoints: [client], dir, startMs, stop };
}
