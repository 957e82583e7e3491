// Tests for FedNova: hand-computed normalised averages, refused reports, and the objective
// inconsistency it removes (Wang et al. 2020, §3) on a two-client quadratic.
import { describe, expect, it } from 'vitest';
import { createStrategy } from './createStrategy.ts';
import { FedNovaAccumulator } from './FedNovaAccumulator.ts';
import type { Strategy } from './Strategy.ts';

describe('FedNovaAccumulator', () => {
  it('divides each update by its steps and scales by τ_eff = Σ p_i τ_i', () => {
    // Arrange: p = (1/4, 3/4), τ = (2, 6); Δ/τ = (3, −1) and (1, 1)
    const acc = new FedNovaAccumulator(2);
    acc.add(Float32Array.of(6, -2), 1, 2);
    acc.add(Float32Array.of(6, 6), 3, 6);
    // Act
    const out = acc.mean();
    // Assert: τ_eff = 2/4 + 18/4 = 5; d = (3/4 + 3/4, −1/4 + 3/4) = (1.5, 0.5)
    expect(acc.effectiveSteps).toBe(5);
    expect(Array.from(out)).toEqual([7.5, 2.5]);
  });

  it('equals the example-weighted mean when every client did the same steps', () => {
    const acc = new FedNovaAccumulator(1);
    acc.add(Float32Array.of(10), 9, 4);
    acc.add(Float32Array.of(0), 1, 4);
    expect(acc.mean()[0]).toBeCloseTo(9, 6);
  });

  it('refuses an update without steps, or with zero steps, and stays as it was', () => {
    const acc = new FedNovaAccumulator(1);
    acc.add(Float32Array.of(2), 1, 2);
    expect(() => acc.add(Float32Array.of(5), 1, undefined)).toThrow(/local steps/);
    expect(() => acc.add(Float32Array.of(5), 1, 0)).toThrow(/local steps/);
    expect(acc.count).toBe(1);
    expect(acc.mean()[0]).toBe(2);
  });
});

/**
 * Two clients with f_a(x) = ½(x − 0)² and f_b(x) = ½(x − 1)², equal data; the global optimum of
 * their mean is 0.5. Client a does 1 step of gradient descent per round, client b 10.
 */
function runQuadratic(strategy: Strategy, rounds: number): number {
  const lr = 0.05;
  const clients = [{ id: 'a', optimum: 0, steps: 1 }, { id: 'b', optimum: 1, steps: 10 }];
  let x = 0.5;
  for (let r = 1; r <= rounds; r++) {
    const aggregation = strategy.beginAggregation(r, Float32Array.of(x));
    for (const c of clients) {
      let local = x;
      for (let s = 0; s < c.steps; s++) local -= lr * (local - c.optimum);
      aggregation.add({ clientId: c.id, numExamples: 100, update: Float32Array.of(local - x), localSteps: c.steps });
    }
    x = aggregation.finish([])![0]!;
  }
  return x;
}

describe('fednova strategy', () => {
  it('stays at the global optimum where FedAvg drifts toward the many-step client', () => {
    // Act
    const fedavg = runQuadratic(createStrategy({ name: 'fedavg' }), 300);
    const fednova = runQuadratic(createStrategy({ name: 'fednova' }), 300);
    // Assert: FedAvg's fixed point is (0·c_a + 1·c_b)/(c_a + c_b) with c = 1 − 0.95^τ, ≈ 0.89;
    // FedNova's weighs c/τ instead, ≈ 0.5 (0.05 vs 0.04013 → 0.445)
    expect(fedavg).toBeGreaterThan(0.85);
    expect(Math.abs(fednova - 0.5)).toBeLessThan(0.06);
    expect(Math.abs(fednova - 0.5)).toBeLessThan(Math.abs(fedavg - 0.5) / 5);
  });

  it('keeps the model at a round whose only report carries no steps, as a refused report', () => {
    const aggregation = createStrategy({ name: 'fednova' }).beginAggregation(1, Float32Array.of(1));
    expect(() => aggregation.add({ clientId: 'c', numExamples: 5, update: Float32Array.of(1) })).toThrow(/local steps/);
    expect(aggregation.finish([])).toBeNull();
  });
});
