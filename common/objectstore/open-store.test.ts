import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Registry } from 'prom-client';
import { ErrorCodes, InvalidError } from '../errors.js';
import { rejectsWith } from './conformance.js';
import { FsObjectStore } from './fs-store.js';
import { MemoryObjectStore } from './memory-store.js';
import { MetricsObjectStore } from './metrics-store.js';
import { openObjectStore } from './open-store.js';
import { RetryObjectStore } from './retry-store.js';
import { S3ObjectStore } from './s3-store.js';

describe('openObjectStore', () => {
  it('rejects bad configuration with TSB_INVALID_CONFIG naming the setting', async () => {
    await rejectsWith(openObjectStore({ kind: 'tape' }), InvalidError, ErrorCodes.INVALID_CONFIG);
    await rejectsWith(openObjectStore({ kind: 'fs' }), InvalidError, ErrorCodes.INVALID_CONFIG, 'setting=`root`');
    await rejectsWith(openObjectStore({ kind: 's3', endpoint: 'not a url', bucket: 'bkt' }), InvalidError, ErrorCodes.INVALID_CONFIG, 'setting=`endpoint`');
    await rejectsWith(openObjectStore({ kind: 's3', endpoint: 'http://x:1', bucket: 'b' }), InvalidError, ErrorCodes.INVALID_CONFIG, 'setting=`bucket`');
    await rejectsWith(openObjectStore({ kind: 'memory', extra: 1 }), InvalidError, ErrorCodes.INVALID_CONFIG);
    await rejectsWith(openObjectStore({ kind: 's3', endpoint: 'http://x:1', bucket: 'bkt', prefix: '/abs' }), InvalidError, ErrorCodes.INVALID_CONFIG, 'setting=`prefix`');
  });

  it('memory and fs open bare, or under metrics when given a registry', async () => {
    assert.ok((await openObjectStore({ kind: 'memory' })) instanceof MemoryObjectStore);
    const root = await mkdtemp(join(tmpdir(), 'tsb-open-store-'));
    try {
      const fs = await openObjectStore({ kind: 'fs', root });
      assert.ok(fs instanceof FsObjectStore);
      await fs.put('k', Buffer.from('v'));
      const withMetrics = await openObjectStore({ kind: 'fs', root }, { registry: new Registry() });
      assert.ok(withMetrics instanceof MetricsObjectStore && withMetrics.inner instanceof FsObjectStore);
      assert.equal((await withMetrics.get('k')).body.toString(), 'v');
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });

  it('s3 is wrapped in retry, then metrics; the prefix gets a trailing slash', async () => {
    const store = await openObjectStore(
      { kind: 's3', endpoint: 'http://127.0.0.1:1', bucket: 'bkt', prefix: 'cluster1', accessKeyId: 'a', secretAccessKey: 'b' },
      { registry: new Registry() },
    );
    assert.ok(store instanceof MetricsObjectStore);
    assert.ok(store.inner instanceof RetryObjectStore);
    assert.ok(store.inner.inner instanceof S3ObjectStore);
    assert.equal(store.description, 's3://bkt/cluster1/');
    await store.close();
  });
});
