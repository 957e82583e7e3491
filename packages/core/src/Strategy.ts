// The strategy contract (after Flower's Strategy) and the named, defaulted configs of each one.
import type { CenteredClipConfig } from './CenteredClipMemory.ts';
import type { Rng } from './random.ts';
import type { ClientInfo, EvaluateResult, FitFailure, FitInstructions, FitResult } from './types.ts';

/** The built-in strategies: the discriminant of `StrategyConfig`, listed there once. */
export type StrategyName = StrategyConfig['name'];

/**
 * Pure round policy: the coordinator owns the loop and the sockets, a strategy decides who
 * trains with what and how the reports combine (Flower's configure_fit / aggregate_fit).
 * @example
 * const strategy = createStrategy({ name: 'fedadam' });
 * const plan = strategy.configureFit(1, clients, createRng(7));
 * const aggregation = strategy.beginAggregation(1, global);
 * for (const r of reports) aggregation.add(r);
 * const next = aggregation.finish(failures) ?? global;
 */
export interface Strategy {
  readonly name: StrategyName;
  /** The clients to train this round and their plan, or null when too few are available. */
  configureFit(round: number, available: readonly ClientInfo[], rng: Rng): FitInstructions | null;
  /** Opens the round's aggregation. `global` must stay unmodified until `finish`. */
  beginAggregation(round: number, global: Float32Array): FitAggregation;
  /** Example-weighted loss and accuracy, or null when no result carries examples. */
  aggregateEvaluate(results: readonly EvaluateResult[]): { loss: number; accuracy: number } | null;
  /** Server-optimiser moments (copies), checkpointed with the model. Empty for stateless ones. */
  exportState(): Record<string, Float32Array>;
  /** Restores what `exportState` returned, so a restarted coordinator resumes the same steps. */
  importState(state: Record<string, Float32Array>): void;
}

/**
 * A strategy whose rule is a server step on the mean update (FedAvg's x + Δ̄, FedAvgM, FedAdam …).
 * A wrapper that forms the mean itself, such as DP-FedAvg's clipped and noised mean, hands it here
 * so that the task's server optimiser still applies it (its moments move as after any round).
 * @example const next = hasMeanUpdateStep(inner) ? inner.applyMeanUpdate(global, noisedMean) : null;
 */
export interface MeanUpdateStep {
  /** The new global weights from Δ̄; `global` is left as it was. */
  applyMeanUpdate(global: Float32Array, meanDelta: Float32Array): Float32Array;
}

/** True when the strategy can apply an externally formed mean update (not a robust rule). */
export function hasMeanUpdateStep(strategy: Strategy): strategy is Strategy & MeanUpdateStep {
  return typeof (strategy as Partial<MeanUpdateStep>).applyMeanUpdate === 'function';
}

/**
 * One round's aggregation. Reports are added as they stream in; the caller has already turned
 * bad reports (wrong length, NaN) into `FitFailure`s, so `add` throws on them as on any other
 * violated precondition, and a throw leaves the aggregation as it was.
 */
export interface FitAggregation {
  add(result: FitResult): void;
  /**
   * The new global weights, or null to keep the model (fewer than `minReports` reports).
   * `failures` are the round's dropouts: the built-in strategies accept them (Flower's
   * accept_failures), wrappers such as secure aggregation need them to unmask the sum.
   */
  finish(failures: readonly FitFailure[]): Float32Array | null;
}

/** Selection and local-training settings every strategy shares. */
export interface CommonStrategyConfig {
  /** Fraction C of the available clients sampled per round. */
  fractionFit: number;
  /** Lower bound on the sample size m, whatever C gives. */
  minFitClients: number;
  /** No round starts with fewer connected clients than this. */
  minAvailableClients: number;
  /** Selects ⌈m·overSelection⌉ so dropouts still leave m reports (Bonawitz et al. 2019). */
  overSelection: number;
  epochs: number;
  batchSize: number;
  learningRate: number;
  /** A round with fewer reports than this is abandoned and the model kept. */
  minReports: number;
}

/** Flower's FedAvg sampling defaults, McMahan et al.'s E = 1, B = 10. */
export const DEFAULT_STRATEGY_CONFIG: Readonly<CommonStrategyConfig> = Object.freeze({
  fractionFit: 0.1,
  minFitClients: 2,
  minAvailableClients: 2,
  overSelection: 1,
  epochs: 1,
  batchSize: 10,
  learningRate: 0.1,
  minReports: 1,
});

/** Server momentum (Hsu et al. 2019, arXiv:1909.06335): v ← βv + Δ̄, x ← x + η·v. */
export interface FedAvgMOptions {
  serverLearningRate: number;
  serverMomentum: number;
}

export const DEFAULT_FEDAVGM_OPTIONS: Readonly<FedAvgMOptions> = Object.freeze({
  serverLearningRate: 1,
  serverMomentum: 0.9,
});

/** Adaptive server optimisers (Reddi et al. 2021, arXiv:2003.00295, Algorithm 2). */
export interface FedOptOptions {
  serverLearningRate: number;
  beta1: number;
  /** Unused by FedAdagrad, whose v only grows. */
  beta2: number;
  tau: number;
}

/**
 * Flower's FedAdam defaults (η = 0.1, β1 = 0.9, β2 = 0.99, τ = 1e-9), used by all three rules.
 * Flower's FedAdagrad fixes β1 = 0 (no server momentum): pass `beta1: 0` to reproduce it.
 */
export const DEFAULT_FEDOPT_OPTIONS: Readonly<FedOptOptions> = Object.freeze({
  serverLearningRate: 0.1,
  beta1: 0.9,
  beta2: 0.99,
  tau: 1e-9,
});

/**
 * Centered clipping's defaults: L = 3 and β = 0.9 as in Karimireddy et al. 2021's experiments;
 * τ = 1 is in the range of an MNIST 2NN client's update norm, set it to the task's scale.
 */
export const DEFAULT_CENTERED_CLIP: Readonly<CenteredClipConfig> = Object.freeze({
  clipRadius: 1,
  iterations: 3,
  momentum: 0.9,
});

/** Flower's FedTrimmedAvg default: trim 20% at each end. */
export const DEFAULT_TRIMMED_BETA = 0.2;

type WithCommon<T> = T & Partial<CommonStrategyConfig>;

/** A strategy's configuration: the name picks the strategy; omitted fields take the defaults. */
export type StrategyConfig =
  | WithCommon<{ name: 'fedavg' }>
  | WithCommon<{ name: 'fedprox'; proximalMu: number }>
  | WithCommon<{ name: 'fedavgm' } & Partial<FedAvgMOptions>>
  | WithCommon<{ name: 'fedadam' | 'fedyogi' | 'fedadagrad' } & Partial<FedOptOptions>>
  | WithCommon<{ name: 'fedmedian' }>
  | WithCommon<{ name: 'fedtrimmedavg'; beta?: number }>
  | WithCommon<{ name: 'krum'; f: number; m?: number }>
  | WithCommon<{ name: 'centeredclip' } & Partial<CenteredClipConfig>>
  | WithCommon<{ name: 'fednova'; proximalMu?: number }>;
