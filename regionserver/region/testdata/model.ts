// The reference model of a region for the randomized test: every cell ever written, kept in a
// list, and HBase's read rules evaluated by brute force — deliberately unlike the engine
// (no sorting tricks, no streaming, no dedupe by key), so the two can check each other.
//
// Visible versions of a column: its Puts not hidden by a marker — DeleteFamily/DeleteColumn
// with ts >= the put's, DeleteFamilyVersion/Delete with ts == the put's — one per timestamp
// (the latest write), newest timestamp first, at most min(requested, MAX_VERSIONS).
import { CellType } from '../../../common/cells/keyvalue-format.js';

export interface ModelCell {
  readonly family: string;
  readonly qualifier: string;
  readonly ts: bigint;
  readonly type: number;
  readonly value: Buffer;
  /** Order of writing (later writes win at equal keys). */
  readonly order: number;
}

export class RegionModel {
  private rows = new Map<string, ModelCell[]>();
  private order = 0;

  constructor(readonly maxVersions: ReadonlyMap<string, number>) {}

  clone(): RegionModel {
    const m = new RegionModel(this.maxVersions);
    for (const [k, v] of this.rows) m.rows.set(k, [...v]);
    m.order = this.order;
    return m;
  }

  rowKeys(): string[] {
    return [...this.rows.keys()].sort();
  }

  /** Writes the cells of one atomic row mutation. */
  write(row: string, cells: ReadonlyArray<Omit<ModelCell, 'order'>>): void {
    const list = this.rows.get(row) ?? [];
    for (const c of cells) list.push({ ...c, order: this.order++ });
    this.rows.set(row, list);
  }

  /** Visible versions of one column, newest first. */
  versions(row: string, family: string, qualifier: string, requested = 1): ModelCell[] {
    const all = (this.rows.get(row) ?? []).filter((c) => c.family === family);
    const puts = all.filter((c) => c.type === CellType.Put && c.qualifier === qualifier);
    const hidden = (p: ModelCell): boolean =>
      all.some(
        (m) =>
          (m.type === CellType.DeleteFamily && m.ts >= p.ts) ||
          (m.type === CellType.DeleteFamilyVersion && m.ts === p.ts) ||
          (m.qualifier === qualifier && m.type === CellType.DeleteColumn && m.ts >= p.ts) ||
          (m.qualifier === qualifier && m.type === CellType.Delete && m.ts === p.ts),
      );
    const byTs = new Map<bigint, ModelCell>();
    for (const p of puts) {
      if (hidden(p)) continue;
      const prev = byTs.get(p.ts);
      if (prev === undefined || p.order > prev.order) byTs.set(p.ts, p);
    }
    const out = [...byTs.values()].sort((a, b) => (a.ts > b.ts ? -1 : a.ts < b.ts ? 1 : 0));
    return out.slice(0, Math.min(requested, this.maxVersions.get(family) ?? 1));
  }

  /** Every visible cell of the row as `family:qualifier@ts=hex`, sorted like a Result. */
  show(row: string, requested = 1): string[] {
    const cols = new Set<string>();
    for (const c of this.rows.get(row) ?? []) if (c.type === CellType.Put) cols.add(`${c.family}\u0000${c.qualifier}`);
    const out: string[] = [];
    for (const col of [...cols].sort(compareColumns)) {
      const [f, q] = col.split('\u0000') as [string, string];
      for (const v of this.versions(row, f, q, requested)) out.push(`${f}:${q}@${v.ts}=${v.value.toString('hex')}`);
    }
    return out;
  }
}

/** Orders `family\0qualifier` strings as bytes (family first), as a Result's cells are. */
function compareColumns(a: string, b: string): number {
  const [fa, qa] = a.split('\u0000') as [string, string];
  const [fb, qb] = b.split('\u0000') as [string, string];
  return Buffer.compare(Buffer.from(fa), Buffer.from(fb)) || Buffer.compare(Buffer.from(qa), Buffer.from(qb));
}
