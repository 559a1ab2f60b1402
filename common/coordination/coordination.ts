// Coordination: the small, strongly consistent key-value service the cluster agrees through
// (HBase uses ZooKeeper; tsbase uses etcd). Implementations: etcd (etcd-coordination.ts, every
// deployment beyond one process) and in-process (memory-coordination.ts, standalone mode and
// unit tests only). One conformance suite (coordination-conformance.ts) runs against both.
//
// Model (etcd's): a flat, ordered keyspace of string keys and byte values. Every change bumps
// the store's global revision; each key has a modRevision (revision of its last change) and a
// createRevision. Leases: a key written with a lease is deleted when the lease expires or is
// revoked (ZooKeeper's ephemeral nodes). Watches deliver every change under a prefix in
// revision order. Elections: one leader per election name; the leader's key is leased.
//
// Keys are plain strings; callers keep their keys under the cluster prefix (cluster-keys.ts).
// Errors: UnavailableError (TSB_UNAVAILABLE/TSB_TIMEOUT) when etcd cannot be reached,
// FencedError (TSB_CLOSED) after close(), InvalidError for a bad key or TTL.

export interface CoordEntry {
  readonly key: string;
  readonly value: Buffer;
  /** Revision of the key's last change (etcd mod_revision). */
  readonly modRevision: bigint;
  /** Revision at which the key was created (etcd create_revision). */
  readonly createRevision: bigint;
  /** Lease id the key is attached to, if any. */
  readonly lease?: string;
}

export interface Lease {
  readonly id: string;
  readonly ttlMs: number;
  /** True once the lease is known to be lost (expired, revoked, or keep-alive failed past its TTL). */
  readonly lost: boolean;
  /** Called once when the lease is lost (not after revoke()). */
  onLost(listener: (cause: Error) => void): void;
  /** Revokes the lease: its keys are deleted at once. Idempotent. */
  revoke(): Promise<void>;
}

export type WatchEvent =
  | { readonly type: 'put'; readonly key: string; readonly value: Buffer; readonly modRevision: bigint }
  | { readonly type: 'delete'; readonly key: string; readonly modRevision: bigint };

export interface Watch {
  /** Stops delivery. Idempotent. */
  close(): Promise<void>;
}

export interface WatchOptions {
  /** Deliver changes after this revision (exclusive) — typically a list()'s revision. */
  readonly afterRevision?: bigint;
  /** Called if the watch broke and cannot resume (e.g. the revision was compacted): re-list and re-watch. */
  readonly onError?: (err: Error) => void;
}

/** One comparison of a transaction: the key's modRevision, or its absence (modRevision 0n). */
export interface TxnCompare {
  readonly key: string;
  /** The key's current modRevision must equal this; 0n means "the key must not exist". */
  readonly modRevision: bigint;
}

export type TxnOp =
  | { readonly type: 'put'; readonly key: string; readonly value: Buffer; readonly lease?: Lease }
  | { readonly type: 'delete'; readonly key: string }
  | { readonly type: 'deletePrefix'; readonly prefix: string };

export interface Leadership {
  /** True while this candidate is the leader (false once lost or resigned). */
  readonly isLeader: boolean;
  /**
   * The fencing token of this term: the createRevision of the leader key. Every later leader of
   * the election has a larger one (a successor's key was created after ours, or was waiting
   * behind it), so a resource that remembers the largest token it has seen can refuse a deposed
   * leader's late requests (etcd's Election.Rev()).
   */
  readonly token: bigint;
  /**
   * A transaction comparison that holds while this candidate's leader key is unchanged: adding
   * it to a write makes the write fail once leadership is lost (etcd's
   * `Compare(CreateRevision(e.Key()), "=", e.Rev())`, here on the modRevision).
   */
  readonly fence: TxnCompare;
  /** Called once when leadership is lost without resign() (lease expired, key deleted). */
  onLost(listener: (cause: Error) => void): void;
  /** Gives up leadership (deletes the leader key). Idempotent. */
  resign(): Promise<void>;
}

export interface Coordination {
  get(key: string): Promise<CoordEntry | undefined>;
  /** Every key with `prefix`, in key order, and the store revision the listing was taken at. */
  list(prefix: string): Promise<{ readonly entries: readonly CoordEntry[]; readonly revision: bigint }>;
  /** Writes `key` (attached to `lease` if given); returns the new modRevision. */
  put(key: string, value: Buffer, opts?: { readonly lease?: Lease }): Promise<bigint>;
  /** Deletes `key`; true if it existed. */
  delete(key: string): Promise<boolean>;
  /** Deletes every key with `prefix`; returns how many. */
  deletePrefix(prefix: string): Promise<number>;
  /**
   * Atomically: if every comparison holds, apply `ops` and return { ok: true, revision };
   * otherwise apply nothing and return { ok: false }.
   */
  txn(compares: readonly TxnCompare[], ops: readonly TxnOp[]): Promise<{ readonly ok: boolean; readonly revision?: bigint }>;
  /** A lease kept alive automatically until revoked or lost. ttlMs is rounded up to whole seconds (etcd). */
  grantLease(ttlMs: number): Promise<Lease>;
  /** Watches every change under `prefix` (delivered in revision order, one at a time). */
  watch(prefix: string, listener: (event: WatchEvent) => void, opts?: WatchOptions): Promise<Watch>;
  /**
   * Campaigns in election `name` with `value` (e.g. this master's address) and resolves once
   * this candidate is the leader. The leader key is attached to `lease`; losing the lease loses
   * leadership. Rejects with FencedError TSB_CLOSED if `signal` aborts or the client closes first.
   */
  campaign(name: string, value: Buffer, lease: Lease, signal?: AbortSignal): Promise<Leadership>;
  /** The current leader's value in election `name`, if there is one. */
  leader(name: string): Promise<Buffer | undefined>;
  /** Releases every resource (leases are revoked, watches closed). Idempotent. */
  close(): Promise<void>;
}
