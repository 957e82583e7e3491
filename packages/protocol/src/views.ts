// REST views of the coordinator as TypeBox schemas: what /api answers (tasks, rounds, clients,
// baselines, vertical jobs, coded errors). Fastify validates responses against them, OpenAPI is
// generated from them, and the store, the dashboard and the fleet take their types from them.
// Views are open objects (extra properties pass) so that a field added by the engine reaches
// clients before its schema is tightened; the fields listed here are the ones clients rely on.

import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { FederatedSummary } from './federatedEvaluation.ts';
import { AsyncCommitView, CurrentBufferView } from './asynchronousViews.ts';
import { DataSchema } from './dataSchema.ts';
import { TaskConfig, TaskState } from './task.ts';

const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);
/** Milliseconds since the epoch. */
const Time = Type.Number({ description: 'milliseconds since the epoch' });

/** Every error body under /api: a stable FLT_… code and a message for people. */
export const ErrorView = Type.Object({
  code: Type.String({ description: 'stable error code (FLT_…, VFL_…, DATA_…)' }),
  message: Type.String(),
});
export type ErrorView = Static<typeof ErrorView>;

export const RoundOutcome = Type.Union([Type.Literal('committed'), Type.Literal('abandoned')]);
export type RoundOutcome = Static<typeof RoundOutcome>;

export const ClientOutcome = Type.Union([
  Type.Literal('reported'), Type.Literal('disconnected'), Type.Literal('deadline'), Type.Literal('error'),
  Type.Literal('rejected'), Type.Literal('late'),
]);
export type ClientOutcome = Static<typeof ClientOutcome>;

/** One selected client's part in a round. */
export const RoundClientView = Type.Object({
  clientId: Type.String(),
  outcome: ClientOutcome,
  code: Nullable(Type.String()),
  numExamples: Nullable(Type.Integer({ minimum: 0 })),
  trainLoss: Nullable(Type.Number()),
  /** Device-aware work: the local steps the plan asked for and the steps the update reports (fewer: partial work). */
  plannedSteps: Type.Optional(Type.Integer({ minimum: 0 })),
  localSteps: Type.Optional(Type.Integer({ minimum: 0 })),
  /** Bytes this client's socket carried up in the round (absent in rounds stored before it was counted). */
  bytesUp: Type.Optional(Type.Integer({ minimum: 0 })),
  /** Model bytes the weights route served this client for the round. */
  bytesDown: Type.Optional(Type.Integer({ minimum: 0 })),
});
export type RoundClientView = Static<typeof RoundClientView>;

/** A round as listed (`GET /api/tasks/:id/rounds`, `round.committed` / `round.abandoned` events). */
export const RoundSummaryView = Type.Object({
  taskId: Type.String(),
  round: Type.Integer({ minimum: 1 }),
  outcome: RoundOutcome,
  reason: Nullable(Type.String()),
  startedAt: Time,
  endedAt: Time,
  selected: Type.Integer({ minimum: 0 }),
  goal: Type.Integer({ minimum: 0 }),
  reported: Type.Integer({ minimum: 0 }),
  dropped: Type.Integer({ minimum: 0 }),
  failed: Type.Integer({ minimum: 0 }),
  testAccuracy: Nullable(Type.Number()),
  testLoss: Nullable(Type.Number()),
  trainLoss: Nullable(Type.Number()),
  baselineAccuracy: Nullable(Type.Number()),
  /** Accuracy loss δ = acc(central baseline) − acc(federated). */
  delta: Nullable(Type.Number()),
  /** Privacy spent so far (ε at the task's δ) when the task uses differential privacy. */
  epsilon: Nullable(Type.Number()),
  /** Client-level DP: the clip norm S after this round (adaptive clipping moves it); absent or null otherwise. */
  clipNorm: Type.Optional(Nullable(Type.Number())),
  bytesUp: Type.Integer({ minimum: 0 }),
  bytesDown: Type.Integer({ minimum: 0 }),
  modelVersion: Type.Integer({ minimum: 0 }),
  /** The federated evaluation of this round's model once it ran; null (or absent) otherwise. */
  federated: Type.Optional(Nullable(FederatedSummary)),
  /** An asynchronous task's commit: its buffer and staleness; absent or null for a synchronous round. */
  asynchronous: Type.Optional(Nullable(AsyncCommitView)),
});
export type RoundSummaryView = Static<typeof RoundSummaryView>;

/** One round with every selected client's outcome (`GET /api/tasks/:id/rounds/:round`); the store's record. */
export const RoundDetailView = Type.Composite([RoundSummaryView, Type.Object({ clients: Type.Array(RoundClientView) })]);
export type RoundDetailView = Static<typeof RoundDetailView>;

export const RoundPhase = Type.Union([
  Type.Literal('selection'), Type.Literal('configuration'), Type.Literal('reporting'), Type.Literal('aggregation'),
  Type.Literal('evaluation'), Type.Literal('commit'),
  // Secure aggregation's stages around the (masked) reporting.
  Type.Literal('keys'), Type.Literal('shares'), Type.Literal('unmasking'),
]);
export type RoundPhase = Static<typeof RoundPhase>;

/** The round in flight of a running task. */
/** One client's local work in a round: steps planned and done. */
export const RoundWorkView = Type.Object({
  clientId: Type.String(),
  plannedSteps: Type.Integer({ minimum: 0 }),
  localSteps: Type.Integer({ minimum: 0 }),
});
export type RoundWorkView = Static<typeof RoundWorkView>;

export const CurrentRoundView = Type.Object({
  round: Type.Integer({ minimum: 1 }),
  phase: RoundPhase,
  selected: Type.Integer({ minimum: 0 }),
  goal: Type.Integer({ minimum: 0 }),
  reported: Type.Integer({ minimum: 0 }),
  dropped: Type.Integer({ minimum: 0 }),
  failed: Type.Integer({ minimum: 0 }),
  deadline: Time,
  startedAt: Time,
  /** A secure-aggregation round (its timeline has the SecAgg stages). */
  secure: Type.Boolean(),
  /** Device-aware work: the local steps each reporting client was asked for and did (fewer: partial work). */
  work: Type.Optional(Type.Array(RoundWorkView)),
});
export type CurrentRoundView = Static<typeof CurrentRoundView>;

export const BaselineEpoch = Type.Object({
  epoch: Type.Integer({ minimum: 1 }),
  trainLoss: Type.Number(),
  /** Null for a regression (its `valLoss` is the validation MSE). */
  valAccuracy: Nullable(Type.Number()),
  valLoss: Type.Number(),
});
export type BaselineEpoch = Static<typeof BaselineEpoch>;

/** 'unavailable': the task cannot have one (never stored; `error` says why). */
export const BaselineStatus = Type.Union([Type.Literal('running'), Type.Literal('done'), Type.Literal('failed'), Type.Literal('unavailable')]);
export type BaselineStatus = Static<typeof BaselineStatus>;

/** The centralized baseline as stored, keyed by the fingerprint of what it trains (`GET /api/tasks/:id/baseline`). */
export const BaselineRecordView = Type.Object({
  fingerprint: Type.String(),
  status: BaselineStatus,
  accuracy: Nullable(Type.Number()),
  loss: Nullable(Type.Number()),
  epochs: Type.Array(BaselineEpoch),
  error: Nullable(Type.String()),
  updatedAt: Time,
  /** What the finished baseline was evaluated on: the central test set or the clients' pooled held-out parts. */
  evaluatedOn: Type.Optional(Nullable(Type.Union([Type.Literal('test-set'), Type.Literal('client-holdout')]))),
});
export type BaselineRecordView = Static<typeof BaselineRecordView>;

/** A federated evaluation in flight: clients evaluating a committed model on their held-out data. */
export const CurrentEvaluationView = Type.Object({
  round: Type.Integer({ minimum: 0 }),
  modelVersion: Type.Integer({ minimum: 0 }),
  asked: Type.Integer({ minimum: 0 }),
  reported: Type.Integer({ minimum: 0 }),
  failed: Type.Integer({ minimum: 0 }),
  deadline: Time,
});
export type CurrentEvaluationView = Static<typeof CurrentEvaluationView>;

/** A task as the API shows it: its record, its latest round, its baseline and the round in flight. */
export const TaskView = Type.Object({
  id: Type.String(),
  name: Type.String(),
  state: TaskState,
  stopReason: Nullable(Type.String()),
  createdAt: Time,
  updatedAt: Time,
  /** Version of the latest committed global model (0 = the initial weights). */
  modelVersion: Type.Integer({ minimum: 0 }),
  /** Last round that ended (committed or abandoned). */
  lastRound: Type.Integer({ minimum: 0 }),
  config: TaskConfig,
  latestRound: Nullable(RoundSummaryView),
  /** Null when the task has no baseline (turned off, or none computed yet). */
  baseline: Nullable(Type.Object({
    status: BaselineStatus,
    accuracy: Nullable(Type.Number()),
    loss: Nullable(Type.Number()),
    epochs: Type.Array(BaselineEpoch),
    error: Nullable(Type.String()),
    evaluatedOn: Type.Optional(Nullable(Type.Union([Type.Literal('test-set'), Type.Literal('client-holdout')]))),
  })),
  currentRound: Nullable(CurrentRoundView),
  /** What one example is (MNIST's for tasks stored before schemas). */
  schema: Type.Optional(DataSchema),
  currentEvaluation: Type.Optional(Nullable(CurrentEvaluationView)),
  /** An asynchronous task's buffer filling now (it has no round in flight). */
  currentBuffer: Type.Optional(Nullable(CurrentBufferView)),
});
export type TaskView = Static<typeof TaskView>;

/** A client as stored (never its token). */
export const ClientRecordView = Type.Object({
  id: Type.String(),
  kind: Type.String(),
  backend: Nullable(Type.String()),
  examplesPerSec: Nullable(Type.Number()),
  firstSeen: Time,
  lastSeen: Time,
  roundsJoined: Type.Integer({ minimum: 0 }),
  dropouts: Type.Integer({ minimum: 0 }),
});
export type ClientRecordView = Static<typeof ClientRecordView>;

/** A client in `GET /api/clients`: its record and whether (and where) it is connected now. */
export const ClientView = Type.Composite([ClientRecordView, Type.Object({
  connected: Type.Boolean(),
  taskId: Nullable(Type.String()),
  partitionIndex: Nullable(Type.Integer({ minimum: 0 })),
  /** The edge aggregator it is connected to (a root started with --nats); absent when on the coordinator itself or offline. */
  edge: Type.Optional(Type.String()),
})]);
export type ClientView = Static<typeof ClientView>;

export const TaskListView = Type.Object({ tasks: Type.Array(TaskView) });
export type TaskListView = Static<typeof TaskListView>;
export const RoundListView = Type.Object({ rounds: Type.Array(RoundSummaryView) });
export type RoundListView = Static<typeof RoundListView>;
export const ClientListView = Type.Object({ clients: Type.Array(ClientView) });
export type ClientListView = Static<typeof ClientListView>;
export const BaselineView = Type.Object({ baseline: Nullable(BaselineRecordView) });
export type BaselineView = Static<typeof BaselineView>;

/** `POST /api/session`: when the dashboard's session cookie expires. */
export const SessionView = Type.Object({ expiresAt: Time });
export type SessionView = Static<typeof SessionView>;

const VerticalRoleName = Type.String({ description: 'guest, host, host-2 … host-4, arbiter' });
export const VerticalJobState = Type.Union([Type.Literal('waiting'), Type.Literal('running'), Type.Literal('done'), Type.Literal('failed')]);
export type VerticalJobState = Static<typeof VerticalJobState>;

/** A vertical job (hetero LR, split NN) as REST shows it: never its party tokens. */
export const VerticalJobView = Type.Object({
  id: Type.String(),
  algorithm: Type.Union([Type.Literal('hetero-lr'), Type.Literal('split-nn'), Type.Literal('ftl')]),
  settings: Type.Object({
    epochs: Type.Integer(),
    batchSize: Type.Optional(Type.Integer()),
    learningRate: Type.Optional(Type.Number()),
    l2: Type.Optional(Type.Number()),
    keyBits: Type.Optional(Type.Integer()),
    hosts: Type.Optional(Type.Integer()),
    validationFraction: Type.Optional(Type.Number()),
    /** FTL: width of the common representation space, and the alignment weight γ. */
    dim: Type.Optional(Type.Integer()),
    gamma: Type.Optional(Type.Number()),
  }),
  state: VerticalJobState,
  createdAt: Type.String({ description: 'ISO 8601' }),
  roles: Type.Array(Type.Object({ role: VerticalRoleName, joined: Type.Boolean(), finished: Type.Boolean() })),
  intersection: Nullable(Type.Integer({ minimum: 0 })),
  progress: Nullable(Type.Object({ step: Type.Integer(), steps: Type.Integer() })),
  epochs: Type.Array(Type.Object({ epoch: Type.Integer(), loss: Type.Optional(Type.Number()), accuracy: Type.Optional(Type.Number()) })),
  error: Nullable(Type.Object({ role: Nullable(VerticalRoleName), code: Type.String(), message: Type.String() })),
  /** The simulated tables' settings; null for an own-data job. */
  simulation: Nullable(Type.Object({}, { additionalProperties: true })),
  /** Plaintext baselines per epoch (simulations only), once computed. */
  /**
   * Plaintext baselines per epoch (simulations only), once computed. FTL: `centralised` is the
   * pooled-data model and `plaintextFtl` plaintext FTL, both on the host's rows outside the overlap;
   * `guestPrior` the guest's majority label on those rows; `labelHolderAlone` the guest's own model
   * on its own (test) rows, which it has features of.
   */
  baselines: Nullable(Type.Array(Type.Object({
    epoch: Type.Integer(),
    centralised: Type.Number(),
    labelHolderAlone: Type.Number(),
    plaintextFtl: Type.Optional(Type.Number()),
    guestPrior: Type.Optional(Type.Number()),
  }))),
});
export type VerticalJobView = Static<typeof VerticalJobView>;

/** `POST /api/vertical/jobs`: the algorithm, its schedule, and for a simulation the tables to cut. */
export const CreateVerticalJob = Type.Object({
  algorithm: Type.Union([Type.Literal('hetero-lr'), Type.Literal('split-nn'), Type.Literal('ftl')]),
  epochs: Type.Integer({ minimum: 1, maximum: 1000 }),
  batchSize: Type.Optional(Type.Integer({ minimum: 1 })),
  learningRate: Type.Optional(Type.Number({ exclusiveMinimum: 0 })),
  l2: Type.Optional(Type.Number({ minimum: 0 })),
  keyBits: Type.Optional(Type.Integer()),
  hosts: Type.Optional(Type.Integer()),
  /** Own-data jobs only: share of the aligned rows both parties hold out for validation. */
  validationFraction: Type.Optional(Type.Number()),
  /** FTL only: width d of the common space (default 8) and the alignment weight γ (default 0.01). */
  dim: Type.Optional(Type.Integer()),
  gamma: Type.Optional(Type.Number()),
  simulation: Type.Optional(Type.Object({
    rows: Type.Optional(Type.Integer()),
    overlap: Type.Optional(Type.Number()),
    seed: Type.Optional(Type.Integer()),
    testRows: Type.Optional(Type.Integer()),
  }, { additionalProperties: false })),
}, { additionalProperties: false });
export type CreateVerticalJob = Static<typeof CreateVerticalJob>;

/** The answer to a job's creation: its view and, this once, one party token per role. */
export const CreatedVerticalJobView = Type.Composite([VerticalJobView, Type.Object({ partyTokens: Type.Record(Type.String(), Type.String()) })]);
export type CreatedVerticalJobView = Static<typeof CreatedVerticalJobView>;
export const VerticalJobListView = Type.Object({ jobs: Type.Array(VerticalJobView) });
export type VerticalJobListView = Static<typeof VerticalJobListView>;

// Datasets (`GET /api/datasets` …) are registered by the datasets routes; their views go in
// a sibling file (datasetViews.ts) exported beside these.
