// Prometheus metrics of a region server (served at /metrics). Request counts and latencies are
// plain per-method fields bumped per call (prom-client's labelled inc/observe hash their labels
// on every call); they and everything else are read when the registry is scraped.
//
//   tsbase_regionserver_requests_total{method}             data/admin RPC calls
//   tsbase_regionserver_request_errors_total{method,code}  failed calls by TSB_* code
//   tsbase_regionserver_request_duration_seconds{method}   latency histogram
//   tsbase_regionserver_regions{state}                     hosted regions (OPENING/OPEN/CLOSING)
//   tsbase_regionserver_memstore_bytes                     MemStore heap bytes of every region
//   tsbase_regionserver_store_files                        store files (and references)
//   tsbase_regionserver_store_file_bytes                   their bytes
//   tsbase_regionserver_scanners                           open server-side scanners
//   tsbase_regionserver_scanners_expired_total             scanners closed by lease expiry
//   tsbase_regionserver_flushes_total                      flushes run by the flusher
//   tsbase_regionserver_compactions_total{outcome}         compactions done / failed
//   tsbase_wal_commits_total, tsbase_wal_entries_total     WAL group commits and edits
//   tsbase_wal_buffered_bytes                              edits waiting for the next commit
//   tsbase_wal_units                                       WAL units (chunks/segments) not yet deleted
//   tsbase_wal_sync_duration_seconds                       time a group commit took to be durable
//   tsbase_wal_slow_syncs_total                            commits of 100 ms or more (wal-sync-timer.ts)
//   tsbase_wal_bytes_total                                 bytes of the WAL's commits
// plus the block cache's (block-cache-metrics.ts) and, when the object store is wrapped with
// MetricsObjectStore on the same registry, the object store's.

import type { Registry } from 'prom-client';
import { Counter, Gauge } from 'prom-client';
import type { Clock } from '../../common/clock.js';
import { errorCode } from '../../common/errors.js';
import type { MetricSample } from '../../common/metrics/plain-histogram.js';
import { PlainHistogram } from '../../common/metrics/plain-histogram.js';
import type { CallContext, RpcHandlers, RpcMethodName } from '../../common/rpc/rpc-messages.js';
import { RpcMethod } from '../../common/rpc/rpc-messages.js';
import type { CompactionScheduler } from '../compaction/compaction-scheduler.js';
import type { MemStoreManager } from '../region/flush-policy.js';
import type { SequenceAccounting } from '../wal/sequence-accounting.js';
import type { WalSyncStats } from '../wal/wal-sync-timer.js';
import type { WalWriter } from '../wal/wal-writer.js';
import type { OnlineRegions } from './online-regions.js';
import type { ScannerLeases } from './scanner-leases.js';

export interface MetricSources {
  readonly regions: OnlineRegions;
  readonly scanners: ScannerLeases;
  readonly flusher: MemStoreManager;
  readonly compactions: CompactionScheduler;
  readonly wal: WalWriter;
  readonly accounting: SequenceAccounting;
  readonly walSync: WalSyncStats;
}

/** Plain counters of one method, bumped per call (prom-client's labelled inc/observe hash labels on every call). */
class MethodStats {
  calls = 0;
  readonly errors = new Map<string, number>();
  /** Seconds of the calls finished; calls still running are not in it yet. */
  readonly latency = new PlainHistogram();
}

export class ServerMetrics {
  /** Calls handled (all methods): the load report's requests per second. */
  requests = 0;
  private readonly stats = new Map<RpcMethodName, MethodStats>();

  constructor(
    private readonly registry: Registry,
    private readonly clock: Clock,
  ) {
    for (const m of Object.keys(RpcMethod) as RpcMethodName[]) this.stats.set(m, new MethodStats());
    const all = (): Array<[RpcMethodName, MethodStats]> => [...this.stats].filter(([, st]) => st.calls > 0);
    this.custom('tsbase_regionserver_requests_total', 'RPC calls handled, by method.', 'counter', () => all().map(([method, st]) => ({ value: st.calls, labels: { method } })));
    this.custom('tsbase_regionserver_request_errors_total', 'RPC calls that failed, by method and TSB_* code.', 'counter', () =>
      all().flatMap(([method, st]) => [...st.errors].map(([code, n]) => ({ value: n, labels: { method, code } }))),
    );
    const name = 'tsbase_regionserver_request_duration_seconds';
    this.custom(name, 'RPC call latency in seconds, by method.', 'histogram', () =>
      all().flatMap(([method, st]) => st.latency.samples(name, { method })),
    );
  }

  /** A metric whose values are computed at scrape time from plain fields. */
  private custom(name: string, help: string, type: 'counter' | 'histogram', values: () => MetricSample[]): void {
    const metric = { name, help, type, aggregator: 'sum', get: () => Promise.resolve({ name, help, type, values: values(), aggregator: 'sum' }), reset: () => {} };
    this.registry.registerMetric(metric as unknown as Parameters<Registry['registerMetric']>[0]);
  }

  /** `handlers` with every call counted and timed. */
  instrument(handlers: RpcHandlers): RpcHandlers {
    const out: Record<string, unknown> = {};
    const clock = this.clock;
    for (const method of Object.keys(RpcMethod) as RpcMethodName[]) {
      const fn = handlers[method] as (req: unknown, ctx: CallContext) => Promise<unknown>;
      const st = this.stats.get(method)!;
      out[method] = async (req: unknown, ctx: CallContext): Promise<unknown> => {
        this.requests++;
        st.calls++;
        const t0 = clock.monotonicMs();
        try {
          const r = await fn(req, ctx);
          st.latency.observe((clock.monotonicMs() - t0) / 1000);
          return r;
        } catch (err) {
          st.latency.observe((clock.monotonicMs() - t0) / 1000);
          const code = errorCode(err) ?? 'TSB_INTERNAL';
          st.errors.set(code, (st.errors.get(code) ?? 0) + 1);
          throw err;
        }
      };
    }
    return out as RpcHandlers;
  }

  /** Registers the gauges read from the server's parts at scrape time. Call once. */
  registerSources(src: MetricSources): void {
    const registers = [this.registry];
    const gauge = (name: string, help: string, read: () => number): void => {
      new Gauge({
        name,
        help,
        registers,
        collect() {
          this.set(read());
        },
      });
    };
    const counter = (name: string, help: string, read: () => number): void => {
      new Counter({
        name,
        help,
        registers,
        collect() {
          this.reset();
          this.inc(read());
        },
      });
    };
    new Gauge({
      name: 'tsbase_regionserver_regions',
      help: 'Regions hosted, by state.',
      labelNames: ['state'],
      registers,
      collect() {
        const n = { OPENING: 0, OPEN: 0, CLOSING: 0 };
        for (const e of src.regions.entries()) n[e.state]++;
        for (const [state, v] of Object.entries(n)) this.set({ state }, v);
      },
    });
    gauge('tsbase_regionserver_memstore_bytes', 'MemStore heap bytes of every hosted region.', () => src.flusher.totalHeap);
    gauge('tsbase_regionserver_store_files', 'Store files (and split references) of every hosted region.', () => storeTotals(src.regions).files);
    gauge('tsbase_regionserver_store_file_bytes', 'Bytes of the store files of every hosted region.', () => storeTotals(src.regions).bytes);
    gauge('tsbase_regionserver_scanners', 'Open server-side scanners.', () => src.scanners.size);
    counter('tsbase_regionserver_scanners_expired_total', 'Scanners closed because their lease expired.', () => src.scanners.expired);
    counter('tsbase_regionserver_flushes_total', 'Flushes run by the flusher.', () => src.flusher.flushCount);
    new Counter({
      name: 'tsbase_regionserver_compactions_total',
      help: 'Compactions finished, by outcome.',
      labelNames: ['outcome'],
      registers,
      collect() {
        this.reset();
        this.inc({ outcome: 'ok' }, src.compactions.completed);
        this.inc({ outcome: 'failed' }, src.compactions.failed);
      },
    });
    counter('tsbase_wal_commits_total', 'WAL group commits made durable.', () => src.wal.stats().commits);
    counter('tsbase_wal_entries_total', 'WAL edits made durable.', () => src.wal.stats().entries);
    gauge('tsbase_wal_buffered_bytes', 'Bytes of WAL edits waiting for the next group commit.', () => src.wal.stats().bufferedBytes);
    gauge('tsbase_wal_units', 'WAL units (object-store chunks or local segments) not yet deleted.', () => src.accounting.unitCount);
    const sync = src.walSync;
    const syncName = 'tsbase_wal_sync_duration_seconds';
    this.custom(syncName, 'Time a WAL group commit took to become durable (write + sync, or the object PUT), in seconds.', 'histogram', () =>
      sync.duration.samples(syncName),
    );
    counter('tsbase_wal_slow_syncs_total', 'WAL group commits that took 100 ms or more to become durable.', () => sync.slow);
    counter('tsbase_wal_bytes_total', 'Bytes of the WAL group commits made durable.', () => sync.bytes);
  }
}

/** Store files and their bytes over every hosted region. */
export function storeTotals(regions: OnlineRegions): { files: number; bytes: number } {
  let files = 0;
  let bytes = 0;
  for (const e of regions.entries()) {
    const r = e.region;
    if (r === undefined) continue;
    for (const s of r.storesList) {
      for (const f of s.files) {
        files++;
        bytes += f.entry.size;
      }
    }
  }
  return { files, bytes };
}
