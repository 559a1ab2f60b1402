// Server-side scanners and their leases (HBase's RegionScannerHolder + scanner leases).
//
// SCAN_OPEN registers a RegionScanner under a random 64-bit id; every SCAN_NEXT takes it
// (one call at a time per scanner), and releasing it renews its lease. A scanner not used for
// `leaseMs` (by the injected Clock) expires: it is closed, and its id answers
// NotFoundError TSB_SCANNER_EXPIRED from then on, as does any id never issued. Expiry is
// checked on every lookup and by sweep(), which the server calls periodically to release the
// resources of scanners clients forgot.
//
// A region that closes closes its scanners first (closeRegion): a scanner in the middle of a
// SCAN_NEXT is closed when that call releases it, and closeRegion waits for that, so the
// region's stores are never closed under a running read.
//
// One event loop; take/release bracket each SCAN_NEXT across its awaits.

import { OpenHashMap, hashU64 } from '../../common/collections/open-hash-map.js';
import type { Clock } from '../../common/clock.js';
import { ErrorCodes, InvalidError, NotFoundError } from '../../common/errors.js';
import type { Random } from '../../common/random.js';
import type { RegionScanner } from '../scan/region-scanner.js';
import { RowBuffer } from '../scan/row-buffer.js';
import type { HostedEntry } from './online-regions.js';

export class ServerScanner {
  /** Row buffer reused by every batch of this scanner. */
  readonly out = new RowBuffer();
  expiresAtMs: number;
  busy = false;
  closed = false;
  /** Resolvers waiting for this scanner to be released (closeRegion). */
  releaseWaiters: Array<() => void> = [];

  constructor(
    readonly id: bigint,
    readonly entry: HostedEntry,
    readonly scanner: RegionScanner,
    nowMs: number,
    leaseMs: number,
  ) {
    this.expiresAtMs = nowMs + leaseMs;
  }
}

export class ScannerLeases {
  /** Open scanners by id (not a Map: random ids churn it; see common/collections/open-hash-map.ts). */
  private readonly map = new OpenHashMap<bigint, ServerScanner>(hashU64);
  /** Scanners that expired (for metrics). */
  expired = 0;

  constructor(
    private readonly clock: Clock,
    private readonly random: Random,
    readonly leaseMs: number,
  ) {}

  get size(): number {
    return this.map.size;
  }

  /** Registers `scanner` of `entry` under a new random id, taken (busy) by the caller: release() it. */
  open(entry: HostedEntry, scanner: RegionScanner): ServerScanner {
    let id = 0n;
    while (id === 0n || this.map.has(id)) id = (BigInt(this.random.int(0x100000000)) << 32n) | BigInt(this.random.int(0x100000000));
    const s = new ServerScanner(id, entry, scanner, this.clock.monotonicMs(), this.leaseMs);
    s.busy = true;
    this.map.set(id, s);
    return s;
  }

  /**
   * Takes scanner `id` for one SCAN_NEXT. Throws NotFoundError TSB_SCANNER_EXPIRED if the id is
   * unknown, expired or closed; InvalidError if another call is using it right now.
   */
  take(id: bigint): ServerScanner {
    const s = this.map.get(id);
    if (s === undefined || s.closed) throw expiredError(id);
    if (s.busy) throw new InvalidError('scanner is busy with another call; call next one at a time', { details: { scannerId: id } });
    if (s.expiresAtMs <= this.clock.monotonicMs()) {
      this.closeNow(s);
      this.expired++;
      throw expiredError(id);
    }
    s.busy = true;
    return s;
  }

  /** Ends a take: renews the lease, or closes the scanner if a close was asked for meanwhile (or `done`). */
  release(s: ServerScanner, done = false): void {
    s.busy = false;
    if (done || s.closed) this.closeNow(s);
    else s.expiresAtMs = this.clock.monotonicMs() + this.leaseMs;
    const w = s.releaseWaiters;
    s.releaseWaiters = [];
    for (const f of w) f();
  }

  /** Closes scanner `id` (at once, or when its running call releases it). Unknown ids are ignored. */
  close(id: bigint): void {
    const s = this.map.get(id);
    if (s === undefined) return;
    if (s.busy) s.closed = true;
    else this.closeNow(s);
  }

  /** Closes every scanner of region `name`; resolves once none of them is in a call. */
  async closeRegion(name: string): Promise<void> {
    const waits: Promise<void>[] = [];
    for (const s of this.map.values()) {
      if (s.entry.name !== name) continue;
      if (s.busy) {
        s.closed = true;
        waits.push(new Promise<void>((r) => s.releaseWaiters.push(r)));
      } else {
        this.closeNow(s);
      }
    }
    await Promise.all(waits);
  }

  /** Closes every scanner whose lease ran out (not those in a call). Returns how many. */
  sweep(): number {
    const now = this.clock.monotonicMs();
    let n = 0;
    for (const s of this.map.values()) {
      if (!s.busy && s.expiresAtMs <= now) {
        this.closeNow(s);
        n++;
      }
    }
    this.expired += n;
    return n;
  }

  /** Closes every scanner (server stop or abort). */
  async closeAll(): Promise<void> {
    await Promise.all([...new Set(this.map.values().map((s) => s.entry.name))].map((name) => this.closeRegion(name)));
  }

  private closeNow(s: ServerScanner): void {
    s.closed = true;
    this.map.delete(s.id);
    s.scanner.close();
  }
}

function expiredError(id: bigint): NotFoundError {
  return new NotFoundError('scanner is unknown or its lease expired; reopen the scan after the last row received', {
    code: ErrorCodes.SCANNER_EXPIRED,
    details: { scannerId: id },
  });
}
