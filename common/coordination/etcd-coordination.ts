// Coordination on etcd (v3 API through the npm `etcd3` client). Used by every deployment
// beyond one process: master election, region-server liveness, META location, descriptors.
//
// Mapping to etcd:
//   get/list/put/delete/deletePrefix/txn   KV Range / Put / DeleteRange / Txn (raw RPC, so keys
//                                          and values stay bytes and revisions come from headers)
//   txn compare {key, modRevision}         Compare(MOD, EQUAL, modRevision); 0n = key absent
//   grantLease                             etcd3 Lease with automatic keep-alive (every TTL/3)
//   watch                                  etcd3 Watcher on the prefix, start_revision = afterRevision+1
//   campaign/leader                        election.ts on leased keys + creation order
//
// Self-fencing: a lease counts as lost when no keep-alive has been confirmed for a whole TTL
// (measured on the injected clock from when the confirmed keep-alive was sent), or when etcd
// says it expired. etcd3 alone reports loss only after 2×TTL without contact; a region server
// must stop acknowledging writes within one TTL, so this class watches the keep-alives itself.
//
// Errors: calls after close() reject with FencedError TSB_CLOSED; etcd unreachable → 
// UnavailableError TSB_UNAVAILABLE (TSB_TIMEOUT when the request deadline passes); a lease etcd
// no longer knows → FencedError TSB_FENCED; bad arguments → InvalidError.
//
// Thread safety: every method may be called concurrently.

import {
  ClientClosedError,
  Etcd3,
  EtcdLeaseInvalidError,
  GRPCDeadlineExceededError,
  GRPCGenericError,
  GRPCInvalidArgumentError,
  GRPCResourceExhastedError,
  isRecoverableError,
} from 'etcd3';
import type { ICompare, IKeyValue, IRequestOp, Lease as Etcd3Lease, Watcher } from 'etcd3';
import type { Clock } from '../clock.js';
import { systemClock } from '../clock.js';
import { ErrorCodes, FencedError, InternalError, InvalidError, TsbaseError, UnavailableError } from '../errors.js';
import { checkKey, checkPrefix, checkValue, closedError, leaseLostError, ttlSeconds } from './coordination-checks.js';
import type { CoordEntry, Coordination, Leadership, Lease, TxnCompare, TxnOp, Watch, WatchEvent, WatchOptions } from './coordination.js';
import { campaignElection, electionLeader } from './election.js';
import type { ElectionDeps } from './election.js';

const IMPL = 'etcd';

export interface EtcdCoordinationOptions {
  /** etcd client URLs, e.g. `http://127.0.0.1:2379` (https:// for TLS with the system CAs). */
  readonly endpoints: readonly string[];
  /** Deadline of each unary request (default 5,000 ms). Streams (watch, keep-alive) have none. */
  readonly requestTimeoutMs?: number;
  /** Time for the lease watchdog (default systemClock). */
  readonly clock?: Clock;
  readonly auth?: { readonly username: string; readonly password: string };
}

/**
 * Opens a client for `endpoints`. Does not contact etcd: an unreachable etcd shows as
 * UnavailableError on the first call. Throws InvalidError TSB_INVALID_CONFIG for no endpoints.
 */
export async function openEtcdCoordination(opts: EtcdCoordinationOptions): Promise<EtcdCoordination> {
  return new EtcdCoordination(opts);
}

/** The smallest key greater than every key starting with `prefix` (etcd's WithPrefix range end). */
export function prefixRangeEnd(prefix: Buffer): Buffer {
  const end = Buffer.from(prefix);
  for (let i = end.length - 1; i >= 0; i--) {
    if (end[i]! < 0xff) {
      end[i]! += 1;
      return end.subarray(0, i + 1);
    }
  }
  return Buffer.from([0]); // no upper bound
}

function prefixRange(prefix: string): { key: Buffer; range_end: Buffer } {
  return prefix === '' ? { key: Buffer.from([0]), range_end: Buffer.from([0]) } : { key: Buffer.from(prefix, 'utf8'), range_end: prefixRangeEnd(Buffer.from(prefix, 'utf8')) };
}

function toEntry(kv: IKeyValue): CoordEntry {
  return {
    key: kv.key.toString('utf8'),
    value: kv.value,
    modRevision: BigInt(kv.mod_revision),
    createRevision: BigInt(kv.create_revision),
    ...(kv.lease !== undefined && kv.lease !== '0' && kv.lease !== '' ? { lease: kv.lease } : {}),
  };
}

/**
 * Reconnect pauses of the watch stream: 100 ms doubling to 2 s (etcd3's default grows to 30 s,
 * which would leave a master blind for that long after a short etcd outage). Structurally
 * cockatiel's IBackoff, which etcd3 expects.
 */
class WatchBackoff {
  constructor(readonly duration: number) {}
  next(): WatchBackoff {
    return new WatchBackoff(Math.min(2_000, this.duration * 2));
  }
}

class EtcdLease implements Lease {
  lost = false;
  private ended = false;
  private lostCause: Error | undefined;
  private readonly listeners: Array<(cause: Error) => void> = [];
  /** Monotonic times keep-alives were sent and not yet confirmed, oldest first. */
  private pendingFires: number[] = [];
  private lastRenewedMs: number;

  constructor(
    readonly id: string,
    readonly ttlMs: number,
    readonly inner: Etcd3Lease,
    readonly owner: EtcdCoordination,
    grantSentMs: number,
  ) {
    this.lastRenewedMs = grantSentMs;
    inner.on('keepaliveFired', () => this.pendingFires.push(owner.clock.monotonicMs()));
    inner.on('keepaliveEstablished', () => {
      this.pendingFires = [];
    });
    inner.on('keepaliveSucceeded', () => {
      const sent = this.pendingFires.shift();
      if (sent !== undefined && sent > this.lastRenewedMs) this.lastRenewedMs = sent;
    });
    inner.on('lost', (err) => this.lose(new FencedError('lease lost: etcd expired it or could not be reached within its ttl', { code: ErrorCodes.FENCED, cause: err, details: { lease: id } })));
    void this.watchdog();
  }

  private async watchdog(): Promise<void> {
    const step = Math.max(50, Math.floor(this.ttlMs / 8));
    while (!this.ended) {
      await this.owner.clock.sleep(step);
      if (this.ended) return;
      if (this.owner.clock.monotonicMs() - this.lastRenewedMs >= this.ttlMs) {
        this.lose(new FencedError('lease lost: no keep-alive confirmed within its ttl', { code: ErrorCodes.FENCED, details: { lease: this.id, ttlMs: this.ttlMs } }));
        // The holder already considers it gone; ask etcd to drop it too (best effort).
        this.inner.revoke().catch(() => {});
        return;
      }
    }
  }

  onLost(listener: (cause: Error) => void): void {
    if (this.lostCause !== undefined) {
      const cause = this.lostCause;
      queueMicrotask(() => listener(cause));
    } else if (!this.ended) {
      this.listeners.push(listener);
    }
  }

  async revoke(): Promise<void> {
    if (this.ended) return;
    this.ended = true;
    this.lost = true;
    this.listeners.length = 0;
    this.owner.forgetLease(this);
    try {
      await this.inner.revoke();
    } catch (err) {
      throw this.owner.mapError(err, 'revoke lease');
    }
  }

  /** FOR TESTS: stops the keep-alives, so the lease expires in etcd after its TTL. */
  stopKeepAlive(): void {
    this.inner.release();
  }

  private lose(cause: Error): void {
    if (this.ended) return;
    this.ended = true;
    this.lost = true;
    this.lostCause = cause;
    this.owner.forgetLease(this);
    this.inner.release();
    for (const l of this.listeners.splice(0)) l(cause);
  }
}

class EtcdWatch implements Watch {
  private closed = false;

  constructor(
    private readonly watcher: Watcher,
    private readonly owner: EtcdCoordination,
  ) {}

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.owner.forgetWatch(this);
    this.watcher.removeAllListeners('data');
    await this.watcher.cancel().catch(() => {});
  }
}

export class EtcdCoordination implements Coordination {
  readonly clock: Clock;
  private readonly client: Etcd3;
  private readonly closing = new AbortController();
  private readonly leases = new Set<EtcdLease>();
  private readonly watches = new Set<EtcdWatch>();
  private readonly elections: ElectionDeps;

  constructor(opts: EtcdCoordinationOptions) {
    if (!Array.isArray(opts.endpoints) || opts.endpoints.length === 0 || opts.endpoints.some((e) => typeof e !== 'string' || e.length === 0)) {
      throw new InvalidError('etcd coordination needs at least one endpoint', {
        code: ErrorCodes.INVALID_CONFIG,
        details: { setting: 'coordination.endpoints' },
      });
    }
    this.clock = opts.clock ?? systemClock;
    const timeout = opts.requestTimeoutMs ?? 5_000;
    this.client = new Etcd3({
      hosts: [...opts.endpoints],
      // gRPC deadlines are wall-clock instants, so they use the real clock.
      defaultCallOptions: (ctx) => (ctx.isStream ? {} : { deadline: Date.now() + timeout }),
      grpcOptions: { 'grpc.max_receive_message_length': 64 * 1024 * 1024 },
      faultHandling: { watchBackoff: new WatchBackoff(100) },
      ...(opts.auth !== undefined ? { auth: { username: opts.auth.username, password: opts.auth.password } } : {}),
    });
    this.elections = { coord: this, closed: this.closing.signal, impl: IMPL };
  }

  async get(key: string): Promise<CoordEntry | undefined> {
    this.checkOpen();
    checkKey(key);
    const res = await this.call('get', () => this.client.kv.range({ key: Buffer.from(key, 'utf8') }));
    const kv = res.kvs[0];
    return kv === undefined ? undefined : toEntry(kv);
  }

  async list(prefix: string): Promise<{ readonly entries: readonly CoordEntry[]; readonly revision: bigint }> {
    this.checkOpen();
    checkPrefix(prefix, true);
    const res = await this.call('list', () => this.client.kv.range({ ...prefixRange(prefix), sort_order: 'Ascend', sort_target: 'Key' }));
    return { entries: res.kvs.map(toEntry), revision: BigInt(res.header.revision) };
  }

  async put(key: string, value: Buffer, opts: { readonly lease?: Lease } = {}): Promise<bigint> {
    this.checkOpen();
    checkKey(key);
    checkValue(value);
    const lease = this.ownLease(opts.lease);
    const res = await this.call('put', () => this.client.kv.put({ key: Buffer.from(key, 'utf8'), value, ...(lease !== undefined ? { lease: lease.id } : {}) }));
    return BigInt(res.header.revision);
  }

  async delete(key: string): Promise<boolean> {
    this.checkOpen();
    checkKey(key);
    const res = await this.call('delete', () => this.client.kv.deleteRange({ key: Buffer.from(key, 'utf8') }));
    return BigInt(res.deleted) > 0n;
  }

  async deletePrefix(prefix: string): Promise<number> {
    this.checkOpen();
    checkPrefix(prefix, false);
    const res = await this.call('deletePrefix', () => this.client.kv.deleteRange(prefixRange(prefix)));
    return Number(res.deleted);
  }

  async txn(compares: readonly TxnCompare[], ops: readonly TxnOp[]): Promise<{ readonly ok: boolean; readonly revision?: bigint }> {
    this.checkOpen();
    const compare: ICompare[] = compares.map((c) => {
      checkKey(c.key);
      return { key: Buffer.from(c.key, 'utf8'), target: 'Mod', result: 'Equal', mod_revision: c.modRevision.toString() };
    });
    const success: IRequestOp[] = ops.map((op) => {
      switch (op.type) {
        case 'put': {
          checkKey(op.key);
          checkValue(op.value);
          const lease = this.ownLease(op.lease);
          return { request_put: { key: Buffer.from(op.key, 'utf8'), value: op.value, ...(lease !== undefined ? { lease: lease.id } : {}) } };
        }
        case 'delete':
          checkKey(op.key);
          return { request_delete_range: { key: Buffer.from(op.key, 'utf8') } };
        case 'deletePrefix':
          checkPrefix(op.prefix, false);
          return { request_delete_range: prefixRange(op.prefix) };
        default:
          throw new InvalidError('invalid txn op type', { details: { type: String((op as { type: unknown }).type) } });
      }
    });
    const res = await this.call('txn', () => this.client.kv.txn({ compare, success, failure: [] }));
    return res.succeeded ? { ok: true, revision: BigInt(res.header.revision) } : { ok: false };
  }

  async grantLease(ttlMs: number): Promise<Lease> {
    this.checkOpen();
    const seconds = ttlSeconds(ttlMs);
    const sentMs = this.clock.monotonicMs();
    const inner = this.client.lease(seconds, { autoKeepAlive: true });
    // Loss before the wrapper exists is seen through grant()'s rejection.
    inner.on('lost', () => {});
    const id = await this.call('grantLease', () => inner.grant());
    const lease = new EtcdLease(id, seconds * 1000, inner, this, sentMs);
    this.leases.add(lease);
    if (this.closing.signal.aborted) {
      await lease.revoke().catch(() => {});
      throw closedError(IMPL);
    }
    return lease;
  }

  async watch(prefix: string, listener: (event: WatchEvent) => void, opts: WatchOptions = {}): Promise<Watch> {
    this.checkOpen();
    checkPrefix(prefix, true);
    let builder = this.client.watch();
    builder = prefix === '' ? builder.inRange({ start: Buffer.from([0]), end: Buffer.from([0]) }) : builder.prefix(Buffer.from(prefix, 'utf8'));
    if (opts.afterRevision !== undefined) builder = builder.startRevision((opts.afterRevision + 1n).toString());
    const watcher = builder.watcher();
    const w = new EtcdWatch(watcher, this);
    watcher.on('data', (res) => {
      for (const ev of res.events) {
        const key = ev.kv.key.toString('utf8');
        const modRevision = BigInt(ev.kv.mod_revision);
        const event: WatchEvent = ev.type === 'Delete' ? { type: 'delete', key, modRevision } : { type: 'put', key, value: ev.kv.value, modRevision };
        try {
          listener(event);
        } catch (err) {
          if (opts.onError !== undefined) opts.onError(err instanceof Error ? err : new Error(String(err)));
          else throw err;
        }
      }
    });
    try {
      await new Promise<void>((resolve, reject) => {
        watcher.once('connected', () => resolve());
        watcher.once('error', reject);
      });
    } catch (err) {
      await watcher.cancel().catch(() => {});
      if (err instanceof Error && err.message.startsWith('Watcher canceled')) {
        // etcd refused the start revision (compacted): report it the way a broken watch is.
        const broken = new InvalidError('watch cancelled by etcd: re-list and watch again', { code: ErrorCodes.INVALID_RANGE, cause: err, details: { prefix } });
        if (opts.onError !== undefined) {
          const onError = opts.onError;
          queueMicrotask(() => onError(broken));
        }
        return { close: () => Promise.resolve() };
      }
      throw this.mapError(err, 'watch');
    }
    // After creation, an 'error' means the watch was cancelled by etcd (e.g. compacted revision).
    watcher.on('error', (err) => {
      void w.close();
      opts.onError?.(new InvalidError('watch cancelled by etcd: re-list and watch again', { code: ErrorCodes.INVALID_RANGE, cause: err, details: { prefix } }));
    });
    this.watches.add(w);
    if (this.closing.signal.aborted) {
      await w.close();
      throw closedError(IMPL);
    }
    return w;
  }

  campaign(name: string, value: Buffer, lease: Lease, signal?: AbortSignal): Promise<Leadership> {
    try {
      this.checkOpen();
      return campaignElection(this.elections, name, value, this.ownLease(lease)!, signal);
    } catch (err) {
      return Promise.reject(err);
    }
  }

  async leader(name: string): Promise<Buffer | undefined> {
    this.checkOpen();
    return electionLeader(this.elections, name);
  }

  async close(): Promise<void> {
    if (this.closing.signal.aborted) return;
    this.closing.abort(closedError(IMPL));
    await Promise.all([...this.watches].map((w) => w.close()));
    await Promise.all([...this.leases].map((l) => l.revoke().catch(() => {})));
    this.client.close();
  }

  /**
   * FOR TESTS: stops `lease`'s keep-alives as if this process froze: etcd expires it after its
   * TTL and the watchdog reports it lost (onLost) within about one TTL.
   */
  stopKeepAlive(lease: Lease): void {
    if (lease instanceof EtcdLease && lease.owner === this && !lease.lost) lease.stopKeepAlive();
  }

  // --- internals ---

  /** @internal */
  forgetLease(lease: EtcdLease): void {
    this.leases.delete(lease);
  }

  /** @internal */
  forgetWatch(w: EtcdWatch): void {
    this.watches.delete(w);
  }

  private checkOpen(): void {
    if (this.closing.signal.aborted) throw closedError(IMPL);
  }

  private ownLease(lease: Lease | undefined): EtcdLease | undefined {
    if (lease === undefined) return undefined;
    if (!(lease instanceof EtcdLease) || lease.owner !== this) {
      throw new InvalidError('lease does not belong to this coordination client', { details: { lease: lease.id } });
    }
    if (lease.lost) throw leaseLostError(lease.id);
    return lease;
  }

  private async call<T>(op: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw this.mapError(err, op);
    }
  }

  /** @internal Maps an etcd3 error to a tsbase error. */
  mapError(err: unknown, op: string): Error {
    if (err instanceof TsbaseError) return err;
    if (this.closing.signal.aborted || err instanceof ClientClosedError) return closedError(IMPL);
    const e = err instanceof Error ? err : new Error(String(err));
    if (err instanceof EtcdLeaseInvalidError) return new FencedError('lease not found in etcd (expired or revoked)', { code: ErrorCodes.FENCED, cause: e, details: { op } });
    if (err instanceof GRPCDeadlineExceededError) return new UnavailableError('etcd request timed out', { code: ErrorCodes.TIMEOUT, cause: e, details: { op } });
    if (err instanceof GRPCInvalidArgumentError || err instanceof GRPCResourceExhastedError) {
      return new InvalidError('etcd rejected the request', { cause: e, details: { op, reason: e.message } });
    }
    if (isRecoverableError(e) || err instanceof GRPCGenericError || e.name === 'BrokenCircuitError' || e.name === 'TaskCancelledError') {
      return new UnavailableError('etcd is unreachable', { cause: e, details: { op, reason: e.message } });
    }
    return new InternalError('unexpected etcd client error', { cause: e, details: { op, reason: e.message } });
  }
}
