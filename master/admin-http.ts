// The admin HTTP API (fastify): the routes of common/admin/admin-api.ts, request bodies
// validated with its zod schemas, errors as `{ error: WireError }` with the status codes
// documented there. Also GET /health and GET /metrics (prom-client).
//
// Every /api/v1 route except /status needs the active master: on a standby it answers 503
// TSB_NOT_LEADER with details.leader = the active master's HTTP address.

import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Registry } from 'prom-client';
import type { z } from 'zod';
import {
  API_PREFIX,
  BalancerSwitchRequest,
  ColumnFamilyAttributes,
  CreateNamespaceRequest,
  CreateTableRequest,
  MoveRequest,
  SplitRequest,
  TruncateRequest,
} from '../common/admin/admin-api.js';
import type { ClusterStatusJson } from '../common/admin/admin-api.js';
import type { MetaLocation } from '../common/coordination/cluster-keys.js';
import { errorToWire } from '../common/error-wire.js';
import { httpStatus } from '../common/admin/http-status.js';
import { InvalidError, NotFoundError, TsbaseError } from '../common/errors.js';
import { validateEncodedRegionName } from '../common/paths.js';
import type { ActiveMaster } from './active-master.js';
import type { RegionAction } from './region-operations.js';

export interface AdminBackend {
  /** The active master, ready; throws UnavailableError TSB_NOT_LEADER on a standby. */
  active(): Promise<ActiveMaster>;
  status(): Promise<ClusterStatusJson>;
  /** The web status page (HTML). */
  statusPage(): Promise<string>;
  registry: Registry;
}

/** Parses `body` with `schema`; InvalidError naming the first bad field otherwise. */
export function parseBody<S extends z.ZodType>(schema: S, body: unknown): z.infer<S> {
  const r = schema.safeParse(body ?? {});
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  const field = issue.path.map(String).join('.') || '(body)';
  throw new InvalidError(`invalid request: ${field}: ${issue.message.toLowerCase()}`, { details: { field } });
}

function regionParam(req: FastifyRequest): string {
  const r = (req.params as { region: string }).region;
  validateEncodedRegionName(r);
  return r;
}

function tableParam(req: FastifyRequest): string {
  return (req.params as { table: string }).table;
}

function splitRowOf(body: unknown): Buffer | undefined {
  const r = parseBody(SplitRequest, body);
  if (r.splitRow === undefined) return undefined;
  const row = Buffer.from(r.splitRow, 'base64');
  if (row.length === 0) throw new InvalidError('invalid request: splitRow: must not be empty', { details: { field: 'splitRow' } });
  return row;
}

/** Registers the routes on `app`. */
export function registerAdminRoutes(app: FastifyInstance, backend: AdminBackend): void {
  // Accept an empty body (or none) as {} for JSON requests: POST /enable etc. carry none.
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => {
    const s = typeof body === 'string' ? body : body.toString('utf8');
    if (s.trim() === '') return done(null, {});
    try {
      done(null, JSON.parse(s));
    } catch {
      done(new InvalidError('invalid request: the body is not valid JSON'), undefined);
    }
  });

  app.setErrorHandler((err: unknown, _req: FastifyRequest, reply: FastifyReply) => {
    let e = err;
    const fastifyStatus = (err as { statusCode?: number }).statusCode;
    if (!(err instanceof TsbaseError) && fastifyStatus !== undefined && fastifyStatus >= 400 && fastifyStatus < 500) {
      e = new InvalidError(`invalid request: ${String((err as Error).message).toLowerCase()}`);
    }
    void reply.code(httpStatus(e)).send({ error: errorToWire(e) });
  });
  app.setNotFoundHandler((req, reply) => {
    void reply.code(404).send({ error: errorToWire(new NotFoundError('no such route', { details: { method: req.method, url: req.url.slice(0, 200) } })) });
  });

  app.get('/health', async () => ({ status: 'ok' }));
  for (const path of ['/', '/master-status']) {
    app.get(path, async (_req, reply) => reply.header('content-type', 'text/html; charset=utf-8').send(await backend.statusPage()));
  }
  app.get('/metrics', async (_req, reply) => {
    void reply.header('content-type', backend.registry.contentType);
    return backend.registry.metrics();
  });

  const P = API_PREFIX;
  app.get(`${P}/status`, async () => backend.status());
  app.get(`${P}/meta-location`, async (): Promise<MetaLocation> => {
    const a = await backend.active();
    return a.am.locateMeta();
  });

  app.get(`${P}/namespaces`, async () => ({ namespaces: await (await backend.active()).tables.listNamespaces() }));
  app.post(`${P}/namespaces`, async (req, reply) => {
    const body = parseBody(CreateNamespaceRequest, req.body);
    await (await backend.active()).tables.createNamespace(body.name);
    return reply.code(201).send({});
  });
  app.delete(`${P}/namespaces/:ns`, async (req) => {
    await (await backend.active()).tables.deleteNamespace((req.params as { ns: string }).ns);
    return {};
  });

  app.get(`${P}/tables`, async (req) => {
    const ns = (req.query as { namespace?: string }).namespace;
    return { tables: await (await backend.active()).tableOps.list(ns === '' ? undefined : ns) };
  });
  app.post(`${P}/tables`, async (req, reply) => {
    const body = parseBody(CreateTableRequest, req.body);
    const t = await (await backend.active()).tableOps.createTable(body);
    return reply.code(201).send(t);
  });
  app.get(`${P}/tables/:table`, async (req) => (await backend.active()).tableOps.describe(tableParam(req)));
  app.delete(`${P}/tables/:table`, async (req) => {
    await (await backend.active()).tableOps.deleteTable(tableParam(req));
    return {};
  });
  app.post(`${P}/tables/:table/enable`, async (req) => {
    await (await backend.active()).tableOps.enableTable(tableParam(req));
    return {};
  });
  app.post(`${P}/tables/:table/disable`, async (req) => {
    await (await backend.active()).tableOps.disableTable(tableParam(req));
    return {};
  });
  app.post(`${P}/tables/:table/truncate`, async (req) => {
    const body = parseBody(TruncateRequest, req.body);
    await (await backend.active()).tableOps.truncateTable(tableParam(req), body.preserveSplits);
    return {};
  });
  app.put(`${P}/tables/:table/families/:family`, async (req) => {
    const family = (req.params as { family: string }).family;
    const attrs = parseBody(ColumnFamilyAttributes, req.body);
    const name = attrs['NAME'] ?? attrs['name'];
    if (name !== undefined && String(name) !== family) {
      throw new InvalidError('invalid request: NAME: must match the family in the path', { details: { field: 'NAME', family } });
    }
    const withName = Object.fromEntries([...Object.entries(attrs).filter(([k]) => k.toUpperCase() !== 'NAME'), ['NAME', family]]);
    return (await backend.active()).tableOps.addOrModifyFamily(tableParam(req), withName);
  });
  app.delete(`${P}/tables/:table/families/:family`, async (req) =>
    (await backend.active()).tableOps.deleteFamily(tableParam(req), (req.params as { family: string }).family),
  );
  app.get(`${P}/tables/:table/regions`, async (req) => ({ regions: await (await backend.active()).tableOps.regions(tableParam(req)) }));
  for (const action of ['flush', 'compact', 'major_compact'] as const satisfies readonly RegionAction[]) {
    app.post(`${P}/tables/:table/${action}`, async (req) => {
      await (await backend.active()).regionOps.tableAction(tableParam(req), action);
      return {};
    });
    app.post(`${P}/regions/:region/${action}`, async (req) => {
      const region = regionParam(req);
      await (await backend.active()).regionOps.regionAction(region, action);
      return {};
    });
  }
  app.post(`${P}/tables/:table/split`, async (req) => {
    const row = splitRowOf(req.body);
    await (await backend.active()).regionOps.splitTable(tableParam(req), row);
    return {};
  });
  app.post(`${P}/regions/:region/split`, async (req) => {
    const region = regionParam(req);
    const row = splitRowOf(req.body);
    await (await backend.active()).regionOps.splitRegion(region, row);
    return {};
  });
  app.post(`${P}/regions/:region/move`, async (req) => {
    const region = regionParam(req);
    const body = parseBody(MoveRequest, req.body);
    await (await backend.active()).regionOps.move(region, body.serverName);
    return {};
  });
  app.post(`${P}/catalog_janitor/run`, async () => {
    const r = await (await backend.active()).janitor.run();
    return { parents: r.parents, removed: r.removed.length };
  });
  app.post(`${P}/balancer/run`, async () => ({ moves: await (await backend.active()).regionOps.balance() }));
  app.put(`${P}/balancer`, async (req) => {
    const body = parseBody(BalancerSwitchRequest, req.body);
    return { previous: await (await backend.active()).regionOps.setBalancerEnabled(body.enabled) };
  });
}
