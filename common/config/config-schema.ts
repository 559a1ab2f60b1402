// Every setting of tsbase's processes, in one zod schema, with HBase's defaults where HBase has
// the setting. docs/configuration.md lists them (a test keeps the two in step); loadConfig
// (load-config.ts) merges defaults < file < environment < command line and validates here.
//
// Layout: sections (cluster, coordination, objectStore, wal, regionserver, master, client,
// table, rest, standalone, log) of settings. Sizes are bytes and accept units ("128m"),
// durations are milliseconds and accept units ("60s") — see units.ts. Unknown settings are
// errors at every level.
//
// Each setting carries metadata (`.meta`): `hbase` names the HBase property it mirrors,
// `doc` says what it does. A setting whose default depends on the process (standalone or a
// cluster process) is optional here and resolved in config-resolve.ts.

import { z } from 'zod';
import { objectStoreConfigSchema } from '../objectstore/open-store.js';
import { zBytes, zDuration } from './units.js';

export interface SettingMeta {
  /** The HBase property this setting mirrors, if any. */
  readonly hbase?: string;
  /** One line: what it does (and the default when it is computed). */
  readonly doc: string;
}

/** Attaches documentation metadata to a setting's schema. */
function s<T extends z.ZodType>(schema: T, meta: SettingMeta): T {
  return schema.meta({ ...meta });
}

const KiB = 1024;
const MiB = 1024 * KiB;
const GiB = 1024 * MiB;

const port = z.number().int().min(0).max(65535);
const host = z
  .string()
  .min(1)
  .max(253)
  .regex(/^[^\s,/]+$/, 'expected a host name or address without spaces, commas or slashes');
const endpoint = z.string().regex(/^https?:\/\/[^\s/]+(\/.*)?$/, 'expected an http:// or https:// url');
const hostPort = z.string().regex(/^[^\s,/]+:\d{1,5}$/, 'expected host:port');
const count = (min: number, max = 1_000_000) => z.number().int().min(min).max(max);
/** Event-loop watchdog limit (common/process/loop-watchdog.ts): 0 = off, else at least 1 s. */
const stallLimit = zDuration()
  .default(30_000)
  .refine((v) => v === 0 || v >= 1000, 'must be 0 (off) or at least 1s');
const STALL_DOC = 'a process whose event loop is stuck this long logs the main thread\'s stack and kills itself, to be restarted (0 = off)';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const cluster = z
  .strictObject({
    name: s(
      z
        .string()
        .regex(/^[A-Za-z0-9._-]{1,64}$/, 'expected 1-64 letters, digits, dots, dashes or underscores')
        .default('default'),
      { hbase: 'zookeeper.znode.parent', doc: 'cluster name: every coordination key lives under /tsbase/<name>/' },
    ),
  })
  .prefault({});

const coordination = z
  .strictObject({
    kind: s(z.enum(['etcd', 'in-process']).optional(), {
      doc: 'where the cluster agrees: etcd, or in-process (standalone only). Default: in-process for standalone, etcd otherwise',
    }),
    endpoints: s(z.array(endpoint).min(1).default(['http://127.0.0.1:2379']), {
      hbase: 'hbase.zookeeper.quorum',
      doc: 'etcd client URLs (comma-separated in env and --set)',
    }),
    requestTimeout: s(zDuration(100).default(5_000), { doc: 'deadline of one etcd request' }),
    sessionTimeout: s(zDuration(1_000).default(10_000), {
      hbase: 'zookeeper.session.timeout',
      doc: 'TTL of the leases of region servers and masters: a process silent this long is dead (rounded up to whole seconds)',
    }),
    username: s(z.string().min(1).optional(), { doc: 'etcd user (with password)' }),
    password: s(z.string().min(1).optional(), { doc: 'etcd password' }),
  })
  .prefault({});

const wal = z
  .strictObject({
    backend: s(z.enum(['s3', 'local']).optional(), {
      hbase: 'hbase.wal.provider',
      doc: 'write-ahead log backend: s3 (chunks on the object store) or local (segment files). Default: local for standalone, s3 otherwise',
    }),
    dir: s(z.string().min(1).optional(), { hbase: 'hbase.wal.dir', doc: 'directory of the local WAL. Default: <standalone.dataDir>/wal' }),
    syncMode: s(z.enum(['fdatasync', 'dsync']).default('dsync'), { hbase: 'hbase.wal.hsync', doc: 'how the local WAL makes a group commit durable: dsync = one write on an O_DSYNC file, fdatasync = write then fdatasync' }),
    maxLogs: s(count(1).default(32), { hbase: 'hbase.regionserver.maxlogs', doc: 'WAL units outstanding before the oldest regions are flushed' }),
  })
  .prefault({});

const regionserver = z
  .strictObject({
    host: s(host.optional(), {
      hbase: 'hbase.regionserver.hostname',
      doc: 'host other processes reach this region server at. Default: 127.0.0.1 for standalone, the machine host name otherwise',
    }),
    bindHost: s(host.optional(), { hbase: 'hbase.regionserver.ipc.address', doc: 'interface to listen on. Default: host' }),
    rpcPort: s(port.default(16020), { hbase: 'hbase.regionserver.port', doc: 'data RPC port (0 = any free port)' }),
    httpPort: s(port.default(16030), { hbase: 'hbase.regionserver.info.port', doc: 'status, /health, /ready and /metrics HTTP port (0 = any free port)' }),
    flushSize: s(zBytes(64 * KiB).default(128 * MiB), { hbase: 'hbase.hregion.memstore.flush.size', doc: "flush a region when its MemStores reach this size" }),
    memstoreBlockMultiplier: s(z.number().min(1).max(1000).default(4), {
      hbase: 'hbase.hregion.memstore.block.multiplier',
      doc: 'writes to a region wait while its MemStores exceed multiplier × flushSize',
    }),
    globalMemstoreFraction: s(z.number().gt(0).max(0.9).default(0.4), {
      hbase: 'hbase.regionserver.global.memstore.size',
      doc: 'all MemStores together may hold this fraction of the V8 heap limit before flushes are forced',
    }),
    maxFileSize: s(zBytes(1 * MiB).default(10 * GiB), { hbase: 'hbase.hregion.max.filesize', doc: 'split a region when a store grows past this size' }),
    blockingStoreFiles: s(count(1).default(16), { hbase: 'hbase.hstore.blockingStoreFiles', doc: 'a store with more files holds back flushes (and so writes) until compaction catches up' }),
    blockingWaitTime: s(zDuration().default(90_000), { hbase: 'hbase.hstore.blockingWaitTime', doc: 'longest a flush is held back by blockingStoreFiles' }),
    busyWaitDuration: s(zDuration().default(60_000), { hbase: 'hbase.busy.wait.duration', doc: 'longest a write waits for backpressure before TSB_THROTTLED' }),
    rowLockWaitDuration: s(zDuration().default(30_000), { hbase: 'hbase.rowlock.wait.duration', doc: 'longest a mutation waits for a row lock' }),
    blockCacheSize: s(zBytes(0).default(256 * MiB), {
      hbase: 'hfile.block.cache.size',
      doc: 'memory block cache capacity (bytes here; HBase gives a heap fraction)',
    }),
    blockCacheFileDir: s(z.string().min(1).optional(), {
      hbase: 'hbase.bucketcache.ioengine',
      doc: 'directory of the optional second block-cache tier on a local volume (HBase file: BucketCache)',
    }),
    blockCacheFileSize: s(zBytes(1 * MiB).optional(), { hbase: 'hbase.bucketcache.size', doc: 'capacity of the file tier; required with blockCacheFileDir' }),
    handlerCount: s(count(1, 10_000).default(30), { hbase: 'hbase.regionserver.handler.count', doc: 'reserved, not used yet: the event-loop server has no handler threads (each connection is limited to 1,024 calls in flight instead)' }),
    rpcMaxRequestSize: s(zBytes(1 * KiB, 1 * GiB).default(256 * MiB), { hbase: 'hbase.ipc.max.request.size', doc: 'largest data RPC frame accepted; a bigger one closes the connection' }),
    keyValueMaxSize: s(zBytes(1).default(10 * MiB), { hbase: 'hbase.server.keyvalue.maxsize', doc: 'largest cell (key + value) a mutation may carry' }),
    scannerLease: s(zDuration(1_000).default(60_000), { hbase: 'hbase.client.scanner.timeout.period', doc: 'a server-side scanner not called for this long is closed' }),
    scannerMaxResultSize: s(zBytes(1 * KiB).default(2 * MiB), { hbase: 'hbase.server.scanner.max.result.size', doc: 'most bytes one scanner call returns' }),
    msgInterval: s(zDuration(100).default(3_000), { hbase: 'hbase.regionserver.msginterval', doc: 'how often the server reports its load' }),
    flusherCount: s(count(1, 64).default(2), { hbase: 'hbase.hstore.flusher.count', doc: 'flushes run at once' }),
    compactionThreads: s(count(1, 64).default(1), { hbase: 'hbase.regionserver.thread.compaction.small', doc: 'compactions run at once' }),
    compactionThroughput: s(zBytes(1).optional(), {
      hbase: 'hbase.hstore.compaction.throughput.higher.bound',
      doc: 'compaction write limit in bytes per second. Default: unlimited',
    }),
    compactionWorkers: s(z.boolean().default(true), { doc: 'run compactions in worker threads (false: on the main thread, for debugging)' }),
    flushWorkers: s(z.boolean().default(true), { doc: 'encode flushes of 4 MiB or more in worker threads (false: on the main thread, for debugging)' }),
    movedRegionTtl: s(zDuration().default(120_000), { doc: 'how long the server answers TSB_REGION_MOVED with the new location of a region it gave away' }),
    nonceGracePeriod: s(zDuration(1_000).default(30 * 60_000), {
      hbase: 'hbase.server.hashNonce.gracePeriod',
      doc: 'how long the server remembers the nonces of increments, appends and checkAndMutates it applied (or replayed from a WAL), so a retry is not applied twice',
    }),
    stopWait: s(zDuration().default(60_000), { doc: 'on a clean stop, how long to wait for the master to move the regions away' }),
    stallAbort: s(stallLimit, { doc: STALL_DOC }),
  })
  .prefault({})
  .superRefine((rs, ctx) => {
    if (rs.blockCacheFileDir !== undefined && rs.blockCacheFileSize === undefined) {
      ctx.addIssue({ code: 'custom', path: ['blockCacheFileSize'], message: 'required when blockCacheFileDir is set' });
    }
  });

const master = z
  .strictObject({
    host: s(host.optional(), {
      hbase: 'hbase.master.hostname',
      doc: 'host the master advertises. Default: 127.0.0.1 for standalone, the machine host name otherwise',
    }),
    bindHost: s(host.optional(), { hbase: 'hbase.master.ipc.address', doc: 'interface to listen on. Default: host' }),
    rpcPort: s(port.default(16000), { hbase: 'hbase.master.port', doc: 'master RPC port (reserved: the admin API is on httpPort)' }),
    httpPort: s(port.default(16010), { hbase: 'hbase.master.info.port', doc: 'admin HTTP API, web UI and /metrics (0 = any free port)' }),
    balancerPeriod: s(zDuration().default(300_000), { hbase: 'hbase.balancer.period', doc: 'how often the balancer runs (0 = only on demand)' }),
    balancerMoveInterval: s(zDuration().default(100), { doc: 'pause between two moves of one balancer run' }),
    balancerMaxMoves: s(count(1, Number.MAX_SAFE_INTEGER).optional(), { hbase: 'hbase.balancer.max.balancing', doc: 'most moves per balancer run. Default: no limit' }),
    maxAssignAttempts: s(count(1, 1000).default(5), { hbase: 'hbase.assignment.maximum.attempts', doc: 'attempts to open a region before it is FAILED_OPEN' }),
    regionRpcTimeout: s(zDuration(100).default(120_000), { doc: 'timeout of open/close/split region calls to region servers' }),
    metaRpcTimeout: s(zDuration(100).default(30_000), { doc: 'timeout of hbase:meta reads and writes' }),
    reassignChorePeriod: s(zDuration().default(60_000), { doc: 'how often regions left FAILED_OPEN or OFFLINE in enabled tables are assigned again (0 = off)' }),
    assignConcurrency: s(count(1, 1000).default(16), { doc: 'regions one DDL operation opens or closes at once' }),
    catalogJanitorPeriod: s(zDuration().default(300_000), {
      hbase: 'hbase.catalogjanitor.interval',
      doc: 'how often split parents no daughter refers to any more are removed (0 = only on demand)',
    }),
    splitParentRetain: s(zDuration().default(600_000), { doc: 'how long a split parent is kept after its daughters stopped referring to it (scanners still reading it)' }),
    adminNonceGrace: s(zDuration(1000).default(900_000), {
      hbase: 'hbase.procedure.cleaner.evict.ttl',
      doc: 'how long the master remembers an admin operation\'s nonce and outcome, answering its retries (docs/rfcs/0007-admin-nonces.md)',
    }),
    stallAbort: s(stallLimit, { doc: `${STALL_DOC} (standalone: regionserver.stallAbort)` }),
  })
  .prefault({});

const client = z
  .strictObject({
    masters: s(z.array(hostPort).min(1).default(['127.0.0.1:16010']), { hbase: 'hbase.masters', doc: 'master admin addresses host:port (comma-separated in env and --set)' }),
    operationTimeout: s(zDuration(1).default(60_000), { hbase: 'hbase.client.operation.timeout', doc: 'an operation with all its retries gives up after this long' }),
    rpcTimeout: s(zDuration(1).default(10_000), { hbase: 'hbase.rpc.timeout', doc: 'timeout of one RPC attempt' }),
    pause: s(zDuration(1).default(100), { hbase: 'hbase.client.pause', doc: 'first retry pause; doubles with jitter' }),
    scannerCaching: s(count(1).default(1000), { hbase: 'hbase.client.scanner.caching', doc: 'rows per scanner round trip when a scan does not say' }),
    writeBufferSize: s(zBytes(1).default(2 * MiB), { hbase: 'hbase.client.write.buffer', doc: 'BufferedMutator flushes when it holds this much' }),
    writeBufferPeriodicFlush: s(zDuration().default(1_000), { hbase: 'hbase.client.write.buffer.periodicflush.timeout.ms', doc: 'BufferedMutator flushes at least this often (0 = off)' }),
    keyValueMaxSize: s(zBytes(1).default(10 * MiB), { hbase: 'hbase.client.keyvalue.maxsize', doc: 'largest cell the client sends' }),
    nonces: s(z.boolean().default(true), {
      hbase: 'hbase.client.nonces.enabled',
      doc: 'send a nonce with each increment, append and checkAndMutate, so they are retried after a lost answer and applied once (false: not retried then)',
    }),
  })
  .prefault({});

const table = z
  .strictObject({
    blockSize: s(zBytes(1 * KiB, 16 * MiB).default(64 * KiB), { hbase: 'BLOCKSIZE (HColumnDescriptor default)', doc: 'HFile data block size of a column family created without BLOCKSIZE' }),
  })
  .prefault({});

const rest = z
  .strictObject({
    host: s(host.default('0.0.0.0'), { hbase: 'hbase.rest.host', doc: 'interface the REST gateway listens on' }),
    port: s(port.default(8080), { hbase: 'hbase.rest.port', doc: 'REST gateway port' }),
  })
  .prefault({});

const standalone = z
  .strictObject({
    dataDir: s(z.string().min(1).default('./data'), {
      hbase: 'hbase.rootdir (file://)',
      doc: 'where standalone keeps objects, WAL and coordination state',
    }),
  })
  .prefault({});

const log = z
  .strictObject({
    level: s(z.enum(LOG_LEVELS).default('info'), { hbase: 'log4j.rootLogger', doc: 'log level of the process (pino)' }),
  })
  .prefault({});

/** The whole configuration. */
export const configSchema = z.strictObject({
  cluster,
  coordination,
  objectStore: s(objectStoreConfigSchema.optional(), {
    doc: 'where durable data lives (common/objectstore/open-store.ts): kind memory | fs (root) | s3 (endpoint, bucket, prefix, region, credentials, maxSockets, retry). Default: fs under <standalone.dataDir>/objects for standalone; required otherwise',
  }),
  wal,
  regionserver,
  master,
  client,
  table,
  rest,
  standalone,
  log,
});

/** A validated configuration with every default applied. */
export type TsbaseConfig = z.infer<typeof configSchema>;

/** What the schema accepts (sizes and durations may still be strings, sections may be missing). */
export type TsbaseConfigInput = z.input<typeof configSchema>;
