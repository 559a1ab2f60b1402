// kill -9 crash test: a child process writes through a Region (puts, deletes of acknowledged
// puts, increments) while flushing every few milliseconds; the parent kills it at random
// moments — before it is open (mid-replay), under load, right after a flush started — then
// recovers as the master would (fence + split the dead WAL into recovered edits) and, in most
// rounds, opens the region itself and checks:
//   - every acknowledged put is readable with its exact value (unless a delete of it was sent);
//   - every acknowledged delete stays deleted (no resurrection);
//   - counters: acknowledged increments returned distinct values (no duplicates), and the
//     stored value is at least the largest acknowledged one and at most the number sent.
// Rounds the parent does not check are recovered by the next child (so its open replays, and
// may itself be killed). Runs on the local WAL + filesystem object store (standalone) and on
// the S3 WAL + a real S3 server (testing/s3-env.ts).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, test } from 'node:test';
import type { ObjectStore } from '../../common/objectstore/object-store.js';
import { listAllKeys } from '../../common/objectstore/object-store.js';
import type { ObjectStoreConfig } from '../../common/objectstore/open-store.js';
import { openObjectStore } from '../../common/objectstore/open-store.js';
import { storeFilesPrefix } from '../../common/paths.js';
import { SeededRandom, testSeed } from '../../common/random.js';
import { testS3Config, uniqueTestPrefix } from '../../testing/s3-env.js';
import { loadManifest } from '../store/store-manifest.js';
import { S3WalBackend } from '../wal/s3-wal-backend.js';
import { splitLocalWal, splitWal } from '../wal/wal-split.js';
import { WalWriter } from '../wal/wal-writer.js';
import { openRegion } from './region-open.js';
import { CRASH_FAMILIES, CRASH_REGION, CRASH_SERVER, counterRow, putValue } from './testdata/crash-workload.js';
import type { RegionChildConfig } from './testdata/region-writer-child.js';

const CHILD = fileURLToPath(new URL('./testdata/region-writer-child.js', import.meta.url));
const COUNTERS = 6;
const seed = testSeed();
const root = mkdtempSync(join(tmpdir(), 'tsb-region-crash-'));
after(() => rmSync(root, { recursive: true, force: true }));

class Child {
  readonly proc: ChildProcess;
  readonly lines: string[] = [];
  readonly exited: Promise<void>;
  private readonly closed: Promise<void>;
  private partial = '';
  private waiters: Array<() => void> = [];
  stderr = '';
  flushesStarted = 0;
  acks = 0;

  constructor(cfg: RegionChildConfig, private readonly onLine: (line: string) => void) {
    this.proc = spawn(process.execPath, [CHILD, JSON.stringify(cfg)], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.proc.stdout!.setEncoding('utf8');
    this.closed = new Promise((r) => this.proc.stdout!.once('close', () => r()));
    this.proc.stdout!.on('data', (s: string) => {
      const parts = (this.partial + s).split('\n');
      this.partial = parts.pop()!; // a line cut by the kill is not a report
      for (const line of parts) {
        this.lines.push(line);
        if (line === 'f+') this.flushesStarted++;
        if (/^[pdi] /.test(line)) this.acks++;
        this.onLine(line);
      }
      for (const w of this.waiters.splice(0)) w();
    });
    this.proc.stderr!.setEncoding('utf8');
    this.proc.stderr!.on('data', (s: string) => (this.stderr += s));
    this.exited = new Promise((resolve) =>
      this.proc.on('exit', () => {
        for (const w of this.waiters.splice(0)) w();
        resolve();
      }),
    );
  }

  async until(pred: () => boolean, what: string): Promise<void> {
    while (!pred()) {
      if (this.proc.exitCode !== null || this.proc.signalCode !== null) {
        throw new Error(`child exited (${this.proc.exitCode ?? this.proc.signalCode}) before ${what}; stderr: ${this.stderr.slice(-2000)} last lines: ${this.lines.slice(-5).join(' | ')}`);
      }
      await new Promise<void>((r) => this.waiters.push(r));
    }
  }

  async kill9(): Promise<void> {
    this.proc.kill('SIGKILL');
    await this.exited;
    await this.closed;
  }
}

/** What every child reported, over all rounds. */
class Ledger {
  readonly putAcked = new Set<string>();
  readonly deleteSent = new Set<string>();
  readonly deleteAcked = new Set<string>();
  readonly incSent = new Map<string, number>();
  readonly incAcked = new Map<string, Set<bigint>>();
  readonly errors: string[] = [];

  record(line: string): void {
    const [kind, a, b] = line.split(' ');
    if (kind === 'p') this.putAcked.add(a!);
    else if (kind === 'D') this.deleteSent.add(a!);
    else if (kind === 'd') this.deleteAcked.add(a!);
    else if (kind === 's') this.incSent.set(a!, (this.incSent.get(a!) ?? 0) + 1);
    else if (kind === 'i') {
      const set = this.incAcked.get(a!) ?? new Set<bigint>();
      const v = BigInt(b!);
      if (set.has(v)) this.errors.push(`counter ${a} returned ${v} twice: an increment was applied twice or lost`);
      set.add(v);
      this.incAcked.set(a!, set);
    } else if (kind === 'error') this.errors.push(line);
  }
}

async function verify(store: ObjectStore, ledger: Ledger, label: string, verifierEpoch: number): Promise<{ rows: number }> {
  assert.deepEqual(ledger.errors, [], label);
  const wal = new WalWriter(new S3WalBackend(store, 'verifier', verifierEpoch));
  const region = await openRegion({ objectStore: store, info: CRASH_REGION, families: CRASH_FAMILIES, server: 'verifier', wal, config: { blockingStoreFiles: 100_000 } });
  try {
    let rows = 0;
    for (const row of ledger.putAcked) {
      const got = (await region.get({ row: Buffer.from(row) })).cells;
      rows++;
      if (ledger.deleteAcked.has(row)) {
        assert.equal(got.length, 0, `${label}: acknowledged delete of ${row} was resurrected`);
      } else if (got.length === 0) {
        assert.ok(ledger.deleteSent.has(row), `${label}: acknowledged put of ${row} is missing`);
      } else {
        assert.equal(got.length, 1, `${label}: ${row} has ${got.length} cells`);
        assert.ok(got[0]!.value.equals(putValue(row)), `${label}: ${row} has the wrong value`);
      }
    }
    for (let i = 0; i < COUNTERS; i++) {
      const c = counterRow(i);
      const got = (await region.get({ row: Buffer.from(c) })).cells;
      const value = got.length === 0 ? 0n : got[0]!.value.readBigInt64BE(0);
      const acked = [...(ledger.incAcked.get(c) ?? [])];
      const maxAcked = acked.reduce((m, v) => (v > m ? v : m), 0n);
      assert.ok(value >= maxAcked, `${label}: counter ${c} = ${value} is below the acknowledged ${maxAcked}`);
      assert.ok(value <= BigInt(ledger.incSent.get(c) ?? 0), `${label}: counter ${c} = ${value} exceeds the ${ledger.incSent.get(c) ?? 0} increments sent`);
      assert.ok(value >= BigInt(acked.length), `${label}: counter ${c} = ${value} is below the ${acked.length} acknowledged increments`);
    }
    return { rows };
  } finally {
    await region.close({ flush: false });
    await wal.close();
  }
}

async function runRounds(opts: { name: string; rounds: number; storeConfig: ObjectStoreConfig; wal: 'local' | 's3'; walRoot?: string; rnd: SeededRandom }): Promise<void> {
  const store = await openObjectStore(opts.storeConfig);
  const ledger = new Ledger();
  const kinds = { early: 0, load: 0, flush: 0, 'upload-start': 0, 'upload-done': 0, 'manifest-done': 0 };
  let checked = 0;
  let orphans = 0;
  try {
    for (let round = 0; round < opts.rounds; round++) {
      const epoch = round + 1;
      const label = `${opts.name} seed ${seed} round ${round}`;
      let cfg: RegionChildConfig = {
        store: opts.storeConfig,
        wal: opts.wal,
        ...(opts.walRoot !== undefined ? { walRoot: opts.walRoot } : {}),
        epoch,
        rowBase: round * 1_000_000,
        concurrency: 8,
        counters: COUNTERS,
        flushSizeBytes: 64 * 1024,
        seed: seed + round,
        maxRunMs: 60_000,
      };
      const how = round === 0 ? 1 : opts.rnd.int(4);
      if (how === 3) {
        const at = (['upload-start', 'upload-done', 'manifest-done'] as const)[opts.rnd.int(3)]!;
        cfg = { ...cfg, selfKill: { at, nth: 1 + opts.rnd.int(4) } };
      }
      const child = new Child(cfg, (line) => ledger.record(line));
      if (how === 3) {
        kinds[cfg.selfKill!.at]++;
        await child.exited;
      } else if (how === 0) {
        // Anywhere, including while the child opens the region and replays.
        kinds.early++;
        await new Promise((r) => setTimeout(r, opts.rnd.int(600)));
      } else if (how === 1) {
        kinds.load++;
        const target = 50 + opts.rnd.int(400);
        await child.until(() => child.acks >= target, `${target} acknowledgements (${label})`);
      } else {
        kinds.flush++;
        const target = 1 + opts.rnd.int(6);
        await child.until(() => child.flushesStarted >= target, `flush ${target} (${label})`);
        await new Promise((r) => setTimeout(r, opts.rnd.int(10)));
      }
      await child.kill9();
      assert.deepEqual(ledger.errors, [], `${label}: ${child.stderr.slice(-1000)}`);
      assert.equal(child.proc.signalCode, 'SIGKILL', `${label}: the child ended otherwise (${JSON.stringify(cfg.selfKill)}): ${child.stderr.slice(-1000)} acks ${child.acks}, last lines: ${child.lines.filter((l) => !/^[pdisD] /.test(l)).slice(-8).join(" | ")}`);
      // The master's part: fence the dead WAL and split it into recovered edits.
      if (opts.wal === 'local') await splitLocalWal(join(opts.walRoot!, String(epoch)), store, CRASH_SERVER, epoch);
      else await splitWal(store, CRASH_SERVER, epoch);
      if (round === opts.rounds - 1 || opts.rnd.int(3) !== 0) {
        await verify(store, ledger, label, round + 1);
        checked++;
      }
    }
    // Uploads a kill cut off between upload and manifest CAS: invisible, left for the cleaner.
    for (const f of CRASH_FAMILIES) {
      const id = { namespace: CRASH_REGION.namespace, table: CRASH_REGION.table, region: CRASH_REGION.encodedName, family: f.name };
      const live = new Set((await loadManifest(store, id)).manifest.files.map((x) => x.name));
      for (const o of await listAllKeys(store, storeFilesPrefix(id))) if (!live.has(o.key.slice(o.key.lastIndexOf('/') + 1))) orphans++;
    }
  } finally {
    await store.close();
  }
  let incs = 0;
  for (const s of ledger.incAcked.values()) incs += s.size;
  console.log(
    `# ${opts.name}: ${opts.rounds} kills (${JSON.stringify(kinds)}), ${checked} checked, ${orphans} unpublished uploads left by kills; acknowledged ${ledger.putAcked.size} puts, ${ledger.deleteAcked.size} deletes, ${incs} increments (seed ${seed})`,
  );
  assert.ok(ledger.putAcked.size > 0 && incs > 0, 'the children wrote something');
}

test('kill -9 during writes and flushes, local WAL + filesystem store: nothing acknowledged is lost, nothing deleted comes back', async () => {
  const dir = join(root, 'local');
  await runRounds({ name: 'local', rounds: 16, storeConfig: { kind: 'fs', root: join(dir, 'store') }, wal: 'local', walRoot: join(dir, 'wal'), rnd: new SeededRandom(seed) });
});

test('kill -9 during writes and flushes, S3 WAL + S3 store: nothing acknowledged is lost, nothing deleted comes back', async () => {
  const s3 = await testS3Config();
  const prefix = uniqueTestPrefix('region-crash');
  await runRounds({ name: 's3', rounds: 8, storeConfig: { kind: 's3', ...s3, prefix }, wal: 's3', rnd: new SeededRandom(seed + 1) });
});
