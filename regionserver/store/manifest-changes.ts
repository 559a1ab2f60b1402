// Changes to a store manifest and the invariants checked before each is written
// (docs/rfcs/0002-store-manifest.md, "Invariants"). Pure: applyChange computes the next
// generation from the current one, or refuses. The checks that need the object store (the
// new files exist) are in store-manifest.ts, which runs both before every compare-and-swap.
//
// A refused change is an InvalidError (TSB_INVALID_ARGUMENT): the caller's view or request is
// wrong and writing it would lose data or leak files. A claim by an older owner is a
// FencedError (TSB_FENCED).

import { FencedError, InvalidError } from '../../common/errors.js';
import { isEncodedRegionName } from '../../common/paths.js';
import type { ReferenceEntry, RetiredEntry, StoreFileEntry, StoreManifest, WriterIdentity } from './manifest.js';
import { fileEntryProblem, manifestProblem, referenceName } from './manifest.js';

export type ManifestChange =
  /** Take ownership of the store (store-manifest.ts does this on open). */
  | { readonly kind: 'claim'; readonly writer: WriterIdentity }
  /** Publish the files of a flush and raise flushedSeqId (files may be empty: nothing to flush in this family). */
  | { readonly kind: 'flush'; readonly files: readonly StoreFileEntry[]; readonly flushedSeqId: bigint }
  /**
   * Replace compacted inputs (files by name, references by referenceName) with the outputs
   * (none if every cell was dropped). Inputs move to the retired list.
   */
  | {
      readonly kind: 'compaction';
      readonly inputFiles: readonly string[];
      readonly inputReferences: readonly string[];
      readonly outputs: readonly StoreFileEntry[];
    }
  /** Create a split (or merge) daughter's store holding references to its parents' files. */
  | { readonly kind: 'create-with-references'; readonly references: readonly ReferenceEntry[]; readonly flushedSeqId: bigint }
  /** Record the regions a split or merge makes from this one ([] rolls a split back). */
  | { readonly kind: 'record-daughters'; readonly daughters: readonly string[] }
  /** Forget retired entries whose objects the cleaner deleted. */
  | { readonly kind: 'drop-retired'; readonly names: readonly string[] };

export interface ApplyContext {
  /** The identity writing this generation. */
  readonly writer: WriterIdentity;
  /** Wall-clock time of the commit (ms). */
  readonly nowMs: number;
  /** Largest age of a file being published (ms since the time in its name); see StoreCleaner's orphan grace. */
  readonly maxPublishAgeMs: number;
  /** For error messages. */
  readonly manifestKey: string;
}

/** The entries a change publishes for the first time (they must exist in the object store). */
export function newFilesOf(change: ManifestChange): readonly StoreFileEntry[] {
  if (change.kind === 'flush') return change.files;
  if (change.kind === 'compaction') return change.outputs;
  return [];
}

/** Daughters a change removes from `prev` (their manifests must not exist). */
export function removedDaughtersOf(prev: StoreManifest, change: ManifestChange): string[] {
  if (change.kind !== 'record-daughters') return [];
  return prev.daughters.filter((d) => !change.daughters.includes(d));
}

function refuser(ctx: ApplyContext, prev: StoreManifest, change: ManifestChange) {
  return (reason: string, details: Record<string, string | number | bigint> = {}): InvalidError =>
    new InvalidError(`refusing store manifest commit: ${reason}`, {
      details: { key: ctx.manifestKey, change: change.kind, generation: prev.generation, ...details },
    });
}

/**
 * The manifest after `change`, or a refusal. REQUIRES: `prev` is the latest generation this
 * process knows (the caller serializes commits of one store). Throws InvalidError for a change
 * that breaks an invariant, FencedError for a claim by an owner older than the current one.
 */
export function applyChange(prev: StoreManifest, change: ManifestChange, ctx: ApplyContext): StoreManifest {
  const refuse = refuser(ctx, prev, change);
  const live = new Set(prev.files.map((f) => f.name));
  const liveRefs = new Map(prev.references.map((r) => [referenceName(r), r]));
  const retired = new Set(prev.retired.map((r) => r.name));

  // Every file published for the first time: well formed, never seen before, young enough.
  const checkNewFiles = (files: readonly StoreFileEntry[]): void => {
    const seen = new Set<string>();
    for (const f of files) {
      const p = fileEntryProblem(f);
      if (p !== undefined) throw refuse(p, { file: f.name });
      // Why: a name is published once. Re-adding a live name would list one object twice;
      // re-adding a retired name would let the cleaner delete a file that is live again.
      if (live.has(f.name) || retired.has(f.name) || seen.has(f.name)) throw refuse('file name is already known to the store', { file: f.name });
      seen.add(f.name);
      // Why: the cleaner deletes unpublished files once they are older than its grace period;
      // publishing an older file could race with its deletion and publish a missing object.
      if (ctx.nowMs - f.createdMs > ctx.maxPublishAgeMs) {
        throw refuse('file is too old to publish (the orphan cleaner may be deleting it); write it again', {
          file: f.name,
          ageMs: ctx.nowMs - f.createdMs,
          maxPublishAgeMs: ctx.maxPublishAgeMs,
        });
      }
    }
  };
  // Why: only the process that claimed the store writes it. A different identity here means
  // two owners share one tracker, or a commit was attempted before claim().
  const checkOwner = (): void => {
    if (prev.writer.server !== ctx.writer.server || prev.writer.epoch !== ctx.writer.epoch || prev.generation === 0) {
      throw refuse('this writer has not claimed the store', { writer: ctx.writer.server, owner: prev.writer.server, ownerEpoch: prev.writer.epoch });
    }
  };
  // Why: a split's daughters were made from the file list as it was at the split; a store
  // with daughters is frozen (new files would be in no daughter, removed ones still referenced).
  const checkNotFrozen = (): void => {
    if (prev.daughters.length > 0) throw refuse('the store was split (it has daughters) and is frozen', { daughters: prev.daughters.join(',') });
  };

  let next: StoreManifest;
  switch (change.kind) {
    case 'claim': {
      const w = change.writer;
      if (w.server === '' || !Number.isSafeInteger(w.epoch) || w.epoch < 1) throw refuse('a claim needs a server name and an epoch >= 1', { epoch: w.epoch });
      // Why: epochs grow with every assignment of the region. An owner with a lower epoch (or
      // the same epoch under another name) was assigned before the current owner: it is a
      // zombie and must not take the store back.
      const older = w.epoch < prev.writer.epoch || (w.epoch === prev.writer.epoch && w.server !== prev.writer.server);
      if (older) {
        throw new FencedError('store is owned by a newer writer: this owner must stop', {
          details: { key: ctx.manifestKey, server: w.server, epoch: w.epoch, owner: prev.writer.server, ownerEpoch: prev.writer.epoch },
        });
      }
      next = { ...prev, writer: w };
      break;
    }
    case 'flush': {
      checkOwner();
      checkNotFrozen();
      // Why: replay starts above flushedSeqId. A smaller value than the stored one means this
      // writer did not see a flush another writer made: its view is stale.
      if (change.flushedSeqId < prev.flushedSeqId) throw refuse('flushedSeqId would decrease', { from: prev.flushedSeqId, to: change.flushedSeqId });
      checkNewFiles(change.files);
      for (const f of change.files) {
        // Why: a file with edits above flushedSeqId would have them replayed again on open and
        // means the flush computed its boundary wrongly.
        if (f.maxSeqId > change.flushedSeqId) throw refuse('file holds edits above the new flushedSeqId', { file: f.name, maxSeqId: f.maxSeqId });
      }
      next = { ...prev, files: [...prev.files, ...change.files], flushedSeqId: change.flushedSeqId };
      break;
    }
    case 'compaction': {
      checkOwner();
      checkNotFrozen();
      // Why: a compaction with no inputs would be a flush that skips the seq id checks.
      if (change.inputFiles.length + change.inputReferences.length === 0) throw refuse('a compaction needs at least one input');
      const inFiles = new Set(change.inputFiles);
      const inRefs = new Set(change.inputReferences);
      if (inFiles.size !== change.inputFiles.length || inRefs.size !== change.inputReferences.length) throw refuse('an input is listed twice');
      let inputMaxSeq = 0n;
      const newlyRetired: RetiredEntry[] = [];
      for (const name of change.inputFiles) {
        const f = prev.files.find((x) => x.name === name);
        // Why: removing a file the manifest does not list means the compaction read another
        // store or a stale view; its output could drop or resurrect cells.
        if (f === undefined) throw refuse('input file is not live in the store', { file: name });
        if (f.maxSeqId > inputMaxSeq) inputMaxSeq = f.maxSeqId;
        newlyRetired.push({ name, retiredMs: ctx.nowMs, size: f.size });
      }
      for (const name of change.inputReferences) {
        const r = liveRefs.get(name);
        // Why: as for files; and a reference dropped twice would be retired twice.
        if (r === undefined) throw refuse('input reference is not live in the store', { reference: name });
        if (r.parentFile.maxSeqId > inputMaxSeq) inputMaxSeq = r.parentFile.maxSeqId;
        newlyRetired.push({
          name,
          retiredMs: ctx.nowMs,
          size: r.parentFile.size,
          reference: { parentRegion: r.parentRegion, parentFamily: r.parentFamily, parentFile: r.parentFile.name },
        });
      }
      for (const o of change.outputs) {
        // Why: a compaction never outputs one of its inputs; a name both added and removed is
        // an ambiguous change that would retire (and later delete) a live file.
        if (inFiles.has(o.name) || inRefs.has(o.name)) throw refuse('a file is both added and removed', { file: o.name });
      }
      checkNewFiles(change.outputs);
      const allInputs = inFiles.size === prev.files.length && inRefs.size === prev.references.length;
      for (const o of change.outputs) {
        // Why: a compaction only rewrites cells of its inputs; a higher seq id means it read
        // cells from elsewhere (or the wrong inputs are named).
        if (o.maxSeqId > inputMaxSeq) throw refuse('output holds edits newer than any input', { file: o.name, maxSeqId: o.maxSeqId, inputMaxSeqId: inputMaxSeq });
        // Why: a major-compacted file promises no delete markers or excess versions remain
        // below it; only a compaction of every file of the store can keep that promise.
        if (o.majorCompaction && !allInputs) throw refuse('output is marked major but the inputs are not all of the store', { file: o.name });
      }
      next = {
        ...prev,
        files: [...prev.files.filter((f) => !inFiles.has(f.name)), ...change.outputs],
        references: prev.references.filter((r) => !inRefs.has(referenceName(r))),
        retired: [...prev.retired, ...newlyRetired],
      };
      break;
    }
    case 'create-with-references': {
      // Why: the janitor releases a parent once no daughter manifest refers to it; a reference
      // added to an existing store could point at files the janitor already deleted.
      if (prev.generation !== 0) throw refuse('references can only be added when the store is created');
      // Why: creating a daughter is not ownership; epoch 0 lets the daughter's first owner claim it.
      if (ctx.writer.epoch !== 0) throw refuse('a daughter store is created with writer epoch 0', { epoch: ctx.writer.epoch });
      for (const r of change.references) {
        // Why: a file a reference reads must have been flushed; flushedSeqId covers it.
        if (r.parentFile.maxSeqId > change.flushedSeqId) throw refuse('referenced file holds edits above flushedSeqId', { file: r.parentFile.name });
      }
      next = { ...prev, writer: ctx.writer, references: [...change.references], flushedSeqId: change.flushedSeqId };
      break;
    }
    case 'record-daughters': {
      checkOwner();
      // Why: references are one level deep. The janitor finds every referrer of a file through
      // its owner's daughters list; a daughter of a store holding references would refer to
      // files of a grandparent whose daughters list does not name it.
      if (prev.references.length > 0) throw refuse('a store holding references cannot be split; compact it first', { references: prev.references.length });
      for (const d of change.daughters) if (!isEncodedRegionName(d)) throw refuse('daughter is not an encoded region name', { daughter: d });
      const same = change.daughters.length === prev.daughters.length && change.daughters.every((d) => prev.daughters.includes(d));
      // Why: daughters may already hold references; replacing one set by another would hide a
      // referrer from the cleaner. Only record (from none) or roll back (to none) is allowed.
      if (!same && prev.daughters.length > 0 && change.daughters.length > 0) throw refuse('daughters can only be recorded once or cleared', { daughters: prev.daughters.join(',') });
      next = { ...prev, daughters: [...change.daughters] };
      break;
    }
    case 'drop-retired': {
      checkOwner();
      const names = new Set(change.names);
      if (names.size !== change.names.length || names.size === 0) throw refuse('names must be distinct and not empty');
      // Why: dropping a name that is not retired would mean the cleaner worked from another
      // view of the store (it deleted something this manifest does not know is deletable).
      for (const n of names) if (!retired.has(n)) throw refuse('name is not in the retired list', { file: n });
      next = { ...prev, retired: prev.retired.filter((r) => !names.has(r.name)) };
      break;
    }
  }
  return checkTransition(prev, { ...next, generation: prev.generation + 1, updatedMs: ctx.nowMs }, ctx, change);
}

/**
 * Checks every invariant between two consecutive generations; returns `next`. Run on every
 * change (applyChange calls it last).
 */
export function checkTransition(prev: StoreManifest, next: StoreManifest, ctx: ApplyContext, change: ManifestChange): StoreManifest {
  const refuse = refuser(ctx, prev, change);
  // Why: generations order manifests for readers, the cleaner and debugging; a gap or a repeat
  // means two writers interleaved.
  if (next.generation !== prev.generation + 1) throw refuse('generation must increase by one', { next: next.generation });
  // Why: replay starts above flushedSeqId; lowering it would make an opener replay edits that
  // later flushes may already have superseded, and signals a stale writer.
  if (next.flushedSeqId < prev.flushedSeqId) throw refuse('flushedSeqId would decrease', { from: prev.flushedSeqId, to: next.flushedSeqId });
  // Why: a manifest must always describe the same store (it is read back from this key).
  const s = next.store;
  const p = prev.store;
  if (s.namespace !== p.namespace || s.table !== p.table || s.region !== p.region || s.family !== p.family) throw refuse('the store identity changed');
  // Why: a file leaves the live set only through a compaction, which retires it; any other
  // disappearance would leak it past the cleaner or lose its cells.
  const nextNames = new Set([...next.files.map((f) => f.name), ...next.references.map(referenceName), ...next.retired.map((r) => r.name)]);
  for (const f of prev.files) if (!nextNames.has(f.name)) throw refuse('a live file disappeared without being retired', { file: f.name });
  for (const r of prev.references) if (!nextNames.has(referenceName(r))) throw refuse('a reference disappeared without being retired', { reference: referenceName(r) });
  // Why: the manifest must decode again; a structurally broken document would be read back as
  // corruption and make the store unopenable.
  const problem = manifestProblem(next);
  if (problem !== undefined) throw refuse(problem);
  return next;
}
