// Public API of @flotilla/core: pure federated-learning math (strategies, aggregators, sampling), no I/O.
export { createRng, shuffleInPlace, sampleWeighted, sampleWithoutReplacement } from './random.ts';
export type { Rng } from './random.ts';
export type {
  ClientInfo,
  EvaluateResult,
  FitConfig,
  FitFailure,
  FitFailureReason,
  FitInstructions,
  FitResult,
  WeightedVector,
} from './types.ts';
export { AggregationError } from './errors.ts';
export type { AggregationErrorCode } from './errors.ts';
export { l2Norm, findNonFinite } from './vectors.ts';
export { FedAvgAccumulator } from './FedAvgAccumulator.ts';
export { fedAvg } from './fedAvg.ts';
export { coordinateMedian } from './coordinateMedian.ts';
export { trimmedMean } from './trimmedMean.ts';
export { krum } from './krum.ts';
export { centeredClip } from './centeredClip.ts';
export type { CenteredClipOptions } from './centeredClip.ts';
export type { CenteredClipConfig } from './CenteredClipMemory.ts';
export type { KrumOptions } from './krum.ts';
export { weightedEvaluation } from './evaluation.ts';
export { planFit } from './sampling.ts';
export {
  DEFAULT_STRATEGY_CONFIG,
  DEFAULT_FEDAVGM_OPTIONS,
  DEFAULT_FEDOPT_OPTIONS,
  DEFAULT_TRIMMED_BETA,
  hasMeanUpdateStep,
  DEFAULT_CENTERED_CLIP,
} from './Strategy.ts';
export type {
  CommonStrategyConfig,
  FedAvgMOptions,
  FedOptOptions,
  FitAggregation,
  MeanUpdateStep,
  Strategy,
  StrategyConfig,
  StrategyName,
} from './Strategy.ts';
export { hasPrivacyAccounting, hasClipReporting, hasSecureSumFinishing } from './capabilities.ts';
export type { PrivacyAccounting, ClipReporting, SecureSumFinishing } from './capabilities.ts';
export { createStrategy } from './createStrategy.ts';
export { STRATEGY_TRAITS, strategiesOnTheMean } from './strategyTraits.ts';
export { STRATEGIES, STRATEGY_NAMES } from './strategyRegistry.ts';
export type { StrategyEntry, StrategyConfigOf } from './strategyRegistry.ts';
export type { StrategyTraits } from './strategyTraits.ts';
export { STALENESS_WEIGHTINGS, stalenessWeight } from './staleness.ts';
export type { StalenessParameters, StalenessWeighting, StalenessWeightingName } from './staleness.ts';
export { StalenessStats } from './StalenessStats.ts';
export { FedBuffBuffer } from './FedBuffBuffer.ts';
export type { FedBuffOptions } from './FedBuffBuffer.ts';
export type { CoalitionUtility, ContributionEstimate, GtgOptions } from './contribution/types.ts';
export type { ContributionResult } from './contribution/result.ts';
export { CoalitionCache } from './contribution/CoalitionCache.ts';
export { ContributionError } from './contribution/errors.ts';
export type { ContributionErrorCode } from './contribution/errors.ts';
export { exactShapley, MAX_EXACT_SHAPLEY_PLAYERS } from './contribution/exactShapley.ts';
export { leaveOneOut } from './contribution/leaveOneOut.ts';
export { gtgShapley } from './contribution/gtgShapley.ts';
export { splitRewards } from './contribution/rewards.ts';
export type { RewardSplit, RewardShare } from './contribution/rewards.ts';
export { selectionWeight, selectionWeights } from './contribution/selectionWeights.ts';
export type { Standing, StandingSelection } from './contribution/selectionWeights.ts';
export { spearman, kendallTau } from './contribution/rankCorrelation.ts';
export { CONTRIBUTION_ESTIMATORS, estimateContribution } from './contribution/estimators.ts';
export type { ContributionEstimator, ContributionMethodName } from './contribution/estimators.ts';
