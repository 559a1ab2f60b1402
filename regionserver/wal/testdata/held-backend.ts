// A WalBackend for tests that holds every commit until the test releases (or fails) it, and
// checks that the writer never has two commits in flight.
import type { WalBackend } from '../wal-backend.js';
import { decodeEntry, parseChunks } from '../wal-reader.js';
import type { WalEntry } from '../wal-reader.js';

interface Held {
  readonly chunk: Buffer;
  readonly resolve: (unit: number) => void;
  readonly reject: (e: unknown) => void;
}

export class HeldBackend implements WalBackend {
  readonly description = 'held';
  /** Chunks made durable, in order. */
  readonly durable: Buffer[] = [];
  readonly deletedBelowCalls: number[] = [];
  private held: Held | undefined;
  private waiting: Array<() => void> = [];
  private unit = 0;
  /** Commits auto-complete (after a setImmediate) instead of waiting for release(). */
  auto = false;

  nextUnit(): number {
    return this.unit;
  }

  commit(chunk: Buffer): Promise<number> {
    if (this.held !== undefined) throw new Error('two commits in flight');
    return new Promise<number>((resolve, reject) => {
      this.held = { chunk, resolve, reject };
      for (const w of this.waiting.splice(0)) w();
      if (this.auto) setImmediate(() => this.release());
    });
  }

  /** True if a commit is waiting. */
  get holding(): boolean {
    return this.held !== undefined;
  }

  /** The chunk being held. */
  get heldChunk(): Buffer | undefined {
    return this.held?.chunk;
  }

  /** Resolves once a commit is being held. */
  async nextCommit(): Promise<Buffer> {
    while (this.held === undefined) await new Promise<void>((r) => this.waiting.push(r));
    return this.held.chunk;
  }

  /** Makes the held commit durable and resolves it. */
  release(): void {
    const h = this.held;
    if (h === undefined) throw new Error('no commit held');
    this.held = undefined;
    this.durable.push(Buffer.from(h.chunk)); // the writer reuses the chunk's memory once resolved
    h.resolve(this.unit++);
  }

  /** Fails the held commit. */
  failHeld(e: unknown): void {
    const h = this.held;
    if (h === undefined) throw new Error('no commit held');
    this.held = undefined;
    h.reject(e);
  }

  async deleteBelow(lowWater: number): Promise<void> {
    this.deletedBelowCalls.push(lowWater);
  }

  async close(): Promise<void> {}

  /** Entries of the durable chunks, decoded, in log order. */
  entries(): WalEntry[] {
    return this.durable.flatMap((c) => parseChunks(c, 'held', { tornTailAllowed: false }).chunks.flatMap((p) => p.entries.map((e) => decodeEntry(e, 'held'))));
  }
}

/** Lets pending setImmediate callbacks and promise reactions run. */
export function turn(): Promise<void> {
  return new Promise((r) => setImmediate(r));
}
