// Server-side scans: SCAN_OPEN, SCAN_NEXT, SCAN_CLOSE (HBase's scanner RPCs).
//
// SCAN_OPEN opens a RegionScanner on the region, leases it (scanner-leases.ts) and returns
// its first batch. Each batch holds up to `rows` Results and stops early once it holds
// maxResultBytes (HBase hbase.server.scanner.max.result.size), so a wide scan cannot build a
// huge response. When the scanner reaches the end of the region (or of the scan's range or
// limit — also when the batch's last row was the limit's) the batch says moreInRegion: false
// and the scanner is closed: the client moves to the
// next region without a SCAN_CLOSE. Rows come synchronously while they are in the MemStore
// or the block cache; a missing block costs one await.
//
// Errors: TSB_SCANNER_EXPIRED for an unknown or expired scanner id; the region's errors as in
// data-handlers.ts. A scanner whose SCAN_NEXT failed is closed.

import type { Result } from '../../common/ops/operations.js';
import { InvalidError } from '../../common/errors.js';
import type { RpcHandlers, RpcRequests, RpcResponses, ScanBatch } from '../../common/rpc/rpc-messages.js';
import type { RegionScanner } from '../scan/region-scanner.js';
import { END, NEEDS_IO } from '../scan/region-scanner.js';
import { clientError } from './client-errors.js';
import { RowResultEncoder } from './row-result-encoder.js';
import type { OnlineRegions } from './online-regions.js';
import type { ScannerLeases, ServerScanner } from './scanner-leases.js';

export interface ScanHandlerDeps {
  readonly regions: OnlineRegions;
  readonly scanners: ScannerLeases;
  readonly maxResultBytes: number;
}

export type ScanMethods = 'SCAN_OPEN' | 'SCAN_NEXT' | 'SCAN_CLOSE';

export function scanHandlers(deps: ScanHandlerDeps): Pick<RpcHandlers, ScanMethods> {
  const { regions, scanners, maxResultBytes } = deps;
  // Rows go into the answer already encoded: no Result / cell objects per row (row-result-encoder.ts).
  const encoder = new RowResultEncoder();

  /** Fills one batch from a taken scanner, then releases it (closed at the end or on error). */
  const batch = async (s: ServerScanner, rows: number): Promise<ScanBatch> => {
    const results: Result[] = [];
    let done = false;
    let bytes = 0;
    try {
      const sc = s.scanner;
      const out = s.out;
      while (results.length < rows) {
        const st = sc.nextRow(out);
        if (st === END || (st === NEEDS_IO && !(await sc.nextRowAsync(out)))) {
          done = true;
          break;
        }
        results.push(encoder.encode(out));
        bytes += out.byteSize;
        if (bytes >= maxResultBytes) break;
      }
      // A batch that filled the scan's limit ends the scanner now: the client needs no
      // SCAN_NEXT or SCAN_CLOSE round trip (YCSB E: one SCAN_OPEN per scan).
      if (!done && sc.exhausted) done = true;
    } catch (err) {
      scanners.release(s, true);
      regions.checkAborted(s.entry);
      throw clientError(err, s.entry.name);
    }
    scanners.release(s, done);
    return { results, moreInRegion: !done };
  };

  return {
    async SCAN_OPEN(req: RpcRequests['SCAN_OPEN']): Promise<RpcResponses['SCAN_OPEN']> {
      checkRows(req.rows);
      const e = regions.serving(req.region);
      e.readRequests++;
      let sc: RegionScanner;
      try {
        sc = e.region!.getScanner(req.scan);
      } catch (err) {
        throw clientError(err, req.region);
      }
      const s = scanners.open(e, sc);
      const b = await batch(s, req.rows);
      return { scannerId: s.id, results: b.results, moreInRegion: b.moreInRegion };
    },

    async SCAN_NEXT(req: RpcRequests['SCAN_NEXT']): Promise<RpcResponses['SCAN_NEXT']> {
      checkRows(req.rows);
      const s = scanners.take(req.scannerId);
      s.entry.readRequests++;
      return batch(s, req.rows);
    },

    SCAN_CLOSE(req: RpcRequests['SCAN_CLOSE']): Promise<RpcResponses['SCAN_CLOSE']> {
      scanners.close(req.scannerId);
      return Promise.resolve({});
    },
  };
}

function checkRows(rows: number): void {
  if (!Number.isSafeInteger(rows) || rows < 0) throw new InvalidError('rows must be a non-negative integer', { details: { rows } });
}
