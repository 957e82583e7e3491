// What each built-in strategy's aggregation rule combines with: the registry other layers
// (secure aggregation, differential privacy) consult instead of listing strategy names.
import type { StrategyName } from './Strategy.ts';

export interface StrategyTraits {
  /**
   * The rule looks at the individual updates (a median, a trimmed mean, Krum's distances), so it
   * cannot run on their sum alone, which is all secure aggregation reveals, nor on a clipped and
   * noised sum, which is what differential privacy releases.
   */
  readonly needsEveryUpdate: boolean;
}

/**
 * One entry per strategy; a new strategy does not compile until it says what it needs.
 * @example STRATEGY_TRAITS.krum.needsEveryUpdate // true
 */
export const STRATEGY_TRAITS: Readonly<Record<StrategyName, StrategyTraits>> = Object.freeze({
  fedavg: { needsEveryUpdate: false },
  fedprox: { needsEveryUpdate: false },
  fedavgm: { needsEveryUpdate: false },
  fedadam: { needsEveryUpdate: false },
  fedyogi: { needsEveryUpdate: false },
  fedadagrad: { needsEveryUpdate: false },
  fedmedian: { needsEveryUpdate: true },
  fedtrimmedavg: { needsEveryUpdate: true },
  krum: { needsEveryUpdate: true },
  centeredclip: { needsEveryUpdate: true },
});

/**
 * Strategies whose rule works from the (weighted) mean of the updates alone, in registry order.
 * @example strategiesOnTheMean() // ['fedavg', 'fedprox', 'fedavgm', 'fedadam', 'fedyogi', 'fedadagrad']
 */
export function strategiesOnTheMean(): StrategyName[] {
  return (Object.keys(STRATEGY_TRAITS) as StrategyName[]).filter((name) => !STRATEGY_TRAITS[name].needsEveryUpdate);
}
