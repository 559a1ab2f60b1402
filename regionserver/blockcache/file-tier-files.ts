// Files of the block cache file tier in its directory (docs/formats/block-cache-tier.md):
// names, listing at open, and loading a segment's records from its index or by scanning it.

import type { FileHandle } from 'node:fs/promises';
import { readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { RecordInfo } from './file-tier-codec.js';
import { checkSegmentHeader, decodeIndex, encodeIndex, parseRecord, recordHeaderLength } from './file-tier-codec.js';
import { INDEX_SUFFIX, SEGMENT_HEADER_SIZE, SEGMENT_ID_DIGITS, SEGMENT_SUFFIX, TMP_SUFFIX } from './file-tier-format.js';

export function segmentPath(dir: string, id: number): string {
  return join(dir, String(id).padStart(SEGMENT_ID_DIGITS, '0') + SEGMENT_SUFFIX);
}

export function indexPath(dir: string, id: number): string {
  return join(dir, String(id).padStart(SEGMENT_ID_DIGITS, '0') + INDEX_SUFFIX);
}

/**
 * Lists the tier's segments (ascending ids, and which have an index file) and the largest id
 * seen. Deletes leftover temporary files and index files without a segment; ignores other
 * names. Throws on I/O errors.
 */
export async function listTier(dir: string): Promise<{ segments: Array<{ id: number; hasIndex: boolean }>; maxId: number }> {
  const segIds: number[] = [];
  const idxIds = new Set<number>();
  for (const name of await readdir(dir)) {
    if (name.endsWith(TMP_SUFFIX)) {
      await rm(join(dir, name), { force: true });
    } else if (name.endsWith(SEGMENT_SUFFIX)) {
      const id = parseSegmentId(name, SEGMENT_SUFFIX);
      if (id !== undefined) segIds.push(id);
    } else if (name.endsWith(INDEX_SUFFIX)) {
      const id = parseSegmentId(name, INDEX_SUFFIX);
      if (id !== undefined) idxIds.add(id);
    }
  }
  for (const id of idxIds) if (!segIds.includes(id)) await rm(indexPath(dir, id), { force: true });
  segIds.sort((a, b) => a - b);
  const maxId = Math.max(0, ...segIds, ...idxIds);
  return { segments: segIds.map((id) => ({ id, hasIndex: idxIds.has(id) })), maxId };
}

/**
 * The records of segment `id` (open as `fh`, `fileSize` bytes): from its index if that is
 * valid and the file is long enough, else by scanning the segment (and then writing a new
 * index). Undefined if the segment holds no valid record. Throws on read errors.
 */
export async function loadSegmentRecords(dir: string, id: number, fh: FileHandle, fileSize: number, hasIndex: boolean): Promise<RecordInfo[] | undefined> {
  if (hasIndex) {
    const idx = decodeIndex(await readFile(indexPath(dir, id)).catch(() => Buffer.alloc(0)));
    if (idx !== undefined && idx.segmentLength <= fileSize) return idx.entries;
  }
  const records = fileSize <= 0x7fffffff ? await scanSegment(fh, fileSize) : undefined;
  if (records === undefined || records.length === 0) return undefined;
  await writeIndexFile(dir, id, fileSize, records).catch(() => undefined); // only saves a rescan
  return records;
}

/** Writes the index of segment `id` (temporary file, then rename). Throws on I/O errors. */
export async function writeIndexFile(dir: string, id: number, segmentLength: number, records: readonly RecordInfo[]): Promise<void> {
  const tmp = indexPath(dir, id) + TMP_SUFFIX;
  await writeFile(tmp, encodeIndex(segmentLength, records));
  await rename(tmp, indexPath(dir, id));
}

/** The records of a segment up to its first bad or partial one; undefined if no valid header. */
async function scanSegment(fh: FileHandle, fileSize: number): Promise<RecordInfo[] | undefined> {
  const buf = Buffer.allocUnsafe(fileSize);
  const { bytesRead } = await fh.read(buf, 0, fileSize, 0);
  const b = buf.subarray(0, bytesRead);
  if (!checkSegmentHeader(b)) return undefined;
  const out: RecordInfo[] = [];
  let pos = SEGMENT_HEADER_SIZE;
  for (;;) {
    const rec = parseRecord(b, pos);
    if (rec === undefined) break;
    out.push(rec);
    pos += recordHeaderLength(Buffer.byteLength(rec.fileId, 'utf8')) + rec.dataLen;
  }
  return out;
}

function parseSegmentId(name: string, suffix: string): number | undefined {
  const digits = name.slice(0, -suffix.length);
  if (digits.length !== SEGMENT_ID_DIGITS || !/^[0-9]+$/.test(digits)) return undefined;
  const id = Number(digits);
  return Number.isSafeInteger(id) ? id : undefined;
}
