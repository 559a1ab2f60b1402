// Ordered listing of the filesystem ObjectStore's object tree (layout: fs-store-format.ts).
//
// Keys come out in ascending order of their UTF-8 bytes, as S3 lists them. Within one
// directory, entries sort by their decoded segment bytes, a directory's segment followed by
// `/`: every key under directory `a%` starts with `a/`, so it sorts exactly where `a/` does
// relative to the directory's other entries. Subtrees entirely at or before `after` are not read.

import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { DIR_SUFFIX, EMPTY_SEGMENT_FILE, decodeSegment, encodeSegment } from './fs-store-format.js';

interface Entry {
  /** Decoded key bytes from the listed root: path + segment (+ `/` for a directory). */
  readonly keyBytes: Buffer;
  readonly isDir: boolean;
  readonly name: string;
}

const SLASH = Buffer.from('/');

/**
 * Up to `max` keys under `objectsDir` that start with `prefix` and sort strictly after `after`
 * (when given), ascending. REQUIRES: validatePrefix(prefix) passed.
 * A directory that vanishes during the walk is treated as empty. Other fs errors reject.
 */
export async function listKeys(objectsDir: string, prefix: string, after: string | undefined, max: number): Promise<string[]> {
  const segs = prefix.split('/');
  const partial = Buffer.from(segs.pop()!, 'utf8');
  let dir = objectsDir;
  for (const seg of segs) {
    // A key never has an empty, "." or ".." segment before its last one.
    if (seg === '' || seg === '.' || seg === '..') return [];
    let enc: string;
    try {
      enc = encodeSegment(seg, prefix);
    } catch {
      return []; // no stored key can have a segment this long
    }
    dir = join(dir, enc + DIR_SUFFIX);
  }
  const base = Buffer.from(segs.length === 0 ? '' : segs.join('/') + '/', 'utf8');
  const afterBytes = after === undefined ? undefined : Buffer.from(after, 'utf8');
  const out: string[] = [];
  await walk(dir, base, partial, afterBytes, max, out);
  return out;
}

async function walk(dir: string, base: Buffer, partial: Buffer | undefined, after: Buffer | undefined, max: number, out: string[]): Promise<void> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return;
    throw err;
  }
  const entries: Entry[] = [];
  for (const name of names) {
    let seg: Buffer | undefined;
    let isDir = false;
    if (name === EMPTY_SEGMENT_FILE) {
      seg = Buffer.alloc(0);
    } else if (name.endsWith(DIR_SUFFIX)) {
      isDir = true;
      seg = decodeSegment(name.slice(0, -DIR_SUFFIX.length));
    } else {
      seg = decodeSegment(name);
    }
    if (seg === undefined) continue; // not a name the store writes
    if (partial !== undefined && (seg.length < partial.length || seg.compare(partial, 0, partial.length, 0, partial.length) !== 0)) continue;
    const keyBytes = isDir ? Buffer.concat([base, seg, SLASH]) : Buffer.concat([base, seg]);
    // Skip what sorts at or before `after`: a file with key <= after; a directory whose keys
    // all sort before `after` (its prefix is smaller and not a prefix of `after`).
    if (after !== undefined) {
      const c = keyBytes.compare(after);
      if (!isDir && c <= 0) continue;
      if (isDir && c < 0 && !startsWith(after, keyBytes)) continue;
    }
    entries.push({ keyBytes, isDir, name });
  }
  entries.sort((a, b) => a.keyBytes.compare(b.keyBytes));
  for (const e of entries) {
    if (out.length >= max) return;
    if (e.isDir) {
      const subAfter = after !== undefined && startsWith(after, e.keyBytes) ? after : undefined;
      await walk(join(dir, e.name), e.keyBytes, undefined, subAfter, max, out);
    } else {
      out.push(e.keyBytes.toString('utf8'));
    }
  }
}

function startsWith(buf: Buffer, prefix: Buffer): boolean {
  return buf.length >= prefix.length && buf.compare(prefix, 0, prefix.length, 0, prefix.length) === 0;
}
