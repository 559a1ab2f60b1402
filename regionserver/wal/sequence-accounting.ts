// Per-region sequence-id accounting of one WAL, after HBase's SequenceIdAccounting: which edits
// are durable in the WAL but not yet flushed to HFiles, and so which WAL units (S3 chunks,
// local segments) are fully flushed and may be deleted.
//
// Two questions, two mechanisms:
//  1. "May unit u be deleted?" Each unit keeps, per region, the highest sequence id it holds.
//     A region's completed flushes give `flushedUpTo`: every edit with seq ≤ flushedUpTo is in
//     an HFile. Unit u is fully flushed when every region's max in u is ≤ its flushedUpTo.
//     Only a PREFIX of fully flushed units is released (firstNeededUnit), as HBase archives
//     WAL files oldest first: the writer records that low water in a chunk before deleting, so
//     a split knows exactly which chunks must exist (docs/rfcs/0001-wal-fencing.md).
//  2. "What is the region's oldest unflushed edit?" (to pick regions to flush, and to report.)
//     `lowest` = lowest durable seq not covered by a completed flush. While a flush of
//     seq ≤ X runs, durable edits above X are tracked apart (`lowestAbove`), as HBase keeps
//     "current" and "flushing" maps, so completeFlush moves to them and abortFlush merges back.
//
// Thread safety: single-threaded (the event loop); no method awaits.

import { InvalidError } from '../../common/errors.js';

interface RegionState {
  /** Every edit with seq ≤ flushedUpTo is in an HFile. -1n: nothing flushed yet. */
  flushedUpTo: bigint;
  /** Lowest durable seq not covered by a completed flush (and ≤ flushingUpTo while flushing). */
  lowest: bigint | undefined;
  /** While flushing: lowest durable seq above flushingUpTo. */
  lowestAbove: bigint | undefined;
  /** Seq ids ≤ this are in the snapshot of the running flush; undefined when not flushing. */
  flushingUpTo: bigint | undefined;
  /** Highest durable seq. */
  lastDurable: bigint;
}

interface Unit {
  readonly unit: number;
  /** Region → highest seq id in this unit. */
  readonly maxSeq: Map<string, bigint>;
}

export class SequenceAccounting {
  private readonly regions = new Map<string, RegionState>();
  /** Units in ascending order, oldest first; units below the released low water are gone. */
  private readonly units: Unit[] = [];
  private unitsHead = 0;

  /**
   * Records that entries 0..count-1 (regions[i], seqIds[i]) are durable in `unit`.
   * REQUIRES: called in commit order; per region, seq ids increase; units never decrease.
   */
  recordDurable(unit: number, regions: readonly string[], seqIds: readonly bigint[], count: number): void {
    let u = this.units.length > this.unitsHead ? this.units[this.units.length - 1] : undefined;
    if (u === undefined || u.unit !== unit) {
      u = { unit, maxSeq: new Map() };
      this.units.push(u);
    }
    for (let i = 0; i < count; i++) {
      const region = regions[i]!;
      const seq = seqIds[i]!;
      u.maxSeq.set(region, seq);
      let s = this.regions.get(region);
      if (s === undefined) {
        s = { flushedUpTo: -1n, lowest: undefined, lowestAbove: undefined, flushingUpTo: undefined, lastDurable: -1n };
        this.regions.set(region, s);
      }
      if (s.flushingUpTo !== undefined && seq > s.flushingUpTo) {
        if (s.lowestAbove === undefined) s.lowestAbove = seq;
      } else if (s.lowest === undefined || seq < s.lowest) {
        s.lowest = seq;
      }
      if (seq > s.lastDurable) s.lastDurable = seq;
    }
  }

  /**
   * A flush of `region` starts; its snapshot holds every durable edit with seq ≤ flushSeqId.
   * Edits durable later with a higher seq id stay unflushed after completeFlush. If edits
   * above flushSeqId are already durable, their oldest is taken to be flushSeqId + 1 (a safe
   * underestimate). Throws InvalidError if a flush of the region is already running.
   * Returns the region's oldest unflushed seq id before the flush.
   */
  startFlush(region: string, flushSeqId: bigint): bigint | undefined {
    const s = this.state(region);
    if (s.flushingUpTo !== undefined) throw new InvalidError('a flush of this region is already running', { details: { region } });
    const before = this.oldestUnflushed(region);
    s.flushingUpTo = flushSeqId;
    if (s.lowest === undefined) {
      s.lowestAbove = undefined;
    } else if (s.lowest > flushSeqId) {
      s.lowestAbove = s.lowest;
      s.lowest = undefined;
    } else {
      s.lowestAbove = s.lastDurable > flushSeqId ? flushSeqId + 1n : undefined;
    }
    return before;
  }

  /** The running flush of `region` is durable (its HFiles are published). */
  completeFlush(region: string): void {
    const s = this.state(region);
    if (s.flushingUpTo === undefined) throw new InvalidError('no flush of this region is running', { details: { region } });
    if (s.flushingUpTo > s.flushedUpTo) s.flushedUpTo = s.flushingUpTo;
    s.lowest = s.lowestAbove;
    s.lowestAbove = undefined;
    s.flushingUpTo = undefined;
  }

  /** The running flush of `region` failed: its edits are unflushed again. */
  abortFlush(region: string): void {
    const s = this.state(region);
    if (s.flushingUpTo === undefined) throw new InvalidError('no flush of this region is running', { details: { region } });
    if (s.lowest === undefined || (s.lowestAbove !== undefined && s.lowestAbove < s.lowest)) s.lowest = s.lowestAbove;
    s.lowestAbove = undefined;
    s.flushingUpTo = undefined;
  }

  /** Lowest durable, unflushed seq id of `region`, or undefined if everything is flushed. */
  oldestUnflushed(region: string): bigint | undefined {
    const s = this.regions.get(region);
    if (s === undefined) return undefined;
    if (s.lowest === undefined) return s.lowestAbove;
    if (s.lowestAbove === undefined) return s.lowest;
    return s.lowest < s.lowestAbove ? s.lowest : s.lowestAbove;
  }

  /** Highest seq id of `region` known flushed (-1n if none). */
  flushedUpTo(region: string): bigint {
    return this.regions.get(region)?.flushedUpTo ?? -1n;
  }

  /**
   * The lowest unit that still holds an unflushed edit, or (if none does) one past the newest
   * recorded unit, or `fallback` when no unit is recorded. Every unit below it is fully flushed.
   */
  firstNeededUnit(fallback = 0): number {
    for (let i = this.unitsHead; i < this.units.length; i++) {
      const u = this.units[i]!;
      if (!this.fullyFlushed(u)) return u.unit;
    }
    const last = this.units.length > this.unitsHead ? this.units[this.units.length - 1]! : undefined;
    return last === undefined ? fallback : last.unit + 1;
  }

  /** Regions whose unflushed edits keep the oldest needed unit alive: flush them to free it. */
  regionsBlockingOldest(): string[] {
    for (let i = this.unitsHead; i < this.units.length; i++) {
      const u = this.units[i]!;
      const blocking: string[] = [];
      for (const [region, max] of u.maxSeq) if (max > this.flushedUpTo(region)) blocking.push(region);
      if (blocking.length > 0) return blocking;
    }
    return [];
  }

  /** Forgets units below `lowWater` (they were deleted). */
  dropUnitsBelow(lowWater: number): void {
    while (this.unitsHead < this.units.length && this.units[this.unitsHead]!.unit < lowWater) {
      this.unitsHead++;
    }
    if (this.unitsHead > 1024 && this.unitsHead * 2 > this.units.length) {
      this.units.splice(0, this.unitsHead);
      this.unitsHead = 0;
    }
  }

  /** Number of units still tracked (not yet dropped). */
  get unitCount(): number {
    return this.units.length - this.unitsHead;
  }

  private fullyFlushed(u: Unit): boolean {
    for (const [region, max] of u.maxSeq) if (max > this.flushedUpTo(region)) return false;
    return true;
  }

  private state(region: string): RegionState {
    let s = this.regions.get(region);
    if (s === undefined) {
      s = { flushedUpTo: -1n, lowest: undefined, lowestAbove: undefined, flushingUpTo: undefined, lastDurable: -1n };
      this.regions.set(region, s);
    }
    return s;
  }
}
