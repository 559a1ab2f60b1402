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

import type { MemStoreSnapshot } from './memstore.js';

const YIELD_EVERY = 4096;

export interface SnapshotCells {
  /** The chunks holding the cells (views of whole SharedArrayBuffers). */
  readonly chunks: Uint8Array[];
  /** Pairs (chunk index, KeyValue offset), in cell order. */
  readonly positions: Uint32Array;
  /** Cells listed (= positions.length / 2). */
  readonly count: number;
}

/** Lists `snapshot`'s cells (see above). */
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
  return { chunks, positions: n * 2 === positions.length ? positions : positions.slice(0, 2 * n), count: n };
}
