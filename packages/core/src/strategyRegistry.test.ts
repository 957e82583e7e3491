// The registry against the strategies it builds: every entry builds from its own defaults, says
// what it combines with, and an unknown name is refused with a code.
import { describe, expect, it } from 'vitest';
import { createStrategy } from './createStrategy.ts';
import { AggregationError } from './errors.ts';
import type { StrategyConfig } from './Strategy.ts';
import { STRATEGIES, STRATEGY_NAMES } from './strategyRegistry.ts';

describe('STRATEGIES', () => {
  it('builds every registered strategy from its defaults alone, under its own name', () => {
    for (const name of STRATEGY_NAMES) {
      const config = { name, ...STRATEGIES[name].defaults } as StrategyConfig;

      const strategy = createStrategy(config);

      expect(strategy.name, name).toBe(name);
      expect(STRATEGIES[name].description.length, name).toBeGreaterThan(10);
    }
  });

  it('builds the same strategy whether a default is given or left out', () => {
    const global = Float32Array.of(1, -1, 0.5, 2);
    const updates = [Float32Array.of(0.2, -0.4, 0.1, 0), Float32Array.of(-0.1, 0.3, 0.2, 1), Float32Array.of(0, 0, 0.5, -1)];
    for (const name of STRATEGY_NAMES) {
      const run = (config: StrategyConfig) => {
        const aggregation = createStrategy(config).beginAggregation(1, global);
        // Steps are reported by every client; only FedNova reads them.
        updates.forEach((update, i) => aggregation.add({ clientId: `c${i}`, numExamples: 10 + i, update, localSteps: 1 + i }));
        return aggregation.finish([]);
      };
      // Krum's f has no default in a config (a task's default is given by the coordinator); 0 lets 3 reports pass 2f + 3.
      const explicit = { name, ...STRATEGIES[name].defaults, ...(name === 'krum' ? { f: 0 } : {}) } as StrategyConfig;
      const implicit = (name === 'krum' ? { name, f: 0 } : name === 'fedprox' ? { name, proximalMu: 0.01 } : { name }) as StrategyConfig;

      expect(run(explicit), name).toEqual(run(implicit));
    }
  });

  it('refuses a name the registry does not have', () => {
    expect(() => createStrategy({ name: 'fedsgd' } as unknown as StrategyConfig)).toThrow(AggregationError);
  });
});
