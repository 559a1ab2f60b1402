// The configuration file `tsbase local-cluster` writes for its children: etcd coordination,
// the S3 object store (radosgw) under the prefix `<cluster>/`, the s3 WAL, loopback hosts.
// Per-process ports are given to each child with --set.
import type { S3Settings } from '../testing/test-services.js';

export interface ClusterDocumentInput {
  readonly cluster: string;
  readonly etcdEndpoints: readonly string[];
  readonly s3: S3Settings;
  /** Master admin addresses, for `tsbase shell --config <file>`. */
  readonly masters?: readonly string[];
}

/** A configuration document (common/config schema) for every process of a local cluster. */
export function clusterConfigDocument(i: ClusterDocumentInput): Record<string, unknown> {
  return {
    cluster: { name: i.cluster },
    coordination: { kind: 'etcd', endpoints: [...i.etcdEndpoints] },
    objectStore: {
      kind: 's3',
      endpoint: i.s3.endpoint,
      bucket: i.s3.bucket,
      prefix: `${i.cluster}/`,
      region: i.s3.region,
      accessKeyId: i.s3.accessKeyId,
      secretAccessKey: i.s3.secretAccessKey,
    },
    wal: { backend: 's3' },
    master: { host: '127.0.0.1' },
    // A region server stopping alone has its regions moved away well within 10 s here; when the
    // whole cluster stops (masters first) nobody moves them, and each server closes its regions
    // with a flush after this wait. --set regionserver.stopWait=... overrides it.
    regionserver: { host: '127.0.0.1', stopWait: 10_000 },
    ...(i.masters !== undefined && i.masters.length > 0 ? { client: { masters: [...i.masters] } } : {}),
  };
}
