// How long the WAL's group commits take to become durable ("syncs", HBase's WAL SyncTime):
// a WalBackend wrapper that times every commit into plain counters (read by the server's
// /metrics at scrape time) and reports the slow ones, which the server logs as warnings
// (slowSyncLogger: the first at once, then at most one line per SLOW_SYNC_LOG_EVERY_MS with the
// count of the others; HBase logs "Slow sync cost" for syncs over
// hbase.regionserver.wal.slowsync.ms, 100 ms by default).
//
// Every write acknowledged to a client waited for one of these commits, so their latency is the
// floor of a write's: a disk or an object store that turns slow shows here first (in session
// 13, O_DSYNC appends that take 0.14 ms on an idle disk took 9-32 ms during a YCSB A run;
// docs/benchmarks.md).
//
// Only successful commits are timed: a failed one ends the WalWriter (it is reported through
// the server's failure path instead).

import type { Logger } from 'pino';
import type { Clock } from '../../common/clock.js';
import { PlainHistogram } from '../../common/metrics/plain-histogram.js';
import { ForwardingWalBackend } from './forwarding-wal-backend.js';
import type { WalBackend } from './wal-backend.js';

/** A commit at least this long is slow (HBase's hbase.regionserver.wal.slowsync.ms default). */
export const SLOW_SYNC_MS = 100;

/** Least time between two slow-sync warnings (the ones between are counted in the next). */
export const SLOW_SYNC_LOG_EVERY_MS = 10_000;

/** Counters of timed commits. */
export class WalSyncStats {
  /** Seconds each commit took (LATENCY_BUCKETS). */
  readonly duration = new PlainHistogram();
  /** Commits of SLOW_SYNC_MS or more. */
  slow = 0;
  /** Bytes of the timed commits' chunks. */
  bytes = 0;

  /** Records one commit of `ms` milliseconds and `bytes` bytes; true if it was slow. */
  observe(ms: number, bytes: number): boolean {
    this.duration.observe(ms / 1000);
    this.bytes += bytes;
    if (ms < SLOW_SYNC_MS) return false;
    this.slow++;
    return true;
  }
}

/** What a slow commit reports. */
export interface SlowSync {
  readonly ms: number;
  readonly bytes: number;
  readonly backend: string;
}

/** `inner` with every commit timed into `stats`; `onSlow` hears about each slow one. */
export class TimedWalBackend extends ForwardingWalBackend {
  constructor(
    inner: WalBackend,
    private readonly clock: Clock,
    private readonly stats: WalSyncStats,
    private readonly onSlow: (s: SlowSync) => void = () => {},
  ) {
    super(inner);
  }

  override async commit(chunk: Buffer): Promise<number> {
    const t0 = this.clock.monotonicMs();
    const unit = await this.inner.commit(chunk);
    const ms = this.clock.monotonicMs() - t0;
    if (this.stats.observe(ms, chunk.length)) this.onSlow({ ms, bytes: chunk.length, backend: this.description });
    return unit;
  }
}

/** Warns about slow commits on `logger`: the first at once, then at most one line per SLOW_SYNC_LOG_EVERY_MS. */
export function slowSyncLogger(logger: Logger, clock: Clock): (s: SlowSync) => void {
  let lastLogged = Number.NEGATIVE_INFINITY;
  let unlogged = 0;
  let unloggedMaxMs = 0;
  return (s) => {
    const now = clock.monotonicMs();
    if (now - lastLogged < SLOW_SYNC_LOG_EVERY_MS) {
      unlogged++;
      unloggedMaxMs = Math.max(unloggedMaxMs, s.ms);
      return;
    }
    logger.warn(
      { wal: s.backend, ms: Math.round(s.ms), bytes: s.bytes, slowSincePrevious: unlogged, slowestSincePreviousMs: Math.round(unloggedMaxMs) },
      `slow wal sync: a group commit took ${SLOW_SYNC_MS} ms or more to become durable (every write waiting for it did too)`,
    );
    lastLogged = now;
    unlogged = 0;
    unloggedMaxMs = 0;
  };
}
