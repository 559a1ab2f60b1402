// Which files to compact: HBase's ExploringCompactionPolicy (the default ratio-based policy of
// HBase 2) as pure functions over file sizes, sequence ids and times. No I/O, no clock: the
// caller passes `nowMs` and, for the major-compaction jitter, optionally a Random.
//
// Selection, as HBase's SortedCompactionPolicy.selectCompaction does it:
//   1. Files sorted oldest first by maxSeqId (compactions stay contiguous in seq id order, so
//      a compaction never reorders two versions of a cell).
//   2. Drop every file up to the newest one already being compacted.
//   3. Unless a major compaction of all files was forced, skip leading files larger than
//      maxCompactSize (a reference stops the skipping: it must be compacted).
//   4. Major if forced by the user over all files, or (forced, or periodic — oldest file older
//      than the jittered period) with fewer than maxFiles candidates.
//   5. A major compaction, or any candidate being a reference (a split daughter: "after split"),
//      takes every candidate. Otherwise the exploring search picks, among every contiguous run
//      of minFiles..maxFiles files whose total is within maxCompactSize and (if the total is at
//      least minCompactSize) where no file is larger than ratio × the sum of the others, the run
//      that removes most files, then the smallest. If none qualifies and the store may be stuck
//      (as many files as the blocking count), the smallest run is taken.
//   6. At most maxFiles files, except for a user-requested major compaction.
// References sort first (their seq ids are the parent's, below anything the daughter flushed),
// so they are always in the selection; a daughter with more than maxFiles references compacts
// them over several rounds.

import type { Random } from '../../common/random.js';
import { SeededRandom } from '../../common/random.js';
import type { StoreManifest } from './manifest.js';
import { referenceName } from './manifest.js';

export interface CompactionConfig {
  /** Fewest files a minor compaction takes (hbase.hstore.compaction.min, 3). */
  readonly minFiles: number;
  /** Most files one compaction takes (hbase.hstore.compaction.max, 10). */
  readonly maxFiles: number;
  /** No file may exceed ratio × the sum of the other files of a minor selection (1.2). */
  readonly ratio: number;
  /** The ratio during off-peak hours (5.0). */
  readonly offPeakRatio: number;
  /** Selections smaller than this ignore the ratio (default 128 MiB, the flush size). */
  readonly minCompactSize: number;
  /** Files larger than this are left out of minor compactions (default: no limit). */
  readonly maxCompactSize: number;
  readonly maxCompactSizeOffPeak: number;
  /** Periodic major compaction interval in ms (7 days); 0 disables it. */
  readonly majorPeriodMs: number;
  /** The period varies by ± this fraction per store (0.5). */
  readonly majorJitter: number;
  /** A store with more files than this blocks writes (hbase.hstore.blockingStoreFiles, 16). */
  readonly blockingStoreFiles: number;
  /** The family's TTL in ms (Infinity: cells never expire). */
  readonly ttlMs: number;
}

export const DEFAULT_COMPACTION_CONFIG: CompactionConfig = {
  minFiles: 3,
  maxFiles: 10,
  ratio: 1.2,
  offPeakRatio: 5.0,
  minCompactSize: 128 * 1024 * 1024,
  maxCompactSize: Number.MAX_SAFE_INTEGER,
  maxCompactSizeOffPeak: Number.MAX_SAFE_INTEGER,
  majorPeriodMs: 7 * 24 * 60 * 60 * 1000,
  majorJitter: 0.5,
  blockingStoreFiles: 16,
  ttlMs: Infinity,
};

/** What the policy knows about a file (or reference) of the store. */
export interface CandidateFile {
  /** File name, or referenceName() for a reference. */
  readonly name: string;
  readonly size: number;
  readonly maxSeqId: bigint;
  /** Smallest cell timestamp (ms), for the TTL check of a lone file. */
  readonly minTs: bigint;
  /** When the file was written (ms): the age that triggers periodic major compaction. */
  readonly createdMs: number;
  /** Output of a major compaction. */
  readonly majorCompaction: boolean;
  readonly isReference: boolean;
}

/** The store's files and references as candidates, oldest (lowest maxSeqId) first. */
export function candidatesOf(m: Pick<StoreManifest, 'files' | 'references'>): CandidateFile[] {
  const out: CandidateFile[] = [];
  for (const f of m.files) {
    out.push({ name: f.name, size: f.size, maxSeqId: f.maxSeqId, minTs: f.minTs, createdMs: f.createdMs, majorCompaction: f.majorCompaction, isReference: false });
  }
  for (const r of m.references) {
    const f = r.parentFile;
    out.push({ name: referenceName(r), size: f.size, maxSeqId: f.maxSeqId, minTs: f.minTs, createdMs: f.createdMs, majorCompaction: false, isReference: true });
  }
  return sortBySeqId(out);
}

/** Oldest first: maxSeqId, then creation time, then name (a total order). */
export function sortBySeqId(files: readonly CandidateFile[]): CandidateFile[] {
  return [...files].sort((a, b) =>
    a.maxSeqId !== b.maxSeqId ? (a.maxSeqId < b.maxSeqId ? -1 : 1) : a.createdMs !== b.createdMs ? a.createdMs - b.createdMs : a.name < b.name ? -1 : a.name > b.name ? 1 : 0,
  );
}

export interface SelectionRequest {
  /** Every file and reference of the store. */
  readonly files: readonly CandidateFile[];
  /** Names already in a running compaction. */
  readonly compacting?: ReadonlySet<string>;
  /** A major compaction was requested (by a user or an admin tool). */
  readonly forceMajor?: boolean;
  /** The request comes from a user (allows a major compaction beyond maxFiles). */
  readonly userRequested?: boolean;
  /** Off-peak hours and no other off-peak compaction running: use the off-peak ratio and size. */
  readonly mayUseOffPeak?: boolean;
  readonly nowMs: number;
  /** Jitter source for the periodic major compaction; default: seeded by the oldest file's name (stable per store). */
  readonly random?: Random;
}

export interface CompactionSelection {
  /** The files to compact, oldest first. */
  readonly files: readonly CandidateFile[];
  /** A major compaction: it was asked for (or due) and covers every file. */
  readonly isMajor: boolean;
  /**
   * The selection is every file of the store: the compaction may drop delete markers and mark
   * its output majorCompaction (HBase drops deletes whenever all files are compacted).
   */
  readonly isAllFiles: boolean;
  /** Some input is a reference (the store is a split daughter). */
  readonly afterSplit: boolean;
  /** Uses the off-peak ratio (the caller allows one off-peak compaction at a time). */
  readonly offPeak: boolean;
}

function totalSize(files: readonly CandidateFile[]): number {
  let s = 0;
  for (const f of files) s += f.size;
  return s;
}

/** FNV-1a of a string, for a jitter seed that stays the same for the same oldest file. */
function stringSeed(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/**
 * The store's major compaction period in ms with its jitter: period ± jitter × period, drawn
 * from `random` or from a generator seeded by the oldest file's name (so repeated checks of
 * one store agree and stores do not all compact at once after a restart). 0: disabled or no files.
 */
export function majorCompactionPeriodMs(files: readonly CandidateFile[], config: CompactionConfig, random?: Random): number {
  const period = config.majorPeriodMs;
  if (period <= 0 || files.length === 0) return 0;
  if (config.majorJitter <= 0) return period;
  const jitter = Math.round(period * config.majorJitter);
  const rnd = (random ?? new SeededRandom(stringSeed(sortBySeqId(files)[0]!.name))).next();
  return period + jitter - Math.round(2 * jitter * rnd);
}

/**
 * True if a periodic major compaction is due (HBase's shouldPerformMajorCompaction): the
 * oldest file is older than the jittered period, and — for a lone file — it is not already a
 * major-compaction output, or cells in it have outlived the family's TTL.
 */
export function shouldMajorCompact(files: readonly CandidateFile[], nowMs: number, config: CompactionConfig, random?: Random): boolean {
  const period = majorCompactionPeriodMs(files, config, random);
  if (period <= 0) return false;
  let lowest = Infinity;
  for (const f of files) lowest = Math.min(lowest, f.createdMs);
  if (!(lowest > 0 && lowest < nowMs - period)) return false;
  if (files.length > 1) return true;
  const only = files[0]!;
  const oldestCellAge = nowMs - Number(only.minTs);
  if (only.majorCompaction && (config.ttlMs === Infinity || oldestCellAge < config.ttlMs)) return false;
  return config.ttlMs !== Infinity && oldestCellAge > config.ttlMs;
}

function filesInRatio(files: readonly CandidateFile[], ratio: number): boolean {
  if (files.length < 2) return true;
  const total = totalSize(files);
  for (const f of files) if (f.size > (total - f.size) * ratio) return false;
  return true;
}

/** The exploring search over contiguous runs (step 5 above). */
function explore(candidates: readonly CandidateFile[], mayUseOffPeak: boolean, mightBeStuck: boolean, config: CompactionConfig): CandidateFile[] {
  const ratio = mayUseOffPeak ? config.offPeakRatio : config.ratio;
  const maxSize = mayUseOffPeak ? config.maxCompactSizeOffPeak : config.maxCompactSize;
  let best: readonly CandidateFile[] = [];
  let bestSize = 0;
  let smallest: readonly CandidateFile[] = [];
  let smallestSize = Infinity;
  for (let start = 0; start < candidates.length; start++) {
    for (let end = start + config.minFiles - 1; end < candidates.length; end++) {
      const run = candidates.slice(start, end + 1);
      if (run.length < config.minFiles || run.length > config.maxFiles) continue;
      const size = totalSize(run);
      if (mightBeStuck && size < smallestSize) {
        smallest = run;
        smallestSize = size;
      }
      if (size > maxSize) continue;
      if (size >= config.minCompactSize && !filesInRatio(run, ratio)) continue;
      if (isBetterSelection(best, bestSize, run, size, mightBeStuck)) {
        best = run;
        bestSize = size;
      }
    }
  }
  return [...(best.length === 0 && mightBeStuck ? smallest : best)];
}

function isBetterSelection(best: readonly CandidateFile[], bestSize: number, run: readonly CandidateFile[], size: number, mightBeStuck: boolean): boolean {
  if (mightBeStuck && bestSize > 0 && size > 0) {
    // Most files removed per byte read; replace an earlier (smaller) choice only if clearly better.
    const REPLACE_IF_BETTER_BY = 1.05;
    return (best.length / bestSize) * REPLACE_IF_BETTER_BY < run.length / size;
  }
  return run.length > best.length || (run.length === best.length && size < bestSize);
}

/**
 * Chooses the next compaction of a store, or undefined if none is worth running. Pure.
 * REQUIRES: every name in `compacting` is among `files`.
 */
export function selectCompaction(req: SelectionRequest, config: CompactionConfig = DEFAULT_COMPACTION_CONFIG): CompactionSelection | undefined {
  const all = sortBySeqId(req.files);
  const compacting = req.compacting ?? new Set<string>();
  const forceMajor = req.forceMajor ?? false;
  const user = req.userRequested ?? false;
  const offPeakAllowed = req.mayUseOffPeak ?? false;

  // Stuck: as many files as the blocking count, counting a running compaction's output.
  const futureFiles = compacting.size === 0 ? 0 : 1;
  const mayBeStuck = all.length - compacting.size + futureFiles >= config.blockingStoreFiles;

  // Only files newer than the newest one being compacted keep compactions contiguous.
  let newestCompacting = -1;
  all.forEach((f, i) => {
    if (compacting.has(f.name)) newestCompacting = i;
  });
  let candidates = all.slice(newestCompacting + 1);

  let isAllFiles = candidates.length === all.length;
  if (!(forceMajor && isAllFiles)) {
    const maxSize = offPeakAllowed ? config.maxCompactSizeOffPeak : config.maxCompactSize;
    let pos = 0;
    while (pos < candidates.length && !candidates[pos]!.isReference && candidates[pos]!.size > maxSize) pos++;
    candidates = candidates.slice(pos);
    isAllFiles = candidates.length === all.length;
  }

  const isTryingMajor =
    (forceMajor && isAllFiles && user) ||
    (((forceMajor && isAllFiles) || shouldMajorCompact(candidates, req.nowMs, config, req.random)) && candidates.length < config.maxFiles);
  const afterSplit = candidates.some((f) => f.isReference);

  if (!(isTryingMajor || afterSplit)) {
    candidates = explore(candidates, offPeakAllowed, mayBeStuck, config);
    if (candidates.length < config.minFiles) candidates = [];
  }
  if (candidates.length > config.maxFiles && !(isTryingMajor && user)) candidates = candidates.slice(0, config.maxFiles);
  if (candidates.length === 0) return undefined;

  isAllFiles = candidates.length === all.length;
  return {
    files: candidates,
    isMajor: isTryingMajor && isAllFiles,
    isAllFiles,
    afterSplit: candidates.some((f) => f.isReference),
    offPeak: !isAllFiles && offPeakAllowed,
  };
}

/**
 * True if the store has enough files (not already compacting) for a minor compaction, or
 * holds references (a daughter must rewrite them). HBase's needsCompaction.
 */
export function needsCompaction(files: readonly CandidateFile[], compacting: ReadonlySet<string>, config: CompactionConfig = DEFAULT_COMPACTION_CONFIG): boolean {
  const idle = files.filter((f) => !compacting.has(f.name));
  return idle.length >= config.minFiles || idle.some((f) => f.isReference);
}

/** Number of files a read must merge: live files plus references. */
export function storeFileCount(store: Pick<StoreManifest, 'files' | 'references'>): number {
  return store.files.length + store.references.length;
}

/**
 * Write backpressure: true when the store has more files than blockingStoreFiles (HBase's
 * hasTooManyStoreFiles). The engine then delays flushes (and so writes) until a compaction
 * brings the count down; it never fails a write for it.
 */
export function isBlocked(store: Pick<StoreManifest, 'files' | 'references'>, config: Pick<CompactionConfig, 'blockingStoreFiles'> = DEFAULT_COMPACTION_CONFIG): boolean {
  return storeFileCount(store) > config.blockingStoreFiles;
}

/** Queue priority of a store's compaction: lower is more urgent (blockingStoreFiles - files; may be negative). */
export function compactionPriority(store: Pick<StoreManifest, 'files' | 'references'>, config: Pick<CompactionConfig, 'blockingStoreFiles'> = DEFAULT_COMPACTION_CONFIG): number {
  return config.blockingStoreFiles - storeFileCount(store);
}

/**
 * True if `hour` (0..23) is in the off-peak window [startHour, endHour), which may wrap past
 * midnight. -1 for both (the default) disables off-peak hours.
 */
export function isOffPeakHour(hour: number, startHour: number, endHour: number): boolean {
  if (startHour < 0 || endHour < 0 || startHour === endHour) return false;
  return startHour <= endHour ? startHour <= hour && hour < endHour : hour < endHour || startHour <= hour;
}
