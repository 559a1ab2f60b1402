// The settings table of docs/configuration.md, computed from the schema: one row per setting
// with its default, HBase equivalent and environment variable. config-docs.test.ts checks the
// document has every row, so the document cannot drift from the schema.

import { settings } from './config-paths.js';
import { configSchema } from './config-schema.js';
import { formatBytes, formatDuration } from './units.js';

export interface SettingRow {
  readonly path: string;
  readonly env: string;
  /** The default as written in the document: `128m`, `60s`, `16`, `-` when none. */
  readonly default: string;
  readonly hbase: string;
  readonly doc: string;
}

/** Documentation of the object store settings, whose schema lives in objectstore/open-store.ts. */
const OBJECT_STORE_DOCS: Record<string, { doc: string; hbase?: string }> = {
  'objectStore.kind': {
    doc: 'memory (tests), fs (a directory: standalone) or s3 (any S3-compatible server). Default: fs under <standalone.dataDir>/objects for standalone; required for cluster processes',
    hbase: 'hbase.rootdir',
  },
  'objectStore.root': { doc: 'fs: the directory holding the objects' },
  'objectStore.endpoint': { doc: 's3: endpoint URL, e.g. http://minio:9000', hbase: 'fs.s3a.endpoint' },
  'objectStore.bucket': { doc: 's3: an existing bucket' },
  'objectStore.prefix': { doc: 's3: key prefix under the bucket (a trailing / is added)' },
  'objectStore.region': { doc: 's3: region name', hbase: 'fs.s3a.endpoint.region' },
  'objectStore.accessKeyId': { doc: 's3: access key (default: the AWS SDK credential chain)', hbase: 'fs.s3a.access.key' },
  'objectStore.secretAccessKey': { doc: 's3: secret key (never printed)', hbase: 'fs.s3a.secret.key' },
  'objectStore.sessionToken': { doc: 's3: session token (never printed)', hbase: 'fs.s3a.session.token' },
  'objectStore.maxSockets': { doc: 's3: most concurrent connections (default 256)', hbase: 'fs.s3a.connection.maximum' },
  'objectStore.retry.maxAttempts': { doc: 's3: attempts per request, first included (default 8)', hbase: 'fs.s3a.retry.limit' },
  'objectStore.retry.baseDelayMs': { doc: 's3: backoff cap of the first retry in ms, doubling per retry, with jitter (default 20)', hbase: 'fs.s3a.retry.interval' },
  'objectStore.retry.maxDelayMs': { doc: 's3: largest backoff cap in ms (default 2000)' },
  'objectStore.retry.deadlineMs': { doc: 's3: no retry starts later than this many ms after the call began (default 30000)' },
};

function valueAt(root: unknown, segments: readonly string[]): unknown {
  let v = root;
  for (const s of segments) v = typeof v === 'object' && v !== null ? (v as Record<string, unknown>)[s] : undefined;
  return v;
}

/** One row per setting, in schema order. */
export function settingRows(): SettingRow[] {
  const defaults = configSchema.parse({});
  return [...settings().values()].map((info) => {
    const v = valueAt(defaults, info.segments);
    let text: string;
    if (v === undefined) text = '-';
    else if (info.unit === 'bytes' && typeof v === 'number') text = formatBytes(v);
    else if (info.unit === 'ms' && typeof v === 'number') text = formatDuration(v);
    else if (Array.isArray(v)) text = v.join(',');
    else text = String(v);
    const extra = OBJECT_STORE_DOCS[info.path];
    return { path: info.path, env: info.env, default: text, hbase: info.meta?.hbase ?? extra?.hbase ?? '', doc: info.meta?.doc ?? extra?.doc ?? '' };
  });
}

/** The markdown row of a setting: `| path | default | HBase | env | doc |`. */
export function markdownRow(r: SettingRow): string {
  const cell = (s: string) => s.replace(/\|/g, '\\|');
  return `| \`${r.path}\` | \`${cell(r.default)}\` | ${r.hbase === '' ? '' : '`' + cell(r.hbase) + '`'} | \`${r.env}\` | ${cell(r.doc)} |`;
}
