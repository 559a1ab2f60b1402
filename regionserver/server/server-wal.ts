// The region server's one WAL (a WalWriter with its SequenceAccounting) on the chosen backend:
//
//  - 's3': chunks at wal/<serverName>/<epoch = startCode>/<seq> on the object store. A server
//    that dies leaves them for the master, which fences and splits them (wal-split.ts splitWal
//    with the server name; every epoch found).
//  - 'local' (standalone): segment files in <dir>/<serverName>/. Before the new WAL opens,
//    every other directory under <dir> — earlier runs of this server, crashed or stopped — is
//    split into recovered edits on the object store (splitLocalWal: fence, read, write one
//    object per region) and then deleted, so the regions opened afterwards replay what those
//    runs had not flushed (region-open.ts). The split is idempotent: a crash during it is
//    repaired by the next start.
//
// Every failed commit is final for a WalWriter (it then refuses every append); the server is
// told at once (onFailure) so it can fence itself instead of waiting for the next write.
//
// Every commit is timed (wal-sync-timer.ts: the /metrics sync histogram, slow ones logged).

import { readdir, rm } from 'node:fs/promises';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { Clock } from '../../common/clock.js';
import type { ObjectStore } from '../../common/objectstore/object-store.js';
import { validateNameSegment } from '../../common/paths.js';
import type { Random } from '../../common/random.js';
import { ForwardingWalBackend } from '../wal/forwarding-wal-backend.js';
import { LocalWalBackend } from '../wal/local-wal-backend.js';
import { fsyncDir } from '../wal/local-wal-dir.js';
import { S3WalBackend } from '../wal/s3-wal-backend.js';
import { SequenceAccounting } from '../wal/sequence-accounting.js';
import type { WalBackend } from '../wal/wal-backend.js';
import { splitLocalWal } from '../wal/wal-split.js';
import { slowSyncLogger, TimedWalBackend, WalSyncStats } from '../wal/wal-sync-timer.js';
import { WalWriter } from '../wal/wal-writer.js';
import type { WalChoice } from './region-server-options.js';

export interface ServerWal {
  readonly writer: WalWriter;
  readonly accounting: SequenceAccounting;
  readonly description: string;
  /** Durations of the WAL's commits (for /metrics). */
  readonly syncStats: WalSyncStats;
  /**
   * Local WAL only: deletes this run's directory. REQUIRES: the writer is closed and every
   * edit it holds is flushed (a clean stop where every region closed with a flush), so the
   * next start has nothing to split.
   */
  readonly discard?: () => Promise<void>;
}

export interface ServerWalOptions {
  readonly choice: WalChoice;
  readonly objectStore: ObjectStore;
  readonly serverName: string;
  readonly startCode: number;
  readonly clock: Clock;
  readonly random: Random;
  readonly logger: Logger;
  /** Called once per failed commit (the writer has stopped acknowledging). */
  readonly onFailure: (err: unknown) => void;
}

/**
 * Creates the server's WAL (for 'local', after splitting earlier runs' directories).
 * Throws UnavailableError (object store during a split), CorruptionError (a damaged earlier
 * segment before its tail), FencedError (the new directory is fenced), InternalError (I/O).
 */
export async function createServerWal(opts: ServerWalOptions): Promise<ServerWal> {
  const accounting = new SequenceAccounting();
  let backend: WalBackend;
  let discard: (() => Promise<void>) | undefined;
  if (opts.choice.kind === 's3') {
    backend = new S3WalBackend(opts.objectStore, opts.serverName, opts.startCode, { clock: opts.clock, random: opts.random });
  } else {
    const dir = opts.choice.dir;
    await splitEarlierLocalWals(dir, opts);
    const own = join(dir, opts.serverName);
    backend = await LocalWalBackend.open(own, opts.choice.syncMode !== undefined ? { syncMode: opts.choice.syncMode } : {});
    discard = async () => {
      await rm(own, { recursive: true, force: true });
      fsyncDir(dir);
    };
  }
  const syncStats = new WalSyncStats();
  const timed = new TimedWalBackend(backend, opts.clock, syncStats, slowSyncLogger(opts.logger, opts.clock));
  const watched = new WatchedBackend(timed, opts.onFailure);
  return {
    writer: new WalWriter(watched, { clock: opts.clock, accounting }),
    accounting,
    description: backend.description,
    syncStats,
    ...(discard !== undefined ? { discard } : {}),
  };
}

/** Splits and deletes every earlier run's directory under `dir` (see the file comment). */
async function splitEarlierLocalWals(dir: string, opts: ServerWalOptions): Promise<void> {
  mkdirSync(dir, { recursive: true });
  const entries = await readdir(dir, { withFileTypes: true });
  for (const d of entries) {
    if (!d.isDirectory() || d.name === opts.serverName) continue;
    const sub = join(dir, d.name);
    const server = usableServerName(d.name);
    const epoch = startCodeOf(d.name);
    const edits = await splitLocalWal(sub, opts.objectStore, server, epoch);
    opts.logger.info({ wal: sub, regions: edits.length, entries: edits.reduce((n, e) => n + e.entries, 0) }, 'split the local wal of an earlier run into recovered edits');
    await rm(sub, { recursive: true, force: true });
    fsyncDir(dir);
  }
}

/** The directory name as a server name for recovered-edits keys (it is one, unless someone renamed it). */
function usableServerName(name: string): string {
  try {
    validateNameSegment('server', name);
    return name;
  } catch {
    return 'local-wal';
  }
}

/** The start code of a `host,port,startCode` name, or 0. */
function startCodeOf(name: string): number {
  const last = name.slice(name.lastIndexOf(',') + 1);
  const n = Number(last);
  return Number.isSafeInteger(n) && n >= 0 && /^\d+$/.test(last) ? n : 0;
}

/** A backend that reports failed commits (each one final for the writer). */
class WatchedBackend extends ForwardingWalBackend {
  constructor(
    inner: WalBackend,
    private readonly onFailure: (err: unknown) => void,
  ) {
    super(inner);
  }

  override commit(chunk: Buffer): Promise<number> {
    return this.inner.commit(chunk).catch((err: unknown) => {
      this.onFailure(err);
      throw err;
    });
  }
}
