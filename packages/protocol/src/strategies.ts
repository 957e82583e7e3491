// The strategies a task may name and the parameters each one reads, as TypeBox schemas: the one
// list of strategy names on the wire. packages/core's registry (STRATEGIES) is keyed by the same
// names and a compile-time check where both meet (the coordinator) refuses a mismatch.

import { Type, type Static } from '@sinclair/typebox';

/**
 * Every strategy parameter a task may set (flat in `strategy`, as stored tasks have them); each
 * strategy reads the ones its entry in StrategyParameters picks. Defaults live with the builders
 * (packages/core): a task that leaves a parameter out keeps following them.
 */
const StrategyFields = Type.Object({
  /** Server learning rate η (FedAvgM, FedAdam, FedYogi, FedAdagrad). */
  serverLearningRate: Type.Optional(Type.Number({ exclusiveMinimum: 0, description: 'server learning rate η (default 1 for FedAvgM, 0.1 for the adaptive optimisers)' })),
  /** Server momentum β (FedAvgM). */
  serverMomentum: Type.Optional(Type.Number({ minimum: 0, exclusiveMaximum: 1, description: 'server momentum β (default 0.9)' })),
  beta1: Type.Optional(Type.Number({ minimum: 0, exclusiveMaximum: 1, description: 'first-moment decay β1 (default 0.9)' })),
  beta2: Type.Optional(Type.Number({ minimum: 0, exclusiveMaximum: 1, description: 'second-moment decay β2 (default 0.99)' })),
  tau: Type.Optional(Type.Number({ exclusiveMinimum: 0, description: 'adaptivity τ (default 1e-9)' })),
  /** Fraction trimmed from each end (FedTrimmedAvg). */
  trimBeta: Type.Optional(Type.Number({ minimum: 0, exclusiveMaximum: 0.5, description: 'fraction trimmed from each end (default 0.2)' })),
  /** Byzantine clients tolerated (Krum) and updates averaged (Multi-Krum). */
  byzantine: Type.Optional(Type.Integer({ minimum: 0, description: 'Byzantine clients tolerated f (default 1)' })),
  krumSelect: Type.Optional(Type.Integer({ minimum: 1, description: 'updates averaged m (Multi-Krum; default 1)' })),
  /** Centered clipping (Karimireddy et al. 2021): radius τ of the clip around the centre (default 1). */
  clipRadius: Type.Optional(Type.Number({ exclusiveMinimum: 0, description: 'centeredclip: clipping radius τ around the centre (default 1)' })),
  /** Centered clipping: clipping iterations L per round (default 3). */
  clipIterations: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, description: 'centeredclip: clipping iterations L per round (default 3)' })),
  /** Centered clipping: momentum β of the centre kept between rounds (default 0.9). */
  clipMomentum: Type.Optional(Type.Number({ minimum: 0, exclusiveMaximum: 1, description: 'centeredclip: momentum β of the centre (default 0.9)' })),
});

const FEDOPT = ['serverLearningRate', 'beta1', 'beta2', 'tau'] as const;

/**
 * Each strategy's parameters (FedProx's μ is `fit.proximalMu`, sent to the clients). The keys are
 * the strategy names: adding a strategy starts here.
 * @example Object.keys(StrategyParameters.properties.krum.properties) // ['byzantine', 'krumSelect']
 */
export const StrategyParameters = Type.Object({
  fedavg: Type.Object({}),
  fedprox: Type.Object({}),
  fedavgm: Type.Pick(StrategyFields, ['serverLearningRate', 'serverMomentum']),
  fedadam: Type.Pick(StrategyFields, FEDOPT),
  fedyogi: Type.Pick(StrategyFields, FEDOPT),
  fedadagrad: Type.Pick(StrategyFields, FEDOPT),
  fedmedian: Type.Object({}),
  fedtrimmedavg: Type.Pick(StrategyFields, ['trimBeta']),
  krum: Type.Pick(StrategyFields, ['byzantine', 'krumSelect']),
  centeredclip: Type.Pick(StrategyFields, ['clipRadius', 'clipIterations', 'clipMomentum']),
  /** FedNova's μ, like FedProx's, is `fit.proximalMu`. */
  fednova: Type.Object({}),
});
export type StrategyParameters = Static<typeof StrategyParameters>;

export const StrategyName = Type.KeyOf(StrategyParameters);
export type StrategyName = Static<typeof StrategyName>;

/** Every strategy name, in the registry's order. */
export const STRATEGY_NAMES = Object.keys(StrategyParameters.properties) as StrategyName[];

/** A task's strategy: its name and the parameters (flat) it sets. */
export const StrategySpec = Type.Object({ name: StrategyName, ...StrategyFields.properties });
export type StrategySpec = Static<typeof StrategySpec>;

/**
 * The parameters a strategy reads (the others in a StrategySpec are ignored by it).
 * @example strategyParameterNames('fedavgm') // ['serverLearningRate', 'serverMomentum']
 */
export function strategyParameterNames(name: StrategyName): (keyof typeof StrategyFields.properties)[] {
  return Object.keys(StrategyParameters.properties[name].properties) as (keyof typeof StrategyFields.properties)[];
}
