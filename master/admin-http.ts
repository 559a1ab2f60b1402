// The admin HTTP API (fastify): the routes of common/admin/admin-api.ts, request bodies
// validated with its zod schemas, errors as `{ error: WireError }` with the status codes
// documented there. Also GET /health and GET /metrics (prom-client).
//
// Every /api/v1 route except /status needs the active master: on a standby it answers 503
// TSB_NOT_LEADER with details.leader = the active master's HTTP address.
//
// Routes that change something validate the request, then run their operation; with a
// `tsbase-nonce` header at most once per nonce, answering repeats with the recorded outcome
// (mutating() below, admin-nonces.ts, docs/rfcs/0007-admin-nonces.md).

import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Registry } from 'prom-client';
import type { z } from 'zod';
import {
  API_PREFIX,
  BalancerSwitchRequest,
  ColumnFamilyAttributes,
  CreateNamespaceRequest,
  CreateTableRequest,
  MergeRequest,
  MoveRequest,
  NONCE_HEADER,
  NONCE_REPLAYED_HEADER,
  parseAdminNonce,
  SplitRequest,
  TruncateRequest,
} from '../common/admin/admin-api.js';
import type { ClusterStatusJson } from '../common/admin/admin-api.js';
import type { MetaLocation } from '../common/coordination/cluster-keys.js';
import { errorToWire } from '../common/error-wire.js';
import { httpStatus } from '../common/admin/http-status.js';
import { ConflictError, ErrorCodes, errorCode, InvalidError, NotFoundError, TsbaseError } from '../common/errors.js';
import type { OperationNonce } from '../common/ops/operation-nonce.js';
import { regionInfoToJson } from '../common/meta/meta-row.js';
import { validateEncodedRegionName } from '../common/paths.js';
import type { ActiveMaster } from './active-master.js';
import { requestDigest } from './admin-nonces.js';
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
  app.post(
    `${P}/namespaces`,
    mutating(
      (req) => {
        const body = parseBody(CreateNamespaceRequest, req.body);
        return noAnswer((a) => a.tables.createNamespace(body.name));
      },
      { status: 201, afterUnknown: alreadyDone(ErrorCodes.ALREADY_EXISTS, async () => ({})) },
    ),
  );
  app.delete(
    `${P}/namespaces/:ns`,
    mutating(
      (req) => {
        const ns = (req.params as { ns: string }).ns;
        return noAnswer((a) => a.tables.deleteNamespace(ns));
      },
      { afterUnknown: alreadyDone(ErrorCodes.NOT_FOUND, async () => ({})) },
    ),
  );

  app.get(`${P}/tables`, async (req) => {
    const ns = (req.query as { namespace?: string }).namespace;
    return { tables: await (await backend.active()).tableOps.list(ns === '' ? undefined : ns) };
  });
  app.post(
    `${P}/tables`,
    mutating(
      (req) => {
        const body = parseBody(CreateTableRequest, req.body);
        return (a) => a.tableOps.createTable(body);
      },
      // The table exists: the create this nonce names made it (or another did, as HBase's retried create would find).
      { status: 201, afterUnknown: alreadyDone(ErrorCodes.ALREADY_EXISTS, (a, req) => a.tableOps.describe((req.body as { name: string }).name)) },
    ),
  );
  app.get(`${P}/tables/:table`, async (req) => (await backend.active()).tableOps.describe(tableParam(req)));
  app.delete(
    `${P}/tables/:table`,
    mutating(
      (req) => {
        const table = tableParam(req);
        return noAnswer((a) => a.tableOps.deleteTable(table));
      },
      { afterUnknown: alreadyDone(ErrorCodes.NOT_FOUND, async () => ({})) },
    ),
  );
  app.post(
    `${P}/tables/:table/enable`,
    mutating((req) => {
      const table = tableParam(req);
      return noAnswer((a) => a.tableOps.enableTable(table));
    }),
  );
  app.post(
    `${P}/tables/:table/disable`,
    mutating((req) => {
      const table = tableParam(req);
      return noAnswer((a) => a.tableOps.disableTable(table));
    }),
  );
  app.post(
    `${P}/tables/:table/truncate`,
    mutating(
      (req) => {
        const table = tableParam(req);
        const body = parseBody(TruncateRequest, req.body);
        return noAnswer((a) => a.tableOps.truncateTable(table, body.preserveSplits));
      },
      {
        // A truncate whose plan is recorded is finished by running it again; without a plan it
        // either never started or finished, and running it again would empty the table twice.
        afterUnknown: async (a, req, run) => {
          if ((await a.tableOps.record(tableParam(req))).truncating !== undefined) return run();
          throw outcomeUnknown(req);
        },
      },
    ),
  );
  app.put(
    `${P}/tables/:table/families/:family`,
    mutating((req) => {
      const table = tableParam(req);
      const family = (req.params as { family: string }).family;
      const attrs = parseBody(ColumnFamilyAttributes, req.body);
      const name = attrs['NAME'] ?? attrs['name'];
      if (name !== undefined && String(name) !== family) {
        throw new InvalidError('invalid request: NAME: must match the family in the path', { details: { field: 'NAME', family } });
      }
      const withName = Object.fromEntries([...Object.entries(attrs).filter(([k]) => k.toUpperCase() !== 'NAME'), ['NAME', family]]);
      return (a) => a.tableOps.addOrModifyFamily(table, withName);
    }),
  );
  app.delete(
    `${P}/tables/:table/families/:family`,
    mutating(
      (req) => {
        const table = tableParam(req);
        const family = (req.params as { family: string }).family;
        return (a) => a.tableOps.deleteFamily(table, family);
      },
      { afterUnknown: alreadyDone(ErrorCodes.NOT_FOUND, (a, req) => a.tableOps.describe(tableParam(req))) },
    ),
  );
  app.get(`${P}/tables/:table/regions`, async (req) => ({ regions: await (await backend.active()).tableOps.regions(tableParam(req)) }));
  for (const action of ['flush', 'compact', 'major_compact'] as const satisfies readonly RegionAction[]) {
    app.post(
      `${P}/tables/:table/${action}`,
      mutating((req) => {
        const table = tableParam(req);
        return noAnswer((a) => a.regionOps.tableAction(table, action));
      }),
    );
    app.post(
      `${P}/regions/:region/${action}`,
      mutating((req) => {
        const region = regionParam(req);
        return noAnswer((a) => a.regionOps.regionAction(region, action));
      }),
    );
  }
  // A split cannot be told from its absence afterwards (a table split again splits again).
  app.post(
    `${P}/tables/:table/split`,
    mutating(
      (req) => {
        const table = tableParam(req);
        const row = splitRowOf(req.body);
        return noAnswer((a) => a.regionOps.splitTable(table, row));
      },
      { afterUnknown: unknownOutcome },
    ),
  );
  app.post(
    `${P}/regions/:region/split`,
    mutating(
      (req) => {
        const region = regionParam(req);
        const row = splitRowOf(req.body);
        return noAnswer((a) => a.regionOps.splitRegion(region, row));
      },
      { afterUnknown: unknownOutcome },
    ),
  );
  // A merge retried after an earlier master stopped runs again: parents already merged into
  // one region answer with it (AssignmentManager.merge).
  app.post(
    `${P}/regions/merge`,
    mutating((req) => {
      const body = parseBody(MergeRequest, req.body);
      return async (a) => ({ region: regionInfoToJson(await a.regionOps.mergeRegions(body.regions)) });
    }),
  );
  app.post(
    `${P}/regions/:region/move`,
    mutating((req) => {
      const region = regionParam(req);
      const body = parseBody(MoveRequest, req.body);
      return noAnswer((a) => a.regionOps.move(region, body.serverName));
    }),
  );
  app.post(
    `${P}/catalog_janitor/run`,
    mutating(() => async (a) => {
      const r = await a.janitor.run();
      return { parents: r.parents, removed: r.removed.length };
    }),
  );
  app.post(
    `${P}/balancer/run`,
    mutating(() => async (a) => ({ moves: await a.regionOps.balance() })),
  );
  app.put(
    `${P}/balancer`,
    mutating((req) => {
      const body = parseBody(BalancerSwitchRequest, req.body);
      return async (a) => ({ previous: await a.regionOps.setBalancerEnabled(body.enabled) });
    }),
  );

  /**
   * A route that changes something: `prepare` validates the request (throwing before anything
   * happens) and returns the operation. With a nonce header the operation runs through the
   * active master's AdminNonces (at most once per nonce; a retry gets the recorded outcome,
   * marked with NONCE_REPLAYED_HEADER); `afterUnknown` decides what a retry does when an
   * earlier master accepted the nonce and stopped before finishing (default: run it again).
   */
  function mutating(prepare: (req: FastifyRequest) => Operation, opts: { status?: number; afterUnknown?: AfterUnknown } = {}) {
    return async (req: FastifyRequest, reply: FastifyReply): Promise<unknown> => {
      const nonce = nonceOf(req);
      const operation = prepare(req);
      const a = await backend.active();
      const status = opts.status ?? 200;
      if (nonce === undefined) return reply.code(status).send(await operation(a));
      const run = (): Promise<unknown> => operation(a);
      const after = opts.afterUnknown ?? ((_a, _req, again) => again());
      const q = req.url.indexOf('?');
      const use = { op: `${req.method} ${q < 0 ? req.url : req.url.slice(0, q)}`, request: requestDigest(q < 0 ? '' : req.url.slice(q + 1), req.body) };
      const answer = await a.nonces.run(nonce, use, run, () => after(a, req, run));
      if (answer.replayed) void reply.header(NONCE_REPLAYED_HEADER, '1');
      if (!answer.outcome.ok) throw answer.outcome.error;
      return reply.code(status).send(answer.outcome.value);
    };
  }
}

/** An admin operation, validated, for the active master. */
type Operation = (a: ActiveMaster) => Promise<unknown>;

/** An operation whose answer is `{}`. */
function noAnswer(op: (a: ActiveMaster) => Promise<unknown>): Operation {
  return async (a) => {
    await op(a);
    return {};
  };
}
/** What a retry does after an earlier master accepted its nonce and left no outcome; `run` runs the operation. */
type AfterUnknown = (a: ActiveMaster, req: FastifyRequest, run: () => Promise<unknown>) => Promise<unknown>;

/** Runs the operation again; an error with `code` (it was done already) becomes `answer`'s value. */
function alreadyDone(code: string, answer: (a: ActiveMaster, req: FastifyRequest) => Promise<unknown>): AfterUnknown {
  return async (a, req, run) => {
    try {
      return await run();
    } catch (e) {
      if (errorCode(e) === code) return answer(a, req);
      throw e;
    }
  };
}

const unknownOutcome: AfterUnknown = async (_a, req) => {
  throw outcomeUnknown(req);
};

function outcomeUnknown(req: FastifyRequest): ConflictError {
  return new ConflictError('a master accepted this operation (same nonce) and stopped before it answered; whether it took effect is unknown: check the table and send the operation again if it is still wanted', {
    code: ErrorCodes.OUTCOME_UNKNOWN,
    details: { method: req.method, path: req.url.split('?')[0]!.slice(0, 200) },
  });
}

/** The request's nonce, if it carries one; InvalidError for a malformed header. */
function nonceOf(req: FastifyRequest): OperationNonce | undefined {
  const h = req.headers[NONCE_HEADER];
  if (h === undefined) return undefined;
  if (typeof h !== 'string') throw new InvalidError(`invalid request: one ${NONCE_HEADER} header at most`, { details: { field: NONCE_HEADER } });
  return parseAdminNonce(h);
}
