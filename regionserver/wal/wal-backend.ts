// Where a WalWriter's chunks go. Implementations: s3-wal-backend.ts (one object per chunk),
// local-wal-backend.ts (segment files, fdatasync per chunk).
//
// A "unit" is what the backend can delete as a whole once every edit in it is flushed: a chunk
// number on S3, a segment id locally. Units are non-negative integers that never decrease.

export interface WalBackend {
  /** For logs and errors: where the chunks go. */
  readonly description: string;

  /**
   * Chunk size past which the writer should double-buffer (seal the buffer and commit the rest
   * right after), for devices whose commit cost hardly depends on size. Undefined: never.
   */
  readonly preferredChunkBytes?: number;

  /** The unit the next commit will land in. Stable until that commit is issued. */
  nextUnit(): number;

  /**
   * Makes `chunk` (one encoded group commit) durable and resolves with the unit it landed in.
   * REQUIRES: no other commit of this backend is in flight (the writer guarantees it).
   * Retries transient failures itself, with the same bytes at the same place. A rejection is
   * final: FencedError (TSB_FENCED) when another process fenced this WAL, otherwise the error
   * that made the write impossible; the writer then stops acknowledging anything.
   * The writer reuses the chunk's memory once the returned promise resolved: a backend that
   * keeps the bytes longer copies them.
   */
  commit(chunk: Buffer): Promise<number>;

  /**
   * Deletes every unit below `lowWater` that this backend wrote.
   * REQUIRES: a durable chunk records a low water ≥ `lowWater` (so a split never looks for
   * the deleted units), and every edit in them is flushed. Not concurrent with itself; may run
   * concurrently with commit. Never deletes the unit commits are landing in.
   */
  deleteBelow(lowWater: number): Promise<void>;

  /** Releases files and handles. No commit may be in flight. */
  close(): Promise<void>;
}
