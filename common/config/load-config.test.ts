import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ErrorCodes, InvalidError } from '../errors.js';
import { settings } from './config-paths.js';
import { loadConfig, redactConfig } from './load-config.js';

const dir = mkdtempSync(join(tmpdir(), 'tsb-config-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
function file(text: string): string {
  const p = join(dir, `c${n++}.yaml`);
  writeFileSync(p, text);
  return p;
}

/** Asserts loadConfig throws TSB_INVALID_CONFIG whose message mentions every string of `mentions`. */
function rejects(opts: Parameters<typeof loadConfig>[0], ...mentions: string[]): InvalidError {
  let caught: unknown;
  try {
    loadConfig(opts);
  } catch (e) {
    caught = e;
  }
  assert.ok(caught instanceof InvalidError, `expected InvalidError, got ${String(caught)}`);
  assert.equal(caught.code, ErrorCodes.INVALID_CONFIG);
  for (const m of mentions) assert.ok(caught.message.includes(m), `message should mention ${m}: ${caught.message}`);
  return caught;
}

describe('loadConfig', () => {
  it("defaults are HBase's", () => {
    const c = loadConfig({ env: {} });
    assert.equal(c.cluster.name, 'default');
    assert.equal(c.regionserver.flushSize, 128 * 1024 * 1024);
    assert.equal(c.regionserver.maxFileSize, 10 * 1024 ** 3);
    assert.equal(c.table.blockSize, 64 * 1024);
    assert.equal(c.regionserver.blockingStoreFiles, 16);
    assert.equal(c.regionserver.globalMemstoreFraction, 0.4);
    assert.equal(c.client.writeBufferSize, 2 * 1024 * 1024);
    assert.equal(c.regionserver.scannerLease, 60_000);
    assert.equal(c.master.rpcPort, 16000);
    assert.equal(c.master.httpPort, 16010);
    assert.equal(c.regionserver.rpcPort, 16020);
    assert.equal(c.regionserver.httpPort, 16030);
    assert.equal(c.rest.port, 8080);
    assert.equal(c.regionserver.rpcMaxRequestSize, 256 * 1024 * 1024);
    assert.equal(c.regionserver.keyValueMaxSize, 10 * 1024 * 1024);
    assert.equal(c.standalone.dataDir, './data');
    assert.equal(c.log.level, 'info');
    assert.equal(c.objectStore, undefined);
    assert.deepEqual(c.coordination.endpoints, ['http://127.0.0.1:2379']);
    assert.ok(Object.isFrozen(c) && Object.isFrozen(c.regionserver), 'the result is frozen');
  });

  it('reads a YAML file with sizes and durations with units', () => {
    const c = loadConfig({
      env: {},
      file: file(`
cluster:
  name: prod
coordination:
  endpoints: [http://etcd-0:2379, http://etcd-1:2379]
objectStore:
  kind: s3
  endpoint: http://minio:9000
  bucket: tsbase
  retry:
    maxAttempts: 7
regionserver:
  flushSize: 64m
  maxFileSize: 1.5g
  blockCacheSize: 512MiB
  scannerLease: 2m
  compactionWorkers: false
table:
  blockSize: 16k
`),
    });
    assert.equal(c.cluster.name, 'prod');
    assert.deepEqual(c.coordination.endpoints, ['http://etcd-0:2379', 'http://etcd-1:2379']);
    assert.deepEqual(c.objectStore, { kind: 's3', endpoint: 'http://minio:9000', bucket: 'tsbase', retry: { maxAttempts: 7 } });
    assert.equal(c.regionserver.flushSize, 64 * 1024 * 1024);
    assert.equal(c.regionserver.maxFileSize, 1.5 * 1024 ** 3);
    assert.equal(c.regionserver.blockCacheSize, 512 * 1024 * 1024);
    assert.equal(c.regionserver.scannerLease, 120_000);
    assert.equal(c.regionserver.compactionWorkers, false);
    assert.equal(c.table.blockSize, 16 * 1024);
    // Untouched settings keep their defaults.
    assert.equal(c.regionserver.blockingStoreFiles, 16);
  });

  it('an empty file is all defaults; a JSON file works too', () => {
    assert.equal(loadConfig({ env: {}, file: file('') }).regionserver.rpcPort, 16020);
    assert.equal(loadConfig({ env: {}, file: file('{"regionserver": {"rpcPort": 17020}}') }).regionserver.rpcPort, 17020);
  });

  it('reads TSB_<SECTION>_<KEY> from the environment, with types from the schema', () => {
    const c = loadConfig({
      env: {
        TSB_REGIONSERVER_RPC_PORT: '17020',
        TSB_REGIONSERVER_FLUSH_SIZE: '256m',
        TSB_REGIONSERVER_COMPACTION_WORKERS: 'false',
        TSB_COORDINATION_ENDPOINTS: 'http://a:2379, http://b:2379',
        TSB_OBJECT_STORE_KIND: 'fs',
        TSB_OBJECT_STORE_ROOT: '/var/tsbase',
        TSB_LOG_LEVEL: 'debug',
        TSB_MASTER_BALANCER_PERIOD: '0',
        TSB_SEED: '42', // not a setting: ignored
        TSB_TEST_S3_ENDPOINT: 'http://x', // not a setting: ignored
        TSB_CLIENT_PAUSE: '', // empty: unset
      },
    });
    assert.equal(c.regionserver.rpcPort, 17020);
    assert.equal(c.regionserver.flushSize, 256 * 1024 * 1024);
    assert.equal(c.regionserver.compactionWorkers, false);
    assert.deepEqual(c.coordination.endpoints, ['http://a:2379', 'http://b:2379']);
    assert.deepEqual(c.objectStore, { kind: 'fs', root: '/var/tsbase' });
    assert.equal(c.log.level, 'debug');
    assert.equal(c.master.balancerPeriod, 0);
    assert.equal(c.client.pause, 100);
  });

  it('--set overrides and named flags', () => {
    const c = loadConfig({ env: {}, overrides: ['regionserver.httpPort=0', 'objectStore.kind=memory', 'client.masters=h1:16010,h2:16010', 'regionserver.httpPort=1234'] });
    assert.equal(c.regionserver.httpPort, 1234, 'the later --set wins');
    assert.deepEqual(c.objectStore, { kind: 'memory' });
    assert.deepEqual(c.client.masters, ['h1:16010', 'h2:16010']);
    const d = loadConfig({ env: {}, overrides: { 'standalone.dataDir': '/tmp/x', 'log.level': 'warn', 'regionserver.rpcPort': 0, 'master.host': undefined } });
    assert.equal(d.standalone.dataDir, '/tmp/x');
    assert.equal(d.log.level, 'warn');
    assert.equal(d.regionserver.rpcPort, 0);
    assert.equal(d.master.host, undefined);
  });

  it('an override may give a whole section or group as an object', () => {
    const f = file('objectStore:\n  kind: fs\n  root: /data\nregionserver:\n  rpcPort: 1\n');
    const c = loadConfig({ file: f, env: {}, overrides: { objectStore: { kind: 's3', endpoint: 'http://s3:9000', bucket: 'bkt' }, regionserver: { httpPort: 2 }, 'objectStore.retry': { maxAttempts: 3 } } });
    assert.deepEqual(c.objectStore, { kind: 's3', endpoint: 'http://s3:9000', bucket: 'bkt', retry: { maxAttempts: 3 } });
    assert.equal(c.regionserver.rpcPort, 1);
    assert.equal(c.regionserver.httpPort, 2);
    rejects({ env: {}, overrides: { regionserver: { nope: 1 } } }, 'unknown setting', 'regionserver.nope');
  });

  it('precedence: defaults < file < environment < command line', () => {
    const f = file('regionserver:\n  rpcPort: 1001\n  httpPort: 1002\n  flushSize: 1m\nmaster:\n  httpPort: 1003\n');
    const c = loadConfig({
      file: f,
      env: { TSB_REGIONSERVER_HTTP_PORT: '2002', TSB_REGIONSERVER_FLUSH_SIZE: '2m' },
      overrides: ['regionserver.flushSize=3m'],
    });
    assert.equal(c.regionserver.rpcPort, 1001, 'file over default');
    assert.equal(c.regionserver.httpPort, 2002, 'env over file');
    assert.equal(c.regionserver.flushSize, 3 * 1024 * 1024, 'command line over env');
    assert.equal(c.master.httpPort, 1003);
    assert.equal(c.master.rpcPort, 16000, 'default where nobody set it');
  });

  it('TSB_CONFIG names the file when no file is given', () => {
    const c = loadConfig({ env: { TSB_CONFIG: file('cluster:\n  name: fromenv\n') } });
    assert.equal(c.cluster.name, 'fromenv');
  });

  it('an objectStore of another kind replaces the one from a lower source', () => {
    const f = file('objectStore:\n  kind: fs\n  root: /data\n');
    const c = loadConfig({ file: f, env: { TSB_OBJECT_STORE_KIND: 's3', TSB_OBJECT_STORE_ENDPOINT: 'http://s3:9000', TSB_OBJECT_STORE_BUCKET: 'bkt' } });
    assert.deepEqual(c.objectStore, { kind: 's3', endpoint: 'http://s3:9000', bucket: 'bkt' });
  });

  it('an invalid value names the setting, the value, its source and the reason', () => {
    const e = rejects({ env: { TSB_REGIONSERVER_RPC_PORT: '70000' } }, 'regionserver.rpcPort', '70000', 'env TSB_REGIONSERVER_RPC_PORT', '65535');
    assert.equal(e.details['setting'], 'regionserver.rpcPort');
    rejects({ env: {}, file: file('regionserver:\n  flushSize: lots\n') }, 'regionserver.flushSize', 'lots', 'size', 'file ');
    rejects({ env: {}, overrides: ['regionserver.scannerLease=soon'] }, 'regionserver.scannerLease', 'soon', 'duration', '--set regionserver.scannerLease');
    rejects({ env: {}, overrides: ['log.level=loud'] }, 'log.level', 'loud');
    rejects({ env: {}, overrides: ['cluster.name=has space'] }, 'cluster.name');
    rejects({ env: {}, overrides: ['coordination.endpoints=etcd:2379'] }, 'coordination.endpoints', 'http');
    rejects({ env: {}, overrides: ['regionserver.compactionWorkers=maybe'] }, 'regionserver.compactionWorkers', 'maybe');
    rejects({ env: {}, overrides: ['regionserver.stallAbort=500ms'] }, 'regionserver.stallAbort', '0 (off) or at least 1s');
    rejects({ env: {}, overrides: ['regionserver.globalMemstoreFraction=1.5'] }, 'regionserver.globalMemstoreFraction');
    rejects({ env: {}, overrides: ['regionserver.blockCacheFileDir=/cache'] }, 'regionserver.blockCacheFileSize', 'required');
    rejects({ env: {}, overrides: ['objectStore.kind=s3'] }, 'objectStore.endpoint');
    rejects({ env: {}, overrides: ['regionserver.flushSize=1.5'] }, 'regionserver.flushSize', 'size');
  });

  it('several invalid values are all reported', () => {
    rejects({ env: {}, overrides: ['regionserver.rpcPort=-1', 'master.httpPort=abc'] }, 'regionserver.rpcPort', 'master.httpPort');
  });

  it('credentials are not printed in errors', () => {
    const f = file('objectStore:\n  kind: s3\n  endpoint: http://s3:9000\n  bucket: bkt\n  secretAccessKey: 12345\n');
    const e2 = rejects({ env: {}, file: f }, 'objectStore.secretAccessKey', '<redacted>');
    assert.ok(!e2.message.includes('12345'));
    const ok = loadConfig({ env: { TSB_OBJECT_STORE_KIND: 's3', TSB_OBJECT_STORE_ENDPOINT: 'http://s3:9000', TSB_OBJECT_STORE_BUCKET: 'bkt', TSB_OBJECT_STORE_SECRET_ACCESS_KEY: 'hunter2' } });
    assert.equal(ok.objectStore?.kind === 's3' ? ok.objectStore.secretAccessKey : undefined, 'hunter2');
    assert.ok(!JSON.stringify(redactConfig(ok)).includes('hunter2'));
  });

  it('unknown settings are refused from every source', () => {
    rejects({ env: {}, file: file('regionserver:\n  flushsize: 1m\n') }, 'unknown setting', 'regionserver.flushsize');
    rejects({ env: {}, file: file('regionservers:\n  rpcPort: 1\n') }, 'unknown setting', 'regionservers');
    rejects({ env: {}, file: file('objectStore:\n  kind: fs\n  root: /x\n  bucket: b\n') }, 'unknown setting', 'objectStore.bucket');
    rejects({ env: { TSB_REGIONSERVER_FLUSHSIZE: '1m' } }, 'unknown setting', 'TSB_REGIONSERVER_FLUSHSIZE');
    rejects({ env: {}, overrides: ['regionserver.nope=1'] }, 'unknown setting', 'regionserver.nope');
    rejects({ env: {}, overrides: ['regionserver=1'] }, 'unknown setting', 'regionserver');
    rejects({ env: {}, overrides: ['noequals'] }, 'section.key=value');
  });

  it('an unreadable or malformed file is a clear error', () => {
    rejects({ env: {}, file: join(dir, 'missing.yaml') }, 'cannot read', 'missing.yaml', 'ENOENT');
    rejects({ env: {}, file: file('regionserver: [1, 2\n') }, 'not valid yaml');
    rejects({ env: {}, file: file('- a\n- b\n') }, 'mapping');
  });

  it('every setting has a distinct environment variable', () => {
    const envs = [...settings().values()].map((s) => s.env);
    assert.equal(new Set(envs).size, envs.length);
    assert.ok(envs.includes('TSB_REGIONSERVER_FLUSH_SIZE'));
    assert.ok(envs.includes('TSB_OBJECT_STORE_RETRY_MAX_ATTEMPTS'));
  });
});
