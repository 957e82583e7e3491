// Task configuration: what an operator submits to create a federated task, shared by the REST
// API, the dashboard and the clients (which read the model and fit parts from their plan).

import { Type, type Static } from '@sinclair/typebox';
import { DataSchema, MNIST_SCHEMA } from './dataSchema.ts';
import { CodecSpec, CommunicationSpec } from './communication.ts';
import { ContributionSpec } from './contribution.ts';
import { AsynchronousSpec, PersonalizationSpec, WorkSpec } from './heterogeneity.ts';
import { StrategySpec } from './strategies.ts';

/**
 * Layers that keep their (pretrained) weights while the rest trains: every layer up to and
 * including a named one (or the first N), or layers by name. Clients train only the others; the
 * coordinator puts frozen weights back after a server optimiser or DP noise would move them.
 */
export const FreezeSpec = Type.Union([
  Type.Object({ upTo: Type.Union([Type.String({ minLength: 1, maxLength: 128 }), Type.Integer({ minimum: 1 })]) }, { additionalProperties: false }),
  Type.Object({ names: Type.Array(Type.String({ minLength: 1, maxLength: 128 }), { minItems: 1, maxItems: 1000 }) }, { additionalProperties: false }),
]);
export type FreezeSpec = Static<typeof FreezeSpec>;

/** Architectures built from the task's data schema (packages/models' SCHEMA_MODELS). */
export const SchemaArchitecture = Type.Union([
  Type.Literal('mlp'), Type.Literal('cnn'), Type.Literal('logreg'), Type.Literal('lstm'), Type.Literal('gru'),
]);
export type SchemaArchitecture = Static<typeof SchemaArchitecture>;

/** Options of the schema architectures; each reads only its own (packages/models checks which apply). */
export const SchemaModelOptions = Type.Object({
  hiddenUnits: Type.Optional(Type.Array(Type.Integer({ minimum: 1, maximum: 4096 }), { minItems: 1, maxItems: 8 })),
  filters: Type.Optional(Type.Tuple([Type.Integer({ minimum: 1, maximum: 256 }), Type.Integer({ minimum: 1, maximum: 256 })])),
  denseUnits: Type.Optional(Type.Integer({ minimum: 1, maximum: 4096 })),
  pooling: Type.Optional(Type.Union([Type.Literal('flatten'), Type.Literal('global')])),
  embeddingSize: Type.Optional(Type.Integer({ minimum: 1, maximum: 512 })),
  units: Type.Optional(Type.Integer({ minimum: 1, maximum: 256 })),
}, { additionalProperties: false });
export type SchemaModelOptions = Static<typeof SchemaModelOptions>;

const Freeze = Type.Optional(FreezeSpec);

export const ModelSpec = Type.Union([
  Type.Object({ kind: Type.Literal('mnist-2nn'), freeze: Freeze }),
  Type.Object({ kind: Type.Literal('mnist-cnn'), freeze: Freeze }),
  Type.Object({ kind: Type.Literal('logreg'), inputs: Type.Integer({ minimum: 1 }), classes: Type.Integer({ minimum: 2 }), freeze: Freeze }),
  /** A TensorFlow.js layers model.json's topology; its starting weights come from `initialModel`. */
  Type.Object({ kind: Type.Literal('tfjs'), modelTopology: Type.Unknown(), freeze: Freeze }),
  /** Built from the task's `data.schema`: its input is one encoded example, its output the schema's classes, symbols or value. */
  Type.Object({ kind: Type.Literal('schema'), architecture: SchemaArchitecture, options: Type.Optional(SchemaModelOptions), freeze: Freeze }),
]);
export type ModelSpec = Static<typeof ModelSpec>;

/**
 * Where round 0's weights come from instead of the seeded initialisation: a pretrained upload
 * (`POST /api/models`, model.json + weights.bin), or another task's committed model (its latest
 * version unless one is named). Its shapes must match `model`; checked at creation.
 */
export const InitialModelSpec = Type.Union([
  Type.Object({ from: Type.Literal('upload'), uploadId: Type.String({ minLength: 1, maxLength: 128 }) }, { additionalProperties: false }),
  Type.Object({
    from: Type.Literal('task'), taskId: Type.String({ minLength: 1, maxLength: 128 }), version: Type.Optional(Type.Integer({ minimum: 0 })),
  }, { additionalProperties: false }),
]);
export type InitialModelSpec = Static<typeof InitialModelSpec>;

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
  /**
   * One client per distinct value of the dataset's client column (LEAF, FLamby, Flower's
   * NaturalIdPartitioner), in sorted order; `numClients` is filled in from the dataset at creation.
   */
  Type.Object({
    kind: Type.Literal('natural'),
    numClients: Type.Integer({ minimum: 1 }),
    seed: Type.Integer(),
  }),
]);
export type PartitionSpec = Static<typeof PartitionSpec>;

/** The built-in dataset: MNIST's 60,000 training digits (its 10,000 test digits are `mnist-test`). */
export const BUILTIN_MNIST = 'mnist';
export const BUILTIN_MNIST_TEST = 'mnist-test';

export const DataSpec = Type.Object({
  /**
   * What one example is. Optional only so that tasks stored before schemas existed still
   * validate: they are MNIST's; every task resolved at creation carries it.
   */
  schema: Type.Optional(DataSchema),
  /**
   * The dataset simulated clients are partitioned from and the baseline pools: `mnist` or the id
   * of a registered dataset (`GET /api/datasets`). Absent: clients bring their own data and there
   * is no baseline (the coordinator does not hold the union of the data).
   */
  dataset: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
  /**
   * Central evaluation set held by the coordinator: `mnist-test` or a registered dataset of the
   * same schema. Absent: the model is evaluated only where the data lives (federated evaluation).
   */
  testDataset: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
  partition: PartitionSpec,
  /** Test examples used for central evaluation (the first N of the test dataset). */
  testLimit: Type.Integer({ minimum: 1, maximum: 1_000_000, default: 10000 }),
  /** A simulation task may serve each client its partition; a real deployment never does. */
  simulation: Type.Boolean({ default: true }),
  /**
   * Share of each client's examples it holds out for federated evaluation (never trained on).
   * Optional so that stored tasks validate: they hold out nothing.
   */
  clientTestFraction: Type.Optional(Type.Number({ minimum: 0, maximum: 0.5 })),
});
export type DataSpec = Static<typeof DataSpec>;

/**
 * Federated evaluation (Flower's configure_evaluate / aggregate_evaluate): after a commit, a
 * fraction of the task's connected clients evaluate the new global model on their held-out split
 * and report loss, the metric and their example count; round 0 evaluates the initial model.
 */
export const FederatedEvaluationSpec = Type.Object({
  enabled: Type.Boolean({ default: false }),
  /** Evaluate after every k-th committed round (and always at round 0). */
  everyRounds: Type.Integer({ minimum: 1, maximum: 10_000, default: 1 }),
  /** Fraction of the task's connected clients asked, at least `minClients`. */
  fractionClients: Type.Number({ exclusiveMinimum: 0, maximum: 1, default: 1 }),
  minClients: Type.Integer({ minimum: 1, default: 1 }),
  /** Time an asked client has to report its evaluation. */
  deadlineMs: Type.Integer({ minimum: 100, default: 30_000 }),
});
export type FederatedEvaluationSpec = Static<typeof FederatedEvaluationSpec>;

export const EvaluationSpec = Type.Object({ federated: FederatedEvaluationSpec });
export type EvaluationSpec = Static<typeof EvaluationSpec>;


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
  /** Device-aware local work; absent (stored tasks) means fixed epochs. */
  work: Type.Optional(WorkSpec),
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
 * Updates are clipped per coordinate to [−clip, clip] and encoded in fixed point over Z_2^32; with
 * the `int8` uplink (communication.uplink) as 8-bit stochastic rounding over Z_2^(8 + ⌈log2 n⌉),
 * each masked value sent in that many bits.
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
  /** Round 0 from pretrained weights or another task's model; absent: the seeded initialisation. */
  initialModel: Type.Optional(InitialModelSpec),
  data: DataSpec,
  /** Optional so that tasks stored before it existed validate (no federated evaluation). */
  evaluation: Type.Optional(EvaluationSpec),
  strategy: StrategySpec,
  fit: FitSpec,
  stop: StopSpec,
  limits: LimitsSpec,
  baseline: BaselineSpec,
  privacy: PrivacySpec,
  /** Update and model codecs; absent: float32 both ways. */
  communication: Type.Optional(CommunicationSpec),
  /** Buffered asynchronous aggregation (FedBuff); absent or disabled: synchronous rounds. */
  asynchronous: Type.Optional(AsynchronousSpec),
  /** Personal models kept on the clients; absent: mode none. */
  personalization: Type.Optional(PersonalizationSpec),
  /** Shapley-value contribution of each client's updates; absent or disabled: none. */
  contribution: Type.Optional(ContributionSpec),
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
  /**
   * Device-aware work: the local steps (batches) this client is asked for in place of `epochs`
   * epochs. The client reports the steps it did in its update (`localSteps`).
   */
  localSteps: Type.Optional(Type.Integer({ minimum: 1 })),
  /** The client may stop before `localSteps` / `epochs` when its deadline nears and report partial work. */
  acceptPartial: Type.Optional(Type.Boolean()),
  /** The update's codec for this client (absent: float32). */
  uplink: Type.Optional(CodecSpec),
  /** Present when the task keeps personal models on the clients. */
  personalization: Type.Optional(PersonalizationSpec),
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

/**
 * The schema a task's examples have: its own, or MNIST's for a task stored before schemas existed.
 * @example taskSchema(task.config.data).kind // 'image'
 */
export function taskSchema(data: Pick<DataSpec, 'schema'>): DataSchema {
  return data.schema ?? MNIST_SCHEMA;
}
