// Seeded randomized model test: random puts, every delete type, increments, appends,
// checkAndMutates, batches, flushes, compactions (a test-only merge of all files through
// Store.replaceFiles), crashes (WAL split + reopen) and clean reopens, against
// the brute-force model of testdata/model.ts, on an object store that injects faults (failed
// and acknowledgement-lost uploads and manifest writes, failed reads, WAL retries).
//
// Every failure message carries the seed: rerun with TSB_SEED=<seed>. TSB_SOAK=1 runs many
// more seeds and operations.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CellType } from '../../common/cells/keyvalue-format.js';
import { ManualClock } from '../../common/clock.js';
import { ErrorCodes, errorCode, InvalidError, isRetryable, NotServingRegionError } from '../../common/errors.js';
import { FaultObjectStore } from '../../common/objectstore/fault-store.js';
import { MemoryObjectStore } from '../../common/objectstore/memory-store.js';
import { listAllKeys } from '../../common/objectstore/object-store.js';
import type { CompareOp, Delete, DeleteColumn, Mutation, Put, Result } from '../../common/ops/operations.js';
import { recoveredEditsPrefix, storeFileKey } from '../../common/paths.js';
import { SeededRandom, testSeed } from '../../common/random.js';
import { LruBlockCache } from '../blockcache/lru-block-cache.js';
import { splitWal } from '../wal/wal-split.js';
import { loadManifest } from '../store/store-manifest.js';
import { columnFamily } from './column-family.js';
import type { ModelCell } from './testdata/model.js';
import { RegionModel } from './testdata/model.js';
import { inlineFlushRunner } from './flush-runner.js';
import { RegionHarness, SERVER } from './testdata/harness.js';
import { compactAllFiles } from './testdata/test-compaction.js';

const SOAK = process.env['TSB_SOAK'] === '1';
const SEEDS = SOAK ? 25 : 3;
const OPS = SOAK ? 2500 : 250;

const FAMILIES = [
  columnFamily({ name: 'f', maxVersions: 3 }),
  columnFamily({ name: 'g', maxVersions: 1, bloomFilter: 'ROWCOL', compression: 'SNAPPY', dataBlockEncoding: 'PREFIX', blockSize: 1024 }),
];
const FAMILY_NAMES = FAMILIES.map((f) => f.name);
const ROWS = Array.from({ length: 8 }, (_, i) => `r${i}`);
const QUALIFIERS = ['a', 'b', 'c'];
const VALUES = ['', 'a', 'm', 'mm', 'z', 'v1', 'v2', 'zz'];
const OPS_LIST: CompareOp[] = ['LESS', 'LESS_OR_EQUAL', 'EQUAL', 'NOT_EQUAL', 'GREATER_OR_EQUAL', 'GREATER'];

const buf = (s: string) => Buffer.from(s, 'utf8');

function show(r: Result): string[] {
  return r.cells.map((c) => `${c.family}:${c.qualifier}@${c.timestamp}=${c.value.toString('hex')}`);
}

type Cells = Array<Omit<ModelCell, 'order'>>;

class Sim {
  readonly rnd: SeededRandom;
  readonly clock = new ManualClock(1_000_000);
  readonly inner = new MemoryObjectStore();
  readonly store: FaultObjectStore;
  model = new RegionModel(new Map(FAMILIES.map((f) => [f.name, f.maxVersions])));
  h!: RegionHarness;
  readonly stats = { ops: 0, flushes: 0, failedFlushes: 0, compactions: 0, failedCompactions: 0, crashes: 0, reopens: 0, refused: 0, unavailable: 0, checks: 0 };

  constructor(readonly seed: number) {
    this.rnd = new SeededRandom(seed);
    this.store = new FaultObjectStore(this.inner, new SeededRandom(seed ^ 0x5eed));
    const p = 0.04;
    // Store files and manifests: uploads and puts fail before or after applying.
    this.store.addRule({ op: 'upload', failure: 'before', probability: p });
    this.store.addRule({ op: 'upload', failure: 'after', probability: p });
    this.store.addRule({ op: 'put', failure: 'before', probability: p, keyPrefix: 'data/' });
    this.store.addRule({ op: 'put', failure: 'after', probability: p, keyPrefix: 'data/' });
    this.store.addRule({ op: 'head', failure: 'before', probability: p });
    this.store.addRule({ op: 'get', failure: 'before', probability: p / 2 });
    this.store.addRule({ op: 'list', failure: 'before', probability: p });
    // The WAL retries its own chunk writes.
    this.store.addRule({ op: 'put', failure: 'before', probability: p, keyPrefix: 'wal/' });
    this.store.addRule({ op: 'put', failure: 'after', probability: p, keyPrefix: 'wal/' });
  }

  get now(): bigint {
    return BigInt(this.clock.nowMs());
  }

  pick<T>(xs: readonly T[]): T {
    return xs[this.rnd.int(xs.length)]!;
  }

  fail(msg: string): never {
    assert.fail(`seed ${this.seed} (rerun with TSB_SEED=${this.seed}): ${msg}`);
  }

  async start(): Promise<void> {
    // A block cache, as a server has: without one, every read of a store with many files (no
    // compactions yet) meets an injected fault almost surely and retries make no progress.
    const cache = new LruBlockCache({ capacityBytes: 64 << 20 });
    this.h = new RegionHarness({
      objectStore: this.store,
      clock: this.clock,
      families: FAMILIES,
      random: new SeededRandom(this.seed + 1),
      config: { flushSizeBytes: 1 << 30 },
      // Flushes keep every version. A flush trims a column's Puts beyond MAX_VERSIONS (as
      // HBase's), and a later Delete of one version then leaves fewer versions than this
      // model (which keeps every cell) shows; which versions go depends on which cells share
      // a snapshot. flush-cell-filter.test.ts checks the trimming against the read model.
      openOptions: { cache, flushRunner: { kind: 'inline', run: (job, size) => inlineFlushRunner.run({ ...job, maxVersions: Number.MAX_SAFE_INTEGER }, size), sharesChunks: () => false } },
    });
    await this.retry('open', () => this.h.start());
  }

  /** Retries `fn` through injected (retryable) faults. */
  async retry<T>(what: string, fn: () => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await fn();
      } catch (e) {
        if (!isRetryable(e) || attempt >= 50) this.fail(`${what} failed: ${String(e)}`);
      }
    }
  }

  /** A server crash: the WAL stops, the master splits it, the region reopens. */
  async crash(): Promise<void> {
    this.stats.crashes++;
    this.h.wal.abort('simulated crash');
    this.h.region.abort(new Error('simulated crash'));
    await this.retry('wal split', () => splitWal(this.store, SERVER, this.h.epoch));
    await this.retry('reopen after crash', () => this.h.start());
  }

  /** A clean close (flush) and reopen; a failed close flush is a crash. */
  async reopen(): Promise<void> {
    this.stats.reopens++;
    try {
      await this.h.region.close();
    } catch {
      this.stats.failedFlushes++;
    }
    await this.h.wal.close();
    await this.retry('wal split', () => splitWal(this.store, SERVER, this.h.epoch));
    await this.retry('reopen', () => this.h.start());
  }

  // ---- operation generators ---------------------------------------------------------------

  randomPut(row: string): Put {
    const n = 1 + this.rnd.int(3);
    const columns = Array.from({ length: n }, () => {
      const ts = this.rnd.int(10) < 3 ? BigInt(1 + this.rnd.int(5)) : undefined;
      return { family: buf(this.pick(FAMILY_NAMES)), qualifier: buf(this.pick(QUALIFIERS)), value: buf(this.pick(VALUES)), ...(ts === undefined ? {} : { timestamp: ts }) };
    });
    return { kind: 'put', row: buf(row), columns };
  }

  randomDelete(row: string): Delete {
    if (this.rnd.int(8) === 0) return { kind: 'delete', row: buf(row), columns: [], ...(this.rnd.int(2) === 0 ? { timestamp: BigInt(1 + this.rnd.int(5)) } : {}) };
    const n = 1 + this.rnd.int(2);
    const columns: DeleteColumn[] = Array.from({ length: n }, () => {
      const family = buf(this.pick(FAMILY_NAMES));
      const ts = this.rnd.int(2) === 0 ? BigInt(1 + this.rnd.int(5)) : undefined;
      const withQualifier = this.rnd.int(4) !== 0;
      return {
        family,
        ...(withQualifier ? { qualifier: buf(this.pick(QUALIFIERS)) } : {}),
        ...(ts === undefined ? {} : { timestamp: ts }),
        allVersions: this.rnd.int(2) === 0,
      };
    });
    return { kind: 'delete', row: buf(row), columns };
  }

  // ---- the model's side of each operation --------------------------------------------------

  /** Cells of a Put or Delete as the region builds them (lookups on the model's state now). */
  cellsOf(m: RegionModel, mut: Mutation): Cells {
    const now = this.now;
    const row = mut.row.toString();
    if (mut.kind === 'put') {
      return mut.columns.map((c) => ({ family: c.family.toString(), qualifier: c.qualifier.toString(), ts: c.timestamp ?? now, type: CellType.Put, value: c.value }));
    }
    const empty = Buffer.alloc(0);
    if (mut.columns.length === 0) return FAMILY_NAMES.map((f) => ({ family: f, qualifier: '', ts: mut.timestamp ?? now, type: CellType.DeleteFamily, value: empty }));
    const counts = new Map<string, number>();
    return mut.columns.map((c) => {
      const family = c.family.toString();
      const explicit = c.timestamp !== undefined;
      const ts = c.timestamp ?? now;
      if (c.qualifier === undefined) return { family, qualifier: '', ts, type: explicit && !c.allVersions ? CellType.DeleteFamilyVersion : CellType.DeleteFamily, value: empty };
      const qualifier = c.qualifier.toString();
      if (c.allVersions) return { family, qualifier, ts, type: CellType.DeleteColumn, value: empty };
      if (explicit) return { family, qualifier, ts, type: CellType.Delete, value: empty };
      const k = `${family}/${qualifier}`;
      const nth = (counts.get(k) ?? 0) + 1;
      counts.set(k, nth);
      const v = m.versions(row, family, qualifier, nth)[nth - 1];
      return { family, qualifier, ts: v?.ts ?? now, type: CellType.Delete, value: empty };
    });
  }

  // ---- checks ------------------------------------------------------------------------------

  async checkRow(row: string): Promise<void> {
    const maxVersions = 1 + this.rnd.int(4);
    const got = await this.retry(`get ${row}`, () => this.h.region.get({ row: buf(row), maxVersions }));
    const want = this.model.show(row, maxVersions);
    this.stats.checks++;
    if (JSON.stringify(show(got)) !== JSON.stringify(want)) this.fail(`row ${row} (maxVersions ${maxVersions}) differs\n  engine: ${show(got).join(' ')}\n  model:  ${want.join(' ')}`);
  }

  async checkAll(): Promise<void> {
    for (const row of ROWS) await this.checkRow(row);
  }

  /** No visible garbage: every file a manifest names exists; recovered edits were consumed. */
  async checkStorage(): Promise<void> {
    for (const s of this.h.region.storesList) {
      const { manifest } = await loadManifest(this.inner, s.id);
      for (const f of manifest.files) if ((await this.inner.head(storeFileKey(s.id, f.name))) === undefined) this.fail(`manifest names a missing file ${f.name}`);
    }
    const left = await listAllKeys(this.inner, recoveredEditsPrefix(this.h.region.name));
    if (left.length > 0) this.fail(`recovered edits left after open: ${left.map((o) => o.key).join(',')}`);
  }

  // ---- one random step ---------------------------------------------------------------------

  async step(): Promise<void> {
    this.stats.ops++;
    if (!this.h.region.isOpen) await this.crash();
    const r = this.h.region;
    const row = this.pick(ROWS);
    const dice = this.rnd.int(100);
    if (dice < 3) this.clock.advance(this.rnd.int(3));
    if (dice < 22) {
      const p = this.randomPut(row);
      await this.mutate(() => r.put(p), (m) => void m.write(row, this.cellsOf(m, p)));
    } else if (dice < 36) {
      const d = this.randomDelete(row);
      await this.mutate(() => r.delete(d), (m) => void m.write(row, this.cellsOf(m, d)));
    } else if (dice < 46) {
      const cols = Array.from({ length: 1 + this.rnd.int(2) }, () => ({ family: buf(this.pick(FAMILY_NAMES)), qualifier: buf(this.rnd.int(5) === 0 ? 'a' : 'n'), amount: BigInt(this.rnd.int(11) - 5) }));
      await this.mutate(
        () => r.increment({ row: buf(row), columns: cols }),
        (m) => this.rmw(m, row, cols.map((c) => ({ family: c.family.toString(), qualifier: c.qualifier.toString(), amount: c.amount }))),
        (res, expected) => {
          if (JSON.stringify(show(res as Result)) !== JSON.stringify(expected)) this.fail(`increment returned ${show(res as Result).join(' ')}, model ${String(expected)}`);
        },
      );
    } else if (dice < 51) {
      const cols = [{ family: buf(this.pick(FAMILY_NAMES)), qualifier: buf('s'), value: buf(this.pick(VALUES)) }];
      await this.mutate(
        () => r.append({ row: buf(row), columns: cols }),
        (m) => this.rmw(m, row, cols.map((c) => ({ family: c.family.toString(), qualifier: 's', append: c.value }))),
      );
    } else if (dice < 63) {
      const family = this.pick(FAMILY_NAMES);
      const qualifier = this.pick([...QUALIFIERS, 'n']);
      const op = this.pick(OPS_LIST);
      const value = this.rnd.int(5) === 0 ? undefined : buf(this.pick(VALUES));
      const muts: Mutation[] = this.rnd.int(2) === 0 ? [this.randomPut(row)] : [this.randomDelete(row), this.randomPut(row)];
      await this.mutate(
        () => r.checkAndMutate({ row: buf(row), family: buf(family), qualifier: buf(qualifier), op, ...(value === undefined ? {} : { value }), mutations: muts }),
        (m) => {
          const cur = m.versions(row, family, qualifier, 1)[0];
          if (!holds(op, value, cur?.value)) return false;
          const cells: Cells = [];
          for (const mut of muts) cells.push(...this.cellsOf(m, mut));
          m.write(row, cells);
          return true;
        },
        (res, expected) => {
          if (res !== expected) this.fail(`checkAndMutate ${op} ${value?.toString()} on ${row}/${family}:${qualifier} returned ${String(res)}, model ${String(expected)}`);
        },
      );
    } else if (dice < 70) {
      const batch: Mutation[] = Array.from({ length: 2 + this.rnd.int(3) }, () => {
        const br = this.pick(ROWS);
        return this.rnd.int(3) === 0 ? this.randomDelete(br) : this.randomPut(br);
      });
      await this.batch(batch);
    } else if (dice < 80) {
      await this.checkRow(row);
    } else if (dice < 88) {
      this.stats.flushes++;
      try {
        await r.flush();
      } catch (e) {
        this.stats.failedFlushes++;
        if (!isRetryable(e) && r.isOpen) this.fail(`flush failed without aborting the region: ${String(e)}`);
      }
    } else if (dice < 89 || r.storesList.some((x) => x.files.length > 10)) {
      await this.compact();
    } else if (dice < 91) {
      await this.crash();
      await this.checkAll();
    } else if (dice < 93) {
      await this.reopen();
      await this.checkAll();
    } else {
      this.clock.advance(this.rnd.int(2));
    }
  }

  /** Merges each store's files into one (the test compaction); a fenced or unknown manifest aborts the region. */
  async compact(): Promise<void> {
    for (const store of this.h.region.storesList) {
      try {
        if ((await compactAllFiles(this.store, store, this.clock, this.rnd)) > 0) this.stats.compactions++;
      } catch (e) {
        this.stats.failedCompactions++;
        if (!isRetryable(e)) this.h.region.abort(e);
      }
    }
  }

  /** Increment/append in the model; returns the expected Result cells, or 'invalid'. */
  rmw(m: RegionModel, row: string, cols: Array<{ family: string; qualifier: string; amount?: bigint; append?: Buffer }>): string[] | 'invalid' {
    const merged = new Map<string, { family: string; qualifier: string; amount?: bigint; append?: Buffer }>();
    for (const c of cols) {
      const k = `${c.family}\u0000${c.qualifier}`;
      const prev = merged.get(k);
      if (prev === undefined) merged.set(k, { ...c });
      else if (c.amount !== undefined) prev.amount = (prev.amount ?? 0n) + c.amount;
      else prev.append = Buffer.concat([prev.append!, c.append!]);
    }
    const now = this.now;
    const cells: Cells = [];
    for (const c of merged.values()) {
      const cur = m.versions(row, c.family, c.qualifier, 1)[0];
      const ts = cur !== undefined && cur.ts >= now ? cur.ts + 1n : now;
      let value: Buffer;
      if (c.amount !== undefined) {
        if (cur !== undefined && cur.value.length !== 8) return 'invalid';
        value = Buffer.alloc(8);
        value.writeBigInt64BE(BigInt.asIntN(64, (cur?.value.readBigInt64BE(0) ?? 0n) + c.amount));
      } else {
        value = Buffer.concat([cur?.value ?? Buffer.alloc(0), c.append!]);
      }
      cells.push({ family: c.family, qualifier: c.qualifier, ts, type: CellType.Put, value });
    }
    m.write(row, cells);
    return cells
      .map((c) => ({ ...c, k: [Buffer.from(c.family), Buffer.from(c.qualifier)] as const }))
      .sort((a, b) => Buffer.compare(a.k[0], b.k[0]) || Buffer.compare(a.k[1], b.k[1]))
      .map((c) => `${c.family}:${c.qualifier}@${c.ts}=${c.value.toString('hex')}`);
  }

  /**
   * Runs a write on the engine and on a copy of the model. Success: the copy becomes the
   * model. A refusal the model predicted ('invalid'), a retryable failure before anything was
   * written (a read inside the operation failed) or a closed region leave the model as it was.
   */
  async mutate<T>(engine: () => Promise<T>, model: (m: RegionModel) => unknown, check?: (result: T, expected: unknown) => void): Promise<void> {
    const next = this.model.clone();
    const expected = model(next);
    try {
      const res = await engine();
      if (expected === 'invalid') this.fail('engine accepted an operation the model refuses');
      this.model = next;
      check?.(res, expected);
    } catch (e) {
      if (expected === 'invalid' && e instanceof InvalidError) {
        this.stats.refused++;
        return;
      }
      if ((isRetryable(e) && errorCode(e) !== ErrorCodes.FENCED) || e instanceof NotServingRegionError) {
        this.stats.unavailable++;
        return;
      }
      this.fail(`operation failed: ${String(e)}\n${(e as Error).stack ?? ''}`);
    }
  }

  async batch(batch: Mutation[]): Promise<void> {
    let outcomes;
    try {
      outcomes = await this.h.region.batchMutate(batch);
    } catch (e) {
      if (isRetryable(e) || e instanceof NotServingRegionError) return;
      this.fail(`batch failed: ${String(e)}`);
    }
    batch.forEach((mut, i) => {
      const o = outcomes[i]!;
      if (o.ok) {
        this.model.write(mut.row.toString(), this.cellsOf(this.model, mut));
      } else if (!isRetryable(o.error)) {
        this.fail(`batch operation ${i} failed: ${String(o.error)}`);
      }
    });
  }
}

function holds(op: CompareOp, expected: Buffer | undefined, current: Buffer | undefined): boolean {
  if (expected === undefined || expected.length === 0) {
    const nothing = current === undefined || current.length === 0;
    return op === 'NOT_EQUAL' ? !nothing : nothing;
  }
  if (current === undefined) return false;
  const c = Buffer.compare(expected, current);
  return { LESS: c < 0, LESS_OR_EQUAL: c <= 0, EQUAL: c === 0, NOT_EQUAL: c !== 0, GREATER_OR_EQUAL: c >= 0, GREATER: c > 0 }[op];
}

const base = testSeed();
for (let s = 0; s < SEEDS; s++) {
  const seed = (base + s * 0x9e3779b1) >>> 0;
  test(`model: ${OPS} random operations with faults, crashes and reopens (seed ${seed})`, async () => {
    const sim = new Sim(seed);
    try {
      await sim.start();
      for (let i = 0; i < OPS; i++) await sim.step();
      await sim.checkAll();
      await sim.crash();
      await sim.checkAll();
      await sim.checkStorage();
    } catch (e) {
      if (e instanceof assert.AssertionError && e.message.includes(`seed ${seed}`)) throw e;
      throw new Error(`seed ${seed} (rerun with TSB_SEED=${seed}): ${String(e)}`, { cause: e });
    } finally {
      await sim.h?.close();
    }
    console.log(`# seed ${seed}: ${JSON.stringify(sim.stats)} faults ${JSON.stringify(sim.store.injected)}`);
  });
}
