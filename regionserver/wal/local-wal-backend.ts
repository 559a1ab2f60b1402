// WAL backend on the local filesystem (standalone): segment files in one directory, one
// durable append per group commit, a new segment when the current one reaches rollBytes.
// Layout and reading: local-wal-dir.ts.
//
// Durability: a commit resolves only after its bytes are written through an O_DSYNC descriptor
// (syncMode 'dsync', the default: each write is durable on return, one system call) or
// written and fdatasync'ed (syncMode 'fdatasync'). Segment creation and deletion fsync the
// directory.
//
// Fencing (standalone has no object store to race on): after each durable write and before
// acknowledging, the backend checks the directory's FENCED marker; if present the commit
// fails with FencedError. A fencer creates the marker first, then reads the segments: any
// chunk acknowledged was durable before the marker existed, so the fencer's read sees it.
//
// I/O uses the callback fs API on one descriptor (no FileHandle promise machinery per call).

import { close, existsSync, fdatasync, ftruncate, fsync, open as openCb, write, constants as fsc } from 'node:fs';
import { mkdir, readFile, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { ErrorCodes, FencedError, InvalidError } from '../../common/errors.js';
import { FENCE_MARKER, fsyncDir, ioError, listSegments, segmentName } from './local-wal-dir.js';
import type { WalBackend } from './wal-backend.js';
import { parseChunks } from './wal-reader.js';

export const DEFAULT_LOCAL_CHUNK_BYTES = 32 * 1024;

export interface LocalWalOptions {
  /** Start a new segment once the current one holds this many bytes (default 64 MiB). */
  readonly rollBytes?: number;
  /**
   * Chunk size past which the writer double-buffers (WalBackend.preferredChunkBytes), default
   * 32 KiB: an fdatasync costs about the same for 4 KiB and 32 KiB, so two alternating chunks
   * let callers' work overlap the disk.
   */
  readonly chunkBytes?: number;
  /**
   * 'dsync' (default): one write on an O_DSYNC descriptor per commit, durable when it returns.
   * 'fdatasync': write, then fdatasync. The same guarantee; 'dsync' is one thread-pool job
   * instead of two, so the main thread never has to run between them: with encoding done at
   * append time, the disk write overlaps the callers' work and group commit ran 1.3-1.5x as
   * many commits per second (docs/benchmarks.md, session 5).
   */
  readonly syncMode?: 'fdatasync' | 'dsync';
}

export class LocalWalBackend implements WalBackend {
  readonly description: string;
  preferredChunkBytes = DEFAULT_LOCAL_CHUNK_BYTES;
  private readonly markerPath: string;
  private deletedBelow: number;

  private constructor(
    private readonly dir: string,
    private segId: number,
    private fd: number,
    private readonly rollBytes: number,
    private readonly syncMode: 'fdatasync' | 'dsync',
    firstSegment: number,
  ) {
    this.description = `local wal ${dir}`;
    this.markerPath = join(dir, FENCE_MARKER);
    this.deletedBelow = firstSegment;
  }

  private size = 0;

  /**
   * Opens the WAL directory `dir` for writing (creating it). If segments exist (a previous
   * writer of this directory crashed), the torn tail of the last one is truncated away and
   * writing continues in a new segment.
   * Throws FencedError (TSB_FENCED) if the directory is fenced, CorruptionError if an
   * existing last segment is damaged before its tail, InternalError on I/O failure.
   * REQUIRES: no other live writer of `dir`.
   */
  static async open(dir: string, opts: LocalWalOptions = {}): Promise<LocalWalBackend> {
    const rollBytes = opts.rollBytes ?? 64 * 1024 * 1024;
    if (!Number.isSafeInteger(rollBytes) || rollBytes <= 0) {
      throw new InvalidError('rollBytes must be a positive integer', { code: ErrorCodes.INVALID_CONFIG, details: { rollBytes } });
    }
    await mkdir(dir, { recursive: true }).catch((e: unknown) => {
      throw ioError('cannot create the local wal directory', dir, e);
    });
    fsyncDir(dirname(dir));
    if (existsSync(join(dir, FENCE_MARKER))) throw new FencedError('local wal is fenced; use a new directory (epoch)', { details: { dir } });
    const ids = await listSegments(dir);
    const last = ids[ids.length - 1];
    if (last !== undefined) await truncateTornTail(join(dir, segmentName(last)));
    const segId = last === undefined ? 0 : last + 1;
    const syncMode = opts.syncMode ?? 'dsync';
    const fd = await openSegment(dir, segId, syncMode);
    const backend = new LocalWalBackend(dir, segId, fd, rollBytes, syncMode, ids[0] ?? segId);
    if (opts.chunkBytes !== undefined) {
      if (!(opts.chunkBytes > 0)) throw new InvalidError('chunkBytes must be positive', { code: ErrorCodes.INVALID_CONFIG, details: { chunkBytes: opts.chunkBytes } });
      backend.preferredChunkBytes = opts.chunkBytes;
    }
    return backend;
  }

  nextUnit(): number {
    return this.size >= this.rollBytes ? this.segId + 1 : this.segId;
  }

  async commit(chunk: Buffer): Promise<number> {
    if (this.size >= this.rollBytes) await this.roll();
    let off = 0;
    while (off < chunk.length) {
      off += await writeAt(this.fd, chunk, off, chunk.length - off, this.size + off);
    }
    if (this.syncMode === 'fdatasync') await sync(this.fd, true);
    this.size += chunk.length;
    // Fence check: after durable, before acknowledging (see the file comment).
    if (existsSync(this.markerPath)) {
      throw new FencedError('local wal is fenced: another process took over; this server must stop', { details: { dir: this.dir } });
    }
    return this.segId;
  }

  async deleteBelow(lowWater: number): Promise<void> {
    const top = Math.min(lowWater, this.segId);
    if (top <= this.deletedBelow) return;
    for (const id of await listSegments(this.dir)) {
      if (id >= top) break;
      await unlink(join(this.dir, segmentName(id))).catch((e: unknown) => {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw ioError('cannot delete a wal segment', this.dir, e);
      });
    }
    fsyncDir(this.dir);
    this.deletedBelow = top;
  }

  async close(): Promise<void> {
    const fd = this.fd;
    this.fd = -1;
    if (fd >= 0) await new Promise<void>((resolve) => close(fd, () => resolve()));
  }

  /** The id of the segment being written. */
  get currentSegment(): number {
    return this.segId;
  }

  private async roll(): Promise<void> {
    const next = this.segId + 1;
    const fd = await openSegment(this.dir, next, this.syncMode);
    const old = this.fd;
    this.fd = fd;
    this.segId = next;
    this.size = 0;
    // The old segment's last chunk was synced before its commit resolved.
    close(old, () => {});
  }
}

/** Creates segment `id` (it must not exist) and makes its directory entry durable. */
async function openSegment(dir: string, id: number, syncMode: 'fdatasync' | 'dsync'): Promise<number> {
  const path = join(dir, segmentName(id));
  const flags = fsc.O_WRONLY | fsc.O_CREAT | fsc.O_EXCL | (syncMode === 'dsync' ? fsc.O_DSYNC : 0);
  const fd = await new Promise<number>((resolve, reject) =>
    openCb(path, flags, 0o644, (err, fd) => (err ? reject(ioError('cannot create a wal segment', path, err)) : resolve(fd))),
  );
  fsyncDir(dir);
  return fd;
}

/** Cuts a torn last chunk off `path` (crash recovery). Throws CorruptionError for other damage. */
async function truncateTornTail(path: string): Promise<void> {
  const buf = await readFile(path).catch((e: unknown) => {
    throw ioError('cannot read a wal segment', path, e);
  });
  const r = parseChunks(buf, path, { tornTailAllowed: true });
  if (r.tornTail === undefined) return;
  const fd = await new Promise<number>((resolve, reject) =>
    openCb(path, fsc.O_WRONLY, (err, fd) => (err ? reject(ioError('cannot open a wal segment', path, err)) : resolve(fd))),
  );
  try {
    await new Promise<void>((resolve, reject) => ftruncate(fd, r.validEnd, (err) => (err ? reject(ioError('cannot truncate a wal segment', path, err)) : resolve())));
    await sync(fd, false);
  } finally {
    close(fd, () => {});
  }
}

function writeAt(fd: number, buf: Buffer, off: number, len: number, pos: number): Promise<number> {
  return new Promise((resolve, reject) =>
    write(fd, buf, off, len, pos, (err, n) => (err ? reject(ioError('wal write failed', String(fd), err)) : resolve(n))),
  );
}

function sync(fd: number, dataOnly: boolean): Promise<void> {
  return new Promise((resolve, reject) => (dataOnly ? fdatasync : fsync)(fd, (err) => (err ? reject(ioError('wal sync failed', String(fd), err)) : resolve())));
}
