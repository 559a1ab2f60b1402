// Loads the configuration of a tsbase process: defaults < YAML/JSON file < environment <
// command line, validated by the one schema (config-schema.ts). An invalid or unknown setting
// is an InvalidError TSB_INVALID_CONFIG naming the setting, the value, where it came from and
// why it is wrong, so the process stops at start instead of misbehaving later.
//
// Sources:
//   file       `--config <path>` (or env TSB_CONFIG): YAML (JSON is YAML) with sections as maps:
//                regionserver:
//                  flushSize: 128m
//   env        TSB_<SECTION>_<KEY> (config-paths.ts), e.g. TSB_REGIONSERVER_FLUSH_SIZE=256m.
//              Variables under a section prefix that name no setting are errors; other TSB_*
//              variables (TSB_SEED, TSB_TEST_*) are not settings and are ignored. Empty values
//              count as unset.
//   overrides  `--set section.key=value` strings, and/or an object of dotted paths to values
//              (the CLI's named flags, e.g. { 'standalone.dataDir': opts.dataDir }).
// Merging is per setting; lists are replaced, not appended; an objectStore whose `kind`
// changes between sources is replaced as a whole (an s3 store does not inherit an fs root).

import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { ErrorCodes, InvalidError } from '../errors.js';
import { coerce, ENV_PREFIX, isSecret, sections, settingForEnv, settings, upperSnake } from './config-paths.js';
import { configSchema } from './config-schema.js';
import type { TsbaseConfig } from './config-schema.js';

export interface LoadConfigOptions {
  /** Path of a YAML or JSON configuration file. Default: env TSB_CONFIG, else none. */
  readonly file?: string;
  /** Environment to read TSB_* settings from. Default: process.env. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /**
   * Command-line settings: `path=value` strings (`--set`), or an object of dotted paths to
   * values (a path may also name a section or group with an object value). Later ones win.
   */
  readonly overrides?: readonly string[] | Readonly<Record<string, unknown>>;
}

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !Buffer.isBuffer(v);
}

/** The error for a bad setting. */
export function configError(message: string, details: Record<string, string | undefined>): InvalidError {
  return new InvalidError(message, { code: ErrorCodes.INVALID_CONFIG, details });
}

function show(path: string, v: unknown): string {
  if (isSecret(path) && v !== undefined) return '<redacted>';
  const s = typeof v === 'string' ? v : JSON.stringify(v);
  return s === undefined ? 'undefined' : s.length > 200 ? s.slice(0, 200) + '…' : s;
}

/** Collects the values of the sources and who set each setting. */
class Merger {
  readonly root: Obj = {};
  /** Dotted path → source description, for error messages. */
  readonly sources = new Map<string, string>();
  /** Dotted path → which source (file 1, env 2, command line 3) set it last. */
  private readonly layers = new Map<string, number>();
  /** The source being merged now. */
  layer = 0;

  /** Merges a whole tree (the file): every leaf is recorded as coming from `source`. */
  mergeTree(tree: Obj, source: string, prefix: string[] = [], target: Obj = this.root): void {
    for (const [k, v] of Object.entries(tree)) {
      const path = [...prefix, k];
      const dotted = path.join('.');
      if (isObj(v)) {
        let t = target[k];
        if (!isObj(t) || (dotted === 'objectStore' && t['kind'] !== undefined && v['kind'] !== undefined && t['kind'] !== v['kind'])) {
          t = {};
          target[k] = t;
        }
        this.sources.set(dotted, source);
        this.layers.set(dotted, this.layer);
        this.mergeTree(v, source, path, t as Obj);
      } else {
        const info = settings().get(dotted);
        target[k] = typeof v === 'string' && info !== undefined && info.kind !== 'string' ? coerce(info, v) : v;
        this.sources.set(dotted, source);
        this.layers.set(dotted, this.layer);
      }
    }
  }

  /** Sets one known setting. */
  set(segments: readonly string[], value: unknown, source: string): void {
    let t = this.root;
    for (let i = 0; i < segments.length - 1; i++) {
      const k = segments[i]!;
      if (!isObj(t[k])) t[k] = {};
      t = t[k] as Obj;
    }
    const last = segments[segments.length - 1]!;
    if (segments.length === 2 && segments[0] === 'objectStore' && last === 'kind' && t[last] !== undefined && t[last] !== value) {
      // A different objectStore kind replaces what lower sources said about the store.
      for (const k of Object.keys(t)) if (this.layers.get(`objectStore.${k}`) !== this.layer) delete t[k];
    }
    t[last] = value;
    this.sources.set(segments.join('.'), source);
    this.layers.set(segments.join('.'), this.layer);
  }

  /** The source of `path` or of its nearest ancestor. */
  sourceOf(path: string): string {
    for (let p = path; p.length > 0; p = p.includes('.') ? p.slice(0, p.lastIndexOf('.')) : '') {
      const s = this.sources.get(p);
      if (s !== undefined) return s;
    }
    return 'defaults';
  }
}

function readFile(file: string): Obj {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new InvalidError('cannot read the configuration file', {
      code: ErrorCodes.INVALID_CONFIG,
      cause: e,
      details: { file, reason: (e as NodeJS.ErrnoException).code ?? String(e) },
    });
  }
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (e) {
    throw configError('the configuration file is not valid yaml', { file, reason: e instanceof Error ? e.message.split('\n')[0] : String(e) });
  }
  if (doc === null || doc === undefined) return {};
  if (!isObj(doc)) throw configError('the configuration file must be a mapping of sections', { file });
  return doc;
}

function applyEnv(m: Merger, env: Readonly<Record<string, string | undefined>>): void {
  const sectionPrefixes = sections().map((s) => `${ENV_PREFIX}${upperSnake(s)}_`);
  for (const name of Object.keys(env).sort()) {
    const raw = env[name];
    if (!name.startsWith(ENV_PREFIX) || raw === undefined || raw === '') continue;
    const info = settingForEnv(name);
    if (info !== undefined) {
      m.set(info.segments, coerce(info, raw), `env ${name}`);
    } else if (sectionPrefixes.some((p) => name.startsWith(p))) {
      throw configError('unknown setting in the environment: no setting maps to this variable (see docs/configuration.md)', { variable: name });
    }
  }
}

function applyOverride(m: Merger, path: string, value: unknown, source: string): void {
  const info = settings().get(path);
  if (info === undefined && isObj(value) && [...settings().keys()].some((k) => k.startsWith(path + '.'))) {
    // A whole section or group given as an object (e.g. { objectStore: { kind: 's3', ... } }).
    const tree = path
      .split('.')
      .reverse()
      .reduce<Obj>((inner, seg) => ({ [seg]: inner }), value);
    m.mergeTree(tree, source);
    return;
  }
  if (info === undefined) {
    throw configError('unknown setting (see docs/configuration.md)', { setting: path, source });
  }
  m.set(info.segments, typeof value === 'string' ? coerce(info, value) : value, source);
}

function applyOverrides(m: Merger, overrides: LoadConfigOptions['overrides']): void {
  if (overrides === undefined) return;
  if (Array.isArray(overrides)) {
    for (const o of overrides as readonly string[]) {
      const eq = o.indexOf('=');
      if (eq <= 0) throw configError('a --set override must look like section.key=value', { override: o });
      applyOverride(m, o.slice(0, eq).trim(), o.slice(eq + 1), `--set ${o.slice(0, eq).trim()}`);
    }
  } else {
    for (const [path, value] of Object.entries(overrides)) {
      if (value !== undefined) applyOverride(m, path, value, `flag for ${path}`);
    }
  }
}

function formatIssues(issues: readonly z.core.$ZodIssue[], m: Merger): InvalidError {
  const described = issues.map((issue) => {
    const base = issue.path.map(String).join('.');
    if (issue.code === 'unrecognized_keys') {
      const paths = issue.keys.map((k) => (base === '' ? k : `${base}.${k}`));
      return { setting: paths.join(', '), text: `unknown setting ${paths.join(', ')} (from ${m.sourceOf(paths[0]!)})`, value: undefined as string | undefined, source: m.sourceOf(paths[0]!) };
    }
    const value = issue.path.reduce<unknown>((o, k) => (isObj(o) ? o[String(k)] : undefined), m.root);
    const reason = issue.message.charAt(0).toLowerCase() + issue.message.slice(1);
    const source = m.sourceOf(base);
    const shown = value === undefined ? undefined : show(base, value);
    return { setting: base, text: `${base || '(root)'}: ${reason}${shown === undefined ? '' : ` (value ${shown} from ${source})`}`, value: shown, source };
  });
  const first = described[0]!;
  return configError(`invalid configuration: ${described.map((d) => d.text).join('; ')}`, {
    setting: first.setting,
    value: first.value,
    source: first.source,
  });
}

/**
 * Reads, merges and validates the configuration. Synchronous (start-up only).
 * Throws InvalidError TSB_INVALID_CONFIG for an unreadable file, an unknown setting or an
 * invalid value; the message names the setting, its value (credentials redacted), its source
 * and the reason. The result is deeply frozen.
 */
export function loadConfig(opts: LoadConfigOptions = {}): TsbaseConfig {
  const env = opts.env ?? process.env;
  const m = new Merger();
  const file = opts.file ?? (env['TSB_CONFIG'] !== undefined && env['TSB_CONFIG'] !== '' ? env['TSB_CONFIG'] : undefined);
  m.layer = 1;
  if (file !== undefined) m.mergeTree(readFile(file), `file ${file}`);
  m.layer = 2;
  applyEnv(m, env);
  m.layer = 3;
  applyOverrides(m, opts.overrides);
  const r = configSchema.safeParse(m.root);
  if (!r.success) throw formatIssues(r.error.issues, m);
  return deepFreeze(r.data);
}

function deepFreeze<T>(v: T): T {
  if (typeof v === 'object' && v !== null && !Object.isFrozen(v)) {
    Object.freeze(v);
    for (const x of Object.values(v)) deepFreeze(x);
  }
  return v;
}

/** The configuration as printable text with credentials redacted (for start-up logs). */
export function redactConfig(cfg: TsbaseConfig): unknown {
  const walk = (v: unknown, path: string): unknown => {
    if (isObj(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x, path === '' ? k : `${path}.${k}`)]));
    return isSecret(path) && v !== undefined ? '<redacted>' : v;
  };
  return walk(cfg, '');
}
