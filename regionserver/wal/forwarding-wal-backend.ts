// A WalBackend that passes every call to another one: the base of wrappers that change one
// call (the server's failure watcher and sync timer override commit) and forward the rest.

import type { WalBackend } from './wal-backend.js';

export class ForwardingWalBackend implements WalBackend {
  readonly description: string;

  constructor(protected readonly inner: WalBackend) {
    this.description = inner.description;
  }

  get preferredChunkBytes(): number | undefined {
    return this.inner.preferredChunkBytes;
  }

  nextUnit(): number {
    return this.inner.nextUnit();
  }

  commit(chunk: Buffer): Promise<number> {
    return this.inner.commit(chunk);
  }

  deleteBelow(lowWater: number): Promise<void> {
    return this.inner.deleteBelow(lowWater);
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
