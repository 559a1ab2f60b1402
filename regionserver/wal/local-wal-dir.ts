// The directory of a local WAL (standalone): segment files of chunks, and a fence marker.
//
//   <dir>/<segment id:20>.wal    chunks (docs/formats/wal.md), appended and fdatasync'ed per commit
//   <dir>/FENCED                 present once the WAL is fenced; its writer acknowledges nothing more
//
// One directory is one incarnation of one server's WAL (like wal/<server>/<epoch>/ on S3).
// Only the last segment may end in a torn chunk: a writer that reopens the directory first
// truncates that tail (see LocalWalBackend.open) before starting a new segment.

import { closeSync, fsyncSync, openSync, constants as fsc } from 'node:fs';
import { mkdir, open, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { errorCode, InternalError } from '../../common/errors.js';
import { pad20 } from '../../common/paths.js';
import type { ParsedChunk, TornTail, WalEntry } from './wal-reader.js';
import { decodeEntry, parseChunks } from './wal-reader.js';

export const FENCE_MARKER = 'FENCED';
const SEGMENT_RE = /^(\d{20})\.wal$/;

/** File name of segment `id`. */
export function segmentName(id: number): string {
  return `${pad20(id)}.wal`;
}

/** Segment ids present in `dir`, ascending ([] if the directory does not exist). */
export async function listSegments(dir: string): Promise<number[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw ioError('cannot list the local wal directory', dir, e);
  }
  const ids: number[] = [];
  for (const n of names) {
    const m = SEGMENT_RE.exec(n);
    if (m !== null) ids.push(Number(m[1]));
  }
  return ids.sort((a, b) => a - b);
}

export interface LocalSegment {
  readonly id: number;
  /** Path of the segment file. */
  readonly path: string;
  readonly chunks: ParsedChunk[];
}

export interface LocalWalContents {
  readonly segments: LocalSegment[];
  /** The torn last chunk of the last segment, if any (ignored). */
  readonly tornTail?: TornTail;
  /** The directory holds the fence marker. */
  readonly fenced: boolean;
}

/**
 * Reads every segment of `dir` in order. A torn last chunk of the last segment is ignored and
 * reported; any other damage throws CorruptionError (TSB_CORRUPTION) naming the segment file
 * and the offset.
 */
export async function readLocalWal(dir: string): Promise<LocalWalContents> {
  const ids = await listSegments(dir);
  const segments: LocalSegment[] = [];
  let tornTail: TornTail | undefined;
  for (let i = 0; i < ids.length; i++) {
    const path = join(dir, segmentName(ids[i]!));
    const buf = await readFile(path).catch((e: unknown) => {
      throw ioError('cannot read a local wal segment', path, e);
    });
    const r = parseChunks(buf, path, { tornTailAllowed: i === ids.length - 1 });
    segments.push({ id: ids[i]!, path, chunks: r.chunks });
    if (r.tornTail !== undefined) tornTail = r.tornTail;
  }
  const fenced = await isLocalWalFenced(dir);
  return tornTail === undefined ? { segments, fenced } : { segments, tornTail, fenced };
}

/** Every entry of `contents`, decoded, in log order. */
export function* localWalEntries(contents: LocalWalContents): Generator<WalEntry> {
  for (const s of contents.segments) {
    for (const c of s.chunks) for (const e of c.entries) yield decodeEntry(e, s.path);
  }
}

/**
 * Fences the local WAL in `dir`: creates the FENCED marker durably. Its writer checks the
 * marker after every durable write and before acknowledging, so once this resolves, every
 * chunk it will ever acknowledge is already in the segment files (see the RFC). Idempotent.
 */
export async function fenceLocalWal(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true }).catch((e: unknown) => {
    throw ioError('cannot create the local wal directory', dir, e);
  });
  const path = join(dir, FENCE_MARKER);
  try {
    const fh = await open(path, 'wx');
    await fh.sync();
    await fh.close();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw ioError('cannot write the wal fence marker', path, e);
  }
  fsyncDir(dir);
}

/** True if `dir` holds the fence marker. */
export async function isLocalWalFenced(dir: string): Promise<boolean> {
  try {
    await (await open(join(dir, FENCE_MARKER), 'r')).close();
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw ioError('cannot check the wal fence marker', dir, e);
  }
}

/** fsyncs a directory so file creations and deletions in it are durable. */
export function fsyncDir(dir: string): void {
  const fd = openSync(dir, fsc.O_RDONLY | fsc.O_DIRECTORY);
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** `cause` if it is already a tsbase error, else an InternalError naming `path`. */
export function ioError(what: string, path: string, cause: unknown): Error {
  if (errorCode(cause) !== undefined) return cause as Error;
  return new InternalError(`${what}; check the disk`, { details: { path, errno: (cause as NodeJS.ErrnoException).code }, cause });
}
