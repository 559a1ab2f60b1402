// `tsbase regionserver`: one region server process.
// SIGTERM / SIGINT: stop() — mark the server stopping so the master moves its regions away
// (up to regionserver.stopWait), close the rest with a flush, close the WAL, deregister.
// If the server fences itself (lost its lease or its WAL) the process exits with status 1.
import { regionServerSettings } from '../common/config/config-resolve.js';
import { redactConfig } from '../common/config/load-config.js';
import { RegionServer } from '../regionserver/server/region-server.js';
import { configFromFlags, runMain } from './config-flags.js';
import type { CommonFlags } from './config-flags.js';
import { announceReady } from './ready.js';
import { openConfiguredObjectStore, openCoordination, processRegistry, startWatchdog } from './services.js';
import { installShutdown } from './shutdown.js';

export async function runRegionServer(flags: CommonFlags): Promise<void> {
  await runMain('regionserver', async (makeLogger) => {
    const cfg = configFromFlags(flags);
    const settings = regionServerSettings(cfg, 'cluster');
    const log = makeLogger('regionserver', cfg.log.level);
    log.info({ config: redactConfig(cfg) }, 'starting region server');
    startWatchdog('regionserver', cfg.regionserver.stallAbort, log);
    const coordination = await openCoordination(cfg, 'cluster');
    const registry = processRegistry();
    const objectStore = await openConfiguredObjectStore(cfg, 'cluster', registry);
    const stopper: { request?: (reason: string, code?: number) => void } = {};
    const rs = new RegionServer({
      ...settings,
      coordination,
      objectStore,
      registry,
      logger: log,
      onFatal: (cause) => {
        log.fatal({ err: cause }, 'region server fenced itself; exiting');
        stopper.request?.('fenced', 1);
      },
    });
    try {
      await rs.start();
    } catch (e) {
      await Promise.allSettled([objectStore.close(), coordination.close()]);
      throw e;
    }
    stopper.request = installShutdown({
      log,
      stop: async () => {
        await rs.stop();
        await Promise.allSettled([objectStore.close(), coordination.close()]);
      },
    });
    process.stdout.write(`tsbase regionserver ${rs.serverName}: rpc ${rs.rpcAddress}, http http://${rs.httpAddress}/status\n`);
    announceReady({ role: 'regionserver', rpcAddress: rs.rpcAddress, rsHttp: rs.httpAddress, serverName: rs.serverName });
  });
}
