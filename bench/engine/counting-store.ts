// An ObjectStore wrapper that counts calls, so the engine benchmark can say how many requests
// (ranged GETs above all) a cold point get costs.

import type { ByteRange, GetResult, ListOptions, ListPage, ObjectMeta, ObjectStore, PutOptions, PutResult, UploadOptions, UploadSource } from '../../common/objectstore/object-store.js';

export interface CallCounts {
  /** get with a byte range. */
  rangedGets: number;
  /** get of a whole object. */
  fullGets: number;
  heads: number;
  lists: number;
  /** put, upload, delete, deleteMany. */
  writes: number;
}

export class CountingObjectStore implements ObjectStore {
  readonly description: string;
  readonly counts: CallCounts = { rangedGets: 0, fullGets: 0, heads: 0, lists: 0, writes: 0 };
  /** The last calls (`op key range`), newest last, for explaining a count. */
  readonly recent: string[] = [];

  private note(op: string, key: string, range?: ByteRange): void {
    if (this.recent.length >= 16) this.recent.shift();
    this.recent.push(`${op} ${key}${range === undefined ? '' : ` ${JSON.stringify(range)}`}`);
  }

  constructor(readonly inner: ObjectStore) {
    this.description = `counting(${inner.description})`;
  }

  /** Reads made so far (ranged + whole gets, heads, lists). */
  get reads(): number {
    const c = this.counts;
    return c.rangedGets + c.fullGets + c.heads + c.lists;
  }

  get(key: string, range?: ByteRange): Promise<GetResult> {
    if (range === undefined) this.counts.fullGets++;
    else this.counts.rangedGets++;
    this.note('get', key, range);
    return this.inner.get(key, range);
  }
  head(key: string): Promise<ObjectMeta | undefined> {
    this.counts.heads++;
    this.note('head', key);
    return this.inner.head(key);
  }
  put(key: string, body: Buffer | Uint8Array, opts?: PutOptions): Promise<PutResult> {
    this.counts.writes++;
    return this.inner.put(key, body, opts);
  }
  list(prefix: string, opts?: ListOptions): Promise<ListPage> {
    this.counts.lists++;
    this.note('list', prefix);
    return this.inner.list(prefix, opts);
  }
  delete(key: string): Promise<void> {
    this.counts.writes++;
    return this.inner.delete(key);
  }
  deleteMany(keys: readonly string[]): Promise<void> {
    this.counts.writes++;
    return this.inner.deleteMany(keys);
  }
  upload(key: string, source: UploadSource, opts?: UploadOptions): Promise<PutResult & { size: number }> {
    this.counts.writes++;
    return this.inner.upload(key, source, opts);
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}
