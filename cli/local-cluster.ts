// `tsbase local-cluster`: a real cluster on loopback. Real etcd and a real S3 server (Ceph
// radosgw), started with the test harness's launchers (testing/), or given; then masters
// (2 = active + standby, ARCHITECTURE.md "Processes") and N region servers as child
// processes of this one, each with the s3 WAL and the s3 object store.
//
// Stop order (stop()): masters first (so nobody reassigns the regions of region servers that
// are stopping), then every region server at once (each closes its regions with a flush), then
// radosgw and etcd. Data lives only as long as the cluster's etcd and radosgw: `local-cluster`
// started them in temp dirs and removes them when it stops.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ClusterStatusJson } from '../common/admin/admin-api.js';
import { API_PREFIX } from '../common/admin/admin-api.js';
import { UnavailableError } from '../common/errors.js';
import { startRadosgw } from '../testing/ceph-rgw.js';
import { startEtcd } from '../testing/etcd-server.js';
import { ensureBucket } from '../testing/test-services.js';
import type { S3Settings } from '../testing/test-services.js';
import { spawnTsbase } from './child-process.js';
import type { ManagedChild } from './child-process.js';
import { clusterConfigDocument } from './cluster-settings.js';

/** dist/cli/tsbase.js, the script every child runs. */
export const TSBASE_SCRIPT = fileURLToPath(new URL('./tsbase.js', import.meta.url));

export interface LocalClusterOptions {
  readonly regionServers: number;
  /** 1 or 2 (active + standby). Default 2. */
  readonly masters?: number;
  /** Where config and child logs go (created). */
  readonly dir: string;
  /** Use this etcd instead of starting one (it is not stopped). */
  readonly etcdEndpoints?: readonly string[];
  /** Use this S3 server/bucket instead of starting radosgw (it is not stopped). */
  readonly s3?: S3Settings;
  /** Key prefix in the bucket and cluster name in etcd (default `local`). */
  readonly cluster?: string;
  /** HTTP port of the first master (then +1 per master). 0 = any free port. Default 16010. */
  readonly masterPort?: number;
  /** RPC port of the first region server; HTTP ports start at rpcPort + 10... 0 = any. Default 0. */
  readonly regionServerPort?: number;
  /** Extra `--set key=value` settings for every child. */
  readonly sets?: readonly string[];
  /** Extra environment for every child (e.g. TSBASE_LOG_LEVEL). */
  readonly env?: NodeJS.ProcessEnv;
  readonly log?: (line: string) => void;
  /** How long to wait for META to be open and every region server registered (default 120 s). */
  readonly readyTimeoutMs?: number;
}

export interface LocalCluster {
  readonly dir: string;
  readonly configFile: string;
  readonly etcdEndpoints: readonly string[];
  readonly s3: S3Settings;
  /** Master admin HTTP addresses (`host:port`), active first at start. */
  readonly masterAddresses: string[];
  readonly masters: ManagedChild[];
  readonly regionServers: ManagedChild[];
  /** Starts one more region server; resolves once it is ready. */
  addRegionServer(): Promise<ManagedChild>;
  /** Starts one more master (e.g. after stopping one); resolves once it is ready. */
  addMaster(): Promise<ManagedChild>;
  /** Stops every child (masters, then region servers), then the services this call started. Idempotent. */
  stop(): Promise<void>;
}

/**
 * Starts the cluster and resolves once every process announced that it is ready. On a failure
 * stops whatever started and rethrows (TSB_INVALID_CONFIG with the apt-get command if etcd or
 * Ceph is not installed and this process is not root; TSB_UNAVAILABLE naming what failed).
 */
export async function startLocalCluster(opts: LocalClusterOptions): Promise<LocalCluster> {
  const log = opts.log ?? (() => {});
  const cluster = opts.cluster ?? 'local';
  mkdirSync(join(opts.dir, 'logs'), { recursive: true });
  const stops: (() => Promise<void>)[] = [];
  const children: ManagedChild[] = [];
  const masters: ManagedChild[] = [];
  const regionServers: ManagedChild[] = [];
  let stopped: Promise<void> | undefined;
  const stop = () => {
    stopped ??= (async () => {
      await Promise.all(masters.map((m) => m.stop()));
      await Promise.all(regionServers.map((r) => r.stop()));
      await Promise.all(children.map((c) => c.stop()));
      for (const s of stops.reverse()) await s();
    })();
    return stopped;
  };
  try {
    const [etcdEndpoints, s3] = await Promise.all([
      (async () => {
        if (opts.etcdEndpoints !== undefined) return opts.etcdEndpoints;
        log('starting etcd');
        const etcd = await startEtcd({ log });
        stops.push(() => etcd.stop());
        return etcd.endpoints;
      })(),
      (async (): Promise<S3Settings> => {
        if (opts.s3 !== undefined) return opts.s3;
        log('starting radosgw (1 mon, 1 osd, 1 rgw)');
        const rgw = await startRadosgw({ log });
        stops.push(() => rgw.stop());
        const s3: S3Settings = { ...rgw, bucket: 'tsbase' };
        await ensureBucket(s3, s3.bucket);
        return s3;
      })(),
    ]);
    const configFile = join(opts.dir, 'tsbase.json');
    writeFileSync(configFile, JSON.stringify(clusterConfigDocument({ cluster, etcdEndpoints, s3 }), null, 2) + '\n');
    const sets = opts.sets ?? [];
    const env = { ...process.env, ...opts.env };
    const basePort = opts.masterPort ?? 16010;
    let masterCount = 0;
    let rsCount = 0;
    const masterAddresses: string[] = [];
    const spawnChild = (name: string, args: string[]) => {
      const child = spawnTsbase(name, {
        script: TSBASE_SCRIPT,
        args: [...args, '--config', configFile, ...sets.flatMap((s) => ['--set', s])],
        logFile: join(opts.dir, 'logs', `${name}.log`),
        env,
      });
      children.push(child);
      return child;
    };
    const addMaster = async () => {
      const i = masterCount++;
      const port = basePort === 0 ? 0 : basePort + i;
      const child = spawnChild(`master-${i}`, ['master', '--set', `master.httpPort=${port}`]);
      masters.push(child);
      const ready = await child.ready;
      if (ready.masterHttp !== undefined && !masterAddresses.includes(ready.masterHttp)) masterAddresses.push(ready.masterHttp);
      log(`${child.name}: admin http://${ready.masterHttp ?? '?'} (pid ${child.pid})`);
      return child;
    };
    const addRegionServer = async () => {
      const i = rsCount++;
      const rpcPort = opts.regionServerPort === undefined || opts.regionServerPort === 0 ? 0 : opts.regionServerPort + i;
      const httpPort = rpcPort === 0 ? 0 : rpcPort + 10;
      const child = spawnChild(`regionserver-${i}`, [
        'regionserver',
        '--set', `regionserver.rpcPort=${rpcPort}`,
        '--set', `regionserver.httpPort=${httpPort}`,
      ]);
      regionServers.push(child);
      const ready = await child.ready;
      log(`${child.name}: rpc ${ready.rpcAddress ?? '?'}, http ${ready.rsHttp ?? '?'} (pid ${child.pid})`);
      return child;
    };
    const masterCountWanted = opts.masters ?? 2;
    // Masters first (the active one creates namespaces and waits for servers to host META),
    // then the region servers, all at once.
    for (let i = 0; i < masterCountWanted; i++) await addMaster();
    await Promise.all(Array.from({ length: opts.regionServers }, () => addRegionServer()));
    // Now that the masters' addresses are known, `tsbase shell --config <file>` finds them.
    writeFileSync(configFile, JSON.stringify(clusterConfigDocument({ cluster, etcdEndpoints, s3, masters: masterAddresses }), null, 2) + '\n');
    await waitForCluster(masterAddresses, opts.regionServers, opts.readyTimeoutMs ?? 120_000);
    return {
      dir: opts.dir,
      configFile,
      etcdEndpoints,
      s3,
      masterAddresses,
      masters,
      regionServers,
      addRegionServer,
      addMaster,
      stop,
    };
  } catch (e) {
    await stop();
    throw e;
  }
}

/**
 * Polls the masters' /status until one is active, META is open and `servers` region servers
 * are registered. Throws UnavailableError after `timeoutMs`.
 */
export async function waitForCluster(masters: readonly string[], servers: number, timeoutMs: number): Promise<ClusterStatusJson> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer';
  for (;;) {
    for (const m of masters) {
      try {
        const res = await fetch(`http://${m}${API_PREFIX}/status`, { signal: AbortSignal.timeout(2000) });
        const body = (await res.json()) as ClusterStatusJson;
        if (res.ok) {
          last = `active=${body.activeMaster} servers=${body.servers.length} meta=${body.metaLocation?.serverName ?? 'none'} rit=${body.regionsInTransition.length}`;
          if (body.activeMaster !== '' && body.metaLocation !== undefined && body.servers.length >= servers && body.regionsInTransition.length === 0) return body;
        }
      } catch (e) {
        last = (e as Error).message;
      }
    }
    if (Date.now() > deadline) throw new UnavailableError('the local cluster did not become ready in time', { details: { last, ms: timeoutMs } });
    await new Promise((r) => setTimeout(r, 200));
  }
}
