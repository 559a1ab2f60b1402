// Regions this server closed for a move, and where they went (HBase's movedRegions cache):
// for a while after the close, a request for such a region is answered with
// NotServingRegionError TSB_REGION_MOVED naming the destination, so the client goes straight
// there instead of re-reading META (which the master may not have updated yet).
//
// Entries expire by the injected Clock; expired ones are dropped lazily on lookup and when
// new entries are added. One event loop; every method is synchronous.

import type { Clock } from '../../common/clock.js';
import { ErrorCodes, NotServingRegionError } from '../../common/errors.js';

export interface MovedTo {
  readonly serverName: string;
  readonly rpcAddress: string;
}

interface Entry extends MovedTo {
  readonly untilMs: number;
}

export class MovedRegions {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly clock: Clock,
    private readonly ttlMs: number,
  ) {}

  /** Remembers that `region` moved to `to` (replacing an earlier entry). */
  add(region: string, to: MovedTo): void {
    if (this.ttlMs <= 0) return;
    this.expire();
    this.entries.set(region, { serverName: to.serverName, rpcAddress: to.rpcAddress, untilMs: this.clock.monotonicMs() + this.ttlMs });
  }

  /** Forgets `region` (it is hosted here again). */
  remove(region: string): void {
    this.entries.delete(region);
  }

  /** Where `region` moved, if it did recently. */
  get(region: string): MovedTo | undefined {
    const e = this.entries.get(region);
    if (e === undefined) return undefined;
    if (e.untilMs <= this.clock.monotonicMs()) {
      this.entries.delete(region);
      return undefined;
    }
    return e;
  }

  /** NotServingRegionError TSB_REGION_MOVED for `region`, or undefined if it did not move recently. */
  movedError(region: string): NotServingRegionError | undefined {
    const to = this.get(region);
    if (to === undefined) return undefined;
    return new NotServingRegionError('region moved to another server; retry there', {
      code: ErrorCodes.REGION_MOVED,
      details: { region, location: to.rpcAddress, server: to.serverName },
    });
  }

  get size(): number {
    return this.entries.size;
  }

  private expire(): void {
    const now = this.clock.monotonicMs();
    for (const [k, e] of this.entries) if (e.untilMs <= now) this.entries.delete(k);
  }
}
