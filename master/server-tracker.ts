// Tracks the live region servers: the leased keys under clusterKeys(cluster).serversPrefix
// (a region server's ephemeral registration, like HBase's /hbase/rs znodes). A key that
// disappears means the server is gone (clean stop or lease expiry); the master then runs
// server crash recovery. A record with `stopping: true` asks the master to drain it.
//
// Concurrency: events are delivered one at a time in coordination revision order; listeners
// must not block (they start work and return).

import type { Logger } from 'pino';
import type { ServerRecord } from '../common/coordination/cluster-keys.js';
import type { Coordination, Watch, WatchEvent } from '../common/coordination/coordination.js';

export interface ServerTrackerListener {
  /** A server registered (or re-appeared after a watch resync). */
  added(rec: ServerRecord): void;
  /** A server set `stopping: true`. */
  stopping(rec: ServerRecord): void;
  /** A server's key is gone: it is dead. */
  removed(serverName: string, last: ServerRecord): void;
}

const MAX_DEAD_REMEMBERED = 100;

export class ServerTracker {
  private readonly live = new Map<string, ServerRecord>();
  private readonly dead: string[] = [];
  private watch: Watch | undefined;
  private closed = false;

  constructor(
    private readonly coordination: Coordination,
    private readonly prefix: string,
    private readonly listener: ServerTrackerListener,
    private readonly logger: Logger,
  ) {}

  /** Lists the servers and starts watching. Resolves once the initial list is known (`added` fired for each). */
  async start(): Promise<void> {
    await this.resync();
  }

  async stop(): Promise<void> {
    this.closed = true;
    await this.watch?.close();
    this.watch = undefined;
  }

  /** Live servers, by server name. */
  servers(): ReadonlyMap<string, ServerRecord> {
    return this.live;
  }

  /** Live servers that may receive regions (not stopping). */
  assignable(): ServerRecord[] {
    return [...this.live.values()].filter((s) => s.stopping !== true);
  }

  isLive(serverName: string): boolean {
    return this.live.has(serverName);
  }

  get(serverName: string): ServerRecord | undefined {
    return this.live.get(serverName);
  }

  /** Servers seen dying since this tracker started, most recent last. */
  deadServers(): readonly string[] {
    return this.dead;
  }

  private async resync(): Promise<void> {
    await this.watch?.close().catch(() => undefined);
    if (this.closed) return;
    const { entries, revision } = await this.coordination.list(this.prefix);
    const seen = new Set<string>();
    for (const e of entries) {
      const rec = parse(e.value);
      if (rec === undefined) continue;
      seen.add(rec.serverName);
      this.apply(rec);
    }
    for (const [name, rec] of [...this.live]) if (!seen.has(name)) this.remove(name, rec);
    this.watch = await this.coordination.watch(this.prefix, (ev) => this.onEvent(ev), {
      afterRevision: revision,
      onError: (err) => {
        this.logger.warn({ err }, 'region server watch broke; re-listing');
        void this.resync().catch((e: unknown) => this.logger.error({ err: e }, 'region server re-list failed'));
      },
    });
  }

  private onEvent(ev: WatchEvent): void {
    if (this.closed) return;
    const name = ev.key.slice(this.prefix.length);
    if (ev.type === 'put') {
      const rec = parse(ev.value);
      if (rec !== undefined) this.apply(rec);
      return;
    }
    const rec = this.live.get(name);
    if (rec !== undefined) this.remove(name, rec);
  }

  private apply(rec: ServerRecord): void {
    const prev = this.live.get(rec.serverName);
    this.live.set(rec.serverName, rec);
    if (prev === undefined) {
      this.logger.info({ server: rec.serverName, rpc: rec.rpcAddress }, 'region server registered');
      this.listener.added(rec);
    }
    if (rec.stopping === true && prev?.stopping !== true) {
      this.logger.info({ server: rec.serverName }, 'region server is stopping; draining it');
      this.listener.stopping(rec);
    }
  }

  private remove(name: string, rec: ServerRecord): void {
    this.live.delete(name);
    this.dead.push(name);
    if (this.dead.length > MAX_DEAD_REMEMBERED) this.dead.shift();
    this.logger.warn({ server: name }, 'region server is gone');
    this.listener.removed(name, rec);
  }
}

function parse(v: Buffer): ServerRecord | undefined {
  try {
    const r = JSON.parse(v.toString('utf8')) as ServerRecord;
    return typeof r.serverName === 'string' && typeof r.rpcAddress === 'string' ? r : undefined;
  } catch {
    return undefined;
  }
}
