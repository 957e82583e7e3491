// Builds a Strategy from its named config: validates it, fills defaults, picks the parts (STRATEGIES).
import { AggregationError } from './errors.ts';
import { DEFAULT_STRATEGY_CONFIG, type CommonStrategyConfig, type Strategy, type StrategyConfig, type StrategyName } from './Strategy.ts';
import { check, positive } from './strategyChecks.ts';
import { STRATEGIES, type StrategyEntry } from './strategyRegistry.ts';

/**
 * Builds one of the registry's strategies (see STRATEGIES for each rule and its paper). Krum keeps
 * the model when fewer than 2f + 3 reports arrive and averages min(m, n − f) of them; the server
 * optimisers' moments and centered clipping's centre are `exportState()`.
 * Invalid values and unknown names throw AGGREGATION_INVALID_CONFIG.
 * @example
 * const strategy = createStrategy({ name: 'fedprox', proximalMu: 0.01, fractionFit: 0.2 });
 */
export function createStrategy(config: StrategyConfig): Strategy {
  const common = resolveCommon(config);
  if (!Object.hasOwn(STRATEGIES, config.name)) {
    throw new AggregationError('AGGREGATION_INVALID_CONFIG', `unknown strategy ${JSON.stringify(config.name)}`);
  }
  // Each entry builds its own config; the name ties the two together.
  const entry = STRATEGIES[config.name] as unknown as StrategyEntry<StrategyName>;
  return entry.build(config as never, common);
}

function resolveCommon(config: Partial<CommonStrategyConfig>): CommonStrategyConfig {
  const d = DEFAULT_STRATEGY_CONFIG;
  const count = (x: number): boolean => Number.isInteger(x) && x >= 1;
  return {
    fractionFit: check('fractionFit', config.fractionFit ?? d.fractionFit, (x) => x > 0 && x <= 1),
    minFitClients: check('minFitClients', config.minFitClients ?? d.minFitClients, count),
    minAvailableClients: check('minAvailableClients', config.minAvailableClients ?? d.minAvailableClients, count),
    overSelection: check('overSelection', config.overSelection ?? d.overSelection, (x) => x >= 1),
    epochs: check('epochs', config.epochs ?? d.epochs, count),
    batchSize: check('batchSize', config.batchSize ?? d.batchSize, count),
    learningRate: positive('learningRate', config.learningRate ?? d.learningRate),
    minReports: check('minReports', config.minReports ?? d.minReports, count),
  };
}
