// `tsbase master`: one master process (active or standby; ARCHITECTURE.md "Master").
// SIGTERM / SIGINT: resign leadership (a standby takes over at once), stop the HTTP server.
import { masterSettings } from '../common/config/config-resolve.js';
import { redactConfig } from '../common/config/load-config.js';
import { createRpcClientPool } from '../common/rpc/rpc-client-pool.js';
import { Master } from '../master/master.js';
import { configFromFlags, runMain } from './config-flags.js';
import type { CommonFlags } from './config-flags.js';
import { announceReady } from './ready.js';
import { openConfiguredObjectStore, openCoordination, startWatchdog } from './services.js';
import { installShutdown } from './shutdown.js';

export async function runMaster(flags: CommonFlags): Promise<void> {
  await runMain('master', async (makeLogger) => {
    const cfg = configFromFlags(flags);
    const settings = masterSettings(cfg, 'cluster');
    const log = makeLogger('master', cfg.log.level);
    log.info({ config: redactConfig(cfg) }, 'starting master');
    startWatchdog('master', cfg.master.stallAbort, log);
    const coordination = await openCoordination(cfg, 'cluster');
    const objectStore = await openConfiguredObjectStore(cfg, 'cluster');
    const pool = createRpcClientPool({});
    const master = new Master({ ...settings, coordination, objectStore, rpc: pool, logger: log });
    try {
      await master.start();
    } catch (e) {
      await Promise.allSettled([pool.close(), objectStore.close(), coordination.close()]);
      throw e;
    }
    installShutdown({
      log,
      stop: async () => {
        await master.stop();
        await Promise.allSettled([pool.close(), objectStore.close(), coordination.close()]);
      },
    });
    process.stdout.write(`tsbase master listening: web UI http://${master.httpAddress}/, admin API http://${master.httpAddress}/api/v1 (active or standby: see /api/v1/status)\n`);
    announceReady({ role: 'master', masterHttp: master.httpAddress });
  });
}
