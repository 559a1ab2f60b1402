// Metrics wrapper (prom-client). Every call is counted and timed; the metrics live in the
// given Registry and are shared by every MetricsObjectStore registered there.
//
//   tsbase_objectstore_operations_total{op,outcome}         calls, outcome ok|error
//   tsbase_objectstore_errors_total{op,code}                failed calls by TSB_* code
//   tsbase_objectstore_read_bytes_total                     bytes returned by get
//   tsbase_objectstore_written_bytes_total                  bytes stored by put and upload
//   tsbase_objectstore_operation_duration_seconds{op}       latency histogram
//
// A head that finds nothing is an `ok` call. Label children are bound once at construction
// so the hot path does no label hashing.

import { Counter, Histogram } from 'prom-client';
import type { Registry } from 'prom-client';
import type { Clock } from '../clock.js';
import { systemClock } from '../clock.js';
import { errorCode } from '../errors.js';
import type {
  ByteRange,
  GetResult,
  ListOptions,
  ListPage,
  ObjectMeta,
  ObjectStore,
  PutOptions,
  PutResult,
  UploadOptions,
  UploadSource,
} from './object-store.js';

const OPS = ['get', 'head', 'put', 'list', 'delete', 'deleteMany', 'upload'] as const;
type Op = (typeof OPS)[number];

export const OBJECTSTORE_METRICS = {
  operations: 'tsbase_objectstore_operations_total',
  errors: 'tsbase_objectstore_errors_total',
  readBytes: 'tsbase_objectstore_read_bytes_total',
  writtenBytes: 'tsbase_objectstore_written_bytes_total',
  duration: 'tsbase_objectstore_operation_duration_seconds',
} as const;

/** Latency buckets in seconds: 0.5 ms .. 30 s. */
const BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

function counter<L extends string>(registry: Registry, name: string, help: string, labelNames: readonly L[]): Counter<L> {
  const existing = registry.getSingleMetric(name);
  if (existing !== undefined) return existing as Counter<L>;
  return new Counter({ name, help, labelNames, registers: [registry] });
}

interface OpMetrics {
  ok: Counter.Internal;
  error: Counter.Internal;
  duration: Histogram.Internal<'op'>;
}

export class MetricsObjectStore implements ObjectStore {
  readonly description: string;
  private readonly byOp: Record<Op, OpMetrics>;
  private readonly errors: Counter<'op' | 'code'>;
  private readonly readBytes: Counter;
  private readonly writtenBytes: Counter;
  private readonly clock: Clock;

  constructor(
    readonly inner: ObjectStore,
    registry: Registry,
    opts: { clock?: Clock } = {},
  ) {
    this.description = inner.description;
    this.clock = opts.clock ?? systemClock;
    const ops = counter(registry, OBJECTSTORE_METRICS.operations, 'Object store calls by operation and outcome.', ['op', 'outcome']);
    this.errors = counter(registry, OBJECTSTORE_METRICS.errors, 'Failed object store calls by operation and TSB_* error code.', ['op', 'code']);
    this.readBytes = counter(registry, OBJECTSTORE_METRICS.readBytes, 'Bytes read from the object store by get.', []);
    this.writtenBytes = counter(registry, OBJECTSTORE_METRICS.writtenBytes, 'Bytes written to the object store by put and upload.', []);
    const duration =
      (registry.getSingleMetric(OBJECTSTORE_METRICS.duration) as Histogram<'op'> | undefined) ??
      new Histogram({
        name: OBJECTSTORE_METRICS.duration,
        help: 'Object store call latency in seconds, by operation.',
        labelNames: ['op'],
        buckets: BUCKETS,
        registers: [registry],
      });
    const byOp = {} as Record<Op, OpMetrics>;
    for (const op of OPS) {
      byOp[op] = { ok: ops.labels(op, 'ok'), error: ops.labels(op, 'error'), duration: duration.labels(op) };
    }
    this.byOp = byOp;
  }

  private async measure<T>(op: Op, fn: () => Promise<T>): Promise<T> {
    const m = this.byOp[op];
    const t0 = this.clock.monotonicMs();
    try {
      const r = await fn();
      m.ok.inc();
      return r;
    } catch (err) {
      m.error.inc();
      this.errors.labels(op, errorCode(err) ?? 'unknown').inc();
      throw err;
    } finally {
      m.duration.observe((this.clock.monotonicMs() - t0) / 1000);
    }
  }

  async get(key: string, range?: ByteRange): Promise<GetResult> {
    const r = await this.measure('get', () => this.inner.get(key, range));
    this.readBytes.inc(r.body.length);
    return r;
  }

  head(key: string): Promise<ObjectMeta | undefined> {
    return this.measure('head', () => this.inner.head(key));
  }

  async put(key: string, body: Buffer | Uint8Array, opts?: PutOptions): Promise<PutResult> {
    const r = await this.measure('put', () => this.inner.put(key, body, opts));
    this.writtenBytes.inc(body.length);
    return r;
  }

  list(prefix: string, opts?: ListOptions): Promise<ListPage> {
    return this.measure('list', () => this.inner.list(prefix, opts));
  }

  delete(key: string): Promise<void> {
    return this.measure('delete', () => this.inner.delete(key));
  }

  deleteMany(keys: readonly string[]): Promise<void> {
    return this.measure('deleteMany', () => this.inner.deleteMany(keys));
  }

  async upload(key: string, source: UploadSource, opts?: UploadOptions): Promise<PutResult & { size: number }> {
    const r = await this.measure('upload', () => this.inner.upload(key, source, opts));
    this.writtenBytes.inc(r.size);
    return r;
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
