// Elections on the Coordination primitives (leased keys, creation order, watches), the way
// etcd's Go client does it (client/v3/concurrency/election.go). Both implementations use this
// one algorithm, so in-process and etcd elections behave the same.
//
// Layout: election `name` keeps one key per candidate, `<name>/<leaseId>`, attached to the
// candidate's lease and holding its value. The candidate whose key has the lowest
// createRevision is the leader: candidates are served first come, first served (FIFO).
//
// campaign():
//   1. create `<name>/<leaseId>` if absent (txn on modRevision 0), else overwrite its value;
//   2. list `<name>/`; if no candidate key was created before ours, we lead;
//   3. otherwise watch the latest key created before ours, from the listing's revision (so no
//      delete is missed), until it (or our own key) is deleted; go to 2.
// A leader loses leadership when its key is deleted (seen by a watch), its lease is lost, or
// the client closes. One lease campaigns at most once per election at a time (the key is
// per lease, which makes a repeated campaign after a lost connection idempotent).

import { ErrorCodes, FencedError } from '../errors.js';
import { checkKey, checkValue, closedError, leaseLostError } from './coordination-checks.js';
import type { CoordEntry, Coordination, Leadership, Lease, TxnCompare, Watch } from './coordination.js';

export interface ElectionDeps {
  readonly coord: Pick<Coordination, 'list' | 'txn' | 'put' | 'watch'>;
  /** Aborted when the coordination client closes. */
  readonly closed: AbortSignal;
  /** Implementation name for error details. */
  readonly impl: string;
}

function candidates(prefix: string, entries: readonly CoordEntry[]): CoordEntry[] {
  // Keys of a nested election (`<name>/<sub>/...`) share the prefix; they are not candidates here.
  return entries.filter((e) => !e.key.slice(prefix.length).includes('/'));
}

/** The leader's value in election `name`: the candidate key created first. */
export async function electionLeader(deps: Pick<ElectionDeps, 'coord'>, name: string): Promise<Buffer | undefined> {
  return (await leaderEntry(deps.coord, name))?.value;
}

/**
 * The fencing token (Leadership.token) of the current leader of election `name`, or 0n when
 * there is none. A request carrying a smaller token comes from a deposed leader.
 */
export async function electionLeaderToken(coord: Pick<Coordination, 'list'>, name: string): Promise<bigint> {
  return (await leaderEntry(coord, name))?.createRevision ?? 0n;
}

async function leaderEntry(coord: Pick<Coordination, 'list'>, name: string): Promise<CoordEntry | undefined> {
  checkKey(name, 'election');
  const prefix = name + '/';
  const { entries } = await coord.list(prefix);
  let first: CoordEntry | undefined;
  for (const e of candidates(prefix, entries)) if (first === undefined || e.createRevision < first.createRevision) first = e;
  return first;
}

/**
 * Waits until one of `keys` (all under `prefix`) is deleted after `afterRevision`; rejects with
 * `signal`'s reason if it aborts first.
 */
async function waitForDelete(coord: ElectionDeps['coord'], prefix: string, keys: readonly string[], afterRevision: bigint, signal: AbortSignal): Promise<void> {
  signal.throwIfAborted();
  let watch: Watch | undefined;
  let onAbort: (() => void) | undefined;
  try {
    await new Promise<void>((resolve, reject) => {
      onAbort = () => reject(signal.reason);
      signal.addEventListener('abort', onAbort, { once: true });
      coord
        .watch(
          prefix,
          (ev) => {
            if (ev.type === 'delete' && keys.includes(ev.key)) resolve();
          },
          // A broken watch (e.g. compacted history): re-list, which re-checks the predecessor.
          { afterRevision, onError: () => resolve() },
        )
        .then(
          (w) => {
            watch = w;
            if (signal.aborted) reject(signal.reason);
          },
          reject,
        );
    });
  } finally {
    if (onAbort !== undefined) signal.removeEventListener('abort', onAbort);
    if (watch !== undefined) await watch.close().catch(() => {});
  }
}

/**
 * Campaigns in election `name`; resolves with the Leadership once this candidate leads.
 * Rejects with FencedError TSB_CLOSED if `signal` aborts or the client closes first, and
 * FencedError TSB_FENCED if the lease is lost first; UnavailableError if coordination fails.
 * On rejection the candidate key is removed (best effort; it is leased anyway).
 */
export async function campaignElection(
  deps: ElectionDeps,
  name: string,
  value: Buffer,
  lease: Lease,
  signal?: AbortSignal,
): Promise<Leadership> {
  checkKey(name, 'election');
  checkValue(value);
  const { coord, closed } = deps;
  if (closed.aborted) throw closedError(deps.impl);
  if (lease.lost) throw leaseLostError(lease.id);
  const prefix = name + '/';
  const key = prefix + lease.id;

  const stop = new AbortController();
  const abortWith = (err: Error) => {
    if (!stop.signal.aborted) stop.abort(err);
  };
  const onSignal = () => abortWith(new FencedError('campaign aborted', { code: ErrorCodes.CLOSED, details: { election: name } }));
  const onClosed = () => abortWith(closedError(deps.impl));
  signal?.addEventListener('abort', onSignal, { once: true });
  closed.addEventListener('abort', onClosed, { once: true });
  lease.onLost((cause) => abortWith(new FencedError('lease lost while campaigning', { code: ErrorCodes.FENCED, cause, details: { election: name, lease: lease.id } })));
  if (signal?.aborted === true) onSignal();

  try {
    stop.signal.throwIfAborted();
    const created = await coord.txn([{ key, modRevision: 0n }], [{ type: 'put', key, value, lease }]);
    if (!created.ok) await coord.put(key, value, { lease });
    while (true) {
      stop.signal.throwIfAborted();
      const { entries, revision } = await coord.list(prefix);
      const all = candidates(prefix, entries);
      const mine = all.find((e) => e.key === key);
      if (mine === undefined) {
        throw new FencedError('campaign key vanished: lease lost or key deleted', { code: ErrorCodes.FENCED, details: { election: name, key } });
      }
      let predecessor: CoordEntry | undefined;
      for (const e of all) {
        if (e.createRevision < mine.createRevision && (predecessor === undefined || e.createRevision > predecessor.createRevision)) predecessor = e;
      }
      if (predecessor === undefined) {
        stop.signal.throwIfAborted();
        const leadership = new ElectedLeadership(deps, name, key, mine.modRevision, mine.createRevision, lease);
        await leadership.start(revision);
        return leadership;
      }
      // Our own key going (lease revoked, key deleted) ends the campaign at the next listing.
      await waitForDelete(coord, prefix, [predecessor.key, key], revision, stop.signal);
    }
  } catch (err) {
    if (!closed.aborted) await coord.txn([], [{ type: 'delete', key }]).catch(() => {});
    // Aborted (close, signal, lease lost) while a call was running: that call may fail in its
    // own way (e.g. close revoked the lease, so our key vanished); the abort is the reason.
    throw stop.signal.aborted ? (stop.signal.reason as Error) : err;
  } finally {
    signal?.removeEventListener('abort', onSignal);
    closed.removeEventListener('abort', onClosed);
  }
}

class ElectedLeadership implements Leadership {
  private leading = true;
  private resigned = false;
  private lostCause: Error | undefined;
  private readonly listeners: Array<(cause: Error) => void> = [];
  private watch: Watch | undefined;
  private readonly onClosed = () => this.lose(closedError(this.deps.impl));
  readonly fence: TxnCompare;

  constructor(
    private readonly deps: ElectionDeps,
    private readonly name: string,
    private readonly key: string,
    private readonly modRevision: bigint,
    readonly token: bigint,
    lease: Lease,
  ) {
    this.fence = { key, modRevision };
    lease.onLost((cause) => this.lose(new FencedError('leadership lost: lease lost', { code: ErrorCodes.FENCED, cause, details: { election: name } })));
    deps.closed.addEventListener('abort', this.onClosed, { once: true });
  }

  get isLeader(): boolean {
    return this.leading;
  }

  /** Watches the leader key from `revision` (the listing that made us leader). */
  async start(revision: bigint): Promise<void> {
    this.watch = await this.deps.coord.watch(
      this.key,
      (ev) => {
        if (ev.key === this.key && ev.type === 'delete') {
          this.lose(new FencedError('leadership lost: leader key deleted', { code: ErrorCodes.FENCED, details: { election: this.name, key: this.key } }));
        }
      },
      {
        afterRevision: revision,
        onError: (err) => this.lose(new FencedError('leadership lost: watch on the leader key broke', { code: ErrorCodes.FENCED, cause: err, details: { election: this.name } })),
      },
    );
    if (!this.leading) await this.watch.close();
  }

  onLost(listener: (cause: Error) => void): void {
    if (this.lostCause !== undefined) {
      const cause = this.lostCause;
      queueMicrotask(() => listener(cause));
    } else if (!this.resigned) {
      this.listeners.push(listener);
    }
  }

  async resign(): Promise<void> {
    if (!this.leading) return;
    this.leading = false;
    this.resigned = true;
    this.listeners.length = 0;
    this.deps.closed.removeEventListener('abort', this.onClosed);
    await this.watch?.close();
    // Delete only our own key as we last wrote it.
    await this.deps.coord.txn([{ key: this.key, modRevision: this.modRevision }], [{ type: 'delete', key: this.key }]);
  }

  private lose(cause: Error): void {
    if (!this.leading) return;
    this.leading = false;
    this.lostCause = cause;
    this.deps.closed.removeEventListener('abort', this.onClosed);
    void this.watch?.close().catch(() => {});
    for (const l of this.listeners.splice(0)) l(cause);
  }
}
