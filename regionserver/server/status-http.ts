// The region server's HTTP port (fastify), for Kubernetes probes, Prometheus and people:
//
//   GET /health   200 {"status":"ok"} while the process runs (liveness probe)
//   GET /ready    200 {"status":"ready"} once registered in coordination and serving;
//                 503 {"status":"<state>"} before that, while stopping, and after fencing
//   GET /metrics  the prom-client registry in Prometheus text format
//   GET /status   JSON: server name, addresses, state, and every hosted region (RegionInfoJson,
//                 state, MemStore bytes, store files and bytes, read/write request counts)
//   GET /rs-status the same as an HTML page (HBase's region server page); / redirects there

import Fastify from 'fastify';
import type { Registry } from 'prom-client';
import type { StatusDocument } from './status-page.js';
import { renderStatusPage } from './status-page.js';

export interface StatusSource {
  readonly registry: Registry;
  /** True when the server serves requests (registered, not stopping, not fenced). */
  ready(): boolean;
  /** The server's lifecycle state, for /ready when not ready. */
  state(): string;
  /** The /status document. */
  status(): StatusDocument;
}

export interface StatusHttp {
  readonly port: number;
  close(): Promise<void>;
}

/** Listens on host:port (0 = any free port). Rejects if the port cannot be bound. */
export async function startStatusHttp(host: string, port: number, source: StatusSource): Promise<StatusHttp> {
  const app = Fastify({ logger: false });
  app.get('/health', async () => ({ status: 'ok' }));
  app.get('/ready', async (_req, reply) => {
    if (source.ready()) return { status: 'ready' };
    return reply.code(503).send({ status: source.state() });
  });
  app.get('/metrics', async (_req, reply) => {
    const body = await source.registry.metrics();
    return reply.header('content-type', source.registry.contentType).send(body);
  });
  app.get('/status', async () => source.status());
  app.get('/rs-status', async (_req, reply) => reply.type('text/html; charset=utf-8').send(renderStatusPage(source.status())));
  app.get('/', async (_req, reply) => reply.redirect('/rs-status'));
  await app.listen({ host, port });
  const addr = app.server.address();
  const bound = typeof addr === 'object' && addr !== null ? addr.port : port;
  let closing: Promise<void> | undefined;
  return {
    port: bound,
    close() {
      closing ??= app.close().then(() => {});
      return closing;
    },
  };
}
