// A latency histogram kept in plain fields and turned into Prometheus samples only when the
// registry is scraped. prom-client's own Histogram hashes its labels on every observe(); on
// per-request and per-commit paths a few array bumps are cheaper. Used for the region server's
// request latencies and WAL sync times (regionserver/server/server-metrics.ts).

/** Upper bounds (seconds) of the latency buckets: 100 µs .. 10 s. */
export const LATENCY_BUCKETS: readonly number[] = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** One sample of a metric as prom-client's custom collectors return it. */
export interface MetricSample {
  readonly value: number;
  readonly labels: Record<string, string | number>;
  readonly metricName?: string;
}

export class PlainHistogram {
  /** Observations per bucket of `bounds` (not cumulative; those above the last bound only in `count`). */
  readonly buckets: Float64Array;
  count = 0;
  sumSeconds = 0;

  constructor(readonly bounds: readonly number[] = LATENCY_BUCKETS) {
    this.buckets = new Float64Array(bounds.length);
  }

  observe(seconds: number): void {
    this.count++;
    this.sumSeconds += seconds;
    const bounds = this.bounds;
    for (let i = 0; i < bounds.length; i++) {
      if (seconds <= bounds[i]!) {
        this.buckets[i]!++;
        return;
      }
    }
  }

  /**
   * The Prometheus samples of this histogram as metric `name`: cumulative `_bucket`s (with
   * `+Inf`), `_sum` and `_count`, each with `labels`.
   */
  samples(name: string, labels: Record<string, string | number> = {}): MetricSample[] {
    const out: MetricSample[] = [];
    let cumulative = 0;
    this.bounds.forEach((le, i) => {
      cumulative += this.buckets[i]!;
      out.push({ value: cumulative, labels: { le, ...labels }, metricName: `${name}_bucket` });
    });
    out.push({ value: this.count, labels: { le: '+Inf', ...labels }, metricName: `${name}_bucket` });
    out.push({ value: this.sumSeconds, labels, metricName: `${name}_sum` });
    out.push({ value: this.count, labels, metricName: `${name}_count` });
    return out;
  }
}
