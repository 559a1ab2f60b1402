// Filesystem ObjectStore (standalone mode and tests). Layout and sync points are documented in
// docs/formats/fs-object-store.md; names and key encoding live in fs-store-format.ts.
//
// How a put becomes visible, and why a crash never shows half an object:
//  1. The bytes go to a fresh temp file `<root>/tmp/<pid>-<random>.tmp` (O_EXCL), its mtime is
//     set to a value unique in this process, then the file is fsynced and closed.
//  2. The object's directory is created durably if needed (fs-dirs.ts).
//  3. Under the key's in-process lock: create-if-absent `link()`s the temp file to the object
//     path (atomic; EEXIST means the object exists); a plain put `rename()`s it over the path
//     (atomic replace); compare-and-swap stats the path, compares the etag, then renames.
//  4. The object's directory is fsynced (coalesced with concurrent puts) before the put returns.
// A crash before 3 leaves only a temp file, which is invisible and removed at the next open; a
// crash after 3 shows the old object or the complete new one.
//
// ETag: `<ino>-<size>-<mtimeNs>` in hex, read with fstat/stat. Every replace installs a new inode
// that existed while the old one did, so the etag changes on every replace; the unique mtime
// keeps a later version from repeating an old etag when the filesystem reuses a freed inode.
//
// Concurrency: any calls may run concurrently. Conditional puts and deletes are linearizable
// among the users of one FsObjectStore instance; create-if-absent is atomic across processes
// too (link), compare-and-swap is NOT (one process owns a root; a second process may read).

import { randomBytes } from 'node:crypto';
import type { BigIntStats } from 'node:fs';
import { link, mkdir, open, readdir, rename, rmdir, stat, unlink } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { Clock } from '../clock.js';
import { systemClock } from '../clock.js';
import { ConflictError, ErrorCodes, NotFoundError, TsbaseError, UnavailableError } from '../errors.js';
import { DirectoryTracker } from './fs-dirs.js';
import { listKeys } from './fs-list.js';
import { OBJECTS_DIR, TMP_DIR, TMP_SUFFIX, keyToRelativePath } from './fs-store-format.js';
import { KeyedMutex } from './key-lock.js';
import type {
  ByteRange,
  GetResult,
  ListOptions,
  ListPage,
  ObjectMeta,
  ObjectStore,
  PutOptions,
  PutResult,
  UploadOptions,
  UploadSource,
} from './object-store.js';
import { resolveRange, validateKey, validatePrefix } from './validate.js';

export interface FsObjectStoreOptions {
  /** Source of the mtimes that make etags unique (default: the system clock). */
  readonly clock?: Clock;
}

export class FsObjectStore implements ObjectStore {
  readonly description: string;
  private readonly objectsDir: string;
  private readonly tmpDir: string;
  private readonly dirs: DirectoryTracker;
  private readonly locks = new KeyedMutex();
  private readonly clock: Clock;
  private lastMtimeUs = 0;
  private tmpSeq = 0;
  private readonly tmpTag = `${process.pid}-${randomBytes(6).toString('hex')}`;

  private constructor(root: string, opts: FsObjectStoreOptions) {
    this.description = `fs:${root}`;
    this.objectsDir = join(root, OBJECTS_DIR);
    this.tmpDir = join(root, TMP_DIR);
    this.dirs = new DirectoryTracker(this.objectsDir);
    this.clock = opts.clock ?? systemClock;
  }

  /**
   * Opens (creating if needed) the store rooted at `root`, and removes temp files left by
   * processes that are no longer running. One process should own a root at a time (see the
   * header); other processes may read it. Throws UnavailableError if the root is unusable.
   */
  static async open(root: string, opts: FsObjectStoreOptions = {}): Promise<FsObjectStore> {
    const abs = resolve(root);
    const store = new FsObjectStore(abs, opts);
    try {
      await mkdir(store.objectsDir, { recursive: true });
      await mkdir(store.tmpDir, { recursive: true });
      await fsyncPath(abs);
      await fsyncPath(dirname(abs));
      await store.removeStaleTempFiles();
    } catch (err) {
      throw fsError(err, 'open', root);
    }
    return store;
  }

  /** Removes temp files whose writing process is gone. Returns how many it removed. */
  async removeStaleTempFiles(): Promise<number> {
    let removed = 0;
    for (const name of await readdir(this.tmpDir)) {
      const pid = Number(name.slice(0, name.indexOf('-')));
      if (Number.isSafeInteger(pid) && pid > 0 && processAlive(pid)) continue;
      await unlink(join(this.tmpDir, name)).catch(ignoreCode('ENOENT'));
      removed++;
    }
    return removed;
  }

  async get(key: string, range?: ByteRange): Promise<GetResult> {
    const path = this.pathOf(key);
    let fh: FileHandle;
    try {
      fh = await open(path, 'r');
    } catch (err) {
      throw fsError(err, 'get', key);
    }
    try {
      const st = await fh.stat({ bigint: true });
      const size = Number(st.size);
      const { start, end } = range === undefined ? { start: 0, end: size } : resolveRange(key, range, size);
      const body = Buffer.allocUnsafe(end - start);
      let done = 0;
      while (done < body.length) {
        const { bytesRead } = await fh.read(body, done, body.length - done, start + done);
        if (bytesRead === 0) break; // cannot happen: objects are never modified in place
        done += bytesRead;
      }
      return { body: done === body.length ? body : body.subarray(0, done), etag: etagOf(st), size };
    } catch (err) {
      throw fsError(err, 'get', key);
    } finally {
      await fh.close();
    }
  }

  async head(key: string): Promise<ObjectMeta | undefined> {
    const path = this.pathOf(key);
    try {
      const st = await stat(path, { bigint: true });
      return { key, size: Number(st.size), etag: etagOf(st) };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw fsError(err, 'head', key);
    }
  }

  async put(key: string, body: Buffer | Uint8Array, opts: PutOptions = {}): Promise<PutResult> {
    const path = this.pathOf(key);
    const tmp = this.tmpPath();
    let fh: FileHandle | undefined;
    try {
      fh = await open(tmp, 'wx');
      let done = 0;
      while (done < body.length) {
        const { bytesWritten } = await fh.write(body, done, body.length - done);
        done += bytesWritten;
      }
      return await this.commit(key, path, tmp, fh, opts);
    } catch (err) {
      await abandon(fh, tmp);
      throw fsError(err, 'put', key);
    }
  }

  async upload(key: string, source: UploadSource, _opts: UploadOptions = {}): Promise<PutResult & { size: number }> {
    const path = this.pathOf(key);
    const tmp = this.tmpPath();
    let fh: FileHandle | undefined;
    let size = 0;
    try {
      fh = await open(tmp, 'wx');
      for await (const chunk of source) {
        let done = 0;
        while (done < chunk.length) {
          const { bytesWritten } = await fh.write(chunk, done, chunk.length - done);
          done += bytesWritten;
        }
        size += chunk.length;
      }
      const { etag } = await this.commit(key, path, tmp, fh, {});
      return { etag, size };
    } catch (err) {
      await abandon(fh, tmp);
      throw err instanceof TsbaseError || isErrno(err) ? fsError(err, 'upload', key) : err;
    }
  }

  /** Steps 1 (mtime, fsync, close) to 4 of the header for a fully written temp file. */
  private async commit(key: string, path: string, tmp: string, fh: FileHandle, opts: PutOptions): Promise<PutResult> {
    const mtimeUs = this.nextMtimeUs();
    await fh.utimes(mtimeUs / 1e6, mtimeUs / 1e6);
    await fh.sync();
    const st = await fh.stat({ bigint: true });
    await fh.close();
    const etag = etagOf(st);
    const dir = dirname(path);
    for (let attempt = 0; ; attempt++) {
      await this.dirs.ensure(dir);
      try {
        await this.locks.run(key, () => this.install(key, path, tmp, opts));
        break;
      } catch (err) {
        // ENOENT: a delete removed the (empty) directory after we ensured it; make it again.
        if ((err as NodeJS.ErrnoException).code === 'ENOENT' && attempt < 8) {
          this.dirs.forget(dir);
          continue;
        }
        throw err;
      }
    }
    await this.dirs.sync(dir);
    return { etag };
  }

  /** Step 3 of the header. REQUIRES: the key's lock is held. */
  private async install(key: string, path: string, tmp: string, opts: PutOptions): Promise<void> {
    if (opts.ifNoneMatch === '*') {
      try {
        await link(tmp, path);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'EEXIST') {
          throw new ConflictError('object already exists', { code: ErrorCodes.ALREADY_EXISTS, details: { key } });
        }
        throw err;
      }
      await unlink(tmp).catch(ignoreCode('ENOENT'));
      return;
    }
    if (opts.ifMatch !== undefined) {
      let actual = 'absent';
      try {
        actual = etagOf(await stat(path, { bigint: true }));
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      }
      if (actual !== opts.ifMatch) {
        throw new ConflictError('object changed since it was read (etag mismatch)', {
          code: ErrorCodes.PRECONDITION_FAILED,
          details: { key, expected: opts.ifMatch, actual },
        });
      }
    }
    await rename(tmp, path);
  }

  async list(prefix: string, opts: ListOptions = {}): Promise<ListPage> {
    validatePrefix(prefix);
    const limit = Math.min(Math.max(opts.limit ?? 1000, 1), 1000);
    const after = opts.continuationToken ?? opts.startAfter;
    let keys: string[];
    try {
      keys = await listKeys(this.objectsDir, prefix, after, limit + 1);
    } catch (err) {
      throw fsError(err, 'list', prefix);
    }
    const more = keys.length > limit;
    if (more) keys.pop();
    const metas = await Promise.all(keys.map((k) => this.head(k)));
    const objects = metas.filter((m): m is ObjectMeta => m !== undefined); // deleted meanwhile
    return more ? { objects, nextToken: keys[keys.length - 1]! } : { objects };
  }

  async delete(key: string): Promise<void> {
    const path = this.pathOf(key);
    try {
      const removed = await this.locks.run(key, () => unlink(path).then(
        () => true,
        (err: NodeJS.ErrnoException) => {
          if (err.code === 'ENOENT' || err.code === 'ENOTDIR') return false;
          throw err;
        },
      ));
      if (!removed) return;
      const dir = dirname(path);
      // ENOENT: a concurrent delete already removed the emptied directory, and our entry with it.
      await this.dirs.sync(dir).catch(ignoreCode('ENOENT'));
      await this.removeEmptyDirs(dir);
    } catch (err) {
      throw fsError(err, 'delete', key);
    }
  }

  async deleteMany(keys: readonly string[]): Promise<void> {
    for (const k of keys) validateKey(k);
    // Bounded parallelism: directory fsyncs of one directory coalesce.
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < keys.length) await this.delete(keys[next++]!);
    };
    await Promise.all(Array.from({ length: Math.min(16, keys.length) }, worker));
  }

  async close(): Promise<void> {}

  /** Removes now-empty directories from `dir` up to (not including) the objects directory. */
  private async removeEmptyDirs(dir: string): Promise<void> {
    for (let d = dir; d.length > this.objectsDir.length; d = dirname(d)) {
      try {
        await rmdir(d);
      } catch {
        return; // ENOTEMPTY (still used), ENOENT (removed by someone else), ...
      }
      this.dirs.forgetOne(d);
    }
  }

  private pathOf(key: string): string {
    validateKey(key);
    return join(this.objectsDir, ...keyToRelativePath(key));
  }

  private tmpPath(): string {
    return join(this.tmpDir, `${this.tmpTag}-${++this.tmpSeq}${TMP_SUFFIX}`);
  }

  /** A microsecond mtime strictly larger than any this store set before (see the header). */
  private nextMtimeUs(): number {
    const now = Math.floor(this.clock.nowMs() * 1000);
    this.lastMtimeUs = Math.max(now, this.lastMtimeUs + 1);
    return this.lastMtimeUs;
  }
}

function etagOf(st: BigIntStats): string {
  return `${st.ino.toString(16)}-${st.size.toString(16)}-${st.mtimeNs.toString(16)}`;
}

async function abandon(fh: FileHandle | undefined, tmp: string): Promise<void> {
  if (fh !== undefined) await fh.close().catch(() => {});
  await unlink(tmp).catch(() => {});
}

async function fsyncPath(path: string): Promise<void> {
  const fh = await open(path, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function ignoreCode(code: string): (err: NodeJS.ErrnoException) => void {
  return (err) => {
    if (err.code !== code) throw err;
  };
}

function isErrno(err: unknown): err is NodeJS.ErrnoException {
  return err instanceof Error && typeof (err as NodeJS.ErrnoException).code === 'string' && !(err instanceof TsbaseError);
}

const TRANSIENT = new Set(['EMFILE', 'ENFILE', 'EAGAIN', 'EBUSY', 'EINTR']);

/** Maps an fs error to a tsbase error; tsbase errors pass through. */
function fsError(err: unknown, op: string, key: string): TsbaseError {
  if (err instanceof TsbaseError) return err;
  const code = isErrno(err) ? err.code : undefined;
  if (op === 'get' && (code === 'ENOENT' || code === 'ENOTDIR')) return new NotFoundError('object not found', { details: { key } });
  return new UnavailableError(`filesystem object store ${op} failed: ${String(code ?? err)}`, {
    retryable: code !== undefined && TRANSIENT.has(code),
    cause: err,
    details: { key, op },
  });
}
