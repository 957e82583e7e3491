// Tests for the load generator's latency percentiles.
import { describe, expect, it } from 'vitest';
import { LatencyRing } from './percentiles.ts';

describe('LatencyRing', () => {
  it('answers nearest-rank percentiles over the samples it keeps', () => {
    const ring = new LatencyRing(1000);
    for (let ms = 1; ms <= 100; ms++) ring.add(ms);
    expect(ring.summary()).toEqual({ p50: 50, p95: 95, p99: 99, max: 100 });
    expect(ring.total).toBe(100);
  });

  it('keeps only the most recent samples once full, and says nothing when empty', () => {
    const ring = new LatencyRing(10);
    expect(ring.percentile(0.5)).toBeNull();
    for (let ms = 1; ms <= 1000; ms++) ring.add(ms);
    expect(ring.percentile(0)).toBe(991);
    expect(ring.percentile(1)).toBe(1000);
    expect(ring.total).toBe(1000);
  });
});
