// Small statistics helpers shared by the benchmarks: percentiles, medians, ranges, and the
// alternating A/B round runner that PERFORMANCE.md asks for (baseline and tsbase in the same
// run, interleaved, medians compared).

/** The p-th percentile (0..100) of `values` by nearest rank. REQUIRES: values non-empty. */
export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

export function median(values: readonly number[]): number {
  return percentile(values, 50);
}

/** `median (min–max)` with `digits` decimals. */
export function summary(values: readonly number[], digits = 1): string {
  return `${median(values).toFixed(digits)} (${Math.min(...values).toFixed(digits)}–${Math.max(...values).toFixed(digits)})`;
}

/**
 * Runs `rounds` rounds of A then B (alternating, so drift on a noisy machine hits both sides),
 * collecting each side's figure per round.
 */
export async function alternate(rounds: number, a: () => Promise<number>, b: () => Promise<number>): Promise<{ a: number[]; b: number[] }> {
  const out = { a: [] as number[], b: [] as number[] };
  for (let i = 0; i < rounds; i++) {
    out.a.push(await a());
    out.b.push(await b());
  }
  return out;
}

/** Formats a number with `digits` significant decimals for RESULT lines. */
export function fmt(n: number, digits = 2): string {
  return Number.isFinite(n) ? n.toFixed(digits) : String(n);
}
