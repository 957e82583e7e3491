// Builds a Strategy from its named config: validates it, fills defaults, picks the parts.
import { CenteredClipMemory } from './CenteredClipMemory.ts';
import { coordinateMedian } from './coordinateMedian.ts';
import { AggregationError } from './errors.ts';
import { FederatedStrategy } from './FederatedStrategy.ts';
import { krum } from './krum.ts';
import { ServerOptimizer, type ServerRule } from './ServerOptimizer.ts';
import {
  DEFAULT_CENTERED_CLIP,
  DEFAULT_FEDAVGM_OPTIONS,
  DEFAULT_FEDOPT_OPTIONS,
  DEFAULT_STRATEGY_CONFIG,
  DEFAULT_TRIMMED_BETA,
  type CommonStrategyConfig,
  type Strategy,
  type StrategyConfig,
} from './Strategy.ts';
import { trimmedMean } from './trimmedMean.ts';
import { buffered, streamingMean, type ReducerFactory } from './updateReducers.ts';

/**
 * The built-in strategies:
 * - fedavg: x ← x + mean(Δ), streamed (McMahan et al. 2017, arXiv:1602.05629).
 * - fedprox: FedAvg's aggregation; clients add (μ/2)‖w − x‖² to their loss (Li et al. 2020,
 *   arXiv:1812.06127), so μ travels in the FitConfig.
 * - fedavgm: server momentum (Hsu et al. 2019); fedadam, fedyogi, fedadagrad: adaptive server
 *   optimisers (Reddi et al. 2021, arXiv:2003.00295); their moments are `exportState()`.
 * - fedmedian, fedtrimmedavg, krum: robust rules (Yin et al. 2018; Blanchard et al. 2017). Krum
 *   keeps the model when fewer than 2f + 3 reports arrive and averages min(m, n − f) of them.
 * - centeredclip: centered clipping with server momentum (Karimireddy et al. 2021); its centre
 *   is `exportState()`, like the optimisers' moments.
 * Invalid values throw AGGREGATION_INVALID_CONFIG.
 * @example
 * const strategy = createStrategy({ name: 'fedprox', proximalMu: 0.01, fractionFit: 0.2 });
 */
export function createStrategy(config: StrategyConfig): Strategy {
  const common = resolveCommon(config);
  const build = (reducer: ReducerFactory, rule: ServerRule, proximalMu = 0): Strategy =>
    new FederatedStrategy({ name: config.name, common, proximalMu, reducer, optimizer: new ServerOptimizer(rule) });
  const plain: ServerRule = { kind: 'plain' };
  switch (config.name) {
    case 'fedavg':
      return build(streamingMean(), plain);
    case 'fedprox':
      return build(streamingMean(), plain, check('proximalMu', config.proximalMu, (x) => x >= 0));
    case 'fedavgm': {
      const d = DEFAULT_FEDAVGM_OPTIONS;
      return build(streamingMean(), {
        kind: 'momentum',
        learningRate: positive('serverLearningRate', config.serverLearningRate ?? d.serverLearningRate),
        momentum: unitInterval('serverMomentum', config.serverMomentum ?? d.serverMomentum),
      });
    }
    case 'fedadam':
    case 'fedyogi':
    case 'fedadagrad': {
      const d = DEFAULT_FEDOPT_OPTIONS;
      return build(streamingMean(), {
        kind: config.name === 'fedadam' ? 'adam' : config.name === 'fedyogi' ? 'yogi' : 'adagrad',
        learningRate: positive('serverLearningRate', config.serverLearningRate ?? d.serverLearningRate),
        beta1: unitInterval('beta1', config.beta1 ?? d.beta1),
        beta2: unitInterval('beta2', config.beta2 ?? d.beta2),
        tau: positive('tau', config.tau ?? d.tau),
      });
    }
    case 'fedmedian':
      return build(buffered(coordinateMedian), plain);
    case 'fedtrimmedavg': {
      const beta = check('beta', config.beta ?? DEFAULT_TRIMMED_BETA, (x) => x >= 0 && x < 0.5);
      return build(buffered((updates) => trimmedMean(updates, beta)), plain);
    }
    case 'krum': {
      const f = check('f', config.f, (x) => Number.isInteger(x) && x >= 0);
      const m = check('m', config.m ?? 1, (x) => Number.isInteger(x) && x >= 1);
      // Dropouts make n vary between rounds, so m is capped at n − f rather than rejected.
      const combine = buffered((updates) => krum(updates, { f, m: Math.min(m, updates.length - f) }), 2 * f + 3);
      return build(combine, plain);
    }
    case 'centeredclip': {
      const d = DEFAULT_CENTERED_CLIP;
      const memory = new CenteredClipMemory({
        clipRadius: positive('clipRadius', config.clipRadius ?? d.clipRadius),
        iterations: check('iterations', config.iterations ?? d.iterations, (x) => Number.isInteger(x) && x >= 1 && x <= 100),
        momentum: unitInterval('momentum', config.momentum ?? d.momentum),
      });
      return new FederatedStrategy({ name: config.name, common, proximalMu: 0, reducer: memory.reducer(), optimizer: new ServerOptimizer(plain), memory });
    }
    default:
      return assertNever(config);
  }
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

function check(name: string, value: number, valid: (x: number) => boolean): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || !valid(value)) {
    throw new AggregationError('AGGREGATION_INVALID_CONFIG', `invalid ${name}: ${String(value)}`);
  }
  return value;
}

const positive = (name: string, value: number): number => check(name, value, (x) => x > 0);
const unitInterval = (name: string, value: number): number => check(name, value, (x) => x >= 0 && x < 1);

function assertNever(config: never): never {
  throw new AggregationError('AGGREGATION_INVALID_CONFIG', `unknown strategy ${JSON.stringify(config)}`);
}
