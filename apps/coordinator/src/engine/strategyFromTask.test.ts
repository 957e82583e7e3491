// The strategy a task's configuration builds under client-level DP: its sampling rate is the one
// the selection really has, and its server optimiser is the one the task names.

import { describe, expect, it } from 'vitest';
import { createRng, createStrategy } from '@flotilla/core';
import { DpFedAvgStrategy, RdpAccountant } from '@flotilla/privacy';
import { buildStrategy } from './strategyFromTask.ts';
import { resolveTaskConfig } from './taskConfig.ts';

const online = (n: number) => Array.from({ length: n }, (_, i) => ({ id: `client-${i}`, numExamples: 600 }));

describe('buildStrategy with client-level DP', () => {
  it('30 connected of K = 100, C = 0.1, over-selection 1.3: accounts q = 4/30 per round, not 3/100', () => {
    const config = resolveTaskConfig({
      data: { partition: { kind: 'iid', numClients: 100, seed: 1 } },
      fit: { fractionFit: 0.1, overSelection: 1.3, minFitClients: 2, minAvailableClients: 2 },
      privacy: { differentialPrivacy: { enabled: true, clippingNorm: 1, noiseMultiplier: 1.2, delta: 1e-5 } },
    });
    const strategy = buildStrategy(config) as DpFedAvgStrategy;
    expect(strategy).toBeInstanceOf(DpFedAvgStrategy);
    const reference = new RdpAccountant();
    for (let round = 1; round <= 4; round++) {
      const plan = strategy.configureFit(round, online(30), createRng(round))!;
      // goal max(2, ⌈0.1·30⌉) = 3 reports, ⌈3·1.3⌉ = 4 selected: each online client is in with probability 4/30.
      expect(plan.goal).toBe(3);
      expect(plan.clientIds).toHaveLength(4);
      reference.step(1.2, 4 / 30);
      expect(strategy.epsilonAfterNextRound()).toBeCloseTo(reference.getEpsilon(1e-5), 9);
      const aggregation = strategy.beginAggregation(round, new Float32Array(3));
      for (const clientId of plan.clientIds.slice(0, 3)) aggregation.add({ clientId, numExamples: 600, update: Float32Array.of(0.1, 0, -0.1) });
      expect(aggregation.finish([])).not.toBeNull();
      expect(strategy.epsilonSpent()).toBeCloseTo(reference.getEpsilon(1e-5), 9);
    }
    // What the configured population would have claimed: far less privacy spent than really was.
    const claimed = new RdpAccountant([{ noiseMultiplier: 1.2, sampleRate: 3 / 100, steps: 4 }]).getEpsilon(1e-5);
    expect(strategy.epsilonSpent()).toBeGreaterThan(2 * claimed);
  });

  it('keeps the task\'s server optimiser: DP with fedadam checkpoints Adam\'s moments and steps unlike DP with fedavg', () => {
    const build = (name: string) => {
      const config = resolveTaskConfig({
        strategy: { name }, fit: { fractionFit: 1, minFitClients: 1, minAvailableClients: 1 },
        privacy: { differentialPrivacy: { enabled: true, clippingNorm: 1, noiseMultiplier: 1, delta: 1e-5 } },
      });
      // A task cannot ask for zero noise; the strategy can, which makes its mean exact for this check.
      config.privacy.differentialPrivacy.noiseMultiplier = 0;
      return buildStrategy(config) as DpFedAvgStrategy;
    };
    const global = Float32Array.of(0, 0);
    const step = (strategy: DpFedAvgStrategy) => {
      strategy.configureFit(1, online(2), createRng(1));
      return strategy.finishNoisedSum(global, Float64Array.of(0.02, -0.04));
    };
    const adam = build('fedadam');
    const viaAdam = step(adam);
    // z = 0 makes the mean exact: (0.01, −0.02), which FedAvg adds and FedAdam normalises to ≈ ±η.
    expect(Array.from(step(build('fedavg')))).toEqual([Math.fround(0.01), Math.fround(-0.02)]);
    const reference = createStrategy({ name: 'fedadam' }).beginAggregation(1, global);
    reference.add({ clientId: 'mean', numExamples: 1, update: Float32Array.of(0.01, -0.02) });
    expect(Array.from(viaAdam)).toEqual(Array.from(reference.finish([])!));
    expect(Object.keys(adam.exportState())).toEqual(expect.arrayContaining(['m', 'v']));
  });
});
