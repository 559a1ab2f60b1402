import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ErrorCodes, InvalidError } from '../errors.js';
import { advertisedHost, clientSettings, coordinationKind, masterSettings, objectStoreConfig, regionServerSettings, walConfig } from './config-resolve.js';
import { loadConfig } from './load-config.js';

describe('config-resolve', () => {
  it('standalone: in-process coordination, fs store and local WAL under the data dir, loopback host', () => {
    const c = loadConfig({ env: {}, overrides: { 'standalone.dataDir': '/srv/tsb' } });
    assert.equal(coordinationKind(c, 'standalone'), 'in-process');
    assert.deepEqual(objectStoreConfig(c, 'standalone'), { kind: 'fs', root: join('/srv/tsb', 'objects') });
    assert.deepEqual(walConfig(c, 'standalone'), { kind: 'local', dir: join('/srv/tsb', 'wal'), syncMode: 'dsync' });
    assert.equal(advertisedHost(undefined, 'standalone'), '127.0.0.1');
  });

  it('cluster: etcd, s3 WAL, the machine host name, and an object store is required', () => {
    const c = loadConfig({ env: {} });
    assert.equal(coordinationKind(c, 'cluster'), 'etcd');
    assert.deepEqual(walConfig(c, 'cluster'), { kind: 's3' });
    assert.equal(advertisedHost(undefined, 'cluster', () => 'rs-0.tsbase'), 'rs-0.tsbase');
    assert.equal(advertisedHost('given', 'cluster', () => 'rs-0.tsbase'), 'given');
    assert.throws(
      () => objectStoreConfig(c, 'cluster'),
      (e: unknown) => e instanceof InvalidError && e.code === ErrorCodes.INVALID_CONFIG && e.message.includes('objectStore'),
    );
    const inProcess = loadConfig({ env: {}, overrides: ['coordination.kind=in-process'] });
    assert.throws(() => coordinationKind(inProcess, 'cluster'), (e: unknown) => e instanceof InvalidError && e.message.includes('coordination.kind'));
  });

  it('explicit settings win over the process defaults', () => {
    const c = loadConfig({ env: {}, overrides: ['wal.backend=local', 'wal.dir=/wal', 'wal.syncMode=fdatasync', 'coordination.kind=etcd', 'objectStore.kind=memory'] });
    assert.deepEqual(walConfig(c, 'cluster'), { kind: 'local', dir: '/wal', syncMode: 'fdatasync' });
    assert.equal(coordinationKind(c, 'standalone'), 'etcd');
    assert.deepEqual(objectStoreConfig(c, 'cluster'), { kind: 'memory' });
  });

  it('maps the regionserver section onto region server options', () => {
    const c = loadConfig({
      env: {},
      overrides: ['regionserver.flushSize=64m', 'regionserver.blockCacheFileDir=/cache', 'regionserver.blockCacheFileSize=10g', 'coordination.sessionTimeout=20s', 'regionserver.compactionThroughput=50m'],
    });
    const rs = regionServerSettings(c, 'cluster', 1000);
    assert.equal(rs.rpcPort, 16020);
    assert.equal(rs.httpPort, 16030);
    assert.equal(rs.cluster, 'default');
    assert.deepEqual(rs.wal, { kind: 's3' });
    assert.equal(rs.region.flushSizeBytes, 64 * 1024 * 1024);
    assert.equal(rs.region.blockingStoreFiles, 16);
    assert.deepEqual(rs.blockCacheFileTier, { dir: '/cache', capacityBytes: 10 * 1024 ** 3 });
    assert.equal(rs.globalMemStoreBytes, 400, '0.4 of the heap limit');
    assert.equal(rs.leaseTtlMs, 20_000);
    assert.equal(rs.compactionBytesPerSec, 50 * 1024 * 1024);
    assert.equal(rs.scannerLeaseMs, 60_000);
    assert.equal(rs.maxValueBytes, 10 * 1024 * 1024);
    assert.equal(rs.splitSizeBytes, 10 * 1024 ** 3);
  });

  it('maps the master and client sections', () => {
    const c = loadConfig({ env: {}, overrides: ['master.balancerPeriod=5m', 'client.masters=a:1,b:2', 'client.writeBufferSize=4m'] });
    const m = masterSettings(c, 'standalone');
    assert.equal(m.host, '127.0.0.1');
    assert.equal(m.httpPort, 16010);
    assert.equal(m.balancerPeriodMs, 300_000);
    assert.equal(m.walBackend, 'local');
    assert.equal(m.sessionTtlMs, 10_000);
    const cl = clientSettings(c);
    assert.deepEqual(cl.connection.masters, ['a:1', 'b:2']);
    assert.equal(cl.connection.operationTimeoutMs, 60_000);
    assert.equal(cl.bufferedMutator.writeBufferBytes, 4 * 1024 * 1024);
    assert.equal(cl.connection.nonces, true, 'nonces are on by default (hbase.client.nonces.enabled)');
    assert.equal(clientSettings(loadConfig({ env: { TSB_CLIENT_NONCES: 'false' } })).connection.nonces, false);
    assert.equal(regionServerSettings(c, 'standalone').nonceGracePeriodMs, 30 * 60_000);
    assert.equal(regionServerSettings(loadConfig({ env: {}, overrides: ['regionserver.nonceGracePeriod=5m'] }), 'standalone').nonceGracePeriodMs, 300_000);
  });
});
