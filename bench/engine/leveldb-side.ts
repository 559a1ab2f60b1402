// The baseline side of the engine benchmark: classic-level (LevelDB, native) in this process,
// with its cache sized like tsbase's block cache and Snappy off (tsbase's family default is
// COMPRESSION NONE; the values are incompressible anyway).

import { ClassicLevel } from 'classic-level';
import type { Dataset } from './dataset.js';

export type Level = ClassicLevel<Buffer, Buffer>;

export async function openLevel(dir: string, cacheBytes: number): Promise<Level> {
  const db = new ClassicLevel<Buffer, Buffer>(dir, { keyEncoding: 'buffer', valueEncoding: 'buffer', compression: false, cacheSize: cacheBytes });
  await db.open();
  return db;
}

/**
 * Puts rows insertOrder[from..to), `batch` rows per write, one write at a time, through a
 * chained batch (db.batch().put()…write()): measured here ~1.5x faster than db.batch(array).
 */
export async function levelPut(db: Level, ds: Dataset, from: number, to: number, batch: number, sync: boolean): Promise<void> {
  for (let i = from; i < to; i += batch) {
    const end = Math.min(i + batch, to);
    const b = db.batch();
    for (let j = i; j < end; j++) {
      const k = ds.insertOrder[j]!;
      b.put(ds.keys[k]!, ds.value(k));
    }
    await b.write({ sync });
  }
}

/** getSync of each index; checks every result. */
export function levelGets(db: Level, ds: Dataset, idx: Uint32Array): void {
  for (let i = 0; i < idx.length; i++) {
    const v = db.getSync(ds.keys[idx[i]!]!);
    if (v === undefined || v.length !== 100) throw new Error(`leveldb get: bad result for row ${idx[i]}`);
  }
}

/** Full scan with iterator().nextv(`size`); returns rows and key+value bytes seen. */
export async function levelScanNextv(db: Level, size = 1000, fillCache = false): Promise<{ rows: number; bytes: number }> {
  const it = db.iterator({ highWaterMarkBytes: 4 * 1024 * 1024, fillCache });
  let rows = 0;
  let bytes = 0;
  try {
    for (;;) {
      const entries = await it.nextv(size);
      if (entries.length === 0) break;
      rows += entries.length;
      for (const [k, v] of entries) bytes += k.length + v.length;
    }
  } finally {
    await it.close();
  }
  return { rows, bytes };
}

/** Full scan with `for await` over iterator(). */
export async function levelScanForAwait(db: Level): Promise<{ rows: number; bytes: number }> {
  let rows = 0;
  let bytes = 0;
  for await (const [k, v] of db.iterator({ highWaterMarkBytes: 4 * 1024 * 1024 })) {
    rows++;
    bytes += k.length + v.length;
  }
  return { rows, bytes };
}
