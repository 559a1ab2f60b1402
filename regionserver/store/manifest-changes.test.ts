import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ErrorCodes, FencedError, InvalidError } from '../../common/errors.js';
import { storeManifestKey } from '../../common/paths.js';
import type { ApplyContext, ManifestChange } from './manifest-changes.js';
import { applyChange } from './manifest-changes.js';
import type { StoreFileEntry, StoreManifest } from './manifest.js';
import { emptyManifest, referenceName } from './manifest.js';
import { entryFor, keyAt, referenceTo, regionOf, storeOf } from './store-test-util.js';

const STORE = storeOf('a');
const NOW = 1_700_000_000_000;
const ME = { server: 'rs-1', epoch: 5 };
const ctx: ApplyContext = { writer: ME, nowMs: NOW, maxPublishAgeMs: 60_000, manifestKey: storeManifestKey(STORE) };

let counter = 0;
function fresh(o: Parameters<typeof entryFor>[1] = {}, createdMs = NOW - 1000): StoreFileEntry {
  counter++;
  return entryFor(`${String(createdMs).padStart(20, '0')}-${counter.toString(16).padStart(16, '0')}`, o);
}

function claimed(): StoreManifest {
  return applyChange(emptyManifest(STORE), { kind: 'claim', writer: ME }, ctx);
}

function refused(fn: () => unknown, mentions: string): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof InvalidError, String(e));
    assert.equal(e.code, ErrorCodes.INVALID_ARGUMENT);
    assert.ok(e.message.startsWith('refusing store manifest commit: '), e.message);
    assert.ok(e.message.includes(mentions), `expected "${mentions}" in: ${e.message}`);
    assert.ok(e.message.includes(storeManifestKey(STORE)), 'names the manifest key');
    return true;
  });
}

describe('manifest changes: what each change does', () => {
  it('claim, flush, compaction, drop-retired: generations advance by one and files move live -> retired -> gone', () => {
    let m = claimed();
    assert.equal(m.generation, 1);
    assert.deepEqual(m.writer, ME);
    const a = fresh({ maxSeqId: 10n });
    const b = fresh({ maxSeqId: 20n });
    m = applyChange(m, { kind: 'flush', files: [a], flushedSeqId: 10n }, ctx);
    m = applyChange(m, { kind: 'flush', files: [b], flushedSeqId: 25n }, ctx);
    assert.equal(m.generation, 3);
    assert.equal(m.flushedSeqId, 25n);
    const c = fresh({ maxSeqId: 20n, majorCompaction: true });
    m = applyChange(m, { kind: 'compaction', inputFiles: [a.name, b.name], inputReferences: [], outputs: [c] }, { ...ctx, nowMs: NOW + 5 });
    assert.deepEqual(
      m.files.map((f) => f.name),
      [c.name],
    );
    assert.deepEqual(
      m.retired.map((r) => [r.name, r.retiredMs, r.size]),
      [
        [a.name, NOW + 5, a.size],
        [b.name, NOW + 5, b.size],
      ],
    );
    m = applyChange(m, { kind: 'drop-retired', names: [a.name] }, ctx);
    assert.deepEqual(
      m.retired.map((r) => r.name),
      [b.name],
    );
    assert.equal(m.generation, 5);
    assert.equal(m.flushedSeqId, 25n);
  });

  it('a flush without files raises flushedSeqId only', () => {
    const m = applyChange(claimed(), { kind: 'flush', files: [], flushedSeqId: 99n }, ctx);
    assert.equal(m.flushedSeqId, 99n);
    assert.equal(m.files.length, 0);
  });

  it('a daughter is created with references, and compaction retires them', () => {
    const parentFile = fresh({ maxSeqId: 7n, size: 500 });
    const ref = referenceTo(regionOf('parent'), 'cf', parentFile, 'top', NOW);
    let m = applyChange(emptyManifest(STORE), { kind: 'create-with-references', references: [ref], flushedSeqId: 7n }, { ...ctx, writer: { server: 'splitter', epoch: 0 } });
    assert.equal(m.generation, 1);
    assert.equal(m.writer.epoch, 0);
    m = applyChange(m, { kind: 'claim', writer: ME }, ctx);
    const out = fresh({ maxSeqId: 7n });
    m = applyChange(m, { kind: 'compaction', inputFiles: [], inputReferences: [referenceName(ref)], outputs: [out] }, ctx);
    assert.equal(m.references.length, 0);
    assert.deepEqual(m.retired, [
      { name: referenceName(ref), retiredMs: NOW, size: 500, reference: { parentRegion: regionOf('parent'), parentFamily: 'cf', parentFile: parentFile.name } },
    ]);
  });
});

describe('manifest changes: invariants refuse bad commits', () => {
  const flushed = (): { m: StoreManifest; a: StoreFileEntry } => {
    const a = fresh({ maxSeqId: 10n });
    return { m: applyChange(claimed(), { kind: 'flush', files: [a], flushedSeqId: 10n }, ctx), a };
  };

  it('flushedSeqId never decreases', () => {
    const { m } = flushed();
    refused(() => applyChange(m, { kind: 'flush', files: [], flushedSeqId: 9n }, ctx), 'flushedSeqId would decrease');
  });

  it('a flushed file cannot hold edits above the new flushedSeqId', () => {
    refused(() => applyChange(claimed(), { kind: 'flush', files: [fresh({ maxSeqId: 11n })], flushedSeqId: 10n }, ctx), 'above the new flushedSeqId');
  });

  it('no file is both added and removed', () => {
    const { m, a } = flushed();
    refused(() => applyChange(m, { kind: 'compaction', inputFiles: [a.name], inputReferences: [], outputs: [a] }, ctx), 'both added and removed');
  });

  it('removed files must be live', () => {
    const { m } = flushed();
    refused(() => applyChange(m, { kind: 'compaction', inputFiles: [fresh().name], inputReferences: [], outputs: [] }, ctx), 'input file is not live');
    refused(() => applyChange(m, { kind: 'compaction', inputFiles: [], inputReferences: ['x.y'], outputs: [] }, ctx), 'input reference is not live');
    refused(() => applyChange(m, { kind: 'compaction', inputFiles: [], inputReferences: [], outputs: [] }, ctx), 'at least one input');
  });

  it('names are published once: live, retired and duplicate names are refused', () => {
    const { m, a } = flushed();
    refused(() => applyChange(m, { kind: 'flush', files: [a], flushedSeqId: 10n }, ctx), 'already known');
    const b = fresh({ maxSeqId: 5n });
    refused(() => applyChange(m, { kind: 'flush', files: [b, b], flushedSeqId: 10n }, ctx), 'already known');
    const c = applyChange(m, { kind: 'compaction', inputFiles: [a.name], inputReferences: [], outputs: [] }, ctx);
    refused(() => applyChange(c, { kind: 'flush', files: [a], flushedSeqId: 10n }, ctx), 'already known');
  });

  it('compaction outputs cannot be newer than their inputs, nor major without all inputs', () => {
    const { m, a } = flushed();
    refused(() => applyChange(m, { kind: 'compaction', inputFiles: [a.name], inputReferences: [], outputs: [fresh({ maxSeqId: 11n })] }, ctx), 'newer than any input');
    const b = fresh({ maxSeqId: 10n });
    const two = applyChange(m, { kind: 'flush', files: [b], flushedSeqId: 10n }, ctx);
    refused(
      () => applyChange(two, { kind: 'compaction', inputFiles: [a.name], inputReferences: [], outputs: [fresh({ maxSeqId: 10n, majorCompaction: true })] }, ctx),
      'marked major',
    );
  });

  it('a file too old to publish is refused (the orphan cleaner may be deleting it)', () => {
    refused(() => applyChange(claimed(), { kind: 'flush', files: [fresh({}, NOW - 60_001)], flushedSeqId: 1n }, ctx), 'too old to publish');
  });

  it('malformed entries are refused', () => {
    const bad: Array<[Partial<StoreFileEntry>, string]> = [
      [{ size: 0 }, 'size must be a positive integer'],
      [{ entries: 0 }, 'publish no file instead'],
      [{ minTs: 5n, maxTs: 4n }, 'minTs is after maxTs'],
      [{ firstKey: keyAt('z'), lastKey: keyAt('a') }, 'firstKey sorts after lastKey'],
      [{ firstKey: keyAt('aa'), lastKey: keyAt('b') }, ''],
      [{ firstKey: Buffer.from('row-a') }, 'not a KeyValue key'],
      [{ createdMs: NOW }, 'differs from the time in its name'],
      [{ name: 'not-a-store-file' }, 'not a store file name'],
    ];
    for (const [patch, mentions] of bad) {
      if (mentions === '') {
        // Row order, not byte order: 'aa' (row length 2) sorts before 'b' (row length 1).
        applyChange(claimed(), { kind: 'flush', files: [{ ...fresh(), ...patch }], flushedSeqId: 10n }, ctx);
        continue;
      }
      refused(() => applyChange(claimed(), { kind: 'flush', files: [{ ...fresh(), ...patch }], flushedSeqId: 10n }, ctx), mentions);
    }
  });

  it('only the claimed writer commits', () => {
    const { m } = flushed();
    refused(() => applyChange(m, { kind: 'flush', files: [], flushedSeqId: 11n }, { ...ctx, writer: { server: 'rs-2', epoch: 5 } }), 'has not claimed');
    refused(() => applyChange(emptyManifest(STORE), { kind: 'flush', files: [], flushedSeqId: 11n }, ctx), 'has not claimed');
  });

  it('a claim by an older owner is fenced; the same owner may claim again; a newer one takes over', () => {
    const m = claimed();
    const fenced = (change: ManifestChange) =>
      assert.throws(
        () => applyChange(m, change, ctx),
        (e: unknown) => e instanceof FencedError && e.code === ErrorCodes.FENCED,
      );
    fenced({ kind: 'claim', writer: { server: 'rs-0', epoch: 4 } });
    fenced({ kind: 'claim', writer: { server: 'rs-2', epoch: 5 } });
    assert.equal(applyChange(m, { kind: 'claim', writer: ME }, ctx).generation, 2);
    assert.deepEqual(applyChange(m, { kind: 'claim', writer: { server: 'rs-2', epoch: 6 } }, ctx).writer, { server: 'rs-2', epoch: 6 });
    refused(() => applyChange(m, { kind: 'claim', writer: { server: 'rs-2', epoch: 0 } }, ctx), 'epoch >= 1');
  });

  it('references are added only when the store is created, and are one level deep', () => {
    const parentFile = fresh({ maxSeqId: 7n });
    const ref = referenceTo(regionOf('parent'), 'cf', parentFile, 'bottom', NOW);
    const creator = { ...ctx, writer: { server: 'splitter', epoch: 0 } };
    refused(() => applyChange(claimed(), { kind: 'create-with-references', references: [ref], flushedSeqId: 7n }, creator), 'only be added when the store is created');
    refused(() => applyChange(emptyManifest(STORE), { kind: 'create-with-references', references: [ref], flushedSeqId: 7n }, ctx), 'writer epoch 0');
    refused(() => applyChange(emptyManifest(STORE), { kind: 'create-with-references', references: [ref], flushedSeqId: 6n }, creator), 'above flushedSeqId');
    refused(() => applyChange(emptyManifest(STORE), { kind: 'create-with-references', references: [{ ...ref, parentFamily: 'other' }], flushedSeqId: 7n }, creator), 'not the store');
    refused(() => applyChange(emptyManifest(STORE), { kind: 'create-with-references', references: [{ ...ref, parentRegion: STORE.region }], flushedSeqId: 7n }, creator), 'its own region');
    refused(() => applyChange(emptyManifest(STORE), { kind: 'create-with-references', references: [ref, ref], flushedSeqId: 7n }, creator), 'appears twice');
    const daughter = applyChange(applyChange(emptyManifest(STORE), { kind: 'create-with-references', references: [ref], flushedSeqId: 7n }, creator), { kind: 'claim', writer: ME }, ctx);
    refused(() => applyChange(daughter, { kind: 'record-daughters', daughters: [regionOf('x'), regionOf('y')] }, ctx), 'cannot be split');
  });

  it('a store with daughters is frozen; daughters are recorded once or cleared', () => {
    const { m, a } = flushed();
    const split = applyChange(m, { kind: 'record-daughters', daughters: [regionOf('x'), regionOf('y')] }, ctx);
    refused(() => applyChange(split, { kind: 'flush', files: [], flushedSeqId: 11n }, ctx), 'frozen');
    refused(() => applyChange(split, { kind: 'compaction', inputFiles: [a.name], inputReferences: [], outputs: [] }, ctx), 'frozen');
    refused(() => applyChange(split, { kind: 'record-daughters', daughters: [regionOf('z')] }, ctx), 'recorded once or cleared');
    assert.equal(applyChange(split, { kind: 'record-daughters', daughters: [] }, ctx).daughters.length, 0);
    refused(() => applyChange(m, { kind: 'record-daughters', daughters: ['nope'] }, ctx), 'not an encoded region name');
  });

  it('drop-retired only drops retired names', () => {
    const { m, a } = flushed();
    refused(() => applyChange(m, { kind: 'drop-retired', names: [a.name] }, ctx), 'not in the retired list');
    refused(() => applyChange(m, { kind: 'drop-retired', names: [] }, ctx), 'not empty');
  });
});
