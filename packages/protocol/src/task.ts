// Task configuration: what an operator submits to create a federated task, shared by the REST
// API, the dashboard and the clients (which read the model and fit parts from their plan).

import { Type, type Static } from '@sinclair/typebox';

export const ModelSpec = Type.Union([
  Type.Object({ kind: Type.Literal('mnist-2nn') }),
  Type.Object({ kind: Type.Literal('mnist-cnn') }),
  Type.Object({ kind: Type.Literal('logreg'), inputs: Type.Integer({ minimum: 1 }), classes: Type.Integer({ minimum: 2 }) }),
  Type.Object({ kind: Type.Literal('tfjs'), modelTopology: Type.Unknown() }),
]);
export type ModelSpec = Static<typeof ModelSpec>;

export const PartitionSpec = Type.Union([
  Type.Object({
    kind: Type.Literal('iid'),
    numClients: Type.Integer({ minimum: 1 }),
    seed: Type.Integer(),
    examplesPerClient: Type.Optional(Type.Integer({ minimum: 1 })),
  }),
  Type.Object({
    kind: Type.Literal('shards'),
    numClients: Type.Integer({ minimum: 1 }),
    seed: Type.Integer(),
    shardsPerClient: Type.Optional(Type.Integer({ minimum: 1 })),
    shardSize: Type.Optional(Type.Integer({ minimum: 1 })),
  }),
  Type.Object({
    kind: Type.Literal('dirichlet'),
    numClients: Type.Integer({ minimum: 1 }),
    seed: Type.Integer(),
    alpha: Type.Number({ exclusiveMinimum: 0 }),
    examplesPerClient: Type.Optional(Type.Integer({ minimum: 1 })),
  }),
]);
export type PartitionSpec = Static<typeof PartitionSpec>;

export const DataSpec = Type.Object({
  dataset: Type.Literal('mnist'),
  partition: PartitionSpec,
  /** Test examples used for server-side evaluation (the first N of the MNIST test set). */
  testLimit: Type.Integer({ minimum: 1, maximum: 10000, default: 10000 }),
  /** A simulation task may serve each client its partition; a real deployment never does. */
  simulation: Type.Boolean({ default: true }),
});
export type DataSpec = Static<typeof DataSpec>;

export const StrategySpec = Type.Object({
  name: Type.Union([
    Type.Literal('fedavg'), Type.Literal('fedprox'), Type.Literal('fedavgm'), Type.Literal('fedadam'),
    Type.Literal('fedyogi'), Type.Literal('fedadagrad'), Type.Literal('fedmedian'), Type.Literal('fedtrimmedavg'),
    Type.Literal('krum'), Type.Literal('centeredclip'),
  ]),
  /** Server learning rate η (FedAvgM, FedAdam, FedYogi, FedAdagrad). */
  serverLearningRate: Type.Optional(Type.Number({ exclusiveMinimum: 0 })),
  /** Server momentum β (FedAvgM). */
  serverMomentum: Type.Optional(Type.Number({ minimum: 0, exclusiveMaximum: 1 })),
  beta1: Type.Optional(Type.Number({ minimum: 0, exclusiveMaximum: 1 })),
  beta2: Type.Optional(Type.Number({ minimum: 0, exclusiveMaximum: 1 })),
  tau: Type.Optional(Type.Number({ exclusiveMinimum: 0 })),
  /** Fraction trimmed from each end (FedTrimmedAvg). */
  trimBeta: Type.Optional(Type.Number({ minimum: 0, exclusiveMaximum: 0.5 })),
  /** Byzantine clients tolerated (Krum) and updates averaged (Multi-Krum). */
  byzantine: Type.Optional(Type.Integer({ minimum: 0 })),
  krumSelect: Type.Optional(Type.Integer({ minimum: 1 })),
  /** Centered clipping (Karimireddy et al. 2021): radius τ of the clip around the centre (default 1). */
  clipRadius: Type.Optional(Type.Number({ exclusiveMinimum: 0, description: 'centeredclip: clipping radius τ around the centre (default 1)' })),
  /** Centered clipping: clipping iterations L per round (default 3). */
  clipIterations: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, description: 'centeredclip: clipping iterations L per round (default 3)' })),
  /** Centered clipping: momentum β of the centre kept between rounds (default 0.9). */
  clipMomentum: Type.Optional(Type.Number({ minimum: 0, exclusiveMaximum: 1, description: 'centeredclip: momentum β of the centre (default 0.9)' })),
});
export type StrategySpec = Static<typeof StrategySpec>;

export const FitSpec = Type.Object({
  fractionFit: Type.Number({ exclusiveMinimum: 0, maximum: 1, default: 0.1 }),
  minFitClients: Type.Integer({ minimum: 1, default: 2 }),
  minAvailableClients: Type.Integer({ minimum: 1, default: 2 }),
  overSelection: Type.Number({ minimum: 1, maximum: 3, default: 1 }),
  epochs: Type.Integer({ minimum: 1, maximum: 100, default: 1 }),
  batchSize: Type.Integer({ minimum: 1, maximum: 4096, default: 10 }),
  learningRate: Type.Number({ exclusiveMinimum: 0, maximum: 10, default: 0.05 }),
  /** FedProx proximal term μ; 0 turns it off. */
  proximalMu: Type.Number({ minimum: 0, default: 0 }),
});
export type FitSpec = Static<typeof FitSpec>;

export const StopSpec = Type.Object({
  maxRounds: Type.Integer({ minimum: 1, default: 200 }),
  targetAccuracy: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 1 })),
  /** Time a selected client has to report, from the plan being sent. */
  roundDeadlineMs: Type.Integer({ minimum: 100, default: 60_000 }),
  /** Fewer reports than this abandons the round and keeps the model. */
  minReports: Type.Integer({ minimum: 1, default: 1 }),
});
export type StopSpec = Static<typeof StopSpec>;

/** Default cap on the examples one client may claim: all of MNIST's training set. */
export const DEFAULT_MAX_EXAMPLES_PER_CLIENT = 60_000;

export const LimitsSpec = Type.Object({
  /** Reports whose update (delta) has a larger L2 norm are rejected. */
  maxUpdateNorm: Type.Number({ exclusiveMinimum: 0, default: 1000 }),
  /**
   * The most examples one client may claim, at hello and in each update: the example count is
   * a client's weight in FedAvg, and under secure aggregation a word of the masked sum.
   * Optional so that tasks stored before it existed still validate (they get the default).
   */
  maxExamplesPerClient: Type.Optional(Type.Integer({
    minimum: 1, maximum: 2 ** 32 - 1, default: DEFAULT_MAX_EXAMPLES_PER_CLIENT,
    description: 'Most examples one client may declare at hello or report in an update (its weight in FedAvg); larger claims are refused with FLT_BAD_EXAMPLE_COUNT',
  })),
});

export const BaselineSpec = Type.Object({
  enabled: Type.Boolean({ default: true }),
  maxEpochs: Type.Integer({ minimum: 1, default: 30 }),
  patience: Type.Integer({ minimum: 1, default: 3 }),
  validationFraction: Type.Number({ exclusiveMinimum: 0, exclusiveMaximum: 0.5, default: 0.1 }),
});

/**
 * Adaptive clipping (Andrew et al., NeurIPS 2021): the clip norm follows the `targetQuantile` of
 * the clients' update norms, S ← S·exp(−η_C (b̃ − γ)), from a count of unclipped updates noised
 * with std `clippedCountStddev` (σ_b; default expected clients per round / 20, as in the paper).
 * The noise multiplier stays the one of the whole round: the update sum gets the larger
 * z_Δ = (z⁻² − (2σ_b)⁻²)^(−1/2), so σ_b must exceed z/2.
 */
export const AdaptiveClippingSpec = Type.Object({
  enabled: Type.Boolean({ default: false }),
  targetQuantile: Type.Number({ exclusiveMinimum: 0, exclusiveMaximum: 1, default: 0.5 }),
  learningRate: Type.Number({ exclusiveMinimum: 0, default: 0.2 }),
  clippedCountStddev: Type.Optional(Type.Number({ exclusiveMinimum: 0 })),
});
export type AdaptiveClippingSpec = Static<typeof AdaptiveClippingSpec>;

/**
 * Client-level differential privacy (DP-FedAvg, McMahan et al. 2018), in Opacus / TF Privacy
 * terms: clipping norm, noise multiplier, δ, and an optional ε budget that stops the task.
 */
export const DifferentialPrivacySpec = Type.Object({
  enabled: Type.Boolean({ default: false }),
  clippingNorm: Type.Number({ exclusiveMinimum: 0, default: 1 }),
  noiseMultiplier: Type.Number({ minimum: 0, default: 1 }),
  delta: Type.Number({ exclusiveMinimum: 0, exclusiveMaximum: 1, default: 1e-5 }),
  targetEpsilon: Type.Optional(Type.Number({ exclusiveMinimum: 0 })),
  /** Adaptive clipping: `clippingNorm` is then only the first round's clip norm. */
  adaptiveClipping: Type.Optional(AdaptiveClippingSpec),
});
export type DifferentialPrivacySpec = Static<typeof DifferentialPrivacySpec>;

/**
 * Sample-level differential privacy (DP-SGD, Abadi et al. 2016) in the clients' local training,
 * in TF Privacy / Opacus terms: each micro-batch gradient is clipped to `l2NormClip`, Gaussian noise
 * of std `noiseMultiplier` × `l2NormClip` is added to their sum. The coordinator accounts ε at δ
 * for one example held by one client and stops the task at `targetEpsilon`.
 */
export const DpSgdSpec = Type.Object({
  enabled: Type.Boolean({ default: false }),
  l2NormClip: Type.Number({ exclusiveMinimum: 0, default: 1 }),
  noiseMultiplier: Type.Number({ minimum: 0, default: 1.1 }),
  /** Examples per clipped gradient; 1 is per-example clipping. */
  microbatchSize: Type.Integer({ minimum: 1, default: 1 }),
  delta: Type.Number({ exclusiveMinimum: 0, exclusiveMaximum: 1, default: 1e-5 }),
  targetEpsilon: Type.Optional(Type.Number({ exclusiveMinimum: 0 })),
});
export type DpSgdSpec = Static<typeof DpSgdSpec>;

/**
 * Secure aggregation (Bonawitz et al., CCS 2017; SecAgg+ of Bell et al., CCS 2020): the
 * coordinator only ever holds masked vectors, shares it cannot open and the unmasked sum.
 * Updates are clipped per coordinate to [−clip, clip] and encoded in fixed point over Z_2^32.
 */
export const SecureAggregationSpec = Type.Object({
  enabled: Type.Boolean({ default: false }),
  /** `full`: everyone masks with everyone; `plus`: with a random neighbourhood of k = O(log n) peers. */
  mode: Type.Union([Type.Literal('full'), Type.Literal('plus')], { default: 'plus' }),
  /** SecAgg+ neighbourhood size k (even); default 2⌈log2 n⌉. */
  neighbours: Type.Optional(Type.Integer({ minimum: 2 })),
  /** Shamir threshold t; default a strict majority of the share holders. */
  threshold: Type.Optional(Type.Integer({ minimum: 2 })),
  /** Per-coordinate clipping range of an update before the fixed-point encoding. */
  clip: Type.Number({ exclusiveMinimum: 0, default: 1 }),
  /** Deadline of each key-exchange and unmasking stage (the masked upload has the round deadline). */
  stageDeadlineMs: Type.Integer({ minimum: 100, default: 15_000 }),
});
export type SecureAggregationSpec = Static<typeof SecureAggregationSpec>;

export const PrivacySpec = Type.Object({
  differentialPrivacy: DifferentialPrivacySpec,
  /** Optional so that tasks stored before it existed still validate; new tasks get the defaults. */
  dpSgd: Type.Optional(DpSgdSpec),
  /** Absent in tasks created before secure aggregation existed: off. */
  secureAggregation: Type.Optional(SecureAggregationSpec),
});

/** Everything that defines a federated task. Omitted fields take the defaults above. */
export const TaskConfig = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 200 }),
  model: ModelSpec,
  data: DataSpec,
  strategy: StrategySpec,
  fit: FitSpec,
  stop: StopSpec,
  limits: LimitsSpec,
  baseline: BaselineSpec,
  privacy: PrivacySpec,
  seed: Type.Integer({ default: 1 }),
});
export type TaskConfig = Static<typeof TaskConfig>;

/** What a client is told to do in one round. */
export const FitPlan = Type.Object({
  epochs: Type.Integer({ minimum: 1 }),
  batchSize: Type.Integer({ minimum: 1 }),
  learningRate: Type.Number({ exclusiveMinimum: 0 }),
  proximalMu: Type.Number({ minimum: 0 }),
  seed: Type.Integer(),
  /** Present when the task trains with DP-SGD. */
  dpSgd: Type.Optional(Type.Object({
    l2NormClip: Type.Number({ exclusiveMinimum: 0 }),
    noiseMultiplier: Type.Number({ minimum: 0 }),
    microbatchSize: Type.Integer({ minimum: 1 }),
    /**
     * Under secure aggregation the coordinator never sees a report's example count, so it accounts
     * each client for the count its hello declared and binds it here: the client trains on exactly
     * this many examples or fails the round instead of uploading.
     */
    numExamples: Type.Optional(Type.Integer({ minimum: 1 })),
  })),
});
export type FitPlan = Static<typeof FitPlan>;

export const TaskState = Type.Union([
  Type.Literal('created'), Type.Literal('running'), Type.Literal('paused'),
  Type.Literal('stopped'), Type.Literal('completed'), Type.Literal('failed'),
]);
export type TaskState = Static<typeof TaskState>;
