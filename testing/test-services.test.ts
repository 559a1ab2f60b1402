// The harness's services are real: radosgw honours If-None-Match (the WAL fencing relies on
// it) and etcd stores keys. Uses the runner's services, or starts private ones when run alone.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { Etcd3 } from 'etcd3';
import { testEtcdEndpoints, testS3Config, uniqueTestPrefix } from './s3-env.js';

test('radosgw: create-if-absent put succeeds once, then fails with 412', async () => {
  const cfg = await testS3Config();
  const s3 = new S3Client({
    endpoint: cfg.endpoint,
    region: cfg.region,
    forcePathStyle: true,
    credentials: { accessKeyId: cfg.accessKeyId, secretAccessKey: cfg.secretAccessKey },
  });
  try {
    const key = `${uniqueTestPrefix('harness')}obj`;
    await s3.send(new PutObjectCommand({ Bucket: cfg.bucket, Key: key, Body: 'first', IfNoneMatch: '*' }));
    await assert.rejects(
      s3.send(new PutObjectCommand({ Bucket: cfg.bucket, Key: key, Body: 'second', IfNoneMatch: '*' })),
      (e: { $metadata?: { httpStatusCode?: number } }) => e.$metadata?.httpStatusCode === 412,
    );
    const got = await s3.send(new GetObjectCommand({ Bucket: cfg.bucket, Key: key }));
    assert.equal(await got.Body?.transformToString(), 'first');
  } finally {
    s3.destroy();
  }
});

test('etcd: put then get', async () => {
  const client = new Etcd3({ hosts: await testEtcdEndpoints() });
  try {
    const key = `${uniqueTestPrefix('harness')}k`;
    await client.put(key).value('v1');
    assert.equal(await client.get(key).string(), 'v1');
  } finally {
    client.close();
  }
});

test('uniqueTestPrefix: distinct, safe prefixes', () => {
  const a = uniqueTestPrefix('a b/c');
  const b = uniqueTestPrefix('a b/c');
  assert.notEqual(a, b);
  assert.match(a, /^t\/a-b-c-[0-9a-z]+-[0-9a-f]{8}\/$/);
});
