// Test support (not part of the public client): fake masters on loopback (node:http) that
// answer the admin API like an active master, or like a standby (503 TSB_NOT_LEADER naming
// the leader). Routes are answered by a handler the test supplies; every request is logged.

import { httpStatus } from '../common/admin/http-status.js';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { errorToWire } from '../common/error-wire.js';
import { ErrorCodes, UnavailableError, TsbaseError, NotFoundError } from '../common/errors.js';
import type { ClusterStatusJson } from '../common/admin/admin-api.js';

export interface FakeRequest {
  readonly master: string;
  readonly method: string;
  readonly path: string;
  readonly body: unknown;
  /** The tsbase-nonce header, if sent. */
  readonly nonce?: string;
}

/** Returns the JSON answer, or throws a tsbase error (sent as `{ error }` with its HTTP status). */
export type RouteHandler = (req: FakeRequest) => unknown;

export interface FakeMasters {
  readonly addresses: string[];
  /** Index of the active master (-1: none is active, every one answers NOT_LEADER without a leader). */
  leader: number;
  /** Whether standbys name the leader in details.leader. */
  tellLeader: boolean;
  readonly requests: FakeRequest[];
  /** Indexes of masters that take requests and never answer (paused processes). */
  readonly silent: Set<number>;
  handler: RouteHandler;
  stop(): Promise<void>;
}

export function fakeStatus(active: string): ClusterStatusJson {
  return {
    clusterId: 'test',
    activeMaster: active,
    backupMasters: [],
    servers: [],
    deadServers: [],
    regionsInTransition: [],
    tables: 0,
    regions: 0,
    balancerEnabled: true,
  };
}

export async function startFakeMasters(n: number, handler: RouteHandler): Promise<FakeMasters> {
  const servers: http.Server[] = [];
  const addresses: string[] = [];
  const fm: FakeMasters = {
    addresses,
    leader: 0,
    tellLeader: true,
    requests: [],
    silent: new Set(),
    handler,
    stop: async () => {
      await Promise.all(
        servers.map(
          (s) =>
            new Promise<void>((resolve) => {
              s.closeAllConnections();
              s.close(() => resolve());
            }),
        ),
      );
    },
  };
  for (let i = 0; i < n; i++) {
    const server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const me = addresses[i]!;
        const raw = Buffer.concat(chunks).toString('utf8');
        const body: unknown = raw === '' ? undefined : JSON.parse(raw);
        const path = (req.url ?? '').replace(/^\/api\/v1/, '');
        const nonce = req.headers['tsbase-nonce'];
        const fr: FakeRequest = { master: me, method: req.method ?? 'GET', path, body, ...(typeof nonce === 'string' ? { nonce } : {}) };
        fm.requests.push(fr);
        if (fm.silent.has(i)) return; // no answer, ever (stop() closes the connection)
        const send = (status: number, b: unknown): void => {
          const text = JSON.stringify(b);
          res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
          res.end(text);
        };
        if (fm.leader !== i) {
          const leader = fm.leader >= 0 && fm.tellLeader ? addresses[fm.leader] : undefined;
          const err = new UnavailableError('this master is a standby', { code: ErrorCodes.NOT_LEADER, details: { leader } });
          send(503, { error: errorToWire(err) });
          return;
        }
        try {
          if (!(req.url ?? '').startsWith('/api/v1/')) throw new NotFoundError('no such route');
          send(200, fm.handler(fr) ?? {});
        } catch (e) {
          if (e instanceof TsbaseError) send(httpStatus(e), { error: errorToWire(e) });
          else send(500, { error: errorToWire(e) });
        }
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    servers.push(server);
    addresses.push(`127.0.0.1:${(server.address() as AddressInfo).port}`);
  }
  return fm;
}
