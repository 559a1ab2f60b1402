// The store file tracker: reads a store's manifest and changes it by compare-and-swap
// (docs/rfcs/0002-store-manifest.md). Never lists, never renames: the manifest object is the
// only record of which files make up the store.
//
// Protocol of an owner (the region server that opened the region):
//   1. ManifestStore.open: load the manifest (missing = a new, empty store) and CLAIM it — a
//      CAS that writes this owner's identity and epoch. From then on any older owner's CAS
//      fails. Replay WAL / recovered edits above `current.manifest.flushedSeqId` only after
//      open returned (a zombie's last flush may have raised it just before the claim).
//   2. commit(change): check invariants (manifest-changes.ts), HEAD every new file, then PUT
//      with If-Match of the etag this process wrote last. A lost CAS means another owner wrote
//      the manifest: FencedError (TSB_FENCED), and every later call fails the same way.
//
// Thread safety: commits of one ManifestStore run one at a time in call order (an async
// mutex); `current` may be read at any time and is replaced only after a successful CAS.
// Use ONE ManifestStore per store per process: two would fence each other.

import type { Clock } from '../../common/clock.js';
import { systemClock } from '../../common/clock.js';
import { ConflictError, ErrorCodes, FencedError, InvalidError, NotFoundError, UnavailableError } from '../../common/errors.js';
import { KeyedMutex } from '../../common/objectstore/key-lock.js';
import type { ObjectStore } from '../../common/objectstore/object-store.js';
import type { StoreId } from '../../common/paths.js';
import { storeFileKey, storeManifestKey, validateStoreId } from '../../common/paths.js';
import type { ApplyContext, ManifestChange } from './manifest-changes.js';
import { applyChange, newFilesOf, removedDaughtersOf } from './manifest-changes.js';
import { decodeManifest, encodeManifest } from './manifest-codec.js';
import type { ReferenceEntry, StoreManifest, WriterIdentity } from './manifest.js';
import { emptyManifest } from './manifest.js';

/** Default largest age of a file at publication: 3 h. The cleaner's orphan grace must be at least twice this. */
export const DEFAULT_MAX_PUBLISH_AGE_MS = 3 * 60 * 60 * 1000;

export interface LoadedManifest {
  readonly manifest: StoreManifest;
  /** Etag of the stored object; undefined when the manifest does not exist yet (generation 0). */
  readonly etag: string | undefined;
}

export interface ManifestStoreOptions {
  readonly clock?: Clock;
  /** Refuse to publish files older than this (ms, from the time in their name). Default DEFAULT_MAX_PUBLISH_AGE_MS. */
  readonly maxPublishAgeMs?: number;
  /** Claim attempts when other writers keep changing the manifest (default 10). */
  readonly claimAttempts?: number;
}

/**
 * Reads `store`'s manifest without taking ownership. A missing manifest is the empty
 * manifest of a new store (generation 0, etag undefined). May run concurrently with anything.
 * Throws CorruptionError (TSB_CORRUPTION) naming the key if the object is damaged or belongs
 * to another store; UnavailableError if the object store fails.
 */
export async function loadManifest(objectStore: ObjectStore, store: StoreId): Promise<LoadedManifest> {
  validateStoreId(store);
  const key = storeManifestKey(store);
  try {
    const got = await objectStore.get(key);
    return { manifest: decodeManifest(key, got.body, store), etag: got.etag };
  } catch (e) {
    if (e instanceof NotFoundError) return { manifest: emptyManifest(store), etag: undefined };
    throw e;
  }
}

/**
 * Creates the manifest of a split (or merge) daughter's store holding `references` (create-if-
 * absent). `creator` names the process doing the split; the manifest has writer epoch 0, so
 * the daughter's first owner can claim it. `flushedSeqId`: the parent's. May run concurrently
 * with anything. Throws ConflictError (TSB_ALREADY_EXISTS) if the store already exists
 * (load it to see whether an earlier attempt of the same split created it), InvalidError if a
 * reference is malformed.
 */
export async function createDaughterManifest(
  objectStore: ObjectStore,
  store: StoreId,
  creator: string,
  references: readonly ReferenceEntry[],
  flushedSeqId: bigint,
  opts: { readonly clock?: Clock } = {},
): Promise<LoadedManifest> {
  validateStoreId(store);
  const key = storeManifestKey(store);
  const ctx: ApplyContext = { writer: { server: creator, epoch: 0 }, nowMs: (opts.clock ?? systemClock).nowMs(), maxPublishAgeMs: 0, manifestKey: key };
  const next = applyChange(emptyManifest(store), { kind: 'create-with-references', references, flushedSeqId }, ctx);
  const { etag } = await objectStore.put(key, encodeManifest(next), { ifNoneMatch: '*' });
  return { manifest: next, etag };
}

export class ManifestStore {
  readonly key: string;
  readonly maxPublishAgeMs: number;
  private state: LoadedManifest;
  /** Set once this owner can no longer write (fenced, closed, or unknown state). */
  private stopped: FencedError | undefined;
  private readonly mutex = new KeyedMutex();
  private readonly clock: Clock;

  private constructor(
    private readonly objectStore: ObjectStore,
    readonly store: StoreId,
    readonly writer: WriterIdentity,
    loaded: LoadedManifest,
    opts: ManifestStoreOptions,
  ) {
    this.key = storeManifestKey(store);
    this.state = loaded;
    this.clock = opts.clock ?? systemClock;
    this.maxPublishAgeMs = opts.maxPublishAgeMs ?? DEFAULT_MAX_PUBLISH_AGE_MS;
  }

  /**
   * Loads `store`'s manifest and claims it for `writer` (creating it if missing). `epoch`:
   * the ownership epoch the assignment gave this open of the region — it must exceed the
   * stored one (the same server may re-claim its own epoch); omitted, it is the stored epoch
   * + 1. Throws FencedError (TSB_FENCED) if a newer owner holds the store, CorruptionError if
   * the manifest is damaged, ConflictError if other writers kept changing it for every
   * attempt, UnavailableError if the object store fails.
   */
  static async open(
    objectStore: ObjectStore,
    store: StoreId,
    writer: { readonly server: string; readonly epoch?: number },
    opts: ManifestStoreOptions = {},
  ): Promise<ManifestStore> {
    const clock = opts.clock ?? systemClock;
    const key = storeManifestKey(store);
    const attempts = Math.max(1, opts.claimAttempts ?? 10);
    let lastConflict: unknown;
    for (let attempt = 0; attempt < attempts; attempt++) {
      const loaded = await loadManifest(objectStore, store);
      const identity: WriterIdentity = { server: writer.server, epoch: writer.epoch ?? loaded.manifest.writer.epoch + 1 };
      const ctx: ApplyContext = { writer: identity, nowMs: clock.nowMs(), maxPublishAgeMs: 0, manifestKey: key };
      const next = applyChange(loaded.manifest, { kind: 'claim', writer: identity }, ctx);
      try {
        const { etag } = await objectStore.put(key, encodeManifest(next), loaded.etag === undefined ? { ifNoneMatch: '*' } : { ifMatch: loaded.etag });
        return new ManifestStore(objectStore, store, identity, { manifest: next, etag }, opts);
      } catch (e) {
        if (!(e instanceof ConflictError)) throw e;
        lastConflict = e; // someone wrote between our read and our claim: read again and decide again
      }
    }
    throw new ConflictError('could not claim the store manifest: it changed on every attempt', { details: { key, attempts }, cause: lastConflict });
  }

  /** The latest manifest this owner wrote (or claimed) and its etag. */
  get current(): LoadedManifest {
    return this.state;
  }

  /** Object key of one of this store's files. */
  fileKey(name: string): string {
    return storeFileKey(this.store, name);
  }

  /**
   * Applies `change` and writes the next generation with compare-and-swap. Commits run one at
   * a time in call order. `expectedEtag`: if given, the commit is refused (ConflictError
   * TSB_PRECONDITION_FAILED, nothing written) unless it is the current etag — for a caller
   * that decided on a view it read earlier.
   *
   * Throws: InvalidError (TSB_INVALID_ARGUMENT) if the change breaks an invariant or a new
   * file is missing from the object store (nothing written); FencedError (TSB_FENCED) if
   * another writer changed the manifest (this owner must stop; later calls fail the same way);
   * UnavailableError if the object store failed and the manifest is verifiably unchanged (the
   * commit may be retried); FencedError (TSB_CLOSED) if the store was closed or the outcome of
   * a failed write cannot be determined (reopen the region to learn the truth).
   */
  async commit(change: ManifestChange, expectedEtag?: string): Promise<LoadedManifest> {
    return this.mutex.run('commit', async () => {
      if (this.stopped !== undefined) throw this.stopped;
      if (change.kind === 'claim' || change.kind === 'create-with-references') {
        throw new InvalidError('claim and create-with-references are not commits of an open store; use ManifestStore.open / createDaughterManifest', { details: { key: this.key } });
      }
      const cur = this.state;
      if (expectedEtag !== undefined && expectedEtag !== cur.etag) {
        throw new ConflictError('store manifest changed since the caller read it; decide again on `current`', {
          details: { key: this.key, expected: expectedEtag, actual: cur.etag ?? 'absent' },
        });
      }
      const ctx: ApplyContext = { writer: this.writer, nowMs: this.clock.nowMs(), maxPublishAgeMs: this.maxPublishAgeMs, manifestKey: this.key };
      const next = applyChange(cur.manifest, change, ctx);
      await this.checkObjects(cur.manifest, change);
      const body = encodeManifest(next);
      let etag: string;
      try {
        ({ etag } = await this.objectStore.put(this.key, body, cur.etag === undefined ? { ifNoneMatch: '*' } : { ifMatch: cur.etag }));
      } catch (e) {
        if (e instanceof ConflictError) throw await this.fence(e, cur);
        etag = await this.resolveFailedWrite(e, cur, body);
      }
      this.state = { manifest: next, etag };
      return this.state;
    });
  }

  /** Stops this owner: later commits fail with FencedError (TSB_CLOSED). Waits for a running commit. */
  async close(): Promise<void> {
    await this.mutex.run('commit', async () => {
      this.stopped ??= new FencedError('store manifest tracker is closed', { code: ErrorCodes.CLOSED, details: { key: this.key } });
    });
  }

  /** The invariants that need the object store, checked before the CAS. */
  private async checkObjects(prev: StoreManifest, change: ManifestChange): Promise<void> {
    const refuse = (reason: string, details: Record<string, string | number>): InvalidError =>
      new InvalidError(`refusing store manifest commit: ${reason}`, { details: { key: this.key, change: change.kind, generation: prev.generation, ...details } });
    await Promise.all(
      newFilesOf(change).map(async (f) => {
        const meta = await this.objectStore.head(this.fileKey(f.name));
        // Why: publishing a missing object makes every later read and open of the store fail;
        // a different size means a partial or foreign object under the name.
        if (meta === undefined) throw refuse('new file does not exist in the object store', { file: f.name });
        if (meta.size !== f.size) throw refuse('new file size differs from its entry', { file: f.name, stored: meta.size, entry: f.size });
      }),
    );
    await Promise.all(
      removedDaughtersOf(prev, change).map(async (d) => {
        const key = storeManifestKey({ ...this.store, region: d });
        // Why: a daughter whose store exists may hold references to this store's files;
        // forgetting it would let the cleaner and janitor delete files it still reads.
        if ((await this.objectStore.head(key)) !== undefined) throw refuse('daughter store still exists; delete it before rolling the split back', { daughter: d });
      }),
    );
  }

  /** A lost CAS: someone else wrote. Records and returns the FencedError. */
  private async fence(cause: unknown, cur: LoadedManifest): Promise<FencedError> {
    let owner: WriterIdentity | undefined;
    try {
      owner = (await loadManifest(this.objectStore, this.store)).manifest.writer;
    } catch {
      owner = undefined; // best effort: the error is the same without it
    }
    this.stopped = new FencedError('store manifest was changed by another writer: this owner is fenced and must stop', {
      cause,
      details: { key: this.key, expected: cur.etag ?? 'absent', server: this.writer.server, epoch: this.writer.epoch, owner: owner?.server, ownerEpoch: owner?.epoch },
    });
    return this.stopped;
  }

  /**
   * A write failed without a verdict (timeout, 5xx, lost acknowledgement): re-read to learn
   * whether it was applied. Returns the etag if it was; throws `err` if the manifest is
   * verifiably unchanged; otherwise stops this owner.
   */
  private async resolveFailedWrite(err: unknown, cur: LoadedManifest, body: Buffer): Promise<string> {
    let got: { body: Buffer; etag: string } | undefined;
    try {
      got = await this.objectStore.get(this.key);
    } catch (e) {
      if (!(e instanceof NotFoundError)) {
        this.stopped = new FencedError('store manifest state is unknown after a failed write; reopen the region', {
          code: ErrorCodes.CLOSED,
          cause: err,
          details: { key: this.key, readError: e instanceof Error ? e.message : String(e) },
        });
        throw this.stopped;
      }
    }
    if (got !== undefined && got.etag === cur.etag) {
      if (err instanceof UnavailableError) throw err;
      throw new UnavailableError('store manifest write failed and was not applied; the commit may be retried', { cause: err, details: { key: this.key } });
    }
    if (got !== undefined && got.body.equals(body)) return got.etag;
    throw await this.fence(err, cur);
  }
}
