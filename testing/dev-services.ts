#!/usr/bin/env node
// Keep the test services running while you iterate:
//
//   node dist/testing/dev-services.js > /tmp/tsb-env &   # export lines on stdout; runs until killed
//   . /tmp/tsb-env                                        # once the file has its lines
//   node scripts/test.mjs --no-static objectstore         # reuses these services, starts nothing
//   node --test dist/common/objectstore/s3-store.test.js  # so does a single test file
//
// Options: --no-s3, --no-etcd. Stops everything on SIGINT/SIGTERM (and dies with the process
// otherwise; see daemon.ts).
import { startTestServices } from './test-services.js';

const args = process.argv.slice(2);
const needS3 = !args.includes('--no-s3');
const needEtcd = !args.includes('--no-etcd');

const services = await startTestServices({
  needS3,
  needEtcd,
  env: {}, // always start fresh services, even if the shell already exports some
  log: (line) => process.stderr.write(`# ${line}\n`),
});
for (const [k, v] of Object.entries(services.env)) process.stdout.write(`export ${k}='${v}'\n`);
process.stderr.write('# services running; press Ctrl-C to stop them\n');

const keepAlive = setInterval(() => {}, 1 << 30);
let stopping = false;
const shutdown = (signal: string) => {
  if (stopping) return;
  stopping = true;
  process.stderr.write(`# ${signal}: stopping services\n`);
  void services.stop().finally(() => {
    clearInterval(keepAlive);
    process.exit(0);
  });
};
process.on('SIGINT', () => shutdown('SIGINT'));
process.on('SIGTERM', () => shutdown('SIGTERM'));
