import { describe, expect, it } from 'vitest';
import { createRng, createStrategy } from '@flotilla/core';
import { DpFedAvgStrategy, hasPrivacyAccounting } from './DpFedAvgStrategy.ts';
import { adaptiveClippingConfig } from './adaptiveClipping.ts';
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

describe('DpFedAvgStrategy with adaptive clipping (Andrew et al. 2021)', () => {
  const adaptive = (noiseMultiplier: number, options: { targetQuantile?: number; countNoiseStd?: number; clipNorm?: number }) =>
    new DpFedAvgStrategy(createStrategy({ name: 'fedavg', fractionFit: 1, minFitClients: 1, minAvailableClients: 1 }), {
      clipNorm: options.clipNorm ?? 0.1, noiseMultiplier, delta: 1e-5, populationSize: 20,
      adaptiveClipping: adaptiveClippingConfig({ expectedClientsPerRound: 20, ...options }),
    });

  /** Runs `rounds` rounds of 20 clients whose update norms are 1.05, 1.15, …, 2.95 (uniform on [1, 3]). */
  const run = (strategy: DpFedAvgStrategy, rounds: number): number[] => {
    const norms: number[] = [];
    for (let round = 1; round <= rounds; round++) {
      strategy.configureFit(round, clients(20), createRng(round));
      const aggregation = strategy.beginAggregation(round, new Float32Array(2));
      for (let i = 0; i < 20; i++) aggregation.add({ clientId: `c${i}`, numExamples: 1, update: new Float32Array([1.05 + 0.1 * i, 0]) });
      aggregation.finish([]);
      norms.push(strategy.clipNorm);
    }
    return norms;
  };
  const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;

  it('moves the clip norm from far below to the target quantile of the update norms', () => {
    const median = run(adaptive(0, { targetQuantile: 0.5, countNoiseStd: 1 }), 150);
    expect(median[0]).toBeGreaterThan(0.1);
    // From 0.1 the geometric update needs ~30 rounds to reach [1, 3]; then it hovers around the quantile.
    expect(mean(median.slice(-50))).toBeGreaterThan(1.8);
    expect(mean(median.slice(-50))).toBeLessThan(2.2);
    const high = run(adaptive(0, { targetQuantile: 0.9, countNoiseStd: 1, clipNorm: 10 }), 150);
    // Every norm fits under S = 10, so each round shrinks S by e^(−0.2·(b̃ − 0.9)) ≈ e^(−0.02); one round's
    // count noise (σ_b = 1 of 20) can undo that about 2 % of the time, ten rounds' (e^(−0.2) ± 0.03) practically never.
    expect(high[9]).toBeLessThan(9.5);
    expect(mean(high.slice(-50))).toBeGreaterThan(2.6);
    expect(mean(high.slice(-50))).toBeLessThan(3.0);
  });

  it('noises the update sum with z_Δ = (z⁻² − (2σ_b)⁻²)^(−1/2) and spends the ε of z', () => {
    const strategy = adaptive(1, { countNoiseStd: 1, clipNorm: 1 });
    const zDelta = (1 - 0.25) ** -0.5;
    expect(strategy.updateNoiseMultiplier).toBeCloseTo(zDelta, 9);
    strategy.configureFit(1, clients(20), createRng(1));
    const aggregation = strategy.beginAggregation(1, new Float32Array(200_000));
    aggregation.add({ clientId: 'a', numExamples: 1, update: new Float32Array(200_000) });
    const next = aggregation.finish([])!;
    const std = Math.sqrt(next.reduce((s, v) => s + v * v, 0) / next.length);
    // Expected z_Δ·S/m = 1.1547/20 ≈ 0.0577; the estimate's relative error is ~0.3 %.
    expect(std).toBeGreaterThan((zDelta / 20) * 0.985);
    expect(std).toBeLessThan((zDelta / 20) * 1.015);
    const reference = new RdpAccountant([{ noiseMultiplier: 1, sampleRate: 1, steps: 1 }]);
    expect(strategy.epsilonSpent()).toBeCloseTo(reference.getEpsilon(1e-5), 6);
  });

  it('exports the clip norm with its state so that a restart resumes it', () => {
    const strategy = adaptive(0, { countNoiseStd: 1 });
    run(strategy, 5);
    expect(strategy.clipNorm).toBeGreaterThan(0.1);
    const restored = adaptive(0, { countNoiseStd: 1 });
    restored.importState(strategy.exportState());
    expect(restored.clipNorm).toBeCloseTo(strategy.clipNorm, 6);
  });

  it('refuses a count noise σ_b that leaves no budget for the update sum', () => {
    expect(() => adaptive(1, { countNoiseStd: 0.5 })).toThrow(/countNoiseStd/);
  });
});
