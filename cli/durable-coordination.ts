// Coordination for `tsbase standalone` that survives a restart and a kill -9: the in-process
// implementation (common/coordination/memory-coordination.ts) plus a snapshot file.
//
// Standalone keeps namespaces, table descriptors and the master's procedures in coordination,
// like every deployment; with a purely in-memory store a restart would forget every table. So
// every call that may change a key not attached to a lease returns only after the keys not
// attached to a lease are written to `file` (write to a temp file, fsync, rename, fsync the
// directory): what a caller was told is stored, is stored. Leased keys (live servers, the
// master election) are not written: they describe processes of this run, which a restart ends,
// as the expiry of their leases would.
//
// Snapshot file (JSON, version 1):
//   { "version": 1, "entries": [ { "key": "<key>", "value": "<base64>" }, ... ] }
//
// On open the entries are put back in key order. Revisions restart at 1 with the process, as
// they would on a fresh etcd: nothing here keeps a revision across runs.
//
// Thread safety: every method may be called concurrently. Concurrent writers share one
// snapshot write (group commit): a call waits for a write that started after its change.
// Errors: those of MemoryCoordination; a failed snapshot write rejects the call with
// UnavailableError (the change is applied in memory but not known to be durable).

import { mkdirSync, readFileSync } from 'node:fs';
import { open, rename } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Lease, TxnCompare, TxnOp } from '../common/coordination/coordination.js';
import { ForwardingCoordination } from '../common/coordination/forwarding-coordination.js';
import { MemoryCoordination } from '../common/coordination/memory-coordination.js';
import { CorruptionError, UnavailableError } from '../common/errors.js';

const SNAPSHOT_VERSION = 1;

interface SnapshotFile {
  readonly version: number;
  readonly entries: readonly { readonly key: string; readonly value: string }[];
}

function parseSnapshot(text: string, file: string): SnapshotFile {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new CorruptionError('standalone coordination snapshot is not valid json', { cause: e, details: { file } });
  }
  const s = parsed as Partial<SnapshotFile>;
  if (s.version !== SNAPSHOT_VERSION || !Array.isArray(s.entries)) {
    throw new CorruptionError('standalone coordination snapshot has an unknown version or no entries', { details: { file, version: String(s.version) } });
  }
  for (const e of s.entries) {
    if (typeof e?.key !== 'string' || typeof e.value !== 'string') {
      throw new CorruptionError('standalone coordination snapshot has a malformed entry', { details: { file } });
    }
  }
  return s as SnapshotFile;
}

export class DurableCoordination extends ForwardingCoordination<MemoryCoordination> {
  /** Bumped by every call that may have changed an unleased key. */
  private changes = 0;
  /** Changes covered by the last completed snapshot. */
  private persisted = 0;
  private writing: Promise<void> | undefined;
  /** The text of the last snapshot written (or read at open): an unchanged snapshot is not rewritten. */
  private lastWritten: string | undefined;

  private constructor(
    inner: MemoryCoordination,
    readonly file: string,
  ) {
    super(inner);
  }

  /**
   * Opens the store kept in `file` (created with its directory if missing). Throws
   * CorruptionError if the file exists but cannot be read as a snapshot.
   */
  static async open(file: string): Promise<DurableCoordination> {
    mkdirSync(dirname(file), { recursive: true });
    const inner = new MemoryCoordination();
    let text: string | undefined;
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw new UnavailableError('cannot read standalone coordination snapshot', { cause: e, details: { file } });
    }
    if (text !== undefined) {
      for (const e of parseSnapshot(text, file).entries) await inner.put(e.key, Buffer.from(e.value, 'base64'));
    }
    const c = new DurableCoordination(inner, file);
    c.lastWritten = text;
    return c;
  }

  override async put(key: string, value: Buffer, opts?: { readonly lease?: Lease }): Promise<bigint> {
    const rev = await this.inner.put(key, value, opts);
    await this.persist();
    return rev;
  }

  override async delete(key: string): Promise<boolean> {
    const existed = await this.inner.delete(key);
    if (existed) await this.persist();
    return existed;
  }

  override async deletePrefix(prefix: string): Promise<number> {
    const n = await this.inner.deletePrefix(prefix);
    if (n > 0) await this.persist();
    return n;
  }

  override async txn(compares: readonly TxnCompare[], ops: readonly TxnOp[]): Promise<{ readonly ok: boolean; readonly revision?: bigint }> {
    const r = await this.inner.txn(compares, ops);
    if (r.ok && ops.length > 0) await this.persist();
    return r;
  }

  /** Waits for a snapshot write in progress, then closes the in-memory store. Idempotent. */
  override async close(): Promise<void> {
    try {
      if (this.persisted < this.changes) await this.persist();
    } catch {
      // the caller is stopping; the change was reported as failed to whoever made it
    }
    await this.inner.close();
  }

  /** Resolves once a snapshot taken after this call began is durable. */
  private async persist(): Promise<void> {
    const mine = ++this.changes;
    while (this.persisted < mine) {
      if (this.writing === undefined) {
        const upTo = this.changes;
        this.writing = this.writeSnapshot().then(
          () => {
            this.persisted = Math.max(this.persisted, upTo);
            this.writing = undefined;
          },
          (e: unknown) => {
            this.writing = undefined;
            throw e;
          },
        );
      }
      await this.writing;
    }
  }

  private async writeSnapshot(): Promise<void> {
    const { entries } = await this.inner.list('');
    const body: SnapshotFile = {
      version: SNAPSHOT_VERSION,
      entries: entries.filter((e) => e.lease === undefined).map((e) => ({ key: e.key, value: e.value.toString('base64') })),
    };
    const text = JSON.stringify(body);
    // Changes of leased keys only (load reports, elections) leave the snapshot as it was.
    if (text === this.lastWritten) return;
    const tmp = `${this.file}.tmp`;
    try {
      const fh = await open(tmp, 'w');
      try {
        await fh.writeFile(text);
        await fh.datasync();
      } finally {
        await fh.close();
      }
      await rename(tmp, this.file);
      const dir = await open(dirname(this.file), 'r');
      try {
        await dir.sync();
      } finally {
        await dir.close();
      }
      this.lastWritten = text;
    } catch (e) {
      throw new UnavailableError('cannot write standalone coordination snapshot', { cause: e, details: { file: this.file } });
    }
  }
}
