// A bounded latency record for the load generator: keeps the last samples in a ring and answers
// percentiles over them, so a run of hours holds constant memory.

/**
 * Latency samples in milliseconds, the most recent `capacity` of them.
 * @example const r = new LatencyRing(1000); r.add(12); r.percentile(0.99) // 12
 */
export class LatencyRing {
  private readonly samples: Float64Array;
  private next = 0;
  private count = 0;
  /** Samples ever added (not only those kept). */
  total = 0;

  constructor(capacity = 100_000) {
    this.samples = new Float64Array(capacity);
  }

  add(ms: number): void {
    this.samples[this.next] = ms;
    this.next = (this.next + 1) % this.samples.length;
    this.count = Math.min(this.count + 1, this.samples.length);
    this.total++;
  }

  /** The q-quantile (0–1) of the kept samples by the nearest-rank rule; null when empty. */
  percentile(q: number): number | null {
    if (this.count === 0) return null;
    const sorted = Float64Array.from(this.samples.subarray(0, this.count)).sort();
    const rank = Math.min(this.count - 1, Math.max(0, Math.ceil(q * this.count) - 1));
    return sorted[rank]!;
  }

  /** p50, p95, p99 and max, rounded to 0.1 ms. */
  summary(): { p50: number | null; p95: number | null; p99: number | null; max: number | null } {
    const r = (v: number | null) => (v === null ? null : Math.round(v * 10) / 10);
    return { p50: r(this.percentile(0.5)), p95: r(this.percentile(0.95)), p99: r(this.percentile(0.99)), max: r(this.percentile(1)) };
  }
}
