// The second tier of the block cache: blocks in segment files in a local directory (the pod's
// cache volume), with persisted indexes so the tier survives a process restart. Like HBase's
// file-backed BucketCache, but log-structured: blocks are appended to the newest segment and
// space is reclaimed by deleting whole segments, oldest first (FIFO by segment). A block read
// from this tier is normally promoted back into the memory tier, so hot blocks live there.
//
// Byte layout: docs/formats/block-cache-tier.md (file-tier-codec.ts).
//
// Invariants:
//   1. An index entry points only at bytes whose write has completed.
//   2. Every block returned passed its CRC check on this read: damaged or partial records are
//      dropped from the index and reported as misses, never served.
//   3. The segment files' total size never exceeds the capacity.
//   4. A fileId names immutable bytes forever (HFile names are never reused), so a block
//      found under (fileId, offset) is the block, however old.
//
// Concurrency: `put` is synchronous and only queues the block (it can be read back from the
// queue at once); one write loop at a time appends queued blocks. `get`s may run concurrently
// with each other and with the write loop. Nothing here throws on I/O errors after open: they
// are counted (`ioErrors`) and the block is treated as not cached.

import type { FileHandle } from 'node:fs/promises';
import { mkdir, open, rm } from 'node:fs/promises';
import { ErrorCodes, InvalidError, UnavailableError } from '../../common/errors.js';
import type { RecordInfo } from './file-tier-codec.js';
import { encodeRecordHeader, encodeSegmentHeader, recordHeaderLength, verifyRecord } from './file-tier-codec.js';
import { indexPath, listTier, loadSegmentRecords, segmentPath, writeIndexFile } from './file-tier-files.js';
import { FLAG_IN_MEMORY, MAX_FILE_ID_BYTES, SEGMENT_HEADER_SIZE } from './file-tier-format.js';
import type { BlockCacheStats } from './lru-block-cache.js';

export interface FileTierOptions {
  /** Directory owned by the tier (created if missing). */
  readonly dir: string;
  /** Upper bound of the segment files' total bytes. */
  readonly capacityBytes: number;
  /** Segment size. Default min(64 MiB, capacity / 4); at most capacity / 2. */
  readonly segmentBytes?: number;
  /** Queued, not yet written bytes above which puts are dropped. Default min(64 MiB, capacity / 4). */
  readonly maxPendingBytes?: number;
}

/** A block read from the tier. */
export interface TierBlock {
  readonly data: Buffer;
  /** The block was put with inMemory = true. */
  readonly inMemory: boolean;
}

class Segment {
  /** Records appended (or recovered), in order. Some may no longer be in the index. */
  readonly records: RecordInfo[] = [];
  readers = 0;
  retired = false;
  constructor(
    readonly id: number,
    readonly fh: FileHandle,
    /** Bytes in the file (written, for the active segment). */
    public length: number,
  ) {}
}

interface Located {
  readonly seg: Segment;
  readonly rec: RecordInfo;
}

interface Pending {
  readonly fileId: string;
  readonly offset: number;
  readonly data: Buffer;
  readonly flags: number;
}

export class FileTier implements BlockCacheStats {
  readonly capacity: number;
  readonly segmentBytes: number;
  readonly maxPendingBytes: number;
  hits = 0;
  misses = 0;
  /** Blocks dropped with deleted segments. */
  evictions = 0;
  evictedBytes = 0;
  /** Bytes of segment files on disk. */
  size = 0;
  /** Blocks indexed (on disk). */
  count = 0;
  /** Records that failed their check on read (and were dropped). */
  corruptions = 0;
  /** Failed reads and writes. */
  ioErrors = 0;
  /** Puts dropped because too many bytes were queued. */
  dropped = 0;
  pendingBytes = 0;

  private readonly index = new Map<string, Map<number, Located>>();
  private readonly pending = new Map<string, Map<number, Pending>>();
  private queue: Pending[] = [];
  private readonly segments: Segment[] = [];
  private active: Segment | undefined;
  private writing: Promise<void> | undefined;
  private closed = false;
  /** Segment ids are never reused (a deleted segment's files may still be being removed). */
  private nextId = 1;

  private constructor(
    readonly dir: string,
    opts: FileTierOptions,
  ) {
    this.capacity = opts.capacityBytes;
    this.segmentBytes = opts.segmentBytes ?? Math.min(64 << 20, Math.floor(opts.capacityBytes / 4));
    this.maxPendingBytes = opts.maxPendingBytes ?? Math.min(64 << 20, Math.floor(opts.capacityBytes / 4));
  }

  /**
   * Opens the tier in `opts.dir`, recovering the blocks of earlier processes (see the format
   * document for what is kept). Throws InvalidError (TSB_INVALID_CONFIG) on bad options and
   * UnavailableError if the directory cannot be used.
   */
  static async open(opts: FileTierOptions): Promise<FileTier> {
    const t = new FileTier(opts.dir, opts);
    if (!Number.isSafeInteger(t.capacity) || t.segmentBytes < 4096 || t.segmentBytes > t.capacity / 2 || t.segmentBytes > 0x7fffffff) {
      throw new InvalidError('file tier needs 4 KiB <= segmentBytes <= min(capacity / 2, 2 GiB)', {
        code: ErrorCodes.INVALID_CONFIG,
        details: { dir: opts.dir, capacityBytes: t.capacity, segmentBytes: t.segmentBytes },
      });
    }
    try {
      await mkdir(opts.dir, { recursive: true });
      await t.recover();
      await t.startSegment();
    } catch (err) {
      await t.close();
      throw new UnavailableError('cannot open block cache file tier', { cause: err, details: { dir: opts.dir } });
    }
    return t;
  }

  /** True if the block is on disk or queued. No counters change. */
  contains(fileId: string, offset: number): boolean {
    return this.index.get(fileId)?.has(offset) === true || this.pending.get(fileId)?.has(offset) === true;
  }

  /**
   * Queues the block to be written; a no-op if it is already in the tier, too large for a
   * segment, or the queue is full (counted in `dropped`). Synchronous; REQUIRES: `data` is
   * never mutated afterwards.
   */
  put(fileId: string, offset: number, data: Buffer, inMemory = false): void {
    if (this.closed || this.contains(fileId, offset)) return;
    const idLen = Buffer.byteLength(fileId, 'utf8');
    if (idLen > MAX_FILE_ID_BYTES || data.length + recordHeaderLength(idLen) + SEGMENT_HEADER_SIZE > this.segmentBytes) return;
    if (this.pendingBytes + data.length > this.maxPendingBytes) {
      this.dropped++;
      return;
    }
    const p: Pending = { fileId, offset, data, flags: inMemory ? FLAG_IN_MEMORY : 0 };
    let m = this.pending.get(fileId);
    if (m === undefined) this.pending.set(fileId, (m = new Map()));
    m.set(offset, p);
    this.queue.push(p);
    this.pendingBytes += data.length;
    if (this.writing === undefined) this.writing = this.writeLoop();
  }

  /** The block, read and checked, or undefined (a miss; also after damage or an I/O error). */
  async get(fileId: string, offset: number): Promise<TierBlock | undefined> {
    const p = this.pending.get(fileId)?.get(offset);
    if (p !== undefined) {
      this.hits++;
      return { data: p.data, inMemory: (p.flags & FLAG_IN_MEMORY) !== 0 };
    }
    const loc = this.index.get(fileId)?.get(offset);
    if (loc === undefined || this.closed) {
      this.misses++;
      return undefined;
    }
    const { seg, rec } = loc;
    const len = recordHeaderLength(Buffer.byteLength(rec.fileId, 'utf8')) + rec.dataLen;
    const buf = Buffer.allocUnsafe(len);
    let data: Buffer | undefined;
    seg.readers++;
    try {
      const { bytesRead } = await seg.fh.read(buf, 0, len, rec.pos);
      data = bytesRead === len ? verifyRecord(buf, rec) : undefined;
      if (data === undefined) this.corruptions++;
    } catch {
      this.ioErrors++;
    } finally {
      seg.readers--;
      if (seg.retired && seg.readers === 0) void seg.fh.close().catch(() => undefined);
    }
    if (data === undefined) {
      this.unindex(fileId, offset, loc);
      this.misses++;
      return undefined;
    }
    this.hits++;
    return { data, inMemory: (rec.flags & FLAG_IN_MEMORY) !== 0 };
  }

  /** Forgets every block of `fileId` (space is reclaimed with its segments). Returns how many. */
  evictFile(fileId: string): number {
    let n = 0;
    const m = this.index.get(fileId);
    if (m !== undefined) {
      n += m.size;
      this.count -= m.size;
      this.index.delete(fileId);
    }
    const pm = this.pending.get(fileId);
    if (pm !== undefined) {
      n += pm.size;
      for (const p of pm.values()) this.pendingBytes -= p.data.length;
      this.pending.delete(fileId);
    }
    return n;
  }

  /** Resolves when every block queued so far has been written (or dropped). */
  async flush(): Promise<void> {
    while (this.writing !== undefined) await this.writing;
  }

  /**
   * Writes what is queued, writes the active segment's index and closes the files. Later
   * gets miss and puts are ignored. Safe to call twice.
   */
  async close(): Promise<void> {
    await this.flush();
    if (this.closed) return;
    this.closed = true;
    if (this.active !== undefined) await this.seal(this.active);
    this.active = undefined;
    for (const seg of this.segments) this.retire(seg);
  }

  stats(): BlockCacheStats & { corruptions: number; ioErrors: number; dropped: number; pendingBytes: number } {
    return {
      hits: this.hits,
      misses: this.misses,
      evictions: this.evictions,
      evictedBytes: this.evictedBytes,
      size: this.size,
      count: this.count,
      capacity: this.capacity,
      corruptions: this.corruptions,
      ioErrors: this.ioErrors,
      dropped: this.dropped,
      pendingBytes: this.pendingBytes,
    };
  }

  // ---- writing ----

  private async writeLoop(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        const batch = this.queue;
        this.queue = [];
        if (this.active === undefined && !this.closed) await this.startSegment().catch(() => this.ioErrors++);
        if (this.active !== undefined) await this.writeBatch(batch);
        // Whatever could not be written is not cached.
        for (const p of batch) this.forgetPending(p);
      }
    } finally {
      this.writing = undefined;
    }
  }

  /** Appends the still-pending blocks of `batch`, rolling segments as they fill. Never throws. */
  private async writeBatch(batch: readonly Pending[]): Promise<void> {
    let bufs: Buffer[] = [];
    let run: Array<{ p: Pending; rec: RecordInfo }> = [];
    let runLen = 0;
    for (const p of batch) {
      if (this.pending.get(p.fileId)?.get(p.offset) !== p) continue; // evicted while queued
      const idBytes = Buffer.from(p.fileId, 'utf8');
      const { header, crc } = encodeRecordHeader(idBytes, p.offset, p.flags, p.data);
      const recLen = header.length + p.data.length;
      let seg = this.active;
      if (seg === undefined) return;
      if (seg.length + runLen + recLen > this.segmentBytes) {
        await this.writeRun(seg, bufs, run, runLen);
        bufs = [];
        run = [];
        runLen = 0;
        await this.roll();
        seg = this.active;
        if (seg === undefined) return;
      }
      await this.makeRoom(recLen + runLen);
      bufs.push(header, p.data);
      run.push({ p, rec: { pos: seg.length + runLen, dataLen: p.data.length, crc, blockOffset: p.offset, flags: p.flags, fileId: p.fileId } });
      runLen += recLen;
    }
    const seg = this.active;
    if (seg !== undefined) await this.writeRun(seg, bufs, run, runLen);
  }

  private async writeRun(seg: Segment, bufs: Buffer[], run: Array<{ p: Pending; rec: RecordInfo }>, runLen: number): Promise<void> {
    if (run.length === 0) return;
    const pos = seg.length;
    seg.length += runLen;
    this.size += runLen;
    let ok: boolean;
    try {
      const { bytesWritten } = await seg.fh.writev(bufs, pos);
      ok = bytesWritten === runLen;
    } catch {
      ok = false;
    }
    for (const { p, rec } of run) {
      const stillPending = this.pending.get(p.fileId)?.get(p.offset) === p;
      this.forgetPending(p);
      if (!ok || !stillPending || seg.retired) continue;
      seg.records.push(rec);
      let m = this.index.get(p.fileId);
      if (m === undefined) this.index.set(p.fileId, (m = new Map()));
      if (!m.has(p.offset)) this.count++;
      m.set(p.offset, { seg, rec });
    }
    if (!ok) {
      // Bytes after a failed write are unknown; start a fresh segment so a later scan of this
      // one does not stop early and lose the records behind the gap.
      this.ioErrors++;
      await this.roll();
    }
  }

  private forgetPending(p: Pending): void {
    const m = this.pending.get(p.fileId);
    if (m === undefined || m.get(p.offset) !== p) return;
    m.delete(p.offset);
    if (m.size === 0) this.pending.delete(p.fileId);
    this.pendingBytes -= p.data.length;
  }

  /**
   * Deletes the oldest sealed segments until `extra` more bytes fit in the capacity, and waits
   * until their files are gone (so the disk, not only the accounting, stays within bounds).
   */
  private async makeRoom(extra: number): Promise<void> {
    while (this.size + extra > this.capacity) {
      const oldest = this.segments[0];
      if (oldest === undefined || oldest === this.active) return; // cannot happen: segmentBytes <= capacity / 2
      await this.deleteSegment(oldest);
    }
  }

  /** Seals the active segment and starts a new one. On failure the tier stops writing. */
  private async roll(): Promise<void> {
    const seg = this.active;
    this.active = undefined;
    if (seg !== undefined) await this.seal(seg);
    if (this.closed) return;
    try {
      await this.startSegment();
    } catch {
      this.ioErrors++;
    }
  }

  private async startSegment(): Promise<void> {
    await this.makeRoom(SEGMENT_HEADER_SIZE);
    const id = this.nextId++;
    const fh = await open(this.segPath(id), 'wx+');
    const seg = new Segment(id, fh, SEGMENT_HEADER_SIZE);
    this.segments.push(seg);
    this.size += SEGMENT_HEADER_SIZE;
    try {
      await fh.write(encodeSegmentHeader(), 0, SEGMENT_HEADER_SIZE, 0);
    } catch (err) {
      await this.deleteSegment(seg);
      throw err;
    }
    this.active = seg;
  }

  /** Writes the index of `seg` (its records still indexed). Failure only costs a rescan. */
  private async seal(seg: Segment): Promise<void> {
    if (seg.retired) return;
    const live = seg.records.filter((r) => this.index.get(r.fileId)?.get(r.blockOffset)?.rec === r);
    try {
      await writeIndexFile(this.dir, seg.id, seg.length, live);
    } catch {
      this.ioErrors++;
    }
  }

  /** Drops a segment from the index (at once) and deletes its files. */
  private async deleteSegment(seg: Segment): Promise<void> {
    const i = this.segments.indexOf(seg);
    if (i >= 0) this.segments.splice(i, 1);
    for (const rec of seg.records) {
      const loc = this.index.get(rec.fileId)?.get(rec.blockOffset);
      if (loc !== undefined && loc.rec === rec) {
        this.unindex(rec.fileId, rec.blockOffset, loc);
        this.evictions++;
        this.evictedBytes += rec.dataLen;
      }
    }
    this.size -= seg.length;
    if (this.active === seg) this.active = undefined;
    this.retire(seg);
    await rm(this.segPath(seg.id), { force: true }).catch(() => this.ioErrors++);
    await rm(this.idxPath(seg.id), { force: true }).catch(() => this.ioErrors++);
  }

  private retire(seg: Segment): void {
    if (seg.retired) return;
    seg.retired = true;
    if (seg.readers === 0) void seg.fh.close().catch(() => undefined);
  }

  private unindex(fileId: string, offset: number, loc: Located): void {
    const m = this.index.get(fileId);
    if (m === undefined || m.get(offset) !== loc) return;
    m.delete(offset);
    if (m.size === 0) this.index.delete(fileId);
    this.count--;
  }

  // ---- recovery ----

  private async recover(): Promise<void> {
    const { segments, maxId } = await listTier(this.dir);
    this.nextId = maxId + 1;
    for (const { id, hasIndex } of segments) await this.recoverSegment(id, hasIndex);
    await this.makeRoom(0);
  }

  private async recoverSegment(id: number, hasIndex: boolean): Promise<void> {
    const fh = await open(this.segPath(id), 'r');
    const { size: fileSize } = await fh.stat();
    const records = await loadSegmentRecords(this.dir, id, fh, fileSize, hasIndex);
    if (records === undefined) {
      await fh.close();
      await rm(this.segPath(id), { force: true });
      await rm(this.idxPath(id), { force: true });
      return;
    }
    const seg = new Segment(id, fh, fileSize);
    this.segments.push(seg);
    this.size += fileSize;
    for (const rec of records) {
      let m = this.index.get(rec.fileId);
      if (m === undefined) this.index.set(rec.fileId, (m = new Map()));
      if (!m.has(rec.blockOffset)) this.count++;
      m.set(rec.blockOffset, { seg, rec });
      seg.records.push(rec);
    }
  }

  private segPath(id: number): string {
    return segmentPath(this.dir, id);
  }

  private idxPath(id: number): string {
    return indexPath(this.dir, id);
  }
}
