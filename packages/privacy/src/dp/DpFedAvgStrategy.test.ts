import { describe, expect, it } from 'vitest';
import { createRng, createStrategy, hasPrivacyAccounting, type StrategyConfig } from '@flotilla/core';
import { DpFedAvgStrategy } from './DpFedAvgStrategy.ts';
import { adaptiveClippingConfig } from './adaptiveClipping.ts';
import { seededGaussianNoise } from './gaussian.ts';
import { RdpAccountant } from './RdpAccountant.ts';
import { isPrivacyError } from '../PrivacyError.ts';

const clients = (n: number) => Array.from({ length: n }, (_, i) => ({ id: `c${i}` }));
const dp = (noiseMultiplier: number, seed = 1) =>
  new DpFedAvgStrategy(createStrategy({ name: 'fedavg', fractionFit: 0.4, minFitClients: 1, minAvailableClients: 1 }), {
    clipNorm: 1, noiseMultiplier, delta: 1e-5, noise: seededGaussianNoise(seed),
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
    const strategy = dp(2, 4);
    strategy.configureFit(1, clients(10), createRng(2));
    const aggregation = strategy.beginAggregation(1, new Float32Array(200_000));
    aggregation.add({ clientId: 'a', numExamples: 1, update: new Float32Array(200_000) });
    const next = aggregation.finish([])!;
    const variance = next.reduce((s, v) => s + v * v, 0) / next.length;
    // Expected std 2·1/4 = 0.5; with 200k samples the estimate's relative error is ~0.3 %.
    expect(Math.sqrt(variance)).toBeGreaterThan(0.49);
    expect(Math.sqrt(variance)).toBeLessThan(0.51);
  });

  it('spends ε as the RDP accountant says for q = selected / eligible, and keeps it across export and import', () => {
    const strategy = dp(1.1);
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
    strategy.configureFit(6, clients(100), createRng(6));
    reference.step(1.1, 40 / 100);
    expect(strategy.epsilonAfterNextRound()).toBeCloseTo(reference.getEpsilon(1e-5), 4);

    const restored = dp(1.1);
    restored.importState(strategy.exportState());
    expect(restored.epsilonSpent()).toBeCloseTo(strategy.epsilonSpent(), 4);
  });

  it('draws its noise from the injected sampler: the same seed gives the same model, another seed another', () => {
    const once = (seed: number) => {
      const strategy = dp(1, seed);
      strategy.configureFit(1, clients(10), createRng(1));
      const aggregation = strategy.beginAggregation(1, new Float32Array(4));
      aggregation.add({ clientId: 'a', numExamples: 1, update: new Float32Array([0.1, 0.2, 0.3, 0.4]) });
      return aggregation.finish([])!;
    };
    expect(once(5)).toEqual(once(5));
    expect(once(5)).not.toEqual(once(6));
  });

  it('accounts each round at the rate its selection really had: over-selected of eligible, not goal of a configured population', () => {
    // 30 clients online (of, say, K = 100 configured), C = 0.1, over-selection 1.3: goal 3, 4 selected.
    const strategy = new DpFedAvgStrategy(createStrategy({ name: 'fedavg', fractionFit: 0.1, overSelection: 1.3, minFitClients: 1, minAvailableClients: 1 }), {
      clipNorm: 1, noiseMultiplier: 1, delta: 1e-5, noise: seededGaussianNoise(3),
    });
    const reference = new RdpAccountant();
    for (let round = 1; round <= 3; round++) {
      const plan = strategy.configureFit(round, clients(30), createRng(round))!;
      expect(plan).toMatchObject({ goal: 3 });
      expect(plan.clientIds).toHaveLength(4);
      expect(strategy.sampleRate).toBeCloseTo(4 / 30, 12);
      const aggregation = strategy.beginAggregation(round, new Float32Array(2));
      for (const id of plan.clientIds) aggregation.add({ clientId: id, numExamples: 1, update: new Float32Array([0.1, 0]) });
      aggregation.finish([]);
      reference.step(1, 4 / 30);
    }
    expect(strategy.epsilonSpent()).toBeCloseTo(reference.getEpsilon(1e-5), 9);
    expect(strategy.epsilonSpent()).toBeGreaterThan(new RdpAccountant([{ noiseMultiplier: 1, sampleRate: 3 / 100, steps: 3 }]).getEpsilon(1e-5) * 2);
  });

  it('keeps the model when nobody reported and spends no privacy for it', () => {
    const strategy = dp(1);
    strategy.configureFit(1, clients(10), createRng(3));
    expect(strategy.beginAggregation(1, new Float32Array(2)).finish([])).toBeNull();
    expect(strategy.epsilonSpent()).toBe(0);
  });

  it('accounts a buffered commit planned without configureFit at q = K / eligible and divides by K', () => {
    const strategy = dp(0);
    strategy.planCommit(5, 50);
    const aggregation = strategy.beginAggregation(1, new Float32Array(1));
    aggregation.add({ clientId: 'a', numExamples: 1, update: new Float32Array([0.5]) });
    expect(aggregation.finish([])![0]).toBeCloseTo(0.5 / 5, 6);
    const noised = dp(1.1);
    noised.planCommit(5, 50);
    noised.beginAggregation(1, new Float32Array(1)).add({ clientId: 'a', numExamples: 1, update: new Float32Array([0.5]) });
    const reference = new RdpAccountant();
    reference.step(1.1, 5 / 50);
    expect(noised.epsilonAfterNextRound()).toBeCloseTo(reference.getEpsilon(1e-5), 9);
  });

  it('refuses to plan a commit it cannot account', () => {
    const strategy = dp(1);
    expect(() => strategy.planCommit(0, 10)).toThrow(/cannot be accounted/);
    expect(() => strategy.planCommit(11, 10)).toThrow(/cannot be accounted/);
  });
});

describe('DpFedAvgStrategy around a server optimiser', () => {
  const everyone = { fractionFit: 1, minFitClients: 1, minAvailableClients: 1 } as const;
  const wrap = (config: StrategyConfig) =>
    new DpFedAvgStrategy(createStrategy({ ...everyone, ...config }), { clipNorm: 1, noiseMultiplier: 1, delta: 1e-5, noise: seededGaussianNoise(9) });
  const updates = [new Float32Array([0.3, -0.1, 0.2]), new Float32Array([3, 4, 0]), new Float32Array([-0.2, 0.1, 0.05])];
  const roundOf = (strategy: DpFedAvgStrategy, global: Float32Array, round: number) => {
    strategy.configureFit(round, clients(3), createRng(round));
    const aggregation = strategy.beginAggregation(round, global);
    updates.forEach((update, i) => aggregation.add({ clientId: `c${i}`, numExamples: 10 * (i + 1), update }));
    return aggregation.finish([])!;
  };

  it('DP-FedAdam applies FedAdam to the noised mean that DP-FedAvg would add as it is', () => {
    const global = new Float32Array([0.5, 0.5, 0.5]);
    const dpFedAvg = wrap({ name: 'fedavg' });
    const dpFedAdam = wrap({ name: 'fedadam', serverLearningRate: 0.1 });
    const fedAdam = createStrategy({ ...everyone, name: 'fedadam', serverLearningRate: 0.1 });
    let plain: Float32Array = global;
    let adam: Float32Array = global;
    let reference: Float32Array = global;
    for (let round = 1; round <= 3; round++) {
      // Same seed, same updates: both draw the same noise, so DP-FedAvg's step is the noised mean itself.
      const nextPlain = roundOf(dpFedAvg, plain, round);
      const noisedMean = nextPlain.map((x, i) => x - plain[i]!);
      adam = roundOf(dpFedAdam, adam, round);
      const aggregation = fedAdam.beginAggregation(round, reference);
      aggregation.add({ clientId: 'mean', numExamples: 1, update: Float32Array.from(noisedMean) });
      reference = aggregation.finish([])!;
      plain = nextPlain;
      for (let i = 0; i < 3; i++) expect(adam[i]).toBeCloseTo(reference[i]!, 5);
    }
    // FedAdam's normalised steps (≈ η per coordinate) are nothing like the raw noised means.
    const diff = Math.max(...adam.map((x, i) => Math.abs(x - plain[i]!)));
    expect(diff).toBeGreaterThan(0.05);
    expect(Object.keys(dpFedAdam.exportState())).toEqual(expect.arrayContaining(['m', 'v']));
  });

  it('keeps FedAvgM\'s momentum when the noised sum comes from secure aggregation', () => {
    const dpFedAvgM = wrap({ name: 'fedavgm', serverMomentum: 0.9 });
    dpFedAvgM.configureFit(1, clients(3), createRng(1));
    const first = dpFedAvgM.finishNoisedSum(new Float32Array(2), Float64Array.of(0.3, 0));
    expect(first[0]).toBeCloseTo(0.1, 6);
    dpFedAvgM.configureFit(2, clients(3), createRng(2));
    // v = 0.9·0.1 + 0.1 = 0.19: the second step is nearly twice the first, as momentum makes it.
    const second = dpFedAvgM.finishNoisedSum(first, Float64Array.of(0.3, 0));
    expect(second[0]! - first[0]!).toBeCloseTo(0.19, 6);
  });

  it('refuses the robust rules, which need every update', () => {
    for (const config of [{ name: 'krum', f: 0 }, { name: 'fedmedian' }, { name: 'fedtrimmedavg' }] as const) {
      let error: unknown;
      try {
        wrap(config);
      } catch (err) {
        error = err;
      }
      expect(isPrivacyError(error, 'DP_INVALID_CONFIG')).toBe(true);
      expect(String(error)).toMatch(/individual updates/);
    }
  });
});

describe('DpFedAvgStrategy with adaptive clipping (Andrew et al. 2021)', () => {
  const adaptive = (noiseMultiplier: number, options: { targetQuantile?: number; countNoiseStd?: number; clipNorm?: number; seed?: number }) =>
    new DpFedAvgStrategy(createStrategy({ name: 'fedavg', fractionFit: 1, minFitClients: 1, minAvailableClients: 1 }), {
      clipNorm: options.clipNorm ?? 0.1, noiseMultiplier, delta: 1e-5, noise: seededGaussianNoise(options.seed ?? 1),
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
    // count noise (σ_b = 1 of 20) can undo that about 2 % of the time, ten rounds' (e^(−0.2) ± 0.03) practically
    // never, and the seeded noise makes the run the same every time.
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
