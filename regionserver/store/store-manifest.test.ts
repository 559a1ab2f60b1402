import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ManualClock } from '../../common/clock.js';
import { ConflictError, CorruptionError, ErrorCodes, FencedError, InvalidError, UnavailableError } from '../../common/errors.js';
import { FaultObjectStore } from '../../common/objectstore/fault-store.js';
import { MemoryObjectStore } from '../../common/objectstore/memory-store.js';
import type { ObjectStore } from '../../common/objectstore/object-store.js';
import { listAllKeys } from '../../common/objectstore/object-store.js';
import { S3ObjectStore } from '../../common/objectstore/s3-store.js';
import { storeFileKey, storeManifestKey } from '../../common/paths.js';
import { SeededRandom, testSeed } from '../../common/random.js';
import { testS3Config, uniqueTestPrefix } from '../../testing/s3-env.js';
import { referencedFileKey } from './manifest.js';
import { ManifestStore, createDaughterManifest, loadManifest } from './store-manifest.js';
import { referenceTo, regionOf, storeOf, uploadFile } from './store-test-util.js';

const seed = testSeed();
const random = new SeededRandom(seed);
const msg = (s: string) => `${s} (TSB_SEED=${seed})`;

function isCode(code: string) {
  return (e: unknown): boolean => {
    assert.equal((e as { code?: string }).code, code, String(e));
    return true;
  };
}

/** The behaviour every object store must give the tracker: run on memory and on real S3. */
function trackerSuite(name: string, make: () => Promise<{ objectStore: ObjectStore; cleanup: () => Promise<void> }>): void {
  describe(`ManifestStore on ${name}`, () => {
    let objectStore: ObjectStore;
    let cleanup: () => Promise<void>;
    const clock = new ManualClock();
    let n = 0;
    const nextStore = () => storeOf(`${name}-${++n}`);
    before(async () => {
      ({ objectStore, cleanup } = await make());
    });
    after(async () => {
      await cleanup();
    });

    it('a missing manifest is an empty store; open creates it and claims it', async () => {
      const store = nextStore();
      const empty = await loadManifest(objectStore, store);
      assert.equal(empty.etag, undefined);
      assert.equal(empty.manifest.generation, 0);
      const t = await ManifestStore.open(objectStore, store, { server: 'rs-1' }, { clock });
      assert.equal(t.current.manifest.generation, 1);
      assert.deepEqual(t.current.manifest.writer, { server: 'rs-1', epoch: 1 });
      const loaded = await loadManifest(objectStore, store);
      assert.deepEqual(loaded, t.current);
    });

    it('a flush publishes an uploaded file; the stored manifest is the tracker view', async () => {
      const store = nextStore();
      const t = await ManifestStore.open(objectStore, store, { server: 'rs-1' }, { clock });
      const f = await uploadFile(objectStore, store, clock, random, { maxSeqId: 42n, size: 321 });
      const r = await t.commit({ kind: 'flush', files: [f], flushedSeqId: 50n });
      assert.equal(r.manifest.generation, 2);
      assert.deepEqual(await loadManifest(objectStore, store), r);
      assert.deepEqual(r.manifest.files, [f]);
      assert.equal(r.manifest.flushedSeqId, 50n);
    });

    it('a file that is not in the object store, or has another size, is not published', async () => {
      const store = nextStore();
      const t = await ManifestStore.open(objectStore, store, { server: 'rs-1' }, { clock });
      const before = t.current;
      const f = await uploadFile(objectStore, store, clock, random, { maxSeqId: 1n });
      await objectStore.delete(storeFileKey(store, f.name));
      await assert.rejects(t.commit({ kind: 'flush', files: [f], flushedSeqId: 1n }), (e: unknown) => e instanceof InvalidError && e.message.includes('does not exist'));
      const g = await uploadFile(objectStore, store, clock, random, { maxSeqId: 1n, size: 10 });
      await assert.rejects(t.commit({ kind: 'flush', files: [{ ...g, size: 11 }], flushedSeqId: 1n }), (e: unknown) => e instanceof InvalidError && e.message.includes('size differs'));
      assert.deepEqual(await loadManifest(objectStore, store), before, 'nothing was written');
      await t.commit({ kind: 'flush', files: [g], flushedSeqId: 1n });
    });

    it('CAS race: two owners commit concurrently, exactly one wins, the other is fenced for good', async () => {
      for (let round = 0; round < 4; round++) {
        const store = nextStore();
        const [a, b] = await Promise.all([
          ManifestStore.open(objectStore, store, { server: 'rs-a' }, { clock }),
          ManifestStore.open(objectStore, store, { server: 'rs-b' }, { clock }),
        ]);
        const fa = await uploadFile(objectStore, store, clock, random, { maxSeqId: 1n });
        const fb = await uploadFile(objectStore, store, clock, random, { maxSeqId: 1n });
        const results = await Promise.allSettled([a.commit({ kind: 'flush', files: [fa], flushedSeqId: 1n }), b.commit({ kind: 'flush', files: [fb], flushedSeqId: 1n })]);
        const won = results.filter((r) => r.status === 'fulfilled');
        const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
        assert.equal(won.length, 1, msg(`round ${round}: exactly one commit wins`));
        assert.equal(lost.length, 1);
        assert.ok(lost[0]!.reason instanceof FencedError && lost[0]!.reason.code === ErrorCodes.FENCED, String(lost[0]!.reason));
        const loser = results[0]!.status === 'rejected' ? a : b;
        const winner = loser === a ? b : a;
        const stored = await loadManifest(objectStore, store);
        assert.deepEqual(stored, winner.current);
        assert.deepEqual(stored.manifest.writer, winner.writer);
        // Fenced is final: even a change that would be valid is refused without touching the store.
        await assert.rejects(loser.commit({ kind: 'flush', files: [], flushedSeqId: 2n }), isCode(ErrorCodes.FENCED));
        assert.deepEqual(await loadManifest(objectStore, store), stored);
      }
    });

    it('a zombie (older epoch) cannot claim the store back, and its commits are fenced', async () => {
      const store = nextStore();
      const old = await ManifestStore.open(objectStore, store, { server: 'rs-old', epoch: 5 }, { clock });
      const f = await uploadFile(objectStore, store, clock, random, { maxSeqId: 3n });
      await old.commit({ kind: 'flush', files: [f], flushedSeqId: 3n });
      const next = await ManifestStore.open(objectStore, store, { server: 'rs-new', epoch: 6 }, { clock });
      assert.equal(next.current.manifest.flushedSeqId, 3n, 'the new owner sees the old owner flushes');
      await assert.rejects(ManifestStore.open(objectStore, store, { server: 'rs-old', epoch: 5 }, { clock }), isCode(ErrorCodes.FENCED));
      const g = await uploadFile(objectStore, store, clock, random, { maxSeqId: 4n });
      await assert.rejects(old.commit({ kind: 'flush', files: [g], flushedSeqId: 4n }), (e: unknown) => {
        assert.ok(e instanceof FencedError && e.code === ErrorCodes.FENCED);
        assert.ok(e.message.includes('owner=`rs-new`'), e.message);
        return true;
      });
      await next.commit({ kind: 'flush', files: [g], flushedSeqId: 4n });
      // The same owner may claim its own epoch again (a reopen after a crash of this process).
      const again = await ManifestStore.open(objectStore, store, { server: 'rs-new', epoch: 6 }, { clock });
      assert.equal(again.current.manifest.files.length, 2);
    });

    it('crash between upload and CAS: the manifest is untouched, the file is an unpublished orphan', async () => {
      const store = nextStore();
      const t = await ManifestStore.open(objectStore, store, { server: 'rs-1' }, { clock });
      const kept = await uploadFile(objectStore, store, clock, random, { maxSeqId: 1n });
      await t.commit({ kind: 'flush', files: [kept], flushedSeqId: 1n });
      const before = await loadManifest(objectStore, store);
      const orphan = await uploadFile(objectStore, store, clock, random, { maxSeqId: 9n });
      // ... the process dies here: no commit. A new owner opens the store:
      const next = await ManifestStore.open(objectStore, store, { server: 'rs-2' }, { clock });
      assert.deepEqual(next.current.manifest.files, before.manifest.files);
      assert.equal(next.current.manifest.flushedSeqId, 1n, 'replay starts above the last published flush');
      assert.ok((await objectStore.head(storeFileKey(store, orphan.name))) !== undefined, 'the orphan exists but no manifest names it');
    });

    it('daughters: created with references at epoch 0, claimed by their first owner, never created twice', async () => {
      const parent = nextStore();
      const pt = await ManifestStore.open(objectStore, parent, { server: 'rs-1' }, { clock });
      const pf = await uploadFile(objectStore, parent, clock, random, { maxSeqId: 8n });
      await pt.commit({ kind: 'flush', files: [pf], flushedSeqId: 8n });
      const d = { ...parent, region: regionOf(`${name}-daughter-${n}`) };
      await pt.commit({ kind: 'record-daughters', daughters: [d.region] });
      const ref = referenceTo(parent.region, parent.family, pf, 'bottom', clock.nowMs());
      const created = await createDaughterManifest(objectStore, d, 'rs-1', [ref], 8n, { clock });
      assert.deepEqual(created.manifest.writer, { server: 'rs-1', epoch: 0 });
      await assert.rejects(createDaughterManifest(objectStore, d, 'rs-1', [ref], 8n, { clock }), isCode(ErrorCodes.ALREADY_EXISTS));
      const dt = await ManifestStore.open(objectStore, d, { server: 'rs-2', epoch: 1 }, { clock });
      assert.deepEqual(dt.current.manifest.references, [ref]);
      assert.equal(referencedFileKey(d, ref), storeFileKey(parent, pf.name), 'a reference reads the parent file');
      assert.equal((await objectStore.head(referencedFileKey(d, ref)))?.size, pf.size);
      assert.equal(dt.current.manifest.flushedSeqId, 8n);
      // Rolling the split back is refused while a daughter store exists.
      await assert.rejects(pt.commit({ kind: 'record-daughters', daughters: [] }), (e: unknown) => e instanceof InvalidError && e.message.includes('daughter store still exists'));
    });
  });
}

trackerSuite('memory', async () => ({ objectStore: new MemoryObjectStore(), cleanup: async () => {} }));

trackerSuite('s3 (radosgw)', async () => {
  const objectStore = new S3ObjectStore({ ...(await testS3Config()), prefix: uniqueTestPrefix('store-manifest') });
  return {
    objectStore,
    cleanup: async () => {
      try {
        await objectStore.deleteMany((await listAllKeys(objectStore, '')).map((o) => o.key));
      } finally {
        await objectStore.close();
      }
    },
  };
});

describe('ManifestStore: in-process behaviour and failures', () => {
  const clock = new ManualClock();

  it('concurrent commits of one tracker run one at a time: every one lands, generations are consecutive', async () => {
    const objectStore = new MemoryObjectStore();
    const store = storeOf('serial');
    const t = await ManifestStore.open(objectStore, store, { server: 'rs-1' }, { clock });
    const files = await Promise.all(Array.from({ length: 12 }, (_, i) => uploadFile(objectStore, store, clock, random, { maxSeqId: BigInt(i + 1) })));
    const results = await Promise.all(files.map((f, i) => t.commit({ kind: 'flush', files: [f], flushedSeqId: BigInt(i + 1) })));
    assert.deepEqual(
      results.map((r) => r.manifest.generation),
      Array.from({ length: 12 }, (_, i) => i + 2),
    );
    const stored = await loadManifest(objectStore, store);
    assert.equal(stored.manifest.files.length, 12);
    assert.equal(stored.manifest.flushedSeqId, 12n);
  });

  it('expectedEtag: a caller deciding on an old view is refused without writing', async () => {
    const objectStore = new MemoryObjectStore();
    const store = storeOf('etag');
    const t = await ManifestStore.open(objectStore, store, { server: 'rs-1' }, { clock });
    const seen = t.current.etag;
    await t.commit({ kind: 'flush', files: [], flushedSeqId: 1n });
    await assert.rejects(t.commit({ kind: 'flush', files: [], flushedSeqId: 2n }, seen), (e: unknown) => e instanceof ConflictError && e.code === ErrorCodes.PRECONDITION_FAILED);
    assert.equal((await loadManifest(objectStore, store)).manifest.flushedSeqId, 1n);
    await t.commit({ kind: 'flush', files: [], flushedSeqId: 2n }, t.current.etag);
  });

  it('a write whose acknowledgement was lost is resolved by re-reading: applied', async () => {
    const objectStore = new FaultObjectStore(new MemoryObjectStore(), new SeededRandom(seed), { clock });
    const store = storeOf('ack-lost');
    const t = await ManifestStore.open(objectStore, store, { server: 'rs-1' }, { clock });
    objectStore.failNext('put', 1, { failure: 'after', keyPrefix: storeManifestKey(store) });
    const r = await t.commit({ kind: 'flush', files: [], flushedSeqId: 5n });
    assert.equal(objectStore.injected.put, 1);
    assert.deepEqual(await loadManifest(objectStore, store), r);
    await t.commit({ kind: 'flush', files: [], flushedSeqId: 6n });
  });

  it('a write that failed before reaching the store is a retryable error and changes nothing', async () => {
    const objectStore = new FaultObjectStore(new MemoryObjectStore(), new SeededRandom(seed), { clock });
    const store = storeOf('not-applied');
    const t = await ManifestStore.open(objectStore, store, { server: 'rs-1' }, { clock });
    const before = t.current;
    objectStore.failNext('put', 1, { failure: 'before', error: 'injected' });
    await assert.rejects(t.commit({ kind: 'flush', files: [], flushedSeqId: 5n }), (e: unknown) => e instanceof UnavailableError && e.retryable);
    assert.deepEqual(t.current, before);
    assert.deepEqual(await loadManifest(objectStore, store), before);
    assert.equal((await t.commit({ kind: 'flush', files: [], flushedSeqId: 5n })).manifest.generation, 2);
  });

  it('an outcome that cannot be learned closes the tracker (TSB_CLOSED): reopen to learn the truth', async () => {
    const objectStore = new FaultObjectStore(new MemoryObjectStore(), new SeededRandom(seed), { clock });
    const store = storeOf('unknown');
    const t = await ManifestStore.open(objectStore, store, { server: 'rs-1' }, { clock });
    objectStore.failNext('put', 1, { failure: 'after' });
    objectStore.failNext('get', 1);
    await assert.rejects(t.commit({ kind: 'flush', files: [], flushedSeqId: 5n }), isCode(ErrorCodes.CLOSED));
    await assert.rejects(t.commit({ kind: 'flush', files: [], flushedSeqId: 6n }), isCode(ErrorCodes.CLOSED));
    const reopened = await ManifestStore.open(objectStore, store, { server: 'rs-1' }, { clock });
    assert.equal(reopened.current.manifest.flushedSeqId, 5n, 'the lost write had been applied');
  });

  it('a damaged manifest fails open with a CorruptionError naming the key', async () => {
    const objectStore = new MemoryObjectStore();
    const store = storeOf('damaged');
    await ManifestStore.open(objectStore, store, { server: 'rs-1' }, { clock });
    const key = storeManifestKey(store);
    const bytes = (await objectStore.get(key)).body;
    bytes[bytes.length - 3] = bytes[bytes.length - 3]! ^ 1;
    await objectStore.put(key, bytes);
    await assert.rejects(ManifestStore.open(objectStore, store, { server: 'rs-2' }, { clock }), (e: unknown) => e instanceof CorruptionError && e.message.includes(key));
  });

  it('close stops later commits with TSB_CLOSED; claim-only changes are not commits', async () => {
    const objectStore = new MemoryObjectStore();
    const t = await ManifestStore.open(objectStore, storeOf('close'), { server: 'rs-1' }, { clock });
    await assert.rejects(t.commit({ kind: 'claim', writer: { server: 'x', epoch: 9 } }), isCode(ErrorCodes.INVALID_ARGUMENT));
    await t.close();
    await assert.rejects(t.commit({ kind: 'flush', files: [], flushedSeqId: 1n }), isCode(ErrorCodes.CLOSED));
  });
});
