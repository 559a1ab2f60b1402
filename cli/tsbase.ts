#!/usr/bin/env -S node --max-semi-space-size=64
// The tsbase command line: one binary, one subcommand per process kind (ARCHITECTURE.md
// "Processes"). Every server subcommand takes `--config <file>` (YAML or JSON) and repeated
// `--set key=value`, read by common/config's loadConfig; an invalid setting stops the process
// at once with exit status 1, naming the setting and the reason. Logs are pino JSON lines on
// stderr; stdout carries the short human-readable "where it listens" banner.
//
// Exit status: 0 after a clean stop (SIGTERM / SIGINT), 1 on an invalid configuration or a
// failure, 2 for a subcommand this build does not have yet (rest, operator).

import { Command, Option } from 'commander';
import type { CommonFlags } from './config-flags.js';

const program = new Command();
program
  .name('tsbase')
  .description('An HBase-style wide-column database on object storage')
  .version('0.1.0')
  .showHelpAfterError();

const collect = (value: string, previous: string[]) => [...previous, value];

/** The flags every server subcommand takes. */
function withConfigFlags(cmd: Command): Command {
  return cmd
    .option('-c, --config <file>', 'configuration file (YAML or JSON)')
    .option('-s, --set <key=value>', 'override one setting (repeatable), e.g. --set regionserver.rpc.port=16021', collect, [])
    .addOption(new Option('--log-level <level>', 'log level').choices(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']));
}

withConfigFlags(program.command('master'))
  .description('master: election, admin HTTP API (16010), assignment, balancer')
  .action(async (opts: CommonFlags) => {
    const { runMaster } = await import('./run-master.js');
    await runMaster(opts);
  });

withConfigFlags(program.command('regionserver'))
  .description('region server: data RPC (16020) and status/metrics HTTP (16030)')
  .action(async (opts: CommonFlags) => {
    const { runRegionServer } = await import('./run-regionserver.js');
    await runRegionServer(opts);
  });

withConfigFlags(program.command('standalone'))
  .description('master + region server in one process, in-process coordination, data under ./data')
  .option('-d, --data-dir <dir>', 'where data, WAL and coordination state live (default ./data)')
  .action(async (opts: CommonFlags & { dataDir?: string }) => {
    const { runStandalone } = await import('./run-standalone.js');
    await runStandalone(opts);
  });

withConfigFlags(program.command('local-cluster'))
  .description('real etcd + radosgw (S3), masters and N region servers as local processes')
  .option('-n, --regionservers <n>', 'number of region servers', '3')
  .option('--masters <n>', 'number of masters (2 = active + standby)', '2')
  .option('--master-port <port>', 'HTTP port of the first master (0 = any free port)', '16010')
  .option('--dir <dir>', 'where child logs and the generated config go (default: a new temp dir)')
  .action(async (opts: CommonFlags & { regionservers: string; masters: string; masterPort: string; dir?: string }) => {
    const { runLocalCluster } = await import('./run-local-cluster.js');
    await runLocalCluster(opts);
  });

program
  .command('shell')
  .description("interactive shell with HBase shell's commands; -e runs commands and exits")
  .option('-e, --execute <commands>', 'run these commands (separated by newlines or ;) and exit')
  .option('-m, --master <host:port>', 'master admin address (repeatable)', collect, [])
  .option('-c, --config <file>', 'configuration file (for the master addresses)')
  .option('-s, --set <key=value>', 'override one setting (repeatable)', collect, [])
  .action(async (opts: { execute?: string; master: string[]; config?: string; set: string[] }) => {
    const { runShellCommand } = await import('./run-shell.js');
    await runShellCommand(opts);
  });

const notYet = (what: string, planned: string) => () => {
  console.error(`tsbase ${what}: not available yet in this build (planned: ${planned}).`);
  process.exitCode = 2;
};
program.command('rest').description('REST gateway (HBase REST API) — not available yet').action(notYet('rest', 'the REST gateway issue'));
program.command('operator').description('Kubernetes operator for HBaseCluster — not available yet').action(notYet('operator', 'the Kubernetes issue'));

await program.parseAsync(process.argv);
