// A private single-node Ceph cluster with radosgw, for tests that need a real S3 server.
//
// One monitor, one OSD and one radosgw, all on 127.0.0.1 with free ports (several clusters may
// run on one machine at once), in a fresh temp dir, with cephx off. No manager daemon: the
// tests need none. Every daemon dies with this process (see daemon.ts).
//
// Start sequence (timed in `startMs`/`phases`):
//   1. write ceph.conf, monmap and keyring; mkfs of the monitor and of the OSD, in parallel;
//   2. start ceph-mon; `ceph osd new` registers the OSD (this also waits for the monitor);
//   3. start ceph-osd and radosgw together: radosgw creates its pools and waits on its own
//      until the OSD has activated their placement groups;
//   4. wait until radosgw answers HTTP, then create the S3 user with radosgw-admin.
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { UnavailableError } from '../common/errors.js';
import type { Daemon } from './daemon.js';
import {
  daemonError,
  isPortRace,
  makeServiceDir,
  removeServiceDir,
  runTool,
  sleep,
  spawnDaemon,
  sweepStaleDirs,
} from './daemon.js';
import { freePorts } from './free-port.js';
import { ensureBinaries } from './packages.js';

/** Binaries a cluster needs, and the Debian package of each. */
const CEPH_BINARIES: Record<string, string> = {
  radosgw: 'radosgw',
  'radosgw-admin': 'ceph-common',
  'ceph-mon': 'ceph-mon',
  'ceph-osd': 'ceph-osd',
  ceph: 'ceph-common',
  'ceph-authtool': 'ceph-common',
  monmaptool: 'ceph-base',
};

export interface RadosgwOptions {
  /**
   * OSD backend. `memstore` (default) keeps objects in the OSD's RAM: fastest start, and the
   * data dies with the cluster anyway. `bluestore` uses a sparse file in the temp dir.
   */
  readonly objectStore?: 'memstore' | 'bluestore';
  /** Capacity of the OSD (memstore: RAM it may use). Default 4 GiB. */
  readonly capacityBytes?: number;
  /** Give up starting after this long. Default 120 s. */
  readonly startTimeoutMs?: number;
  /** Lines appended to ceph.conf (e.g. `debug objecter = 10` under a section), for debugging. */
  readonly extraConf?: string;
  /** Progress lines (phase timings). Default: silent. */
  readonly log?: (line: string) => void;
}

export interface Radosgw {
  /** `http://127.0.0.1:PORT` */
  readonly endpoint: string;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  /** Region to sign requests with; radosgw accepts any, tests use `us-east-1`. */
  readonly region: string;
  /** The cluster's temp dir (config, logs, data); removed by stop(). */
  readonly dir: string;
  /** Milliseconds from the call to ready, and per phase. */
  readonly startMs: number;
  readonly phases: Readonly<Record<string, number>>;
  /** Kill every daemon of this cluster and remove its temp dir. Idempotent. */
  stop(): Promise<void>;
}

function cephConf(dir: string, fsid: string, monPort: number, rgwPort: number, opts: RadosgwOptions): string {
  const store = opts.objectStore ?? 'memstore';
  const bytes = opts.capacityBytes ?? 4 * 1024 ** 3;
  return `[global]
fsid = ${fsid}
mon host = v2:127.0.0.1:${monPort}
mon initial members = a
public addr = 127.0.0.1
auth cluster required = none
auth service required = none
auth client required = none
auth allow insecure global id reclaim = true
ms bind ipv6 = false
ms bind msgr1 = false
ms mon client mode = crc secure
osd pool default size = 1
osd pool default min size = 1
mon allow pool size one = true
mon allow pool delete = true
osd pool default pg num = 8
osd pool default pgp num = 8
osd pool default pg autoscale mode = off
mon max pg per osd = 1000
osd crush chooseleaf type = 0
mon warn on pool no redundancy = false
paxos propose interval = 0.01
paxos min wait = 0.001
run dir = ${dir}/run
admin socket = ${dir}/run/$name.asok
log file = ${dir}/log/$name.log
pid file = ${dir}/run/$name.pid
keyring = ${dir}/keyring
[mon]
mon data = ${dir}/mon/$cluster-$id
mon data avail crit = 1
mon data avail warn = 2
[osd]
osd data = ${dir}/osd/$cluster-$id
osd objectstore = ${store}
memstore device bytes = ${bytes}
bluestore block path = ${dir}/osd/$cluster-$id/block.file
bluestore block create = true
bluestore block size = ${bytes}
bluestore block db create = false
bluestore block wal create = false
bluestore fsck on mkfs = false
osd memory target = 1073741824
osd op num shards = 1
osd op num threads per shard = 2
[client.rgw.a]
rgw frontends = beast endpoint=127.0.0.1:${rgwPort} tcp_nodelay=1
rgw data = ${dir}/rgw
rgw dns name = 127.0.0.1
rgw thread pool size = 64
rgw enable usage log = false
rgw dynamic resharding = false
${opts.extraConf ?? ''}
`;
}

/**
 * One command over a daemon's admin socket: the request is JSON ending in a NUL byte, the
 * answer a big-endian u32 length and that many bytes of JSON. Rejects if the socket is absent.
 */
function adminSocket(path: string, prefix: string): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const sock = connect(path);
    const chunks: Buffer[] = [];
    sock.setTimeout(2000, () => sock.destroy(new Error('admin socket timeout')));
    sock.once('error', reject);
    sock.on('data', (b: Buffer) => chunks.push(b));
    sock.once('close', () => {
      const all = Buffer.concat(chunks);
      if (all.length < 4 || all.length < 4 + all.readUInt32BE(0)) {
        reject(new Error('short admin socket answer'));
        return;
      }
      try {
        resolve(JSON.parse(all.subarray(4, 4 + all.readUInt32BE(0)).toString('utf8')));
      } catch (e) {
        reject(e as Error);
      }
    });
    sock.write(JSON.stringify({ prefix }) + '\0');
  });
}

/** Poll the OSD's admin socket until it reports state `active` (booted and marked up). */
async function waitForOsdActive(asok: string, daemon: Daemon, deadline: number): Promise<void> {
  while (Date.now() < deadline) {
    if (!daemon.running()) throw new Error(`${daemon.name} exited before becoming active`);
    try {
      const status = (await adminSocket(asok, 'status')) as { state?: unknown };
      if (status.state === 'active') return;
    } catch {
      // socket not there yet
    }
    await sleep(50);
  }
  throw new Error('osd not active before the start deadline');
}

/** Poll until `url` answers any HTTP status, `daemon` exits, or `deadline` passes. */
async function waitForHttp(url: string, daemon: Daemon, deadline: number): Promise<void> {
  while (Date.now() < deadline) {
    if (!daemon.running()) throw new Error(`${daemon.name} exited before answering HTTP`);
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(1000) });
      await res.arrayBuffer();
      return;
    } catch {
      await sleep(100);
    }
  }
  throw new Error(`no HTTP answer from ${url}`);
}

/** Attempts when a daemon loses the race for its free port to another process. */
const PORT_RACE_ATTEMPTS = 3;

/**
 * Start a private Ceph cluster with radosgw and an S3 user: ~1-2 s on an idle machine (see
 * startMs). If the Ceph binaries are missing: installs them when running as root, else
 * throws TSB_INVALID_CONFIG saying what to install. Throws TSB_UNAVAILABLE naming the daemon
 * that failed, with the tail of its log. Concurrent calls start independent clusters.
 */
export async function startRadosgw(opts: RadosgwOptions = {}): Promise<Radosgw> {
  const t0 = Date.now();
  const deadline = t0 + (opts.startTimeoutMs ?? 120_000);
  ensureBinaries('radosgw', CEPH_BINARIES);
  sweepStaleDirs();
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(opts, t0, deadline);
    } catch (e) {
      if (attempt >= PORT_RACE_ATTEMPTS || !isPortRace(e) || Date.now() > deadline) throw e;
      opts.log?.(`radosgw: port taken during start, retrying with other ports`);
    }
  }
}

async function startOnce(opts: RadosgwOptions, t0: number, deadline: number): Promise<Radosgw> {
  const log = opts.log ?? (() => {});
  const phases: Record<string, number> = {};
  let tPhase = Date.now();
  const mark = (name: string) => {
    const now = Date.now();
    phases[name] = now - tPhase;
    tPhase = now;
    log(`radosgw: ${name} ${phases[name]} ms`);
  };

  const dir = makeServiceDir('ceph');
  const daemons: Daemon[] = [];
  const stop = async () => {
    await Promise.all(daemons.map((d) => d.kill()));
    removeServiceDir(dir);
  };
  const remaining = () => Math.max(1000, deadline - Date.now());
  const logOf = (name: string) => [join(dir, 'log', `${name}.log`), join(dir, 'log', `${name}.out`)];

  try {
    const [monPort, rgwPort] = (await freePorts(2)) as [number, number];
    const fsid = randomUUID();
    const osdUuid = randomUUID();
    for (const sub of ['run', 'log', 'mon', 'osd/ceph-0', 'rgw']) mkdirSync(join(dir, sub), { recursive: true });
    const conf = join(dir, 'ceph.conf');
    writeFileSync(conf, cephConf(dir, fsid, monPort, rgwPort, opts));
    const c = ['-c', conf];

    await Promise.all([
      runTool('ceph-authtool', 'ceph-authtool', ['--create-keyring', join(dir, 'keyring'), '--gen-key', '-n', 'mon.', '--cap', 'mon', 'allow *']),
      runTool('monmaptool', 'monmaptool', ['--create', '--clobber', '--addv', 'a', `[v2:127.0.0.1:${monPort}]`, '--fsid', fsid, join(dir, 'monmap')]),
    ]);
    await Promise.all([
      runTool('ceph-mon', 'ceph-mon', [...c, '--mkfs', '-i', 'a', '--monmap', join(dir, 'monmap'), '--keyring', join(dir, 'keyring')], {
        timeoutMs: remaining(),
        logs: logOf('mon.a'),
      }),
      runTool('ceph-osd', 'ceph-osd', [...c, '-i', '0', '--mkfs', '--no-mon-config', '--osd-uuid', osdUuid], {
        timeoutMs: remaining(),
        logs: logOf('osd.0'),
      }),
    ]);
    mark('mkfs');

    const mon = spawnDaemon('ceph-mon', 'ceph-mon', [...c, '-f', '-i', 'a'], logOf('mon.a')[1] as string);
    daemons.push(mon);
    const osdNew = await runTool('ceph-mon', 'ceph', [...c, '--connect-timeout', String(Math.ceil(remaining() / 1000)), 'osd', 'new', osdUuid], {
      timeoutMs: remaining(),
      logs: logOf('mon.a'),
    });
    if (osdNew.stdout.trim() !== '0') {
      throw daemonError(`\`ceph osd new\` gave id ${osdNew.stdout.trim()}, expected 0`, 'ceph-mon', logOf('mon.a'));
    }
    mark('mon');

    const osd = spawnDaemon('ceph-osd', 'ceph-osd', [...c, '-f', '-i', '0'], logOf('osd.0')[1] as string);
    daemons.push(osd);
    try {
      await waitForOsdActive(join(dir, 'run', 'osd.0.asok'), osd, deadline);
    } catch (e) {
      throw daemonError((e as Error).message, 'ceph-osd', logOf('osd.0'), e);
    }
    mark('osd');
    const rgw = spawnDaemon('radosgw', 'radosgw', [...c, '-f', '-n', 'client.rgw.a'], logOf('client.rgw.a')[1] as string);
    daemons.push(rgw);
    const endpoint = `http://127.0.0.1:${rgwPort}`;
    try {
      await waitForHttp(endpoint, rgw, deadline);
    } catch (e) {
      // radosgw waits for the OSD; if the OSD died, that is the failure to report.
      if (!osd.running()) throw daemonError('ceph-osd exited during start', 'ceph-osd', logOf('osd.0'));
      if (!mon.running()) throw daemonError('ceph-mon exited during start', 'ceph-mon', logOf('mon.a'));
      throw daemonError((e as Error).message, 'radosgw', logOf('client.rgw.a'), e);
    }
    mark('rgw');

    const accessKeyId = `tsb${randomBytes(8).toString('hex')}`;
    const secretAccessKey = randomBytes(20).toString('hex');
    await runTool(
      'radosgw',
      'radosgw-admin',
      [...c, '-n', 'client.admin', 'user', 'create', '--uid=test', '--display-name=test', `--access-key=${accessKeyId}`, `--secret=${secretAccessKey}`],
      { timeoutMs: remaining(), logs: logOf('client.rgw.a') },
    );
    mark('user');

    for (const d of daemons) {
      if (!d.running()) throw daemonError(`${d.name} exited during start`, d.name, [d.outFile]);
    }
    const startMs = Date.now() - t0;
    log(`radosgw: ready at ${endpoint} in ${startMs} ms`);
    return { endpoint, accessKeyId, secretAccessKey, region: 'us-east-1', dir, startMs, phases, stop };
  } catch (e) {
    await stop();
    if (e instanceof UnavailableError) throw e;
    throw new UnavailableError(`test service radosgw failed to start: ${(e as Error).message}`, { cause: e, details: { dir } });
  }
}
