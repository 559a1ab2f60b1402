#!/usr/bin/env node
// `npm test`: type check (tsc build), lint, then every test file under node:test, with the
// real services the tests need (Ceph radosgw, etcd) started once by the harness and passed
// to the tests through environment variables. Arguments filter test files by substring:
//   npm test -- objectstore wal
import { spawn, spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const filters = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const skipStatic = process.argv.includes('--no-static');

function step(name, cmd, args) {
  const t0 = Date.now();
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) {
    console.error(`\n${name} failed (exit ${r.status ?? r.signal})`);
    process.exit(1);
  }
  console.log(`# ${name} ok (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
}

function findTests(dir, out = []) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) findTests(p, out);
    else if (name.endsWith('.test.js')) out.push(p);
  }
  return out;
}

if (!skipStatic) {
  step('type check', 'npx', ['tsc', '-p', 'tsconfig.json']);
  step('lint', 'npx', ['eslint', '.']);
} else {
  // Development mode: emit even if files outside the area under test do not type-check yet.
  spawnSync('npx', ['tsc', '-p', 'tsconfig.json'], { cwd: root, stdio: 'ignore' });
}

const files = findTests(join(root, 'dist'))
  .filter((f) => filters.length === 0 || filters.some((s) => relative(root, f).includes(s)))
  .sort();
if (files.length === 0) {
  console.error('no test files matched');
  process.exit(1);
}

const { startTestServices } = await import(join(root, 'dist/testing/test-services.js'));
const services = await startTestServices({ needS3: true, needEtcd: true });
let code;
try {
  code = await new Promise((resolve) => {
    const child = spawn(process.execPath, ['--test', '--test-concurrency=2', '--test-reporter=spec', ...files], {
      cwd: root,
      stdio: 'inherit',
      env: { ...process.env, ...services.env },
    });
    const forward = (sig) => child.kill(sig);
    process.on('SIGINT', forward);
    process.on('SIGTERM', forward);
    child.on('exit', (c, sig) => resolve(c ?? (sig ? 1 : 0)));
  });
} finally {
  await services.stop();
}
process.exit(code);
