// `tsbase local-cluster --regionservers N`: see local-cluster.ts. Ctrl-C (SIGINT) or SIGTERM
// stops the masters, then the region servers (SIGTERM each, wait), then radosgw and etcd.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ErrorCodes, InvalidError } from '../common/errors.js';
import { runMain } from './config-flags.js';
import type { CommonFlags } from './config-flags.js';
import { startLocalCluster } from './local-cluster.js';
import { installShutdown } from './shutdown.js';

export interface LocalClusterFlags extends CommonFlags {
  readonly regionservers: string;
  readonly masters: string;
  readonly masterPort: string;
  readonly dir?: string;
}

function intFlag(name: string, v: string, min: number, max: number): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new InvalidError(`invalid --${name}: expected a whole number from ${min} to ${max}`, { code: ErrorCodes.INVALID_CONFIG, details: { setting: name, value: v } });
  }
  return n;
}

export async function runLocalCluster(flags: LocalClusterFlags): Promise<void> {
  await runMain('local-cluster', async (makeLogger) => {
    const regionServers = intFlag('regionservers', flags.regionservers, 1, 64);
    const masters = intFlag('masters', flags.masters, 1, 2);
    const masterPort = intFlag('master-port', flags.masterPort, 0, 65535);
    const log = makeLogger('local-cluster', flags.logLevel);
    const dir = resolve(flags.dir ?? mkdtempSync(join(tmpdir(), 'tsbase-local-cluster-')));
    const say = (line: string) => process.stdout.write(`${line}\n`);
    let stopping = false;
    // Ctrl-C during the start stops what started.
    const early = () => {
      stopping = true;
    };
    process.once('SIGINT', early);
    process.once('SIGTERM', early);
    const c = await startLocalCluster({
        regionServers,
        masters,
        masterPort,
        dir,
        sets: flags.set,
        ...(flags.logLevel !== undefined ? { env: { TSB_LOG_LEVEL: flags.logLevel } } : {}),
        log: (line) => log.info(line),
      });
    process.off('SIGINT', early);
    process.off('SIGTERM', early);
    let shuttingDown = false;
    for (const child of [...c.masters, ...c.regionServers]) {
      void child.exited.then((e) => {
        if (!shuttingDown) say(`${child.name} exited unexpectedly (code ${String(e.code)}, signal ${String(e.signal)}); see ${child.logFile}`);
      });
    }
    installShutdown({
      log,
      timeoutMs: 180_000,
      stop: async () => {
        shuttingDown = true;
        say('stopping: masters, then region servers, then radosgw and etcd ...');
        await c.stop();
        say('stopped.');
      },
    });
    if (stopping) process.kill(process.pid, 'SIGTERM');
    const rsLines = await Promise.all(
      c.regionServers.map(async (r) => {
        const ready = await r.ready;
        return `  ${r.name.padEnd(19)} rpc ${ready.rpcAddress ?? '?'}, http://${ready.rsHttp ?? '?'}/status   (pid ${r.pid})`;
      }),
    );
    say(
      [
        `tsbase local cluster is running (${masters} master${masters > 1 ? 's' : ''}, ${regionServers} region server${regionServers > 1 ? 's' : ''})`,
        `  etcd                ${c.etcdEndpoints.join(',')}`,
        `  S3 (radosgw)        ${c.s3.endpoint} bucket ${c.s3.bucket}`,
        ...c.masters.map((m, i) => `  ${m.name.padEnd(19)} http://${c.masterAddresses[i] ?? '?'}/   (admin API /api/v1, pid ${m.pid})`),
        ...rsLines,
        `  config and logs     ${c.dir}`,
        `open the shell:       npx tsbase shell --config ${c.configFile}`,
        'stop:                 Ctrl-C (data lives in this run\'s etcd and radosgw and goes with them)',
        '',
      ].join('\n'),
    );
  });
}
