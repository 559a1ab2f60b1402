// The real services of the test suite (Ceph radosgw for S3, etcd), started once by the test
// runner (scripts/test.mjs) and handed to test processes through environment variables.
//
// Environment contract (test files read it through s3-env.ts):
//   TSB_TEST_S3_ENDPOINT    http://127.0.0.1:PORT (path-style addressing)
//   TSB_TEST_S3_ACCESS_KEY  TSB_TEST_S3_SECRET_KEY
//   TSB_TEST_S3_REGION      us-east-1
//   TSB_TEST_S3_BUCKET      a bucket that exists; tests share it, each under its own prefix
//   TSB_TEST_ETCD_ENDPOINTS comma-separated client URLs
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { UnavailableError } from '../common/errors.js';
import { startRadosgw } from './ceph-rgw.js';
import type { Radosgw } from './ceph-rgw.js';
import { startEtcd } from './etcd-server.js';
import type { EtcdServer } from './etcd-server.js';

export const ENV_S3_ENDPOINT = 'TSB_TEST_S3_ENDPOINT';
export const ENV_S3_ACCESS_KEY = 'TSB_TEST_S3_ACCESS_KEY';
export const ENV_S3_SECRET_KEY = 'TSB_TEST_S3_SECRET_KEY';
export const ENV_S3_REGION = 'TSB_TEST_S3_REGION';
export const ENV_S3_BUCKET = 'TSB_TEST_S3_BUCKET';
export const ENV_ETCD_ENDPOINTS = 'TSB_TEST_ETCD_ENDPOINTS';

/** The bucket the harness creates for the tests. */
export const DEFAULT_TEST_BUCKET = 'tsbase-test';

export interface S3Settings {
  readonly endpoint: string;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly region: string;
  readonly bucket: string;
}

/** S3 settings from `env` if endpoint and both keys are set; else undefined. */
export function s3SettingsFromEnv(env: NodeJS.ProcessEnv = process.env): S3Settings | undefined {
  const endpoint = env[ENV_S3_ENDPOINT];
  const accessKeyId = env[ENV_S3_ACCESS_KEY];
  const secretAccessKey = env[ENV_S3_SECRET_KEY];
  if (!endpoint || !accessKeyId || !secretAccessKey) return undefined;
  return {
    endpoint,
    accessKeyId,
    secretAccessKey,
    region: env[ENV_S3_REGION] || 'us-east-1',
    bucket: env[ENV_S3_BUCKET] || DEFAULT_TEST_BUCKET,
  };
}

/** etcd endpoints from `env`, or undefined if unset. */
export function etcdEndpointsFromEnv(env: NodeJS.ProcessEnv = process.env): string[] | undefined {
  const list = (env[ENV_ETCD_ENDPOINTS] ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  return list.length === 0 ? undefined : list;
}

/** The environment variables describing `s3`. */
export function s3Env(s3: S3Settings): Record<string, string> {
  return {
    [ENV_S3_ENDPOINT]: s3.endpoint,
    [ENV_S3_ACCESS_KEY]: s3.accessKeyId,
    [ENV_S3_SECRET_KEY]: s3.secretAccessKey,
    [ENV_S3_REGION]: s3.region,
    [ENV_S3_BUCKET]: s3.bucket,
  };
}

/** Create `bucket` unless it already exists (owned by the same user). */
export async function ensureBucket(s3: Omit<S3Settings, 'bucket'>, bucket: string): Promise<void> {
  const client = new S3Client({
    endpoint: s3.endpoint,
    region: s3.region,
    forcePathStyle: true,
    credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
  });
  try {
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
  } catch (e) {
    const name = (e as { name?: string }).name;
    if (name !== 'BucketAlreadyOwnedByYou' && name !== 'BucketAlreadyExists') {
      throw new UnavailableError(`could not create test bucket: ${(e as Error).message}`, {
        cause: e,
        details: { bucket, endpoint: s3.endpoint },
      });
    }
  } finally {
    client.destroy();
  }
}

export interface TestServices {
  /** Environment variables for test processes (only those of the services asked for). */
  readonly env: Record<string, string>;
  /** Start times of the services started here (absent when reused from the environment). */
  readonly startMs: { readonly s3?: number; readonly etcd?: number };
  /** Stop what this call started; a no-op for services reused from the environment. */
  stop(): Promise<void>;
}

export interface TestServicesOptions {
  readonly needS3: boolean;
  readonly needEtcd: boolean;
  /**
   * Progress lines (per-phase timings). Default: one summary line on stderr when something
   * was started.
   */
  readonly log?: (line: string) => void;
  /** Where to look for services that already run. Default: process.env. */
  readonly env?: NodeJS.ProcessEnv;
}

/**
 * Start the services asked for, in parallel, unless the environment already names them (then
 * they are reused and not stopped). On failure stops whatever started and throws the first
 * error (TSB_UNAVAILABLE naming the daemon, or TSB_INVALID_CONFIG if packages are missing).
 */
export async function startTestServices(opts: TestServicesOptions): Promise<TestServices> {
  const env = opts.env ?? process.env;
  const existingS3 = opts.needS3 ? s3SettingsFromEnv(env) : undefined;
  const existingEtcd = opts.needEtcd ? etcdEndpointsFromEnv(env) : undefined;
  const log = opts.log;

  const [rgwResult, etcdResult] = await Promise.allSettled([
    opts.needS3 && existingS3 === undefined ? startRadosgw(log ? { log } : {}) : Promise.resolve(undefined),
    opts.needEtcd && existingEtcd === undefined ? startEtcd(log ? { log } : {}) : Promise.resolve(undefined),
  ]);
  const rgw: Radosgw | undefined = rgwResult.status === 'fulfilled' ? rgwResult.value : undefined;
  const etcd: EtcdServer | undefined = etcdResult.status === 'fulfilled' ? etcdResult.value : undefined;
  const stop = async () => {
    await Promise.all([rgw?.stop(), etcd?.stop()]);
  };
  if (rgwResult.status === 'rejected' || etcdResult.status === 'rejected') {
    await stop();
    throw rgwResult.status === 'rejected' ? rgwResult.reason : (etcdResult as PromiseRejectedResult).reason;
  }

  const out: Record<string, string> = {};
  if (opts.needS3) {
    let s3 = existingS3;
    if (s3 === undefined && rgw !== undefined) {
      s3 = { ...rgw, bucket: DEFAULT_TEST_BUCKET };
    }
    if (s3 !== undefined) {
      try {
        await ensureBucket(s3, s3.bucket);
      } catch (e) {
        await stop();
        throw e;
      }
      Object.assign(out, s3Env(s3));
    }
  }
  if (opts.needEtcd) {
    const endpoints = existingEtcd ?? etcd?.endpoints;
    if (endpoints !== undefined) out[ENV_ETCD_ENDPOINTS] = endpoints.join(',');
  }
  const startMs: { s3?: number; etcd?: number } = {};
  if (rgw) startMs.s3 = rgw.startMs;
  if (etcd) startMs.etcd = etcd.startMs;
  if (rgw || etcd) {
    const parts = [rgw ? `radosgw ${rgw.endpoint} in ${rgw.startMs} ms` : '', etcd ? `etcd ${etcd.endpoints.join(',')} in ${etcd.startMs} ms` : ''];
    (log ?? ((line: string) => process.stderr.write(`# ${line}\n`)))(`test services started: ${parts.filter((p) => p).join(', ')}`);
  }
  return { env: out, startMs, stop };
}
