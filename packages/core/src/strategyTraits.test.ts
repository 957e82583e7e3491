// The strategy registry's traits against what the strategies do with a mean formed elsewhere.
import { describe, expect, it } from 'vitest';
import { createStrategy } from './createStrategy.ts';
import { AggregationError } from './errors.ts';
import { hasMeanUpdateStep, type StrategyConfig, type StrategyName } from './Strategy.ts';
import { STRATEGY_TRAITS, strategiesOnTheMean } from './strategyTraits.ts';

const configOf = (name: StrategyName): StrategyConfig =>
  name === 'krum' ? { name, f: 0 } : name === 'fedprox' ? { name, proximalMu: 0.01 } : ({ name } as StrategyConfig);

describe('STRATEGY_TRAITS', () => {
  it('a strategy on the mean steps from a given mean exactly as from one report of it; a robust one refuses', () => {
    const global = Float32Array.of(1, -1, 0.5);
    const mean = Float32Array.of(0.2, -0.4, 0.1);
    for (const name of Object.keys(STRATEGY_TRAITS) as StrategyName[]) {
      const strategy = createStrategy(configOf(name));
      expect(hasMeanUpdateStep(strategy)).toBe(true);
      if (!hasMeanUpdateStep(strategy)) continue;
      if (STRATEGY_TRAITS[name].needsEveryUpdate) {
        expect(() => strategy.applyMeanUpdate(global, mean), name).toThrow(AggregationError);
        continue;
      }
      const viaReport = createStrategy(configOf(name)).beginAggregation(1, global);
      viaReport.add({ clientId: 'a', numExamples: 7, update: mean });
      expect(strategy.applyMeanUpdate(global, mean), name).toEqual(viaReport.finish([]));
    }
  });

  it('lists the strategies that combine with secure aggregation and DP, robust rules excluded', () => {
    expect(strategiesOnTheMean()).toEqual(['fedavg', 'fedprox', 'fedavgm', 'fedadam', 'fedyogi', 'fedadagrad']);
  });
});
