// Region: the rows [startKey, endKey) of one table on this server (HBase's HRegion): one Store
// per column family, a row lock table, MVCC, and the region's sequence of edit ids. Open one
// with openRegion (region-open.ts), which also replays unflushed edits.
//
// WRITE PATH (every mutation of one row is atomic):
//   0. wait while the region is over its memory limits (backpressure: bounded, then
//      UnavailableError TSB_THROTTLED), validate, build the cells (mutation-cells.ts);
//   1. lock the rows (ascending byte order, so batches cannot deadlock);
//   2. under the locks, finish the cells that need a read (delete of the latest version,
//      increment, append, checkAndMutate's condition) at the current read point;
//   3. in ONE synchronous step per row mutation: take the next sequence id (= MVCC write
//      number), insert the cells into the MemStores with it, hand the edit to the WAL;
//   4. await the WAL's durability (group commit), then complete the MVCC entries: the cells
//      become visible all at once; wait until the read point covers them; unlock; acknowledge.
// Step 3 being synchronous is what makes flushes exact: at any instant between events, every
// edit with a sequence id <= the MVCC write point is in a MemStore (or already flushed), so a
// snapshot taken at that instant is bounded by that id (store.ts). A WAL failure is final
// (the WAL was fenced or broke): the region aborts and every later call fails.
//
// FLUSH (flush()): snapshot every store at one instant (bound = write point) → wait until
// MVCC has completed every write up to the bound (so a published file holds only completed
// writes) → each store uploads its file and commits its manifest → SequenceAccounting learns
// the region is flushed up to the bound, and the WAL may delete fully flushed units.
// docs/rfcs/0003-flush-and-recovery.md walks through every crash point.
//
// Thread safety: one event loop. Any number of operations may run concurrently across awaits;
// row locks serialize mutations of one row, flushes run one at a time.

import { bytesEqual } from '../../common/bytes-equal.js';
import { EncodedCells } from '../../common/cells/encoded-cells.js';
import type { Cell } from '../../common/cells/keyvalue.js';
import type { Clock } from '../../common/clock.js';
import { KeyValuePut } from '../../common/ops/keyvalue-put.js';
import { ErrorCodes, FencedError, InternalError, InvalidError, NotServingRegionError, UnavailableError } from '../../common/errors.js';
import type { Append, CheckAndMutate, ColumnSpec, Delete, Get, Increment, Mutation, Put, Result, ResultCell, Scan } from '../../common/ops/operations.js';
import type { OperationNonce } from '../../common/ops/operation-nonce.js';
import type { Mvcc, WriteEntry } from '../memstore/mvcc.js';
import { ReadPoints } from '../memstore/read-points.js';
import type { RowLock } from '../memstore/row-lock.js';
import { RowLocks } from '../memstore/row-lock.js';
import { END, NEEDS_IO, regionGet, regionGetWith, RegionScanner } from '../scan/region-scanner.js';
import { RowBuffer } from '../scan/row-buffer.js';
import type { RegionReadContext, StoreReadView } from '../scan/store-read-view.js';
import type { SequenceAccounting } from '../wal/sequence-accounting.js';
import type { RegionConfig } from './region-config.js';
import type { RegionInfo } from './region-info.js';
import { checkRow } from './region-info.js';
import type { MutableCell, RowCells } from './mutation-cells.js';
import { checkSizes, deleteCells, keyValuePutCells, putCells, validateRow } from './mutation-cells.js';
import { appendCells, conditionHolds, incrementCells, mergeColumns } from './rmw.js';
import type { CurrentCell, RmwColumn } from './rmw.js';
import type { BatchOutcome, CompactionRequester, FlushOutcome, FlushRequester, RegionWal } from './region-types.js';
import type { Store } from './store.js';
import { flushStores } from './store-flush.js';
import { PressureGate } from './pressure-gate.js';

export type { BatchOutcome, CompactionRequester, FlushOutcome, FlushRequester, RegionWal } from './region-types.js';

export interface RegionDeps {
  readonly info: RegionInfo;
  readonly stores: readonly Store[];
  readonly mvcc: Mvcc;
  /** The registry of open readers the stores' version pruning consults (a new one if absent). */
  readonly readPoints?: ReadPoints;
  readonly wal: RegionWal;
  readonly accounting?: SequenceAccounting;
  readonly clock: Clock;
  readonly config: RegionConfig;
  readonly flusher?: FlushRequester;
  readonly compactor?: CompactionRequester;
  /** Errors of background flushes (the region aborts itself on fencing). */
  readonly onBackgroundError?: (err: unknown) => void;
}

type State = 'open' | 'closing' | 'closed' | 'aborted';

interface Entry {
  readonly cells: readonly Cell[];
  /** A Put that came as KeyValues: its cells (and `cells` is empty), and its LATEST time. */
  readonly kv?: KeyValuePut | undefined;
  readonly time?: number | undefined;
  /** Bytes of the cells as KeyValues (checkSizes'): what the entry adds to a WAL group. */
  readonly bytes: number;
  readonly skipWal: boolean;
  /** The operation's nonce, written into its WAL entry (replay reports it: region-open.ts). */
  readonly nonce?: OperationNonce | undefined;
}

/** Largest WAL entry a mini-batch's rows are grouped into (bytes of its cells' KeyValues). */
const GROUP_WAL_BYTES = 4 << 20;

/**
 * Adds the cells of one row mutation to their stores: each run of cells of one family (a
 * mutation's cells usually come grouped by family) in one Store.addRow, or, for a Put that
 * came as KeyValues, Store.addKeyValues. `encoded` (if given) collects the KeyValues the
 * MemStores wrote, in the order of the cells: the WAL entry's bytes.
 */
function addRowCells(e: Entry, seq: number, storeOf: (family: Buffer) => Store, encoded: EncodedCells | undefined): void {
  const kv = e.kv;
  if (kv !== undefined) {
    for (const run of kv.runs) storeOf(run.family).addKeyValues(kv.buf, run.start, run.end, run.count, seq, e.time!, encoded);
    return;
  }
  const cells = e.cells;
  let from = 0;
  while (from < cells.length) {
    const family = cells[from]!.family;
    let to = from + 1;
    while (to < cells.length && (cells[to]!.family === family || cells[to]!.family.equals(family))) to++;
    storeOf(family).addRow(cells, from, to, seq, encoded);
    from = to;
  }
}

/** A row to lock and its rowLocks.hash, computed once per operation. */
interface HashedRow {
  readonly row: Buffer;
  readonly hash: number;
}

interface RowOp extends HashedRow {
  readonly index: number;
  readonly rc: RowCells;
  readonly skipWal: boolean;
}

export class Region {
  readonly info: RegionInfo;
  /** Encoded region name: names the region in the WAL and in object keys. */
  readonly name: string;
  readonly config: RegionConfig;
  private readonly storeList: readonly Store[];
  /** The read views of storeList, as readContext last saw them. */
  private allViews: readonly StoreReadView[] = [];
  private readonly stores = new Map<string, Store>();
  private readonly familyList: readonly Buffer[];
  private readonly mvcc: Mvcc;
  private readonly readPoints: ReadPoints;
  private readonly rowLocks: RowLocks;
  private readonly wal: RegionWal;
  private readonly accounting: SequenceAccounting | undefined;
  private readonly clock: Clock;
  private readonly flusher: FlushRequester | undefined;
  private readonly compactor: CompactionRequester | undefined;
  private readonly onBackgroundError: (err: unknown) => void;

  private state: State = 'open';
  private abortCause: unknown;
  private inflight = 0;
  private drained: (() => void) | undefined;
  private flushChain: Promise<unknown> = Promise.resolve();
  private flushRunning = false;
  private autoFlushQueued = false;
  private lastFlushFailureMs: number | undefined;
  private readonly pressure: PressureGate;
  /** Heap bytes of all MemStores as last reported to the flusher. */
  private reportedHeap = 0;

  /** @internal Use openRegion (region-open.ts). */
  constructor(deps: RegionDeps) {
    this.info = deps.info;
    this.name = deps.info.encodedName;
    this.config = deps.config;
    this.storeList = deps.stores;
    for (const s of deps.stores) this.stores.set(s.familyBytes.toString('latin1'), s);
    this.familyList = deps.stores.map((s) => s.familyBytes);
    this.mvcc = deps.mvcc;
    this.readPoints = deps.readPoints ?? new ReadPoints();
    this.readPoints.attach(this.mvcc);
    this.rowLocks = new RowLocks({ clock: deps.clock, timeoutMs: deps.config.rowLockTimeoutMs });
    this.wal = deps.wal;
    this.accounting = deps.accounting;
    this.clock = deps.clock;
    this.flusher = deps.flusher;
    this.compactor = deps.compactor;
    this.onBackgroundError = deps.onBackgroundError ?? (() => {});
    this.pressure = new PressureGate(deps.clock);
    this.reportedHeap = this.memStoreHeapSize;
    if (this.reportedHeap > 0) this.flusher?.memStoreChanged(this, this.reportedHeap);
  }

  // ---- state ------------------------------------------------------------------------------

  /** The region's stores, in family order given at open. */
  get storesList(): readonly Store[] {
    return this.storeList;
  }

  store(family: Buffer | string): Store | undefined {
    return this.stores.get(typeof family === 'string' ? Buffer.from(family, 'utf8').toString('latin1') : family.toString('latin1'));
  }

  /** Heap bytes held by the region's MemStores (active + snapshots). */
  get memStoreHeapSize(): number {
    let n = 0;
    for (const s of this.storeList) n += s.memstore.heapSize;
    return n;
  }

  /** The highest sequence id handed out (the MVCC write point). */
  get lastSeqId(): bigint {
    return BigInt(this.mvcc.writePoint);
  }

  /** The MVCC read point: every write up to it is visible. */
  get readPoint(): number {
    return this.mvcc.readPoint;
  }

  get isOpen(): boolean {
    return this.state === 'open';
  }

  /** Why the region aborted (a WAL or manifest failure), if it did. */
  get abortReason(): unknown {
    return this.abortCause;
  }

  private closedError(): Error {
    return new NotServingRegionError(this.state === 'aborted' ? 'region aborted after a failure; it will be reopened elsewhere' : 'region is closed', {
      details: { region: this.name },
      cause: this.state === 'aborted' ? this.abortCause : undefined,
    });
  }

  private startOp(): void {
    if (this.state !== 'open') throw this.closedError();
    this.inflight++;
  }

  private endOp(): void {
    this.inflight--;
    if (this.inflight === 0 && this.drained !== undefined) this.drained();
  }

  private async op<T>(fn: () => Promise<T>): Promise<T> {
    this.startOp();
    try {
      return await fn();
    } finally {
      this.endOp();
    }
  }

  /**
   * As op, for a read that usually answers synchronously (data in memory): one promise and no
   * async frames when it does, the operation still counted in flight until it settles.
   */
  private readOp<T>(fn: () => T | Promise<T>): Promise<T> {
    let r: T | Promise<T>;
    try {
      this.startOp();
    } catch (err) {
      return Promise.reject(err as Error);
    }
    try {
      r = fn();
    } catch (err) {
      this.endOp();
      return Promise.reject(err as Error);
    }
    if (r instanceof Promise) {
      return r.then(
        (v) => {
          this.endOp();
          return v;
        },
        (err: unknown) => {
          this.endOp();
          throw err;
        },
      );
    }
    this.endOp();
    return Promise.resolve(r);
  }

  /**
   * Stops the region at once after a failure that may have lost ownership or durability (WAL
   * fenced or broken, manifest fenced or in an unknown state). Later calls fail with
   * NotServingRegionError. Its unflushed edits are only in the WAL: the server must treat the
   * region as crashed (as HBase aborts the region server) — split the WAL before the region
   * opens again, here or elsewhere.
   */
  abort(cause: unknown): void {
    if (this.state === 'aborted' || this.state === 'closed') return;
    this.state = 'aborted';
    this.abortCause = cause;
    this.wakePressureWaiters();
    this.flusher?.unregister(this);
    for (const s of this.storeList) void s.close().catch(() => {});
  }

  /**
   * Closes the region: refuses new operations, waits for running ones, flushes (unless
   * `flush: false` or aborted), stops the stores' manifest trackers and tells the WAL.
   * Throws the flush's error: the region is closed either way, and its unflushed edits are
   * only in the WAL — the caller must treat it as crashed (split the WAL before it reopens).
   */
  async close(opts: { flush?: boolean } = {}): Promise<void> {
    if (this.state === 'closed') return;
    const aborted = this.state === 'aborted';
    if (!aborted) this.state = 'closing';
    this.wakePressureWaiters(); // writers waiting for backpressure give up now
    if (this.inflight > 0) await new Promise<void>((resolve) => (this.drained = resolve));
    let err: unknown;
    if (!aborted && opts.flush !== false) {
      try {
        await this.flush();
      } catch (e) {
        err = e;
      }
    } else {
      await this.flushChain.catch(() => {});
    }
    this.state = aborted ? 'aborted' : 'closed';
    this.flusher?.unregister(this);
    await Promise.all(this.storeList.map((s) => s.close()));
    this.wal.forgetRegion?.(this.name);
    if (err !== undefined) throw err;
  }

  // ---- writes -----------------------------------------------------------------------------

  /** Writes one Put atomically. Throws as batchMutate and its per-operation errors. */
  put(p: Put): Promise<void> {
    return this.mutateOne(p);
  }

  /** Writes one Delete atomically. Throws as batchMutate and its per-operation errors. */
  delete(d: Delete): Promise<void> {
    return this.mutateOne(d);
  }

  /** batchMutate of one mutation, without the batch bookkeeping. */
  private mutateOne(m: Mutation): Promise<void> {
    return this.op(async () => {
      if (this.overLimit()) await this.waitForResources();
      const rc = this.mutationCells(m, BigInt(this.clock.nowMs()));
      checkRow(this.info, m.row);
      await this.writeRows([{ index: 0, row: m.row, hash: this.rowLocks.hash(m.row), rc, skipWal: m.skipWal === true }]);
    });
  }

  /**
   * Applies `mutations`, each atomically for its row, in order (mutations of one row in the
   * order given). Invalid operations fail alone (InvalidError, NotServingRegionError for a row
   * outside the region) and the others still apply. Rejects (nothing applied) with
   * NotServingRegionError if the region is closed, UnavailableError TSB_THROTTLED if it stayed
   * too busy, TSB_TIMEOUT if a row lock could not be taken; a WAL failure fails every
   * operation of the batch with the WAL's error and aborts the region.
   */
  batchMutate(mutations: readonly Mutation[]): Promise<BatchOutcome[]> {
    return this.op(async () => {
      await this.waitForResources();
      const now = BigInt(this.clock.nowMs());
      const outcomes: BatchOutcome[] = new Array(mutations.length);
      const ops: RowOp[] = [];
      const hasFamily = this.familyCheck();
      mutations.forEach((m, index) => {
        try {
          const rc = this.mutationCells(m, now, hasFamily);
          checkRow(this.info, m.row);
          ops.push({ index, row: m.row, hash: this.rowLocks.hash(m.row), rc, skipWal: m.skipWal === true });
        } catch (e) {
          outcomes[index] = { ok: false, error: e as Error };
        }
      });
      // Mini-batches of distinct rows: a row mutated twice starts a new one, so each sees the
      // one before it (and its latest-version lookups do). Rows are told apart by hash: two
      // rows that share one only start a new mini-batch early, which changes no outcome.
      let batch: RowOp[] = [];
      let rows = new Set<number>();
      const runBatch = async (b: RowOp[]): Promise<void> => {
        try {
          await this.writeRows(b);
          for (const o of b) outcomes[o.index] = { ok: true };
        } catch (e) {
          for (const o of b) outcomes[o.index] = { ok: false, error: e as Error };
          if (!(e instanceof UnavailableError) || e.code !== ErrorCodes.TIMEOUT) throw e;
        }
      };
      try {
        for (const o of ops) {
          const k = o.hash;
          if (rows.has(k)) {
            await runBatch(batch);
            batch = [];
            rows = new Set();
          }
          rows.add(k);
          batch.push(o);
        }
        if (batch.length > 0) await runBatch(batch);
      } catch (e) {
        for (let i = 0; i < outcomes.length; i++) outcomes[i] ??= { ok: false, error: e as Error };
      }
      return outcomes;
    });
  }

  /**
   * A test of "the region has this family" for one operation or batch. The cells of a family
   * usually share its Buffer (the RPC decoder's, the caller's): the last family found is kept
   * by identity, so a batch of rows looks it up once.
   */
  private familyCheck(): (f: Buffer) => boolean {
    let known: Buffer | undefined;
    return (f: Buffer): boolean => {
      if (f === known || (known !== undefined && bytesEqual(f, known))) return true;
      if (!this.stores.has(f.toString('latin1'))) return false;
      known = f;
      return true;
    };
  }

  /** The cells of `m`; a Put that came as KeyValues keeps them in its block (RowCells.kv). */
  private mutationCells(m: Mutation, now: bigint, has: (f: Buffer) => boolean = this.familyCheck()): RowCells {
    return m instanceof KeyValuePut ? keyValuePutCells(m, now, has, this.config) : this.cellObjects(m, now, has);
  }

  /** The cells of `m` as objects (RowCells.cells), for callers that combine several mutations. */
  private cellObjects(m: Mutation, now: bigint, has: (f: Buffer) => boolean = this.familyCheck()): RowCells {
    if (m.kind === 'put') return putCells(m, now, has, this.config);
    if (m.kind === 'delete') return deleteCells(m, now, this.familyList, has, this.config);
    throw new InvalidError('unknown mutation kind', { details: { kind: String((m as { kind?: unknown }).kind) } });
  }

  /** Locks the (distinct) rows of `ops`, completes their cells, commits them. */
  private async writeRows(ops: readonly RowOp[]): Promise<void> {
    const locks = await this.lockRowKeys(ops);
    try {
      for (const o of ops) if (o.rc.latestLookups.length > 0) await this.resolveLatest(o.row, o.rc);
      await this.commit(ops.map((o) => ({ cells: o.rc.cells, kv: o.rc.kv, time: o.rc.time, bytes: o.rc.bytes, skipWal: o.skipWal })));
    } finally {
      for (const l of locks) l.release();
    }
  }

  private lockRows(rows: readonly Buffer[]): Promise<RowLock[]> {
    return this.lockRowKeys(rows.map((row) => ({ row, hash: this.rowLocks.hash(row) })));
  }

  /**
   * Locks the (distinct) rows, each given with its rowLocks.hash. First without waiting, in
   * the order given: if every row is free, that is all (no sort). Otherwise it lets go of what
   * it took and waits for them in row (byte) order, so two batches never wait for each other
   * in a cycle: a caller holding locks never waits except in that order.
   */
  private async lockRowKeys(rows: readonly HashedRow[]): Promise<RowLock[]> {
    let locks = rows.length > 1 ? this.tryLockAll(rows) : undefined;
    if (locks === undefined) {
      const sorted = rows.length > 1 ? [...rows].sort((a, b) => Buffer.compare(a.row, b.row)) : rows;
      locks = [];
      try {
        for (const r of sorted) locks.push(this.rowLocks.tryLock(r.row, r.hash) ?? (await this.rowLocks.lock(r.row, undefined, r.hash)));
      } catch (e) {
        for (const l of locks) l.release();
        throw e;
      }
    }
    if (this.state !== 'open' && this.state !== 'closing') {
      for (const l of locks) l.release();
      throw this.closedError();
    }
    return locks;
  }

  /** The locks of all `rows` if every one is free now; otherwise none (released again). */
  private tryLockAll(rows: readonly HashedRow[]): RowLock[] | undefined {
    const locks = new Array<RowLock>(rows.length);
    for (let i = 0; i < rows.length; i++) {
      const l = this.rowLocks.tryLock(rows[i]!.row, rows[i]!.hash);
      if (l === undefined) {
        for (let j = 0; j < i; j++) locks[j]!.release();
        return undefined;
      }
      locks[i] = l;
    }
    return locks;
  }

  /**
   * Sets the timestamps of "delete the latest version" markers (HBase's
   * prepareDeleteTimestamps). REQUIRES: the row is locked by the caller, so the read sees every
   * earlier mutation of it.
   */
  private async resolveLatest(row: Buffer, rc: RowCells): Promise<void> {
    const counts = new Map<string, number>();
    for (const i of rc.latestLookups) {
      const c = rc.cells[i]!;
      const k = `${c.family.toString('latin1')}\u0000${c.qualifier.toString('latin1')}`;
      const n = (counts.get(k) ?? 0) + 1;
      counts.set(k, n);
      const versions = await this.readRow(row, [{ family: c.family, qualifier: c.qualifier }], n, undefined);
      const v = versions[n - 1];
      if (v !== undefined) c.timestamp = v.timestamp;
    }
  }

  /** The row's visible cells through the read path, at the current read point. */
  private async readRow(row: Buffer, columns: readonly ColumnSpec[], maxVersions: number, timeRange: CheckAndMutate['timeRange']): Promise<readonly ResultCell[]> {
    return (await regionGet(this.readContext(), { row, columns, maxVersions, ...(timeRange === undefined ? {} : { timeRange }) })).cells;
  }

  /**
   * Step 3 and 4 of the write path for row mutations whose rows this caller has locked.
   * REQUIRES: cells validated; nothing between seq assignment and MemStore insert awaits.
   */
  private async commit(entries: readonly Entry[]): Promise<void> {
    if (this.state !== 'open' && this.state !== 'closing') throw this.closedError();
    if (entries.length > 1 && entries.some((e) => e.nonce !== undefined)) throw new InternalError('a batch of several rows carries a nonce');
    const writes: WriteEntry[] = [];
    const durable: Promise<void>[] = [];
    // The store of a validated cell's family. The cells of one family usually share one Buffer
    // (the RPC decoder's, the caller's): within this commit the last lookup is kept by identity.
    let lastFamily: Buffer | undefined;
    let lastStore: Store | undefined;
    const storeOf = (family: Buffer): Store => {
      if (family !== lastFamily && (lastFamily === undefined || !bytesEqual(family, lastFamily))) {
        lastStore = this.stores.get(family.toString('latin1'))!;
        lastFamily = family;
      }
      return lastStore!;
    };
    if (entries.length === 1) {
      const e = entries[0]!;
      const we = this.mvcc.begin();
      writes.push(we);
      const encoded = e.skipWal ? undefined : new EncodedCells();
      addRowCells(e, we.writeNumber, storeOf, encoded);
      if (encoded !== undefined) durable.push(this.wal.append(this.name, BigInt(we.writeNumber), encoded, e.nonce));
    } else {
      // A mini-batch of rows (batchMutate): as HBase's, one MVCC write number and one WAL
      // entry for all of its rows (readers see the rows together, replay applies them
      // together), cut into groups of at most GROUP_WAL_BYTES. Nonces come only with single
      // operations (increment, append, checkAndMutate).
      let we: WriteEntry | undefined;
      let walCells = new EncodedCells();
      const seal = (): void => {
        if (walCells.count > 0) durable.push(this.wal.append(this.name, BigInt(we!.writeNumber), walCells));
        we = undefined;
        walCells = new EncodedCells();
      };
      for (const e of entries) {
        if (we !== undefined && walCells.bytes > 0 && !e.skipWal && walCells.bytes + e.bytes > GROUP_WAL_BYTES) seal();
        if (we === undefined) {
          we = this.mvcc.begin();
          writes.push(we);
        }
        addRowCells(e, we.writeNumber, storeOf, e.skipWal ? undefined : walCells);
      }
      seal();
    }
    const settled = durable.length === 0 ? [] : await Promise.allSettled(durable);
    this.syncHeap(); // after the WAL accounted the edits: the flusher's WAL check sees them
    for (const we of writes) this.mvcc.complete(we);
    const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed !== undefined) {
      // Nothing may be acknowledged after a WAL failure (its cells are in the MemStore but
      // maybe not durable): stop the region; it is reopened from the WAL elsewhere.
      this.abort(failed.reason);
      throw failed.reason;
    }
    const last = writes[writes.length - 1];
    if (last !== undefined && this.mvcc.readPoint < last.writeNumber) await this.mvcc.whenReadable(last);
    this.maybeRequestFlush();
  }

  // ---- read-modify-write ------------------------------------------------------------------

  /**
   * Adds to 8-byte big-endian counters atomically; returns the new values. `nonce` (the
   * client's, checked by the server's NonceManager) goes into the edit's WAL entry. Throws
   * InvalidError for an unknown family or a current value that is not 8 bytes (nothing
   * written), and as batchMutate.
   */
  async increment(inc: Increment, nonce?: OperationNonce): Promise<Result> {
    for (const c of inc.columns) if (typeof c.amount !== 'bigint') throw new InvalidError('increment amount must be a bigint');
    return this.readModifyWrite(inc.row, mergeColumns(inc.columns), inc.skipWal === true, incrementCells, nonce);
  }

  /** Appends bytes to columns atomically; returns the new values. `nonce` as increment. Throws as increment. */
  async append(app: Append, nonce?: OperationNonce): Promise<Result> {
    for (const c of app.columns) if (!Buffer.isBuffer(c.value)) throw new InvalidError('append value must be bytes');
    return this.readModifyWrite(app.row, mergeColumns(app.columns), app.skipWal === true, appendCells, nonce);
  }

  private readModifyWrite(
    row: Buffer,
    cols: RmwColumn[],
    skipWal: boolean,
    compute: (row: Buffer, cols: readonly RmwColumn[], current: readonly CurrentCell[], now: bigint) => MutableCell[],
    nonce: OperationNonce | undefined,
  ): Promise<Result> {
    return this.op(async () => {
      validateRow(row);
      checkRow(this.info, row);
      if (cols.length === 0) throw new InvalidError('operation has no columns');
      for (const c of cols) this.requireStore(c.family);
      await this.waitForResources();
      const [lock] = await this.lockRows([row]);
      try {
        const current = await this.readColumns(row, cols, undefined);
        const cells = compute(row, cols, current, BigInt(this.clock.nowMs()));
        const bytes = checkSizes(cells, this.config);
        await this.commit([{ cells, bytes, skipWal, nonce }]);
        return { row, cells: cells.map(toResultCell).sort(compareResultCells) };
      } finally {
        lock!.release();
      }
    });
  }

  /**
   * HBase checkAndMutate: applies `c.mutations` (all to `c.row`) as ONE atomic row mutation if
   * the condition holds. Resolves whether it did. Throws InvalidError for mutations of another
   * row, an unknown family or a bad mutation (nothing written), and as batchMutate. `nonce`
   * goes into the WAL entry of the mutations when they are applied.
   */
  checkAndMutate(c: CheckAndMutate, nonce?: OperationNonce): Promise<boolean> {
    return this.op(async () => {
      validateRow(c.row);
      checkRow(this.info, c.row);
      this.requireStore(c.family);
      if (c.mutations.length === 0) throw new InvalidError('checkAndMutate needs at least one mutation');
      const now = BigInt(this.clock.nowMs());
      const cells: MutableCell[] = [];
      const latestLookups: number[] = [];
      for (const m of c.mutations) {
        if (!Buffer.isBuffer(m.row) || !m.row.equals(c.row)) throw new InvalidError('checkAndMutate mutations must all be of the checked row');
        const rc = this.cellObjects(m, now);
        for (const i of rc.latestLookups) latestLookups.push(cells.length + i);
        cells.push(...rc.cells);
      }
      const bytes = checkSizes(cells, this.config);
      await this.waitForResources();
      const [lock] = await this.lockRows([c.row]);
      try {
        const current = await this.readColumns(c.row, [{ family: c.family, qualifier: c.qualifier }], c.timeRange);
        if (!conditionHolds(c.op, c.value, current[0])) return false;
        if (latestLookups.length > 0) await this.resolveLatest(c.row, { cells, latestLookups, bytes });
        await this.commit([{ cells, bytes, skipWal: c.mutations.every((m) => m.skipWal === true), nonce }]);
        return true;
      } finally {
        lock!.release();
      }
    });
  }

  private requireStore(family: Buffer): Store {
    const s = Buffer.isBuffer(family) ? this.stores.get(family.toString('latin1')) : undefined;
    if (s === undefined) throw new InvalidError('column family does not exist in the table', { details: { family: Buffer.isBuffer(family) ? family.toString('utf8').slice(0, 100) : undefined } });
    return s;
  }

  /** Newest visible cell of each given column. */
  private readColumns(row: Buffer, cols: readonly { family: Buffer; qualifier: Buffer }[], timeRange: CheckAndMutate['timeRange']): Promise<readonly CurrentCell[]> {
    return this.readRow(row, cols, 1, timeRange);
  }

  // ---- reads ------------------------------------------------------------------------------

  /** The read path's picture of the region now (regionserver/scan/store-read-view.ts). */
  readContext(families?: readonly Buffer[]): RegionReadContext {
    let views: readonly StoreReadView[];
    if (families === undefined) {
      // The views of every store, kept while no store replaced its view (a flush, a
      // compaction or a split does): one array less per read.
      views = this.allViews;
      const list = this.storeList;
      for (let i = 0; i < list.length; i++) {
        if (list[i]!.readView() !== views[i]) {
          views = this.allViews = list.map((s) => s.readView());
          break;
        }
      }
    } else {
      views = families.map((f) => this.requireStore(f).readView());
    }
    let timed = false;
    for (const v of views) if (v.options.ttlMs !== Infinity) timed = true;
    return {
      stores: views,
      readPoint: this.mvcc.readPoint,
      nowMs: timed ? this.clock.nowMs() : 0,
      regionStartRow: this.info.startKey,
      regionEndRow: this.info.endKey,
      readers: this.readPoints,
    };
  }

  /**
   * The row's cells for `g` (regionserver/scan's regionGet: columns, versions, time range,
   * filter, raw). Throws InvalidError for an unknown family or a malformed request,
   * NotServingRegionError for a row outside the region or a closed region, the store readers'
   * errors (UnavailableError, CorruptionError).
   */
  get(g: Get): Promise<Result> {
    return this.readOp(() => {
      validateRow(g.row);
      checkRow(this.info, g.row);
      return regionGet(this.readContext(), g);
    });
  }

  /**
   * As get, but hands the row's cells to `use` in the read path's buffer instead of building a
   * Result (a server encodes them straight into its answer). Resolves to use's value, or
   * undefined when the row has nothing visible. `use` must copy what it keeps. Throws as get.
   */
  getWith<T>(g: Get, use: (out: RowBuffer) => T): Promise<T | undefined> {
    return this.readOp(() => {
      validateRow(g.row);
      checkRow(this.info, g.row);
      return regionGetWith(this.readContext(), g, use);
    });
  }

  /** A scanner over the region for `scan` (regionserver/scan/region-scanner.ts). */
  getScanner(scan: Scan): RegionScanner {
    if (this.state !== 'open') throw this.closedError();
    return RegionScanner.open(this.readContext(), scan);
  }

  /** Every Result of `scan`, collected (tests and small scans; servers page with getScanner). */
  async scanAll(scan: Scan): Promise<Result[]> {
    const sc = this.getScanner(scan);
    const out = new RowBuffer();
    const results: Result[] = [];
    try {
      for (;;) {
        const st = sc.nextRow(out);
        if (st === END) break;
        if (st === NEEDS_IO && !(await sc.nextRowAsync(out))) break;
        results.push(out.toResult());
      }
    } finally {
      sc.close();
    }
    return results;
  }

  // ---- flush ------------------------------------------------------------------------------

  /**
   * Flushes every store with unflushed edits now (after any running flush). Resolves when the
   * files are published. Throws UnavailableError (object store; nothing lost, the snapshot
   * stays for the next flush), FencedError (another owner took a store: the region aborts),
   * NotServingRegionError if the region aborted.
   */
  flush(): Promise<FlushOutcome> {
    const run = this.flushChain.then(
      () => this.doFlush(),
      () => this.doFlush(),
    );
    this.flushChain = run.catch(() => {});
    return run;
  }

  private async doFlush(): Promise<FlushOutcome> {
    if (this.state === 'aborted' || this.state === 'closed') throw this.closedError();
    this.flushRunning = true;
    try {
      const out = await flushStores({
        region: this.name,
        stores: this.storeList,
        mvcc: this.mvcc,
        accounting: this.accounting,
        checkOwned: () => this.checkOwned(),
      });
      if (out.files === 0) return out;
      this.lastFlushFailureMs = undefined;
      if (this.wal.releaseFlushed !== undefined) void this.wal.releaseFlushed().catch(() => {});
      return out;
    } catch (e) {
      this.lastFlushFailureMs = this.clock.monotonicMs();
      if (e instanceof FencedError) this.abort(e);
      throw e;
    } finally {
      this.flushRunning = false;
      this.syncHeap();
      this.wakePressureWaiters();
    }
  }

  private checkOwned(): void {
    if (this.state === 'aborted' || this.state === 'closed') throw this.closedError();
  }

  /** True if the region's MemStores hold at least the flush size. */
  needsFlush(): boolean {
    return this.memStoreHeapSize >= this.config.flushSizeBytes;
  }

  private maybeRequestFlush(): void {
    if (this.needsFlush() && !this.flushRunning) this.requestFlush('memstore size');
  }

  /** Asks for a flush soon: through the server's flusher, or in the background. */
  requestFlush(reason: string): void {
    if (this.state !== 'open') return;
    if (this.flusher !== undefined) {
      this.flusher.requestFlush(this, reason);
      return;
    }
    if (this.autoFlushQueued) return;
    this.autoFlushQueued = true;
    void (async () => {
      // After a failure, wait before trying again (the failure repeats otherwise at once).
      const since = this.lastFlushFailureMs === undefined ? Infinity : this.clock.monotonicMs() - this.lastFlushFailureMs;
      if (since < this.config.flushRetryDelayMs) await this.clock.sleep(this.config.flushRetryDelayMs - since);
      await this.flushWhenAllowed();
    })()
      .catch((e: unknown) => this.onBackgroundError(e))
      .finally(() => (this.autoFlushQueued = false));
  }

  /**
   * A requested (not explicit) flush: while a store has too many files it is held back — at
   * most blockingWaitTimeMs, asking for compactions meanwhile — then it runs (HBase's
   * MemStoreFlusher delay). Used by the flusher's workers.
   */
  async flushWhenAllowed(): Promise<FlushOutcome | undefined> {
    const start = this.clock.monotonicMs();
    while (this.state === 'open' && this.storeList.some((s) => s.isBlocked())) {
      const left = this.config.blockingWaitTimeMs - (this.clock.monotonicMs() - start);
      if (left <= 0) break;
      this.compactor?.requestCompaction(this, 'too many store files');
      await this.pressure.changedOr(left);
    }
    if (this.state !== 'open') return undefined;
    return this.flush();
  }

  // ---- backpressure -----------------------------------------------------------------------

  private overLimit(): boolean {
    const heap = this.memStoreHeapSize;
    if (heap > this.config.blockingMultiplier * this.config.flushSizeBytes) return true;
    if (heap >= this.config.flushSizeBytes && this.storeList.some((s) => s.isBlocked())) return true;
    return this.flusher?.globalBlocked() === true;
  }

  /** Waits (bounded) while the region or server is over its memory limits. */
  private async waitForResources(): Promise<void> {
    if (!this.overLimit()) return;
    this.requestFlush('blocking writes');
    const deadline = this.clock.monotonicMs() + this.config.busyWaitMs;
    while (this.overLimit()) {
      if (this.state !== 'open') throw this.closedError();
      this.requestFlush('blocking writes'); // again: the last attempt may have failed
      const left = deadline - this.clock.monotonicMs();
      if (left <= 0) {
        throw new UnavailableError('region is too busy: memstore over its limit or too many store files; retry later', {
          code: ErrorCodes.THROTTLED,
          details: { region: this.name, memstoreBytes: this.memStoreHeapSize, flushSizeBytes: this.config.flushSizeBytes, waitedMs: this.config.busyWaitMs },
        });
      }
      await this.pressure.changedOr(left);
    }
  }

  /** Wakes writers waiting for backpressure to clear (flush or compaction finished). */
  wakePressureWaiters(): void {
    this.pressure.wake();
  }

  /** Reports the MemStore heap change since the last report to the flusher. */
  private syncHeap(): void {
    const delta = this.memStoreHeapSize - this.reportedHeap;
    if (delta === 0) return;
    this.reportedHeap += delta;
    this.flusher?.memStoreChanged(this, delta);
  }

  /** The heap size last reported to the flusher (the flusher subtracts it on unregister). */
  get reportedMemStoreHeap(): number {
    return this.reportedHeap;
  }
}

function toResultCell(c: Cell): ResultCell {
  return { row: c.row, family: c.family, qualifier: c.qualifier, timestamp: c.timestamp, type: c.type, value: c.value };
}

function compareResultCells(a: ResultCell, b: ResultCell): number {
  return Buffer.compare(a.family, b.family) || Buffer.compare(a.qualifier, b.qualifier) || (a.timestamp > b.timestamp ? -1 : a.timestamp < b.timestamp ? 1 : b.type - a.type);
}
