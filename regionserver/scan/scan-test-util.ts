// Test helpers: stores built from cells (MemStore + HFiles written in memory), read contexts,
// scans driven to completion, and Results in a compact printable form.

import type { Cell } from '../../common/cells/keyvalue.js';
import { compareCells } from '../../common/cells/keyvalue.js';
import { CellType } from '../../common/cells/keyvalue-format.js';
import type { Result, Scan } from '../../common/ops/operations.js';
import { HFileReader } from '../hfile/hfile-reader.js';
import { BufferSource } from '../hfile/hfile-source.js';
import { MapBlockCache } from '../hfile/hfile-test-util.js';
import type { BloomTypeName, EncodingName } from '../hfile/hfile-writer.js';
import { writeHFile } from '../hfile/hfile-writer.js';
import { MemStore } from '../memstore/memstore.js';
import { NEEDS_IO } from './key-scanner.js';
import { RegionScanner } from './region-scanner.js';
import { RowBuffer } from './row-buffer.js';
import type { FamilyReadOptions, HalfFileRef, RegionReadContext, StoreFileReaderLike, StoreReadView } from './store-read-view.js';
import { DEFAULT_FAMILY_READ_OPTIONS, halfFileRef } from './store-read-view.js';

export interface FileSpec {
  readonly cells: readonly Cell[];
  readonly blockSize?: number;
  readonly bloomType?: BloomTypeName;
  readonly encoding?: EncodingName;
  readonly indexBlockSize?: number;
  /** Read only half of the file (a split daughter's reference). */
  readonly half?: { readonly half: 'top' | 'bottom'; readonly splitRow: Buffer };
}

export interface StoreSpec {
  readonly family: string;
  readonly options?: Partial<FamilyReadOptions>;
  readonly mem?: readonly { readonly cell: Cell; readonly seq: number }[];
  /** Sets the MemStore's first `snapshotAfter` cells of `mem` aside as a snapshot (as a flush does). */
  readonly snapshotAfter?: number;
  /** Oldest first: file i gets MAX_SEQ_ID i + 1. */
  readonly files?: readonly FileSpec[];
}

let fileCounter = 0;

/** Writes and opens an HFile of `cells` (sorted and deduplicated here). */
export async function openHFile(cells: readonly Cell[], maxSeqId: bigint, spec: Omit<FileSpec, 'cells'> = {}, cache?: MapBlockCache): Promise<HFileReader> {
  const sorted = [...cells].sort(compareCells);
  const distinct: Cell[] = [];
  for (const c of sorted) if (distinct.length === 0 || compareCells(distinct[distinct.length - 1]!, c) !== 0) distinct.push(c);
  const bytes = writeHFile(distinct, {
    blockSize: spec.blockSize ?? 256,
    bloomType: spec.bloomType ?? 'ROW',
    encoding: spec.encoding ?? 'NONE',
    indexBlockSize: spec.indexBlockSize,
    maxSeqId,
  });
  const name = `test-hfile-${++fileCounter}`;
  return HFileReader.open(new BufferSource(bytes, name), { cache, fileId: name });
}

/** A StoreReadView from a spec. `cache`: the block cache of every file (default: a fresh one, warmed by nothing). */
export async function buildStore(spec: StoreSpec, cache?: MapBlockCache): Promise<StoreReadView> {
  const memstore = new MemStore({ chunkBytes: 64 * 1024 });
  (spec.mem ?? []).forEach(({ cell, seq }, i) => {
    if (i === spec.snapshotAfter) memstore.snapshot();
    memstore.addCell(cell, seq);
  });
  const files: StoreFileReaderLike[] = [];
  let seqId = 0n;
  for (const f of spec.files ?? []) {
    const r = await openHFile(f.cells, ++seqId, f, cache);
    files.push(f.half === undefined ? r : (halfFileRef(r, f.half.half, f.half.splitRow) as HalfFileRef));
  }
  return { family: Buffer.from(spec.family), options: { ...DEFAULT_FAMILY_READ_OPTIONS, ...spec.options }, memstore, files };
}

export function context(stores: readonly StoreReadView[], opts: Partial<Omit<RegionReadContext, 'stores'>> = {}): RegionReadContext {
  return { stores, readPoint: opts.readPoint ?? Number.MAX_SAFE_INTEGER, nowMs: opts.nowMs ?? 1_000_000, regionStartRow: opts.regionStartRow, regionEndRow: opts.regionEndRow };
}

/** Every Result of the scan, loading blocks as needed; counts how often I/O was needed. */
export async function scanAll(ctx: RegionReadContext, scan: Scan): Promise<{ results: Result[]; ioWaits: number }> {
  const sc = RegionScanner.open(ctx, scan);
  const out = new RowBuffer(64);
  const results: Result[] = [];
  let ioWaits = 0;
  for (;;) {
    const st = sc.nextRow(out);
    if (st === NEEDS_IO) {
      ioWaits++;
      if (!(await sc.nextRowAsync(out))) break;
    } else if (st === 0) {
      break;
    }
    results.push(out.toResult());
  }
  sc.close();
  return { results, ioWaits };
}

/** Every Result of the scan; throws if any step needed I/O. */
export function scanAllSync(ctx: RegionReadContext, scan: Scan): Result[] {
  const sc = RegionScanner.open(ctx, scan);
  const out = new RowBuffer(64);
  const results: Result[] = [];
  for (;;) {
    const st = sc.nextRow(out);
    if (st === NEEDS_IO) throw new Error('scan needed I/O');
    if (st === 0) {
      sc.close();
      return results;
    }
    results.push(out.toResult());
  }
}

const TYPE_NAMES: Record<number, string> = {
  [CellType.Put]: 'Put',
  [CellType.Delete]: 'Delete',
  [CellType.DeleteColumn]: 'DeleteColumn',
  [CellType.DeleteFamily]: 'DeleteFamily',
  [CellType.DeleteFamilyVersion]: 'DeleteFamilyVersion',
};

/** `row/fam:qual@ts=value` (type named when not Put), one string per Result. */
export function show(results: readonly Result[]): string[] {
  return results.map((r) =>
    r.cells
      .map((c) => {
        const t = c.type === CellType.Put ? '' : `(${TYPE_NAMES[c.type] ?? c.type})`;
        return `${c.row.toString('latin1')}/${c.family.toString('latin1')}:${c.qualifier.toString('latin1')}@${c.timestamp}${t}=${c.value.toString('latin1')}`;
      })
      .join(' '),
  );
}

/** A cell of any type, for tests: put('r','f','q',5,'v'), del('r','f','q',5,CellType.Delete). */
export function put(row: string, family: string, qualifier: string, ts: number, value = `${row}-${qualifier}-${ts}`): Cell {
  return { row: Buffer.from(row), family: Buffer.from(family), qualifier: Buffer.from(qualifier), timestamp: BigInt(ts), type: CellType.Put, value: Buffer.from(value) };
}

export function marker(row: string, family: string, qualifier: string, ts: number, type: CellType): Cell {
  return { row: Buffer.from(row), family: Buffer.from(family), qualifier: Buffer.from(qualifier), timestamp: BigInt(ts), type, value: Buffer.alloc(0) };
}

export { MapBlockCache };
