// `tsbase standalone` (and `npm start`): see standalone.ts.
import { resolve } from 'node:path';
import { redactConfig } from '../common/config/load-config.js';
import { configFromFlags, runMain } from './config-flags.js';
import type { CommonFlags } from './config-flags.js';
import { announceReady } from './ready.js';
import { startWatchdog } from './services.js';
import { installShutdown } from './shutdown.js';
import { startStandalone } from './standalone.js';

export async function runStandalone(flags: CommonFlags & { dataDir?: string }): Promise<void> {
  await runMain('standalone', async (makeLogger) => {
    const cfg = configFromFlags(flags, flags.dataDir !== undefined ? { 'standalone.dataDir': flags.dataDir } : {});
    const log = makeLogger('standalone', cfg.log.level);
    log.info({ config: redactConfig(cfg) }, 'starting standalone');
    startWatchdog('standalone', cfg.regionserver.stallAbort, log);
    const stopper: { request?: (reason: string, code?: number) => void } = {};
    const s = await startStandalone({
      config: cfg,
      logger: log,
      onFatal: (cause) => {
        log.fatal({ err: cause }, 'the region server fenced itself; stopping');
        stopper.request?.('region server fenced', 1);
      },
    });
    stopper.request = installShutdown({ log, stop: () => s.stop() });
    const shellHint = s.masterHttp === '127.0.0.1:16010' ? '' : ` --master ${s.masterHttp}`;
    process.stdout.write(
      [
        'tsbase standalone is running (master + region server in this process)',
        `  master web UI       http://${s.masterHttp}/   (admin API: http://${s.masterHttp}/api/v1/status)`,
        `  region server RPC   ${s.rpcAddress}   (status: http://${s.rsHttp}/status)`,
        `  data                ${resolve(s.dataDir)}`,
        `open the shell:       npx tsbase shell${shellHint}   (or: node dist/cli/tsbase.js shell${shellHint})`,
        'stop:                 Ctrl-C (flushes every region; a kill -9 loses nothing acknowledged either)',
        '',
      ].join('\n'),
    );
    announceReady({ role: 'standalone', masterHttp: s.masterHttp, rpcAddress: s.rpcAddress, rsHttp: s.rsHttp, serverName: s.regionServer.serverName });
  });
}
