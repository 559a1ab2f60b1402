// WAL split: a dead server's WAL → one recovered-edits object per region (recovered-edits.ts),
// for the master's crash recovery (docs/rfcs/0001-wal-fencing.md).
//
// For one incarnation (server, epoch) on the object store:
//  1. If the split manifest exists, the split is done: return it (idempotent re-run).
//  2. Fence (wal-fence.ts; idempotent). The WAL is then exactly chunks [lowWater, fence).
//  3. Read chunk fence-1 BY NAME; its trailer's lowWater L says which chunks the writer may
//     have deleted (all < L, fully flushed). Read every chunk in [L, fence-1) BY NAME: no
//     listing decides what is included, and a missing chunk there is CorruptionError (the
//     writer never deletes at or above a low water it has recorded, and nothing can be
//     written after the fence).
//  4. Group entries by region in seq order; write each region's entries as one DATA chunk at
//     recovered-edits/<region>/<maxSeq>-<server>-<epoch> (same bytes on every re-run).
//  5. Write the manifest wal/<server>/<epoch>/split (the result).
// cleanupSplitWal then deletes the other chunks, KEEPING the (lowest) fence and the manifest:
// a zombie writer may still be retrying the fence's slot; if the fence were deleted that slot
// would be free again and the zombie could acknowledge a write nobody will ever split.
//
// Memory: the chunks of the WAL are held in memory during the split (the region server bounds
// its unflushed WAL by flushing).

import { CorruptionError, InvalidError, NotFoundError } from '../../common/errors.js';
import type { ObjectStore } from '../../common/objectstore/object-store.js';
import { listAll } from '../../common/objectstore/object-store.js';
import { parseWalChunkKey, recoveredEditsKey, walChunkKey, walEpochPrefix, walSplitManifestKey } from '../../common/paths.js';
import { fenceLocalWal, readLocalWal } from './local-wal-dir.js';
import type { FenceOptions } from './wal-fence.js';
import { fenceEpoch, fenceWal } from './wal-fence.js';
import { encodeChunkFromEntries } from './wal-encoder.js';
import type { RawEntry } from './wal-reader.js';
import { parseChunks, rawEntryBytes } from './wal-reader.js';

export interface RecoveredEdits {
  readonly region: string;
  readonly key: string;
  readonly minSeqId: bigint;
  readonly maxSeqId: bigint;
  readonly entries: number;
}

export interface EpochSplit {
  readonly server: string;
  readonly epoch: number;
  readonly fenceSeq: number;
  /** Lowest chunk read (chunks below it were flushed and possibly deleted by the writer). */
  readonly lowWater: number;
  readonly regions: RecoveredEdits[];
}

export interface SplitOptions extends FenceOptions {
  /** Parallel GETs/PUTs (default 16). */
  readonly concurrency?: number;
}

/**
 * Splits `server`'s WAL (incarnation `epoch`, or every incarnation found when omitted) into
 * per-region recovered edits and returns them. Fences first (so it may run while the old
 * writer is still alive). Idempotent: a re-run returns the first run's result.
 * Throws CorruptionError (object, offset) for a damaged or missing chunk,
 * UnavailableError when the store stays unavailable.
 */
export async function splitWal(store: ObjectStore, server: string, epoch?: number, opts: SplitOptions = {}): Promise<RecoveredEdits[]> {
  const epochs = epoch !== undefined ? [epoch] : (await fenceWal(store, server, undefined, opts)).map((f) => f.epoch);
  const out: RecoveredEdits[] = [];
  for (const e of epochs) out.push(...(await splitWalEpoch(store, server, e, opts)).regions);
  return out;
}

/** Splits one incarnation; see splitWal and the file comment. */
export async function splitWalEpoch(store: ObjectStore, server: string, epoch: number, opts: SplitOptions = {}): Promise<EpochSplit> {
  const manifestKey = walSplitManifestKey(server, epoch);
  const done = await readManifest(store, manifestKey);
  if (done !== undefined) return done;

  const { fenceSeq } = await fenceEpoch(store, server, epoch, opts);
  const concurrency = opts.concurrency ?? 16;
  let lowWater = fenceSeq;
  const chunks: { key: string; body: Buffer }[] = [];
  if (fenceSeq > 0) {
    const lastKey = walChunkKey(server, epoch, fenceSeq - 1);
    const last = await getChunk(store, lastKey);
    const parsed = parseChunks(last, lastKey, { tornTailAllowed: false });
    const c = parsed.chunks[0];
    if (parsed.fenced || c === undefined || parsed.chunks.length !== 1 || c.lowWater > fenceSeq - 1) {
      throw new CorruptionError('the last wal chunk before the fence is not a single data chunk', { details: { object: lastKey, offset: 0 } });
    }
    lowWater = c.lowWater;
    const keys: string[] = [];
    for (let k = lowWater; k < fenceSeq - 1; k++) keys.push(walChunkKey(server, epoch, k));
    const bodies = await mapLimit(keys, concurrency, (key) => getChunk(store, key));
    keys.forEach((key, i) => chunks.push({ key, body: bodies[i]! }));
    chunks.push({ key: lastKey, body: last });
  }

  const entries: RawEntry[] = [];
  for (const { key, body } of chunks) {
    const parsed = parseChunks(body, key, { tornTailAllowed: false });
    if (parsed.fenced || parsed.chunks.length !== 1) {
      throw new CorruptionError('a wal chunk below the fence is not a single data chunk', { details: { object: key, offset: 0 } });
    }
    entries.push(...parsed.chunks[0]!.entries);
  }
  const regions = await writeRecoveredEdits(store, server, epoch, entries, concurrency);
  const result: EpochSplit = { server, epoch, fenceSeq, lowWater, regions };
  await store.put(manifestKey, Buffer.from(JSON.stringify(result, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v))));
  return result;
}

/**
 * Deletes the chunks of a split incarnation, keeping its fence and manifest (see the file
 * comment); returns how many were deleted. Throws InvalidError if the incarnation has not been split.
 */
export async function cleanupSplitWal(store: ObjectStore, server: string, epoch: number): Promise<number> {
  const manifest = await readManifest(store, walSplitManifestKey(server, epoch));
  if (manifest === undefined) throw new InvalidError('cannot clean up a wal that has not been split', { details: { server, epoch } });
  const keys: string[] = [];
  for await (const o of listAll(store, walEpochPrefix(server, epoch))) {
    const p = parseWalChunkKey(o.key);
    // Fences a racing fencer left above the lowest one are garbage: the writer stopped below.
    if (p !== undefined && p.seq !== manifest.fenceSeq) keys.push(o.key);
  }
  if (keys.length > 0) await store.deleteMany(keys);
  return keys.length;
}

/**
 * Splits a local WAL directory (standalone) into recovered edits in `store`, named after
 * (server, epoch). Fences the directory first. A torn last chunk is ignored. Re-running
 * rewrites the same objects.
 */
export async function splitLocalWal(dir: string, store: ObjectStore, server: string, epoch: number, opts: SplitOptions = {}): Promise<RecoveredEdits[]> {
  await fenceLocalWal(dir);
  const contents = await readLocalWal(dir);
  const entries: RawEntry[] = [];
  for (const s of contents.segments) for (const c of s.chunks) entries.push(...c.entries);
  return writeRecoveredEdits(store, server, epoch, entries, opts.concurrency ?? 16);
}

/** Groups `entries` by region (seq order) and writes one recovered-edits object per region. */
async function writeRecoveredEdits(store: ObjectStore, server: string, epoch: number, entries: readonly RawEntry[], concurrency: number): Promise<RecoveredEdits[]> {
  const byRegion = new Map<string, RawEntry[]>();
  for (const e of entries) {
    let list = byRegion.get(e.region);
    if (list === undefined) byRegion.set(e.region, (list = []));
    list.push(e);
  }
  const regions = [...byRegion.keys()].sort();
  return mapLimit(regions, concurrency, async (region) => {
    const list = byRegion.get(region)!;
    for (let i = 1; i < list.length; i++) {
      if (list[i - 1]!.seqId > list[i]!.seqId) {
        list.sort((a, b) => (a.seqId < b.seqId ? -1 : a.seqId > b.seqId ? 1 : 0)); // stable
        break;
      }
    }
    const minSeqId = list[0]!.seqId;
    const maxSeqId = list[list.length - 1]!.seqId;
    const key = recoveredEditsKey(region, maxSeqId, server, epoch);
    await store.put(key, encodeChunkFromEntries(list.map(rawEntryBytes), 0));
    return { region, key, minSeqId, maxSeqId, entries: list.length };
  });
}

async function getChunk(store: ObjectStore, key: string): Promise<Buffer> {
  try {
    return (await store.get(key)).body;
  } catch (e) {
    if (e instanceof NotFoundError) {
      throw new CorruptionError('a wal chunk between the low water and the fence is missing', { details: { object: key, offset: 0 }, cause: e });
    }
    throw e;
  }
}

async function readManifest(store: ObjectStore, key: string): Promise<EpochSplit | undefined> {
  let body: Buffer;
  try {
    body = (await store.get(key)).body;
  } catch (e) {
    if (e instanceof NotFoundError) return undefined;
    throw e;
  }
  try {
    const m = JSON.parse(body.toString('utf8')) as Omit<EpochSplit, 'regions'> & { regions: Array<Record<string, string | number>> };
    return {
      server: m.server,
      epoch: m.epoch,
      fenceSeq: m.fenceSeq,
      lowWater: m.lowWater,
      regions: m.regions.map((r) => ({
        region: String(r['region']),
        key: String(r['key']),
        minSeqId: BigInt(r['minSeqId']!),
        maxSeqId: BigInt(r['maxSeqId']!),
        entries: Number(r['entries']),
      })),
    };
  } catch (e) {
    throw new CorruptionError('wal split manifest is not valid json', { details: { object: key, offset: 0 }, cause: e });
  }
}

/** Runs `fn` over `items` with at most `limit` in flight; results in input order. */
async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}
