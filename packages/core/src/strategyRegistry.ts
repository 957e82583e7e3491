// The strategy registry: one entry per strategy with what it is, what it combines with, its
// defaults and its builder. createStrategy, the traits other layers consult, the dashboard's form
// and the fleet's help read it; a strategy added here and to the protocol's StrategyParameters
// (the wire names, checked against these keys at compile time) is complete.

import { CenteredClipMemory } from './CenteredClipMemory.ts';
import { coordinateMedian } from './coordinateMedian.ts';
import { FederatedStrategy } from './FederatedStrategy.ts';
import { krum } from './krum.ts';
import { ServerOptimizer, type ServerRule } from './ServerOptimizer.ts';
import {
  DEFAULT_CENTERED_CLIP, DEFAULT_FEDAVGM_OPTIONS, DEFAULT_FEDOPT_OPTIONS, DEFAULT_TRIMMED_BETA,
  type CommonStrategyConfig, type Strategy, type StrategyConfig, type StrategyName,
} from './Strategy.ts';
import { check, positive, unitInterval } from './strategyChecks.ts';
import { trimmedMean } from './trimmedMean.ts';
import { buffered, normalisedMean, streamingMean, type ReducerFactory } from './updateReducers.ts';

/** The configuration of the strategy named N (the adaptive optimisers share one, named by a union). */
export type StrategyConfigOf<N extends StrategyName> = StrategyConfig extends infer C
  ? C extends { name: infer M } ? ([N] extends [M] ? C : never) : never
  : never;

export interface StrategyEntry<N extends StrategyName = StrategyName> {
  /** One line for forms and help: what the rule does and where it comes from. */
  readonly description: string;
  /**
   * The rule looks at the individual updates (a median, a trimmed mean, Krum's distances), so it
   * cannot run on their sum alone, which is all secure aggregation reveals, nor on a clipped and
   * noised sum, which is what differential privacy releases.
   */
  readonly needsEveryUpdate: boolean;
  /** The strategy's own parameters when a configuration leaves them out (its config's names). */
  readonly defaults: Readonly<Omit<StrategyConfigOf<N>, 'name' | keyof CommonStrategyConfig>>;
  /** Builds the strategy; invalid values throw AGGREGATION_INVALID_CONFIG. */
  readonly build: (config: StrategyConfigOf<N>, common: CommonStrategyConfig) => Strategy;
}

const PLAIN: ServerRule = { kind: 'plain' };

function federated(name: StrategyName, common: CommonStrategyConfig, reducer: ReducerFactory, rule: ServerRule = PLAIN, proximalMu = 0): Strategy {
  return new FederatedStrategy({ name, common, proximalMu, reducer, optimizer: new ServerOptimizer(rule) });
}

type FedOptName = 'fedadam' | 'fedyogi' | 'fedadagrad';

function fedOpt(kind: 'adam' | 'yogi' | 'adagrad', description: string): StrategyEntry<FedOptName> {
  const d = DEFAULT_FEDOPT_OPTIONS;
  return {
    description, needsEveryUpdate: false, defaults: { ...d },
    build: (config, common) => federated(config.name, common, streamingMean(), {
      kind,
      learningRate: positive('serverLearningRate', config.serverLearningRate ?? d.serverLearningRate),
      beta1: unitInterval('beta1', config.beta1 ?? d.beta1),
      beta2: unitInterval('beta2', config.beta2 ?? d.beta2),
      tau: positive('tau', config.tau ?? d.tau),
    }),
  };
}

const entries: { readonly [N in StrategyName]: StrategyEntry<N> } = {
  fedavg: {
    description: 'FedAvg: x ← x + mean(Δ), weighted by examples (McMahan et al. 2017)',
    needsEveryUpdate: false, defaults: {},
    build: (config, common) => federated(config.name, common, streamingMean()),
  },
  fedprox: {
    description: 'FedProx: FedAvg with a proximal term μ/2‖w − x‖² in the clients\' loss (Li et al. 2020)',
    needsEveryUpdate: false, defaults: { proximalMu: 0.01 },
    build: (config, common) => federated(config.name, common, streamingMean(), PLAIN, check('proximalMu', config.proximalMu, (x) => x >= 0)),
  },
  fedavgm: {
    description: 'FedAvgM: server momentum on the mean update (Hsu et al. 2019)',
    needsEveryUpdate: false, defaults: { ...DEFAULT_FEDAVGM_OPTIONS },
    build: (config, common) => federated(config.name, common, streamingMean(), {
      kind: 'momentum',
      learningRate: positive('serverLearningRate', config.serverLearningRate ?? DEFAULT_FEDAVGM_OPTIONS.serverLearningRate),
      momentum: unitInterval('serverMomentum', config.serverMomentum ?? DEFAULT_FEDAVGM_OPTIONS.serverMomentum),
    }),
  },
  fedadam: fedOpt('adam', 'FedAdam: adaptive server optimiser (Reddi et al. 2021)'),
  fedyogi: fedOpt('yogi', 'FedYogi: adaptive server optimiser with Yogi\'s additive second moment (Reddi et al. 2021)'),
  fedadagrad: fedOpt('adagrad', 'FedAdagrad: adaptive server optimiser whose second moment only grows (Reddi et al. 2021)'),
  fedmedian: {
    description: 'FedMedian: coordinate-wise median of the updates, robust to outliers (Yin et al. 2018)',
    needsEveryUpdate: true, defaults: {},
    build: (config, common) => federated(config.name, common, buffered(coordinateMedian)),
  },
  fedtrimmedavg: {
    description: 'FedTrimmedAvg: coordinate-wise mean after trimming β at each end (Yin et al. 2018)',
    needsEveryUpdate: true, defaults: { beta: DEFAULT_TRIMMED_BETA },
    build: (config, common) => {
      const beta = check('beta', config.beta ?? DEFAULT_TRIMMED_BETA, (x) => x >= 0 && x < 0.5);
      return federated(config.name, common, buffered((updates) => trimmedMean(updates, beta)));
    },
  },
  krum: {
    description: '(Multi-)Krum: averages the m updates closest to their neighbours, tolerating f Byzantine clients (Blanchard et al. 2017)',
    needsEveryUpdate: true, defaults: { f: 1, m: 1 },
    build: (config, common) => {
      const f = check('f', config.f, (x) => Number.isInteger(x) && x >= 0);
      const m = check('m', config.m ?? 1, (x) => Number.isInteger(x) && x >= 1);
      // Dropouts make n vary between rounds, so m is capped at n − f rather than rejected.
      return federated(config.name, common, buffered((updates) => krum(updates, { f, m: Math.min(m, updates.length - f) }), 2 * f + 3));
    },
  },
  centeredclip: {
    description: 'Centered clipping: clips updates around a momentum centre kept between rounds (Karimireddy et al. 2021)',
    needsEveryUpdate: true, defaults: { ...DEFAULT_CENTERED_CLIP },
    build: (config, common) => {
      const d = DEFAULT_CENTERED_CLIP;
      const memory = new CenteredClipMemory({
        clipRadius: positive('clipRadius', config.clipRadius ?? d.clipRadius),
        iterations: check('iterations', config.iterations ?? d.iterations, (x) => Number.isInteger(x) && x >= 1 && x <= 100),
        momentum: unitInterval('momentum', config.momentum ?? d.momentum),
      });
      return new FederatedStrategy({ name: config.name, common, proximalMu: 0, reducer: memory.reducer(), optimizer: new ServerOptimizer(PLAIN), memory });
    },
  },
  fednova: {
    description: 'FedNova: each update divided by its local steps, so unequal work does not bias the model (Wang et al. 2020)',
    // It reads each update's own step count: a sum (secure aggregation) or a noised mean (DP) has lost it.
    needsEveryUpdate: true, defaults: { proximalMu: 0 },
    build: (config, common) => federated(config.name, common, normalisedMean(), PLAIN, check('proximalMu', config.proximalMu ?? 0, (x) => x >= 0)),
  },
};

/**
 * Every built-in strategy, in the order forms list them; a strategy does not compile until its
 * entry says what it needs.
 * @example STRATEGIES.krum.needsEveryUpdate // true
 */
export const STRATEGIES = Object.freeze(entries);

/** Every strategy name, in the registry's order. */
export const STRATEGY_NAMES = Object.keys(STRATEGIES) as StrategyName[];
