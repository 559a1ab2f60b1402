// The cells of a MemStore snapshot as a flat, ordered list of positions in its MSLAB chunks:
// what a flush hands to the HFile encoder, which may run in a worker thread
// (regionserver/region/flush-encode.ts). The event loop only copies the sorted set's positions
// (it keeps each cell as a chunk number and an offset already, cell-set.ts).
//
//   positions[2i]     index in `chunks` of the i-th cell's chunk
//   positions[2i + 1] offset of its KeyValue (keylen field) in that chunk
//
// Cells are in MemStore order (KeyValue order, newest write first among equal keys), every
// cell of the snapshot, duplicates of a key included (the encoder keeps the first). `chunks`
// may also hold buffers no listed cell is in any more (of cells replaced or pruned).
//
// For a worker (`shared`), the chunks must be SharedArrayBuffer views, read in place: plain
// memory would be copied by postMessage, in one synchronous step. The MSLAB's chunks are plain
// memory (mslab.ts says why), so each is copied into shared memory here, whole (source and
// target aligned alike, so V8 copies word by word), one chunk per turn of the event loop, and
// the copy takes the chunk's place in the snapshot's set: the plain one can be collected, and
// readers of the snapshot go on from the copy (same bytes), so the snapshot does not take twice
// its memory while it is written. For a 128 MiB snapshot of 2 MiB chunks this took 79–104 ms
// of the event loop, at most 2.7 ms in one turn (docs/benchmarks.md, session 22); about two
// thirds of such a copy is the first touch of the new memory.
//
// The walk yields to the event loop every YIELD_EVERY cells or so (whole leaves): a 128 MiB
// snapshot holds about a million cells. A snapshot is never written to, so the walk may span
// many turns.

import { InternalError } from '../../common/errors.js';
import type { MemStoreSnapshot } from './memstore.js';

const YIELD_EVERY = 4096;
/** Bytes of chunks copied into shared memory between two turns of the event loop. */
const SHARE_YIELD_BYTES = 2 << 20;

export interface SnapshotCells {
  /** The chunks holding the cells (views of whole SharedArrayBuffers if `shared` was asked). */
  readonly chunks: Uint8Array[];
  /** Pairs (chunk index, KeyValue offset), in cell order: 2 × snapshot.cellCount numbers. */
  readonly positions: Uint32Array;
}

/**
 * Lists `snapshot`'s cells; with `shared`, its chunks in shared memory (see above). Throws
 * InternalError if the set's size and its cells disagree (a bug).
 */
export async function snapshotCells(snapshot: MemStoreSnapshot, shared = false): Promise<SnapshotCells> {
  const set = snapshot.cellSet;
  const positions = new Uint32Array(2 * snapshot.cellCount);
  let n = 0;
  let sinceYield = 0;
  for (let leaf = 0; leaf < set.leafCount; leaf++) {
    const k = set.positions(leaf, positions, n);
    n += k;
    sinceYield += k;
    if (sinceYield >= YIELD_EVERY) {
      sinceYield = 0;
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }
  if (2 * n !== positions.length) throw new InternalError('memstore snapshot holds a different number of cells than it counts', { details: { listed: n, counted: snapshot.cellCount } });
  if (shared) {
    let sinceYieldBytes = 0;
    for (let k = 0; k < set.buffers.length; k++) {
      const buf = set.buffers[k]!;
      if (buf.buffer instanceof SharedArrayBuffer) continue; // shared by an earlier, failed flush of this snapshot
      const copy = Buffer.from(new SharedArrayBuffer(buf.length));
      copy.set(buf);
      set.replaceBuffer(k, copy);
      sinceYieldBytes += buf.length;
      if (sinceYieldBytes >= SHARE_YIELD_BYTES) {
        sinceYieldBytes = 0;
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
    }
  }
  return { chunks: [...set.buffers], positions };
}
