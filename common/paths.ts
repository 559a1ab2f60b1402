// Object names, built in one place. Every key tsbase writes to the object store is made (and
// parsed) here, so the layout is visible at a glance and cannot drift between writers and readers.
//
// Layout (relative to the store's root prefix):
//   wal/<server>/<epoch:20>/<seq:20>              one WAL chunk (a group commit or a fence)
//   wal/<server>/<epoch:20>/split                 manifest of a finished WAL split
//   recovered-edits/<region>/<maxSeq:20>-<server>-<epoch:20>
//                                                 one region's edits split out of one WAL
//
// Numbers are zero-padded to 20 digits (u64 fits) so byte order of keys is numeric order.

import { InvalidError } from './errors.js';

const DIGITS = 20;
const MAX_NAME_BYTES = 255;

/** Zero-padded decimal of a non-negative integer, 20 digits. */
export function pad20(n: number | bigint): string {
  return n.toString().padStart(DIGITS, '0');
}

/**
 * Throws InvalidError(TSB_INVALID_ARGUMENT) unless `name` can be one path segment of a key:
 * 1..255 UTF-8 bytes, no `/`, no NUL, not `.` or `..`.
 */
export function validateNameSegment(what: string, name: string): void {
  const bytes = Buffer.byteLength(name, 'utf8');
  if (bytes === 0 || bytes > MAX_NAME_BYTES || name.includes('/') || name.includes('\0') || name === '.' || name === '..') {
    throw new InvalidError(`invalid ${what} name: it must be 1..${MAX_NAME_BYTES} bytes without / or NUL`, {
      details: { [what]: name.slice(0, 100) },
    });
  }
}

function validateCounter(what: string, n: number | bigint): void {
  const ok = typeof n === 'bigint' ? n >= 0n && n < 2n ** 64n : Number.isSafeInteger(n) && n >= 0;
  if (!ok) throw new InvalidError(`invalid ${what}: it must be a non-negative integer`, { details: { [what]: String(n) } });
}

// ---- WAL ----------------------------------------------------------------------------------

/** `wal/<server>/`: every WAL of every incarnation of `server`. */
export function walServerPrefix(server: string): string {
  validateNameSegment('server', server);
  return `wal/${server}/`;
}

/** `wal/<server>/<epoch>/`: the WAL of one incarnation (epoch) of `server`. */
export function walEpochPrefix(server: string, epoch: number): string {
  validateCounter('epoch', epoch);
  return `${walServerPrefix(server)}${pad20(epoch)}/`;
}

/** Key of WAL chunk `seq` of `server`'s incarnation `epoch`. */
export function walChunkKey(server: string, epoch: number, seq: number): string {
  validateCounter('seq', seq);
  return walEpochPrefix(server, epoch) + pad20(seq);
}

/** Key of the manifest a finished split of one WAL leaves behind (see wal-split.ts). */
export function walSplitManifestKey(server: string, epoch: number): string {
  return walEpochPrefix(server, epoch) + 'split';
}

const WAL_CHUNK_RE = /^wal\/([^/]+)\/(\d{20})\/(\d{20})$/;

/** Parses a WAL chunk key; undefined for any other key (manifests, foreign objects). */
export function parseWalChunkKey(key: string): { server: string; epoch: number; seq: number } | undefined {
  const m = WAL_CHUNK_RE.exec(key);
  if (m === null) return undefined;
  const epoch = Number(m[2]);
  const seq = Number(m[3]);
  if (!Number.isSafeInteger(epoch) || !Number.isSafeInteger(seq)) return undefined;
  return { server: m[1]!, epoch, seq };
}

// ---- Recovered edits ----------------------------------------------------------------------

/** `recovered-edits/<region>/`: every recovered-edits object of `region`. */
export function recoveredEditsPrefix(region: string): string {
  validateNameSegment('region', region);
  return `recovered-edits/${region}/`;
}

/**
 * Key of the recovered edits of `region` split out of `server`'s WAL `epoch`. The highest
 * sequence id comes first so a replay can skip objects by name alone (as HBase names its
 * recovered.edits files).
 */
export function recoveredEditsKey(region: string, maxSeqId: bigint, server: string, epoch: number): string {
  validateCounter('maxSeqId', maxSeqId);
  validateCounter('epoch', epoch);
  validateNameSegment('server', server);
  return `${recoveredEditsPrefix(region)}${pad20(maxSeqId)}-${server}-${pad20(epoch)}`;
}

const RECOVERED_RE = /^recovered-edits\/([^/]+)\/(\d{20})-(.+)-(\d{20})$/;

/** Parses a recovered-edits key; undefined for any other key. */
export function parseRecoveredEditsKey(key: string): { region: string; maxSeqId: bigint; server: string; epoch: number } | undefined {
  const m = RECOVERED_RE.exec(key);
  if (m === null) return undefined;
  return { region: m[1]!, maxSeqId: BigInt(m[2]!), server: m[3]!, epoch: Number(m[4]) };
}
