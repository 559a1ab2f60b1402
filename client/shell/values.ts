// Reading command arguments (parser.ts Values) the way HBase's shell commands read their Ruby
// arguments: strings are bytes, numbers become text where HBase calls to_s (row keys, values),
// constants (NAME, FOREVER) are their own names, hash keys are matched by name.
//
// Every helper throws InvalidError (TSB_INVALID_ARGUMENT) naming the argument and its position.

import { InvalidError } from '../../common/errors.js';
import type { HashEntry, Value } from './parser.js';

export type HashValue = Extract<Value, { kind: 'hash' }>;

/** An argument error at `v`'s position (HBase: ArgumentError). */
export function argError(message: string, v?: Value): InvalidError {
  return new InvalidError(message, { details: v === undefined ? undefined : { line: v.pos.line, column: v.pos.column } });
}

/** Ruby-ish rendering of a value for messages. */
export function inspect(v: Value): string {
  switch (v.kind) {
    case 'string':
      return JSON.stringify(v.bytes.toString('utf8'));
    case 'int':
      return v.value.toString();
    case 'float':
      return String(v.value);
    case 'bool':
      return String(v.value);
    case 'nil':
      return 'nil';
    case 'const':
      return v.name;
    case 'array':
      return '[' + v.items.map(inspect).join(', ') + ']';
    case 'hash':
      return '{' + v.entries.map((e) => `${inspect(e.key)}=>${inspect(e.value)}`).join(', ') + '}';
  }
}

/** Bytes of a string argument; numbers, booleans and constants by their text (Ruby to_s). */
export function bytesOf(v: Value, what: string): Buffer {
  switch (v.kind) {
    case 'string':
      return v.bytes;
    case 'int':
      return Buffer.from(v.value.toString(), 'utf8');
    case 'float':
      return Buffer.from(String(v.value), 'utf8');
    case 'bool':
      return Buffer.from(String(v.value), 'utf8');
    case 'const':
      return Buffer.from(v.name, 'utf8');
    default:
      throw argError(`${what} must be a string, got ${inspect(v)}`, v);
  }
}

/** A string argument as text (UTF-8). */
export function textOf(v: Value, what: string): string {
  if (v.kind !== 'string' && v.kind !== 'const') throw argError(`${what} must be a string, got ${inspect(v)}`, v);
  return v.kind === 'string' ? v.bytes.toString('utf8') : v.name;
}

/** An integer argument (a quoted integer is accepted too, as HBase's to_i does for some options). */
export function intOf(v: Value, what: string): bigint {
  if (v.kind === 'int') return v.value;
  if (v.kind === 'float' && Number.isInteger(v.value)) return BigInt(v.value);
  if (v.kind === 'string' && /^-?\d+$/.test(v.bytes.toString('latin1'))) return BigInt(v.bytes.toString('latin1'));
  throw argError(`${what} must be an integer, got ${inspect(v)}`, v);
}

/** An integer argument within [min, max] as a number. */
export function numberOf(v: Value, what: string, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  const n = intOf(v, what);
  if (n < BigInt(min) || n > BigInt(max)) throw argError(`${what} must be between ${min} and ${max}, got ${n}`, v);
  return Number(n);
}

/** A timestamp in milliseconds: 0 .. 2^63-1. */
export function timestampOf(v: Value, what: string): bigint {
  const n = intOf(v, what);
  if (n < 0n || n > 0x7fffffffffffffffn) throw argError(`${what} must be between 0 and 2^63-1, got ${n}`, v);
  return n;
}

export function boolOf(v: Value, what: string): boolean {
  if (v.kind === 'bool') return v.value;
  if (v.kind === 'string' || v.kind === 'const') {
    const t = textOf(v, what).toLowerCase();
    if (t === 'true') return true;
    if (t === 'false') return false;
  }
  throw argError(`${what} must be true or false, got ${inspect(v)}`, v);
}

/** The name of a hash key (a constant or a string), or undefined for other kinds. */
export function keyName(v: Value): string | undefined {
  if (v.kind === 'const') return v.name;
  if (v.kind === 'string') return v.bytes.toString('utf8');
  return undefined;
}

export function isHash(v: Value | undefined): v is HashValue {
  return v !== undefined && v.kind === 'hash';
}

/**
 * Reads a hash argument by key name, remembering which keys were read so the rest can be
 * reported (`An argument ignored (unknown or overridden): KEY`, as HBase says).
 */
export class HashArgs {
  private readonly used = new Set<HashEntry>();

  constructor(readonly hash: HashValue) {}

  static empty(): HashArgs {
    return new HashArgs({ kind: 'hash', entries: [], pos: { offset: 0, line: 1, column: 1 } });
  }

  has(name: string): boolean {
    return this.hash.entries.some((e) => keyName(e.key) === name);
  }

  /** The value of the last entry named `name` (later keys override earlier ones, as in Ruby). */
  get(name: string): Value | undefined {
    let found: HashEntry | undefined;
    for (const e of this.hash.entries) {
      if (keyName(e.key) === name) {
        this.used.add(e);
        found = e;
      }
    }
    return found?.value;
  }

  /** The first of several synonyms present (COLUMN / COLUMNS). */
  getAny(...names: string[]): Value | undefined {
    let v: Value | undefined;
    for (const n of names) v ??= this.get(n);
    return v;
  }

  /** Keys not read so far. */
  unused(): string[] {
    return this.hash.entries.filter((e) => !this.used.has(e)).map((e) => keyName(e.key) ?? inspect(e.key));
  }

  entries(): readonly HashEntry[] {
    return this.hash.entries;
  }
}

/** A list argument: an array, or one value standing for a list of one. */
export function listOf(v: Value): readonly Value[] {
  return v.kind === 'array' ? v.items : [v];
}
