import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ConflictError, ErrorCodes, InvalidError } from '../errors.js';
import { SeededRandom, testSeed } from '../random.js';
import { objectStoreConformance, rejectsWith } from './conformance.js';
import { FsObjectStore } from './fs-store.js';
import { listAllKeys } from './object-store.js';

objectStoreConformance('fs', async () => {
  const root = await mkdtemp(join(tmpdir(), 'tsb-fs-store-'));
  const store = await FsObjectStore.open(root);
  return {
    store,
    cleanup: async () => {
      await store.close();
      await rm(root, { recursive: true, force: true });
    },
  };
});

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

describe('FsObjectStore', () => {
  let root: string;
  let store: FsObjectStore;
  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'tsb-fs-store-unit-'));
    store = await FsObjectStore.open(root);
  });
  after(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('lays objects out as documented: segments become `%`-suffixed directories, odd bytes are escaped', async () => {
    for (const key of ['lay/a', 'lay/a/b', 'lay/x y/é', 'lay/dir/', 'lay/100%']) await store.put(key, Buffer.from(key));
    const o = join(root, 'objects');
    for (const path of ['lay%/a', 'lay%/a%/b', 'lay%/x%20y%/%C3%A9', 'lay%/dir%/%', 'lay%/100%25']) {
      assert.ok(await exists(join(o, path)), path);
    }
    assert.deepEqual(
      (await store.list('lay/')).objects.map((x) => x.key),
      ['lay/100%', 'lay/a', 'lay/a/b', 'lay/dir/', 'lay/x y/é'],
    );
  });

  it('rejects a key segment that encodes to more than 254 bytes', async () => {
    await rejectsWith(store.put(`long/${'x'.repeat(255)}`, Buffer.from('x')), InvalidError, ErrorCodes.INVALID_ARGUMENT);
    await rejectsWith(store.put(`long/${'é'.repeat(43)}`, Buffer.from('x')), InvalidError, ErrorCodes.INVALID_ARGUMENT); // 86 bytes → 258 chars
    await store.put(`long/${'x'.repeat(254)}`, Buffer.from('fits'));
  });

  it('etags never repeat across replaces of same-size content, even when inodes are reused', async () => {
    const seen = new Set<string>();
    const first = await store.put('aba/k', Buffer.from('0000'));
    seen.add(first.etag);
    for (let i = 1; i < 300; i++) {
      if (i % 50 === 0) await store.delete('aba/k');
      const { etag } = await store.put('aba/k', Buffer.from(String(i % 10).repeat(4)));
      assert.ok(!seen.has(etag), `etag ${etag} repeated at ${i}`);
      seen.add(etag);
    }
    await rejectsWith(store.put('aba/k', Buffer.from('late'), { ifMatch: first.etag }), ConflictError, ErrorCodes.PRECONDITION_FAILED);
  });

  it('deleting the last object of a directory removes the empty directories', async () => {
    await store.put('gone/d1/d2/k', Buffer.from('x'));
    await store.put('gone/keep', Buffer.from('x'));
    await store.delete('gone/d1/d2/k');
    assert.equal(await exists(join(root, 'objects', 'gone%', 'd1%')), false);
    assert.equal(await exists(join(root, 'objects', 'gone%', 'keep')), true);
    await store.put('gone/d1/d2/k', Buffer.from('back')); // directories are made again
    assert.equal((await store.get('gone/d1/d2/k')).body.toString(), 'back');
  });

  it('ignores foreign files in the objects tree', async () => {
    await store.put('foreign/ok', Buffer.from('x'));
    await writeFile(join(root, 'objects', 'foreign%', 'not encoded!'), 'x');
    await writeFile(join(root, 'objects', 'foreign%', 'bad%zz'), 'x');
    assert.deepEqual((await store.list('foreign/')).objects.map((o) => o.key), ['foreign/ok']);
  });

  it('a temp file of a dead writer is invisible and removed at open; a live writer\'s stays', async () => {
    const tmp = join(root, 'tmp');
    await writeFile(join(tmp, '4194305-deadbeef-1.tmp'), 'half an object'); // above Linux's pid_max
    await writeFile(join(tmp, `${process.pid}-cafe-1.tmp`), 'being written');
    assert.ok(!(await listAllKeys(store, '')).some((o) => o.key.includes('tmp')));
    const reopened = await FsObjectStore.open(root);
    assert.deepEqual(await readdir(tmp), [`${process.pid}-cafe-1.tmp`]);
    assert.equal(await reopened.removeStaleTempFiles(), 0);
  });

  it('a failed upload leaves no temp file behind', async () => {
    const before = await readdir(join(root, 'tmp'));
    async function* failing(): AsyncGenerator<Buffer> {
      yield Buffer.alloc(1000);
      throw new Error('source broke');
    }
    await assert.rejects(store.upload('up/failed', failing()), /source broke/);
    assert.deepEqual(await readdir(join(root, 'tmp')), before);
  });
});

// A child process writes objects (plain, compare-and-swap and create-if-absent puts) and is
// killed with SIGKILL mid-stream. Every visible object must be complete, every acknowledged
// write must be visible (or overwritten by a later write of the same key), and reopening the
// store removes the child's temp files. (SIGKILL loses no page cache, so this checks
// atomicity, not fsync ordering: that needs a power cut.)
const crashSeed = testSeed();
describe(`FsObjectStore crash safety seed=${crashSeed}`, () => {
  const childCode = (root: string, storeUrl: string): string => `
    import { createHash } from 'node:crypto';
    const { FsObjectStore } = await import(${JSON.stringify(storeUrl)});
    const store = await FsObjectStore.open(${JSON.stringify(root)});
    const seq0 = Number(process.argv[1]);
    function body(seq) {
      const size = 64 * 1024 + ((seq * 7919) % 16) * 64 * 1024; // 64 KiB .. 1 MiB
      const payload = Buffer.alloc(size, seq % 251);
      payload.writeUInt32BE(seq, 0);
      const head = Buffer.alloc(40);
      head.writeUInt32BE(size, 0);
      head.writeUInt32BE(seq, 4);
      createHash('sha256').update(payload).digest().copy(head, 8);
      return Buffer.concat([head, payload]);
    }
    let inflight = [];
    for (let seq = seq0; ; seq++) {
      const key = 'obj/' + (seq % 12);
      const op = seq % 3 === 0 ? 'cas' : seq % 5 === 0 ? 'once' : 'put';
      inflight.push((async () => {
        if (op === 'once') {
          await store.put('once/' + seq, body(seq), { ifNoneMatch: '*' });
          process.stdout.write('ack once/' + seq + ' ' + seq + '\\n');
          return;
        }
        if (op === 'cas') {
          const cur = await store.head(key);
          try {
            await store.put(key, body(seq), cur ? { ifMatch: cur.etag } : { ifNoneMatch: '*' });
          } catch (err) { if (err.name === 'ConflictError') return; throw err; }
        } else {
          await store.put(key, body(seq));
        }
        process.stdout.write('ack ' + key + ' ' + seq + '\\n');
      })());
      if (inflight.length >= 6) { await Promise.all(inflight); inflight = []; }
    }
  `;

  function verify(buf: Buffer): number {
    assert.ok(buf.length >= 40, `object too short: ${buf.length}`);
    const size = buf.readUInt32BE(0);
    assert.equal(buf.length, 40 + size, 'object length matches its header');
    const digest = createHash('sha256').update(buf.subarray(40)).digest();
    assert.deepEqual(buf.subarray(8, 40), digest, 'object checksum matches');
    return buf.readUInt32BE(4);
  }

  it('a writer killed with SIGKILL mid-put never leaves a partial object visible', async (t) => {
    const root = await mkdtemp(join(tmpdir(), 'tsb-fs-crash-'));
    const random = new SeededRandom(crashSeed);
    const storeUrl = new URL('./fs-store.js', import.meta.url).href;
    const acked = new Map<string, number>(); // key → highest acknowledged seq
    try {
      for (let round = 0; round < 3; round++) {
        const killAfter = 10 + random.int(40);
        const child = spawn(process.execPath, ['--input-type=module', '-e', childCode(root, storeUrl), String(round * 100000)], {
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let stderr = '';
        child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
        let buffered = '';
        let count = 0;
        await new Promise<void>((resolve, reject) => {
          child.on('exit', () => resolve());
          child.on('error', reject);
          child.stdout.on('data', (d: Buffer) => {
            buffered += d.toString();
            let nl: number;
            while ((nl = buffered.indexOf('\n')) >= 0) {
              const [, key, seq] = buffered.slice(0, nl).split(' ');
              buffered = buffered.slice(nl + 1);
              acked.set(key!, Math.max(acked.get(key!) ?? -1, Number(seq)));
              if (++count === killAfter) child.kill('SIGKILL');
            }
          });
        });
        assert.ok(count >= killAfter, `child died early after ${count} acks: ${stderr}`);
        t.diagnostic(`round ${round}: killed after ${count} acks with ${(await readdir(join(root, 'tmp'))).length} temp files left`);
        const store = await FsObjectStore.open(root);
        assert.deepEqual(await readdir(join(root, 'tmp')), [], 'reopening removed the dead writer\'s temp files');
        const objects = await listAllKeys(store, '');
        for (const o of objects) {
          const got = await store.get(o.key);
          assert.equal(got.size, o.size);
          verify(got.body);
        }
        for (const [key, seq] of acked) {
          const got = await store.get(key); // NotFoundError here would be a lost acknowledged write
          assert.ok(verify(got.body) >= seq, `${key}: acknowledged seq ${seq} is visible or overwritten by a later one`);
        }
      }
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});
