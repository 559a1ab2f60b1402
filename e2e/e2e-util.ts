// Shared helpers of the end-to-end tests: byte helpers, a client connection, the shell with
// captured output, and a background load (writers and readers) that records every
// acknowledged write and every error a client saw, for "nothing lost, no error" checks while
// regions move and split.
import assert from 'node:assert/strict';
import { Connection } from '../client/connection.js';
import type { Table } from '../client/client-types.js';
import { runShell } from '../client/shell/index.js';
import type { Put, Result } from '../common/ops/operations.js';
import { createRpcClientPool } from '../common/rpc/rpc-client-pool.js';

export const b = (s: string): Buffer => Buffer.from(s, 'utf8');

export function putOf(row: string, family: string, qualifier: string, value: string): Put {
  return { kind: 'put', row: b(row), columns: [{ family: b(family), qualifier: b(qualifier), value: b(value) }] };
}

/** The latest value of family:qualifier in `r`, as a string, or undefined. */
export function valueOf(r: Result, family: string, qualifier: string): string | undefined {
  const c = r.cells.find((x) => x.family.equals(b(family)) && x.qualifier.equals(b(qualifier)));
  return c?.value.toString('utf8');
}

/** A client connection to `masters` (short timeouts so a broken cluster fails the test quickly). */
export function connect(masters: readonly string[], operationTimeoutMs = 60_000): Promise<Connection> {
  return Connection.connect({ masters, operationTimeoutMs, rpcTimeoutMs: 10_000, retryPauseMs: 50 }, { pool: createRpcClientPool({ timeoutMs: 10_000 }) });
}

/** Runs shell commands (as `tsbase shell -e`) and returns the exit code and everything printed. */
export async function shell(conn: Connection, commands: string): Promise<{ code: number; out: string }> {
  let out = '';
  const sink = { write: (s: string) => (out += s) };
  const code = await runShell({ connection: conn, output: sink, commands, timestampFormat: 'epoch' });
  return { code, out };
}

/** Runs shell commands and fails the test (showing the output) unless they all succeed. */
export async function shellOk(conn: Connection, commands: string): Promise<string> {
  const r = await shell(conn, commands);
  assert.equal(r.code, 0, `shell failed:\n${r.out}`);
  return r.out;
}

/** The connection was closed: a load loop must end (retrying cannot help). */
function isClosed(e: unknown): boolean {
  return (e as { code?: string }).code === 'TSB_CLOSED';
}

export interface LoadReport {
  /** Rows whose put was acknowledged, with the value written. */
  readonly acked: Map<string, string>;
  readonly writes: number;
  readonly reads: number;
  /** Errors any client call rejected with (must be empty: the client retries internally). */
  readonly errors: Error[];
}

/**
 * Background load on `table`: `writers` loops putting rows `<prefix><n>` (n increasing, spread
 * over the key space by a 4-hex-digit hash prefix so every region gets some) and `readers`
 * loops reading back rows already acknowledged and checking their value. Runs until stop().
 */
export function startLoad(table: Table, opts: { writers?: number; readers?: number; family?: string; prefix?: string } = {}): { stop: () => Promise<LoadReport>; acked: Map<string, string> } {
  const family = opts.family ?? 'f';
  const prefix = opts.prefix ?? 'load-';
  const acked = new Map<string, string>();
  const ackedKeys: string[] = [];
  const errors: Error[] = [];
  let running = true;
  let next = 0;
  let writes = 0;
  let reads = 0;
  const rowName = (n: number) => `${((n * 2654435761) >>> 0).toString(16).padStart(8, '0').slice(0, 4)}-${prefix}${n}`;
  const writer = async () => {
    while (running) {
      const n = next++;
      const row = rowName(n);
      const value = `v${n}`;
      try {
        await table.put(putOf(row, family, 'q', value));
        acked.set(row, value);
        ackedKeys.push(row);
        writes++;
      } catch (e) {
        errors.push(e as Error);
        if (isClosed(e)) running = false;
        await sleep(20); // never spin: a failing call may reject without touching the event loop
      }
    }
  };
  const reader = async () => {
    let i = 0;
    while (running) {
      if (ackedKeys.length === 0) {
        await new Promise((r) => setTimeout(r, 5));
        continue;
      }
      const row = ackedKeys[(i++ * 7919) % ackedKeys.length]!;
      try {
        const r = await table.get({ row: b(row) });
        const v = valueOf(r, family, 'q');
        if (v !== acked.get(row)) errors.push(new Error(`read ${row}: got ${String(v)}, expected ${String(acked.get(row))}`));
        reads++;
      } catch (e) {
        errors.push(e as Error);
        if (isClosed(e)) running = false;
        await sleep(20);
      }
    }
  };
  const loops = [...Array.from({ length: opts.writers ?? 4 }, writer), ...Array.from({ length: opts.readers ?? 2 }, reader)];
  const stop = async () => {
    running = false;
    liveLoads.delete(stop);
    await Promise.all(loops);
    return { acked, writes, reads, errors };
  };
  liveLoads.add(stop);
  return { acked, stop };
}

const liveLoads = new Set<() => Promise<LoadReport>>();

/** Stops every load still running (a test that failed half-way): call from afterEach. */
export async function stopLoads(): Promise<void> {
  await Promise.all([...liveLoads].map((s) => s()));
}

/** Reads every row of `expected` back (in batches) and fails on the first missing or wrong one. */
export async function assertRowsPresent(table: Table, expected: ReadonlyMap<string, string>, family = 'f'): Promise<void> {
  const rows = [...expected.keys()];
  for (let i = 0; i < rows.length; i += 200) {
    const chunk = rows.slice(i, i + 200);
    const results = await table.getMany(chunk.map((r) => ({ row: b(r) })));
    results.forEach((r, j) => {
      const row = chunk[j]!;
      assert.equal(valueOf(r, family, 'q'), expected.get(row), `row ${row} after ${i + j} good rows`);
    });
  }
}

/** Polls `pred` until it holds or `ms` pass (then fails with `what`). */
export async function waitFor(what: string, pred: () => Promise<boolean> | boolean, ms = 60_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await pred())) {
    if (Date.now() > deadline) assert.fail(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Sleeps `ms`. */
export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
