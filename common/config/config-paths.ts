// The settings of the schema as a flat table: dotted path, environment variable, value kind and
// documentation. Drives the environment mapping, `--set` paths, the coercion of strings and the
// docs test.
//
// Environment mapping: `TSB_` + each path segment in UPPER_SNAKE_CASE joined by `_`:
//   regionserver.flushSize          → TSB_REGIONSERVER_FLUSH_SIZE
//   objectStore.secretAccessKey     → TSB_OBJECT_STORE_SECRET_ACCESS_KEY
//   objectStore.retry.maxAttempts   → TSB_OBJECT_STORE_RETRY_MAX_ATTEMPTS
// A test checks no two settings map to the same variable.

import { z } from 'zod';
import { configSchema } from './config-schema.js';
import type { SettingMeta } from './config-schema.js';

/** How a string (from the environment or --set) is turned into the setting's value. */
export type SettingKind = 'number' | 'boolean' | 'list' | 'string';

export interface SettingInfo {
  /** Dotted path, e.g. `regionserver.flushSize`. */
  readonly path: string;
  readonly segments: readonly string[];
  readonly env: string;
  readonly kind: SettingKind;
  /** `bytes` for sizes, `ms` for durations. */
  readonly unit?: 'bytes' | 'ms';
  /** Allowed values of an enum setting. */
  readonly values?: readonly string[];
  readonly meta?: SettingMeta;
}

export const ENV_PREFIX = 'TSB_';

/** `flushSize` → `FLUSH_SIZE`. */
export function upperSnake(s: string): string {
  return s.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();
}

export function envName(segments: readonly string[]): string {
  return ENV_PREFIX + segments.map(upperSnake).join('_');
}

type AnySchema = z.ZodType;

interface Def {
  readonly type: string;
  readonly innerType?: AnySchema;
  readonly shape?: Record<string, AnySchema>;
  readonly options?: readonly AnySchema[];
  readonly in?: AnySchema;
  readonly out?: AnySchema;
  readonly element?: AnySchema;
  readonly entries?: Record<string, string>;
  readonly values?: readonly unknown[];
}

function defOf(schema: AnySchema): Def {
  return (schema as unknown as { _zod: { def: Def } })._zod.def;
}

function metaOf(schema: AnySchema): Record<string, unknown> | undefined {
  return z.globalRegistry.get(schema) as Record<string, unknown> | undefined;
}

function leafKind(schema: AnySchema): { kind: SettingKind; values?: string[] } {
  const def = defOf(schema);
  switch (def.type) {
    case 'optional':
    case 'nullable':
    case 'default':
    case 'prefault':
      return leafKind(def.innerType!);
    case 'pipe':
      return leafKind(defOf(def.out!).type === 'transform' ? def.in! : def.out!);
    case 'number':
    case 'int':
      return { kind: 'number' };
    case 'boolean':
      return { kind: 'boolean' };
    case 'array':
      return { kind: 'list' };
    case 'enum':
      return { kind: 'string', values: Object.values(def.entries ?? {}) };
    case 'literal':
      return { kind: 'string', values: (def.values ?? []).map(String) };
    default:
      return { kind: 'string' };
  }
}

function walk(schema: AnySchema, segments: string[], meta: Record<string, unknown>, out: Map<string, SettingInfo>): void {
  const m = { ...metaOf(schema), ...meta };
  const def = defOf(schema);
  switch (def.type) {
    case 'optional':
    case 'nullable':
    case 'default':
    case 'prefault':
      walk(def.innerType!, segments, m, out);
      return;
    case 'object':
      for (const [k, v] of Object.entries(def.shape!)) walk(v, [...segments, k], {}, out);
      return;
    case 'union':
      // objectStore: the settings of every kind, merged by path.
      for (const o of def.options!) walk(o, segments, m, out);
      return;
    default: {
      const path = segments.join('.');
      const { kind, values } = leafKind(schema);
      const prev = out.get(path);
      const allValues = values === undefined ? undefined : [...new Set([...(prev?.values ?? []), ...values])];
      const unit = m['unit'] === 'bytes' || m['unit'] === 'ms' ? m['unit'] : undefined;
      const doc = typeof m['doc'] === 'string' ? m['doc'] : prev?.meta?.doc;
      const hbase = typeof m['hbase'] === 'string' ? m['hbase'] : prev?.meta?.hbase;
      out.set(path, {
        path,
        segments,
        env: envName(segments),
        kind,
        ...(unit !== undefined ? { unit } : {}),
        ...(allValues !== undefined ? { values: allValues } : {}),
        ...(doc !== undefined ? { meta: { doc, ...(hbase !== undefined ? { hbase } : {}) } } : {}),
      });
    }
  }
}

let table: ReadonlyMap<string, SettingInfo> | undefined;

/** Every setting, by dotted path, in schema order. */
export function settings(): ReadonlyMap<string, SettingInfo> {
  if (table === undefined) {
    const out = new Map<string, SettingInfo>();
    walk(configSchema, [], {}, out);
    table = out;
  }
  return table;
}

let byEnv: ReadonlyMap<string, SettingInfo> | undefined;

/** The setting an environment variable names, if any. */
export function settingForEnv(name: string): SettingInfo | undefined {
  byEnv ??= new Map([...settings().values()].map((s) => [s.env, s]));
  return byEnv.get(name);
}

/** Top-level sections, e.g. `regionserver`. */
export function sections(): string[] {
  return Object.keys(configSchema.shape);
}

/** True for settings whose values must not be printed (credentials). */
export function isSecret(path: string): boolean {
  return /(secret|password|token)/i.test(path);
}

/**
 * Turns a string from the environment or `--set` into the setting's type: numbers, booleans
 * (true/false/yes/no/on/off/1/0) and comma-separated lists. A string that does not convert is
 * returned as it is, for the schema to reject or to parse (sizes like `128m`).
 */
export function coerce(info: SettingInfo, raw: string): unknown {
  const v = raw.trim();
  switch (info.kind) {
    case 'number':
      return /^[-+]?\d+(\.\d+)?([eE][-+]?\d+)?$/.test(v) ? Number(v) : v;
    case 'boolean': {
      const l = v.toLowerCase();
      if (['true', 'yes', 'on', '1'].includes(l)) return true;
      if (['false', 'no', 'off', '0'].includes(l)) return false;
      return v;
    }
    case 'list':
      return v
        .split(',')
        .map((x) => x.trim())
        .filter((x) => x.length > 0);
    case 'string':
      return v;
  }
}
