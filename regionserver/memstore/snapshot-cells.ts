// The cells of a MemStore snapshot as a flat, ordered list of positions in its MSLAB chunks:
// what a flush hands to the HFile encoder, which may run in a worker thread
// (regionserver/region/flush-encode.ts). The chunks are SharedArrayBuffer-backed (mslab.ts),
// so a worker reads the cells in place: the event loop only walks the sorted set.
//
//   positions[2i]     index in `chunks` of the i-th cell's chunk
//   positions[2i + 1] offset of its KeyValue (keylen field) in that chunk
//
// Cells are in MemStore order (KeyValue order, newest write first among equal keys), every
// cell of the snapshot, duplicates of a key included (the encoder keeps the first).
//
// The walk yields to the event loop every YIELD_EVERY cells: a 128 MiB snapshot holds about a
// million cells. A snapshot is never written to, so the walk may span many turns.

import { InternalError } from '../../common/errors.js';
import type { MemStoreSnapshot } from './memstore.js';

const YIELD_EVERY = 4096;

export interface SnapshotCells {
  /** The chunks holding the cells (views of whole SharedArrayBuffers). */
  readonly chunks: Uint8Array[];
  /** Pairs (chunk index, KeyValue offset), in cell order: 2 × snapshot.cellCount numbers. */
  readonly positions: Uint32Array;
}

/** Lists `snapshot`'s cells (see above). Throws InternalError if the set's size and its cells disagree (a bug). */
export async function snapshotCells(snapshot: MemStoreSnapshot): Promise<SnapshotCells> {
  const positions = new Uint32Array(2 * snapshot.cellCount);
  const chunks: Uint8Array[] = [];
  const index = new Map<Buffer, number>();
  let lastBuf: Buffer | undefined;
  let lastIdx = 0;
  const s = snapshot.scanner();
  s.seekToFirst();
  let n = 0;
  for (let c = s.next(); c !== undefined; c = s.next()) {
    const buf = c.buf;
    if (buf !== lastBuf) {
      let i = index.get(buf);
      if (i === undefined) {
        i = chunks.length;
        index.set(buf, i);
        chunks.push(buf);
      }
      lastBuf = buf;
      lastIdx = i;
    }
    positions[2 * n] = lastIdx;
    positions[2 * n + 1] = c.off;
    n++;
    if (n % YIELD_EVERY === 0) await new Promise<void>((resolve) => setImmediate(resolve));
  }
  if (2 * n !== positions.length) throw new InternalError('memstore snapshot holds a different number of cells than it counts', { details: { listed: n, counted: snapshot.cellCount } });
  return { chunks, positions };
}
