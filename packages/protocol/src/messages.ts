// Schemas of every message on the client WebSocket, in both directions.

import { Type, type Static } from '@sinclair/typebox';
import { DataSchema } from './dataSchema.ts';
import { CodecSpec } from './communication.ts';
import { PersonalizationSpec } from './heterogeneity.ts';
import { FitPlan, ModelSpec } from './task.ts';
import { StandingMessage } from './contribution.ts';
import {
  SecAggAdvertise, SecAggDeliver, SecAggKeys, SecAggMasked, SecAggPlan, SecAggReveal, SecAggShares, SecAggUnmask,
} from './secagg.ts';

/** Bumped on any incompatible change to messages or frames; a mismatch is refused at hello. */
export const PROTOCOL_VERSION = 3;

const Id = Type.String({ minLength: 1, maxLength: 128 });
const Round = Type.Integer({ minimum: 0 });
const Count = Type.Integer({ minimum: 0 });

export const ClientKind = Type.Union([Type.Literal('node'), Type.Literal('browser')]);
export type ClientKind = Static<typeof ClientKind>;

export const DeviceInfo = Type.Object({
  backend: Type.String({ maxLength: 32 }),
  /** Measured local training speed, examples per second. */
  examplesPerSec: Type.Optional(Type.Number({ minimum: 0 })),
  /** Measured or declared uplink and downlink speed, kilobits per second (a slow link may get a stronger codec). */
  uplinkKbps: Type.Optional(Type.Number({ minimum: 0 })),
  downlinkKbps: Type.Optional(Type.Number({ minimum: 0 })),
  userAgent: Type.Optional(Type.String({ maxLength: 512 })),
});
export type DeviceInfo = Static<typeof DeviceInfo>;

// ── client → coordinator ─────────────────────────────────────────────────────────────────────

export const Hello = Type.Object({
  type: Type.Literal('hello'),
  protocolVersion: Type.Integer(),
  kind: ClientKind,
  /** A reconnecting client resumes its identity with the id and token from its welcome. */
  clientId: Type.Optional(Id),
  resumeToken: Type.Optional(Type.String({ minLength: 16, maxLength: 128 })),
  taskId: Type.Optional(Id),
  /** In a simulation, which partition this client trains on. */
  partitionIndex: Type.Optional(Count),
  numExamples: Type.Optional(Count),
  /**
   * `numExamples` is the client's training part: what is left once the task's held-out share (the
   * welcome's `clientTestFraction`) is split off. Absent: the whole of its data, before a welcome
   * told it the share (it then says hello again with its training part).
   */
  trainSplit: Type.Optional(Type.Boolean()),
  device: DeviceInfo,
  capabilities: Type.Object({ codecs: Type.Array(Type.String({ maxLength: 32 }), { maxItems: 16 }) }),
  /** Required when the coordinator was started with a client join token (separate from the operator token). */
  joinToken: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
}, { additionalProperties: false });
export type Hello = Static<typeof Hello>;

export const Heartbeat = Type.Object({
  type: Type.Literal('heartbeat'),
  /**
   * The client's uplink as it measured it from its own uploads (kbit/s), once it has: replaces the
   * hello's `device.uplinkKbps` for the next plans. A claim: it can only get a cheaper uplink codec.
   */
  uplinkKbps: Type.Optional(Type.Number({ minimum: 0, maximum: 1e9 })),
}, { additionalProperties: false });
export type Heartbeat = Static<typeof Heartbeat>;

export const TrainingMetrics = Type.Object({
  loss: Type.Number(),
  accuracy: Type.Number({ minimum: 0, maximum: 1 }),
  trainMs: Type.Number({ minimum: 0 }),
});

/** Header of the binary frame that carries a client's update (local − global, per weight). */
export const Update = Type.Object({
  type: Type.Literal('update'),
  taskId: Id,
  round: Round,
  modelVersion: Count,
  numExamples: Type.Integer({ minimum: 1 }),
  metrics: TrainingMetrics,
  /** Local steps (batches) actually done: FedNova normalises by it; fewer than planned is partial work. */
  localSteps: Type.Optional(Type.Integer({ minimum: 0 })),
}, { additionalProperties: false });
export type Update = Static<typeof Update>;

/** A client's coded report that it could not do what a round asked (train, or evaluate). */
const failure = <T extends string>(type: T) => Type.Object({
  type: Type.Literal(type),
  taskId: Id,
  round: Round,
  code: Type.String({ maxLength: 64 }),
  message: Type.String({ maxLength: 1000 }),
}, { additionalProperties: false });

export const FitFailed = failure('fit.failed');
export type FitFailed = Static<typeof FitFailed>;

export const Progress = Type.Object({
  type: Type.Literal('progress'),
  taskId: Id,
  round: Round,
  epoch: Count,
  epochs: Count,
  batch: Count,
  batches: Count,
  loss: Type.Number(),
}, { additionalProperties: false });
export type Progress = Static<typeof Progress>;

/**
 * A client's evaluation of one global model version on its held-out split. `accuracy` for
 * classification and next-symbol tasks; `mse` and `mae` for a regression (each `loss` is the
 * training loss's value on the held-out examples: cross-entropy, or squared error).
 */
export const EvaluationMetrics = Type.Object({
  loss: Type.Number({ minimum: 0 }),
  accuracy: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
  mse: Type.Optional(Type.Number({ minimum: 0 })),
  mae: Type.Optional(Type.Number({ minimum: 0 })),
}, { additionalProperties: false });
export type EvaluationMetrics = Static<typeof EvaluationMetrics>;

export const EvaluationReport = Type.Object({
  type: Type.Literal('evaluation'),
  taskId: Id,
  /** The committed round whose model was evaluated (0: the initial model). */
  round: Round,
  modelVersion: Count,
  /** Held-out examples evaluated on. */
  numExamples: Type.Integer({ minimum: 1 }),
  metrics: EvaluationMetrics,
  /** Under personalisation: the client's personal model on the same held-out examples. */
  personal: Type.Optional(EvaluationMetrics),
  /** Under personalisation with `localBaseline`: a model trained on the client's data alone. */
  localOnly: Type.Optional(EvaluationMetrics),
}, { additionalProperties: false });
export type EvaluationReport = Static<typeof EvaluationReport>;

export const EvaluateFailed = failure('evaluate.failed');
export type EvaluateFailed = Static<typeof EvaluateFailed>;

export const ClientMessage = Type.Union([
  Hello, Heartbeat, Update, FitFailed, Progress, EvaluationReport, EvaluateFailed, SecAggAdvertise, SecAggShares, SecAggMasked, SecAggReveal,
]);
export type ClientMessage = Static<typeof ClientMessage>;

// ── coordinator → client ─────────────────────────────────────────────────────────────────────

export const TaskSummary = Type.Object({
  id: Id, name: Type.String(), model: ModelSpec,
  /** What one example is: the client loads and checks its data against it before it trains. */
  schema: DataSchema,
  /** Share of its examples the client holds out for federated evaluation. */
  clientTestFraction: Type.Number({ minimum: 0, maximum: 0.5 }),
  /**
   * The task's seed: a client with partition index k holds out the examples
   * `splitClientExamples(0..n-1, clientTestFraction, holdoutSeed(seed, k))` (k = 0 without a partition).
   */
  seed: Type.Integer(),
  /** Present when the task keeps personal models on the clients. */
  personalization: Type.Optional(PersonalizationSpec),
  /** True for a buffered asynchronous task: plans follow each other without round.end. */
  asynchronous: Type.Optional(Type.Boolean()),
});
export type TaskSummary = Static<typeof TaskSummary>;

export const Welcome = Type.Object({
  type: Type.Literal('welcome'),
  protocolVersion: Type.Integer(),
  clientId: Id,
  resumeToken: Type.String(),
  heartbeatIntervalMs: Type.Integer({ minimum: 100 }),
  maxFrameBytes: Type.Integer({ minimum: 1 }),
  task: Type.Union([TaskSummary, Type.Null()]),
});
export type Welcome = Static<typeof Welcome>;

/** Configuration of one round for one selected client (Bonawitz et al. 2019's "configuration"). */
export const RoundPlan = Type.Object({
  type: Type.Literal('round.plan'),
  taskId: Id,
  round: Round,
  modelVersion: Count,
  model: ModelSpec,
  /** The task's data schema: a `schema` model is built from it, and the data is checked against it. */
  schema: DataSchema,
  /** Where to fetch the global weights of modelVersion (a binary frame, cacheable forever). */
  weightsUrl: Type.String(),
  codec: Type.String(),
  fit: FitPlan,
  /** Epoch milliseconds by which the update must arrive. */
  deadline: Type.Integer(),
  /** Present when the task requires secure aggregation: the update goes up masked, in four stages. */
  secureAggregation: Type.Optional(SecAggPlan),
  /** The codec of the weights at weightsUrl (absent: float32); a delta URL names its base version. */
  downlink: Type.Optional(CodecSpec),
  /** A buffered asynchronous task's plan: no round.end follows, the next plan comes after the update's ack. */
  asynchronous: Type.Optional(Type.Boolean()),
});
export type RoundPlan = Static<typeof RoundPlan>;

/**
 * Asks a client to evaluate a committed model version on its held-out split (federated
 * evaluation). It does not train; it answers with `evaluation` or `evaluate.failed`.
 */
export const EvaluatePlan = Type.Object({
  type: Type.Literal('evaluate.plan'),
  taskId: Id,
  /** The committed round whose model this is (0: the initial model). */
  round: Round,
  modelVersion: Count,
  model: ModelSpec,
  schema: DataSchema,
  weightsUrl: Type.String(),
  /** Present when the client also evaluates its personal model (and a local-only one). */
  personalization: Type.Optional(PersonalizationSpec),
  /** Epoch milliseconds by which the evaluation must arrive. */
  deadline: Type.Integer(),
});
export type EvaluatePlan = Static<typeof EvaluatePlan>;

export const RoundEnd = Type.Object({
  type: Type.Literal('round.end'),
  taskId: Id,
  round: Round,
  outcome: Type.Union([Type.Literal('committed'), Type.Literal('abandoned')]),
});
export type RoundEnd = Static<typeof RoundEnd>;

export const UpdateAck = Type.Object({ type: Type.Literal('update.ack'), taskId: Id, round: Round });
export type UpdateAck = Static<typeof UpdateAck>;

export const ErrorMessage = Type.Object({
  type: Type.Literal('error'),
  code: Type.String(),
  message: Type.String(),
  fatal: Type.Boolean(),
});
export type ErrorMessage = Static<typeof ErrorMessage>;

export const ServerMessage = Type.Union([Welcome, RoundPlan, EvaluatePlan, RoundEnd, UpdateAck, ErrorMessage, SecAggKeys, SecAggDeliver, SecAggUnmask, StandingMessage]);
export type ServerMessage = Static<typeof ServerMessage>;
