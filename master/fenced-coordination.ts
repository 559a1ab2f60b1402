// The active master's view of coordination: every write carries the term's fence compare
// (LeaderTerm.fence: the leader key is unchanged), so a write that reaches etcd after this
// master lost its leadership — sent before it noticed — applies nothing and fails with
// TSB_NOT_LEADER (docs/rfcs/0005-cluster.md "Fencing"). Reads, watches and leases go straight
// to the inner client (ForwardingCoordination); close() does not close it (it belongs to the
// master process).
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

import type { Coordination, Lease, TxnCompare, TxnOp } from '../common/coordination/coordination.js';
import { ForwardingCoordination } from '../common/coordination/forwarding-coordination.js';
import { ErrorCodes, UnavailableError } from '../common/errors.js';
import type { LeaderTerm } from './leader-term.js';

export class FencedCoordination extends ForwardingCoordination {
  constructor(
    inner: Coordination,
    private readonly term: LeaderTerm,
  ) {
    super(inner);
  }

  override async put(key: string, value: Buffer, opts?: { readonly lease?: Lease }): Promise<bigint> {
    const op: TxnOp = opts?.lease === undefined ? { type: 'put', key, value } : { type: 'put', key, value, lease: opts.lease };
    const r = await this.fenced([], [op]);
    if (!r.ok) throw this.lost();
    return r.revision!;
  }

  override async delete(key: string): Promise<boolean> {
    const existed = (await this.inner.get(key)) !== undefined;
    if (!(await this.fenced([], [{ type: 'delete', key }])).ok) throw this.lost();
    return existed;
  }

  override async deletePrefix(prefix: string): Promise<number> {
    const n = (await this.inner.list(prefix)).entries.length;
    if (!(await this.fenced([], [{ type: 'deletePrefix', prefix }])).ok) throw this.lost();
    return n;
  }

  override async txn(compares: readonly TxnCompare[], ops: readonly TxnOp[]): Promise<{ readonly ok: boolean; readonly revision?: bigint }> {
    const r = await this.fenced(compares, ops);
    if (!r.ok && compares.length > 0) {
      const leaderKey = await this.inner.get(this.term.fence.key);
      if (leaderKey?.modRevision !== this.term.fence.modRevision) throw this.lost();
    } else if (!r.ok) {
      throw this.lost();
    }
    return r;
  }

  /** The inner client belongs to the master process: nothing to release here. */
  override close(): Promise<void> {
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
