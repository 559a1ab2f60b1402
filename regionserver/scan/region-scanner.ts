// RegionScanner: the rows of one region for a Scan (all requested families joined by row),
// and regionGet, a scan of one row. STUB: the API the Region codes against; the body follows.

import { InternalError } from '../../common/errors.js';
import type { Get, Result, Scan } from '../../common/ops/operations.js';
import type { ScanStatus } from '../hfile/hfile-scanner.js';
import type { RowBuffer } from './row-buffer.js';
import type { RegionReadContext } from './store-read-view.js';

export { FOUND, END, NEEDS_IO } from '../hfile/hfile-scanner.js';
export type { ScanStatus } from '../hfile/hfile-scanner.js';

export class RegionScanner {
  /**
   * Opens a scanner (synchronous, no I/O). Throws InvalidError (TSB_INVALID_ARGUMENT) for a
   * malformed scan (bad filter JSON, limit/batch < 0, ...).
   */
  static open(_ctx: RegionReadContext, _scan: Scan): RegionScanner {
    throw new InternalError('region scanner not implemented yet');
  }

  /**
   * Fills `out` (cleared first) with the next row — or the next part of a row when Scan.batch
   * is set — and returns FOUND; END when the scan is over; NEEDS_IO when a block or bloom
   * chunk must be loaded: then call nextRowAsync(out), which finishes the same row.
   */
  nextRow(_out: RowBuffer): ScanStatus {
    throw new InternalError('region scanner not implemented yet');
  }

  /** nextRow, loading what is missing. Resolves true (FOUND) or false (END). */
  async nextRowAsync(_out: RowBuffer): Promise<boolean> {
    throw new InternalError('region scanner not implemented yet');
  }

  /** Releases the scanner. */
  close(): void {}
}

/** A get: the row's Result, synchronously when nothing needs I/O. Empty cells = no such row. */
export function regionGet(_ctx: RegionReadContext, _get: Get): Result | Promise<Result> {
  throw new InternalError('region get not implemented yet');
}
