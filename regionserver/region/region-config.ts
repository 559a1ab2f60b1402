// Per-region tuning, with HBase's defaults (the HBase property each mirrors in parentheses).
// Validated with zod; a bad value is an InvalidError (TSB_INVALID_CONFIG) naming the setting.

import { z } from 'zod';
import { ErrorCodes, InvalidError } from '../../common/errors.js';

export interface RegionConfig {
  /** Flush when the region's MemStores hold this many heap bytes (hbase.hregion.memstore.flush.size, 128 MiB). */
  readonly flushSizeBytes: number;
  /** Writes wait while the region's MemStores exceed multiplier × flush size (hbase.hregion.memstore.block.multiplier, 4). */
  readonly blockingMultiplier: number;
  /** Longest a write waits for backpressure to clear before TSB_THROTTLED (hbase.busy.wait.duration, 60 s). */
  readonly busyWaitMs: number;
  /** A store with more files blocks writes once a flush is due (hbase.hstore.blockingStoreFiles, 16). */
  readonly blockingStoreFiles: number;
  /** Longest a flush is held back for a blocked store before it runs anyway (hbase.hstore.blockingWaitTime, 90 s). */
  readonly blockingWaitTimeMs: number;
  /** After a failed background flush, wait this long before the next automatic attempt (explicit flushes run at once). */
  readonly flushRetryDelayMs: number;
  /** Row lock wait before TSB_TIMEOUT (hbase.rowlock.wait.duration, 30 s). */
  readonly rowLockTimeoutMs: number;
  /** Largest cell (key + value) a mutation may carry (hbase.server.keyvalue.maxsize, 10 MiB). */
  readonly maxCellBytes: number;
  /** Largest total of one row mutation's cells (one WAL entry; the WAL refuses entries over 64 MiB). */
  readonly maxMutationBytes: number;
}

export const DEFAULT_REGION_CONFIG: RegionConfig = Object.freeze({
  flushSizeBytes: 128 * 1024 * 1024,
  blockingMultiplier: 4,
  busyWaitMs: 60_000,
  blockingStoreFiles: 16,
  blockingWaitTimeMs: 90_000,
  flushRetryDelayMs: 1000,
  rowLockTimeoutMs: 30_000,
  maxCellBytes: 10 * 1024 * 1024,
  maxMutationBytes: 48 * 1024 * 1024,
});

const positive = z.number().int().positive();
const schema = z
  .object({
    flushSizeBytes: positive,
    blockingMultiplier: z.number().min(1),
    busyWaitMs: z.number().int().min(0),
    blockingStoreFiles: positive,
    blockingWaitTimeMs: z.number().int().min(0),
    flushRetryDelayMs: z.number().int().min(0),
    rowLockTimeoutMs: z.number().int().min(0),
    maxCellBytes: positive,
    maxMutationBytes: positive.max(60 * 1024 * 1024),
  })
  .strict();

/** Defaults overridden by `overrides`. Throws InvalidError (TSB_INVALID_CONFIG) naming the bad setting. */
export function regionConfig(overrides: Partial<RegionConfig> = {}): RegionConfig {
  const r = schema.safeParse({ ...DEFAULT_REGION_CONFIG, ...overrides });
  if (!r.success) {
    const issue = r.error.issues[0]!;
    const name = issue.code === 'unrecognized_keys' ? String(issue.keys[0]) : String(issue.path[0] ?? '');
    throw new InvalidError(`invalid region setting ${name}: ${issue.message.toLowerCase()}`, { code: ErrorCodes.INVALID_CONFIG, details: { setting: name } });
  }
  return Object.freeze(r.data);
}
