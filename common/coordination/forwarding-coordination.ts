// A Coordination that hands every call to another one: the base of wrappers that change only
// some calls (cli/durable-coordination.ts persists writes to a file, master/fenced-coordination.ts
// adds the active master's fence to them). Subclasses override what they change.

import type { Coordination, CoordEntry, Lease, Leadership, TxnCompare, TxnOp, Watch, WatchEvent, WatchOptions } from './coordination.js';

export class ForwardingCoordination<C extends Coordination = Coordination> implements Coordination {
  constructor(protected readonly inner: C) {}

  get(key: string): Promise<CoordEntry | undefined> {
    return this.inner.get(key);
  }

  list(prefix: string): Promise<{ readonly entries: readonly CoordEntry[]; readonly revision: bigint }> {
    return this.inner.list(prefix);
  }

  put(key: string, value: Buffer, opts?: { readonly lease?: Lease }): Promise<bigint> {
    return this.inner.put(key, value, opts);
  }

  delete(key: string): Promise<boolean> {
    return this.inner.delete(key);
  }

  deletePrefix(prefix: string): Promise<number> {
    return this.inner.deletePrefix(prefix);
  }

  txn(compares: readonly TxnCompare[], ops: readonly TxnOp[]): Promise<{ readonly ok: boolean; readonly revision?: bigint }> {
    return this.inner.txn(compares, ops);
  }

  grantLease(ttlMs: number): Promise<Lease> {
    return this.inner.grantLease(ttlMs);
  }

  watch(prefix: string, listener: (event: WatchEvent) => void, opts?: WatchOptions): Promise<Watch> {
    return this.inner.watch(prefix, listener, opts);
  }

  campaign(name: string, value: Buffer, lease: Lease, signal?: AbortSignal): Promise<Leadership> {
    return this.inner.campaign(name, value, lease, signal);
  }

  leader(name: string): Promise<Buffer | undefined> {
    return this.inner.leader(name);
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
