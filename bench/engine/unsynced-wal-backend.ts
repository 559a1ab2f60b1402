// BENCHMARK ONLY — NOT DURABLE. A WalBackend that appends each group-commit chunk to one local
// file with write(2) and never fsyncs: the WAL durability of LevelDB's default (`sync: false`:
// the log is written to the OS, not forced to disk). With it the engine benchmark compares the
// engines' own work rather than two fdatasync loops. It does not roll, fence or delete.

import { close, open, write } from 'node:fs';
import type { WalBackend } from '../../regionserver/wal/wal-backend.js';

export class UnsyncedFileWalBackend implements WalBackend {
  readonly description: string;
  private size = 0;

  private constructor(
    private readonly path: string,
    private fd: number,
  ) {
    this.description = `unsynced bench wal ${path}`;
  }

  static open(path: string): Promise<UnsyncedFileWalBackend> {
    return new Promise((resolve, reject) => open(path, 'w', (e, fd) => (e ? reject(e) : resolve(new UnsyncedFileWalBackend(path, fd)))));
  }

  nextUnit(): number {
    return 0;
  }

  async commit(chunk: Buffer): Promise<number> {
    let off = 0;
    while (off < chunk.length) {
      off += await new Promise<number>((resolve, reject) =>
        write(this.fd, chunk, off, chunk.length - off, this.size + off, (e, n) => (e ? reject(e) : resolve(n))),
      );
    }
    this.size += chunk.length;
    return 0;
  }

  async deleteBelow(): Promise<void> {}

  async close(): Promise<void> {
    const fd = this.fd;
    this.fd = -1;
    if (fd >= 0) await new Promise<void>((resolve) => close(fd, () => resolve()));
  }
}
