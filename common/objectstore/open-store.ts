// Opens the ObjectStore a configuration names, with the wrappers production needs:
//   memory → [metrics]        fs → [metrics]        s3 → retry → [metrics]
// (metrics when a Registry is given).

import type { Registry } from 'prom-client';
import { z } from 'zod';
import type { Clock } from '../clock.js';
import { ErrorCodes, InvalidError } from '../errors.js';
import type { Random } from '../random.js';
import { FsObjectStore } from './fs-store.js';
import { MemoryObjectStore } from './memory-store.js';
import { MetricsObjectStore } from './metrics-store.js';
import type { ObjectStore } from './object-store.js';
import { RetryObjectStore } from './retry-store.js';
import type { RetryPolicy } from './retry-store.js';
import { S3ObjectStore } from './s3-store.js';

const retrySchema = z
  .object({
    maxAttempts: z.number().int().min(1).max(100).optional(),
    baseDelayMs: z.number().min(0).optional(),
    maxDelayMs: z.number().min(0).optional(),
    deadlineMs: z.number().min(0).optional(),
  })
  .strict();

export const objectStoreConfigSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('memory') }).strict(),
  z.object({ kind: z.literal('fs'), root: z.string().min(1) }).strict(),
  z
    .object({
      kind: z.literal('s3'),
      endpoint: z.url(),
      bucket: z.string().min(3).max(63),
      /** Key prefix under the bucket; a trailing `/` is added if missing. */
      prefix: z.string().optional(),
      region: z.string().min(1).optional(),
      accessKeyId: z.string().min(1).optional(),
      secretAccessKey: z.string().min(1).optional(),
      sessionToken: z.string().min(1).optional(),
      maxSockets: z.number().int().min(1).optional(),
      retry: retrySchema.optional(),
    })
    .strict(),
]);

export type ObjectStoreConfig = z.infer<typeof objectStoreConfigSchema>;

export interface OpenObjectStoreDeps {
  /** Metrics registry; no metrics wrapper without one. */
  readonly registry?: Registry;
  readonly clock?: Clock;
  readonly random?: Random;
}

/**
 * Validates `config` and opens the store it names. Throws InvalidError(TSB_INVALID_CONFIG)
 * naming the bad setting, or UnavailableError if an fs root cannot be opened.
 * An S3 store is not contacted here: a wrong endpoint shows on the first call.
 */
export async function openObjectStore(config: unknown, deps: OpenObjectStoreDeps = {}): Promise<ObjectStore> {
  const parsed = objectStoreConfigSchema.safeParse(config);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new InvalidError(`invalid object store configuration: ${issue?.message ?? 'invalid'}`, {
      code: ErrorCodes.INVALID_CONFIG,
      details: { setting: issue === undefined ? undefined : issue.path.join('.') || 'kind' },
    });
  }
  const cfg = parsed.data;
  let store: ObjectStore;
  switch (cfg.kind) {
    case 'memory':
      store = new MemoryObjectStore();
      break;
    case 'fs':
      store = await FsObjectStore.open(cfg.root, deps.clock !== undefined ? { clock: deps.clock } : {});
      break;
    case 's3': {
      const prefix = cfg.prefix === undefined || cfg.prefix === '' || cfg.prefix.endsWith('/') ? cfg.prefix : cfg.prefix + '/';
      if (prefix !== undefined && (prefix.startsWith('/') || prefix.includes('\0'))) {
        throw new InvalidError('invalid object store configuration: prefix must not start with / or contain NUL', {
          code: ErrorCodes.INVALID_CONFIG,
          details: { setting: 'prefix', prefix },
        });
      }
      const s3 = new S3ObjectStore({
        endpoint: cfg.endpoint,
        bucket: cfg.bucket,
        ...(prefix !== undefined ? { prefix } : {}),
        ...(cfg.region !== undefined ? { region: cfg.region } : {}),
        ...(cfg.accessKeyId !== undefined ? { accessKeyId: cfg.accessKeyId } : {}),
        ...(cfg.secretAccessKey !== undefined ? { secretAccessKey: cfg.secretAccessKey } : {}),
        ...(cfg.sessionToken !== undefined ? { sessionToken: cfg.sessionToken } : {}),
        ...(cfg.maxSockets !== undefined ? { maxSockets: cfg.maxSockets } : {}),
      });
      const policy: RetryPolicy = cfg.retry ?? {};
      store = new RetryObjectStore(s3, {
        ...policy,
        ...(deps.clock !== undefined ? { clock: deps.clock } : {}),
        ...(deps.random !== undefined ? { random: deps.random } : {}),
      });
      break;
    }
  }
  return deps.registry === undefined ? store : new MetricsObjectStore(store, deps.registry, deps.clock !== undefined ? { clock: deps.clock } : {});
}
