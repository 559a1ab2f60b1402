// An ObjectStore wrapper for WAL tests whose puts can be scripted to fail: before the write
// (nothing lands) or after it (the write lands, the answer is lost), as a network would.
import { UnavailableError } from '../../../common/errors.js';
import type { ByteRange, GetResult, ListOptions, ListPage, ObjectMeta, ObjectStore, PutOptions, PutResult, UploadOptions, UploadSource } from '../../../common/objectstore/object-store.js';

export type PutFault = 'fail-before' | 'fail-after' | undefined;

export class ScriptedStore implements ObjectStore {
  readonly description = 'scripted';
  /** Decides the fate of each put; called once per attempt. */
  putFault: (key: string) => PutFault = () => undefined;
  readonly puts: string[] = [];

  constructor(readonly inner: ObjectStore) {}

  get(key: string, range?: ByteRange): Promise<GetResult> {
    return this.inner.get(key, range);
  }
  head(key: string): Promise<ObjectMeta | undefined> {
    return this.inner.head(key);
  }
  async put(key: string, body: Buffer | Uint8Array, opts?: PutOptions): Promise<PutResult> {
    this.puts.push(key);
    const fault = this.putFault(key);
    if (fault === 'fail-before') throw new UnavailableError('scripted failure before the write', { details: { key } });
    const r = await this.inner.put(key, body, opts);
    if (fault === 'fail-after') throw new UnavailableError('scripted failure after the write', { details: { key } });
    return r;
  }
  list(prefix: string, opts?: ListOptions): Promise<ListPage> {
    return this.inner.list(prefix, opts);
  }
  delete(key: string): Promise<void> {
    return this.inner.delete(key);
  }
  deleteMany(keys: readonly string[]): Promise<void> {
    return this.inner.deleteMany(keys);
  }
  upload(key: string, source: UploadSource, opts?: UploadOptions): Promise<PutResult & { size: number }> {
    return this.inner.upload(key, source, opts);
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}
