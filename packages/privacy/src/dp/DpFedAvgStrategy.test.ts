import { describe, expect, it } from 'vitest';
import { createRng, createStrategy } from '@flotilla/core';
import { DpFedAvgStrategy, hasPrivacyAccounting } from './DpFedAvgStrategy.ts';
import { RdpAccountant } from './RdpAccountant.ts';

const clients = (n: number) => Array.from({ length: n }, (_, i) => ({ id: `c${i}` }));
const dp = (noiseMultiplier: number, populationSize = 10) =>
  new DpFedAvgStrategy(createStrategy({ name: 'fedavg', fractionFit: 0.4, minFitClients: 1, minAvailableClients: 1 }), {
    clipNorm: 1, noiseMultiplier, delta: 1e-5, populationSize,
  });

describe('DpFedAvgStrategy', () => {
  it('clips each update to S and divides the sum by the planned number of clients, not the number that reported', () => {
    const strategy = dp(0);
    const plan = strategy.configureFit(1, clients(10), createRng(1))!;
    expect(plan.goal).toBe(4);
    const aggregation = strategy.beginAggregation(1, new Float32Array([1, 1]));
    aggregation.add({ clientId: 'a', numExamples: 600, update: new Float32Array([3, 4]) }); // norm 5 → clipped to (0.6, 0.8)
    aggregation.add({ clientId: 'b', numExamples: 5, update: new Float32Array([0.2, 0]) }); // within S: kept, and weighted like a
    const next = aggregation.finish([])!;
    expect(next[0]).toBeCloseTo(1 + (0.6 + 0.2) / 4, 6);
    expect(next[1]).toBeCloseTo(1 + 0.8 / 4, 6);
  });

  it('adds Gaussian noise of standard deviation z·S / m to the mean update', () => {
    const strategy = dp(2);
    strategy.configureFit(1, clients(10), createRng(2));
    const aggregation = strategy.beginAggregation(1, new Float32Array(200_000));
    aggregation.add({ clientId: 'a', numExamples: 1, update: new Float32Array(200_000) });
    const next = aggregation.finish([])!;
    const variance = next.reduce((s, v) => s + v * v, 0) / next.length;
    // Expected std 2·1/4 = 0.5; with 200k samples the estimate's relative error is ~0.3 %.
    expect(Math.sqrt(variance)).toBeGreaterThan(0.49);
    expect(Math.sqrt(variance)).toBeLessThan(0.51);
  });

  it('spends ε as the RDP accountant says for q = m / N, and keeps it across export and import', () => {
    const strategy = dp(1.1, 100);
    const reference = new RdpAccountant();
    for (let round = 1; round <= 5; round++) {
      strategy.configureFit(round, clients(100), createRng(round));
      const aggregation = strategy.beginAggregation(round, new Float32Array(3));
      aggregation.add({ clientId: 'x', numExamples: 1, update: new Float32Array([0.1, 0.1, 0.1]) });
      aggregation.finish([]);
      reference.step(1.1, 40 / 100);
    }
    expect(hasPrivacyAccounting(strategy)).toBe(true);
    expect(strategy.epsilonSpent()).toBeCloseTo(reference.getEpsilon(1e-5), 4);
    const preview = strategy.epsilonAfterNextRound(40);
    expect(preview).toBeGreaterThan(strategy.epsilonSpent());

    const restored = dp(1.1, 100);
    restored.importState(strategy.exportState());
    expect(restored.epsilonSpent()).toBeCloseTo(strategy.epsilonSpent(), 4);
  });

  it('keeps the model when nobody reported and spends no privacy for it', () => {
    const strategy = dp(1);
    strategy.configureFit(1, clients(10), createRng(3));
    expect(strategy.beginAggregation(1, new Float32Array(2)).finish([])).toBeNull();
    expect(strategy.epsilonSpent()).toBe(0);
  });
});
