// Tests for createStrategy: each strategy's update rule, hand-computed, and config validation.
import { describe, expect, it } from 'vitest';
import { runAggregatorCases } from './aggregator.cases.ts';
import { createStrategy } from './createStrategy.ts';
import { createRng } from './random.ts';
import type { Strategy, StrategyConfig } from './Strategy.ts';
import type { WeightedVector } from './types.ts';

/** Runs one round from `global` with the given updates; returns the new global weights. */
function round(strategy: Strategy, global: readonly number[], updates: readonly WeightedVector[], r = 1) {
  const aggregation = strategy.beginAggregation(r, Float32Array.from(global));
  updates.forEach((u, i) => aggregation.add({ clientId: `c${i}`, numExamples: u.numExamples, update: u.weights }));
  return aggregation.finish([]);
}

const delta = (weights: readonly number[], numExamples = 1): WeightedVector => ({
  weights: Float32Array.from(weights),
  numExamples,
});

/** From a zero model, a plain-rule strategy's new weights are its aggregate of the updates. */
function viaStrategy(config: StrategyConfig) {
  return (updates: readonly WeightedVector[]) => {
    const next = round(createStrategy(config), new Array<number>(updates[0]!.weights.length).fill(0), updates);
    if (next === null) throw new Error('round abandoned');
    return next;
  };
}

runAggregatorCases('fedavg strategy', {
  aggregate: viaStrategy({ name: 'fedavg' }),
  expects: 'weightedMean',
  preconditions: false,
});
runAggregatorCases('fedmedian strategy', {
  aggregate: viaStrategy({ name: 'fedmedian' }),
  expects: 'median',
  preconditions: false,
});
runAggregatorCases('fedtrimmedavg strategy (β = 0)', {
  aggregate: viaStrategy({ name: 'fedtrimmedavg', beta: 0 }),
  expects: 'unweightedMean',
  preconditions: false,
});
// m = 1000 is capped at n − f = n: Multi-Krum over everything is FedAvg.
runAggregatorCases('krum strategy (f = 0, m capped at n)', {
  aggregate: viaStrategy({ name: 'krum', f: 0, m: 1000 }),
  expects: 'weightedMean',
  minUpdates: 3,
  preconditions: false,
});
// τ far above any case's spread and L = 1: from the zero centre of a fresh strategy, the plain mean.
runAggregatorCases('centeredclip strategy (τ = 1e30, L = 1)', {
  aggregate: viaStrategy({ name: 'centeredclip', clipRadius: 1e30, iterations: 1 }),
  expects: 'unweightedMean',
  preconditions: false,
});

const closeTo = (actual: Float32Array | null, expected: readonly number[]) => {
  expect(actual).not.toBeNull();
  expected.forEach((x, i) => expect(actual![i]).toBeCloseTo(x, 6));
};

describe('createStrategy', () => {
  it('fedavg moves the model by the example-weighted mean update', () => {
    // x = [1, 1]; mean Δ = ([1, 2]·1 + [3, 6]·3)/4 = [2.5, 5]
    const next = round(createStrategy({ name: 'fedavg' }), [1, 1], [delta([1, 2], 1), delta([3, 6], 3)]);
    expect(Array.from(next!)).toEqual([3.5, 6]);
  });

  it('fedprox sends μ to clients and aggregates like fedavg', () => {
    const strategy = createStrategy({ name: 'fedprox', proximalMu: 0.01 });
    const clients = Array.from({ length: 10 }, (_, i) => ({ id: `c${i}` }));
    expect(strategy.configureFit(1, clients, createRng(1))?.config.proximalMu).toBe(0.01);
    expect(Array.from(round(strategy, [0], [delta([2], 1), delta([4], 1)])!)).toEqual([3]);
  });

  it('non-proximal strategies send μ = 0', () => {
    const clients = Array.from({ length: 10 }, (_, i) => ({ id: `c${i}` }));
    expect(createStrategy({ name: 'fedadam' }).configureFit(1, clients, createRng(1))?.config.proximalMu).toBe(0);
  });

  it('fedavgm accumulates server momentum over two rounds', () => {
    // η = 1, β = 0.9. Round 1: v = Δ₁ = [1, −2], x = [1, −2].
    // Round 2: v = 0.9·[1, −2] + [1, 0] = [1.9, −1.8], x = [1 + 1.9, −2 − 1.8] = [2.9, −3.8]
    const strategy = createStrategy({ name: 'fedavgm' });
    const x1 = round(strategy, [0, 0], [delta([1, -2])], 1);
    const x2 = round(strategy, Array.from(x1!), [delta([1, 0])], 2);
    closeTo(x1, [1, -2]);
    closeTo(x2, [2.9, -3.8]);
  });

  it('fedavgm scales the momentum by the server learning rate', () => {
    // η = 0.5: x₁ = 0.5·1; v₂ = 0.9 + 1 = 1.9, x₂ = 0.5 + 0.5·1.9 = 1.45
    const strategy = createStrategy({ name: 'fedavgm', serverLearningRate: 0.5 });
    const x1 = round(strategy, [0], [delta([1])], 1);
    closeTo(round(strategy, Array.from(x1!), [delta([1])], 2), [1.45]);
  });

  // Fresh state, x = [1, 1, 1], Δ̄ = [1, −2, 0]: m = 0.1·Δ̄ = [0.1, −0.2, 0].
  // Adam: v = 0.99·τ² + 0.01·Δ̄² ≈ [0.01, 0.04, 0]; Yogi: v = τ² + 0.01·Δ̄² (sign(τ² − Δ̄²) = −1);
  // x + 0.1·m/(√v + τ) = [1 + 0.01/0.1, 1 − 0.02/0.2, 1] = [1.1, 0.9, 1].
  // Adagrad: v = τ² + Δ̄² = [1, 4, τ²] → [1 + 0.01/1, 1 − 0.02/2, 1] = [1.01, 0.99, 1].
  it.each([
    ['fedadam', [1.1, 0.9, 1]],
    ['fedyogi', [1.1, 0.9, 1]],
    ['fedadagrad', [1.01, 0.99, 1]],
  ] as const)('%s takes one step from fresh moments', (name, expected) => {
    closeTo(round(createStrategy({ name }), [1, 1, 1], [delta([1, -2, 0])]), expected);
  });

  // Restored m = [0, 0], v = [1, 1], x = [0, 0], Δ̄ = [2, 0.5]: m = [0.2, 0.05].
  // Adam:    v = 0.99 + 0.01·[4, 0.25] = [1.03, 0.9925] → 0.1·m/√v = [0.0197066, 0.0050189]
  // Yogi:    v₀ < 4 grows, v₀ > 0.25 shrinks: v = [1.04, 0.9975]   → [0.0196116, 0.0050063]
  // Adagrad: v = 1 + [4, 0.25] = [5, 1.25]                          → [0.0089443, 0.0044721]
  it.each([
    ['fedadam', [0.0197066, 0.0050189], [1.03, 0.9925]],
    ['fedyogi', [0.0196116, 0.0050063], [1.04, 0.9975]],
    ['fedadagrad', [0.0089443, 0.0044721], [5, 1.25]],
  ] as const)('%s takes one step from restored moments', (name, expected, v) => {
    // Arrange
    const strategy = createStrategy({ name });
    strategy.importState({ m: new Float32Array(2), v: Float32Array.of(1, 1) });
    // Act
    const next = round(strategy, [0, 0], [delta([2, 0.5])]);
    // Assert
    closeTo(next, expected);
    const state = strategy.exportState();
    closeTo(state['m']!, [0.2, 0.05]);
    closeTo(state['v']!, v);
  });

  it('krum keeps the model out of reach of one Byzantine client', () => {
    // Same geometry as krum.test.ts: the most central update is (1, 0)
    const updates = [delta([0, 0]), delta([1, 0]), delta([2, 0]), delta([4, 0]), delta([100, 100])];
    expect(Array.from(round(createStrategy({ name: 'krum', f: 1 }), [10, 10], updates)!)).toEqual([11, 10]);
  });

  it('centeredclip clips around its centre and carries the centre over a restart', () => {
    // τ = 1, L = 1, β = 0.5. Round 1, centre 0: offsets (0.5, 0) kept, (0, 10) → (0, 1): v = (0.25, 0.5);
    // the first v starts the momentum: m = (0.25, 0.5).
    const config: StrategyConfig = { name: 'centeredclip', clipRadius: 1, iterations: 1, momentum: 0.5 };
    const strategy = createStrategy(config);
    const x1 = round(strategy, [0, 0], [delta([0.5, 0]), delta([0, 10])], 1);
    closeTo(x1, [0.25, 0.5]);
    closeTo(strategy.exportState()['centre']!, [0.25, 0.5]);
    // Round 2 on a restarted strategy: the offset of (0.25, 5.5) from the centre is (0, 5) → (0, 1), v = (0.25, 1.5);
    // m = 0.5·(0.25, 0.5) + 0.5·(0.25, 1.5) = (0.25, 1).
    const restarted = createStrategy(config);
    restarted.importState(strategy.exportState());
    closeTo(round(restarted, [0, 0], [delta([0.25, 5.5])], 2), [0.25, 1.5]);
    closeTo(restarted.exportState()['centre']!, [0.25, 1]);
    // A strategy that lost its centre clips around 0 instead: (0.25, 5.5)/‖·‖.
    closeTo(round(createStrategy(config), [0, 0], [delta([0.25, 5.5])], 2), [0.25 / Math.hypot(0.25, 5.5), 5.5 / Math.hypot(0.25, 5.5)]);
  });

  it('centeredclip refuses a corrupt centre', () => {
    const strategy = createStrategy({ name: 'centeredclip' });
    expect(() => strategy.importState({ centre: Float32Array.of(Number.NaN) })).toThrow(expect.objectContaining({ code: 'AGGREGATION_INVALID_STATE' }));
  });

  it.each<[string, StrategyConfig]>([
    ['fractionFit 0', { name: 'fedavg', fractionFit: 0 }],
    ['fractionFit > 1', { name: 'fedavg', fractionFit: 1.5 }],
    ['minFitClients 0', { name: 'fedavg', minFitClients: 0 }],
    ['fractional epochs', { name: 'fedavg', epochs: 1.5 }],
    ['overSelection < 1', { name: 'fedavg', overSelection: 0.9 }],
    ['minReports 0', { name: 'fedavg', minReports: 0 }],
    ['negative μ', { name: 'fedprox', proximalMu: -1 }],
    ['momentum 1', { name: 'fedavgm', serverMomentum: 1 }],
    ['η 0', { name: 'fedadam', serverLearningRate: 0 }],
    ['β2 NaN', { name: 'fedyogi', beta2: Number.NaN }],
    ['τ 0', { name: 'fedadagrad', tau: 0 }],
    ['trimmed β 0.5', { name: 'fedtrimmedavg', beta: 0.5 }],
    ['krum f −1', { name: 'krum', f: -1 }],
    ['krum m 0', { name: 'krum', f: 1, m: 0 }],
    ['centeredclip τ 0', { name: 'centeredclip', clipRadius: 0 }],
    ['centeredclip L 0', { name: 'centeredclip', iterations: 0 }],
    ['centeredclip β 1', { name: 'centeredclip', momentum: 1 }],
  ])('rejects %s with AGGREGATION_INVALID_CONFIG', (_, config) => {
    expect(() => createStrategy(config)).toThrow(expect.objectContaining({ code: 'AGGREGATION_INVALID_CONFIG' }));
  });

  it('rejects an unknown strategy name', () => {
    const config = { name: 'fedsgd' } as unknown as StrategyConfig;
    expect(() => createStrategy(config)).toThrow(expect.objectContaining({ code: 'AGGREGATION_INVALID_CONFIG' }));
  });
});
