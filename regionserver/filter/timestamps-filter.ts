// HBase's TimestampsFilter: keeps cells whose timestamp is one of a set.
//
// Versions of a column come newest first, so a cell older than the smallest wanted timestamp
// ends the column (NEXT_COL). Other misses are SKIP, or with canHint SEEK_NEXT_USING_HINT to the
// next smaller wanted timestamp of the same column (HBase warns that seeking may step over delete
// markers; the scanner must apply deletes before filters, as HBase's matcher does).
//
// Timestamps are kept as sorted 8-byte big-endian strings so a cell's timestamp is compared in
// place, without a BigInt per cell.

import type { CellView } from '../../common/cells/cell-view.js';
import { compareRanges } from '../../common/cells/encoded-key.js';
import { LATEST_TIMESTAMP } from '../../common/cells/keyvalue-format.js';
import { InvalidError } from '../../common/errors.js';
import { firstOnColumnAtTimestamp, lastOnColumn, timestampOffset } from './cell-fields.js';
import { FilterBase, ReturnCode } from './filter.js';

export class TimestampsFilter extends FilterBase {
  /** The distinct timestamps, ascending. */
  readonly timestamps: readonly bigint[];
  /** timestamps[i] as 8 big-endian bytes at i*8. */
  private readonly sorted: Buffer;

  /** Throws InvalidError(TSB_INVALID_ARGUMENT) for a timestamp outside 0..2^63-1. */
  constructor(
    timestamps: readonly bigint[],
    readonly canHint = false,
  ) {
    super();
    for (const ts of timestamps) {
      if (ts < 0n || ts > LATEST_TIMESTAMP) throw new InvalidError('timestamps must be in 0..2^63-1', { details: { field: 'timestamps', timestamp: ts } });
    }
    const uniq = [...new Set(timestamps)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    this.timestamps = uniq;
    this.sorted = Buffer.alloc(uniq.length * 8);
    uniq.forEach((ts, i) => this.sorted.writeBigUInt64BE(ts, i * 8));
  }

  override filterRowKey(_firstRowCell: CellView): boolean {
    return false;
  }

  filterCell(cell: CellView): ReturnCode {
    const n = this.timestamps.length;
    const tsOff = timestampOffset(cell);
    // lo = number of wanted timestamps < the cell's.
    const lo = this.lowerBound(cell.keyBuf, tsOff);
    if (lo < n && this.compareAt(lo, cell.keyBuf, tsOff) === 0) return ReturnCode.INCLUDE;
    // Smaller than the smallest wanted one (or nothing wanted: HBase's Long.MAX_VALUE minimum).
    if (lo === 0 && (n > 0 || !isLatest(cell.keyBuf, tsOff))) return ReturnCode.NEXT_COL;
    return this.canHint ? ReturnCode.SEEK_NEXT_USING_HINT : ReturnCode.SKIP;
  }

  override getNextCellHint(cell: CellView): Buffer | undefined {
    if (!this.canHint) return undefined;
    const lo = this.lowerBound(cell.keyBuf, timestampOffset(cell));
    // The largest wanted timestamp below the cell's; none: past the column.
    if (lo === 0) return lastOnColumn(cell);
    return firstOnColumnAtTimestamp(cell, this.timestamps[lo - 1]!);
  }

  private compareAt(i: number, buf: Buffer, off: number): number {
    return compareRanges(this.sorted, i * 8, i * 8 + 8, buf, off, off + 8);
  }

  private lowerBound(buf: Buffer, off: number): number {
    let lo = 0;
    let hi = this.timestamps.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.compareAt(mid, buf, off) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

const LATEST_BYTES = Buffer.from('7fffffffffffffff', 'hex');

function isLatest(buf: Buffer, off: number): boolean {
  return compareRanges(buf, off, off + 8, LATEST_BYTES, 0, 8) === 0;
}
