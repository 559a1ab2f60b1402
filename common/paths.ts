// Object names, built in one place. Every key tsbase writes to the object store is made (and
// parsed) here, so the layout is visible at a glance and cannot drift between writers and readers.
//
// Layout (relative to the store's root prefix):
//   wal/<server>/<epoch:20>/<seq:20>              one WAL chunk (a group commit or a fence)
//   wal/<server>/<epoch:20>/split                 manifest of a finished WAL split
//   recovered-edits/<region>/<maxSeq:20>-<server>-<epoch:20>
//                                                 one region's edits split out of one WAL
//   data/<namespace>/<table>/<region>/<family>/manifest
//                                                 the store's manifest: the only list of its
//                                                 files (docs/formats/manifest.md), replaced by
//                                                 compare-and-swap, never listed or renamed
//   data/<namespace>/<table>/<region>/<family>/files/<createdMs:20>-<unique:16 hex>
//                                                 one HFile. Uploaded under a fresh name BEFORE a
//                                                 manifest CAS publishes it: a file no manifest
//                                                 names is invisible to readers, and garbage the
//                                                 cleaner removes once older than a grace period
//                                                 (its age is read from its name).
//
// There is no archive/ prefix: S3 has no rename and the ObjectStore no copy, so a file replaced
// by a compaction stays at its key, listed in its manifest's `retired` list (with the time) until
// the store cleaner deletes it after a TTL (docs/rfcs/0002-store-manifest.md).
//
// <region> in data/ keys is an encoded region name as HBase makes it: the 32 lowercase hex
// digits of the MD5 of the full region name (encodeRegionName). Namespaces and tables follow
// HBase's character rules; a family is any path segment not starting with `.`.
//
// Numbers are zero-padded to 20 digits (u64 fits) so byte order of keys is numeric order.

import { createHash } from 'node:crypto';
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

// ---- Store data (HFiles and manifests) ----------------------------------------------------

/** One store: the files of one column family of one region. */
export interface StoreId {
  readonly namespace: string;
  readonly table: string;
  /** Encoded region name (32 lowercase hex digits, see encodeRegionName). */
  readonly region: string;
  readonly family: string;
}

const NAMESPACE_RE = /^[A-Za-z0-9_]{1,128}$/;
const TABLE_RE = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const ENCODED_REGION_RE = /^[0-9a-f]{32}$/;

/**
 * The encoded name of a region: MD5 of its full name (`<table>,<startKey>,<regionId>.`, as
 * HBase builds it) in 32 lowercase hex digits. Fixed length and safe in any key.
 */
export function encodeRegionName(fullName: string | Uint8Array): string {
  return createHash('md5').update(fullName).digest('hex');
}

/** True if `name` is an encoded region name (32 lowercase hex digits). */
export function isEncodedRegionName(name: string): boolean {
  return ENCODED_REGION_RE.test(name);
}

/** Throws InvalidError(TSB_INVALID_ARGUMENT) unless `name` is an encoded region name. */
export function validateEncodedRegionName(name: string): void {
  if (!isEncodedRegionName(name)) {
    throw new InvalidError('invalid encoded region name: it must be 32 lowercase hex digits (md5 of the full region name)', {
      details: { region: name.slice(0, 100) },
    });
  }
}

/** Throws InvalidError(TSB_INVALID_ARGUMENT) unless `ns` is a namespace name (HBase rules: [A-Za-z0-9_], 1..128). */
export function validateNamespaceName(ns: string): void {
  if (!NAMESPACE_RE.test(ns)) throw new InvalidError('invalid namespace name: use 1..128 of [A-Za-z0-9_]', { details: { namespace: ns.slice(0, 100) } });
}

/** Throws InvalidError(TSB_INVALID_ARGUMENT) unless `table` is a table qualifier (HBase rules: [A-Za-z0-9_.-], not starting with `.` or `-`). */
export function validateTableName(table: string): void {
  if (!TABLE_RE.test(table)) {
    throw new InvalidError('invalid table name: use 1..128 of [A-Za-z0-9_.-] not starting with . or -', { details: { table: table.slice(0, 100) } });
  }
}

/** Throws InvalidError(TSB_INVALID_ARGUMENT) unless `family` can be a family segment (a name segment not starting with `.`). */
export function validateFamilyName(family: string): void {
  validateNameSegment('family', family);
  if (family.startsWith('.')) throw new InvalidError('invalid family name: it must not start with .', { details: { family } });
}

/** Throws InvalidError(TSB_INVALID_ARGUMENT) unless every part of `store` is valid. */
export function validateStoreId(store: StoreId): void {
  validateNamespaceName(store.namespace);
  validateTableName(store.table);
  validateEncodedRegionName(store.region);
  validateFamilyName(store.family);
}

/** `data/<namespace>/<table>/`: every store of every region of a table. */
export function tableDataPrefix(namespace: string, table: string): string {
  validateNamespaceName(namespace);
  validateTableName(table);
  return `data/${namespace}/${table}/`;
}

/** `data/<namespace>/<table>/<region>/`: every store of one region. */
export function regionDataPrefix(namespace: string, table: string, region: string): string {
  validateEncodedRegionName(region);
  return `${tableDataPrefix(namespace, table)}${region}/`;
}

/** `data/<namespace>/<table>/<region>/<family>/`: the manifest and files of one store. */
export function storePrefix(store: StoreId): string {
  validateFamilyName(store.family);
  return `${regionDataPrefix(store.namespace, store.table, store.region)}${store.family}/`;
}

/** Key of a store's manifest. */
export function storeManifestKey(store: StoreId): string {
  return storePrefix(store) + 'manifest';
}

/** `.../<family>/files/`: every HFile of a store, published or not. */
export function storeFilesPrefix(store: StoreId): string {
  return storePrefix(store) + 'files/';
}

const STORE_FILE_NAME_RE = /^(\d{20})-([0-9a-f]{16})$/;

/**
 * The name of a new store file: `<createdMs:20>-<unique:16 hex>`. `unique` must be 16 lowercase
 * hex digits drawn at random (64 bits), so names never repeat; the creation time lets the
 * cleaner tell an abandoned upload's age without an object-store timestamp.
 */
export function storeFileName(createdMs: number, unique: string): string {
  validateCounter('createdMs', createdMs);
  if (!/^[0-9a-f]{16}$/.test(unique)) throw new InvalidError('invalid store file unique part: it must be 16 lowercase hex digits', { details: { unique } });
  return `${pad20(createdMs)}-${unique}`;
}

/** Parses a store file name; undefined if `name` was not made by storeFileName. */
export function parseStoreFileName(name: string): { createdMs: number; unique: string } | undefined {
  const m = STORE_FILE_NAME_RE.exec(name);
  if (m === null) return undefined;
  const createdMs = Number(m[1]);
  if (!Number.isSafeInteger(createdMs)) return undefined;
  return { createdMs, unique: m[2]! };
}

/** Key of store file `name` of `store`. REQUIRES: `name` is a storeFileName. */
export function storeFileKey(store: StoreId, name: string): string {
  if (parseStoreFileName(name) === undefined) throw new InvalidError('invalid store file name', { details: { name: name.slice(0, 100) } });
  return storeFilesPrefix(store) + name;
}

const STORE_KEY_RE = /^data\/([^/]+)\/([^/]+)\/([^/]+)\/([^/]+)\/(manifest|files\/([^/]+))$/;

function parseStoreKey(key: string): { store: StoreId; rest: string; name: string | undefined } | undefined {
  const m = STORE_KEY_RE.exec(key);
  if (m === null) return undefined;
  const store: StoreId = { namespace: m[1]!, table: m[2]!, region: m[3]!, family: m[4]! };
  if (!NAMESPACE_RE.test(store.namespace) || !TABLE_RE.test(store.table) || !isEncodedRegionName(store.region) || store.family.startsWith('.')) return undefined;
  return { store, rest: m[5]!, name: m[6] };
}

/** Parses a store manifest key; undefined for any other key. */
export function parseStoreManifestKey(key: string): StoreId | undefined {
  const p = parseStoreKey(key);
  return p !== undefined && p.rest === 'manifest' ? p.store : undefined;
}

/** Parses a store file key; undefined for any other key (including foreign names under files/). */
export function parseStoreFileKey(key: string): { store: StoreId; name: string; createdMs: number } | undefined {
  const p = parseStoreKey(key);
  if (p === undefined || p.name === undefined) return undefined;
  const n = parseStoreFileName(p.name);
  return n === undefined ? undefined : { store: p.store, name: p.name, createdMs: n.createdMs };
}
