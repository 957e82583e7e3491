// The strategy list on the wire: every name with its own parameters is a valid task strategy,
// a parameter of another strategy is listed for it nowhere, and an unknown name is refused.
import { describe, expect, it } from 'vitest';
import { Value } from '@sinclair/typebox/value';
import { STRATEGY_NAMES, StrategyParameters, StrategySpec, strategyParameterNames } from './strategies.ts';

describe('StrategySpec', () => {
  it('accepts every listed strategy with values for each of its parameters', () => {
    for (const name of STRATEGY_NAMES) {
      const parameters = Value.Create(StrategyParameters.properties[name]) as Record<string, unknown>;
      // Value.Create leaves optional fields out: give each one a value inside its bounds.
      for (const key of strategyParameterNames(name)) parameters[key] = key === 'byzantine' ? 1 : key === 'clipIterations' || key === 'krumSelect' ? 2 : 0.3;

      expect(Value.Check(StrategySpec, { name, ...parameters }), name).toBe(true);
    }
  });

  it('refuses a name that is not listed, and a parameter out of its bounds', () => {
    expect(Value.Check(StrategySpec, { name: 'fedsgd' })).toBe(false);
    expect(Value.Check(StrategySpec, { name: 'fedtrimmedavg', trimBeta: 0.5 })).toBe(false);
  });

  it('lists each strategy\'s own parameters only', () => {
    expect(strategyParameterNames('fedavg')).toEqual([]);
    expect(strategyParameterNames('krum')).toEqual(['byzantine', 'krumSelect']);
    expect(strategyParameterNames('fedyogi')).toEqual(['serverLearningRate', 'beta1', 'beta2', 'tau']);
  });
});
