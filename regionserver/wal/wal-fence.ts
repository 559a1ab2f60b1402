// Fencing a server's WAL on the object store (docs/rfcs/0001-wal-fencing.md).
//
// To fence incarnation `epoch` of `server`: find the highest chunk k (a listing), then write a
// FENCE chunk at k+1 with create-if-absent. If the (zombie) writer wins that slot, try the
// next one, until the fence lands. Because the writer writes chunk j+1 only after chunk j is
// durable, and can never write the fence's slot, no chunk can ever exist after the fence, and
// the writer's next commit fails with TSB_FENCED: nothing is acknowledged that is not in a
// chunk before the fence. A listing that misses the newest chunks only costs extra attempts
// (their slots are taken); it can never place the fence in a hole.
//
// Idempotent: if the highest chunk already is a FENCE (or another fencer wins the race for
// the slot), that fence is reported with alreadyFenced = true.

import type { Clock } from '../../common/clock.js';
import { systemClock } from '../../common/clock.js';
import { ConflictError, isRetryable, NotFoundError } from '../../common/errors.js';
import type { ObjectStore } from '../../common/objectstore/object-store.js';
import { listAll } from '../../common/objectstore/object-store.js';
import { parseWalChunkKey, walChunkKey, walEpochPrefix, walServerPrefix } from '../../common/paths.js';
import { encodeFenceChunk } from './wal-encoder.js';
import { ChunkType, TRAILER_SIZE, T_TYPE } from './wal-format.js';
import { parseChunks } from './wal-reader.js';

/**
 * Slots tried at once after a live writer won the first: 8, doubling up to 1024. The window
 * must outgrow the number of chunks the writer commits during one round of fence PUTs (losing
 * conditional PUTs can take hundreds of ms on radosgw), so the cap is generous; large windows
 * happen only while a zombie is writing fast.
 */
const FIRST_WINDOW = 8;
const MAX_WINDOW = 1024;

export interface FenceResult {
  readonly server: string;
  readonly epoch: number;
  /** Chunk number of the FENCE chunk: the WAL consists of chunks below it. */
  readonly fenceSeq: number;
  /** The fence was already there (written by an earlier or concurrent call). */
  readonly alreadyFenced: boolean;
}

export interface FenceOptions {
  readonly clock?: Clock;
  /** Keep retrying transient store failures this long (default 60 s). */
  readonly retryBudgetMs?: number;
}

/**
 * Fences `server`'s WAL: incarnation `epoch`, or, when `epoch` is omitted, every incarnation
 * that has written at least one chunk (an incarnation that has written nothing yet has
 * acknowledged nothing; the master should pass the dead server's epoch when it knows it).
 * May run concurrently with the WAL's writer (that is its purpose) and with other fencers.
 * Throws UnavailableError if the store stays unavailable, CorruptionError if a chunk it must
 * inspect is unreadable.
 */
export async function fenceWal(store: ObjectStore, server: string, epoch?: number, opts: FenceOptions = {}): Promise<FenceResult[]> {
  if (epoch !== undefined) return [await fenceEpoch(store, server, epoch, opts)];
  const highest = new Map<number, number>();
  for await (const o of listAll(store, walServerPrefix(server))) {
    const p = parseWalChunkKey(o.key);
    if (p === undefined || p.server !== server) continue;
    if ((highest.get(p.epoch) ?? -1) < p.seq) highest.set(p.epoch, p.seq);
  }
  const out: FenceResult[] = [];
  for (const [e, top] of [...highest].sort((a, b) => a[0] - b[0])) out.push(await fenceEpoch(store, server, e, opts, top));
  return out;
}

/**
 * Fences one incarnation. `knownTop`: the highest chunk number already listed (skips the
 * listing). See fenceWal.
 */
export async function fenceEpoch(store: ObjectStore, server: string, epoch: number, opts: FenceOptions = {}, knownTop?: number): Promise<FenceResult> {
  const clock = opts.clock ?? systemClock;
  const budget = opts.retryBudgetMs ?? 60_000;
  const started = clock.monotonicMs();
  const retrying = async <T>(op: () => Promise<T>): Promise<T> => {
    for (let attempt = 0; ; attempt++) {
      try {
        return await op();
      } catch (e) {
        if (!isRetryable(e) || clock.monotonicMs() - started > budget) throw e;
        await clock.sleep(Math.min(1000, 20 * 2 ** attempt));
      }
    }
  };

  let top = knownTop;
  if (top === undefined) {
    top = -1;
    for await (const o of listAll(store, walEpochPrefix(server, epoch))) {
      const p = parseWalChunkKey(o.key);
      if (p !== undefined && p.seq > top) top = p.seq;
    }
  }
  const isFence = (k: number) => retrying(() => isFenceChunk(store, walChunkKey(server, epoch, k)));
  /** The lowest slot of the run of fence chunks ending at `k` (fences of several fencers). */
  const lowestFence = async (k: number, floor: number): Promise<number> => {
    while (k - 1 > floor && (await isFence(k - 1))) k--;
    return k;
  };
  if (top >= 0 && (await isFence(top))) {
    return { server, epoch, fenceSeq: await lowestFence(top, -1), alreadyFenced: true };
  }
  // `top` (if any) holds the writer's data. Try the next slot; if the writer is alive and
  // wins it, try a window of the following slots at once (doubling), so a writer that commits
  // once per round trip cannot stay ahead of the fencer. Within a window the writer's chunks
  // form a prefix (it writes slot j+1 only after slot j) and the fences the rest.
  const fence = encodeFenceChunk();
  let k = top + 1;
  for (let width = 1; ; width = width === 1 ? FIRST_WINDOW : Math.min(width * 2, MAX_WINDOW)) {
    const won = await Promise.all(
      Array.from({ length: width }, async (_, i) => {
        try {
          await retrying(() => store.put(walChunkKey(server, epoch, k + i), fence, { ifNoneMatch: '*' }));
          return true;
        } catch (e) {
          if (e instanceof ConflictError) return false;
          throw e;
        }
      }),
    );
    const first = won.indexOf(true);
    if (first >= 0) {
      // Slots below our first win that we lost may hold another fencer's fence.
      const fenceSeq = await lowestFence(k + first, k - 1);
      return { server, epoch, fenceSeq, alreadyFenced: fenceSeq < k + first };
    }
    if (await isFence(k + width - 1)) {
      return { server, epoch, fenceSeq: await lowestFence(k + width - 1, k - 1), alreadyFenced: true };
    }
    k += width; // every slot of the window holds the writer's data
  }
}

/** True if the chunk at `key` is a FENCE chunk; false for data or a missing object. */
async function isFenceChunk(store: ObjectStore, key: string): Promise<boolean> {
  let body: Buffer;
  try {
    body = (await store.get(key)).body;
  } catch (e) {
    if (e instanceof NotFoundError) return false;
    throw e;
  }
  // Cheap check on the type byte, then a full parse (CRC) to be sure.
  if (body.length !== TRAILER_SIZE || body.readUInt8(T_TYPE) !== ChunkType.Fence) return false;
  return parseChunks(body, key, { tornTailAllowed: false }).fenced;
}
