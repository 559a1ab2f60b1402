// Test files' access to the real services. Under the test runner the services already run
// and are named by environment variables (see test-services.ts). A test file run alone
// (`node --test dist/x.test.js`) starts private ones instead: once per process, stopped when
// the process exits.
import { randomBytes } from 'node:crypto';
import { InternalError } from '../common/errors.js';
import { etcdEndpointsFromEnv, s3SettingsFromEnv, startTestServices } from './test-services.js';
import type { S3Settings } from './test-services.js';

export type TestS3Config = S3Settings;

let s3Config: Promise<TestS3Config> | undefined;
let etcdEndpoints: Promise<string[]> | undefined;

/**
 * Where tests may store objects: endpoint, keys, region and an existing bucket shared with
 * other tests (use uniqueTestPrefix for keys). Memoised; safe to call concurrently.
 * Starting a private radosgw takes a few seconds and throws TSB_UNAVAILABLE if it fails.
 */
export function testS3Config(): Promise<TestS3Config> {
  s3Config ??= (async () => {
    const fromEnv = s3SettingsFromEnv();
    if (fromEnv !== undefined) return fromEnv;
    // Daemons are killed and their dir removed by the exit hook of daemon.ts.
    const services = await startTestServices({ needS3: true, needEtcd: false, log: () => {} });
    const s3 = s3SettingsFromEnv(services.env);
    if (s3 === undefined) throw new InternalError('startTestServices returned no s3 settings');
    return s3;
  })();
  return s3Config;
}

/** Client URLs of an etcd for tests. Memoised like testS3Config. */
export function testEtcdEndpoints(): Promise<string[]> {
  etcdEndpoints ??= (async () => {
    const fromEnv = etcdEndpointsFromEnv();
    if (fromEnv !== undefined) return fromEnv;
    const services = await startTestServices({ needS3: false, needEtcd: true, log: () => {} });
    const endpoints = etcdEndpointsFromEnv(services.env);
    if (endpoints === undefined) throw new InternalError('startTestServices returned no etcd endpoints');
    return endpoints;
  })();
  return etcdEndpoints;
}

/**
 * A key prefix no other test run uses: `t/<name>-<time>-<random>/`. Tests sharing the bucket
 * (or an etcd) keep every key under their own prefix.
 */
export function uniqueTestPrefix(name: string): string {
  const safe = name.replace(/[^A-Za-z0-9._-]+/g, '-').slice(0, 60);
  return `t/${safe}-${Date.now().toString(36)}-${randomBytes(4).toString('hex')}/`;
}
