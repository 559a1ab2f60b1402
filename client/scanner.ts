// ClientScanner: a scan across a table's regions, forward or reversed (HBase's
// ClientScanner). One server-side scanner at a time; each round trip fetches up to
// `caching` rows (Scan.caching, else ConnectionOptions.scannerCaching).
//
// Position. The scanner remembers the last row it received (and, with Scan.batch, the last
// cell of that row, since a wide row arrives in several Results). When a region ends
// (moreInRegion false) it continues in the next region: forward at the region's endKey,
// reversed in the region holding the rows just below its startKey. When a call fails with
// NotServingRegion, RegionMoved, ScannerExpired, Fenced or a transport error (a move, a
// split, a crash, a lease that ran out), it locates the region holding the last row again
// and reopens there, inclusive, and drops what it already returned: rows before the last row
// (in scan order), the last row itself, or with Scan.batch the cells of the last row up to
// and including the last cell. So a row is never returned twice and none is skipped, even if
// region boundaries changed in between.
//
// Limit: rows are counted as they are accepted (a row split by Scan.batch counts once); the
// server is asked for at most the rows still wanted (+1 when reopening at the last row,
// which the server counts again).
//
// Thread safety: next() calls are served one at a time in call order.

import type { Result, ResultCell, Scan } from '../common/ops/operations.js';
import type { RpcClient, ScanBatch } from '../common/rpc/rpc-messages.js';
import { ErrorCodes, errorCode } from '../common/errors.js';
import type { ResultScanner } from './client-types.js';
import type { ClientContext } from './client-context.js';
import { checkOpen } from './client-context.js';
import type { LocateMode, RegionLocation, TableName } from './region-locator.js';
import { RetryBudget, isRetryableDataError } from './retry.js';

interface Cursor {
  /** Where to open the next server scanner (sent as startRow). */
  readonly key: Buffer;
  readonly mode: LocateMode;
  /** True when `key` is the last row received: the server will return it (or part of it) again. */
  readonly atLastRow: boolean;
}

/** KeyValue order within a row: family ↑, qualifier ↑, timestamp ↓, type ↓. */
function compareCells(a: ResultCell, b: ResultCell): number {
  const f = Buffer.compare(a.family, b.family);
  if (f !== 0) return f;
  const q = Buffer.compare(a.qualifier, b.qualifier);
  if (q !== 0) return q;
  if (a.timestamp !== b.timestamp) return a.timestamp > b.timestamp ? -1 : 1;
  return b.type - a.type;
}

export class ClientScanner implements ResultScanner {
  private buffer: Result[] = [];
  private pos = 0;
  private finished = false;
  private closed = false;
  private client: RpcClient | undefined;
  private loc: RegionLocation | undefined;
  private scannerId: bigint | undefined;
  /** Rows received from the open server scanner. */
  private receivedHere = 0;
  private cursor: Cursor;
  private lastRow: Buffer | undefined;
  private lastCell: ResultCell | undefined;
  private rowsAccepted = 0;
  private chain: Promise<unknown> = Promise.resolve();
  private readonly reversed: boolean;
  private readonly limit: number;
  private readonly caching: number;
  /** Server scanners opened (tests and metrics). */
  opens = 0;

  constructor(
    private readonly ctx: ClientContext,
    private readonly table: TableName,
    private readonly scan: Scan,
  ) {
    this.reversed = scan.reversed === true;
    this.limit = scan.limit ?? 0;
    this.caching = Math.max(1, scan.caching ?? ctx.scannerCaching);
    const start = scan.startRow ?? Buffer.alloc(0);
    this.cursor = { key: start, mode: this.reversed && start.length === 0 ? 'before' : 'at', atLastRow: false };
  }

  next(): Promise<Result | undefined> {
    const p = this.chain.then(() => this.nextRow());
    this.chain = p.catch(() => undefined);
    return p;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.finished = true;
    this.buffer = [];
    this.pos = 0;
    await this.closeServerScanner();
  }

  [Symbol.asyncIterator](): AsyncIterator<Result> {
    return {
      next: async () => {
        const r = await this.next();
        return r === undefined ? { done: true, value: undefined } : { done: false, value: r };
      },
      return: async () => {
        await this.close();
        return { done: true, value: undefined };
      },
    };
  }

  private async nextRow(): Promise<Result | undefined> {
    for (;;) {
      if (this.pos < this.buffer.length) {
        const r = this.buffer[this.pos]!;
        this.buffer[this.pos++] = undefined as unknown as Result;
        return r;
      }
      if (this.finished) return undefined;
      this.buffer = [];
      this.pos = 0;
      await this.fetch();
    }
  }

  /** One round trip (with retries): fills the buffer, or finishes the scan. */
  private async fetch(): Promise<void> {
    checkOpen(this.ctx);
    const budget = new RetryBudget(this.ctx.policy);
    for (;;) {
      try {
        await this.roundTrip(budget.attemptTimeoutMs());
        return;
      } catch (err) {
        const code = errorCode(err);
        const loc = this.loc;
        const hadScanner = this.scannerId !== undefined;
        if (hadScanner && code !== ErrorCodes.SCANNER_EXPIRED) void this.closeServerScanner();
        this.scannerId = undefined;
        this.client = undefined;
        if (this.receivedHere > 0 && this.lastRow !== undefined) this.cursor = { key: this.lastRow, mode: 'at', atLastRow: true };
        this.receivedHere = 0;
        const retry = code === ErrorCodes.SCANNER_EXPIRED || (isRetryableDataError(err) && !this.ctx.isClosed());
        if (!retry || this.closed) {
          this.finished = true;
          throw err;
        }
        const immediate = code === ErrorCodes.SCANNER_EXPIRED || (loc !== undefined && this.ctx.locator.onError(this.table, loc, err));
        try {
          await budget.backoff(err, 'scan', immediate);
        } catch (timeout) {
          this.finished = true;
          throw timeout;
        }
      }
    }
  }

  private remaining(): number | undefined {
    return this.limit > 0 ? this.limit - this.rowsAccepted : undefined;
  }

  private async roundTrip(timeoutMs: number): Promise<void> {
    const remaining = this.remaining();
    // With Scan.batch the last row counted may still have parts on the open server scanner.
    const partial = this.scan.batch !== undefined && this.scan.batch > 0;
    if (remaining !== undefined && remaining <= 0 && !(partial && (this.scannerId !== undefined || this.cursor.atLastRow))) {
      this.finished = true;
      await this.closeServerScanner();
      return;
    }
    let batch: ScanBatch;
    if (this.scannerId === undefined) {
      const c = this.cursor;
      const loc = this.ctx.locator.cached(this.table, c.key, c.mode) ?? (await this.ctx.locator.locate(this.table, c.key, c.mode));
      this.loc = loc;
      const serverLimit = remaining === undefined ? undefined : remaining + (c.atLastRow ? 1 : 0);
      const rows = serverLimit === undefined ? this.caching : Math.min(this.caching, serverLimit);
      const scan: Scan = { ...this.scan, startRow: c.key, ...(serverLimit !== undefined ? { limit: serverLimit } : {}) };
      const client = this.ctx.pool.client(loc.rpcAddress);
      this.opens++;
      const res = await client.call('SCAN_OPEN', { region: loc.info.encodedName, scan, rows }, { timeoutMs });
      this.client = client;
      if (res.moreInRegion) this.scannerId = res.scannerId;
      batch = res;
    } else {
      const rows = remaining === undefined ? this.caching : Math.max(1, Math.min(this.caching, remaining));
      batch = await this.client!.call('SCAN_NEXT', { scannerId: this.scannerId, rows }, { timeoutMs });
      if (!batch.moreInRegion) this.scannerId = undefined;
    }
    this.receivedHere += batch.results.length;
    this.accept(batch.results);
    if (this.finished) {
      await this.closeServerScanner();
      return;
    }
    if (!batch.moreInRegion) this.regionDone(this.loc!);
  }

  /** Adds the new rows of `results` to the buffer (see "Position" and "Limit" above). */
  private accept(results: readonly Result[]): void {
    const dir = this.reversed ? -1 : 1;
    const partial = this.scan.batch !== undefined && this.scan.batch > 0;
    for (let r of results) {
      const sameRow = this.lastRow !== undefined && r.row.equals(this.lastRow);
      if (this.lastRow !== undefined && !sameRow && Buffer.compare(r.row, this.lastRow) * dir < 0) continue;
      if (sameRow) {
        if (!partial || this.lastCell === undefined) continue;
        const last = this.lastCell;
        const cells = r.cells.filter((c) => compareCells(c, last) > 0);
        if (cells.length === 0) continue;
        if (cells.length !== r.cells.length) r = { row: r.row, cells };
      } else {
        if (this.limit > 0 && this.rowsAccepted >= this.limit) {
          this.finished = true;
          return;
        }
        this.rowsAccepted++;
      }
      this.buffer.push(r);
      this.lastRow = r.row;
      this.lastCell = r.cells[r.cells.length - 1] ?? this.lastCell;
    }
  }

  /** The server scanner of `loc` reached the end of the region: move on or finish. */
  private regionDone(loc: RegionLocation): void {
    const { startKey, endKey } = loc.info;
    const stop = this.scan.stopRow ?? Buffer.alloc(0);
    const remaining = this.remaining();
    if (remaining !== undefined && remaining <= 0) {
      this.finished = true;
    } else if (!this.reversed) {
      if (endKey.length === 0 || (stop.length > 0 && Buffer.compare(stop, endKey) <= 0)) this.finished = true;
      else this.cursor = { key: endKey, mode: 'at', atLastRow: false };
    } else {
      if (startKey.length === 0 || (stop.length > 0 && Buffer.compare(stop, startKey) >= 0)) this.finished = true;
      else this.cursor = { key: startKey, mode: 'before', atLastRow: false };
    }
    this.receivedHere = 0;
  }

  private async closeServerScanner(): Promise<void> {
    const id = this.scannerId;
    const client = this.client;
    this.scannerId = undefined;
    if (id === undefined || client === undefined) return;
    try {
      await client.call('SCAN_CLOSE', { scannerId: id }, { timeoutMs: this.ctx.policy.rpcTimeoutMs });
    } catch {
      // The server expires scanners it no longer hears from.
    }
  }
}
