// What each strategy's aggregation rule combines with, read from the registry: other layers
// (secure aggregation, differential privacy) consult these instead of listing strategy names.
import type { StrategyName } from './Strategy.ts';
import { STRATEGIES, STRATEGY_NAMES } from './strategyRegistry.ts';

export interface StrategyTraits {
  /** See StrategyEntry.needsEveryUpdate. */
  readonly needsEveryUpdate: boolean;
}

/**
 * The traits of every strategy (the registry's entries).
 * @example STRATEGY_TRAITS.krum.needsEveryUpdate // true
 */
export const STRATEGY_TRAITS: Readonly<Record<StrategyName, StrategyTraits>> = STRATEGIES;

/**
 * Strategies whose rule works from the (weighted) mean of the updates alone, in registry order.
 * @example strategiesOnTheMean() // ['fedavg', 'fedprox', 'fedavgm', 'fedadam', 'fedyogi', 'fedadagrad']
 */
export function strategiesOnTheMean(): StrategyName[] {
  return STRATEGY_NAMES.filter((name) => !STRATEGIES[name].needsEveryUpdate);
}
