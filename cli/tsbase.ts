#!/usr/bin/env node
// The tsbase command line: one binary, one subcommand per process kind (ARCHITECTURE.md
// "Processes"). Subcommands that do not exist yet say so and exit with status 2.

import { Command } from 'commander';

const program = new Command();
program.name('tsbase').description('An HBase-style wide-column database on object storage').version('0.1.0');

const notYet = (what: string, issue: string) => () => {
  console.error(`tsbase ${what}: not available yet in this build (planned: ${issue}). The storage foundation (object store, WAL) is in place.`);
  process.exitCode = 2;
};

program.command('standalone').description('master + region server in one process, local files').action(notYet('standalone', 'issue 4, "A working cluster"'));
program.command('master').description('master: election, admin API, assignment').action(notYet('master', 'issue 4'));
program.command('regionserver').description('region server: data RPC and status ports').action(notYet('regionserver', 'issue 4'));
program.command('shell').description('interactive shell with HBase shell commands').action(notYet('shell', 'issue 4'));
program.command('local-cluster').description('etcd + S3 + master + N region servers on loopback').action(notYet('local-cluster', 'issue 4'));

await program.parseAsync(process.argv);
