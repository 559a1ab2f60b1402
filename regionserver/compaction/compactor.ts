// Compacts a selection of one Store's files (docs/rfcs/0004-compaction-and-split.md):
//
//   1. read every input object whole (a reference reads its parent's file; the half is applied
//      by the merge), on the event loop — I/O only;
//   2. merge + encode in the runner (a worker thread in a server): CompactionScanner in
//      'minor' or 'major' mode → HFileWriter with the family's options, MAX_SEQ_ID = max of
//      the inputs';
//   3. upload the output under a fresh name, throttled by the server's ThroughputController —
//      invisible until step 5;
//   4. open it back (trailer, index, FileInfo): a damaged upload is never published;
//   5. manifest CAS {kind: 'compaction'}: inputs → retired (the StoreCleaner deletes them after
//      its TTL, so scanners still reading them finish), output → live; references in the
//      selection are dropped, their rows now being in a real file of this store;
//   6. swap the readers in the Store (Store.replaceFiles) in one synchronous step.
//
// A crash or error before 5 leaves the manifest unchanged (the upload is an orphan for the
// cleaner); after 5 the compaction is done. Reads are the same before and after: the
// matcher drops only what no read could return.
//
// Thread safety: one compaction per store at a time (the scheduler ensures it); may run
// concurrently with flushes and reads of the same store.

import type { Clock } from '../../common/clock.js';
import { systemClock } from '../../common/clock.js';
import { InternalError, InvalidError } from '../../common/errors.js';
import type { ObjectStore } from '../../common/objectstore/object-store.js';
import type { Random } from '../../common/random.js';
import { systemRandom } from '../../common/random.js';
import type { BlockCacheLike } from '../hfile/block-cache-like.js';
import type { Store } from '../region/store.js';
import type { StoreFile } from '../region/store-file.js';
import { openHFile, storeFileEntryOf } from '../region/store-file.js';
import { ttlMs } from '../region/column-family.js';
import type { StoreFileEntry } from '../store/manifest.js';
import { newStoreFileName } from '../store/manifest.js';
import type { CompactionBatch, CompactionInput, CompactionJob } from './compaction-core.js';
import type { CompactionRunner } from './compaction-runner.js';
import { inlineRunner } from './compaction-runner.js';
import type { ThroughputController } from './throughput-controller.js';

export type CompactionStep = 'inputs-read' | 'uploaded' | 'committed';

export interface CompactorOptions {
  readonly objectStore: ObjectStore;
  readonly clock?: Clock;
  readonly random?: Random;
  /** Default inlineRunner; servers pass a WorkerRunner. */
  readonly runner?: CompactionRunner;
  readonly throttle?: ThroughputController;
  /** The cache the output's reader uses (the store's). */
  readonly cache?: BlockCacheLike;
  /** Test hook, awaited at each step (crash tests stop the process here). */
  readonly onStep?: (step: CompactionStep) => void | Promise<void>;
}

export interface CompactionRequest {
  /** Names as the manifest knows them: file names, or referenceName() of references. */
  readonly files: readonly string[];
  /** 'major' drops delete markers: only allowed when `files` is every file of the store. */
  readonly kind: 'minor' | 'major';
}

export interface CompactionResult {
  readonly inputs: readonly string[];
  /** Undefined when every input cell was dropped. */
  readonly output: StoreFileEntry | undefined;
  readonly bytesRead: number;
  readonly bytesWritten: number;
}

/**
 * Compacts `req.files` of `store` into one file (or none). REQUIRES: no other compaction of
 * this store runs; every name is open in the store. Throws InvalidError for an unknown name,
 * an empty selection or a 'major' request that is not every file; FencedError if the store's
 * manifest is fenced or closed (region moved/closed: the output is left for the cleaner);
 * UnavailableError (object store), CorruptionError (a damaged input or output), InternalError
 * (worker failure). On any throw the store is unchanged.
 */
export async function compactStore(store: Store, req: CompactionRequest, opts: CompactorOptions): Promise<CompactionResult> {
  const clock = opts.clock ?? systemClock;
  const random = opts.random ?? systemRandom;
  const runner = opts.runner ?? inlineRunner;
  const family = store.family;
  if (req.files.length === 0) throw new InvalidError('empty compaction selection', { details: { family: family.name } });
  const byName = new Map(store.files.map((f) => [f.name, f] as const));
  const selected: StoreFile[] = [];
  for (const n of req.files) {
    const f = byName.get(n);
    if (f === undefined) throw new InvalidError('compaction input is not a file of the store', { details: { family: family.name, file: n } });
    selected.push(f);
  }
  if (req.kind === 'major' && selected.length !== store.files.length) {
    throw new InvalidError('a major compaction must include every file of the store', { details: { family: family.name, selected: selected.length, files: store.files.length } });
  }

  // 1. Inputs.
  const inputs: CompactionInput[] = [];
  let bytesRead = 0;
  let maxSeqId = 0n;
  let earliestTs: bigint | undefined;
  for (const f of selected) {
    const body = (await opts.objectStore.get(f.key)).body;
    bytesRead += body.length;
    const bytes = new Uint8Array(body.length); // owns its ArrayBuffer: transferable
    bytes.set(body);
    inputs.push({ name: f.key, bytes, ...(f.reference === undefined ? {} : { half: f.reference.half, splitRow: new Uint8Array(f.reference.splitRow) }) });
    if (f.entry.maxSeqId > maxSeqId) maxSeqId = f.entry.maxSeqId;
    if (earliestTs === undefined || f.entry.minTs < earliestTs) earliestTs = f.entry.minTs;
  }
  await opts.onStep?.('inputs-read');

  // 2-3. Merge + encode in the runner; upload as it comes.
  const name = newStoreFileName(clock, random);
  const key = store.manifest.fileKey(name);
  const job: CompactionJob = {
    inputs,
    family: family.name,
    readOptions: { maxVersions: family.maxVersions, minVersions: family.minVersions, ttlMs: ttlMs(family), keepDeletedCells: family.keepDeletedCells },
    kind: req.kind,
    nowMs: clock.nowMs(),
    earliestPutTs: req.kind === 'major' ? earliestTs : undefined,
    maxSeqId,
    outputName: key,
    blockSize: family.blockSize,
    encoding: family.dataBlockEncoding,
    compression: family.compression,
    bloomType: family.bloomFilter,
  };
  const batches = runner.run(job)[Symbol.asyncIterator]();
  try {
    return await publish(store, req, opts, selected, name, key, batches, bytesRead);
  } finally {
    // Ends the runner (a worker is terminated) however the upload ended.
    await batches.return?.(undefined);
  }
}

async function publish(
  store: Store,
  req: CompactionRequest,
  opts: CompactorOptions,
  selected: readonly StoreFile[],
  name: string,
  key: string,
  batches: AsyncIterator<CompactionBatch>,
  bytesRead: number,
): Promise<CompactionResult> {
  const family = store.family;
  const first = await batches.next();
  if (first.done === true) throw new InternalError('compaction runner produced no output', { details: { family: family.name } });
  let entries: number | undefined = first.value.entries;
  let output: StoreFileEntry | undefined;
  let added: StoreFile[] = [];
  let bytesWritten = 0;
  if (!(entries === 0 && first.value.chunks.length === 0)) {
    const throttle = opts.throttle;
    async function* body(): AsyncGenerator<Buffer> {
      let batch: { chunks: Buffer[]; entries?: number } | undefined = first.value as { chunks: Buffer[]; entries?: number };
      while (batch !== undefined) {
        for (const c of batch.chunks) {
          await throttle?.acquire(c.length);
          bytesWritten += c.length;
          yield c;
        }
        if (batch.entries !== undefined) {
          entries = batch.entries;
          return;
        }
        const n = await batches.next();
        batch = n.done === true ? undefined : n.value;
      }
    }
    await opts.objectStore.upload(key, body());
    if (entries === undefined) throw new InternalError('compaction runner ended without a final batch', { details: { family: family.name } });
    await opts.onStep?.('uploaded');
    // 4. Read it back.
    const r = await openHFile(opts.objectStore, key, { cache: opts.cache, inMemory: family.inMemory });
    output = storeFileEntryOf(name, r, family.bloomFilter, req.kind === 'major');
    added = [{ name, key, entry: output, reader: r }];
  }

  // 5. Publish.
  const files = selected.filter((f) => f.reference === undefined).map((f) => f.name);
  const refs = selected.filter((f) => f.reference !== undefined).map((f) => f.name);
  await store.manifest.commit({ kind: 'compaction', inputFiles: files, inputReferences: refs, outputs: output === undefined ? [] : [output] });
  // 6. Swap readers.
  store.replaceFiles(req.files, added);
  await opts.onStep?.('committed');
  return { inputs: [...req.files], output, bytesRead, bytesWritten };
}
