// Recovered edits: a region's edits split out of a dead server's WAL (wal-split.ts), replayed
// by the region's new host before it opens the region, then deleted once flushed.
//
// Object: recovered-edits/<region>/<maxSeq:20>-<server>-<epoch:20> (common/paths.ts), one DATA
// chunk (docs/formats/wal.md) holding only that region's entries, in ascending seq order.

import { NotFoundError } from '../../common/errors.js';
import type { ObjectStore } from '../../common/objectstore/object-store.js';
import type { OperationNonce } from '../../common/ops/operation-nonce.js';
import { listAll } from '../../common/objectstore/object-store.js';
import { parseRecoveredEditsKey, recoveredEditsPrefix } from '../../common/paths.js';
import type { WalEntry } from './wal-reader.js';
import { decodeEntry, parseChunks } from './wal-reader.js';

export interface RecoveredEditsObject {
  readonly key: string;
  readonly region: string;
  readonly maxSeqId: bigint;
  readonly server: string;
  readonly epoch: number;
}

/** The recovered-edits objects of `region`, in key order. */
export async function listRecoveredEdits(store: ObjectStore, region: string): Promise<RecoveredEditsObject[]> {
  const out: RecoveredEditsObject[] = [];
  for await (const o of listAll(store, recoveredEditsPrefix(region))) {
    const p = parseRecoveredEditsKey(o.key);
    if (p !== undefined && p.region === region) out.push({ key: o.key, ...p });
  }
  return out;
}

/** Told the nonce of every recovered edit of the region that has one (see readRecoveredEdits). */
export type NonceListener = (nonce: OperationNonce, writeTimeMs: number) => void;

/**
 * Yields every recovered edit of `region` with seq id > `aboveSeqId` (the store's MAX_SEQ_ID:
 * edits at or below it are already in HFiles), in ascending seq order across all objects.
 * Objects whose highest seq id is ≤ aboveSeqId are skipped by name, unread — unless
 * `onNonce` is given: then it is told the nonce of EVERY edit of the region that has one,
 * replayed or not (an operation flushed before the crash was applied all the same, and a
 * client may still retry it: docs/rfcs/0006-operation-nonces.md), before the first edit is
 * yielded.
 * Throws CorruptionError (naming the object and offset) for a damaged object.
 * May run concurrently with splits writing other objects; an object deleted between the
 * listing and the read is skipped (it was flushed and removed).
 */
export async function* readRecoveredEdits(store: ObjectStore, region: string, aboveSeqId = -1n, onNonce?: NonceListener): AsyncGenerator<WalEntry> {
  const entries: WalEntry[] = [];
  let sorted = true;
  for (const o of await listRecoveredEdits(store, region)) {
    const replay = o.maxSeqId > aboveSeqId;
    if (!replay && onNonce === undefined) continue;
    let body: Buffer;
    try {
      body = (await store.get(o.key)).body;
    } catch (e) {
      if (e instanceof NotFoundError) continue;
      throw e;
    }
    for (const c of parseChunks(body, o.key, { tornTailAllowed: false }).chunks) {
      for (const raw of c.entries) {
        if (raw.region !== region) continue;
        if (raw.nonce !== undefined) onNonce?.(raw.nonce, raw.writeTimeMs);
        if (!replay || raw.seqId <= aboveSeqId) continue;
        const last = entries[entries.length - 1];
        if (last !== undefined && last.seqId > raw.seqId) sorted = false;
        entries.push(decodeEntry(raw, o.key));
      }
    }
  }
  if (!sorted) entries.sort((a, b) => (a.seqId < b.seqId ? -1 : a.seqId > b.seqId ? 1 : 0));
  yield* entries;
}

/**
 * Deletes `region`'s recovered-edits objects whose highest seq id is ≤ `upToSeqId` (call after
 * a flush made them redundant). Returns the deleted keys.
 */
export async function deleteRecoveredEdits(store: ObjectStore, region: string, upToSeqId: bigint): Promise<string[]> {
  const keys = (await listRecoveredEdits(store, region)).filter((o) => o.maxSeqId <= upToSeqId).map((o) => o.key);
  if (keys.length > 0) await store.deleteMany(keys);
  return keys;
}
