// The ObjectStore conformance suite: one set of node:test tests that every implementation
// (memory, filesystem, S3 on a real radosgw) and every wrapper must pass. It checks the
// semantics promised in object-store.ts.
//
// Usage (in x-store.test.ts):
//   objectStoreConformance('fs', async () => ({ store, cleanup }));
// `makeStore` is called once per suite; the tests share the store and use disjoint key
// prefixes, so the store must start empty under every prefix the suite writes (`c/…`).

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { ConflictError, ErrorCodes, InvalidError, NotFoundError } from '../errors.js';
import type { ErrorCode } from '../errors.js';
import { SeededRandom } from '../random.js';
import type { ObjectStore } from './object-store.js';
import { listAllKeys } from './object-store.js';

export interface ConformanceTarget {
  readonly store: ObjectStore;
  /** Removes what the suite wrote and closes the store. */
  readonly cleanup: () => Promise<void>;
}

type ErrorClass = typeof ConflictError | typeof InvalidError | typeof NotFoundError;

/** Asserts that `p` rejects with an error of `cls` carrying `code`, whose message names `mentions`. */
export async function rejectsWith(p: Promise<unknown>, cls: ErrorClass, code: ErrorCode, mentions?: string): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof cls, `expected ${cls.name}, got ${String(err)}`);
    assert.equal(err.code, code, String(err));
    if (mentions !== undefined) assert.ok(err.message.includes(mentions), `message should mention ${mentions}: ${err.message}`);
    return true;
  });
}

function byteOrder(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

async function pool<T>(n: number, items: readonly T[], fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(n, items.length) }, async () => {
      while (next < items.length) await fn(items[next++]!);
    }),
  );
}

export function objectStoreConformance(name: string, makeStore: () => Promise<ConformanceTarget>): void {
  describe(`ObjectStore conformance: ${name}`, () => {
    let target: ConformanceTarget | undefined;
    const s = (): ObjectStore => {
      assert.ok(target, 'store not created');
      return target.store;
    };
    before(async () => {
      target = await makeStore();
    });
    after(async () => {
      await target?.cleanup();
    });

    it('put then get returns the bytes; head gives size and etag', async () => {
      const body = Buffer.from('hello object store');
      const { etag } = await s().put('c/basic/one', body);
      assert.ok(etag.length > 0 && !etag.includes('"'), `etag without quotes: ${etag}`);
      const got = await s().get('c/basic/one');
      assert.deepEqual(got.body, body);
      assert.equal(got.etag, etag);
      assert.equal(got.size, body.length);
      assert.deepEqual(await s().head('c/basic/one'), { key: 'c/basic/one', size: body.length, etag });
    });

    it('replacing an object changes its etag and readers see the new bytes', async () => {
      const a = await s().put('c/replace/k', Buffer.from('version one'));
      const b = await s().put('c/replace/k', Buffer.from('version two!'));
      assert.notEqual(a.etag, b.etag);
      const got = await s().get('c/replace/k');
      assert.equal(got.body.toString(), 'version two!');
      assert.equal(got.etag, b.etag);
      assert.equal((await s().head('c/replace/k'))?.etag, b.etag);
    });

    it('an empty object round-trips', async () => {
      await s().put('c/empty/k', Buffer.alloc(0));
      const got = await s().get('c/empty/k');
      assert.equal(got.body.length, 0);
      assert.equal(got.size, 0);
      assert.equal((await s().head('c/empty/k'))?.size, 0);
    });

    it('a missing key: get throws NotFoundError naming the key, head returns undefined', async () => {
      await rejectsWith(s().get('c/missing/nope'), NotFoundError, ErrorCodes.NOT_FOUND, 'c/missing/nope');
      await rejectsWith(s().get('c/missing/nope', { offset: 0, length: 1 }), NotFoundError, ErrorCodes.NOT_FOUND);
      assert.equal(await s().head('c/missing/nope'), undefined);
    });

    it('byte ranges: offset+length, open end, cut at the end, suffix, suffix longer than the object', async () => {
      const body = Buffer.from('0123456789abcdefghij'); // 20 bytes
      const { etag } = await s().put('c/range/k', body);
      const cases: Array<[Parameters<ObjectStore['get']>[1], string]> = [
        [{ offset: 0, length: 1 }, '0'],
        [{ offset: 5, length: 5 }, '56789'],
        [{ offset: 10 }, 'abcdefghij'],
        [{ offset: 15, length: 100 }, 'fghij'],
        [{ offset: 19, length: 1 }, 'j'],
        [{ suffix: 3 }, 'hij'],
        [{ suffix: 20 }, body.toString()],
        [{ suffix: 50 }, body.toString()],
      ];
      for (const [range, want] of cases) {
        const got = await s().get('c/range/k', range);
        assert.equal(got.body.toString(), want, JSON.stringify(range));
        assert.equal(got.size, 20, `size is the whole object's: ${JSON.stringify(range)}`);
        assert.equal(got.etag, etag);
      }
    });

    it('bad ranges throw InvalidError TSB_INVALID_RANGE naming the key', async () => {
      await s().put('c/badrange/k', Buffer.from('0123456789'));
      await s().put('c/badrange/empty', Buffer.alloc(0));
      for (const range of [{ offset: 10 }, { offset: 11, length: 2 }, { offset: 3, length: 0 }, { offset: -1, length: 2 }, { suffix: 0 }]) {
        await rejectsWith(s().get('c/badrange/k', range), InvalidError, ErrorCodes.INVALID_RANGE, 'c/badrange/k');
      }
      await rejectsWith(s().get('c/badrange/empty', { suffix: 4 }), InvalidError, ErrorCodes.INVALID_RANGE, 'c/badrange/empty');
      await rejectsWith(s().get('c/badrange/empty', { offset: 0 }), InvalidError, ErrorCodes.INVALID_RANGE);
    });

    it('create-if-absent: a second writer gets TSB_ALREADY_EXISTS and the first bytes stay', async () => {
      const first = await s().put('c/cia/k', Buffer.from('first'), { ifNoneMatch: '*' });
      await rejectsWith(s().put('c/cia/k', Buffer.from('second'), { ifNoneMatch: '*' }), ConflictError, ErrorCodes.ALREADY_EXISTS, 'c/cia/k');
      const got = await s().get('c/cia/k');
      assert.equal(got.body.toString(), 'first');
      assert.equal(got.etag, first.etag);
    });

    it('16 concurrent create-if-absent writers of one key: exactly one wins', async () => {
      for (let round = 0; round < 3; round++) {
        const key = `c/cia16/k${round}`;
        const results = await Promise.allSettled(
          Array.from({ length: 16 }, (_, i) => s().put(key, Buffer.from(`writer ${i} of round ${round}`), { ifNoneMatch: '*' })),
        );
        const winners = results.flatMap((r, i) => (r.status === 'fulfilled' ? [i] : []));
        assert.equal(winners.length, 1, `round ${round}: winners ${JSON.stringify(winners)}`);
        for (const r of results) {
          if (r.status === 'rejected') {
            assert.ok(r.reason instanceof ConflictError && r.reason.code === ErrorCodes.ALREADY_EXISTS, String(r.reason));
          }
        }
        const got = await s().get(key);
        assert.equal(got.body.toString(), `writer ${winners[0]} of round ${round}`);
        assert.equal(got.etag, (results[winners[0]!] as PromiseFulfilledResult<{ etag: string }>).value.etag);
      }
    });

    it('compare-and-swap: the current etag replaces; a stale etag or a missing key fails', async () => {
      const v1 = await s().put('c/cas/k', Buffer.from('v1'));
      const v2 = await s().put('c/cas/k', Buffer.from('v2'), { ifMatch: v1.etag });
      assert.equal((await s().get('c/cas/k')).body.toString(), 'v2');
      await rejectsWith(s().put('c/cas/k', Buffer.from('v3'), { ifMatch: v1.etag }), ConflictError, ErrorCodes.PRECONDITION_FAILED, 'c/cas/k');
      assert.equal((await s().get('c/cas/k')).body.toString(), 'v2');
      await rejectsWith(s().put('c/cas/absent', Buffer.from('x'), { ifMatch: v2.etag }), ConflictError, ErrorCodes.PRECONDITION_FAILED);
      assert.equal(await s().head('c/cas/absent'), undefined);
      await s().delete('c/cas/k');
      await rejectsWith(s().put('c/cas/k', Buffer.from('v4'), { ifMatch: v2.etag }), ConflictError, ErrorCodes.PRECONDITION_FAILED);
    });

    it('concurrent compare-and-swap writers holding one etag: exactly one wins', async () => {
      let { etag } = await s().put('c/casrace/k', Buffer.from('start'));
      for (let round = 0; round < 4; round++) {
        const results = await Promise.allSettled(
          Array.from({ length: 8 }, (_, i) => s().put('c/casrace/k', Buffer.from(`round ${round} writer ${i}`), { ifMatch: etag })),
        );
        const winners = results.flatMap((r, i) => (r.status === 'fulfilled' ? [i] : []));
        assert.equal(winners.length, 1, `round ${round}: winners ${JSON.stringify(winners)} ${results.map((r) => (r.status === 'rejected' ? String(r.reason) : 'ok')).join('; ')}`);
        for (const r of results) {
          if (r.status === 'rejected') {
            assert.ok(r.reason instanceof ConflictError && r.reason.code === ErrorCodes.PRECONDITION_FAILED, String(r.reason));
          }
        }
        const got = await s().get('c/casrace/k');
        assert.equal(got.body.toString(), `round ${round} writer ${winners[0]}`);
        etag = got.etag;
      }
    });

    // Each write carries its writer's id: conditional writers must write distinct bytes, since
    // an S3 store decides an ambiguous answer (409/500) by comparing the stored bytes with its own.
    // A conflict marked `maybeApplied` (an ambiguous failure; see retry-store.ts) may or may not
    // have incremented: the total lies between the acknowledged increments and that plus those.
    it('read-modify-write loops with compare-and-swap lose no increment', async () => {
      await s().put('c/counter/k', Buffer.from('0 init'));
      const workers = 4;
      const perWorker = 5;
      let maybe = 0;
      await Promise.all(
        Array.from({ length: workers }, async (_, w) => {
          for (let done = 0, attempt = 0; done < perWorker; attempt++) {
            const cur = await s().get('c/counter/k');
            const next = Number(cur.body.toString().split(' ')[0]) + 1;
            try {
              await s().put('c/counter/k', Buffer.from(`${next} w${w}a${attempt}`), { ifMatch: cur.etag });
              done++;
            } catch (err) {
              if (!(err instanceof ConflictError)) throw err;
              if (err.details['maybeApplied'] === true) maybe++;
            }
          }
        }),
      );
      const total = Number((await s().get('c/counter/k')).body.toString().split(' ')[0]);
      assert.ok(total >= workers * perWorker && total <= workers * perWorker + maybe, `total ${total}, acked ${workers * perWorker}, maybe ${maybe}`);
    });

    it('list returns keys under a prefix in UTF-8 byte order with sizes and etags', async () => {
      const names = ['a', 'a-b', 'a/b', 'a/c/d', 'a/', 'a0', 'A', 'é', 'ä/x', 'z', 'a b', 'a%41', '~', 'a.b', 'a/b/c'];
      const etags = new Map<string, string>();
      for (const n of names) etags.set(`c/list/${n}`, (await s().put(`c/list/${n}`, Buffer.from(n))).etag);
      await s().put('c/listx', Buffer.from('outside the prefix'));
      const expected = names.map((n) => `c/list/${n}`).sort(byteOrder);
      const page = await s().list('c/list/');
      assert.deepEqual(page.objects.map((o) => o.key), expected);
      assert.equal(page.nextToken, undefined);
      for (const o of page.objects) {
        assert.equal(o.size, Buffer.byteLength(o.key.slice('c/list/'.length)), o.key);
        assert.equal(o.etag, etags.get(o.key), o.key);
      }
      const sub = async (prefix: string): Promise<string[]> => (await s().list(prefix)).objects.map((o) => o.key);
      assert.deepEqual(await sub('c/list/a/'), expected.filter((k) => k.startsWith('c/list/a/')));
      assert.deepEqual(await sub('c/list/a'), expected.filter((k) => k.startsWith('c/list/a')));
      assert.deepEqual(await sub('c/list/ä'), ['c/list/ä/x']);
      assert.deepEqual(await sub('c/list/nothing'), []);
      assert.deepEqual(await sub('c/lis'), [...expected, 'c/listx'].sort(byteOrder));
      assert.deepEqual(
        (await s().list('c/list/', { startAfter: 'c/list/a/' })).objects.map((o) => o.key),
        expected.filter((k) => byteOrder(k, 'c/list/a/') > 0),
      );
      assert.deepEqual(
        (await s().list('c/list/', { startAfter: 'c/list/a/b' })).objects.map((o) => o.key),
        expected.filter((k) => byteOrder(k, 'c/list/a/b') > 0),
      );
    });

    it('list pages with limit and continuation tokens', async () => {
      const keys = Array.from({ length: 7 }, (_, i) => `c/pages/k${i}`);
      for (const k of keys) await s().put(k, Buffer.from(k));
      const seen: string[] = [];
      let token: string | undefined;
      let pages = 0;
      do {
        const page = await s().list('c/pages/', { limit: 3, ...(token !== undefined ? { continuationToken: token } : {}) });
        assert.ok(page.objects.length <= 3);
        seen.push(...page.objects.map((o) => o.key));
        token = page.nextToken;
        pages++;
      } while (token !== undefined);
      assert.deepEqual(seen, keys);
      assert.equal(pages, 3);
    });

    it('listing more than 1,000 keys pages through all of them; deleteMany removes them', async () => {
      const keys = Array.from({ length: 1100 }, (_, i) => `c/many/${String(i).padStart(5, '0')}`);
      await pool(32, keys, async (k) => {
        await s().put(k, Buffer.from(k));
      });
      const first = await s().list('c/many/');
      assert.equal(first.objects.length, 1000);
      assert.ok(first.nextToken !== undefined);
      const all = await listAllKeys(s(), 'c/many/');
      assert.deepEqual(all.map((o) => o.key), keys);
      await s().deleteMany([...keys, 'c/many/not-there']);
      assert.deepEqual((await s().list('c/many/')).objects, []);
    });

    it('delete removes an object; deleting a missing key succeeds', async () => {
      await s().put('c/delete/k', Buffer.from('x'));
      await s().delete('c/delete/k');
      assert.equal(await s().head('c/delete/k'), undefined);
      await rejectsWith(s().get('c/delete/k'), NotFoundError, ErrorCodes.NOT_FOUND);
      await s().delete('c/delete/k');
      await s().delete('c/delete/never');
      await s().deleteMany([]);
      assert.deepEqual((await s().list('c/delete/')).objects, []);
    });

    it('a 64 MiB streamed multipart upload reads back whole and by ranges across part boundaries', async () => {
      const MiB = 1 << 20;
      const base = new SeededRandom(42).bytes(MiB);
      const chunk = (i: number): Buffer => {
        const c = Buffer.from(base);
        c.writeUInt32BE(i, 0);
        c.writeUInt32BE(i, MiB - 4);
        return c;
      };
      const expectedHash = createHash('sha256');
      for (let i = 0; i < 64; i++) expectedHash.update(chunk(i));
      async function* source(): AsyncGenerator<Buffer> {
        for (let i = 0; i < 64; i++) yield chunk(i);
      }
      const res = await s().upload('c/upload/big', source(), { partSize: 8 * MiB });
      assert.equal(res.size, 64 * MiB);
      const head = await s().head('c/upload/big');
      assert.equal(head?.size, 64 * MiB);
      assert.equal(head?.etag, res.etag);
      const whole = await s().get('c/upload/big');
      assert.equal(whole.body.length, 64 * MiB);
      assert.equal(createHash('sha256').update(whole.body).digest('hex'), expectedHash.digest('hex'));
      const across = await s().get('c/upload/big', { offset: 8 * MiB - 6, length: 12 });
      assert.deepEqual(across.body, Buffer.concat([chunk(7).subarray(MiB - 6), chunk(8).subarray(0, 6)]));
      const tail = await s().get('c/upload/big', { suffix: 4 });
      assert.equal(tail.body.readUInt32BE(0), 63);
      assert.equal(tail.size, 64 * MiB);
    });

    it('a small upload from a sync iterable works like a put', async () => {
      const res = await s().upload('c/upload/small', [Buffer.from('ab'), new Uint8Array([99, 100])]);
      assert.equal(res.size, 4);
      const got = await s().get('c/upload/small');
      assert.equal(got.body.toString(), 'abcd');
      assert.equal(got.etag, res.etag);
    });

    it('an upload whose source fails leaves nothing visible', async () => {
      async function* failing(): AsyncGenerator<Buffer> {
        yield Buffer.alloc(1 << 20, 1);
        throw new Error('source broke');
      }
      await assert.rejects(s().upload('c/upload/failed', failing()));
      assert.equal(await s().head('c/upload/failed'), undefined);
      assert.deepEqual((await s().list('c/upload/failed')).objects, []);
    });

    it('invalid keys throw InvalidError TSB_INVALID_ARGUMENT', async () => {
      for (const key of ['', '/abs', 'a//b', 'a/../b', 'a/./b', 'nul\0byte']) {
        await rejectsWith(s().put(key, Buffer.from('x')), InvalidError, ErrorCodes.INVALID_ARGUMENT);
        await rejectsWith(s().get(key), InvalidError, ErrorCodes.INVALID_ARGUMENT);
      }
    });
  });
}
