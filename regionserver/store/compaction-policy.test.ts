import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SeededRandom } from '../../common/random.js';
import type { CandidateFile, CompactionConfig, SelectionRequest } from './compaction-policy.js';
import {
  DEFAULT_COMPACTION_CONFIG,
  candidatesOf,
  compactionPriority,
  isBlocked,
  isOffPeakHour,
  majorCompactionPeriodMs,
  needsCompaction,
  selectCompaction,
  shouldMajorCompact,
} from './compaction-policy.js';
import { emptyManifest } from './manifest.js';
import { entryFor, referenceTo, regionOf, storeOf } from './store-test-util.js';

const NOW = 1_700_000_000_000;
const DAY = 24 * 60 * 60 * 1000;

// The configuration of HBase's TestCompactionPolicy, so its tables of sizes carry over unchanged.
const HB: CompactionConfig = {
  ...DEFAULT_COMPACTION_CONFIG,
  minFiles: 3,
  maxFiles: 5,
  minCompactSize: 10,
  maxCompactSize: 2100,
  maxCompactSizeOffPeak: 2100,
  ratio: 1.0,
  offPeakRatio: 5.0,
  majorPeriodMs: 0,
  blockingStoreFiles: 10,
};
const tooBig = 2101;

/** Files oldest first, sequence id = position, written now. */
function sf(sizes: readonly number[], o: { reference?: boolean; createdMs?: number } = {}): CandidateFile[] {
  return sizes.map((size, i) => ({
    name: `f${String(i).padStart(2, '0')}`,
    size,
    maxSeqId: BigInt(i + 1),
    minTs: BigInt(NOW),
    createdMs: o.createdMs ?? NOW,
    majorCompaction: false,
    isReference: o.reference ?? false,
  }));
}

function sizesOf(files: readonly CandidateFile[] | undefined): number[] {
  return (files ?? []).map((f) => f.size);
}

function select(files: CandidateFile[], o: Partial<SelectionRequest> = {}, config: CompactionConfig = HB) {
  return selectCompaction({ files, nowMs: NOW, ...o }, config);
}

describe('compaction policy: minor selection (HBase TestDefaultCompactSelection tables)', () => {
  const table: Array<[string, number[], number[]]> = [
    ['keeps the ratio: big old files stay out', [100, 50, 23, 12, 12], [23, 12, 12]],
    ['nothing in ratio: no compaction', [100, 50, 25, 12, 12], []],
    ['files above maxCompactSize are skipped', [tooBig, tooBig, 700, 700, 700], [700, 700, 700]],
    ['too few files left after skipping big ones', [tooBig, tooBig, 700, 700], []],
    ['selections under minCompactSize ignore the ratio', [7, 1, 1], [7, 1, 1]],
    ['at most maxFiles, the run that is in ratio', [7, 6, 5, 4, 3, 2, 1], [5, 4, 3, 2, 1]],
    ['a big old file stays out', [50, 10, 10, 10, 10], [10, 10, 10, 10]],
    ['a big new file stays out', [10, 10, 10, 10, 50], [10, 10, 10, 10]],
    ['a file just under the max size is left out of the sum', [251, 253, 251, 2099], [251, 253, 251]],
    ['three files just under max size exceed it together', [2099, 2099, 2099], []],
    ['no files', [], []],
    ['all files too big', [tooBig, tooBig], []],
  ];
  for (const [what, sizes, expected] of table) {
    it(`${what}: ${JSON.stringify(sizes)} -> ${JSON.stringify(expected)}`, () => {
      const sel = select(sf(sizes));
      assert.deepEqual(sizesOf(sel?.files), expected);
      if (sel !== undefined) assert.equal(sel.isMajor, false);
    });
  }

  it('a store at the blocking count compacts the smallest run even when nothing is in ratio', () => {
    assert.deepEqual(sizesOf(select(sf([512, 256, 128, 64, 32, 16, 8, 4, 2, 1]), {}, { ...HB, minCompactSize: 1 })?.files), [4, 2, 1]);
  });

  it('off-peak ratio widens the selection and marks it off-peak', () => {
    const sel = select(sf([999, 50, 12, 12, 1]), { mayUseOffPeak: true });
    assert.deepEqual(sizesOf(sel?.files), [50, 12, 12, 1]);
    assert.equal(sel?.offPeak, true);
    assert.deepEqual(sizesOf(select(sf([999, 50, 12, 12, 1]))?.files), [12, 12, 1]);
  });

  const stuck: Array<[string, number[], number[]]> = [
    ['stuck: the smallest selection', [99, 99, 99, 99, 99, 99, 30, 30, 30, 30], [30, 30, 30]],
    ['not stuck: the standard policy', [99, 99, 99, 99, 99, 30, 30, 30, 30], [99, 30, 30, 30, 30]],
    ['stuck: small files are added', [99, 99, 99, 99, 99, 99, 30, 30, 30, 15], [30, 30, 30, 15]],
    ['stuck: an earlier run wins if the later one is not clearly better', [99, 99, 99, 99, 30, 26, 26, 29, 25, 25], [30, 26, 26]],
    ['stuck: a later run wins if clearly better', [99, 99, 99, 99, 27, 27, 27, 20, 20, 20], [20, 20, 20]],
  ];
  for (const [what, sizes, expected] of stuck) {
    it(`${what}: ${JSON.stringify(sizes)} -> ${JSON.stringify(expected)}`, () => {
      assert.deepEqual(sizesOf(select(sf(sizes))?.files), expected);
    });
  }

  it('files older than the newest one being compacted are not candidates', () => {
    const files = sf([10, 10, 10, 10, 10, 10, 10]);
    const sel = select(files, { compacting: new Set(['f00', 'f02']) });
    assert.deepEqual(
      sel?.files.map((f) => f.name),
      ['f03', 'f04', 'f05', 'f06'],
    );
    assert.equal(sel?.isAllFiles, false);
  });

  it('candidates are ordered by sequence id whatever the input order', () => {
    const files = sf([100, 50, 23, 12, 12]).reverse();
    assert.deepEqual(sizesOf(select(files)?.files), [23, 12, 12]);
  });
});

describe('compaction policy: major compaction', () => {
  const majors: Array<[string, number[], number[]]> = [
    ['forced: everything', [50, 25, 12, 12], [50, 25, 12, 12]],
    ['forced: even fewer than minFiles', [12, 12], [12, 12]],
    ['forced: even files above maxCompactSize', [tooBig, 12, 12], [tooBig, 12, 12]],
  ];
  for (const [what, sizes, expected] of majors) {
    it(`${what}: ${JSON.stringify(sizes)} -> ${JSON.stringify(expected)}`, () => {
      const sel = select(sf(sizes), { forceMajor: true });
      assert.deepEqual(sizesOf(sel?.files), expected);
      assert.equal(sel?.isMajor, true);
      assert.equal(sel?.isAllFiles, true);
    });
  }

  it('forced by the system with maxFiles or more files: downgraded to a minor compaction', () => {
    const a = select(sf([7, 6, 5, 4, 3, 2, 1]), { forceMajor: true });
    assert.deepEqual(sizesOf(a?.files), [5, 4, 3, 2, 1]);
    assert.equal(a?.isMajor, false);
    const b = select(sf([100, 50, 23, 12, 12]), { forceMajor: true });
    assert.deepEqual(sizesOf(b?.files), [23, 12, 12]);
    assert.equal(b?.isMajor, false);
  });

  it('requested by a user: every file even beyond maxFiles', () => {
    const sel = select(sf([7, 6, 5, 4, 3, 2, 1]), { forceMajor: true, userRequested: true });
    assert.deepEqual(sizesOf(sel?.files), [7, 6, 5, 4, 3, 2, 1]);
    assert.equal(sel?.isMajor, true);
  });

  it('periodic: due once the oldest file is older than the period; downgraded with too many files', () => {
    const cfg = { ...HB, majorPeriodMs: 1, majorJitter: 0 };
    const aged = sf([50, 25, 12, 12], { createdMs: NOW - 2 });
    const sel = select(aged, {}, cfg);
    assert.deepEqual(sizesOf(sel?.files), [50, 25, 12, 12]);
    assert.equal(sel?.isMajor, true);
    assert.deepEqual(sizesOf(select(sf([100, 50, 23, 12, 12], { createdMs: NOW - 2 }), {}, cfg)?.files), [23, 12, 12]);
    // Not yet due: the ratio decides.
    assert.deepEqual(sizesOf(select(sf([50, 23, 12, 12], { createdMs: NOW - 2 }), {}, { ...HB, majorPeriodMs: DAY, majorJitter: 0 })?.files), [23, 12, 12]);
  });

  it('a lone major-compacted file is not compacted again unless its cells outlived the TTL', () => {
    const cfg = { ...HB, majorPeriodMs: DAY, majorJitter: 0 };
    const lone = (major: boolean, minTs: number): CandidateFile[] => [
      { name: 'f0', size: 10, maxSeqId: 1n, minTs: BigInt(minTs), createdMs: NOW - 2 * DAY, majorCompaction: major, isReference: false },
    ];
    assert.equal(shouldMajorCompact(lone(true, NOW - 3 * DAY), NOW, cfg), false);
    assert.equal(shouldMajorCompact(lone(true, NOW - 3 * DAY), NOW, { ...cfg, ttlMs: DAY }), true);
    assert.equal(shouldMajorCompact(lone(true, NOW - DAY / 2), NOW, { ...cfg, ttlMs: DAY }), false);
    assert.equal(shouldMajorCompact(lone(false, NOW - DAY / 2), NOW, cfg), false);
    assert.equal(shouldMajorCompact([...lone(true, NOW), ...sf([5])], NOW, cfg), true);
  });

  it('jitter: within ±jitter×period, stable per store without an injected Random, driven by an injected one', () => {
    const cfg = { ...HB, majorPeriodMs: 7 * DAY, majorJitter: 0.5 };
    const files = sf([10, 10]);
    const p1 = majorCompactionPeriodMs(files, cfg);
    assert.equal(majorCompactionPeriodMs(files, cfg), p1, 'the same store gets the same period on every check');
    const seen = new Set<number>();
    const random = new SeededRandom(42);
    for (let i = 0; i < 50; i++) {
      const p = majorCompactionPeriodMs(files, cfg, random);
      assert.ok(p >= 3.5 * DAY && p <= 10.5 * DAY, String(p));
      seen.add(p);
    }
    assert.ok(seen.size > 40, 'an injected Random varies the period');
    const other = sf([10, 10]).map((f, i) => ({ ...f, name: `other-${i}` }));
    assert.notEqual(majorCompactionPeriodMs(other, cfg), p1, 'another store (other file names) gets another jitter');
    assert.equal(majorCompactionPeriodMs(files, { ...cfg, majorPeriodMs: 0 }), 0);
    assert.equal(majorCompactionPeriodMs([], cfg), 0);
  });
});

describe('compaction policy: references (split daughters)', () => {
  it('a store with references compacts every candidate, ignoring ratio and size limits', () => {
    const sel = select(sf([100, 50, 25, 12, 12], { reference: true }));
    assert.deepEqual(sizesOf(sel?.files), [100, 50, 25, 12, 12]);
    assert.equal(sel?.afterSplit, true);
    assert.deepEqual(sizesOf(select(sf([tooBig, 12, 12], { reference: true }))?.files), [tooBig, 12, 12]);
  });

  it('references obey maxFiles; the oldest (the references) go first', () => {
    assert.deepEqual(sizesOf(select(sf([7, 6, 5, 4, 3, 2, 1], { reference: true }))?.files), [7, 6, 5, 4, 3]);
  });

  it('one reference among the daughter own flushes: it is compacted even when no ratio holds', () => {
    const d = storeOf('daughter');
    const parentFile = entryFor('00000001699999999000-0000000000000001', { size: 5000, maxSeqId: 10n });
    const m = {
      ...emptyManifest(d),
      references: [referenceTo(regionOf('parent'), 'cf', parentFile, 'top', NOW)],
      files: [entryFor('00000001700000000000-0000000000000002', { size: 10, maxSeqId: 20n })],
    };
    const files = candidatesOf(m);
    assert.deepEqual(
      files.map((f) => f.isReference),
      [true, false],
    );
    const sel = select(files);
    assert.equal(sel?.files.length, 2);
    assert.equal(sel?.afterSplit, true);
    assert.equal(sel?.isAllFiles, true);
    assert.equal(needsCompaction(files, new Set()), true);
  });
});

describe('compaction policy: backpressure and bookkeeping', () => {
  const store = (n: number, refs = 0) => {
    const parentFile = entryFor('00000001699999999000-0000000000000001');
    return {
      files: Array.from({ length: n }, (_, i) => entryFor(`0000000170000000000${i % 10}-${String(i).padStart(16, '0')}`)),
      references: Array.from({ length: refs }, () => referenceTo(regionOf('p'), 'cf', parentFile, 'top', NOW)),
    };
  };

  it('isBlocked: more than blockingStoreFiles (16 by default) files and references', () => {
    assert.equal(isBlocked(store(16)), false);
    assert.equal(isBlocked(store(17)), true);
    assert.equal(isBlocked(store(15, 2)), true);
    assert.equal(isBlocked(store(3), { blockingStoreFiles: 2 }), true);
    assert.equal(compactionPriority(store(4)), 12);
    assert.equal(compactionPriority(store(20)), -4);
  });

  it('needsCompaction: minFiles idle files, or any idle reference', () => {
    assert.equal(needsCompaction(sf([1, 1]), new Set(), HB), false);
    assert.equal(needsCompaction(sf([1, 1, 1]), new Set(), HB), true);
    assert.equal(needsCompaction(sf([1, 1, 1]), new Set(['f00']), HB), false);
    assert.equal(needsCompaction(sf([1], { reference: true }), new Set(), HB), true);
  });

  it('off-peak hours: plain and wrapping windows, disabled by default', () => {
    assert.equal(isOffPeakHour(3, -1, -1), false);
    assert.equal(isOffPeakHour(3, 1, 5), true);
    assert.equal(isOffPeakHour(5, 1, 5), false);
    assert.equal(isOffPeakHour(23, 22, 4), true);
    assert.equal(isOffPeakHour(2, 22, 4), true);
    assert.equal(isOffPeakHour(12, 22, 4), false);
  });
});
