// The point get of a compacted store: one family, an empty MemStore and ONE whole HFile — the
// shape of most reads of data at rest (HBase's common case after a major compaction) — read
// straight from the file's scanner, without the region scanner, the store scanner, the heap and
// the matcher.
//
// Taken only when that machinery could not change the answer:
//  - the get asks for the newest version (maxVersions 1) of every column of the family, with
//    no filter, time range, raw mode or existence-only flag;
//  - the family has no TTL (nothing expires);
//  - the store has no MemStore cells and one file that is not a reference half; every cell of
//    an HFile is committed, so the MVCC read point does not matter;
//  - the row holds only Put cells: at the first delete marker the fast path gives up and the
//    general path answers (markers need the delete tracker, KEEP_DELETED_CELLS, ...).
// It also gives up (the general path then answers, from scratch) when a block or bloom chunk is
// not in memory. Within a column an HFile holds versions newest first, so the first cell of each
// column is the answer. Equivalence with the general path is tested on random rows
// (single-file-get.test.ts).

import { compareKeyRowTo } from '../../common/cells/encoded-key.js';
import { CellType } from '../../common/cells/keyvalue-format.js';
import type { Get } from '../../common/ops/operations.js';
import type { HFileReader } from '../hfile/hfile-reader.js';
import type { HFileScanner } from '../hfile/hfile-scanner.js';
import { END, FOUND } from '../hfile/hfile-scanner.js';
import type { RowBuffer } from './row-buffer.js';
import type { RegionReadContext, StoreReadView } from './store-read-view.js';

/** One idle scanner per file, reused by fast gets (taken while in use; dropped after I/O). */
const idleScanners = new WeakMap<HFileReader, HFileScanner>();

/** The one HFile of the get's only store, when the fast path applies; else undefined. */
export function singleFileOf(ctx: RegionReadContext, get: Get): HFileReader | undefined {
  if (ctx.stores.length !== 1) return undefined;
  if (get.filter !== undefined || get.timeRange !== undefined || get.raw === true || get.existenceOnly === true) return undefined;
  if (get.maxVersions !== undefined && get.maxVersions !== 1) return undefined;
  const view: StoreReadView = ctx.stores[0]!;
  const cols = get.columns;
  if (cols !== undefined && cols.length > 0) {
    if (cols.length !== 1) return undefined;
    const c = cols[0]!;
    if (c.qualifier !== undefined || !c.family.equals(view.family)) return undefined;
  }
  if (view.options.ttlMs !== Infinity) return undefined;
  if (view.memstore.cellCount !== 0 || view.files.length !== 1) return undefined;
  const f = view.files[0]!;
  return 'kind' in f ? undefined : f;
}

/**
 * The get through the fast path when it applies: FOUND (`out` holds the row), END (no such
 * row), or undefined when the general path must answer (out of the fast path's case, a delete
 * marker, or something to load).
 */
export function trySingleFileGet(ctx: RegionReadContext, get: Get, out: RowBuffer): typeof FOUND | typeof END | undefined {
  if (get.row.length === 0) return undefined; // the general path reports the error
  const file = singleFileOf(ctx, get);
  return file === undefined ? undefined : singleFileGet(file, get.row, out);
}

/**
 * Reads `row` from `file` into `out` (cleared first): FOUND (the row's newest version of each
 * column), END (no such row), or undefined when the general path must answer (a delete marker,
 * or something to load).
 */
export function singleFileGet(file: HFileReader, row: Buffer, out: RowBuffer): typeof FOUND | typeof END | undefined {
  out.clear();
  let s = idleScanners.get(file);
  if (s === undefined) s = file.scanner();
  else idleScanners.delete(file);
  let st = s.seekRowSync(row, 0, row.length);
  if (st === END) {
    idleScanners.set(file, s);
    return END;
  }
  if (st !== FOUND) return undefined; // needs I/O: this scanner is dropped
  for (;;) {
    const kb = s.keyBuf;
    const ko = s.keyOff;
    const kl = s.keyLen;
    if (compareKeyRowTo(kb, ko, row, 0, row.length) !== 0) break;
    if (kb[ko + kl - 1] !== CellType.Put) {
      out.clear();
      idleScanners.set(file, s);
      return undefined;
    }
    // The scanner is a CellView of its current cell; the value stays in the (immutable) block.
    if (out.count === 0 || !sameColumn(out, kb, ko, kl)) out.addRef(s);
    st = s.nextSync();
    if (st === END) break;
    if (st !== FOUND) {
      out.clear();
      return undefined; // the row continues in a block not in memory
    }
  }
  idleScanners.set(file, s);
  return out.count > 0 ? FOUND : END;
}

/**
 * True if the key at kb[ko, ko+kl) has the same family and qualifier as the last cell of `out`
 * (same row by construction). Keys: rowlen:u16 row famlen:u8 family qualifier ts:u64 type:u8.
 */
function sameColumn(out: RowBuffer, kb: Buffer, ko: number, kl: number): boolean {
  const a = out.buffer;
  const i = out.count - 1;
  const ao = out.keyOff(i);
  if (out.keyLen(i) !== kl) return false;
  // From the family length to the 9-byte timestamp and type trailer (the rows are equal).
  const from = 2 + ((kb[ko]! << 8) | kb[ko + 1]!);
  const to = kl - 9;
  for (let j = from; j < to; j++) if (a[ao + j] !== kb[ko + j]) return false;
  return true;
}
