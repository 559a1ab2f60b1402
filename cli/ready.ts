// How a tsbase process started by `local-cluster` (or by a test) tells its parent that it is
// ready and where it listens: one IPC message `{ type: 'tsbase-ready', ... }` over the
// channel node's fork() opens. A process started any other way has no channel and sends
// nothing.

export interface ReadyMessage {
  readonly type: 'tsbase-ready';
  readonly role: 'master' | 'regionserver' | 'standalone';
  /** master admin HTTP address (`host:port`), when this process runs a master. */
  readonly masterHttp?: string;
  /** region server data RPC and HTTP addresses, when this process runs a region server. */
  readonly rpcAddress?: string;
  readonly rsHttp?: string;
  readonly serverName?: string;
}

/** True if `m` is a ReadyMessage. */
export function isReadyMessage(m: unknown): m is ReadyMessage {
  return typeof m === 'object' && m !== null && (m as { type?: unknown }).type === 'tsbase-ready';
}

/** Sends `msg` to the parent if there is one. Never throws. */
export function announceReady(msg: Omit<ReadyMessage, 'type'>): void {
  if (process.send === undefined) return;
  try {
    process.send({ type: 'tsbase-ready', ...msg });
  } catch {
    // the parent is gone; the 'disconnect' handler stops this process
  }
}
