import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { Registry } from 'prom-client';
import { freePort } from '../../testing/free-port.js';
import { testS3Config, uniqueTestPrefix } from '../../testing/s3-env.js';
import { ConflictError, ErrorCodes, InvalidError, UnavailableError, isRetryable } from '../errors.js';
import { objectStoreConformance, rejectsWith } from './conformance.js';
import { listAllKeys } from './object-store.js';
import { openObjectStore } from './open-store.js';
import { S3ObjectStore } from './s3-store.js';

objectStoreConformance('s3 (radosgw)', async () => {
  const cfg = await testS3Config();
  const store = new S3ObjectStore({ ...cfg, prefix: uniqueTestPrefix('objectstore-conformance') });
  return {
    store,
    cleanup: async () => {
      try {
        await store.deleteMany((await listAllKeys(store, '')).map((o) => o.key));
      } finally {
        await store.close();
      }
    },
  };
});

/** A fake S3 answer with an HTTP status, shaped like the SDK's S3ServiceException. */
function s3Error(status: number, name: string): Error {
  return Object.assign(new Error(`fake ${name}`), { name, $fault: 'server', $metadata: { httpStatusCode: status } });
}

/**
 * Makes the next PutObject of `store` answer `status`: `after` lets the request reach the
 * server first (the write happens, the answer is lost), `before` never sends it.
 */
function failNextPut(store: S3ObjectStore, status: number, when: 'before' | 'after'): void {
  let armed = true;
  store.client.middlewareStack.add(
    (next, context) => async (args) => {
      if (!armed || context.commandName !== 'PutObjectCommand') return next(args);
      armed = false;
      if (when === 'after') await next(args);
      throw s3Error(status, status === 409 ? 'ConditionalRequestConflict' : 'InternalError');
    },
    { step: 'initialize' },
  );
}

describe('S3ObjectStore against radosgw', () => {
  let store: S3ObjectStore;
  before(async () => {
    store = new S3ObjectStore({ ...(await testS3Config()), prefix: uniqueTestPrefix('s3-store') });
  });
  after(async () => {
    await store.deleteMany((await listAllKeys(store, '')).map((o) => o.key));
    await store.close();
  });

  it('a conditional put answered 500 after it was applied is resolved to success by re-reading', async () => {
    failNextPut(store, 500, 'after');
    const { etag } = await store.put('amb/created', Buffer.from('mine'), { ifNoneMatch: '*' });
    const got = await store.get('amb/created');
    assert.equal(got.body.toString(), 'mine');
    assert.equal(etag, got.etag);
    failNextPut(store, 409, 'after');
    const cas = await store.put('amb/created', Buffer.from('mine v2'), { ifMatch: etag });
    assert.equal(cas.etag, (await store.head('amb/created'))?.etag);
  });

  it('a conditional put answered 500 without being applied is a retryable UnavailableError', async () => {
    failNextPut(store, 500, 'before');
    await assert.rejects(store.put('amb/never', Buffer.from('x'), { ifNoneMatch: '*' }), (err: unknown) => {
      assert.ok(err instanceof UnavailableError && isRetryable(err), String(err));
      return true;
    });
    assert.equal(await store.head('amb/never'), undefined);
  });

  it('a 500 to a conditional put when someone else wrote is a ConflictError', async () => {
    const { etag } = await store.put('amb/other', Buffer.from('theirs v1'));
    await store.put('amb/other', Buffer.from('theirs v2'));
    failNextPut(store, 500, 'before');
    await rejectsWith(store.put('amb/other', Buffer.from('mine'), { ifMatch: etag }), ConflictError, ErrorCodes.PRECONDITION_FAILED, 'amb/other');
    failNextPut(store, 500, 'before');
    await rejectsWith(store.put('amb/other', Buffer.from('mine'), { ifNoneMatch: '*' }), ConflictError, ErrorCodes.ALREADY_EXISTS);
  });

  it('accepts a quoted etag for If-Match', async () => {
    const { etag } = await store.put('quoted/k', Buffer.from('1'));
    await store.put('quoted/k', Buffer.from('2'), { ifMatch: `"${etag}"` });
    assert.equal((await store.get('quoted/k')).body.toString(), '2');
  });

  it('stores with different prefixes do not see each other', async () => {
    const cfg = await testS3Config();
    const other = new S3ObjectStore({ ...cfg, prefix: uniqueTestPrefix('s3-store-other') });
    try {
      await other.put('shared-name', Buffer.from('other'));
      assert.equal(await store.head('shared-name'), undefined);
      assert.deepEqual((await other.list('')).objects.map((o) => o.key), ['shared-name']);
    } finally {
      await other.deleteMany(['shared-name']);
      await other.close();
    }
  });

  it('a missing bucket is TSB_INVALID_CONFIG, bad credentials are not retryable, a dead endpoint is retryable', async () => {
    const cfg = await testS3Config();
    const noBucket = new S3ObjectStore({ ...cfg, bucket: 'tsbase-no-such-bucket' });
    await rejectsWith(noBucket.get('k'), InvalidError, ErrorCodes.INVALID_CONFIG);
    await noBucket.close();
    const badCreds = new S3ObjectStore({ ...cfg, secretAccessKey: 'wrong-secret' });
    await assert.rejects(badCreds.put('k', Buffer.from('x')), (err: unknown) => err instanceof UnavailableError && !isRetryable(err));
    await badCreds.close();
    const dead = new S3ObjectStore({ ...cfg, endpoint: `http://127.0.0.1:${await freePort()}` });
    await assert.rejects(dead.head('k'), (err: unknown) => err instanceof UnavailableError && isRetryable(err));
    await dead.close();
  });

  it('openObjectStore builds a working s3 → retry → metrics stack from config', async () => {
    const cfg = await testS3Config();
    const registry = new Registry();
    const prefix = uniqueTestPrefix('open-store').replace(/\/$/, ''); // the trailing / is added
    const opened = await openObjectStore({ kind: 's3', ...cfg, prefix }, { registry });
    try {
      await opened.put('k', Buffer.from('via config'));
      assert.equal((await store.client.send(new GetObjectCommand({ Bucket: cfg.bucket, Key: `${prefix}/k` }))).ContentLength, 10);
      assert.equal((await opened.get('k')).body.toString(), 'via config');
      assert.match(await registry.metrics(), /tsbase_objectstore_operations_total\{op="put",outcome="ok"\} 1/);
    } finally {
      await opened.deleteMany(['k']);
      await opened.close();
    }
  });
});
