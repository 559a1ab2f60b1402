// Sizes and durations in configuration: a plain number (bytes / milliseconds) or a string with a
// unit, so files and environment variables can say `128m` or `60s`.
//
//   sizes      123, "123", "64k", "128m", "10g", "1t", "1.5g", "64KiB", "128MB"
//              units are binary: k = 1024, m = 1024², g = 1024³, t = 1024⁴ (case-insensitive;
//              a trailing "b", "ib" or "iB" is accepted and changes nothing)
//   durations  500, "500", "500ms", "60s", "5m", "1h", "1d", "1.5s"
//              a plain number is milliseconds

import { z } from 'zod';

const SIZE_UNITS: Record<string, number> = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 };
const DURATION_UNITS: Record<string, number> = { '': 1, ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Bytes of a size string or number; undefined if it is not one (or not a whole number of bytes). */
export function parseBytes(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isSafeInteger(v) ? v : undefined;
  if (typeof v !== 'string') return undefined;
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)(?:i?b)?\s*$/i.exec(v);
  if (m === null) return undefined;
  const n = Number(m[1]) * SIZE_UNITS[m[2]!.toLowerCase()]!;
  return Number.isSafeInteger(n) ? n : undefined;
}

/** Milliseconds of a duration string or number; undefined if it is not one. */
export function parseDuration(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
  if (typeof v !== 'string') return undefined;
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$/i.exec(v);
  if (m === null) return undefined;
  const n = Number(m[1]) * DURATION_UNITS[(m[2] ?? '').toLowerCase()]!;
  return Number.isFinite(n) ? Math.round(n) : undefined;
}

/** `134217728` → `128m`; sizes that are not a whole number of a unit stay in bytes. */
export function formatBytes(n: number): string {
  for (const [unit, mult] of [
    ['t', 1024 ** 4],
    ['g', 1024 ** 3],
    ['m', 1024 ** 2],
    ['k', 1024],
  ] as const) {
    if (n >= mult && n % mult === 0) return `${n / mult}${unit}`;
  }
  return String(n);
}

/** `60000` → `60s`; durations that are not a whole number of a unit stay in ms. */
export function formatDuration(ms: number): string {
  for (const [unit, mult] of [
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1000],
  ] as const) {
    if (ms >= mult && ms % mult === 0) return `${ms / mult}${unit}`;
  }
  return `${ms}ms`;
}

/** A size setting: bytes as a number or a string with a unit; `min` bytes at least. */
export function zBytes(min = 0, max = Number.MAX_SAFE_INTEGER) {
  return z
    .union([z.number(), z.string()])
    .transform((v, ctx) => {
      const n = parseBytes(v);
      if (n === undefined) {
        ctx.addIssue({ code: 'custom', message: 'expected a size in bytes, as a whole number or with a unit k, m, g or t (e.g. 64k, 128m, 10g)' });
        return z.NEVER;
      }
      return n;
    })
    .pipe(z.number().int().min(min).max(max))
    .meta({ unit: 'bytes' });
}

/** A duration setting: milliseconds as a number or a string with a unit ms, s, m, h or d. */
export function zDuration(min = 0, max = 10 * 365 * 86_400_000) {
  return z
    .union([z.number(), z.string()])
    .transform((v, ctx) => {
      const n = parseDuration(v);
      if (n === undefined) {
        ctx.addIssue({ code: 'custom', message: 'expected a duration in milliseconds, or with a unit ms, s, m, h or d (e.g. 500ms, 60s, 5m)' });
        return z.NEVER;
      }
      return n;
    })
    .pipe(z.number().int().min(min).max(max))
    .meta({ unit: 'ms' });
}
