// The active master's view of coordination: every write carries the term's fence compare
// (LeaderTerm.fence: the leader key is unchanged), so a write that reaches etcd after this
// master lost its leadership — sent before it noticed — applies nothing and fails with
// TSB_NOT_LEADER (docs/rfcs/0005-cluster.md "Fencing"). Reads, watches and leases go straight
// to the inner client; close() does not close it (it belongs to the master process).
//
// put/delete/deletePrefix become one transaction each with the fence as its only compare.
// txn() adds the fence to the caller's compares; when the transaction fails, the leader key
// is read to tell a lost fence (TSB_NOT_LEADER) from a failed compare of the caller's
// (ok: false, as without the fence). delete()'s and deletePrefix()'s answers (existed, count)
// come from a read just before the fenced delete: exact unless another writer acts in between
// (the master is the only writer of its keys).
//
// Errors: those of the inner client, plus UnavailableError TSB_NOT_LEADER once the fence fails
// (the term is ended at the same moment, so every other step of this master stops too).

import type { Coordination, CoordEntry, Lease, Leadership, TxnCompare, TxnOp, Watch, WatchEvent, WatchOptions } from '../common/coordination/coordination.js';
import { ErrorCodes, UnavailableError } from '../common/errors.js';
import type { LeaderTerm } from './leader-term.js';

export class FencedCoordination implements Coordination {
  constructor(
    private readonly inner: Coordination,
    private readonly term: LeaderTerm,
  ) {}

  get(key: string): Promise<CoordEntry | undefined> {
    return this.inner.get(key);
  }

  list(prefix: string): Promise<{ readonly entries: readonly CoordEntry[]; readonly revision: bigint }> {
    return this.inner.list(prefix);
  }

  async put(key: string, value: Buffer, opts?: { readonly lease?: Lease }): Promise<bigint> {
    const op: TxnOp = opts?.lease === undefined ? { type: 'put', key, value } : { type: 'put', key, value, lease: opts.lease };
    const r = await this.fenced([], [op]);
    if (!r.ok) throw this.lost();
    return r.revision!;
  }

  async delete(key: string): Promise<boolean> {
    const existed = (await this.inner.get(key)) !== undefined;
    if (!(await this.fenced([], [{ type: 'delete', key }])).ok) throw this.lost();
    return existed;
  }

  async deletePrefix(prefix: string): Promise<number> {
    const n = (await this.inner.list(prefix)).entries.length;
    if (!(await this.fenced([], [{ type: 'deletePrefix', prefix }])).ok) throw this.lost();
    return n;
  }

  async txn(compares: readonly TxnCompare[], ops: readonly TxnOp[]): Promise<{ readonly ok: boolean; readonly revision?: bigint }> {
    const r = await this.fenced(compares, ops);
    if (!r.ok && compares.length > 0) {
      const leaderKey = await this.inner.get(this.term.fence.key);
      if (leaderKey?.modRevision !== this.term.fence.modRevision) throw this.lost();
    } else if (!r.ok) {
      throw this.lost();
    }
    return r;
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

  /** The inner client belongs to the master process: nothing to release here. */
  close(): Promise<void> {
    return Promise.resolve();
  }

  private fenced(compares: readonly TxnCompare[], ops: readonly TxnOp[]): Promise<{ readonly ok: boolean; readonly revision?: bigint }> {
    this.term.assertActive();
    return this.inner.txn([this.term.fence, ...compares], ops);
  }

  /** Ends the term (its leader key changed: another master may be active) and returns the error to throw. */
  private lost(): UnavailableError {
    const err = new UnavailableError('this master is no longer the active master: its leader key changed', {
      code: ErrorCodes.NOT_LEADER,
      details: { leaderKey: this.term.fence.key },
    });
    this.term.end(err);
    return err;
  }
}
